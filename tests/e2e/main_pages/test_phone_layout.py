"""Every main page works on a 390-by-844 phone: nothing is wider than the screen, so nobody has
to scroll sideways, and the forms a person works with (timeline, mitigate, resolve, the COE
editor) are there to use."""

import pytest
from playwright.sync_api import expect

from .pages import MAIN_PAGES, PHONE

pytestmark = pytest.mark.e2e

# The elements that reach past the window's right edge, outermost first, to name in a failure.
WIDER_THAN_THE_SCREEN = """() => {
  const width = document.documentElement.clientWidth;
  const wide = [];
  for (const element of document.body.querySelectorAll("*")) {
    const box = element.getBoundingClientRect();
    if (box.width === 0 || box.right <= width + 0.5) continue;
    const parent = element.parentElement.getBoundingClientRect();
    if (parent.right > width + 0.5 && element.parentElement !== document.body) continue;
    const classes = typeof element.className === "string" && element.className.trim()
      ? "." + element.className.trim().split(/\\s+/).join(".") : "";
    wide.push(`${element.tagName.toLowerCase()}${element.id ? "#" + element.id : ""}${classes}`
      + ` (right edge at ${Math.round(box.right)} px)`);
  }
  return wide;
}"""

# The forms each page must still offer on a phone.
FORMS = {
    "incident-investigating": ["Impact is mitigated", "Add to timeline"],
    "incident-mitigated": ["Resolve incident", "Add to timeline"],
    "timeline-entry-edit": ["Save entry"],
    "coe-editor": ["Save title", "Submit for review"],
}


@pytest.mark.parametrize("name", MAIN_PAGES)
def test_main_page_fits_a_phone_without_sideways_scrolling(site, transactional_db, name):
    page = site.open(name, PHONE)

    for label in FORMS.get(name, []):
        expect(page.get_by_role("button", name=label)).to_be_visible()
    fits = page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    wide = [] if fits else page.evaluate(WIDER_THAN_THE_SCREEN)
    width = page.evaluate("document.documentElement.scrollWidth")
    assert fits, f"{name} ({site.paths[name]}) is {width} px wide on a 390 px phone: " + (
        "; ".join(wide) or "no element reaches past the edge"
    )
