"""An incident's items panel and resolution gate: its own items and its COE's short-term items,
nothing from any other incident or COE."""

import re

import pytest
from django.utils import timezone

from incidents.gate import ResolutionBlocked
from incidents.services import incident_resolve
from opsreview.actions.models import ActionItem, ItemStatus, Term
from opsreview.actions.templatetags.actions import INCIDENT_ITEMS_SHOWN
from tests.coe.factories import CoeFactory, add_item
from tests.incidents.factories import CallLeaderFactory, IncidentFactory
from tests.org.factories import TeamFactory

pytestmark = pytest.mark.django_db


def panel_titles(client, incident) -> list[str]:
    html = client.get(f"/incidents/{incident.pk}/").text
    panel = html.split('id="short-term-items"', 1)[1].split("</section>", 1)[0]
    return re.findall(r'class="item-title">\s*<a href="[^"]+">([^<]+)</a>', panel)


def raised_on(incident, title, *, term=Term.SHORT, status=ItemStatus.OPEN) -> ActionItem:
    """An item raised on the incident while it was open, stored as it is now."""
    return ActionItem.objects.create(
        title=title,
        owner=incident.call_leader,
        team=TeamFactory(),
        term=term,
        status=status,
        due_date=timezone.localdate(),
        created_by=incident.call_leader,
        incident=incident,
    )


@pytest.fixture
def incident(client):
    leader = CallLeaderFactory().user
    client.force_login(leader)
    return IncidentFactory(call_leader=leader, declared_by=leader, mitigated=True)


@pytest.fixture
def elsewhere(incident):
    """Items of another incident and its COE, and of a COE without an incident."""
    other = IncidentFactory(call_leader=incident.call_leader, declared_by=incident.call_leader)
    raised_on(other, "Other incident's item")
    other_coe = CoeFactory(incident=other, actor=incident.call_leader)
    add_item(other_coe, term=Term.SHORT, title="Other COE's short-term item")
    add_item(CoeFactory(), term=Term.SHORT, title="Near miss COE's short-term item")


def test_the_panel_shows_the_incidents_items_and_its_coes_short_term_items_only(
    client, incident, elsewhere
):
    coe = CoeFactory(incident=incident, actor=incident.call_leader)
    raised_on(incident, "Roll back banana-config 4411")
    raised_on(incident, "Raise the distributor limit", term=Term.MEDIUM, status=ItemStatus.DONE)
    add_item(coe, term=Term.SHORT, title="Pin the gateway config version")
    add_item(coe, term=Term.MEDIUM, title="Add a canary stage")  # the COE page's, not the call's

    assert sorted(panel_titles(client, incident)) == [
        "Pin the gateway config version",
        "Raise the distributor limit",
        "Roll back banana-config 4411",
    ]


def test_without_a_coe_the_panel_shows_the_incidents_own_items(client, incident, elsewhere):
    raised_on(incident, "Roll back banana-config 4411")

    assert panel_titles(client, incident) == ["Roll back banana-config 4411"]


def test_the_gate_names_open_short_term_items_of_the_incident_and_its_coe_only(incident, elsewhere):
    coe = CoeFactory(incident=incident, actor=incident.call_leader)
    raised_on(incident, "Roll back banana-config 4411")
    raised_on(incident, "Already done", status=ItemStatus.DONE)
    add_item(coe, term=Term.SHORT, title="Pin the gateway config version")
    add_item(coe, term=Term.MEDIUM, title="Add a canary stage")

    with pytest.raises(ResolutionBlocked) as blocked:
        incident_resolve(incident=incident, actor=incident.call_leader)

    assert sorted(b.title for b in blocked.value.blockers) == [
        "Pin the gateway config version",
        "Roll back banana-config 4411",
    ]


def test_a_long_list_shows_the_open_items_first_and_says_there_are_more(client, incident):
    for n in range(INCIDENT_ITEMS_SHOWN):
        raised_on(incident, f"Done {n}", status=ItemStatus.DONE)
    raised_on(incident, "Still open")

    titles = panel_titles(client, incident)

    assert len(titles) == INCIDENT_ITEMS_SHOWN
    assert titles[0] == "Still open"
    assert 'data-testid="more-items"' in client.get(f"/incidents/{incident.pk}/").text
