"""People and teams are picked by typing: suggestions come as you type and the keyboard picks
one; without JavaScript the typed username is enough."""

import re

import pytest
from playwright.sync_api import expect

from incidents.models import Incident

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

    expect(page.get_by_role("heading", level=1)).to_have_text("Banana peel images fail")
    incident = Incident.objects.get(title="Banana peel images fail")
    assert incident.call_leader.username == "callleader"
