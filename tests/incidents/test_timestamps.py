"""An incident's moments happen in order, never in the future, and give its derived times."""

from datetime import UTC, datetime, timedelta

import pytest
from django.core.exceptions import ValidationError

from incidents.models import CLOCK_SKEW, Status
from incidents.services import (
    incident_declare,
    incident_mitigate,
    incident_reopen,
    incident_resolve,
    incident_update,
    timeline_entry_add,
    timeline_entry_edit,
)
from tests.org.factories import UserFactory

from .factories import IncidentFactory

pytestmark = pytest.mark.django_db

NOW = datetime(2026, 11, 26, 12, 0, tzinfo=UTC)
TOO_LATE = NOW + CLOCK_SKEW + timedelta(seconds=1)


@pytest.fixture(autouse=True)
def frozen_now(time_machine):
    time_machine.move_to(NOW, tick=False)
    return NOW


def _at(hour, minute):
    return datetime(2026, 11, 26, hour, minute, tzinfo=UTC)


def _declare(**times):
    return incident_declare(
        title="Checkout failing", severity=3, declared_by=UserFactory(), **times
    )


# Order


def test_detected_before_impact_started_is_refused_naming_both():
    with pytest.raises(ValidationError) as refused:
        _declare(impact_started_at=_at(10, 0), detected_at=_at(9, 59))

    assert refused.value.message_dict == {
        "detected_at": [
            "The time detected cannot be before the time impact started. "
            "09:59 GMT is 1 min before 10:00 GMT — check the time zone."
        ]
    }


def test_detected_at_the_moment_impact_started_is_accepted():
    incident = _declare(impact_started_at=_at(10, 0), detected_at=_at(10, 0))

    assert incident.time_to_detect == timedelta(0)


def test_moving_detection_before_impact_started_is_refused_on_update():
    incident = _declare(impact_started_at=_at(10, 0), detected_at=_at(10, 5))

    with pytest.raises(ValidationError) as refused:
        incident_update(
            incident=incident, actor=incident.call_leader, changes={"detected_at": _at(9, 0)}
        )

    assert list(refused.value.message_dict) == ["detected_at"]
    incident.refresh_from_db()
    assert incident.detected_at == _at(10, 5)


def test_mitigated_before_detected_is_refused_naming_both():
    incident = _declare(impact_started_at=_at(10, 0), detected_at=_at(10, 5))

    with pytest.raises(ValidationError) as refused:
        incident_mitigate(incident=incident, actor=incident.call_leader, mitigated_at=_at(10, 4))

    assert refused.value.message_dict == {
        "mitigated_at": [
            "The time mitigated cannot be before the time detected. "
            "10:04 GMT is 1 min before 10:05 GMT — check the time zone."
        ]
    }
    incident.refresh_from_db()
    assert incident.status == Status.INVESTIGATING
    assert incident.mitigated_at is None


def test_resolved_before_mitigated_is_refused_naming_both():
    incident = _declare(impact_started_at=_at(10, 0), detected_at=_at(10, 5))
    incident_mitigate(incident=incident, actor=incident.call_leader, mitigated_at=_at(11, 30))

    with pytest.raises(ValidationError) as refused:
        incident_resolve(incident=incident, actor=incident.call_leader, resolved_at=_at(11, 29))

    assert refused.value.message_dict == {
        "resolved_at": [
            "The time resolved cannot be before the time mitigated. "
            "11:29 GMT is 1 min before 11:30 GMT — check the time zone."
        ]
    }
    incident.refresh_from_db()
    assert incident.status == Status.MITIGATED
    assert incident.resolved_at is None


# The future


def _record_impact_started(at):
    return _declare(impact_started_at=at)


def _record_detected(at):
    return _declare(impact_started_at=_at(10, 0), detected_at=at)


def _record_mitigated(at):
    incident = IncidentFactory()
    return incident_mitigate(incident=incident, actor=incident.call_leader, mitigated_at=at)


def _record_resolved(at):
    incident = IncidentFactory(mitigated=True)
    return incident_resolve(incident=incident, actor=incident.call_leader, resolved_at=at)


RECORDERS = {
    "impact_started_at": _record_impact_started,
    "detected_at": _record_detected,
    "mitigated_at": _record_mitigated,
    "resolved_at": _record_resolved,
}


@pytest.mark.parametrize("field", RECORDERS)
def test_a_time_beyond_the_clock_skew_allowance_is_refused_on_its_own_field(field):
    with pytest.raises(ValidationError) as refused:
        RECORDERS[field](TOO_LATE)

    assert list(refused.value.message_dict) == [field]
    assert "cannot be in the future" in refused.value.message_dict[field][0]


@pytest.mark.parametrize("field", ["detected_at", "mitigated_at", "resolved_at"])
def test_a_time_within_the_clock_skew_allowance_is_accepted(field):
    a_little_ahead = NOW + CLOCK_SKEW

    incident = RECORDERS[field](a_little_ahead)

    assert getattr(incident, field) == a_little_ahead


def test_impact_and_detection_within_the_clock_skew_allowance_are_accepted():
    a_little_ahead = NOW + CLOCK_SKEW

    incident = _declare(impact_started_at=a_little_ahead, detected_at=a_little_ahead)

    assert incident.impact_started_at == a_little_ahead


def test_every_moment_may_be_exactly_now():
    incident = _declare(impact_started_at=NOW, detected_at=NOW)
    actor = incident.call_leader

    incident_mitigate(incident=incident, actor=actor, mitigated_at=NOW)
    incident = incident_resolve(incident=incident, actor=actor, resolved_at=NOW)

    assert (incident.impact_started_at, incident.detected_at) == (NOW, NOW)
    assert (incident.mitigated_at, incident.resolved_at) == (NOW, NOW)


# Timeline entries


def test_a_timeline_note_may_be_back_dated_to_when_it_happened():
    incident = IncidentFactory()
    hours_ago = NOW - timedelta(hours=3)

    entry = timeline_entry_add(
        incident=incident,
        author=incident.call_leader,
        text="Deploy 4411 began.",
        occurred_at=hours_ago,
    )

    entry.refresh_from_db()
    assert entry.occurred_at == hours_ago
    assert entry.created_at == NOW


def test_a_timeline_note_without_a_time_happened_now():
    incident = IncidentFactory()

    entry = timeline_entry_add(incident=incident, author=incident.call_leader, text="Paging DBAs.")

    assert entry.occurred_at == NOW


def test_a_timeline_note_in_the_future_is_refused():
    incident = IncidentFactory()

    with pytest.raises(ValidationError) as refused:
        timeline_entry_add(
            incident=incident, author=incident.call_leader, text="Will fix.", occurred_at=TOO_LATE
        )

    assert list(refused.value.message_dict) == ["occurred_at"]
    assert not incident.timeline.exists()


def test_a_timeline_note_within_the_clock_skew_allowance_is_accepted():
    incident = IncidentFactory()

    entry = timeline_entry_add(
        incident=incident,
        author=incident.call_leader,
        text="Paging DBAs.",
        occurred_at=NOW + CLOCK_SKEW,
    )

    assert entry.occurred_at == NOW + CLOCK_SKEW


def test_editing_a_timeline_note_into_the_future_is_refused():
    incident = IncidentFactory()
    author = incident.call_leader
    entry = timeline_entry_add(incident=incident, author=author, text="Paging DBAs.")

    with pytest.raises(ValidationError) as refused:
        timeline_entry_edit(entry=entry, actor=author, text="Paging DBAs.", occurred_at=TOO_LATE)

    assert list(refused.value.message_dict) == ["occurred_at"]
    entry.refresh_from_db()
    assert entry.occurred_at == NOW
    assert entry.edited_at is None


# Derived times


def test_derived_times_follow_from_the_moments():
    incident = _declare(impact_started_at=_at(10, 0), detected_at=_at(10, 5))
    actor = incident.call_leader
    incident_mitigate(incident=incident, actor=actor, mitigated_at=_at(11, 30))
    incident = incident_resolve(incident=incident, actor=actor, resolved_at=_at(12, 0))

    assert incident.time_to_detect == timedelta(minutes=5)
    assert incident.time_to_mitigate == timedelta(minutes=85)
    assert incident.time_to_resolve == timedelta(minutes=115)
    assert incident.impact_duration == timedelta(minutes=90)


def test_times_that_have_not_happened_yet_are_none():
    incident = _declare(impact_started_at=_at(10, 0), detected_at=_at(10, 5))

    assert incident.time_to_detect == timedelta(minutes=5)
    assert incident.time_to_mitigate is None
    assert incident.time_to_resolve is None
    assert incident.impact_duration is None


def test_a_mitigated_incident_has_impact_duration_but_no_time_to_resolve():
    incident = _declare(impact_started_at=_at(10, 0), detected_at=_at(10, 5))

    incident = incident_mitigate(
        incident=incident, actor=incident.call_leader, mitigated_at=_at(11, 30)
    )

    assert incident.impact_duration == timedelta(minutes=90)
    assert incident.time_to_resolve is None


def test_reopening_forgets_the_mitigated_and_resolved_times():
    incident = _declare(impact_started_at=_at(10, 0), detected_at=_at(10, 5))
    actor = incident.call_leader
    incident_mitigate(incident=incident, actor=actor, mitigated_at=_at(11, 30))
    incident_resolve(incident=incident, actor=actor, resolved_at=_at(11, 45))

    incident = incident_reopen(incident=incident, actor=actor, reason="Errors are back.")

    assert incident.time_to_mitigate is None
    assert incident.time_to_resolve is None
    assert incident.impact_duration is None


def test_an_open_incident_has_been_open_since_impact_started():
    incident = _declare(impact_started_at=_at(10, 0), detected_at=_at(10, 5))

    assert incident.open_for() == timedelta(hours=2)
    assert incident.open_for(now=_at(13, 0)) == timedelta(hours=3)


def test_a_resolved_incident_was_open_from_impact_to_resolution():
    incident = IncidentFactory(
        impact_started_at=_at(10, 0),
        detected_at=_at(10, 5),
        mitigated_at=_at(11, 30),
        resolved_at=_at(11, 40),
        status=Status.RESOLVED,
    )

    assert incident.open_for() == timedelta(minutes=100)
