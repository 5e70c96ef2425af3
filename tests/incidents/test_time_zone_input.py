"""Times are typed in the writer's own time zone, stored as the instant they name, and shown in
each reader's zone; a time that looks typed in the wrong zone is asked about or refused, in
words that name the zone.

Time is frozen on Thursday 26 November 2026 at 19:00 UTC: 11:00 in Los Angeles (PST) and
19:00 in London (GMT, the site's zone). The incident's impact began at 18:30 UTC (10:30 PST).
"""

from datetime import UTC, datetime, timedelta

import pytest
from django.utils import timezone

from coe.services import coe_create
from incidents.models import Incident, Status, TimelineEntry
from opsreview.org.models import Profile
from tests.org.factories import TeamFactory, UserFactory

from .factories import CallLeaderFactory, IncidentFactory, TimelineEntryFactory

pytestmark = pytest.mark.django_db

NOW = datetime(2026, 11, 26, 19, 0, tzinfo=UTC)
IMPACT_BEGAN = datetime(2026, 11, 26, 18, 30, tzinfo=UTC)
HTMX = {"HTTP_HX_REQUEST": "true"}
LOS_ANGELES = "America/Los_Angeles"


@pytest.fixture(autouse=True)
def frozen(time_machine):
    time_machine.move_to(NOW, tick=False)


def in_zone(user, zone: str):
    Profile.objects.create(person=user, time_zone=zone)
    return user


@pytest.fixture
def leader():
    """The call leader, who reads and types times in Los Angeles."""
    return in_zone(CallLeaderFactory().user, LOS_ANGELES)


@pytest.fixture
def incident(leader) -> Incident:
    return IncidentFactory(call_leader=leader, declared_by=leader, impact_started_at=IMPACT_BEGAN)


def notes(incident) -> list[tuple[str, datetime]]:
    entries = TimelineEntry.objects.filter(incident=incident, kind=TimelineEntry.Kind.NOTE)
    return list(entries.values_list("text", "occurred_at"))


def add_entry(client, incident, when: str, text: str = "Rolled back the gateway.", **extra):
    data = {"occurred_at": when, "text": text, **extra}
    return client.post(f"/incidents/{incident.pk}/timeline/", data, **HTMX)


def confirmed_time(response) -> str:
    """The instant the form came back holding for confirmation."""
    marker = 'name="confirmed_time" value="'
    start = response.text.index(marker) + len(marker)
    return response.text[start : response.text.index('"', start)]


# Typed in one zone, shown in another


def test_a_time_typed_in_los_angeles_is_stored_as_that_instant_and_shown_in_london(
    client, incident, leader
):
    client.force_login(leader)
    response = add_entry(client, incident, "2026-11-26T10:45", "Error rate falling")

    assert response.status_code == 200
    assert notes(incident) == [("Error rate falling", datetime(2026, 11, 26, 18, 45, tzinfo=UTC))]
    assert "18:45:00+00:00" in response.text and "26 Nov 10:45 PST" in response.text

    client.force_login(UserFactory())  # no zone chosen: the site's, Europe/London
    page = client.get(f"/incidents/{incident.pk}/").text
    assert (
        '<time datetime="2026-11-26T18:45:00+00:00" title="2026-11-26 18:45:00 UTC">'
        "26 Nov 18:45 GMT</time>"
    ) in page
    assert "PST" not in page


def test_each_reader_sees_the_incident_times_in_their_own_zone(client, incident, leader):
    client.force_login(leader)
    assert "26 Nov 2026, 10:30 PST" in client.get(f"/incidents/{incident.pk}/").text

    client.force_login(in_zone(UserFactory(), "Asia/Tokyo"))
    assert "27 Nov 2026, 03:30 JST" in client.get(f"/incidents/{incident.pk}/").text


def test_every_time_input_names_the_zone_it_is_read_in(client, incident, leader):
    client.force_login(leader)
    page = client.get(f"/incidents/{incident.pk}/").text
    assert "Time zone: America/Los_Angeles (PST)." in page
    assert "Europe/London" not in page

    client.force_login(UserFactory(is_staff=True))
    assert "Time zone: Europe/London (GMT)." in client.get(f"/incidents/{incident.pk}/").text
    assert "Time zone: Europe/London (GMT)." in client.get("/incidents/new/").text


def test_a_request_leaves_no_zone_behind_for_the_next(client, incident, leader):
    client.force_login(leader)
    client.get(f"/incidents/{incident.pk}/")

    assert timezone.get_current_timezone_name() == "Europe/London"


def test_a_zone_typed_in_the_form_is_read_in_that_zone_on_declaring(client, leader):
    client.force_login(leader)
    response = client.post(
        "/incidents/new/",
        {
            "title": "Bananas unavailable",
            "severity": 3,
            "call_leader": leader.username,
            "impact_started_at": "2026-11-26T10:00",
            "detected_at": "2026-11-26T10:10",
        },
    )

    assert response.status_code == 302
    incident = Incident.objects.get(title="Bananas unavailable")
    assert incident.impact_started_at == datetime(2026, 11, 26, 18, 0, tzinfo=UTC)
    assert incident.detected_at == datetime(2026, 11, 26, 18, 10, tzinfo=UTC)


def test_the_edit_form_shows_the_stored_times_in_the_readers_zone(client, incident, leader):
    client.force_login(leader)
    page = client.get(f"/incidents/{incident.pk}/edit/").text

    assert 'name="impact_started_at" value="2026-11-26T10:30"' in page
    assert 'name="detected_at" value="2026-11-26T10:35"' in page


# Before the impact began: asked about, then saved once confirmed


def test_an_entry_before_the_impact_began_asks_to_be_confirmed_and_saves_nothing(
    client, incident, leader
):
    client.force_login(leader)
    response = add_entry(client, incident, "2026-11-26T02:30", "Config pushed")

    assert response.status_code == 422
    assert (
        "02:30 PST is 8 h before impact began at 10:30 PST — check the time zone; "
        "submit again to confirm."
    ) in response.text
    assert confirmed_time(response) == "2026-11-26T10:30:00+00:00"
    assert notes(incident) == []


def test_sent_again_with_the_confirmation_the_entry_before_the_impact_is_saved_once(
    client, incident, leader
):
    client.force_login(leader)
    asked = add_entry(client, incident, "2026-11-26T02:30", "Config pushed")

    saved = add_entry(
        client, incident, "2026-11-26T02:30", "Config pushed", confirmed_time=confirmed_time(asked)
    )

    assert saved.status_code == 200
    assert notes(incident) == [("Config pushed", datetime(2026, 11, 26, 10, 30, tzinfo=UTC))]
    assert 'name="confirmed_time" value=' not in saved.text  # a fresh form for the next entry


def test_without_javascript_the_confirmation_comes_back_on_the_page_and_then_saves(
    client, incident, leader
):
    client.force_login(leader)
    path = f"/incidents/{incident.pk}/timeline/"
    data = {"occurred_at": "2026-11-26T02:30", "text": "Config pushed"}

    asked = client.post(path, data)
    assert asked.status_code == 422
    assert "<html" in asked.text and "submit again to confirm" in asked.text
    assert notes(incident) == []

    saved = client.post(path, data | {"confirmed_time": confirmed_time(asked)})
    assert saved.status_code == 302
    assert len(notes(incident)) == 1


def test_a_confirmation_is_for_the_time_it_was_given_for_not_another(client, incident, leader):
    client.force_login(leader)
    asked = add_entry(client, incident, "2026-11-26T02:30")

    changed = add_entry(client, incident, "2026-11-26T03:30", confirmed_time=confirmed_time(asked))

    assert changed.status_code == 422
    assert "03:30 PST is 7 h before impact began at 10:30 PST" in changed.text
    assert confirmed_time(changed) == "2026-11-26T11:30:00+00:00"
    assert notes(incident) == []


def test_an_entry_after_the_impact_began_is_saved_without_a_question(client, incident, leader):
    client.force_login(leader)
    assert add_entry(client, incident, "2026-11-26T10:30").status_code == 200
    assert add_entry(client, incident, "").status_code == 200  # now
    assert len(notes(incident)) == 2


def test_moving_an_entry_before_the_impact_asks_but_editing_its_words_does_not(
    client, incident, leader
):
    client.force_login(leader)
    entry = TimelineEntryFactory(
        incident=incident, author=leader, occurred_at=IMPACT_BEGAN - timedelta(hours=2)
    )
    path = f"/incidents/{incident.pk}/timeline/{entry.pk}/edit/"

    reworded = client.post(path, {"occurred_at": "2026-11-26T08:30", "text": "Deploy began"})
    assert reworded.status_code == 302
    entry.refresh_from_db()
    assert entry.text == "Deploy began"

    moved = client.post(path, {"occurred_at": "2026-11-26T07:30", "text": "Deploy began"}, **HTMX)
    assert moved.status_code == 422
    assert "07:30 PST is 3 h before impact began at 10:30 PST" in moved.text
    entry.refresh_from_db()
    assert entry.occurred_at == IMPACT_BEGAN - timedelta(hours=2)

    data = {"occurred_at": "2026-11-26T07:30", "text": "Deploy began"}
    confirmed = client.post(path, data | {"confirmed_time": confirmed_time(moved)}, **HTMX)
    assert confirmed.status_code == 200
    entry.refresh_from_db()
    assert entry.occurred_at == datetime(2026, 11, 26, 15, 30, tzinfo=UTC)


# The future, and mitigation: refused, naming the zone


def test_a_future_entry_is_refused_naming_the_zone_even_if_confirmed(client, incident, leader):
    client.force_login(leader)
    refused = add_entry(client, incident, "2026-11-26T14:00")

    assert refused.status_code == 422
    assert (
        "A timeline entry cannot be in the future. 14:00 PST is 3 h from now (11:00 PST) — "
        "check the time zone."
    ) in refused.text
    again = add_entry(client, incident, "2026-11-26T14:00", confirmed_time="2026-11-26T22:00Z")
    assert again.status_code == 422
    assert notes(incident) == []


@pytest.mark.parametrize(
    "typed, refusal",
    [
        (
            "2026-11-26T02:30",
            "The time mitigated cannot be before the time detected. 02:30 PST is 8 h 5 min "
            "before 10:35 PST — check the time zone.",
        ),
        (
            "2026-11-26T14:00",
            "The time mitigated cannot be in the future. 14:00 PST is 3 h from now (11:00 PST) "
            "— check the time zone.",
        ),
    ],
    ids=["before the impact", "in the future"],
)
def test_a_mitigation_time_out_of_order_is_refused_naming_the_zone(
    client, incident, leader, typed, refusal
):
    client.force_login(leader)
    response = client.post(f"/incidents/{incident.pk}/mitigate/", {"mitigated_at": typed}, **HTMX)

    assert response.status_code == 422
    assert refusal in response.text
    incident.refresh_from_db()
    assert (incident.status, incident.mitigated_at) == (Status.INVESTIGATING, None)


def test_a_mitigation_typed_in_los_angeles_is_stored_as_that_instant(client, incident, leader):
    client.force_login(leader)
    response = client.post(
        f"/incidents/{incident.pk}/mitigate/", {"mitigated_at": "2026-11-26T10:50"}
    )

    assert response.status_code == 302
    incident.refresh_from_db()
    assert incident.mitigated_at == datetime(2026, 11, 26, 18, 50, tzinfo=UTC)


# The COE's timeline


@pytest.fixture
def author(leader):
    return leader


def add_coe_entry(client, coe, when: str, **extra):
    data = {"occurred_at": when, "text": "Gateway config pushed", **extra}
    return client.post(f"/coe/{coe.pk}/timeline/", data, **HTMX)


def test_a_coe_entry_before_its_incidents_impact_asks_then_saves_once(client, incident, author):
    coe = coe_create(title="Gateway outage", team=TeamFactory(), actor=author, incident=incident)
    client.force_login(author)

    asked = add_coe_entry(client, coe, "2026-11-26T02:30")
    assert asked.status_code == 422
    assert "02:30 PST is 8 h before impact began at 10:30 PST" in asked.text
    assert not coe.timeline_entries.exists()

    saved = add_coe_entry(client, coe, "2026-11-26T02:30", confirmed_time=confirmed_time(asked))
    assert saved.status_code == 200
    assert list(coe.timeline_entries.values_list("occurred_at", flat=True)) == [
        datetime(2026, 11, 26, 10, 30, tzinfo=UTC)
    ]


def test_a_future_coe_entry_asks_then_saves_once(client, author):
    coe = coe_create(title="Near miss", team=TeamFactory(), actor=author)
    client.force_login(author)

    asked = add_coe_entry(client, coe, "2026-11-27T09:00")
    assert asked.status_code == 422
    assert "27 Nov 09:00 PST is 22 h in the future (it is 26 Nov 11:00 PST now)" in asked.text
    assert not coe.timeline_entries.exists()

    add_coe_entry(client, coe, "2026-11-27T09:00", confirmed_time=confirmed_time(asked))
    assert coe.timeline_entries.count() == 1
    assert "Time zone: America/Los_Angeles (PST)." in client.get(f"/coe/{coe.pk}/").text
