"""Two people on one incident, each in their own browser: what the call leader does shows on
the other's page within the poll interval, everywhere on it, and the other's half-typed
timeline text survives every refresh."""

import pytest
from django.contrib.auth import get_user_model
from django.utils import timezone
from playwright.sync_api import expect

from incidents.models import Incident, Status
from incidents.services import incident_declare
from opsreview.org.demo import DEMO_PASSWORD

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

TITLE = "Banana checkout times out"
HALF_TYPED = "Seeing 504s from the checkout ELB, checking wh"


@pytest.fixture
def fast_polls(settings):
    settings.LIVE_POLL_SECONDS = 1


def _signed_in(browser, live_server, username: str):
    context = browser.new_context()
    page = context.new_page()
    page.goto(f"{live_server.url}/accounts/login/")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(DEMO_PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_test_id("signed-in-user")).to_be_visible()
    return page


def test_the_call_leaders_changes_reach_the_other_viewer_without_a_reload(
    demo, fast_polls, browser, live_server
):
    # The demo's own open Sev-2 is over, so the banner names this incident alone.
    Incident.objects.open().update(status=Status.RESOLVED, resolved_at=timezone.now())
    people = get_user_model().objects
    leader, engineer = people.get(username="callleader"), people.get(username="engineer")
    incident = incident_declare(
        title=TITLE,
        severity=2,
        declared_by=leader,
        call_leader=leader,
        teams=list(engineer.teams.all()[:1]),
    )
    url = f"{live_server.url}{incident.get_absolute_url()}"
    lead = _signed_in(browser, live_server, "callleader")
    other = _signed_in(browser, live_server, "engineer")
    lead.goto(url)
    other.goto(url)
    other.evaluate("window.noReload = true")

    # The other viewer starts writing an entry and leaves it half-typed, cursor in the box.
    box = other.locator("#timeline").get_by_label("What happened")
    box.fill(HALF_TYPED)
    box.focus()
    banner = other.get_by_test_id("incident-banner")
    expect(banner).to_contain_text(TITLE)
    expect(banner).to_contain_text("Investigating")

    # A timeline entry.
    timeline = lead.locator("#timeline")
    timeline.get_by_label("What happened").fill("Checkout ELB 5xx at 38%")
    timeline.get_by_role("button", name="Add to timeline").click()
    expect(other.locator("#timeline .timeline-entry").last).to_contain_text(
        "Checkout ELB 5xx at 38%"
    )
    expect(box).to_have_value(HALF_TYPED)
    expect(box).to_be_focused()

    # The gate: the header and the panel agree.
    lead.get_by_role("button", name="Gate production changes").click()
    expect(other.locator("#incident-header")).to_contain_text("Production changes gated")
    expect(other.locator("#gate-heading + p")).to_contain_text("Gated by Cleo Carter")
    expect(banner).to_contain_text("production changes are gated")
    expect(box).to_have_value(HALF_TYPED)

    # Mitigated: the status, the banner and the panel that follows.
    lead.get_by_role("button", name="Impact is mitigated").click()
    expect(other.get_by_test_id("incident-status")).to_have_text("Mitigated")
    expect(other.get_by_role("heading", name="Resolve")).to_be_visible()
    expect(banner).to_contain_text("Mitigated")
    expect(box).to_have_value(HALF_TYPED)

    # Resolved: the banner goes (it named this incident alone), the gate is lifted, the page
    # stops polling.
    lead.get_by_role("button", name="Resolve incident").click()
    expect(other.get_by_test_id("incident-status")).to_have_text("Resolved")
    expect(banner).to_have_count(0)
    expect(other.locator("#incident-header")).not_to_contain_text("Production changes gated")
    expect(other.locator("#incident-live")).to_have_count(0)
    expect(box).to_have_value(HALF_TYPED)

    assert other.evaluate("window.noReload") is True  # every change came in place


def test_a_deleted_incident_says_so_instead_of_an_error(demo, fast_polls, browser, live_server):
    leader = get_user_model().objects.get(username="callleader")
    incident = incident_declare(title=TITLE, severity=3, declared_by=leader, call_leader=leader)
    page = _signed_in(browser, live_server, "engineer")
    page.goto(f"{live_server.url}{incident.get_absolute_url()}")
    expect(page.locator("#incident-live")).to_have_count(1)

    reference = incident.reference
    incident.delete()

    notice = page.get_by_role("alert").filter(has_text="no longer exists")
    expect(notice).to_have_text(
        f"{reference} no longer exists: it was deleted or merged into another "
        "incident. Changes to it are no longer shown."
    )
    expect(page.locator("#incident-live")).to_have_count(0)
