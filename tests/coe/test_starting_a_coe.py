"""An incident has one COE, started by someone working the incident."""

import pytest
from django.core.exceptions import PermissionDenied

from coe.models import Coe
from coe.services import coe_create
from opsreview.org.models import AuditAction, AuditEvent
from tests.incidents.factories import IncidentFactory
from tests.org.factories import TeamFactory, UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def ours_and_theirs():
    ours, theirs = TeamFactory(), TeamFactory()
    ours.members.add(member := UserFactory())
    theirs.members.add(outsider := UserFactory())
    incident = IncidentFactory(teams=[ours])
    return incident, ours, member, theirs, outsider


def test_another_teams_member_cannot_take_an_incidents_coe(ours_and_theirs):
    incident, _ours, _member, theirs, outsider = ours_and_theirs

    with pytest.raises(PermissionDenied, match="started by its call leader"):
        coe_create(title="Ours now", team=theirs, actor=outsider, incident=incident)

    assert not Coe.objects.exists()


@pytest.mark.parametrize("who", ["engaged member", "call leader", "staff"])
def test_people_working_the_incident_start_its_coe(ours_and_theirs, who):
    incident, ours, member, _theirs, _outsider = ours_and_theirs
    actor = {
        "engaged member": member,
        "call leader": incident.call_leader,
        "staff": UserFactory(is_staff=True),
    }[who]

    coe = coe_create(title="Gateway 502s", team=ours, actor=actor, incident=incident)

    assert Coe.objects.get(incident=incident) == coe


def test_anyone_signed_in_starts_a_coe_without_an_incident(ours_and_theirs):
    _incident, ours, _member, _theirs, outsider = ours_and_theirs

    coe = coe_create(title="Near miss: config almost shipped", team=ours, actor=outsider)

    assert coe.incident is None


def test_the_form_says_why_and_the_refusal_is_audited(client, ours_and_theirs):
    incident, _ours, _member, theirs, outsider = ours_and_theirs
    client.force_login(outsider)

    response = client.post(
        "/coe/new/", {"title": "Ours now", "team": theirs.pk, "incident": incident.pk}
    )

    assert response.status_code == 403
    assert "started by its call leader, a member of an engaged team or staff" in response.text
    assert not Coe.objects.exists()
    assert AuditEvent.objects.filter(action=AuditAction.PERMISSION_DENIED, actor=outsider).exists()


def test_the_incident_page_offers_to_start_the_coe_only_to_people_working_it(
    client, ours_and_theirs
):
    incident, _ours, member, _theirs, outsider = ours_and_theirs
    start = f"/coe/new/?incident={incident.pk}"

    client.force_login(outsider)
    assert start not in client.get(incident.get_absolute_url()).text
    client.force_login(member)
    assert start in client.get(incident.get_absolute_url()).text
