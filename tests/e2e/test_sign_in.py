import re

import pytest
from playwright.sync_api import expect

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

AREAS = [
    ("Incidents", "/incidents/", "Incidents"),
    ("COEs", "/coe/", "Correction of Errors"),
    ("Actions", "/actions/", "Action items"),
    ("Meetings", "/meetings/", "Ops meetings"),
    ("Wheel", "/wheel/", "Wheels"),
    ("Teams", "/teams/", "Teams"),
    ("Reports", "/reports/", "Reports"),
]


def test_demo_engineer_signs_in_sees_the_dashboard_and_visits_every_area(
    demo, sign_in, live_server
):
    page = sign_in("engineer")
    expect(page).to_have_url(f"{live_server.url}/")
    expect(page.get_by_test_id("signed-in-user")).to_have_text("Eli Engel")
    expect(page.get_by_role("heading", name="Your teams")).to_be_visible()
    expect(page.get_by_role("link", name="API Gateway Front Door")).to_be_visible()

    nav = page.get_by_role("navigation", name="Main")
    for label, path, heading in AREAS:
        nav.get_by_role("link", name=label, exact=True).click()
        expect(page).to_have_url(f"{live_server.url}{path}")
        expect(page.get_by_role("heading", level=1)).to_have_text(heading)
        expect(nav.get_by_role("link", name=label, exact=True)).to_have_attribute(
            "aria-current", "page"
        )

    nav.get_by_role("link", name="Teams", exact=True).click()
    page.get_by_role("link", name="API Gateway Front Door").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("API Gateway Front Door")
    expect(page.get_by_text("BananaStand API Gateway")).to_be_visible()


def test_wrong_password_shows_a_clear_error_and_no_session(demo, sign_in, page, live_server):
    sign_in("engineer", password="not-the-password")
    expect(page).to_have_url(re.compile(r"/accounts/login/$"))
    expect(page.get_by_role("alert")).to_contain_text(
        "Please enter a correct username and password"
    )
    assert not [c for c in page.context.cookies() if c["name"] == "sessionid"]
    page.goto(f"{live_server.url}/")
    expect(page).to_have_url(re.compile(r"/accounts/login/\?next=/$"))


def test_pages_load_without_content_security_policy_violations(demo, sign_in, page):
    violations = []
    page.on("console", lambda msg: violations.append(msg.text) if msg.type == "error" else None)
    sign_in("admin")
    expect(page.get_by_test_id("signed-in-user")).to_be_visible()
    page.reload()
    page.wait_for_load_state("networkidle")
    assert page.evaluate("typeof window.htmx") == "object"
    assert violations == []


def test_sign_out_returns_to_the_login_page(demo, sign_in, page, live_server):
    sign_in("manager")
    page.get_by_role("button", name="Sign out").click()
    expect(page).to_have_url(f"{live_server.url}/accounts/login/")
    page.goto(f"{live_server.url}/teams/")
    expect(page).to_have_url(re.compile(r"/accounts/login/\?next=/teams/$"))
