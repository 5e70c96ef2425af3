import pytest
from playwright.sync_api import expect

from incidents.demo import LIMIT_EXCEEDED
from incidents.models import Incident

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def test_a_short_term_item_blocks_resolution_until_it_is_done(demo, sign_in, live_server):
    incident = Incident.objects.get(title=LIMIT_EXCEEDED)
    page = sign_in("callleader")
    page.goto(f"{live_server.url}{incident.get_absolute_url()}")

    page.get_by_text("Add a short-term item").click()
    items = page.locator("#short-term-items")
    items.get_by_label("Title").fill("Cap the retrying customer at 50 requests per second")
    items.get_by_role("button", name="Add item").click()
    item = page.get_by_test_id("action-item").filter(has_text="Cap the retrying customer")
    expect(item).to_be_visible()

    page.get_by_role("button", name="Impact is mitigated").click()
    expect(page.get_by_test_id("incident-status")).to_have_text("Mitigated")

    page.get_by_role("button", name="Resolve incident").click()
    expect(page.get_by_role("alert").filter(has_text="Not resolved")).to_be_visible()
    expect(page.get_by_test_id("blockers")).to_contain_text(
        "Cap the retrying customer at 50 requests per second"
    )
    expect(page.get_by_test_id("incident-status")).to_have_text("Mitigated")

    item = page.get_by_test_id("action-item").filter(has_text="Cap the retrying customer")
    page.evaluate("window.noReload = true")
    item.get_by_role("button", name="Done").click()
    expect(item.get_by_test_id("item-status")).to_have_text("Done")
    expect(page.get_by_test_id("blockers")).to_have_count(0)

    page.get_by_role("button", name="Resolve incident").click()
    expect(page.get_by_test_id("incident-status")).to_have_text("Resolved")
    assert page.evaluate("window.noReload") is True
