"""People and teams are picked by typing: suggestions come as you type and the keyboard picks
one; without JavaScript the typed username is enough."""

import re

import pytest
from django.contrib.auth import get_user_model
from playwright.sync_api import expect

from incidents.models import Incident
from opsreview.org.demo import DEMO_PASSWORD

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def test_a_call_leader_is_picked_from_suggestions_with_the_keyboard(demo, sign_in, live_server):
    page = sign_in("engineer")
    page.goto(f"{live_server.url}/incidents/new/")
    page.get_by_label("Title").fill("Banana peel images fail")
    page.get_by_role("radio", name=re.compile(r"Sev-3: Moderate")).check()

    leader = page.get_by_role("combobox", name="Call leader")
    leader.fill("")
    leader.press_sequentially("Cle")
    suggestion = page.get_by_role("option", name="Cleo Carter (callleader)")
    expect(suggestion).to_have_count(1)
    expect(suggestion).to_have_text("Cleo Carter (callleader)")
    leader.press("ArrowDown")
    leader.press("Enter")
    expect(leader).to_have_value("callleader")
    page.get_by_role("button", name="Declare").click()

    expect(page.get_by_role("heading", level=1)).to_have_text(
        re.compile(r"^INC-\d+ · Banana peel images fail$")
    )
    incident = Incident.objects.get(title="Banana peel images fail")
    assert incident.call_leader.username == "callleader"


def test_several_teams_are_typed_one_after_another_with_suggestions(demo, sign_in, live_server):
    page = sign_in("engineer")
    page.goto(f"{live_server.url}/incidents/new/")
    page.get_by_label("Title").fill("Bananas arrive bruised")
    page.get_by_role("radio", name=re.compile(r"Sev-3: Moderate")).check()

    teams = page.get_by_role("combobox", name="Teams")
    teams.press_sequentially("banana-storage, Banana Dist")
    suggestion = page.get_by_role("option", name="Banana Distributor")
    expect(suggestion).to_have_count(1)
    teams.press("ArrowDown")
    expect(teams).to_have_attribute("aria-expanded", "true")
    expect(suggestion).to_have_attribute("aria-selected", "true")
    teams.press("Enter")
    expect(teams).to_have_value("banana-storage, banana-distributor")
    expect(teams).to_have_attribute("aria-expanded", "false")
    page.get_by_role("button", name="Declare").click()

    expect(page.get_by_role("heading", level=1)).to_have_text(
        re.compile(r"^INC-\d+ · Bananas arrive bruised$")
    )
    incident = Incident.objects.get(title="Bananas arrive bruised")
    assert {team.slug for team in incident.teams.all()} == {"banana-storage", "banana-distributor"}


def test_without_javascript_the_typed_username_is_enough(demo, browser, live_server):
    context = browser.new_context(java_script_enabled=False)
    page = context.new_page()
    page.goto(f"{live_server.url}/accounts/login/")
    page.get_by_label("Username").fill("engineer")
    page.get_by_label("Password").fill(DEMO_PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.goto(f"{live_server.url}/incidents/new/")
    page.get_by_label("Title").fill("Peeled bananas shipped")
    page.get_by_role("radio", name=re.compile(r"Sev-3: Moderate")).check()
    page.get_by_role("combobox", name="Call leader").fill("CALLLEADER")
    page.get_by_role("button", name="Declare").click()

    expect(page.get_by_role("heading", level=1)).to_have_text(
        re.compile(r"^INC-\d+ · Peeled bananas shipped$")
    )
    leader = Incident.objects.get(title="Peeled bananas shipped").call_leader
    assert leader == get_user_model().objects.get(username="callleader")
    context.close()
