"""Live pages: an open incident's page, the incident list and the banner ask every few seconds
whether anything they show changed, are answered 204 (one cheap query) while nothing has, and
get the part anew, in agreement with itself, when something has."""

import re
from datetime import timedelta

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from incidents import services
from incidents.models import Incident, Severity, Status
from opsreview.actions import services as item_services
from opsreview.org.services import profile_time_zone_set
from tests.org.factories import TeamFactory, UserFactory

from .factories import IncidentFactory, TimelineEntryFactory

pytestmark = pytest.mark.django_db

HTMX = {"HX-Request": "true"}


@pytest.fixture
def incident(leader):
    return IncidentFactory(call_leader=leader, declared_by=leader, severity=Severity.SEV2)


def poll_url(html: str, element_id: str) -> str:
    """The URL a live element of a page polls."""
    found = re.search(rf'id="{element_id}"[^>]*?hx-get="([^"]+)"', html, re.S)
    assert found, f"no poll on #{element_id}"
    return found.group(1).replace("&amp;", "&")


def poll(client, url: str):
    return client.get(url, headers=HTMX)


# An incident's page


def test_an_open_incidents_page_polls_at_the_interval_set(client, incident, settings):
    settings.LIVE_POLL_SECONDS = 7
    html = client.get(incident.get_absolute_url()).text
    assert 'hx-trigger="every 7s"' in html
    assert poll_url(html, "incident-live").startswith(f"/incidents/{incident.pk}/live/?v=")


def test_unchanged_the_poll_is_a_204_in_the_same_few_queries_however_much_it_holds(
    client, incident
):
    url = poll_url(client.get(incident.get_absolute_url()).text, "incident-live")
    counts = []
    for _ in range(2):
        with CaptureQueriesContext(connection) as captured:
            response = poll(client, url)
        assert response.status_code == 204 and response.content == b""
        counts.append(len(captured.captured_queries))
        # More of everything the page shows; the version it shows is set back as it was.
        version = Incident.objects.get(pk=incident.pk).version
        for n in range(30):
            TimelineEntryFactory(incident=incident, text=f"note {n}")
        TeamFactory.create_batch(3)
        Incident.objects.filter(pk=incident.pk).update(version=version)
    # The session, the person, the incident's version: three, before and after.
    assert counts == [3, 3]


@pytest.mark.parametrize(
    "change, shown",
    [
        (
            lambda i, who: services.timeline_entry_add(
                incident=i, author=who, text="Rolled back the deploy"
            ),
            "Rolled back the deploy",
        ),
        (
            lambda i, who: services.incident_gate_changes(incident=i, actor=who, gated=True),
            "Production changes gated",
        ),
        (
            lambda i, who: services.incident_mitigate(incident=i, actor=who),
            "Impact mitigated",
        ),
        (
            lambda i, who: services.incident_update(
                incident=i, actor=who, changes={"title": "Bananas all gone"}
            ),
            "Bananas all gone",
        ),
        (
            lambda i, who: services.incident_role_assign(
                incident=i, actor=who, role="scribe", person=UserFactory(first_name="Sam")
            ),
            "Scribe",
        ),
        (
            lambda i, who: item_services.action_item_create(
                actor=who,
                title="Pin the gateway config",
                owner=who,
                team=TeamFactory(),
                term="short",
                incident=i,
            ),
            "Pin the gateway config",
        ),
    ],
    ids=["timeline entry", "gate", "mitigation", "edit", "role", "short-term item"],
)
def test_each_change_is_the_next_polls_answer(client, incident, leader, change, shown):
    url = poll_url(client.get(incident.get_absolute_url()).text, "incident-live")
    assert shown not in poll(client, url).text

    change(Incident.objects.get(pk=incident.pk), leader)

    response = poll(client, url)
    assert response.status_code == 200
    assert response.text.lstrip().startswith('<div id="incident"')
    assert shown in response.text
    # The new part polls from what it now shows: asked again, nothing more has changed.
    assert poll(client, poll_url(response.text, "incident-live")).status_code == 204


def test_after_gating_every_part_of_the_page_says_gated(client, incident, leader):
    url = poll_url(client.get(incident.get_absolute_url()).text, "incident-live")
    services.incident_gate_changes(incident=incident, actor=leader, gated=True)

    html = poll(client, url).text

    header = html[: html.index("</header>")]
    assert "Production changes gated" in header
    gate_panel = html[html.index('id="gate-heading"') :]
    assert "Gated by" in gate_panel and "Not gated" not in gate_panel
    assert "Lift the gate" in gate_panel


def test_a_coe_started_for_the_incident_is_the_next_polls_answer(client, incident, leader):
    from coe import services as coe_services

    url = poll_url(client.get(incident.get_absolute_url()).text, "incident-live")
    coe_services.coe_create(
        title="Bananas unavailable", team=TeamFactory(), incident=incident, actor=leader
    )
    response = poll(client, url)
    assert response.status_code == 200 and "Bananas unavailable" in response.text


def test_once_a_minute_the_duration_and_pulse_are_shown_anew(client, incident):
    with time_machine.travel(timezone.now(), tick=False) as clock:
        url = poll_url(client.get(incident.get_absolute_url()).text, "incident-live")
        assert poll(client, url).status_code == 204
        clock.shift(timedelta(minutes=31))
        response = poll(client, url)
    assert response.status_code == 200
    assert "Update overdue" in response.text


def test_what_the_viewer_is_typing_into_is_kept_when_the_page_comes_anew(client, incident, leader):
    own = TimelineEntryFactory(incident=incident, author=leader, text="My note")
    other = TimelineEntryFactory(incident=incident, text="Someone else's note")
    page = client.get(incident.get_absolute_url()).text
    assert "hx-preserve" not in page  # a form sent and answered comes back as the answer says

    live = poll(client, f"/incidents/{incident.pk}/live/").text

    for kept in ("timeline-form", "mitigate-form", "engage-form", "role-assign"):
        assert re.search(rf'id="{kept}"[^>]*hx-preserve', live), kept
    assert re.search(rf'id="entry-{own.pk}"[^>]*hx-preserve', live)  # perhaps open to edit
    assert not re.search(rf'id="entry-{other.pk}"[^>]*hx-preserve', live)


def test_a_resolved_incident_stops_polling(client, incident, leader):
    url = poll_url(client.get(incident.get_absolute_url()).text, "incident-live")
    services.incident_mitigate(incident=incident, actor=leader)
    services.incident_resolve(incident=Incident.objects.get(pk=incident.pk), actor=leader)

    response = poll(client, url)

    assert "Resolved" in response.text
    assert 'id="incident-live"' not in response.text


def test_a_deleted_incident_is_a_notice_not_an_error(client, incident):
    url = poll_url(client.get(incident.get_absolute_url()).text, "incident-live")
    reference = incident.reference
    Incident.objects.filter(pk=incident.pk).delete()

    response = poll(client, url)

    assert response.status_code == 404
    assert response["Content-Type"].startswith("text/plain")
    assert response.text.startswith(f"{reference} no longer exists")


def test_someone_whose_account_was_closed_is_told_they_are_signed_out(client, incident, leader):
    url = poll_url(client.get(incident.get_absolute_url()).text, "incident-live")
    type(leader).objects.filter(pk=leader.pk).update(is_active=False)
    response = poll(client, url)
    assert response.status_code == 401
    assert "signed out" in response.text


# The banner


def banner_url(client) -> str:
    return poll_url(client.get("/teams/").text, "banner")


def test_the_banner_polls_on_every_page_even_when_empty(client, leader, settings):
    settings.LIVE_POLL_SECONDS = 4
    html = client.get("/teams/").text
    assert re.search(r'id="banner"[^>]*hx-trigger="every 4s"', html)
    assert 'aria-label="Open major incidents"' not in html


def test_the_banner_is_a_204_until_it_changes_then_follows_the_incident_away(
    client, incident, leader
):
    url = banner_url(client)
    with CaptureQueriesContext(connection) as captured:
        assert poll(client, url).status_code == 204
    assert len(captured.captured_queries) == 3  # the session, the person, the banner

    services.incident_mitigate(incident=incident, actor=leader)
    shown = poll(client, url)
    assert shown.status_code == 200 and "<html" not in shown.text
    assert "Mitigated" in shown.text and incident.title in shown.text

    url = poll_url(shown.text, "banner")
    services.incident_resolve(incident=Incident.objects.get(pk=incident.pk), actor=leader)
    gone = poll(client, url)
    assert gone.status_code == 200
    assert incident.title not in gone.text
    assert 'aria-label="Open major incidents"' not in gone.text
    assert 'id="banner"' in gone.text  # still asking, for the next one


def test_a_sev1_declared_elsewhere_appears_above_a_sev2(client, incident, leader):
    url = banner_url(client)
    IncidentFactory(title="Everything down", severity=Severity.SEV1)
    html = poll(client, url).text
    assert html.index("Everything down") < html.index(incident.title)


# The incident list


def test_the_list_polls_with_its_filters_and_answers_204_until_a_listed_incident_changes(
    client, incident, leader
):
    html = client.get("/incidents/?status=open").text
    url = poll_url(html, "incident-results")
    assert url.startswith("/incidents/?status=open&live=")
    assert poll(client, url).status_code == 204

    services.incident_mitigate(incident=incident, actor=leader)
    response = poll(client, url)

    assert response.status_code == 200
    assert response.text.lstrip().startswith('<div id="incident-results"')
    assert "Mitigated" in response.text


def test_the_list_shows_a_newly_declared_incident(client, incident, leader):
    url = poll_url(client.get("/incidents/").text, "incident-results")
    services.incident_declare(title="Checkout down", severity=3, declared_by=leader)
    assert "Checkout down" in poll(client, url).text


def test_a_resolved_incident_leaves_the_open_list(client, incident, leader):
    url = poll_url(client.get("/incidents/?status=open").text, "incident-results")
    Incident.objects.filter(pk=incident.pk).update(
        status=Status.RESOLVED, resolved_at=timezone.now(), version=incident.version + 1
    )
    assert incident.title not in poll(client, url).text


def test_what_a_poll_brings_is_in_the_viewers_time_zone(client, incident, leader):
    profile_time_zone_set(actor=leader, time_zone="America/Los_Angeles")
    page = client.get(incident.get_absolute_url()).text
    assert "PST</time>" in page

    services.timeline_entry_add(incident=incident, author=leader, text="Failing over")
    for url in (poll_url(page, "incident-live"), poll_url(page, "banner")):
        refreshed = poll(client, url).text
        assert "PST</time>" in refreshed or "<time" not in refreshed
        assert "GMT</time>" not in refreshed
