"""The wheel pages and the spin make the same few queries however many teams are on the wheel
and however often it has spun."""

import pytest
from django.test import Client

from opsreview.org.audit import audit_record
from opsreview.org.models import AuditAction
from tests.org.factories import TeamFactory, UserFactory
from tests.query_budget import assert_query_budget
from wheel.models import LogEntry

from .factories import ParticipantFactory, SpinFactory, WheelFactory, wheel_admin

pytestmark = pytest.mark.django_db


@pytest.fixture
def wheel():
    wheel = WheelFactory(name="Ops wheel", slug="ops")
    ParticipantFactory(wheel=wheel)
    return wheel


def grow(wheel):
    def grow():
        participants = ParticipantFactory.create_batch(30, wheel=wheel)
        spinner = UserFactory()
        for participant in participants:
            SpinFactory(participant=participant, wheel=wheel, spun_by=spinner)
        TeamFactory.create_batch(10)  # teams an admin may add
        LogEntry.objects.bulk_create(
            LogEntry(wheel=wheel, kind=LogEntry.Kind.ADDED, actor=spinner, text=f"Added {n}")
            for n in range(30)
        )
        audit_record(AuditAction.WHEEL_RIGGED, actor="someone")
        other = WheelFactory()
        ParticipantFactory.create_batch(5, wheel=other)

    return grow


def test_the_wheel_list_makes_the_same_queries_however_many_wheels_and_spins(client, wheel):
    client.force_login(UserFactory())

    assert_query_budget(client, "/wheel/", grow=grow(wheel))


def test_a_wheel_makes_the_same_queries_however_many_participants_and_spins(client, wheel):
    client.force_login(UserFactory())

    assert_query_budget(client, wheel.get_absolute_url(), grow=grow(wheel), budget=9)


def test_a_wheel_admin_sees_the_same_queries_however_big_the_wheel(client, wheel):
    client.force_login(wheel_admin())

    assert_query_budget(client, wheel.get_absolute_url(), grow=grow(wheel))


def test_a_spin_makes_the_same_queries_however_big_the_wheel(client, wheel):
    client.force_login(UserFactory())

    assert_query_budget(
        client, f"{wheel.get_absolute_url()}spin/", method="post", status=302, grow=grow(wheel)
    )
    htmx = Client(headers={"HX-Request": "true"})
    htmx.force_login(UserFactory())
    # The outcome after a spin: no drawing, and no permission check unless a rig is hidden.
    assert_query_budget(
        htmx, f"{wheel.get_absolute_url()}spin/", method="post", grow=grow(wheel), budget=13
    )


def test_a_big_wheel_lists_its_likeliest_participants_and_sums_the_others(client):
    big = WheelFactory(slug="big")
    ParticipantFactory.create_batch(30, wheel=big)
    favourite = ParticipantFactory(wheel=big, weight=5)
    client.force_login(UserFactory())

    html = client.get(big.get_absolute_url()).content.decode()

    assert html.count('data-testid="odds-row"') == 25
    odds = html[html.index('id="wheel-odds-heading"') :]
    assert odds.index(favourite.team.name) < odds.index('data-testid="chance"')  # first row
    assert "The 25 likeliest of 31: the other 6 have" in html
    assert html.count(" data-slice ") == 31  # the wheel itself draws everyone


def test_a_wheel_admin_edits_a_big_wheels_participants_a_screen_at_a_time(client):
    big = WheelFactory(slug="big")
    participants = ParticipantFactory.create_batch(30, wheel=big)
    client.force_login(wheel_admin())

    first = client.get(big.get_absolute_url()).content.decode()
    assert first.count('class="wheel-participant"') == 25
    assert f"?edit_after={participants[24].pk}" in first
    rest = client.get(f"{big.get_absolute_url()}?edit_after={participants[24].pk}")
    html = rest.content.decode()
    assert html.count('class="wheel-participant"') == 5
    assert f'id="participant-{participants[29].pk}"' in html
    assert "More participants" not in html
