"""An incident's life: declared, mitigated, resolved, reopened; each step on the timeline."""

from datetime import UTC, datetime, timedelta

import pytest
from django.core.exceptions import ValidationError

from incidents.models import Incident, Severity, Status, TimelineEntry
from incidents.services import (
    incident_declare,
    incident_mitigate,
    incident_reopen,
    incident_resolve,
    incident_update,
)
from tests.org.factories import UserFactory

from .factories import CallLeaderFactory, IncidentFactory

pytestmark = pytest.mark.django_db

NOW = datetime(2026, 11, 26, 10, 0, tzinfo=UTC)


@pytest.fixture(autouse=True)
def frozen_now(time_machine):
    time_machine.move_to(NOW, tick=False)
    return NOW


def _rostered(**user_fields):
    return CallLeaderFactory(user=UserFactory(**user_fields)).user


def _entries(incident):
    return list(incident.timeline.order_by("occurred_at", "pk"))


# Declare


def test_declare_opens_an_investigating_incident_detected_now():
    declarer = UserFactory()

    incident = incident_declare(title="Checkout failing", severity=3, declared_by=declarer)

    incident.refresh_from_db()
    assert incident.status == Status.INVESTIGATING
    assert incident.title == "Checkout failing"
    assert incident.declared_by == declarer
    assert incident.declared_at == NOW
    assert incident.detected_at == NOW
    assert incident.impact_started_at == NOW
    assert incident.mitigated_at is None
    assert incident.resolved_at is None


def test_declare_writes_a_status_entry_naming_severity_and_call_leader():
    declarer = UserFactory(first_name="Dana", last_name="Declarer")
    leader = _rostered(first_name="Lee", last_name="Leader")

    incident = incident_declare(
        title="Checkout failing", severity=Severity.SEV1, declared_by=declarer, call_leader=leader
    )

    [entry] = _entries(incident)
    assert entry.kind == TimelineEntry.Kind.STATUS
    assert entry.author == declarer
    assert entry.occurred_at == NOW
    assert "Sev-1" in entry.text
    assert "Dana Declarer" in entry.text
    assert "call leader Lee Leader" in entry.text


def test_declare_makes_the_declarer_call_leader_when_none_is_named():
    declarer = UserFactory()

    incident = incident_declare(title="Checkout failing", severity=3, declared_by=declarer)

    assert incident.call_leader == declarer


def test_declare_of_a_sev1_by_a_rostered_declarer_makes_them_call_leader():
    declarer = _rostered()

    incident = incident_declare(title="Checkout down", severity=1, declared_by=declarer)

    assert incident.call_leader == declarer


@pytest.mark.parametrize("severity", [Severity.SEV1, Severity.SEV2])
def test_declare_of_a_major_incident_refuses_a_call_leader_not_on_the_roster(severity):
    not_rostered = UserFactory(first_name="Nico", last_name="Nobody")

    with pytest.raises(ValidationError) as refused:
        incident_declare(
            title="Checkout down",
            severity=severity,
            declared_by=UserFactory(),
            call_leader=not_rostered,
        )

    assert "Nico Nobody is not on" in refused.value.message_dict["call_leader"][0]
    assert not Incident.objects.exists()


def test_declare_of_a_major_incident_refuses_a_declarer_off_the_roster_as_default_call_leader():
    with pytest.raises(ValidationError) as refused:
        incident_declare(title="Checkout down", severity=2, declared_by=UserFactory())

    assert "call_leader" in refused.value.message_dict


def test_declare_of_a_major_incident_refuses_a_call_leader_taken_off_the_roster():
    leader = CallLeaderFactory(is_active=False).user

    with pytest.raises(ValidationError) as refused:
        incident_declare(title="Checkout down", severity=1, declared_by=leader)

    assert "call_leader" in refused.value.message_dict


def test_declare_of_a_major_incident_refuses_a_rostered_call_leader_whose_account_is_deactivated():
    leader = CallLeaderFactory(user=UserFactory(is_active=False)).user

    with pytest.raises(ValidationError) as refused:
        incident_declare(
            title="Checkout down", severity=1, declared_by=UserFactory(), call_leader=leader
        )

    assert "call_leader" in refused.value.message_dict


@pytest.mark.parametrize("severity", [Severity.SEV3, Severity.SEV4, Severity.SEV5])
def test_declare_below_sev2_accepts_anyone_as_call_leader(severity):
    anyone = UserFactory()

    incident = incident_declare(
        title="Search slow", severity=severity, declared_by=UserFactory(), call_leader=anyone
    )

    assert incident.call_leader == anyone


@pytest.mark.parametrize("title", ["", "   "])
def test_declare_refuses_an_empty_title(title):
    with pytest.raises(ValidationError) as refused:
        incident_declare(title=title, severity=3, declared_by=UserFactory())

    assert "title" in refused.value.message_dict
    assert not Incident.objects.exists()


def test_declare_records_when_customer_impact_started_if_earlier_than_now():
    declarer = UserFactory()
    started = NOW - timedelta(minutes=40)

    incident = incident_declare(
        title="Checkout failing",
        severity=3,
        declared_by=declarer,
        impact_started_at=started,
        detected_at=NOW - timedelta(minutes=10),
    )

    impact, declared = _entries(incident)
    assert impact.text == "Customer impact started."
    assert impact.occurred_at == started
    assert impact.author == declarer
    assert impact.kind == TimelineEntry.Kind.EVENT
    assert declared.kind == TimelineEntry.Kind.STATUS


def test_declare_records_no_impact_entry_when_impact_starts_now():
    incident = incident_declare(title="Checkout failing", severity=3, declared_by=UserFactory())

    assert [entry.kind for entry in _entries(incident)] == [TimelineEntry.Kind.STATUS]


def test_declare_records_no_impact_entry_when_only_detection_time_is_known():
    incident = incident_declare(
        title="Checkout failing",
        severity=3,
        declared_by=UserFactory(),
        detected_at=NOW - timedelta(minutes=30),
    )

    assert incident.impact_started_at == NOW - timedelta(minutes=30)
    assert not incident.timeline.filter(text="Customer impact started.").exists()


# Mitigate


def test_mitigate_moves_investigating_to_mitigated_and_records_when():
    incident = IncidentFactory()

    incident = incident_mitigate(incident=incident, actor=incident.call_leader)

    incident.refresh_from_db()
    assert incident.status == Status.MITIGATED
    assert incident.mitigated_at == NOW


def test_mitigate_accepts_an_earlier_time_for_when_impact_stopped():
    incident = IncidentFactory()
    stopped = NOW - timedelta(minutes=3)

    incident = incident_mitigate(
        incident=incident, actor=incident.call_leader, mitigated_at=stopped
    )

    assert incident.mitigated_at == stopped


def test_mitigate_writes_a_status_entry_by_the_actor_at_the_mitigation_time():
    leader = UserFactory(first_name="Lee", last_name="Leader")
    incident = IncidentFactory(call_leader=leader)
    stopped = NOW - timedelta(minutes=3)

    incident_mitigate(incident=incident, actor=leader, mitigated_at=stopped, note="Rolled back.")

    [entry] = _entries(incident)
    assert entry.kind == TimelineEntry.Kind.STATUS
    assert entry.author == leader
    assert entry.occurred_at == stopped
    assert entry.text == "Impact mitigated (recorded by Lee Leader). Rolled back."


def test_mitigate_is_refused_when_already_mitigated():
    incident = IncidentFactory()
    incident_mitigate(incident=incident, actor=incident.call_leader)

    with pytest.raises(ValidationError, match="already mitigated"):
        incident_mitigate(incident=incident, actor=incident.call_leader)

    assert incident.timeline.count() == 1


def test_mitigate_is_refused_when_resolved():
    incident = IncidentFactory(resolved=True)

    with pytest.raises(ValidationError, match="already resolved"):
        incident_mitigate(incident=incident, actor=incident.call_leader)


# Resolve


def test_resolve_is_refused_while_investigating():
    incident = IncidentFactory()

    with pytest.raises(ValidationError, match="Mitigate impact first"):
        incident_resolve(incident=incident, actor=incident.call_leader)

    incident.refresh_from_db()
    assert incident.status == Status.INVESTIGATING
    assert incident.resolved_at is None
    assert not incident.timeline.exists()


def test_resolve_moves_mitigated_to_resolved_with_a_status_entry_by_the_actor():
    leader = UserFactory(first_name="Lee", last_name="Leader")
    incident = IncidentFactory(mitigated=True, call_leader=leader)

    incident_resolve(incident=incident, actor=leader)

    incident.refresh_from_db()
    assert incident.status == Status.RESOLVED
    assert incident.resolved_at == NOW
    [entry] = _entries(incident)
    assert entry.kind == TimelineEntry.Kind.STATUS
    assert entry.author == leader
    assert entry.occurred_at == NOW
    assert entry.text == "Resolved by Lee Leader."


def test_resolve_is_refused_when_already_resolved():
    incident = IncidentFactory(resolved=True)
    resolved_at = incident.resolved_at

    with pytest.raises(ValidationError, match="already resolved"):
        incident_resolve(incident=incident, actor=incident.call_leader)

    incident.refresh_from_db()
    assert incident.resolved_at == resolved_at


def test_resolve_lifts_the_production_change_gate_and_says_so():
    incident = IncidentFactory(mitigated=True, gates_production_changes=True)

    incident_resolve(incident=incident, actor=incident.call_leader)

    incident.refresh_from_db()
    assert incident.gates_production_changes is False
    assert (incident.changes_gated_by, incident.changes_gated_at) == (incident.call_leader, NOW)
    [entry] = _entries(incident)
    assert entry.text.endswith("Production changes are no longer gated.")


# Reopen


@pytest.mark.parametrize("reason", ["", "   "])
def test_reopen_needs_a_reason(reason):
    incident = IncidentFactory(resolved=True)

    with pytest.raises(ValidationError) as refused:
        incident_reopen(incident=incident, actor=incident.call_leader, reason=reason)

    assert "reason" in refused.value.message_dict
    incident.refresh_from_db()
    assert incident.status == Status.RESOLVED


@pytest.mark.parametrize("state", ["mitigated", "resolved"])
def test_reopen_returns_to_investigating_and_clears_mitigated_and_resolved_times(state):
    incident = IncidentFactory(**{state: True})

    incident_reopen(incident=incident, actor=incident.call_leader, reason="Errors are back.")

    incident.refresh_from_db()
    assert incident.status == Status.INVESTIGATING
    assert incident.mitigated_at is None
    assert incident.resolved_at is None


def test_reopen_writes_a_status_entry_with_the_reason_by_the_actor():
    leader = UserFactory(first_name="Lee", last_name="Leader")
    incident = IncidentFactory(resolved=True, call_leader=leader)

    incident_reopen(incident=incident, actor=leader, reason="  Errors are back.  ")

    [entry] = _entries(incident)
    assert entry.kind == TimelineEntry.Kind.STATUS
    assert entry.author == leader
    assert entry.occurred_at == NOW
    assert entry.text == "Reopened by Lee Leader: Errors are back."


def test_reopen_is_refused_while_investigating():
    incident = IncidentFactory()

    with pytest.raises(ValidationError, match="already being investigated"):
        incident_reopen(incident=incident, actor=incident.call_leader, reason="Errors are back.")

    assert not incident.timeline.exists()


def test_a_reopened_incident_can_be_mitigated_and_resolved_again():
    incident = IncidentFactory(resolved=True)
    actor = incident.call_leader

    incident_reopen(incident=incident, actor=actor, reason="Errors are back.")
    incident_mitigate(incident=incident, actor=actor)
    incident = incident_resolve(incident=incident, actor=actor)

    assert incident.status == Status.RESOLVED
    assert incident.mitigated_at == NOW
    assert incident.resolved_at == NOW


# Update


def test_update_records_a_severity_change_on_the_timeline_by_the_actor():
    actor = UserFactory(first_name="Ari", last_name="Actor", is_staff=True)
    incident = IncidentFactory(severity=Severity.SEV4)

    incident_update(incident=incident, actor=actor, changes={"severity": Severity.SEV3})

    incident.refresh_from_db()
    assert incident.severity == Severity.SEV3
    [entry] = _entries(incident)
    assert entry.kind == TimelineEntry.Kind.EVENT
    assert entry.author == actor
    assert entry.text == "Severity changed from Sev-4 to Sev-3 by Ari Actor."


def test_update_records_a_call_leader_change_on_the_timeline_by_the_actor():
    incident = IncidentFactory()
    actor = incident.call_leader
    successor = UserFactory(first_name="Sam", last_name="Successor")

    incident_update(incident=incident, actor=actor, changes={"call_leader": successor})

    incident.refresh_from_db()
    assert incident.call_leader == successor
    [entry] = _entries(incident)
    assert entry.author == actor
    leader = actor.get_full_name()
    assert entry.text == f"Call leader is now Sam Successor (was {leader}; changed by {leader})."


def test_update_of_other_details_writes_nothing_on_the_timeline():
    incident = IncidentFactory()

    incident_update(
        incident=incident,
        actor=incident.call_leader,
        changes={"title": "  Checkout failing in eu-west-1  ", "customer_impact": "EU buyers."},
    )

    incident.refresh_from_db()
    assert incident.title == "Checkout failing in eu-west-1"
    assert incident.customer_impact == "EU buyers."
    assert not incident.timeline.exists()


def test_update_raising_severity_to_sev2_is_refused_while_the_call_leader_is_off_the_roster():
    incident = IncidentFactory(severity=Severity.SEV3)

    with pytest.raises(ValidationError) as refused:
        incident_update(incident=incident, actor=incident.call_leader, changes={"severity": 2})

    assert "call_leader" in refused.value.message_dict
    incident.refresh_from_db()
    assert incident.severity == Severity.SEV3
    assert not incident.timeline.exists()


def test_update_of_a_sev2_whose_leader_left_the_roster_still_accepts_other_details():
    leader = CallLeaderFactory()
    incident = IncidentFactory(severity=Severity.SEV2, call_leader=leader.user)
    leader.is_active = False
    leader.save()

    incident_update(incident=incident, actor=leader.user, changes={"title": "Checkout failing"})

    incident.refresh_from_db()
    assert incident.title == "Checkout failing"


def test_update_raising_severity_to_sev1_is_accepted_with_a_rostered_call_leader():
    incident = IncidentFactory(severity=Severity.SEV3, call_leader=_rostered())

    incident_update(incident=incident, actor=incident.call_leader, changes={"severity": 1})

    incident.refresh_from_db()
    assert incident.severity == Severity.SEV1


def test_update_of_a_sev1_refuses_a_new_call_leader_off_the_roster():
    leader = _rostered()
    incident = IncidentFactory(severity=Severity.SEV1, call_leader=leader)

    with pytest.raises(ValidationError) as refused:
        incident_update(incident=incident, actor=leader, changes={"call_leader": UserFactory()})

    assert "call_leader" in refused.value.message_dict
    incident.refresh_from_db()
    assert incident.call_leader == leader


def test_update_of_a_sev1_accepts_a_new_call_leader_from_the_roster():
    incident = IncidentFactory(severity=Severity.SEV1, call_leader=_rostered())
    successor = _rostered()

    incident_update(
        incident=incident, actor=incident.call_leader, changes={"call_leader": successor}
    )

    incident.refresh_from_db()
    assert incident.call_leader == successor


def test_update_refuses_fields_that_are_not_editable():
    incident = IncidentFactory()

    with pytest.raises(ValueError, match="Not editable: status"):
        incident_update(
            incident=incident, actor=incident.call_leader, changes={"status": "resolved"}
        )

    incident.refresh_from_db()
    assert incident.status == Status.INVESTIGATING
