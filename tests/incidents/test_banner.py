"""The banner every signed-in page carries: open Sev-1/Sev-2 incidents, never stale, one query."""

from datetime import UTC, datetime, timedelta

import pytest
from django.db import connection
from django.test import RequestFactory
from django.test.utils import CaptureQueriesContext
from time_machine import travel

from incidents.context_processors import major_incidents
from incidents.models import Severity
from incidents.selectors import BANNER_SHOWN
from incidents.services import incident_update
from tests.org.factories import UserFactory

from .factories import CallLeaderFactory, IncidentFactory

pytestmark = pytest.mark.django_db

NOW = datetime(2026, 11, 26, 10, 0, tzinfo=UTC)
BANNER = 'aria-label="Open major incidents"'


def banner(client, path="/teams/") -> str:
    """The banner's text on a page, or "" when the page has none."""
    html = client.get(path).text
    if BANNER not in html:
        return ""
    return html.split(BANNER, 1)[1].split("</div>", 1)[0]


@pytest.fixture
def leader(client):
    user = CallLeaderFactory().user
    client.force_login(user)
    return user


def test_the_banner_names_open_sev1_and_sev2_incidents_most_severe_first(client, leader):
    IncidentFactory(title="Checkout degraded", severity=Severity.SEV2)
    IncidentFactory(title="Bananas unavailable", severity=Severity.SEV1)
    IncidentFactory(title="Glitch", severity=Severity.SEV3)
    IncidentFactory(title="Over", severity=Severity.SEV1, resolved=True)

    shown = banner(client)

    assert shown.index("Bananas unavailable") < shown.index("Checkout degraded")
    assert "Glitch" not in shown and "Over" not in shown


def test_the_banner_follows_an_incident_through_its_life_on_the_next_page(client, leader):
    with travel(NOW, tick=False):
        client.post(
            "/incidents/new/",
            {"title": "Bananas unavailable", "severity": 2, "call_leader": leader.pk},
        )
        assert "Bananas unavailable" in banner(client)
        assert "Investigating" in banner(client)
    incident = leader.incidents_led.get()
    path = f"/incidents/{incident.pk}"

    with travel(NOW + timedelta(minutes=31), tick=False):
        assert "update overdue" in banner(client)
        client.post(f"{path}/timeline/", {"text": "Rolled back the gateway change."})
        assert "update overdue" not in banner(client)
        client.post(f"{path}/gate/", {"gated": "1"})
        assert "production changes are gated" in banner(client)
        client.post(f"{path}/mitigate/", {})
        assert "Mitigated" in banner(client)
        client.post(f"{path}/resolve/", {})
        assert banner(client) == ""


def test_lowering_the_severity_takes_the_incident_off_the_banner(client, leader):
    incident = IncidentFactory(title="Bananas slow", severity=Severity.SEV2, call_leader=leader)
    assert "Bananas slow" in banner(client)

    incident_update(incident=incident, actor=leader, changes={"severity": Severity.SEV3})

    assert banner(client) == ""


def test_the_banner_names_a_few_and_points_to_the_rest(client, leader):
    for n in range(BANNER_SHOWN + 2):
        IncidentFactory(title=f"Outage {n}", severity=Severity.SEV1)

    shown = banner(client)

    assert shown.count('class="sev sev-1"') == BANNER_SHOWN
    assert 'href="/incidents/?status=open"' in shown


def test_the_banner_is_one_query_however_many_incidents_are_open():
    request = RequestFactory().get("/")
    request.user = UserFactory()

    def queries():
        with CaptureQueriesContext(connection) as captured:
            major_incidents(request)
        return len(captured)

    few = queries()
    for severity in (Severity.SEV1, Severity.SEV2) * 5:
        IncidentFactory(severity=severity)
        IncidentFactory(severity=severity, mitigated=True)

    assert few == queries() == 1


def test_signed_out_pages_carry_no_banner(client):
    IncidentFactory(title="Bananas unavailable", severity=Severity.SEV1)

    assert "Bananas unavailable" not in client.get("/accounts/login/").text
