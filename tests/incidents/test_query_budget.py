"""The incident list and an incident's page make as many queries with much data as with little."""

import pytest
from django.utils import timezone

from incidents.models import Severity, Status
from opsreview.actions.models import ActionItem, ItemStatus, Term
from tests.coe.factories import CoeFactory, add_item
from tests.org.factories import ServiceFactory, TeamFactory, UserFactory
from tests.query_budget import assert_query_budget

from .factories import CallLeaderFactory, IncidentFactory, TimelineEntryFactory

pytestmark = pytest.mark.django_db


def _incidents(count: int, *, team=None):
    """`count` incidents of every status and severity, each with its own call leader, two
    engaged teams (one of them `team`), a service and a few timeline entries."""
    statuses = [{}, {"mitigated": True}, {"resolved": True}]
    for n in range(count):
        leader = CallLeaderFactory().user
        teams = [team or TeamFactory(), TeamFactory(members=[UserFactory()])]
        incident = IncidentFactory(
            severity=Severity.values[n % 5],
            call_leader=leader,
            declared_by=leader,
            teams=teams,
            **statuses[n % 3],
        )
        incident.services.add(ServiceFactory())
        for _ in range(3):
            TimelineEntryFactory(incident=incident, author=leader)


@pytest.mark.parametrize(
    "query",
    ["", "?status=open", "?status=resolved", "?severity=2", "?team=front-door", "?page=2"],
)
def test_the_incident_list_makes_the_same_queries_however_many_incidents(client, query):
    team = TeamFactory(slug="front-door")
    _incidents(27, team=team)  # a second page, and some of it in each filter
    client.force_login(UserFactory())

    assert_query_budget(client, f"/incidents/{query}", grow=lambda: _incidents(30, team=team))


def _items(incident, coe, count: int):
    """`count` items in the COE (short- and medium-term) and `count` raised on the incident
    (while it was open: stored as they are, whatever its status now), each with its own team."""
    leader = incident.call_leader
    for n in range(count):
        add_item(coe, term=[Term.SHORT, Term.MEDIUM][n % 2], actor=coe.created_by)
        ActionItem.objects.create(
            title=f"Fix {n}",
            owner=UserFactory(),
            team=TeamFactory(),
            term=Term.SHORT,
            due_date=timezone.localdate(),
            created_by=leader,
            incident=incident,
            status=[ItemStatus.OPEN, ItemStatus.DONE][n % 2],
        )


def _busy(incident, coe):
    """Everything an incident's page shows, lists or counts, thirty times over; and as much
    again on other incidents and their COEs, which the page must not read."""
    leader = incident.call_leader
    for _ in range(30):
        TimelineEntryFactory(incident=incident, author=UserFactory())
        CallLeaderFactory()
    for _ in range(5):
        incident.teams.add(TeamFactory(members=[UserFactory(), UserFactory()]))
        incident.services.add(ServiceFactory())
    _items(incident, coe, 15)
    for _ in range(5):
        other = IncidentFactory(call_leader=leader, declared_by=leader)
        _items(other, CoeFactory(incident=other, actor=leader), 6)
        TimelineEntryFactory(incident=other, author=leader)


@pytest.fixture
def member():
    return UserFactory()


@pytest.fixture(params=[Status.INVESTIGATING, Status.MITIGATED, Status.RESOLVED])
def incident(request, member):
    leader = CallLeaderFactory().user
    traits = {Status.MITIGATED: {"mitigated": True}, Status.RESOLVED: {"resolved": True}}
    incident = IncidentFactory(
        severity=Severity.SEV2,
        call_leader=leader,
        declared_by=leader,
        teams=[TeamFactory(members=[member])],
        **traits.get(request.param, {}),
    )
    coe = CoeFactory(incident=incident, actor=leader)
    TimelineEntryFactory(incident=incident, author=leader)
    add_item(coe, term=Term.SHORT, actor=leader)
    incident.coe_for_test = coe
    return incident


@pytest.mark.parametrize("viewer", ["call leader", "engaged team member", "someone else"])
def test_an_incidents_page_makes_the_same_queries_however_much_it_holds(
    client, incident, member, viewer
):
    user = {
        "call leader": incident.call_leader,
        "engaged team member": member,
        "someone else": UserFactory(),
    }[viewer]
    client.force_login(user)

    assert_query_budget(
        client, f"/incidents/{incident.pk}/", grow=lambda: _busy(incident, incident.coe_for_test)
    )
