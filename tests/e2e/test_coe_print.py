"""A COE on paper, in Chromium with print emulation: the document as a reader sees it (its
sections, five whys, timeline, items and images with captions) and nothing for working on
screen: no navigation, banners, buttons or text boxes, for its editor as for a reader."""

import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image
from playwright.sync_api import expect

from coe.models import SECTIONS, Coe
from coe.services import coe_image_add, coe_submit
from incidents.models import Severity
from tests.coe.factories import FIVE_WHYS, complete_coe, save_text
from tests.incidents.factories import IncidentFactory
from tests.org.factories import DEFAULT_PASSWORD, UserFactory

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

CAPTION = "Checkout 5XX errors, 14:00-15:00"
# What a reader never sees on paper; checked with the browser's own idea of "visible".
SCREEN_ONLY = (
    "header, nav, .site-header, .incident-banner, .messages, .skip-link, button, textarea, "
    "select, input:not([type=hidden]), details, .threads, .coe-checklist, [data-testid=coe-export]"
)
VISIBLE = "elements => elements.filter(e => e.checkVisibility()).map(e => e.outerHTML.slice(0, 90))"


def png() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (320, 160), (200, 30, 30)).save(out, "PNG")
    return out.getvalue()


@pytest.fixture
def coe(settings, tmp_path) -> Coe:
    """A complete draft with a graph in its metrics, while a major incident is open (so every
    page shows the banner)."""
    settings.MEDIA_ROOT = tmp_path
    IncidentFactory(title="Bananas unavailable", severity=Severity.SEV2)
    author = UserFactory(username="writer", first_name="Wren", last_name="Ito")
    coe = complete_coe(actor=author, title="Checkout failed in the EU")
    upload = SimpleUploadedFile("graph.png", png(), content_type="image/png")
    image = coe_image_add(coe=coe, actor=author, upload=upload, section="metrics", caption=CAPTION)
    save_text(coe, "metrics", f"Checkout errors peaked at 38%.\n\n{image.markdown}")
    return coe


def as_printed(page) -> None:
    page.emulate_media(media="print")
    assert page.locator(SCREEN_ONLY).evaluate_all(VISIBLE) == []


def the_document_is_there(page, coe: Coe) -> None:
    expect(page.get_by_role("heading", level=1)).to_have_text(coe.title)
    for number, section in enumerate(SECTIONS, start=1):
        expect(page.get_by_role("heading", name=f"{number}. {section.title}")).to_be_visible()
    expect(page.get_by_text("Checkout errors peaked at 38%.", exact=True)).to_be_visible()
    for heading in ("Detection", "Diagnosis", "Mitigation"):
        expect(page.get_by_text(heading, exact=True)).to_be_visible()
    expect(page.locator("dl.facts")).to_contain_text("42 min")
    expect(page.locator("dl.facts")).to_be_visible()
    for why, because in FIVE_WHYS:
        expect(page.locator(".why-chain li", has_text=why)).to_be_visible()
        expect(page.locator(".why-chain li", has_text=because)).to_be_visible()
    for entry in coe.timeline_entries.all():
        expect(page.locator(".timeline-entry", has_text=entry.text)).to_be_visible()
    item = page.get_by_test_id("action-item")
    expect(item).to_be_visible()
    expect(item).to_contain_text("Add a canary stage for gateway configuration")
    expect(item).to_contain_text("Wren Ito")
    expect(item.get_by_test_id("item-status")).to_have_text("Open")
    expect(page.locator(".figure-caption", has_text=CAPTION)).to_be_visible()
    graph = page.locator(".figure img")
    expect(graph).to_be_visible()
    assert graph.evaluate("img => img.complete && img.naturalWidth") == 320


def test_the_author_prints_the_document_not_the_editor(coe, page, sign_in, live_server):
    sign_in("writer", DEFAULT_PASSWORD)
    page.goto(f"{live_server.url}{coe.get_absolute_url()}")
    expect(page.locator(".incident-banner")).to_be_visible()
    expect(page.locator("textarea[name='summary-body']")).to_be_visible()
    printing = page.get_by_role("button", name="Print or save as PDF")
    expect(printing).to_be_visible()  # shown by its script, which the CSP let run
    page.evaluate("window.print = () => { window.printed = true; }")
    printing.click()
    assert page.evaluate("window.printed") is True

    as_printed(page)

    the_document_is_there(page, coe)
    expect(page.locator(".preview").first).to_contain_text(coe.text("summary").body)


def test_a_reader_prints_the_document_without_the_review_form(coe, page, sign_in, live_server):
    coe_submit(coe=coe, actor=coe.created_by)
    UserFactory(username="reader")
    sign_in("reader", DEFAULT_PASSWORD)
    page.goto(f"{live_server.url}{coe.get_absolute_url()}")
    expect(page.get_by_role("button", name="Approve")).to_be_visible()

    as_printed(page)

    the_document_is_there(page, coe)


def test_the_markdown_download_is_the_whole_coe(coe, page, sign_in, live_server):
    sign_in("writer", DEFAULT_PASSWORD)
    page.goto(f"{live_server.url}{coe.get_absolute_url()}")

    with page.expect_download() as download:
        page.get_by_role("link", name="Download as Markdown").click()

    assert download.value.suggested_filename == f"coe-{coe.pk}-checkout-failed-in-the-eu.md"
    markdown = download.value.path().read_text(encoding="utf-8")
    for number, section in enumerate(SECTIONS, start=1):
        assert f"## {number}. {section.title}" in markdown
    assert f"{live_server.url}/coe/{coe.pk}/images/" in markdown
