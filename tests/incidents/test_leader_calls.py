"""Lowering the severity and handing over the lead are the call leader's calls (or staff's)."""

import pytest
from django.core.exceptions import PermissionDenied

from incidents.models import Incident, Severity, TimelineEntry
from incidents.services import incident_update
from tests.org.factories import TeamFactory, UserFactory

from .factories import CallLeaderFactory, IncidentFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def sev2():
    """A Sev-2 led from the roster, with one engaged team whose member is not the leader."""
    leader = CallLeaderFactory().user
    team = TeamFactory()
    member = UserFactory()
    team.members.add(member)
    incident = IncidentFactory(severity=Severity.SEV2, call_leader=leader, teams=[team])
    return incident, leader, member


def test_an_engaged_member_cannot_lower_the_severity(sev2):
    incident, _leader, member = sev2

    with pytest.raises(PermissionDenied, match="Only the call leader or staff"):
        incident_update(incident=incident, actor=member, changes={"severity": Severity.SEV3})

    assert Incident.objects.get(pk=incident.pk).severity == Severity.SEV2


def test_an_engaged_member_cannot_make_themselves_call_leader(sev2):
    incident, leader, member = sev2
    CallLeaderFactory(user=member)  # even a rostered leader must be handed the lead

    with pytest.raises(PermissionDenied):
        incident_update(incident=incident, actor=member, changes={"call_leader": member})

    assert Incident.objects.get(pk=incident.pk).call_leader == leader
    assert not TimelineEntry.objects.filter(
        incident=incident, text__contains="Call leader"
    ).exists()


def test_an_engaged_member_may_raise_the_severity(sev2):
    incident, _leader, member = sev2

    incident_update(incident=incident, actor=member, changes={"severity": Severity.SEV1})

    assert Incident.objects.get(pk=incident.pk).severity == Severity.SEV1
    assert TimelineEntry.objects.filter(
        incident=incident, text__contains="Severity changed from Sev-2 to Sev-1"
    ).exists()


@pytest.mark.parametrize("who", ["call leader", "staff"])
def test_the_call_leader_or_staff_lower_the_severity_and_hand_over_on_the_timeline(sev2, who):
    incident, leader, _member = sev2
    actor = leader if who == "call leader" else UserFactory(is_staff=True)
    successor = CallLeaderFactory().user

    incident_update(
        incident=incident,
        actor=actor,
        changes={"severity": Severity.SEV3, "call_leader": successor},
    )

    saved = Incident.objects.get(pk=incident.pk)
    assert (saved.severity, saved.call_leader) == (Severity.SEV3, successor)
    texts = list(TimelineEntry.objects.filter(incident=incident).values_list("text", flat=True))
    assert any("Severity changed from Sev-2 to Sev-3" in text for text in texts)
    assert any(
        f"Call leader is now {successor.get_full_name() or successor.username}" in text
        and "changed by" in text
        for text in texts
    )


def test_the_edit_page_tells_a_member_why_the_lowering_was_refused(client, sev2):
    incident, _leader, member = sev2
    client.force_login(member)
    data = {
        "title": incident.title,
        "severity": Severity.SEV4,
        "call_leader": incident.call_leader_id,
        "impact_started_at": incident.impact_started_at.strftime("%Y-%m-%dT%H:%M"),
        "detected_at": incident.detected_at.strftime("%Y-%m-%dT%H:%M"),
    }

    response = client.post(f"/incidents/{incident.pk}/edit/", data)

    assert response.status_code == 403
    assert "Only the call leader or staff can lower the severity" in response.text
    assert Incident.objects.get(pk=incident.pk).severity == Severity.SEV2
