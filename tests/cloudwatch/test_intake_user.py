"""The "CloudWatch alarms" account declares the incidents alarms open; it is the app's own, so
nobody signs in as it and nobody is offered it when picking a person."""

import pytest
from django import forms

from opsreview.cloudwatch.alarm_intake import INTAKE_USERNAME, intake_user
from opsreview.org.models import Profile
from opsreview.org.pickers import person_field
from tests.org.factories import UserFactory

pytestmark = pytest.mark.django_db


class OwnerForm(forms.Form):
    owner = person_field()


def test_the_alarm_account_is_the_apps_own_and_made_once():
    first, again = intake_user(), intake_user()

    assert first == again and first.username == INTAKE_USERNAME
    assert not first.has_usable_password()
    assert Profile.objects.get(person=first).is_app_account
    assert Profile.objects.filter(person=first).count() == 1


def test_an_alarm_account_made_before_it_was_marked_is_marked_when_next_used():
    older = UserFactory(username=INTAKE_USERNAME)
    assert intake_user() == older
    assert Profile.objects.get(person=older).is_app_account


def test_people_pickers_never_offer_it(client):
    intake_user()
    UserFactory(username="cloudy", first_name="Cloud", last_name="Engineer")
    client.force_login(UserFactory())

    suggested = client.get("/people/search?q=clou").text
    assert "cloudy" in suggested and INTAKE_USERNAME not in suggested
    typed = OwnerForm({"owner": INTAKE_USERNAME})
    assert not typed.is_valid()
    assert "No active person is called" in str(typed.errors["owner"])
