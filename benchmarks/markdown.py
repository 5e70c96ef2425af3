"""Time to render hostile markdown: 100,000 characters of each input that once stalled a page.

    .venv/bin/python benchmarks/markdown.py [--size 100000] [--repeat 5] [--target-ms 50]

Prints one row per input (median and worst of the repeats) against the target; exits 1 when a
row misses it. Renders run where they always run, at save time and in the editor's preview.
"""

import argparse
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

from opsreview.org.rendering import render_markdown  # noqa: E402
from opsreview.org.stored_markdown import MARKDOWN_MAX_CHARS  # noqa: E402

REPEATED = {
    "open brackets": "[",
    "link openers": "[a](",
    "image openers": "![",
    "unclosed tags": "<a ",
    "angle brackets": "<",
    "ampersands": "&",
    "bold openers": "**a",
    "emphasis openers": "*a ",
    "underscores": "_a ",
    "backslashes": "\\",
    "backticks": "`",
    "comment openers": "<!--",
    "autolink openers": "<http://",
    "reference definitions": "[x]: ",
    "closing brackets": "](",
    "empty links": "[]",
    "nested quotes": "> ",
    "quote-list nesting": "> - ",
    "nested divs": "<div>",
    "stray closing tags": "<b></p>",
    "closers in attributes": '<div title="</div>">',
    "degree signs": "°",
    "table pipes": "| a ",
    "headings": "# a\n",
    "line breaks": "a\n",
}


def _nested_list(size: int) -> str:
    lines, depth = [], 0
    while sum(map(len, lines)) < size:
        lines.append("  " * (depth % 400) + "- item\n")
        depth += 1
    return "".join(lines)[:size]


def _realistic(size: int) -> str:
    section = (
        "## What happened\n\nAt 14:02 UTC the **API Gateway** rejected requests after a "
        "configuration push ([runbook](https://runbooks.example/gateway)).\n\n"
        "| time | error rate |\n|---|---|\n| 14:02 | 38% |\n| 14:44 | 0.1% |\n\n"
        "- Rolled back the config\n  - verified with the canary\n\n"
        "```\nGET /collect 502\n```\n\n> Customers could not collect bananas.\n\n"
    )
    return (section * (size // len(section) + 1))[:size]


def inputs(size: int) -> dict[str, str]:
    cases = {name: (token * (size // len(token) + 1))[:size] for name, token in REPEATED.items()}
    cases["nested lists"] = _nested_list(size)
    cases["a realistic COE section"] = _realistic(size)
    return cases


def measure(text: str, repeat: int) -> list[float]:
    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        render_markdown(text)
        times.append((time.perf_counter() - started) * 1000)
    return times


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size", type=int, default=MARKDOWN_MAX_CHARS)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--target-ms", type=float, default=50.0)
    args = parser.parse_args()

    print(
        f"{'input':26} {'chars':>8} {'median ms':>10} {'worst ms':>9}  target {args.target_ms:g} ms"
    )
    missed = 0
    for name, text in inputs(args.size).items():
        times = measure(text, args.repeat)
        ok = max(times) <= args.target_ms
        missed += not ok
        verdict = "ok" if ok else "MISSED"
        median, worst = statistics.median(times), max(times)
        print(f"{name:26} {len(text):8,} {median:10.1f} {worst:9.1f}  {verdict}")
    return 1 if missed else 0


if __name__ == "__main__":
    sys.exit(main())
