"""Images attached to a COE's sections: accepted only when they are what they claim (checked by
content, re-encoded without metadata), refused with a reason otherwise with nothing stored, and
served only to people who may read the COE."""

import io
import os
import time
from pathlib import Path

import pytest
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.test import Client
from django.urls import reverse
from PIL import Image

from coe.models import CoeImage, CoeText, Status
from coe.services import coe_submit
from opsreview.org.rendering import render_markdown
from tests.org.factories import UserFactory

from .factories import CoeFactory, complete_coe, save_text

pytestmark = pytest.mark.django_db


def stored_files(media: Path) -> list[Path]:
    return sorted(path for path in media.rglob("*") if path.is_file())


def image_bytes(kind="PNG", size=(64, 48), exif: bool = False, **save) -> bytes:
    image = Image.new("RGB", size, (200, 30, 30))
    out = io.BytesIO()
    if exif:
        metadata = Image.Exif()
        metadata[0x010F] = "Camera maker"  # Make
        metadata[0x0131] = "Secret editor 1.0"  # Software
        metadata[0x0112] = 6  # Orientation: rotate 90° clockwise to view
        save["exif"] = metadata
    image.save(out, kind, **save)
    return out.getvalue()


@pytest.fixture
def author():
    return UserFactory(username="priya")


@pytest.fixture
def coe(author):
    return CoeFactory(actor=author, title="Checkout failing")


def upload(client: Client, coe, data: bytes, name="graph.png", *, caption="5XX errors", **kw):
    file = SimpleUploadedFile(name, data, content_type=kw.pop("content_type", "image/png"))
    payload = {"image": file, "section": kw.pop("section", "metrics"), "caption": caption}
    return client.post(
        reverse("coe:coe_image_upload", args=[coe.pk]),
        payload,
        headers={"accept": "application/json"},
        **kw,
    )


@pytest.fixture
def as_author(client, author):
    client.force_login(author)
    return client


def test_an_author_uploads_a_graph_and_gets_the_markdown_that_shows_it(as_author, coe, media):
    response = upload(as_author, coe, image_bytes(), caption="5XX errors, 14:00-15:00")

    assert response.status_code == 201
    image = CoeImage.objects.get(coe=coe)
    assert response.json() == {
        "id": image.pk,
        "url": f"/coe/{coe.pk}/images/{image.pk}/",
        "thumbnail": f"/coe/{coe.pk}/images/{image.pk}/thumbnail/",
        "markdown": f"![5XX errors, 14:00-15:00](/coe/{coe.pk}/images/{image.pk}/)",
    }
    assert (image.section, image.content_type, image.width, image.height) == (
        "metrics",
        "image/png",
        64,
        48,
    )
    assert image.uploaded_by.username == "priya"
    assert len(stored_files(media)) == 2  # the image and its thumbnail

    served = as_author.get(image.get_absolute_url())
    assert served.status_code == 200
    assert served["Content-Type"] == "image/png"
    assert Image.open(io.BytesIO(b"".join(served.streaming_content))).size == (64, 48)
    thumbnail = as_author.get(image.thumbnail_url())
    assert thumbnail["Content-Type"] == "image/webp"
    assert Image.open(io.BytesIO(b"".join(thumbnail.streaming_content))).format == "WEBP"


@pytest.mark.parametrize("kind", ["JPEG", "GIF", "WEBP"])
def test_every_supported_format_is_accepted(as_author, coe, kind):
    response = upload(as_author, coe, image_bytes(kind), name=f"graph.{kind.lower()}")

    assert response.status_code == 201, response.json()
    image = CoeImage.objects.get(coe=coe)
    assert image.content_type == f"image/{kind.lower()}"


def test_metadata_is_stripped_and_a_photo_is_turned_upright(as_author, coe):
    response = upload(as_author, coe, image_bytes("JPEG", (80, 40), exif=True), name="p.jpg")

    assert response.status_code == 201
    image = CoeImage.objects.get(coe=coe)
    with image.file.open("rb") as stored, Image.open(stored) as kept:
        assert dict(kept.getexif()) == {}
        assert kept.size == (40, 80)  # the orientation tag was applied, then dropped
    assert b"Secret editor" not in image.file.storage.open(image.file.name).read()


PNG_HEADER = b"\x89PNG\r\n\x1a\n"


@pytest.mark.parametrize(
    ("name", "data", "message"),
    [
        ("empty.png", b"", "That file is empty."),
        (
            "fake.png",
            PNG_HEADER + b"not really a png at all" * 10,
            "not an image this app can show",
        ),
        (
            "graph.svg",
            b'<svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"><rect/></svg>',
            "not an image this app can show",
        ),
        (
            "page.png",
            b"<!doctype html><script>alert(document.cookie)</script>",
            "not an image this app can show",
        ),
        ("cut.png", image_bytes(size=(400, 400))[:300], "damaged or cut short"),
        ("tiff.png", image_bytes("TIFF"), "not an image this app can show"),
    ],
)
def test_a_file_that_is_not_a_usable_image_is_refused_and_nothing_is_stored(
    as_author, coe, media, name, data, message
):
    response = upload(as_author, coe, data, name=name)

    assert response.status_code == 422
    assert message in response.json()["error"]
    assert not CoeImage.objects.exists()
    assert stored_files(media) == []


def test_a_decompression_bomb_is_refused_before_it_is_decoded(as_author, coe, media):
    # 50 megapixels of one colour: a few hundred KB on disk, 150 MB once decoded.
    bomb = image_bytes(size=(10_000, 5_000))
    assert len(bomb) < 1_000_000

    response = upload(as_author, coe, bomb, name="bomb.png")

    assert response.status_code == 422
    assert response.json()["error"] == (
        "That image is 10,000 by 5,000 pixels; an image can have at most 40 million pixels "
        "(all frames together)."
    )
    assert not CoeImage.objects.exists()
    assert stored_files(media) == []


def test_a_file_over_the_size_limit_is_refused(as_author, coe, media, settings):
    settings.IMAGE_MAX_BYTES = 1_000
    response = upload(as_author, coe, image_bytes(size=(300, 300), compress_level=0))

    assert response.status_code == 422
    assert response.json()["error"].endswith("; an image can be at most 1 KB.")
    assert stored_files(media) == []


def test_the_default_size_limit_is_ten_megabytes(as_author, coe, media):
    too_big = SimpleUploadedFile("big.png", b"\0" * 10_000_001, content_type="image/png")
    response = as_author.post(
        reverse("coe:coe_image_upload", args=[coe.pk]),
        {"image": too_big, "section": "metrics"},
        headers={"accept": "application/json"},
    )

    assert response.status_code == 422
    assert response.json()["error"] == ("That file is 10.0 MB; an image can be at most 10.0 MB.")
    assert stored_files(media) == []


@pytest.mark.parametrize(
    ("payload", "message"),
    [
        ({"section": "metrics"}, "Choose an image to upload."),
        ({"section": "nowhere", "image": "file"}, "Choose the section the image belongs to."),
        ({"section": "metrics", "image": "file", "caption": "x" * 301}, "Keep a caption under 300"),
    ],
)
def test_a_missing_file_an_unknown_section_or_a_long_caption_is_refused(
    as_author, coe, media, payload, message
):
    if payload.get("image") == "file":
        payload["image"] = SimpleUploadedFile("g.png", image_bytes(), content_type="image/png")
    response = as_author.post(
        reverse("coe:coe_image_upload", args=[coe.pk]),
        payload,
        headers={"accept": "application/json"},
    )

    assert response.status_code == 422
    assert message in response.json()["error"]
    assert stored_files(media) == []


def test_without_the_script_the_form_uploads_and_says_what_to_paste(as_author, coe):
    file = SimpleUploadedFile("graph.png", image_bytes(), content_type="image/png")
    response = as_author.post(
        reverse("coe:coe_image_upload", args=[coe.pk]),
        {"image": file, "section": "metrics", "caption": "Errors"},
        follow=True,
    )

    image = CoeImage.objects.get(coe=coe)
    assert response.redirect_chain[-1][0].endswith(f"/coe/{coe.pk}/#part-metrics")
    assert f"Put ![Errors](/coe/{coe.pk}/images/{image.pk}/) where" in response.content.decode()


def test_without_the_script_a_refused_file_shows_the_reason_on_the_page(as_author, coe, media):
    file = SimpleUploadedFile("page.png", b"<html></html>", content_type="image/png")
    response = as_author.post(
        reverse("coe:coe_image_upload", args=[coe.pk]), {"image": file, "section": "lessons"}
    )

    assert response.status_code == 422
    page = response.content.decode()
    assert "That file is not an image this app can show" in page
    assert stored_files(media) == []


def test_only_the_coes_editors_upload(client, coe, media):
    client.force_login(UserFactory(username="outsider"))
    response = upload(client, coe, image_bytes())

    assert response.status_code == 404  # a draft is not there for them at all
    submitted = complete_coe(title="In review", actor=coe.created_by)
    coe_submit(coe=submitted, actor=coe.created_by)
    response = upload(client, submitted, image_bytes())
    assert response.status_code == 403
    assert not CoeImage.objects.exists()
    assert stored_files(media) == []


def _attached(client, coe) -> CoeImage:
    assert upload(client, coe, image_bytes()).status_code == 201
    return CoeImage.objects.get(coe=coe)


def test_a_drafts_images_are_served_only_to_those_who_may_read_the_draft(as_author, coe, author):
    image = _attached(as_author, coe)
    outsider, teammate = Client(), Client()
    outsider.force_login(UserFactory(username="outsider"))
    member = UserFactory(username="teammate")
    coe.team.members.add(member)
    teammate.force_login(member)

    for url in (image.get_absolute_url(), image.thumbnail_url()):
        assert outsider.get(url).status_code == 404
        assert teammate.get(url).status_code == 200
        assert Client().get(url).status_code == 302  # to sign in

    # Submitted, the COE (and so its images) is read by everyone signed in.
    complete = complete_coe(title="Submitted", actor=author)
    shown = _attached(as_author, complete)
    coe_submit(coe=complete, actor=author)
    assert outsider.get(shown.get_absolute_url()).status_code == 200


def test_an_image_is_found_only_under_its_own_coe(as_author, coe, author):
    image = _attached(as_author, coe)
    other = CoeFactory(actor=author)

    response = as_author.get(reverse("coe:coe_image", args=[other.pk, image.pk]))

    assert response.status_code == 404


def test_a_section_shows_its_attached_image_with_its_caption(as_author, coe, author):
    image = _attached(as_author, coe)
    save_text(coe, "metrics", f"Errors rose:\n\n{image.markdown}", author)

    html = CoeText.objects.get(coe=coe, key="metrics").body_html
    assert f'<img src="/coe/{coe.pk}/images/{image.pk}/" alt="5XX errors"' in html
    assert '<span class="figure-caption">5XX errors</span>' in html
    page = as_author.get(coe.get_absolute_url()).content.decode()
    assert f'src="/coe/{coe.pk}/images/{image.pk}/"' in page
    assert f'src="/coe/{coe.pk}/images/{image.pk}/thumbnail/"' in page  # the editor's list


@pytest.mark.parametrize(
    "markdown",
    [
        "![pixel](https://tracker.example/p.gif?user=1)",
        "![pixel](//tracker.example/coe/1/images/2/)",
        "![pixel](/coe/1/images/2/?track=1)",
        "![pixel](data:image/png;base64,iVBORw0KGgo=)",
        '<img src="https://tracker.example/p.gif" alt="pixel">',
        '<img src="/coe/1/images/2/" onerror="alert(1)" hx-get="/admin/" alt="pixel">',
    ],
)
def test_images_from_anywhere_else_do_not_load(markdown):
    html = render_markdown(markdown)

    if 'src="/coe/1/images/2/"' in html:  # the app's own path: loads, with nothing added
        assert "onerror" not in html and "hx-get" not in html
    else:
        assert "<img" not in html
        assert "[Image not shown: pixel]" in html


def test_a_caption_cannot_break_out_of_its_attribute():
    html = render_markdown('<img src="/coe/1/images/2/" alt="&quot; onerror=&quot;alert(1)">')

    assert "onerror=" not in html.replace("&quot; onerror=&quot;", "")
    assert '<span class="figure-caption">" onerror="alert(1)</span>' not in html


def test_an_editor_removes_an_image_and_its_files(
    as_author, coe, media, django_capture_on_commit_callbacks
):
    image = _attached(as_author, coe)

    with django_capture_on_commit_callbacks(execute=True):
        response = as_author.post(reverse("coe:coe_image_delete", args=[coe.pk, image.pk]))

    assert response.status_code == 302
    assert not CoeImage.objects.exists()
    assert stored_files(media) == []
    assert as_author.get(image.get_absolute_url()).status_code == 404


def test_a_reader_cannot_remove_an_image(as_author, coe, author, media):
    image = _attached(as_author, coe)
    reader = Client()
    reader.force_login(UserFactory(username="reader"))
    coe.status = Status.IN_REVIEW
    coe.save(update_fields=["status"])

    response = reader.post(reverse("coe:coe_image_delete", args=[coe.pk, image.pk]))

    assert response.status_code == 403
    assert CoeImage.objects.filter(pk=image.pk).exists()
    assert len(stored_files(media)) == 2


def test_the_sweep_deletes_files_no_image_refers_to_once_they_are_old(as_author, coe, media):
    kept = _attached(as_author, coe)
    left_behind = default_storage.save(f"coe-images/{coe.pk}/orphan.png", ContentFile(b"x"))
    just_uploaded = default_storage.save(f"coe-images/{coe.pk}/arriving.png", ContentFile(b"y"))
    day_ago = time.time() - 25 * 3600
    os.utime(media / left_behind, (day_ago, day_ago))
    os.utime(media / kept.file.name, (day_ago, day_ago))

    out = io.StringIO()
    call_command("sweep_images", "--dry-run", stdout=out)
    assert f"Would delete {left_behind}" in out.getvalue()
    assert (media / left_behind).exists()

    out = io.StringIO()
    call_command("sweep_images", stdout=out)
    assert out.getvalue().splitlines() == [f"Deleted {left_behind}", "1 file no image refers to."]
    assert not (media / left_behind).exists()
    assert (media / just_uploaded).exists()  # younger than a day: may be on its way to a row
    assert len(stored_files(media)) == 3  # the image, its thumbnail and the new upload
