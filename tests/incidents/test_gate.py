"""The resolution gate, through its own interface: a real source names what blocks resolution."""

import pytest
from django.core.exceptions import ValidationError

from incidents.gate import (
    ResolutionBlocked,
    ResolutionBlocker,
    register_blocker_source,
    resolution_blockers,
    unregister_blocker_source,
)
from incidents.models import Status
from incidents.services import incident_resolve

from .factories import IncidentFactory

pytestmark = pytest.mark.django_db

ROLLBACK = ResolutionBlocker(
    title="Roll back banana-config 4411",
    url="/action-items/17/",
    reason="Short-term action item still open.",
)


@pytest.fixture
def blocked_incident_ids():
    """Incidents the registered source blocks; tests add and remove ids to open and close items."""
    blocked: set[int] = set()

    def open_short_term_items(incident):
        return [ROLLBACK] if incident.pk in blocked else []

    register_blocker_source(open_short_term_items)
    yield blocked
    unregister_blocker_source(open_short_term_items)


def test_resolve_is_refused_while_a_blocker_source_names_an_item(blocked_incident_ids):
    incident = IncidentFactory(mitigated=True)
    blocked_incident_ids.add(incident.pk)

    with pytest.raises(ResolutionBlocked) as refused:
        incident_resolve(incident=incident, actor=incident.call_leader)

    assert refused.value.blockers == [ROLLBACK]
    assert refused.value.blockers[0].title == "Roll back banana-config 4411"
    assert refused.value.blockers[0].url == "/action-items/17/"
    assert "Roll back banana-config 4411" in str(refused.value)


def test_a_blocked_incident_stays_mitigated_with_nothing_on_the_timeline(blocked_incident_ids):
    incident = IncidentFactory(mitigated=True, gates_production_changes=True)
    blocked_incident_ids.add(incident.pk)

    with pytest.raises(ResolutionBlocked):
        incident_resolve(incident=incident, actor=incident.call_leader)

    incident.refresh_from_db()
    assert incident.status == Status.MITIGATED
    assert incident.resolved_at is None
    assert incident.gates_production_changes is True
    assert not incident.timeline.exists()


def test_an_incident_the_source_does_not_name_resolves(blocked_incident_ids):
    blocked_incident_ids.add(IncidentFactory(mitigated=True).pk)
    other = IncidentFactory(mitigated=True)

    incident_resolve(incident=other, actor=other.call_leader)

    other.refresh_from_db()
    assert other.status == Status.RESOLVED


def test_resolve_succeeds_once_the_source_stops_naming_the_item(blocked_incident_ids):
    incident = IncidentFactory(mitigated=True)
    blocked_incident_ids.add(incident.pk)
    with pytest.raises(ResolutionBlocked):
        incident_resolve(incident=incident, actor=incident.call_leader)

    blocked_incident_ids.discard(incident.pk)
    incident_resolve(incident=incident, actor=incident.call_leader)

    incident.refresh_from_db()
    assert incident.status == Status.RESOLVED
    assert incident.timeline.count() == 1


def test_an_investigating_incident_is_told_to_mitigate_before_blockers_are_asked(
    blocked_incident_ids,
):
    incident = IncidentFactory()
    blocked_incident_ids.add(incident.pk)

    with pytest.raises(ValidationError, match="Mitigate impact first"):
        incident_resolve(incident=incident, actor=incident.call_leader)


def test_blockers_from_every_registered_source_are_listed_together(blocked_incident_ids):
    incident = IncidentFactory(mitigated=True)
    blocked_incident_ids.add(incident.pk)
    review = ResolutionBlocker(
        title="Post the customer notice", url="/notices/3/", reason="Notice not sent."
    )

    def unsent_notices(_incident):
        return [review]

    register_blocker_source(unsent_notices)
    try:
        assert resolution_blockers(incident) == [ROLLBACK, review]
    finally:
        unregister_blocker_source(unsent_notices)

    assert resolution_blockers(incident) == [ROLLBACK]


def test_registering_a_source_twice_names_its_items_once():
    incident = IncidentFactory(mitigated=True)

    def everything_blocked(_incident):
        return [ROLLBACK]

    register_blocker_source(everything_blocked)
    register_blocker_source(everything_blocked)
    try:
        assert resolution_blockers(incident) == [ROLLBACK]
    finally:
        unregister_blocker_source(everything_blocked)

    assert resolution_blockers(incident) == []
