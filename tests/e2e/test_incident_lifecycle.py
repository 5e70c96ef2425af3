import re

import pytest
from playwright.sync_api import expect

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def test_declare_log_mitigate_and_resolve_an_incident_in_the_browser(demo, sign_in, live_server):
    page = sign_in("engineer")
    page.goto(f"{live_server.url}/incidents/new/")
    page.get_by_label("Title").fill("Banana images fail to load")
    page.get_by_role("radio", name=re.compile(r"Sev-3: Moderate")).check()
    page.get_by_role("combobox", name="Teams").fill("banana-storage")
    page.get_by_role("button", name="Declare").click()

    expect(page.get_by_role("heading", level=1)).to_have_text(
        re.compile(r"^INC-\d+ · Banana images fail to load$")
    )
    expect(page.get_by_test_id("incident-status")).to_have_text("Investigating")
    expect(page.get_by_role("heading", name="Mitigate impact")).to_be_visible()

    # Two entries, added in place: the marker set on this page survives, so nothing reloaded.
    page.evaluate("window.noReload = true")
    timeline = page.locator("#timeline")
    for text in ["CDN returns 403 for banana images", "Bucket policy changed at 09:58"]:
        timeline.get_by_label("What happened").fill(text)
        timeline.get_by_role("button", name="Add to timeline").click()
        expect(timeline.get_by_text(text)).to_be_visible()
        expect(timeline.get_by_label("What happened")).to_have_value("")
    assert page.evaluate("window.noReload") is True

    page.get_by_label("How").fill("Reverted the bucket policy")
    page.get_by_role("button", name="Impact is mitigated").click()
    expect(page.get_by_test_id("incident-status")).to_have_text("Mitigated")

    page.get_by_role("button", name="Resolve incident").click()
    expect(page.get_by_test_id("incident-status")).to_have_text("Resolved")
    assert page.evaluate("window.noReload") is True

    entries = page.locator("#timeline .timeline-status .timeline-text")
    expect(entries).to_have_count(3)
    expect(entries.nth(0)).to_contain_text("Declared Sev-3 by Eli Engel")
    expect(entries.nth(1)).to_contain_text("Impact mitigated (recorded by Eli Engel). Reverted")
    expect(entries.nth(2)).to_contain_text("Resolved by Eli Engel")


def test_open_major_incident_is_announced_on_every_page(demo, sign_in, live_server):
    page = sign_in("manager")
    for path in ["/", "/teams/", "/incidents/"]:
        page.goto(f"{live_server.url}{path}")
        banner = page.get_by_role("status", name="Open major incidents")
        expect(banner).to_contain_text("BananaDistributionLimitExceeded")
