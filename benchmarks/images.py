"""Time and memory to check an uploaded image: what one upload costs a web worker.

    .venv/bin/python benchmarks/images.py [--repeat 3]

For each input (a dashboard screenshot, a phone photo, an image at the pixel limit, a
decompression bomb, a fake PNG) prints the median time of opening, checking, re-encoding and
thumbnailing it (opsreview.org.images.reencode), how much the process's peak resident memory
grew meanwhile (Pillow's pixel buffers included; Linux only, read from /proc), the
stored size (image and thumbnail), and whether it was refused.
"""

import argparse
import io
import os
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "opsreview.settings")
os.environ.setdefault("DEBUG", "1")

import django

django.setup()

from django.conf import settings  # noqa: E402
from django.core.exceptions import ValidationError  # noqa: E402
from PIL import Image, ImageDraw  # noqa: E402

from opsreview.org.images import reencode  # noqa: E402


def screenshot(width: int, height: int) -> bytes:
    """A dashboard-like image: panels, grid lines and noisy series, as a PNG."""
    image = Image.new("RGB", (width, height), (250, 250, 252))
    draw = ImageDraw.Draw(image)
    for top in range(0, height, height // 4):
        for left in range(0, width, width // 3):
            draw.rectangle(
                [left + 8, top + 8, left + width // 3 - 8, top + height // 4 - 8],
                None,
                (200, 200, 210),
            )
            points = [
                (left + 10 + x, top + height // 8 + ((x * 7919) % 61) - 30)
                for x in range(0, width // 3 - 20, 3)
            ]
            draw.line(points, (30, 90, 200), 2)
    out = io.BytesIO()
    image.save(out, "PNG")
    return out.getvalue()


def photo(width: int, height: int) -> bytes:
    noise = Image.effect_noise((width, height), 60).convert("RGB")
    out = io.BytesIO()
    noise.save(out, "JPEG", quality=90)
    return out.getvalue()


def flat_png(width: int, height: int) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (width, height), "white").save(out, "PNG")
    return out.getvalue()


def _peak_rss_kb() -> int:
    status = Path("/proc/self/status").read_text()
    return int(next(line.split()[1] for line in status.splitlines() if line.startswith("VmHWM")))


def _check(data: bytes, repeat: int) -> tuple[float, int, int, str]:
    """The median time, the peak resident memory above where it started (KB), the stored
    bytes and the outcome. Linux: the peak is reset first through /proc/self/clear_refs."""
    Path("/proc/self/clear_refs").write_text("5")
    before = _peak_rss_kb()
    times, stored, outcome = [], 0, ""
    for _ in range(repeat):
        started = time.perf_counter()
        try:
            checked = reencode(data)
            outcome, stored = "accepted", len(checked.content) + len(checked.thumbnail)
        except ValidationError as error:
            outcome = "refused: " + error.messages[0][:40]
        times.append(time.perf_counter() - started)
    return statistics.median(times), _peak_rss_kb() - before, stored, outcome


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    side = int((settings.IMAGE_MAX_PIXELS // 2) ** 0.5)
    inputs = {
        "screenshot 2560x1440 PNG": screenshot(2560, 1440),
        "photo 4000x3000 JPEG": photo(4000, 3000),
        f"at the limit {2 * side}x{side} PNG": flat_png(2 * side, side),
        "bomb 10000x5000 PNG": flat_png(10_000, 5_000),
        "fake PNG (HTML)": b"\x89PNG\r\n\x1a\n<html><script>alert(1)</script></html>",
    }
    print(f"{'input':34} {'file':>9} {'median':>9} {'peak RSS':>9} {'stored':>9}  outcome")
    for name, data in inputs.items():
        seconds, grown, stored, outcome = _check(data, args.repeat)
        print(
            f"{name:34} {len(data) / 1e6:8.2f}M {seconds * 1000:7.0f}ms "
            f"{grown / 1e3:8.1f}M {stored / 1e6:8.2f}M  {outcome}"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
