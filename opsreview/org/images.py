"""Images people upload (graphs and screenshots in COEs): checked by what they are, not by
what they are called.

An upload is opened with Pillow, which reads the file's own bytes: a file is accepted only when
Pillow recognises it as PNG, JPEG, GIF or WebP, its size and pixel count are within the limits
(settings), and it decodes completely. It is then re-encoded, so nothing of the original file
is stored but its pixels: no EXIF (camera, place, software), no comments, no trailing data.
A JPEG is turned upright first, as its EXIF orientation asked. A thumbnail is made for lists.
"""

import io
import warnings
from dataclasses import dataclass

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from PIL import Image, ImageOps, UnidentifiedImageError

IMAGE_FORMATS = {"PNG": "image/png", "JPEG": "image/jpeg", "GIF": "image/gif", "WEBP": "image/webp"}
THUMBNAIL_BOX = (480, 320)
SUFFIXES = {"PNG": ".png", "JPEG": ".jpg", "GIF": ".gif", "WEBP": ".webp"}
ACCEPTED = "PNG, JPEG, GIF or WebP"


@dataclass(frozen=True)
class CheckedImage:
    """An upload as it will be stored: re-encoded, with a thumbnail."""

    content: bytes
    suffix: str
    content_type: str
    width: int
    height: int
    thumbnail: bytes


def max_bytes() -> int:
    return settings.IMAGE_MAX_BYTES


def max_pixels() -> int:
    return settings.IMAGE_MAX_PIXELS


def check_image(upload: UploadedFile | None) -> CheckedImage:
    """The upload re-encoded, or ValidationError saying why it can't be used."""
    if upload is None:
        raise ValidationError("Choose an image to upload.", code="missing")
    if not upload.size:
        raise ValidationError("That file is empty.", code="empty")
    if upload.size > max_bytes():
        raise ValidationError(
            f"That file is {size_label(upload.size)}; an image can be at most "
            f"{size_label(max_bytes())}.",
            code="too_big",
        )
    upload.seek(0)
    data = upload.read(max_bytes() + 1)  # the size a client declares is not trusted either
    if len(data) > max_bytes():
        raise ValidationError(
            f"That file is larger than {size_label(max_bytes())}.", code="too_big"
        )
    return reencode(data)


def reencode(data: bytes) -> CheckedImage:
    not_an_image = ValidationError(
        f"That file is not an image this app can show: upload a {ACCEPTED} file.",
        code="not_an_image",
    )
    with warnings.catch_warnings():
        # Pillow warns (and past twice its limit, refuses) on images too big to decode safely.
        warnings.simplefilter("error", Image.DecompressionBombWarning)
        try:
            image = Image.open(io.BytesIO(data), formats=list(IMAGE_FORMATS))
        except (Image.DecompressionBombWarning, Image.DecompressionBombError):
            raise _too_many_pixels(None) from None
        except (UnidentifiedImageError, OSError, ValueError, SyntaxError):
            raise not_an_image from None
        with image:
            frames = getattr(image, "n_frames", 1)
            if image.width * image.height * frames > max_pixels():
                raise _too_many_pixels(image)
            try:
                image.load()
                return _stored(image)
            except (OSError, ValueError, SyntaxError, EOFError):
                raise ValidationError(
                    "That image is damaged or cut short: it can't be read to the end.",
                    code="damaged",
                ) from None


def _stored(image: Image.Image) -> CheckedImage:
    kind = image.format
    animated = getattr(image, "is_animated", False)
    if kind == "JPEG":
        image = ImageOps.exif_transpose(image)
    out = io.BytesIO()
    if kind == "JPEG":
        image.convert("RGB").save(out, "JPEG", quality=90, optimize=True)
    elif kind == "PNG":
        image.save(out, "PNG", optimize=True)
    elif kind == "GIF":
        image.save(out, "GIF", save_all=animated)
    else:
        image.save(out, "WEBP", save_all=animated, lossless=image.info.get("lossless", False))
    return CheckedImage(
        content=out.getvalue(),
        suffix=SUFFIXES[kind],
        content_type=IMAGE_FORMATS[kind],
        width=image.width,
        height=image.height,
        thumbnail=_thumbnail(image),
    )


def _thumbnail(image: Image.Image) -> bytes:
    """The first frame, at most THUMBNAIL_BOX, as WebP (every supported browser shows it)."""
    image.seek(0)
    scale = min(1.0, THUMBNAIL_BOX[0] / image.width, THUMBNAIL_BOX[1] / image.height)
    size = (max(1, round(image.width * scale)), max(1, round(image.height * scale)))
    # Resized before it is converted: no full-size copy of a large image is made.
    small = image.resize(size, Image.Resampling.LANCZOS, reducing_gap=3.0).convert("RGBA")
    out = io.BytesIO()
    small.save(out, "WEBP", quality=80)
    return out.getvalue()


def _too_many_pixels(image: Image.Image | None) -> ValidationError:
    size = f"{image.width:,} by {image.height:,} pixels" if image is not None else "too large"
    return ValidationError(
        f"That image is {size}; an image can have at most {max_pixels() / 1e6:g} million pixels "
        "(all frames together).",
        code="too_many_pixels",
    )


def size_label(size: int) -> str:
    """Bytes as people read them: "10.0 MB", "850 KB"."""
    return f"{size / 1_000_000:.1f} MB" if size >= 1_000_000 else f"{size / 1_000:.0f} KB"
