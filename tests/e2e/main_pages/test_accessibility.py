"""Every main page is usable without a mouse and without perfect eyesight: axe-core finds no
serious or critical violation on it, signed in, at desktop and phone widths (projector mode and
the wheel included); and the keyboard reaches every control on the pages where people act,
always showing where it is."""

import pytest
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import expect

from .pages import DESKTOP, MAIN_PAGES, PHONE

pytestmark = pytest.mark.e2e

SIZES = {"desktop": DESKTOP, "phone": PHONE}
BLOCKING = {"serious", "critical"}

# The pages where people act: declaring and working an incident, writing and reviewing a COE,
# closing action items, running the meeting and spinning the wheel.
WORKING_PAGES = [
    "dashboard",
    "incident-new",
    "incident-investigating",
    "incident-mitigated",
    "coe-editor",
    "coe-review",
    "actions",
    "meeting",
    "present-metrics",
    "wheel",
]

# Marks every control a keyboard user should be able to reach (visible, enabled, in the tab
# order; one per group of radio buttons) and returns how many there are.
MARK_CONTROLS = """() => {
  const selector = "a[href], button, input, select, textarea, summary, [tabindex]";
  const radios = new Set();
  let count = 0;
  for (const element of document.querySelectorAll(selector)) {
    if (element.disabled || element.type === "hidden" || element.tabIndex < 0) continue;
    if (!element.checkVisibility({visibilityProperty: true})) continue;
    if (element.closest("[inert]")) continue;
    if (element.type === "radio") {
      const group = element.form?.id + ":" + element.name;
      if (radios.has(group)) continue;
      radios.add(group);
      element.dataset.kbdGroup = group;
    }
    element.dataset.kbd = String(++count);
  }
  return count;
}"""

# What has the focus now: its mark (or its radio group's), a name for messages, and whether an
# outline or ring shows it.
FOCUSED = """() => {
  const element = document.activeElement;
  if (!element || element === document.body) return null;
  const style = getComputedStyle(element);
  const box = element.getBoundingClientRect();
  const outlined = style.outlineStyle !== "none" && parseFloat(style.outlineWidth) >= 2;
  const ringed = style.boxShadow !== "none";
  const group = element.type === "radio"
    ? document.querySelector(`[data-kbd-group="${element.form?.id + ":" + element.name}"]`)
    : null;
  return {
    mark: (group || element).dataset.kbd || "",
    name: `${element.tagName.toLowerCase()} "${(element.innerText || element.value ||
      element.getAttribute("aria-label") || element.name || "").trim().slice(0, 40)}"`,
    shown: (outlined || ringed) && box.width > 1 && box.height > 1,
  };
}"""

UNREACHED = """reached => Array.from(document.querySelectorAll("[data-kbd]"))
  .filter(element => !reached.includes(element.dataset.kbd))
  .map(element => `${element.tagName.toLowerCase()} "${(element.innerText || element.value ||
    element.getAttribute("aria-label") || element.name || "").trim().slice(0, 40)}"`)"""


@pytest.fixture(scope="module")
def axe():
    return Axe()


def _blocking(results) -> list[str]:
    found = []
    for violation in results.response["violations"]:
        if violation["impact"] not in BLOCKING:
            continue
        targets = "; ".join(", ".join(node["target"]) for node in violation["nodes"][:8])
        found.append(
            f"{violation['id']} ({violation['impact']}): {violation['help']}"
            f" [{len(violation['nodes'])} element(s): {targets}] {violation['helpUrl']}"
        )
    return found


@pytest.mark.parametrize("size", SIZES)
@pytest.mark.parametrize("name", MAIN_PAGES)
def test_main_page_has_no_serious_accessibility_violation(site, transactional_db, axe, name, size):
    page = site.open(name, SIZES[size])

    found = _blocking(axe.run(page))

    assert not found, f"{name} ({site.paths[name]}) at {size} size:\n" + "\n".join(found)


def test_sign_in_page_has_no_serious_accessibility_violation(site, transactional_db, axe):
    context = site.browser.new_context(base_url=site.url, viewport=PHONE)
    page = context.new_page()
    page.goto("/accounts/login/")
    expect(page.get_by_label("Username")).to_be_visible()

    found = _blocking(axe.run(page))

    context.close()
    assert not found, "the sign-in page:\n" + "\n".join(found)


@pytest.mark.parametrize("name", WORKING_PAGES)
def test_keyboard_reaches_every_control_and_shows_where_it_is(site, transactional_db, name):
    page = site.open(name, DESKTOP)
    controls = page.evaluate(MARK_CONTROLS)
    assert controls, f"{name}: no control to reach"
    page.evaluate("document.activeElement.blur()")

    # A date or time box takes one Tab per part (day, month, year, hours, minutes).
    reached, hidden_focus, previous = [], [], None
    for _ in range(controls * 3 + 20):
        page.keyboard.press("Tab")
        focused = page.evaluate(FOCUSED)
        if focused is None:
            break
        if focused["mark"] and focused["mark"] == previous:
            continue
        if focused["mark"] in reached:
            break
        previous = focused["mark"]
        if focused["mark"]:
            reached.append(focused["mark"])
        if not focused["shown"]:
            hidden_focus.append(focused["name"])

    unreached = page.evaluate(UNREACHED, reached)
    assert not unreached, f"{name}: the keyboard never reaches " + ", ".join(unreached)
    assert not hidden_focus, f"{name}: no visible focus on " + ", ".join(hidden_focus)
