"""A browser in Los Angeles: a person who has chosen no zone is offered the browser's, and
taking it shows every time in it; a person who chose one is offered nothing."""

from datetime import UTC
from zoneinfo import ZoneInfo

import pytest
from django.utils import timezone
from django.utils.dateformat import format as date_format
from playwright.sync_api import expect

from incidents.demo import GATEWAY_OUTAGE
from incidents.models import Incident
from opsreview.org.models import Profile

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

BROWSER_ZONE = "America/Los_Angeles"


@pytest.fixture
def browser_context_args(browser_context_args):
    return {**browser_context_args, "timezone_id": BROWSER_ZONE}


def shown_in(zone: str, value) -> str:
    """A time as the page's `moment` shows it, in `zone`."""
    return date_format(timezone.localtime(value, ZoneInfo(zone)), "j M Y, H:i T")


def test_the_browsers_zone_is_offered_and_taking_it_shows_times_in_it(demo, sign_in, live_server):
    incident = Incident.objects.get(title=GATEWAY_OUTAGE)
    started = incident.impact_started_at
    page = sign_in("engineer")
    page.goto(f"{live_server.url}{incident.get_absolute_url()}")
    impact = page.locator(f'time[datetime="{started.astimezone(UTC).isoformat()}"]').first
    expect(impact).to_have_text(shown_in("Europe/London", started))

    offer = page.get_by_test_id("zone-offer")
    expect(offer).to_be_visible()
    expect(offer).to_contain_text(
        f"Your browser is in {BROWSER_ZONE}; times here are shown in Europe/London."
    )
    offer.get_by_role("button", name=f"Use {BROWSER_ZONE}").click()

    expect(page.locator(".messages")).to_contain_text(f"Times are now shown in {BROWSER_ZONE}.")
    expect(page).to_have_url(f"{live_server.url}{incident.get_absolute_url()}")
    expect(impact).to_have_text(shown_in(BROWSER_ZONE, started))
    expect(offer).to_have_count(0)
    assert Profile.objects.get(person__username="engineer").time_zone == BROWSER_ZONE


def test_keeping_the_sites_zone_ends_the_offer(demo, sign_in, live_server):
    page = sign_in("manager")
    offer = page.get_by_test_id("zone-offer")
    expect(offer).to_be_visible()

    offer.get_by_role("button", name="Keep Europe/London").click()

    expect(page.locator(".messages")).to_contain_text("Times are now shown in Europe/London.")
    expect(offer).to_have_count(0)
    assert Profile.objects.get(person__username="manager").time_zone == "Europe/London"


def test_a_person_who_chose_a_zone_is_offered_nothing(demo, sign_in, live_server):
    page = sign_in("callleader")  # the demo's call leader reads times in Los Angeles

    page.goto(f"{live_server.url}/accounts/profile/")

    expect(page.get_by_test_id("zone-now")).to_contain_text(f"Times are shown in {BROWSER_ZONE}")
    expect(page.get_by_test_id("zone-offer")).to_have_count(0)
