"""The wheel in Chromium: Space spins, the disc turns and stops on the server's result, and
choosing opens the chosen team's dashboard in a new tab."""

import pytest
from playwright.sync_api import expect

from opsreview.org.models import Team
from wheel.demo import seed_wheel
from wheel.models import Participant, Spin

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

DASHBOARDS = "https://dashboards.bananastand.example/**"

# What is drawn just below the pointer's tip, asked of the browser's own rendering of the SVG.
SLICE_UNDER_POINTER = """svg => {
  svg.scrollIntoView({block: "center"});
  const point = svg.createSVGPoint();
  point.x = 0;
  point.y = -78;
  const onScreen = point.matrixTransform(svg.getScreenCTM());
  const hit = document.elementFromPoint(onScreen.x, onScreen.y);
  return hit && hit.closest("[data-slice]") ? hit.closest("[data-slice]").dataset.name : null;
}"""


# The disc has turned on from `before` and the wheel is still spinning, not yet landed.
TURNED_WHILE_SPINNING = """before => {
  const wheel = document.querySelector("[data-wheel]");
  return wheel.dataset.state === "spinning" && parseFloat(wheel.dataset.rotation) > before;
}"""


@pytest.fixture
def wheel(demo):
    return seed_wheel({team.slug: team for team in Team.objects.all()})


@pytest.fixture
def dashboards(page):
    """The demo dashboards are not real sites: answer for them so the new tab loads."""
    page.context.route(DASHBOARDS, lambda route: route.fulfill(body="dashboard"))


def test_space_spins_onto_the_result_and_choose_opens_the_teams_dashboard(
    wheel, dashboards, sign_in, live_server
):
    page = sign_in("engineer")
    page.goto(f"{live_server.url}/wheel/{wheel.slug}/")
    stage = page.locator("[data-wheel]")
    expect(stage).to_have_attribute("data-state", "idle")

    page.keyboard.press("Space")
    expect(stage).to_have_attribute("data-state", "spinning")
    before = float(stage.get_attribute("data-rotation"))
    page.wait_for_function(TURNED_WHILE_SPINNING, arg=before)  # the wheel turns
    expect(page.get_by_test_id("wheel-result")).to_be_hidden()  # no spoilers mid-spin

    expect(stage).to_have_attribute("data-state", "landed", timeout=10_000)
    result = page.get_by_test_id("wheel-result")
    expect(result).to_be_visible()
    name = result.inner_text()
    spin = Spin.objects.filter(wheel=wheel).first()  # the newest; the demo has last week's too
    assert spin.participant_name == name
    assert stage.get_attribute("data-landed") == name
    assert page.locator("[data-wheel-svg]").evaluate(SLICE_UNDER_POINTER) == name

    team = Team.objects.get(name=name)
    with page.context.expect_page() as opened:
        page.get_by_role("button", name=f"Choose {name}").click()
    dashboard = opened.value
    dashboard.wait_for_load_state()
    assert dashboard.url == team.dashboard_url
    assert dashboard.evaluate("window.opener") is None

    expect(page.get_by_role("heading", name="Chosen")).to_be_visible()
    assert Participant.objects.get(wheel=wheel, team=team).weight == 0
    spin.refresh_from_db()
    assert spin.chosen_at is not None


def test_keyboard_only_with_reduced_motion_and_a_remembered_mute(
    wheel, dashboards, sign_in, live_server
):
    page = sign_in("manager")
    page.emulate_media(reduced_motion="reduce")
    page.goto(f"{live_server.url}/wheel/{wheel.slug}/?present=1")
    mute = page.get_by_role("button", name="Mute ticks")
    expect(mute).to_have_attribute("aria-pressed", "false")
    mute.click()
    page.reload()
    expect(page.get_by_role("button", name="Mute ticks")).to_have_attribute("aria-pressed", "true")

    stage = page.locator("[data-wheel]")
    page.keyboard.press("Space")
    # No animation: the wheel is already where it stops.
    expect(stage).to_have_attribute("data-state", "landed", timeout=1_000)
    name = page.get_by_test_id("wheel-result").inner_text()
    assert stage.get_attribute("data-landed") == name
    assert page.locator("[data-wheel-svg]").evaluate(SLICE_UNDER_POINTER) == name

    with page.context.expect_page() as opened:
        page.keyboard.press("Enter")
    assert opened.value.url == Team.objects.get(name=name).dashboard_url
    expect(page.get_by_role("heading", name="Chosen")).to_be_visible()
    expect(page.locator("body")).to_have_class("theme-projector wheel-presenting")
