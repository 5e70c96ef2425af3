"""Engaging teams emails their people; major incidents must keep posting; some need a COE."""

from contextlib import suppress
from datetime import UTC, datetime, timedelta

import pytest
from django.core import mail
from django.core.exceptions import ValidationError
from django.db import transaction

from incidents.models import Severity, TimelineEntry
from incidents.notifications import incident_notify_team_engaged
from incidents.selectors import incident_list
from incidents.services import (
    incident_declare,
    incident_engage_team,
)
from tests.org.factories import TeamFactory, UserFactory

from .factories import CallLeaderFactory, IncidentFactory, TimelineEntryFactory

pytestmark = pytest.mark.django_db

NOW = datetime(2026, 11, 26, 10, 0, tzinfo=UTC)


# Engaging a team


def test_engaging_a_team_emails_each_active_member_once_the_change_commits(
    django_capture_on_commit_callbacks, settings
):
    ana, bo = UserFactory(email="ana@example.com"), UserFactory(email="bo@example.com")
    team = TeamFactory(name="Banana Distributor", members=[ana, bo])
    incident = IncidentFactory(severity=Severity.SEV2, title="Checkout failing")

    with django_capture_on_commit_callbacks(execute=True):
        incident_engage_team(incident=incident, team=team, actor=incident.call_leader)
        assert mail.outbox == []

    assert sorted(message.to[0] for message in mail.outbox) == ["ana@example.com", "bo@example.com"]
    assert all(len(message.to) == 1 for message in mail.outbox)
    link = f"{settings.SITE_URL}{incident.get_absolute_url()}"
    for message in mail.outbox:
        assert "Sev-2" in message.subject
        assert "Banana Distributor" in message.subject
        assert "Checkout failing" in message.subject
        assert link in message.body
        [(html, mimetype)] = message.alternatives
        assert mimetype == "text/html"
        assert f'href="{link}"' in html


def test_the_engagement_email_greets_each_member_by_name(django_capture_on_commit_callbacks):
    ana = UserFactory(first_name="Ana", email="ana@example.com")
    team = TeamFactory(members=[ana])
    incident = IncidentFactory()

    with django_capture_on_commit_callbacks(execute=True):
        incident_engage_team(incident=incident, team=team, actor=incident.call_leader)

    [message] = mail.outbox
    assert message.body.startswith("Hello Ana,")


def test_inactive_members_and_members_without_an_email_get_no_engagement_email(
    django_capture_on_commit_callbacks,
):
    active = UserFactory(email="ana@example.com")
    inactive = UserFactory(email="gone@example.com", is_active=False)
    no_email = UserFactory(email="")
    team = TeamFactory(members=[active, inactive, no_email])
    incident = IncidentFactory()

    with django_capture_on_commit_callbacks(execute=True):
        incident_engage_team(incident=incident, team=team, actor=incident.call_leader)

    assert [message.to for message in mail.outbox] == [["ana@example.com"]]


def test_the_engagement_notice_reports_how_many_members_it_emailed():
    team = TeamFactory(
        members=[UserFactory(), UserFactory(), UserFactory(email=""), UserFactory(is_active=False)]
    )

    sent = incident_notify_team_engaged(incident=IncidentFactory(), team=team)

    assert sent == 2
    assert len(mail.outbox) == 2


def test_engaging_a_team_records_it_on_the_timeline_by_the_actor():
    actor = UserFactory(first_name="Lee", last_name="Leader")
    incident = IncidentFactory(call_leader=actor)
    team = TeamFactory(name="Banana Distributor")

    incident_engage_team(incident=incident, team=team, actor=actor)

    assert list(incident.teams.all()) == [team]
    [entry] = incident.timeline.all()
    assert entry.kind == TimelineEntry.Kind.EVENT
    assert entry.author == actor
    assert entry.text == "Engaged Banana Distributor (Lee Leader)."


def test_no_email_is_sent_when_the_engagement_is_rolled_back(django_capture_on_commit_callbacks):
    team = TeamFactory(members=[UserFactory()])
    incident = IncidentFactory()

    with (
        django_capture_on_commit_callbacks(execute=True),
        suppress(RuntimeError),
        transaction.atomic(),
    ):
        incident_engage_team(incident=incident, team=team, actor=incident.call_leader)
        raise RuntimeError("The request failed after engaging the team.")

    assert not incident.teams.exists()
    assert mail.outbox == []


def test_engaging_an_already_engaged_team_is_refused(django_capture_on_commit_callbacks):
    team = TeamFactory(name="Banana Distributor", members=[UserFactory()])
    incident = IncidentFactory(teams=[team])

    with (
        django_capture_on_commit_callbacks(execute=True),
        pytest.raises(ValidationError) as refused,
    ):
        incident_engage_team(incident=incident, team=team, actor=incident.call_leader)

    assert refused.value.message_dict == {"team": ["Banana Distributor is already engaged."]}
    assert not incident.timeline.exists()
    assert mail.outbox == []


def test_engaging_a_team_on_a_resolved_incident_is_refused(django_capture_on_commit_callbacks):
    team = TeamFactory(members=[UserFactory()])
    incident = IncidentFactory(resolved=True)

    with (
        django_capture_on_commit_callbacks(execute=True),
        pytest.raises(ValidationError, match="reopen it"),
    ):
        incident_engage_team(incident=incident, team=team, actor=incident.call_leader)

    assert not incident.teams.exists()
    assert mail.outbox == []


def test_engaging_a_team_on_a_mitigated_incident_is_accepted():
    team = TeamFactory()
    incident = IncidentFactory(mitigated=True)

    incident_engage_team(incident=incident, team=team, actor=incident.call_leader)

    assert list(incident.teams.all()) == [team]


def test_declaring_with_teams_engages_and_emails_each_of_them(django_capture_on_commit_callbacks):
    first = TeamFactory(members=[UserFactory(email="ana@example.com")])
    second = TeamFactory(members=[UserFactory(email="bo@example.com")])

    with django_capture_on_commit_callbacks(execute=True):
        incident = incident_declare(
            title="Checkout failing",
            severity=Severity.SEV1,
            declared_by=CallLeaderFactory().user,
            teams=[first, second],
        )

    assert set(incident.teams.all()) == {first, second}
    assert sorted(message.to[0] for message in mail.outbox) == ["ana@example.com", "bo@example.com"]
    assert incident.timeline.filter(kind=TimelineEntry.Kind.EVENT).count() == 2


# The pulse: open Sev-1/Sev-2 incidents post an update at least every 30 minutes by default


def _with_last_entry(time_machine, *, severity, minutes_ago, **fields):
    time_machine.move_to(NOW, tick=False)
    incident = IncidentFactory(severity=severity, declared_at=NOW - timedelta(hours=2), **fields)
    TimelineEntryFactory(incident=incident, created_at=NOW - timedelta(minutes=minutes_ago))
    return incident


@pytest.mark.parametrize("severity", [Severity.SEV1, Severity.SEV2])
def test_a_major_incident_silent_for_31_minutes_is_overdue_an_update(time_machine, severity):
    incident = _with_last_entry(time_machine, severity=severity, minutes_ago=31)

    assert incident.update_overdue() is True


def test_a_sev2_with_an_entry_29_minutes_ago_is_not_overdue(time_machine):
    incident = _with_last_entry(time_machine, severity=Severity.SEV2, minutes_ago=29)

    assert incident.update_overdue() is False


def test_the_pulse_counts_from_the_latest_entry(time_machine):
    incident = _with_last_entry(time_machine, severity=Severity.SEV2, minutes_ago=90)
    TimelineEntryFactory(incident=incident, created_at=NOW - timedelta(minutes=5))

    assert incident.update_overdue() is False


def test_the_pulse_counts_when_an_entry_was_written_not_the_time_it_is_back_dated_to(
    time_machine,
):
    incident = _with_last_entry(time_machine, severity=Severity.SEV2, minutes_ago=31)
    TimelineEntryFactory(incident=incident, occurred_at=NOW - timedelta(hours=1))

    assert incident.update_overdue() is False


def test_the_pulse_counts_from_the_declaration_while_the_timeline_is_empty(time_machine):
    time_machine.move_to(NOW, tick=False)
    fresh = IncidentFactory(severity=Severity.SEV2, declared_at=NOW - timedelta(minutes=29))
    stale = IncidentFactory(severity=Severity.SEV2, declared_at=NOW - timedelta(minutes=31))

    assert fresh.update_overdue() is False
    assert stale.update_overdue() is True


def test_an_incident_becomes_overdue_as_time_passes(time_machine):
    incident = _with_last_entry(time_machine, severity=Severity.SEV2, minutes_ago=0)

    time_machine.shift(timedelta(minutes=30))
    assert incident.update_overdue() is False
    time_machine.shift(timedelta(seconds=1))
    assert incident.update_overdue() is True


def test_the_incident_list_agrees_on_who_is_overdue(time_machine):
    overdue = _with_last_entry(time_machine, severity=Severity.SEV2, minutes_ago=31)
    recent = _with_last_entry(time_machine, severity=Severity.SEV2, minutes_ago=29)

    listed = {incident.pk: incident.update_overdue() for incident in incident_list()}

    assert listed == {overdue.pk: True, recent.pk: False}


@pytest.mark.parametrize("severity", [Severity.SEV3, Severity.SEV4, Severity.SEV5])
def test_incidents_below_sev2_are_never_overdue(time_machine, severity):
    incident = _with_last_entry(time_machine, severity=severity, minutes_ago=600)

    assert incident.update_overdue() is False


def test_a_resolved_incident_is_never_overdue(time_machine):
    incident = _with_last_entry(
        time_machine, severity=Severity.SEV1, minutes_ago=600, resolved=True
    )

    assert incident.update_overdue() is False


def test_a_mitigated_major_incident_still_owes_updates(time_machine):
    incident = _with_last_entry(
        time_machine, severity=Severity.SEV1, minutes_ago=31, mitigated=True
    )

    assert incident.update_overdue() is True


def test_the_pulse_intervals_follow_settings(time_machine, settings):
    settings.INCIDENT_PULSE_MINUTES = {2: 60, 3: 15}
    sev2 = _with_last_entry(time_machine, severity=Severity.SEV2, minutes_ago=45)
    sev3 = _with_last_entry(time_machine, severity=Severity.SEV3, minutes_ago=16)
    sev1 = _with_last_entry(time_machine, severity=Severity.SEV1, minutes_ago=600)

    assert sev2.update_overdue() is False
    assert sev3.update_overdue() is True
    assert sev1.update_overdue() is False


# Which incidents need a correction-of-error review


@pytest.mark.parametrize(
    ("severity", "requires_coe"),
    [
        (Severity.SEV1, True),
        (Severity.SEV2, True),
        (Severity.SEV3, False),
        (Severity.SEV4, False),
        (Severity.SEV5, False),
    ],
)
def test_sev1_and_sev2_require_a_coe_by_default(severity, requires_coe):
    assert IncidentFactory.build(severity=severity).requires_coe is requires_coe


def test_the_severities_requiring_a_coe_follow_settings(settings):
    settings.INCIDENT_COE_SEVERITIES = [1, 3]

    required = {
        severity for severity in Severity if IncidentFactory.build(severity=severity).requires_coe
    }

    assert required == {Severity.SEV1, Severity.SEV3}
