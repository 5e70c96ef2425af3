"""Projector mode in Chromium at 1920x1080: a leader steps through the four sections with the
arrow keys, spins the wheel with W and chooses, takes a note and raises an action item, and
finishes; every screen is readable from the back of the room and nothing runs off the side.
The same page on a 1366x768 laptop keeps every control in view."""

import re

import pytest
from django.contrib.auth import get_user_model
from django.utils import timezone
from playwright.sync_api import expect

from opsreview.actions.models import ActionItem
from opsreview.meetings.models import MeetingSection, MeetingStatus, OpsMeeting, SectionKey
from opsreview.meetings.services import meeting_prepare
from opsreview.org.models import Team

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

PROJECTOR = {"width": 1920, "height": 1080}
LAPTOP = {"width": 1366, "height": 768}
MIN_TEXT_PX = 28
DASHBOARDS = "https://dashboards.bananastand.example/**"

# Every piece of text a person can see (not the screen-reader-only copies), with its size.
SMALL_TEXT = """min => {
  const small = [];
  const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  for (let node = walker.nextNode(); node; node = walker.nextNode()) {
    const text = node.textContent.trim();
    const element = node.parentElement;
    if (!text || !element || element.closest(".visually-hidden")) continue;
    if (!element.checkVisibility({opacityProperty: true, visibilityProperty: true})) continue;
    const box = element.getBoundingClientRect();
    if (box.width <= 1 || box.height <= 1) continue;
    const size = parseFloat(getComputedStyle(element).fontSize);
    if (size < min) small.push(`${size}px: ${text.slice(0, 40)}`);
  }
  return small;
}"""

OVERFLOW = """() => {
  const stage = document.querySelector(".present-stage");
  return {
    page: document.documentElement.scrollWidth - window.innerWidth,
    stage: stage.scrollWidth - stage.clientWidth,
    below: stage.scrollHeight - stage.clientHeight,
  };
}"""

# Each control's box, and whether it lies wholly inside the window.
CONTROLS_IN_VIEW = """() => Array.from(
  document.querySelectorAll(".present-controls .control")
).map(c => {
  const box = c.getBoundingClientRect();
  return {
    name: c.textContent.trim(),
    inside: box.width > 0 && box.height > 0 && box.left >= 0 && box.top >= 0 &&
            box.right <= window.innerWidth && box.bottom <= window.innerHeight,
  };
})"""

HEADINGS = dict(SectionKey.choices)


@pytest.fixture
def meeting(demo):
    manager = get_user_model().objects.get(username="manager")
    meeting = meeting_prepare(actor=manager)[0]  # the demo's own, if it has this week's
    OpsMeeting.objects.filter(pk=meeting.pk).update(facilitator=manager)
    meeting.refresh_from_db()
    return meeting


@pytest.fixture
def dashboards(page):
    page.context.route(DASHBOARDS, lambda route: route.fulfill(body="dashboard"))


def _readable(page, where: str) -> None:
    assert page.evaluate(SMALL_TEXT, MIN_TEXT_PX) == [], f"text under {MIN_TEXT_PX} px on {where}"
    overflow = page.evaluate(OVERFLOW)
    assert max(overflow.values()) <= 0, f"runs off the side on {where}: {overflow}"


def _slide(page, key: str):
    return page.locator(f"#slide-{key}")


def test_a_leader_runs_the_meeting_from_the_keyboard(
    meeting, dashboards, sign_in, live_server, page, output_path
):
    page.set_viewport_size(PROJECTOR)
    sign_in("admin")
    present = f"{live_server.url}/meetings/{meeting.pk}/present/"
    page.goto(present)

    # The first section, with its countdown running.
    expect(page.get_by_role("heading", name=HEADINGS["success"])).to_be_visible()
    countdown = page.get_by_test_id("countdown")
    expect(countdown).to_have_text("10:00")
    expect(countdown).to_have_text(re.compile(r"^9:5\d$"), timeout=5_000)
    assert OpsMeeting.objects.get(pk=meeting.pk).status == MeetingStatus.IN_PROGRESS

    # Step through every section with the arrow keys; each is readable and fits.
    keys = list(HEADINGS)
    for n, key in enumerate(keys):
        slide = _slide(page, key)
        expect(slide).to_be_visible()
        if n:  # moved here by the keyboard: focus follows, for screen readers
            expect(page.get_by_role("heading", name=HEADINGS[key])).to_be_focused()
        for other in keys:
            if other != key:
                expect(_slide(page, other)).to_be_hidden()
        minutes = MeetingSection.objects.get(meeting=meeting, key=key).time_box_minutes
        # Each section counts down from its own time box.
        expect(countdown).to_have_text(re.compile(rf"^({minutes}:00|{minutes - 1}:5\d)$"))
        _readable(page, key)
        page.screenshot(path=f"{output_path}/{n + 1}-{key}.png")
        page.keyboard.press("ArrowRight")
    expect(_slide(page, keys[-1])).to_be_visible()  # the last section stays put

    # What a clicker sends goes back and forth too.
    page.keyboard.press("PageUp")
    expect(_slide(page, "metrics")).to_be_visible()
    page.keyboard.press("PageDown")
    expect(_slide(page, "improvements")).to_be_visible()
    for _ in keys:
        page.keyboard.press("ArrowLeft")
    expect(_slide(page, "success")).to_be_visible()

    # W: the wheel spins in place, on the metrics section, and lands on the server's result.
    page.keyboard.press("w")
    expect(_slide(page, "metrics")).to_be_visible()
    wheel = page.locator("[data-wheel]")
    expect(wheel).to_have_attribute("data-state", "landed", timeout=10_000)
    result = page.get_by_test_id("wheel-result")
    expect(result).to_be_visible()
    name = result.inner_text()
    page.get_by_role("button", name=f"Choose {name}").click()
    figures = page.get_by_test_id("team-figures")
    expect(figures).to_be_visible()
    team = Team.objects.get(name=name)
    meeting.refresh_from_db()
    assert meeting.chosen_team == team
    dashboard = figures.get_by_role("link", name=re.compile("^Dashboard"))
    expect(dashboard).to_have_attribute("target", "_blank")
    expect(dashboard).to_have_attribute("rel", "noopener noreferrer")
    expect(page.get_by_test_id("chart-incidents")).to_be_visible()
    _readable(page, "metrics, team chosen")
    page.screenshot(path=f"{output_path}/3-metrics-chosen.png")

    # N: a note for this section, saved and shown on the slide.
    page.keyboard.press("n")
    notes = page.locator("#notes-dialog-metrics")
    expect(notes).to_be_visible()
    expect(notes.get_by_label("Notes (Markdown)")).to_be_focused()
    page.keyboard.type(f"{name} walked us through **latency**.")
    expect(notes.get_by_test_id("notes-saved")).to_be_visible()  # saved as typed
    expect(notes.get_by_label("Notes (Markdown)")).to_be_focused()  # the box stays put
    page.keyboard.type(" Questions on retries.")
    notes.get_by_role("button", name="Save notes").click()
    slide_notes = _slide(page, "metrics").get_by_test_id("slide-notes")
    expect(slide_notes).to_contain_text("Questions on retries.")
    page.keyboard.press("Escape")  # closes the box, does not leave
    expect(notes).to_be_hidden()
    expect(slide_notes).to_contain_text("latency")
    section = MeetingSection.objects.get(meeting=meeting, key=SectionKey.METRICS)
    assert section.notes == f"{name} walked us through **latency**. Questions on retries."

    # A: an action item raised in the room.
    page.keyboard.press("a")
    item = page.locator("#item-dialog")
    expect(item).to_be_visible()
    item.get_by_label("Title").fill("Alarm on p99 latency")
    item.get_by_role("combobox", name="Owner").fill("engineer")
    item.get_by_role("combobox", name="Team").fill(name)
    item.get_by_role("button", name="Add item").click()
    expect(item.get_by_test_id("item-added")).to_contain_text("Alarm on p99 latency")
    expect(item.get_by_label("Title")).to_be_focused()  # ready for the next one
    page.keyboard.press("Escape")
    expect(item).to_be_hidden()
    added = ActionItem.objects.get(title="Alarm on p99 latency")
    assert added.meeting_id == meeting.pk and added.team == team

    # ?: the keys.
    page.keyboard.press("?")
    expect(page.locator("#keys-dialog")).to_be_visible()
    page.keyboard.press("Escape")
    expect(page.locator("#keys-dialog")).to_be_hidden()

    # A laptop: every control stays in view, nothing runs off the side.
    page.set_viewport_size(LAPTOP)
    for key in keys:
        page.goto(f"{present}?section={key}")
        expect(_slide(page, key)).to_be_visible()
        hidden = [c["name"] for c in page.evaluate(CONTROLS_IN_VIEW) if not c["inside"]]
        assert hidden == [], f"controls out of view at 1366x768 on {key}: {hidden}"
        overflow = page.evaluate(OVERFLOW)
        assert overflow["page"] <= 0, f"runs off the side at 1366x768 on {key}: {overflow}"
        page.screenshot(path=f"{output_path}/laptop-{key}.png")

    # Esc leaves for the meeting's page; Finish makes the meeting its minutes.
    page.keyboard.press("Escape")
    expect(page).to_have_url(f"{live_server.url}/meetings/{meeting.pk}/")
    page.set_viewport_size(PROJECTOR)
    page.goto(present)
    page.get_by_role("button", name="Finish").click()
    expect(page).to_have_url(f"{live_server.url}/meetings/{meeting.pk}/")
    expect(page.get_by_role("heading", level=1)).to_contain_text("Minutes of the")
    meeting.refresh_from_db()
    assert meeting.status == MeetingStatus.DONE
    assert meeting.finished_at <= timezone.now()


def test_others_watch_the_meeting_without_changing_it(meeting, sign_in, live_server, page):
    page.set_viewport_size(PROJECTOR)
    status = meeting.status
    sign_in("callleader")
    page.goto(f"{live_server.url}/meetings/{meeting.pk}/present/")
    expect(page.get_by_test_id("read-only")).to_be_visible()
    controls = page.locator(".present-controls")
    for name in ("Spin", "Notes", "Add item", "Finish"):
        expect(controls.get_by_role("button", name=re.compile(f"^{name}"))).to_have_count(0)
    page.keyboard.press("ArrowRight")
    expect(_slide(page, "events")).to_be_visible()
    for key in ("w", "n", "a"):
        page.keyboard.press(key)
    expect(page.locator("dialog[open]")).to_have_count(0)
    expect(_slide(page, "metrics")).to_be_hidden()  # W only spins for those who run it
    page.keyboard.press("?")
    expect(page.locator("#keys-dialog")).to_be_visible()
    _readable(page, "the keys, read-only")
    meeting.refresh_from_db()
    assert meeting.status == status
