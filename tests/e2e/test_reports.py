import pytest
from playwright.sync_api import expect

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def test_staff_send_the_weekly_reports_and_read_them_in_the_outbox(
    demo, sign_in, live_server, settings
):
    settings.MAILERS = {"default": {"BACKEND": "opsreview.org.mail.OutboxBackend"}}
    page = sign_in("admin")
    page.goto(f"{live_server.url}/reports/")
    page.get_by_role("button", name="Send this week's reports").click()
    expect(page.locator(".messages")).to_contain_text("Queued")
    expect(page.get_by_role("cell", name="Sent")).to_be_visible()

    page.get_by_role("link", name="Outbox").click()
    page.get_by_role("link", name="BananaStand: 2 overdue action items").click()
    expect(page.get_by_test_id("email-subject")).to_contain_text("overdue action items — week")
    expect(page.locator(".email-text")).to_contain_text("API Gateway Front Door")
    frame = page.frame_locator("iframe.email-frame")
    expect(frame.get_by_role("link", name="Open the overdue items")).to_be_visible()
