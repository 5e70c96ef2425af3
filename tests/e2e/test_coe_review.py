"""The review as a conversation, in Chromium: the bar raiser comments on a selected passage and
sends the COE back; the author sees the thread on its section, replies, edits, resolves and
resubmits; the reviewer reads what changed since their review and approves; the author's inbox
count goes up and down on the way."""

import pytest
from playwright.sync_api import expect

from coe.models import Coe, CoeThread, Status

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

SELECT_FIRST_WORDS = """(selector) => {
  const prose = document.querySelector(selector);
  const node = document.createTreeWalker(prose, NodeFilter.SHOW_TEXT).nextNode();
  const range = document.createRange();
  range.setStart(node, 0);
  range.setEnd(node, 40);
  const selection = window.getSelection();
  selection.removeAllRanges();
  selection.addRange(range);
  document.dispatchEvent(new MouseEvent("mouseup", {bubbles: true}));
  return selection.toString();
}"""


def _switch_to(page, sign_in, username: str):
    page.context.clear_cookies()
    return sign_in(username)


def test_a_review_conversation_from_a_selected_passage_to_approval(demo, sign_in, live_server):
    coe = Coe.objects.get(status=Status.IN_REVIEW)
    url = f"{live_server.url}{coe.get_absolute_url()}"

    # Morgan, the named bar raiser, comments on the first words of the summary.
    page = sign_in("manager")
    page.goto(url)
    quoted = page.evaluate(SELECT_FIRST_WORDS, "#part-summary .prose")
    quote_box = page.locator("textarea[data-quote-for='summary']")
    expect(quote_box).to_be_visible()  # the form opened itself
    expect(quote_box).to_have_value(quoted.strip())
    page.locator("#thread-summary-body").fill("Which alarm fired first? @engineer")
    page.locator("#threads-summary").get_by_role("button", name="Comment").click()
    thread = page.locator("#threads-summary [data-testid=thread]").last
    expect(thread).to_contain_text("Which alarm fired first?")
    expect(thread.locator(".thread-quote")).to_have_text(quoted.strip())

    page.get_by_role("button", name="Request changes").click()
    expect(page.get_by_test_id("coe-status")).to_have_text("Changes requested")

    # Eli, the author, was told: the inbox count shows, and the thread sits on the summary.
    page = _switch_to(page, sign_in, "engineer")
    unread = page.get_by_test_id("unread-count")
    expect(unread).to_be_visible()
    before = int(unread.text_content().split()[0])
    page.goto(url)
    thread = page.locator("#threads-summary [data-testid=thread]").last
    expect(thread).to_contain_text("Which alarm fired first?")
    thread_id = thread.get_attribute("id").removeprefix("thread-")
    thread.locator("textarea").fill("The 5XX alarm, four minutes in. Added to the summary.")
    thread.get_by_role("button", name="Reply").click()
    thread = page.locator(f"#thread-{thread_id}")
    expect(thread).to_contain_text("The 5XX alarm, four minutes in.")

    summary = page.locator("textarea[name='summary-body']")
    summary.fill(summary.input_value() + " The 5XX alarm fired four minutes in.")
    summary.blur()
    expect(page.locator("#status-summary")).to_contain_text("Saved at")
    page.reload()
    page.locator(f"#thread-{thread_id}").get_by_role("button", name="Resolve").click()
    expect(page.locator(f"#thread-{thread_id}")).to_contain_text("Resolved by")
    assert not CoeThread.objects.get(pk=thread_id).is_open
    page.get_by_role("button", name="Submit for review").first.click()
    expect(page.get_by_test_id("coe-status")).to_have_text("In review")

    assert before >= 1
    page.goto(f"{live_server.url}/inbox/")
    page.get_by_role("button", name="Mark all read").click()
    expect(page.get_by_test_id("unread-count")).to_have_count(0)

    # Morgan reads what changed since his review, then approves.
    page = _switch_to(page, sign_in, "manager")
    page.goto(url)
    page.get_by_test_id("since-my-review").click()
    change = page.get_by_test_id("change").filter(has_text="Summary")
    expect(change.locator(".diff-added")).to_contain_text("The 5XX alarm fired four minutes in.")
    page.goto(url)
    page.get_by_role("button", name="Approve").click()
    expect(page.get_by_test_id("coe-status")).to_have_text("Approved")

    # Eli hears of it: the count is back.
    page = _switch_to(page, sign_in, "engineer")
    expect(page.get_by_test_id("unread-count")).to_have_text("1 unread")
