"""Who may change an incident: the 403 matrix, checked where the rule lives, in the services."""

import pytest
from django.core.exceptions import PermissionDenied

from incidents.models import Incident, TimelineEntry
from incidents.services import (
    incident_engage_team,
    incident_gate_changes,
    incident_mitigate,
    incident_reopen,
    incident_resolve,
    incident_update,
    timeline_entry_add,
    timeline_entry_edit,
)
from tests.org.factories import TeamFactory, UserFactory

from .factories import IncidentFactory, TimelineEntryFactory

pytestmark = pytest.mark.django_db


# Actions that anyone running the incident may take, each with the state it starts from.


def _mitigate(incident, actor):
    incident_mitigate(incident=incident, actor=actor)


def _resolve(incident, actor):
    incident_resolve(incident=incident, actor=actor)


def _reopen(incident, actor):
    incident_reopen(incident=incident, actor=actor, reason="Errors are back.")


def _add_a_note(incident, actor):
    timeline_entry_add(incident=incident, author=actor, text="Paging the DBAs.")


def _update_details(incident, actor):
    incident_update(incident=incident, actor=actor, changes={"severity": 3, "title": "EU only"})


def _engage_a_team(incident, actor):
    incident_engage_team(incident=incident, team=TeamFactory(), actor=actor)


WORK = {
    "mitigate": ({}, _mitigate),
    "resolve": ({"mitigated": True}, _resolve),
    "reopen": ({"resolved": True}, _reopen),
    "add a timeline note": ({}, _add_a_note),
    "update details": ({"severity": 4}, _update_details),  # raising it: anyone working may
    "engage a team": ({}, _engage_a_team),
}


# People, in relation to an incident.


def _the_call_leader(incident):
    return incident.call_leader


def _a_member_of_an_engaged_team(incident):
    member = UserFactory()
    incident.teams.add(TeamFactory(members=[member]))
    return member


def _staff(incident):
    return UserFactory(is_staff=True)


def _an_unrelated_user(incident):
    return UserFactory()


def _a_member_of_a_team_not_engaged(incident):
    member = UserFactory()
    TeamFactory(members=[member])
    return member


def _the_call_leader_deactivated(incident):
    leader = incident.call_leader
    leader.is_active = False
    leader.save(update_fields=["is_active"])
    return leader


def _a_deactivated_member_of_an_engaged_team(incident):
    member = _a_member_of_an_engaged_team(incident)
    member.is_active = False
    member.save(update_fields=["is_active"])
    return member


def _deactivated_staff(incident):
    return UserFactory(is_staff=True, is_active=False)


RUN_THE_INCIDENT = [_the_call_leader, _a_member_of_an_engaged_team, _staff]
MAY_NOT = [
    _an_unrelated_user,
    _a_member_of_a_team_not_engaged,
    _the_call_leader_deactivated,
    _a_deactivated_member_of_an_engaged_team,
    _deactivated_staff,
]


def _label(person):
    return person.__name__.strip("_").replace("_", " ")


def _snapshot(incident):
    incident.refresh_from_db()
    return (
        incident.status,
        incident.severity,
        incident.title,
        incident.mitigated_at,
        incident.resolved_at,
        incident.timeline.count(),
        incident.teams.count(),
    )


@pytest.mark.parametrize("person", RUN_THE_INCIDENT, ids=_label)
@pytest.mark.parametrize("action", WORK)
def test_the_call_leader_engaged_teams_and_staff_may_work_the_incident(action, person):
    state, perform = WORK[action]
    incident = IncidentFactory(**state)
    actor = person(incident)
    entries_before = incident.timeline.count()

    perform(incident, actor)

    assert incident.timeline.count() > entries_before
    assert incident.timeline.latest("pk").author == actor


@pytest.mark.parametrize("person", MAY_NOT, ids=_label)
@pytest.mark.parametrize("action", WORK)
def test_anyone_else_is_refused_and_nothing_changes(action, person):
    state, perform = WORK[action]
    incident = IncidentFactory(**state)
    actor = person(incident)
    before = _snapshot(incident)

    with pytest.raises(PermissionDenied):
        perform(incident, actor)

    assert _snapshot(incident) == before


# Gating production changes is the call leader's call (staff may step in).


@pytest.mark.parametrize("person", [_the_call_leader, _staff], ids=_label)
def test_the_call_leader_and_staff_may_gate_production_changes(person):
    incident = IncidentFactory()
    actor = person(incident)

    incident_gate_changes(incident=incident, actor=actor, gated=True)

    incident.refresh_from_db()
    assert incident.gates_production_changes is True
    assert incident.changes_gated_by == actor


@pytest.mark.parametrize(
    "person",
    [
        _a_member_of_an_engaged_team,
        _an_unrelated_user,
        _the_call_leader_deactivated,
        _deactivated_staff,
    ],
    ids=_label,
)
def test_nobody_else_may_gate_production_changes(person):
    incident = IncidentFactory()
    actor = person(incident)

    with pytest.raises(PermissionDenied):
        incident_gate_changes(incident=incident, actor=actor, gated=True)

    incident.refresh_from_db()
    assert incident.gates_production_changes is False
    assert not incident.timeline.exists()


def test_an_engaged_team_member_may_not_lift_the_gate_either():
    incident = IncidentFactory(gates_production_changes=True)
    member = _a_member_of_an_engaged_team(incident)

    with pytest.raises(PermissionDenied):
        incident_gate_changes(incident=incident, actor=member, gated=False)

    incident.refresh_from_db()
    assert incident.gates_production_changes is True


# Timeline notes belong to their author; status and event entries are the record.


def test_the_author_may_edit_their_note():
    incident = IncidentFactory()
    note = TimelineEntryFactory(incident=incident, author=incident.call_leader)

    timeline_entry_edit(
        entry=note,
        actor=note.author,
        text="Error rate back to baseline.",
        occurred_at=note.occurred_at,
    )

    note.refresh_from_db()
    assert note.text == "Error rate back to baseline."
    assert note.edited_at is not None


@pytest.mark.parametrize(
    "person",
    [_the_call_leader, _a_member_of_an_engaged_team, _staff, _an_unrelated_user],
    ids=_label,
)
def test_nobody_but_the_author_may_edit_a_note(person):
    incident = IncidentFactory()
    note = TimelineEntryFactory(incident=incident, author=_a_member_of_an_engaged_team(incident))
    text = note.text

    with pytest.raises(PermissionDenied):
        timeline_entry_edit(
            entry=note, actor=person(incident), text="Rewritten.", occurred_at=note.occurred_at
        )

    note.refresh_from_db()
    assert note.text == text
    assert note.edited_at is None


def test_a_deactivated_author_may_not_edit_their_note():
    incident = IncidentFactory()
    note = TimelineEntryFactory(incident=incident, author=incident.call_leader)
    _the_call_leader_deactivated(incident)
    note.author.refresh_from_db()

    with pytest.raises(PermissionDenied):
        timeline_entry_edit(
            entry=note, actor=note.author, text="Rewritten.", occurred_at=note.occurred_at
        )


@pytest.mark.parametrize("kind", [TimelineEntry.Kind.STATUS, TimelineEntry.Kind.EVENT])
@pytest.mark.parametrize("person", ["its author", "staff"])
def test_status_and_event_entries_cannot_be_edited_by_anyone(kind, person):
    incident = IncidentFactory()
    entry = TimelineEntryFactory(incident=incident, author=incident.call_leader, kind=kind)
    actor = entry.author if person == "its author" else UserFactory(is_staff=True)

    with pytest.raises(PermissionDenied):
        timeline_entry_edit(
            entry=entry, actor=actor, text="Rewritten.", occurred_at=entry.occurred_at
        )

    entry.refresh_from_db()
    assert entry.edited_at is None


def test_the_entries_a_service_writes_cannot_be_edited_by_the_actor_who_caused_them():
    incident = IncidentFactory()
    incident_mitigate(incident=incident, actor=incident.call_leader)
    entry = Incident.objects.get(pk=incident.pk).timeline.get()

    with pytest.raises(PermissionDenied):
        timeline_entry_edit(
            entry=entry,
            actor=incident.call_leader,
            text="Rewritten.",
            occurred_at=entry.occurred_at,
        )
