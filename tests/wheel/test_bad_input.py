"""Addresses a person can type are answered with the page, never a 500."""

import pytest

from tests.org.factories import UserFactory
from wheel.models import Wheel

from .factories import SpinFactory, wheel_with_teams

pytestmark = pytest.mark.django_db

UNPROCESSABLE = 422
# Superscripts and other digit-like characters that int() cannot read.
NOT_NUMBERS = ["²", "①", "-³"]


@pytest.mark.parametrize("spin", ["²", "①", "9223372036854775808", "-1", "x"])
def test_a_spin_id_that_names_no_spin_shows_the_wheel_without_a_result(client, spin):
    wheel = wheel_with_teams(2, slug="ops")
    SpinFactory(participant=wheel.participants.first(), spun_by=UserFactory())
    client.force_login(UserFactory())

    response = client.get(f"/wheel/ops/?spin={spin}")

    assert response.status_code == 200
    assert response.context["spin"] is None
    assert response.text.count(" data-slice ") == 2  # the wheel itself is drawn


@pytest.mark.parametrize("team", NOT_NUMBERS)
def test_creating_a_wheel_with_a_team_id_that_is_not_a_number_is_refused(client, team):
    client.force_login(UserFactory(is_staff=True))

    response = client.post("/wheel/new/", {"name": "Ops", "teams": [team]})

    assert response.status_code == UNPROCESSABLE
    assert f"No team is called “{team}”." in response.text
    assert not Wheel.objects.exists()
