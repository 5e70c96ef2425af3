import re

import pytest
from playwright.sync_api import expect

from coe.models import Coe, CoeText, Status

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

TITLE = "Banana images failed for 40 minutes"
WHYS = [
    ("Why did image requests fail?", "The CDN answered 403 for every banana image."),
    ("Why did the CDN answer 403?", "The bucket policy no longer allowed the CDN's identity."),
    ("Why did the policy change?", "A policy template was applied to the wrong bucket."),
    (
        "Why could it be applied there?",
        "Bucket policies are applied by hand from a shared console.",
    ),
    (
        "Why are they applied by hand?",
        "There is no pipeline for storage policies with a review step.",
    ),
]


def _leaving_asks_first(page) -> None:
    """Closing the page with unsaved text asks (the question is dismissed: nothing is lost)."""
    dialogs = []
    page.on("dialog", lambda dialog: (dialogs.append(dialog.type), dialog.dismiss()))
    with page.expect_event("dialog") as asked:
        page.close(run_before_unload=True)
    assert asked.value.type == "beforeunload"
    assert dialogs == ["beforeunload"]


def _write(page, key: str, text: str) -> None:
    # Autosave listens through htmx, which starts once the page has loaded:
    # text typed before that is kept but saved only by the Save button.
    page.wait_for_load_state()
    page.locator(f"textarea[name='{key}-body']").fill(text)
    page.locator(f"textarea[name='{key}-body']").blur()
    expect(page.locator(f"#status-{key}")).to_contain_text("Saved at")


def test_write_a_coe_while_the_checklist_shrinks_then_submit(demo, sign_in, live_server):
    page = sign_in("engineer")
    page.goto(f"{live_server.url}/coe/new/")
    page.get_by_label("Title").fill(TITLE)
    page.get_by_role("combobox", name="Owning team").fill("Banana Storage")
    page.get_by_role("button", name="Start the draft").click()

    missing = page.locator("#checklist li.checklist-missing")
    expect(missing).to_have_count(8)

    _write(page, "summary", "A bucket policy change made the CDN refuse every banana image.")
    expect(missing).to_have_count(7)
    expect(page.locator(".preview").first).to_contain_text("A bucket policy change")

    page.get_by_role("button", name="Submit for review").click()
    expect(page.get_by_test_id("submit-refused")).to_contain_text(
        "Not submitted: 7 sections incomplete"
    )
    expect(page.get_by_test_id("checklist")).to_contain_text("Describe who was affected and how.")
    assert Coe.objects.get(title=TITLE).status == Status.DRAFT

    impact = page.locator("#part-impact")
    impact.locator("textarea").fill("Customers saw bananas without pictures.")
    impact.get_by_label("Impact duration (minutes)").fill("40")
    impact.get_by_label("Customers affected").fill("3100")
    impact.get_by_role("button", name="Save").click()
    expect(page.locator("#status-impact")).to_contain_text("Saved at")

    timeline = page.locator("#timeline")
    for when, text in [
        ("2026-11-20T09:58", "Policy applied"),
        ("2026-11-20T10:38", "Policy reverted"),
    ]:
        timeline.get_by_label("Time").fill(when)
        timeline.get_by_label("What happened").fill(text)
        timeline.get_by_role("button", name="Add timeline entry").click()
        expect(page.locator("#timeline")).to_contain_text(text)

    _write(page, "metrics", "Image 403 rate: 0% before, 100% during, 0% after.")
    _write(page, "detection", "A customer report after 12 minutes; a 403 alarm would halve it.")
    _write(page, "diagnosis", "CDN logs showed access denied from the bucket.")
    _write(page, "mitigation", "Reverted the policy; a policy pipeline would make it one click.")
    _write(page, "lessons", "Storage policies need the same review as code.")
    actions = page.locator("#corrective-actions")
    actions.get_by_text("Add an action item").click()
    actions.get_by_label("Title").fill("Build a reviewed pipeline for bucket policies")
    actions.get_by_role("button", name="Add item").click()
    expect(page.locator("#corrective-actions")).to_contain_text("Build a reviewed pipeline")

    page.get_by_role("button", name="Add a contributing factor").click()
    factor = page.locator(".factor").first
    factor.get_by_label("Factor").fill("Policies applied by hand")
    factor.get_by_label("Category").select_option("process")
    for n, (why, because) in enumerate(WHYS, start=1):
        factor.get_by_label(f"Why {n}", exact=True).fill(why)
        factor.get_by_label(f"Because {n}", exact=True).fill(because)
    expect(factor.locator(".save-status")).to_contain_text("Saved at")  # as typed
    factor.get_by_role("button", name="Save factor").click()
    expect(page.locator(".factor").first).to_contain_text("5 of 5 whys answered")

    expect(missing).to_have_count(0)
    page.get_by_role("button", name="Submit for review").click()
    expect(page.get_by_test_id("coe-status")).to_have_text("In review")
    assert Coe.objects.get(title=TITLE).status == Status.IN_REVIEW


def test_two_writers_on_one_section_get_a_conflict_and_lose_nothing(demo, browser, live_server):
    coe = Coe.objects.get(status=Status.DRAFT)
    pages = []
    for username in ["callleader", "engineer"]:
        coe.team.members.add(*coe.authors.all())
        page = browser.new_context().new_page()
        page.goto(f"{live_server.url}/accounts/login/?next=/coe/{coe.pk}/")
        page.get_by_label("Username").fill(username)
        page.get_by_label("Password").fill("bananastand-demo")
        page.get_by_role("button", name="Sign in").click()
        expect(page.locator("textarea[name='metrics-body']")).to_be_visible()
        pages.append(page)
    coe.team.members.add(coe.created_by.__class__.objects.get(username="engineer"))
    first, second = pages
    _write(first, "metrics", "First writer: error rate 40%.")

    second.locator("textarea[name='metrics-body']").fill("Second writer: p99 latency 9 s.")
    second.locator("textarea[name='metrics-body']").blur()
    conflict = second.locator("#conflict-metrics")
    expect(conflict).to_contain_text("saved this section")
    expect(conflict.locator("textarea")).to_have_value("First writer: error rate 40%.")
    expect(second.locator("textarea[name='metrics-body']")).to_have_value(
        "Second writer: p99 latency 9 s."
    )
    assert CoeText.objects.get(coe=coe, key="metrics").body == "First writer: error rate 40%."

    merged = "First writer: error rate 40%.\nSecond writer: p99 latency 9 s."
    second.locator("textarea[name='metrics-body']").fill(merged)
    conflict.get_by_role("button", name="Save my merged text").click()
    expect(second.locator("#conflict-metrics")).to_be_empty()
    expect(second.locator("#status-metrics")).to_contain_text("Saved at")
    assert CoeText.objects.get(coe=coe, key="metrics").body == merged
    assert re.search(r"\d", second.locator("#version-metrics").get_attribute("value"))


def test_a_save_that_fails_says_so_and_leaving_with_unsaved_text_asks_first(
    demo, sign_in, live_server
):
    coe = Coe.objects.get(status=Status.DRAFT)
    page = sign_in("callleader")
    page.goto(f"{live_server.url}/coe/{coe.pk}/")
    page.route("**/text/metrics/", lambda route: route.fulfill(status=503, body="down"))
    box = page.locator("textarea[name='metrics-body']")
    box.fill("p99 latency 9 s during the event")
    box.blur()
    status = page.locator("#status-metrics")
    expect(status).to_contain_text("Not saved: the server did not answer.")
    expect(box).to_have_value("p99 latency 9 s during the event")

    _leaving_asks_first(page)
    assert CoeText.objects.get(coe=coe, key="metrics").body == ""


def test_once_saved_the_page_can_be_left_without_a_question(demo, sign_in, live_server):
    coe = Coe.objects.get(status=Status.DRAFT)
    page = sign_in("callleader")
    page.goto(f"{live_server.url}/coe/{coe.pk}/")
    _write(page, "metrics", "Error rate 40% at the peak.")
    dialogs = []
    page.on("dialog", lambda dialog: (dialogs.append(dialog.type), dialog.dismiss()))
    page.goto(f"{live_server.url}/coe/")
    assert dialogs == []


def test_five_whys_answers_save_as_typed_grow_with_their_text_and_guard_leaving(
    demo, sign_in, live_server
):
    coe = Coe.objects.get(status=Status.DRAFT)
    factor = coe.factors.first()
    page = sign_in("callleader")
    page.goto(f"{live_server.url}/coe/{coe.pk}/")
    form = page.locator(f"#form-factor{factor.pk}")
    last_because = form.locator("textarea[name$='-because_1']")
    height = last_because.bounding_box()["height"]

    long_answer = "The shared pool had no per-customer limit, " * 8
    last_because.fill(long_answer)
    expect(page.locator(f"#status-factor{factor.pk}")).to_contain_text("Saved at")
    assert last_because.bounding_box()["height"] > height * 2  # grew, nothing clipped
    factor.refresh_from_db()
    assert factor.steps.get(position=1).because == long_answer.strip()

    page.route(f"**/factors/{factor.pk}/", lambda route: route.fulfill(status=503, body="down"))
    form.locator("textarea[name$='-why_2']").fill("Why was there no limit?")
    expect(page.locator(f"#status-factor{factor.pk}")).to_contain_text("Not saved")
    _leaving_asks_first(page)
