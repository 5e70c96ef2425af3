"""Short-term items are raised while an incident is open; a resolved one takes them in its COE."""

import pytest
from django.core.exceptions import ValidationError

from opsreview.actions.models import ActionItem, Term
from tests.actions.test_action_items import incident_item
from tests.coe.factories import CoeFactory, add_item
from tests.incidents.factories import IncidentFactory
from tests.org.factories import TeamFactory, UserFactory

pytestmark = pytest.mark.django_db


def test_an_item_cannot_be_raised_on_a_resolved_incident():
    incident = IncidentFactory(resolved=True)

    with pytest.raises(ValidationError, match="resolved; reopen it"):
        incident_item(incident)

    assert not ActionItem.objects.exists()


def test_a_team_member_posting_an_item_to_a_resolved_incident_is_told_why(client):
    team = TeamFactory()
    team.members.add(member := UserFactory())
    incident = IncidentFactory(resolved=True, teams=[team])
    client.force_login(member)

    response = client.post(
        f"/actions/new/incident/{incident.pk}/",
        {"item-title": "Pin the config version", "item-owner": member.pk, "item-team": team.pk},
    )

    assert response.status_code == 422
    assert "This incident is resolved; reopen it" in response.text
    assert not ActionItem.objects.exists()


def test_the_coe_of_a_resolved_incident_still_takes_items():
    incident = IncidentFactory(resolved=True)
    coe = CoeFactory(incident=incident)

    item = add_item(coe, term=Term.MEDIUM)

    assert item.coe == coe
