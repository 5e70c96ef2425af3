"""Images in a COE's sections, in Chromium: a screenshot pasted into a section's text box or a
file chosen with the picker is uploaded, its markdown goes in at the cursor, the preview shows
the image and the text autosaves with it; a file that is not an image is refused with the
server's reason and nothing is stored."""

import io
import re
from pathlib import Path

import pytest
from PIL import Image
from playwright.sync_api import expect

from coe.models import Coe, CoeImage, CoeText, Status

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

IMAGE_REFERENCE = r"/coe/\d+/images/\d+/"

# A real paste: the event carries the image as a File in its clipboardData, as Chromium sends
# one for a screenshot (its name is "image.png": the script captions it "Screenshot").
PASTE_IMAGE = """([selector, bytes]) => {
    const textarea = document.querySelector(selector);
    const data = new DataTransfer();
    data.items.add(new File([new Uint8Array(bytes)], "image.png", {type: "image/png"}));
    const paste = new ClipboardEvent(
        "paste", {clipboardData: data, bubbles: true, cancelable: true},
    );
    return textarea.dispatchEvent(paste);
}"""


def png_bytes(size=(120, 80)) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", size, (30, 120, 200)).save(out, "PNG")
    return out.getvalue()


@pytest.fixture
def draft(demo, sign_in, live_server):
    """The demo draft, open in its author's editor (it has one image uploaded already)."""
    coe = Coe.objects.get(status=Status.DRAFT)
    page = sign_in("callleader")
    page.goto(f"{live_server.url}/coe/{coe.pk}/")
    return coe, page


def metrics_saved_with_image(response) -> bool:
    """The autosave of the Metrics text that carries an image reference."""
    return (
        response.request.method == "POST"
        and response.url.endswith("/text/metrics/")
        and re.search(r"images%2F\d+%2F|images/\d+/", response.request.post_data or "") is not None
    )


def new_image(coe: Coe) -> CoeImage:
    """The image uploaded here: the newest, as the demo's was there before."""
    images = list(CoeImage.objects.filter(coe=coe).order_by("-pk"))
    assert len(images) == 2
    return images[0]


def stored_files(media: Path) -> set[Path]:
    return {path for path in media.rglob("*") if path.is_file()}


def test_a_pasted_screenshot_is_uploaded_shown_in_the_preview_and_saved_with_the_text(draft, media):
    coe, page = draft
    seeded = stored_files(media)
    box = page.locator("textarea[name='metrics-body']")
    box.fill("Collections failing: 40% at the peak.")
    box.focus()  # the cursor is at the end of the text

    with page.expect_response(metrics_saved_with_image) as saved:
        not_cancelled = page.evaluate(
            PASTE_IMAGE, ["textarea[name='metrics-body']", list(png_bytes())]
        )
        assert not_cancelled is False  # the script took the paste: no text pasted instead

        expect(box).to_have_value(
            re.compile(
                r"^Collections failing: 40% at the peak\.\n\n"
                rf"!\[Screenshot\]\({IMAGE_REFERENCE}\)\n$"
            )
        )
        shown = page.locator("#preview-metrics img")
        expect(shown).to_be_visible()
        expect(shown).to_have_attribute("src", re.compile(rf"^{IMAGE_REFERENCE}$"))
        expect(shown).to_have_attribute("alt", "Screenshot")
        expect(shown).to_have_js_property("naturalWidth", 120)  # fetched and decoded
        expect(page.locator("#part-metrics .upload-status")).to_contain_text("Image added")

    assert saved.value.ok
    expect(page.locator("#status-metrics")).to_contain_text("Saved at")
    image = new_image(coe)
    assert (image.section, image.caption, image.width, image.height) == (
        "metrics",
        "Screenshot",
        120,
        80,
    )
    body = CoeText.objects.get(coe=coe, key="metrics").body
    assert body == f"Collections failing: 40% at the peak.\n\n{image.markdown}\n"
    assert page.locator("#preview-metrics img").get_attribute("src") == image.get_absolute_url()
    assert stored_files(media) - seeded == {Path(image.file.path), Path(image.thumbnail.path)}


def test_an_image_chosen_with_the_picker_goes_in_with_the_caption_typed(draft, media):
    coe, page = draft
    seeded = stored_files(media)
    page.locator("#caption-metrics").fill("Collections refused, 14:00-15:00")

    with page.expect_response(metrics_saved_with_image) as saved:
        page.set_input_files(
            "#image-metrics",
            files=[{"name": "refusals.png", "mimeType": "image/png", "buffer": png_bytes()}],
        )
        box = page.locator("textarea[name='metrics-body']")
        expect(box).to_have_value(
            re.compile(rf"^!\[Collections refused, 14:00-15:00\]\({IMAGE_REFERENCE}\)\n$")
        )
        shown = page.locator("#preview-metrics img")
        expect(shown).to_be_visible()
        expect(shown).to_have_attribute("src", re.compile(rf"^{IMAGE_REFERENCE}$"))
        expect(shown).to_have_attribute("alt", "Collections refused, 14:00-15:00")
        expect(shown).to_have_js_property("naturalWidth", 120)
        expect(page.locator("#preview-metrics")).to_contain_text("Collections refused, 14:00-15:00")
        expect(page.locator("#caption-metrics")).to_have_value("")  # ready for the next one

    assert saved.value.ok
    image = new_image(coe)
    assert image.caption == "Collections refused, 14:00-15:00"
    assert CoeText.objects.get(coe=coe, key="metrics").body == f"{image.markdown}\n"
    assert stored_files(media) - seeded == {Path(image.file.path), Path(image.thumbnail.path)}


def test_a_text_file_named_png_is_refused_with_the_servers_reason_and_nothing_is_stored(
    draft, media, tmp_path
):
    coe, page = draft
    seeded = stored_files(media)
    notes = tmp_path / "notes.png"  # the browser types it image/png from its name
    notes.write_text("Meeting notes: the pool is shared across customers.\n")

    with page.expect_response(lambda response: response.url.endswith("/images/")) as answered:
        page.set_input_files("#image-metrics", notes)

    assert answered.value.status == 422
    status = page.locator("#part-metrics .upload-status")
    expect(status.get_by_role("alert")).to_have_text(
        "That file is not an image this app can show: upload a PNG, JPEG, GIF or WebP file."
    )
    expect(page.locator("#part-metrics .upload-progress")).to_be_hidden()
    expect(page.locator("textarea[name='metrics-body']")).to_have_value("")
    assert CoeImage.objects.filter(coe=coe).count() == 1  # the demo's own
    assert stored_files(media) == seeded
    assert CoeText.objects.get(coe=coe, key="metrics").body == ""


def test_an_uploaded_image_is_put_in_its_section_from_the_editors_list(draft):
    coe, page = draft
    uploaded = CoeImage.objects.get(coe=coe)  # the demo's, not yet in any text
    box = page.locator("textarea[name='metrics-body']")

    with page.expect_response(metrics_saved_with_image):
        page.get_by_role("button", name="Insert in Metrics").click()
        expect(box).to_be_focused()
        expect(box).to_have_value(f"{uploaded.markdown}\n")
        shown = page.locator("#preview-metrics img")
        expect(shown).to_have_attribute("src", uploaded.get_absolute_url())
        expect(shown).to_have_js_property("naturalWidth", uploaded.width)

    assert CoeText.objects.get(coe=coe, key="metrics").body == f"{uploaded.markdown}\n"
