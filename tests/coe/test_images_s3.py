"""Images attached to COEs when the files live in S3 (django-storages' S3Storage), against moto
running as a real server: what is stored in the bucket, and how readers reach it (a redirect to a
pre-signed URL that soon expires, given only to people who may read the COE)."""

import io
import time
import urllib.request
from datetime import UTC, datetime
from urllib.parse import parse_qs, urlsplit

import boto3
import pytest
from django.core.files.storage import default_storage
from django.core.management import call_command
from django.test import Client
from django.urls import reverse
from PIL import Image
from storages.backends.s3 import S3Storage

from coe.models import CoeImage
from tests.org import test_ses
from tests.org.factories import UserFactory

from .factories import CoeFactory
from .test_images import image_bytes, upload

pytestmark = pytest.mark.django_db

BUCKET = "opsreview-coe-images"
# Not us-east-1, so a client that ignored the region setting would sign for the wrong one.
REGION = "eu-west-1"

# moto's server answers every service: the SES tests' fake credentials and server serve here too.
aws_env = test_ses.aws_env
moto_endpoint = test_ses.ses_endpoint


@pytest.fixture
def s3(moto_endpoint):
    """A client of moto's S3 (the test's own view of the bucket, not the app's)."""
    client = boto3.client("s3", region_name=REGION, endpoint_url=moto_endpoint)
    client.create_bucket(Bucket=BUCKET, CreateBucketConfiguration={"LocationConstraint": REGION})
    return client


@pytest.fixture(autouse=True)
def s3_storage(settings, s3, moto_endpoint, media):
    """Default storage configured as settings.py does when AWS_STORAGE_BUCKET_NAME is set."""
    settings.AWS_STORAGE_BUCKET_NAME = BUCKET
    settings.AWS_S3_ENDPOINT_URL = moto_endpoint
    settings.AWS_S3_REGION_NAME = REGION
    settings.AWS_S3_ADDRESSING_STYLE = "path"  # a bucket on a loopback host has no DNS name
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {"BACKEND": "storages.backends.s3.S3Storage"},
    }
    # Django's setting_changed handler dropped the storage it had built; the next use builds
    # this one, for the image fields too (they hold the lazy default_storage).
    assert isinstance(default_storage, S3Storage)
    assert isinstance(CoeImage._meta.get_field("file").storage, S3Storage)
    assert default_storage.bucket_name == BUCKET
    return default_storage


def keys_in_bucket(s3) -> set[str]:
    return {entry["Key"] for entry in s3.list_objects_v2(Bucket=BUCKET).get("Contents", [])}


def stored_bytes(s3, key: str) -> bytes:
    return s3.get_object(Bucket=BUCKET, Key=key)["Body"].read()


@pytest.fixture
def author():
    return UserFactory(username="priya")


@pytest.fixture
def coe(author):
    return CoeFactory(actor=author, title="Checkout failing")


@pytest.fixture
def as_author(client, author):
    client.force_login(author)
    return client


def signed_in(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def attached(client, coe, data: bytes | None = None, name="graph.png") -> CoeImage:
    response = upload(client, coe, data or image_bytes(), name=name)
    assert response.status_code == 201, response.content
    return CoeImage.objects.get(pk=response.json()["id"])


def test_an_uploaded_image_and_its_thumbnail_are_stored_in_the_bucket(as_author, coe, s3, media):
    image = attached(as_author, coe)

    assert keys_in_bucket(s3) == {image.file.name, image.thumbnail.name}
    assert image.file.name.startswith(f"coe-images/{coe.pk}/")
    assert image.file.name.endswith(".png")
    assert image.thumbnail.name.endswith(".webp")
    assert list(media.rglob("*")) == []  # nothing written to local disk
    # The type S3 answers with is the one the browser is given when it follows the redirect.
    head = s3.head_object(Bucket=BUCKET, Key=image.file.name)
    assert head["ContentType"] == "image/png"
    assert head["ContentLength"] == image.size
    with Image.open(io.BytesIO(stored_bytes(s3, image.file.name))) as kept:
        assert (kept.format, kept.size) == ("PNG", (64, 48))
    with Image.open(io.BytesIO(stored_bytes(s3, image.thumbnail.name))) as thumbnail:
        assert thumbnail.format == "WEBP"
    assert s3.head_object(Bucket=BUCKET, Key=image.thumbnail.name)["ContentType"] == "image/webp"


def test_a_photo_is_stored_in_the_bucket_without_its_exif(as_author, coe, s3):
    photo = image_bytes("JPEG", (80, 40), exif=True)
    assert b"Secret editor" in photo and Image.open(io.BytesIO(photo)).getexif()

    image = attached(as_author, coe, photo, name="phone.jpg")

    stored = stored_bytes(s3, image.file.name)
    assert b"Secret editor" not in stored
    assert b"Camera maker" not in stored
    with Image.open(io.BytesIO(stored)) as kept:
        assert kept.format == "JPEG"
        assert dict(kept.getexif()) == {}
        assert kept.size == (40, 80)  # turned upright as the orientation tag asked


def test_a_refused_upload_puts_nothing_in_the_bucket(as_author, coe, s3):
    response = upload(as_author, coe, b"just some notes, not a picture\n", name="notes.png")

    assert response.status_code == 422
    assert "not an image this app can show" in response.json()["error"]
    assert keys_in_bucket(s3) == set()
    assert not CoeImage.objects.exists()


def presigned(response, moto_endpoint: str, key: str) -> dict[str, str]:
    """The query of the pre-signed URL a response redirects to, checked to point at `key`."""
    assert response.status_code == 302
    url = urlsplit(response["Location"])
    assert f"{url.scheme}://{url.netloc}" == moto_endpoint
    assert url.path == f"/{BUCKET}/{key}"
    return {name: values[0] for name, values in parse_qs(url.query).items()}


def expiry(query: dict[str, str]) -> tuple[int, int]:
    """When a pre-signed URL stops working (Unix time), and the lifetime it states: signed with
    SigV4 (`X-Amz-Date` plus `X-Amz-Expires`), which every S3 region accepts."""
    assert query["X-Amz-Algorithm"] == "AWS4-HMAC-SHA256"
    assert query["X-Amz-Credential"].split("/")[2] == REGION
    assert query["X-Amz-Signature"]
    signed_at = datetime.strptime(query["X-Amz-Date"], "%Y%m%dT%H%M%SZ").replace(tzinfo=UTC)
    lifetime = int(query["X-Amz-Expires"])
    return int(signed_at.timestamp()) + lifetime, lifetime


def assert_expires_after(seconds: int, query: dict[str, str], before: int, after: int) -> None:
    """The URL lasts `seconds` from the moment it was signed (between `before` and `after`)."""
    ends, lifetime = expiry(query)
    assert before + seconds <= ends <= after + seconds
    assert lifetime == seconds


def fetch(url: str) -> bytes:
    with urllib.request.urlopen(url, timeout=10) as response:  # noqa: S310 (moto on loopback)
        assert response.status == 200
        return response.read()


def test_a_reader_is_sent_to_a_presigned_url_that_lasts_five_minutes(
    as_author, coe, s3, moto_endpoint
):
    image = attached(as_author, coe)
    teammate = UserFactory(username="teammate")
    coe.team.members.add(teammate)
    reader = signed_in(teammate)

    before = int(time.time())
    response = reader.get(image.get_absolute_url())
    after = int(time.time())

    query = presigned(response, moto_endpoint, image.file.name)
    assert_expires_after(300, query, before, after)
    # The browser keeps the redirect a minute less than the URL lasts, and for this reader only.
    assert response["Cache-Control"] in ("private, max-age=240", "max-age=240, private")
    served = fetch(response["Location"])  # over real HTTP, from moto
    assert served == stored_bytes(s3, image.file.name)
    assert Image.open(io.BytesIO(served)).size == (64, 48)

    thumbnail = reader.get(image.thumbnail_url())
    presigned(thumbnail, moto_endpoint, image.thumbnail.name)
    assert Image.open(io.BytesIO(fetch(thumbnail["Location"]))).format == "WEBP"


def test_the_presigned_url_lasts_as_long_as_the_setting_says(
    as_author, coe, moto_endpoint, settings
):
    image = attached(as_author, coe)
    settings.IMAGE_URL_SECONDS = 60

    before = int(time.time())
    response = as_author.get(image.get_absolute_url())
    after = int(time.time())

    assert_expires_after(60, presigned(response, moto_endpoint, image.file.name), before, after)
    assert "max-age=0" in response["Cache-Control"]


def test_an_outsider_asking_for_a_drafts_image_gets_404_and_no_url(as_author, coe, moto_endpoint):
    image = attached(as_author, coe)
    outsider = signed_in(UserFactory(username="outsider"))

    for url in (image.get_absolute_url(), image.thumbnail_url()):
        response = outsider.get(url)
        assert response.status_code == 404
        assert "Location" not in response
        assert moto_endpoint not in response.content.decode()
        assert "X-Amz" not in response.content.decode()

        anonymous = Client().get(url)
        assert anonymous.status_code == 302
        assert anonymous["Location"].startswith("/accounts/login/")


def test_a_removed_image_leaves_the_bucket_once_the_removal_is_committed(
    as_author, coe, s3, django_capture_on_commit_callbacks
):
    image = attached(as_author, coe)
    kept = attached(as_author, coe)

    with django_capture_on_commit_callbacks() as after_commit:
        response = as_author.post(reverse("coe:coe_image_delete", args=[coe.pk, image.pk]))
        assert response.status_code == 302
        # Until the transaction commits, the files stay: a rollback must find them there.
        assert image.file.name in keys_in_bucket(s3)
    for callback in after_commit:
        callback()

    assert keys_in_bucket(s3) == {kept.file.name, kept.thumbnail.name}
    assert list(CoeImage.objects.all()) == [kept]
    assert as_author.get(image.get_absolute_url()).status_code == 404


def test_the_sweep_finds_files_left_in_the_bucket(as_author, coe, s3):
    image = attached(as_author, coe)
    orphan = f"coe-images/{coe.pk}/left-behind.png"
    s3.put_object(Bucket=BUCKET, Key=orphan, Body=b"x")

    out = io.StringIO()
    call_command("sweep_images", "--min-age-hours", "0", stdout=out)

    assert f"Deleted {orphan}" in out.getvalue()
    assert keys_in_bucket(s3) == {image.file.name, image.thumbnail.name}
