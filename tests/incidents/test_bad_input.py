"""Ids that are digits to str.isdigit() but not numbers to int() are refused, never a 500."""

import pytest

from incidents.models import Incident
from tests.org.factories import TeamFactory, UserFactory

pytestmark = pytest.mark.django_db

UNPROCESSABLE = 422
# Superscripts and other digit-like characters that int() cannot read.
NOT_NUMBERS = ["²", "①", "-³"]


@pytest.mark.parametrize("team", NOT_NUMBERS)
def test_declaring_with_a_team_id_that_is_not_a_number_is_refused_on_the_field(client, team):
    me = UserFactory()
    TeamFactory()
    client.force_login(me)

    response = client.post(
        "/incidents/new/",
        {"title": "Bananas stuck", "severity": 3, "call_leader": me.pk, "teams": [team]},
    )

    assert response.status_code == UNPROCESSABLE
    assert f"No team is called “{team}”." in response.text
    assert not Incident.objects.exists()


@pytest.mark.parametrize("team", ["1" * 5000, "-" + "9" * 4400, "0" * 30 + "1"])
def test_a_team_id_with_more_digits_than_any_key_is_refused_on_the_field(client, team):
    me = UserFactory()
    client.force_login(me)

    response = client.post(
        "/incidents/new/",
        {"title": "Bananas stuck", "severity": 3, "call_leader": me.pk, "teams": [team]},
    )

    assert response.status_code == UNPROCESSABLE
    assert response.context["form"].errors["teams"]
    assert not Incident.objects.exists()
