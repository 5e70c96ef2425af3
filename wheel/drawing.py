"""The wheel's geometry for the SVG: one slice per participant, angles clockwise from the top.

The pointer sits at the top (0°). wheel.js rotates the disc so the result's slice stops under it,
then reads back which slice is under the pointer from these same data-start/data-end angles.

`disc()` writes every slice's markup in one pass: a wheel of 500 teams is 500 elements, and a
template per slice cost more than the rest of the page together.
"""

import math
from collections.abc import Sequence
from dataclasses import dataclass

from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

from . import selection

RADIUS = 100.0
LABEL_RADIUS = 93.0
# A label runs from the rim towards the hub; this much of the radius is free for it.
LABEL_LENGTH = 78.0
# Average advance of a bold sans-serif character, in ems.
CHARACTER_WIDTH = 0.64
PALETTE_SIZE = 8
# With proportional slices a participant at weight 0 keeps a sliver, so it stays visible.
SLIVER_DEGREES = 3.0
# Below this a label would not fit; the name is still in the slice's <title>.
MIN_LABELLED_DEGREES = 9.0
MAX_LABEL_CHARS = 24
# Past this many slices, one too thin for its name has no <title> (tooltip) of its own: the page
# stays small, and the name is still on the slice (data-name) and in the odds.
TITLED_SLICES = 25
# Past this many slices the lines between them would cover the colours: none are drawn.
CROWDED_SLICES = 72
# Angles and coordinates are written to 0.01: a hair of a pixel on a projector-sized wheel.
DECIMALS = 2


def colour(index: int) -> int:
    """The palette colour of the participant at `index`, in wheel order."""
    return index % PALETTE_SIZE


@dataclass(frozen=True)
class Slice:
    index: int
    participant_id: int
    name: str
    start: float
    end: float
    resting: bool  # weight 0: chosen last time, cannot come up until the next selection

    @property
    def sweep(self) -> float:
        return self.end - self.start

    @property
    def middle(self) -> float:
        return (self.start + self.end) / 2

    @property
    def colour(self) -> int:
        return colour(self.index)

    @property
    def is_whole(self) -> bool:
        return self.sweep >= 359.999

    @property
    def path(self) -> str:
        """The SVG path of the wedge from the centre."""
        return _wedge(self, _edge(self.start), _edge(self.end))

    @property
    def label(self) -> str:
        if self.sweep < MIN_LABELLED_DEGREES and not self.is_whole:
            return ""
        if len(self.name) <= MAX_LABEL_CHARS:
            return self.name
        return self.name[: MAX_LABEL_CHARS - 1].rstrip() + "…"

    @property
    def label_font_size(self) -> float:
        """Big enough for the back of the room, small enough to stay inside its wedge."""
        across = 2 * math.pi * 60 * self.sweep / 360 * 0.7
        along = LABEL_LENGTH / (CHARACTER_WIDTH * max(len(self.label), 1))
        return round(max(4.0, min(7.5, across, along)), 2)

    @property
    def label_transform(self) -> str:
        """Along the radius, anchored at the rim, never upside down."""
        if self.is_whole:
            return "rotate(0)"
        if self.middle <= 180:
            return f"rotate({self.middle - 90:.3f}) translate({LABEL_RADIUS:g} 0)"
        return f"rotate({self.middle + 90:.3f}) translate({-LABEL_RADIUS:g} 0)"

    @property
    def label_anchor(self) -> str:
        if self.is_whole:
            return "middle"
        return "end" if self.middle <= 180 else "start"


def _number(value: float) -> str:
    """0.01 precision without trailing zeros: 1.5, -100, 0."""
    text = f"{value:.{DECIMALS}f}".rstrip("0").rstrip(".")
    return "0" if text == "-0" else text


def _edge(degrees: float) -> tuple[str, str]:
    """A line between two slices as written out: its angle (data-start, data-end) and the
    point where it meets the rim, worked out from that written angle, so that the slice drawn
    is the slice wheel.js reads."""
    angle = _number(degrees)
    x, y = _point(float(angle), RADIUS)
    return angle, f"{_number(x)} {_number(y)}"


def _wedge(slice_: Slice, start: tuple[str, str], end: tuple[str, str]) -> str:
    large = 1 if slice_.sweep > 180 else 0
    return f"M0 0L{start[1]}A{RADIUS:g} {RADIUS:g} 0 {large} 1 {end[1]}Z"


def _point(degrees: float, radius: float) -> tuple[float, float]:
    radians = math.radians(degrees)
    return radius * math.sin(radians), -radius * math.cos(radians)


def slice_sweeps(weights: Sequence[float], *, proportional: bool) -> list[float]:
    """Degrees per participant, summing to 360."""
    count = len(weights)
    if not count:
        return []
    if not proportional:
        return [360.0 / count] * count
    shares = selection.probabilities(weights)
    sliver = min(SLIVER_DEGREES, 360.0 / count)
    return [sliver + share * (360.0 - sliver * count) for share in shares]


def slices(participants: Sequence, *, proportional: bool) -> list[Slice]:
    """One slice per participant, in the participants' order, clockwise from the pointer."""
    weights = [p.weight for p in participants]
    sweeps = slice_sweeps(weights, proportional=proportional)
    result, start = [], 0.0
    for index, (participant, sweep) in enumerate(zip(participants, sweeps, strict=True)):
        end = 360.0 if index == len(participants) - 1 else start + sweep
        result.append(
            Slice(
                index=index,
                participant_id=participant.pk,
                name=participant.display_name,
                start=start,
                end=end,
                resting=len(participants) > 1 and participant.weight == 0,
            )
        )
        start = end
    return result


def _slice_markup(
    slice_: Slice, start: tuple[str, str], end: tuple[str, str], *, titled: bool
) -> str:
    name = escape(slice_.name)
    resting = " is-resting" if slice_.resting else ""
    if slice_.is_whole:
        shape, geometry = "circle", f'r="{RADIUS:g}"'
    else:
        shape, geometry = "path", f'd="{_wedge(slice_, start, end)}"'
    element = (
        f'<{shape} class="wheel-colour-{slice_.colour}{resting}" data-slice'
        f' data-participant="{slice_.participant_id}" data-name="{name}"'
        f' data-start="{start[0]}" data-end="{end[0]}" {geometry}'
    )
    return f"{element}><title>{name}</title></{shape}>" if titled else f"{element}/>"


def _label_markup(slice_: Slice) -> str:
    return (
        f'<text transform="{slice_.label_transform}" text-anchor="{slice_.label_anchor}"'
        f' dominant-baseline="central" font-size="{slice_.label_font_size:g}">'
        f"{escape(slice_.label)}</text>"
    )


def disc(slices: Sequence[Slice], *, labels: bool = True) -> SafeString:
    """The disc wheel.js turns: the slices, then their names along the radius where a name fits
    (`labels`).

    Each slice is one element carrying what wheel.js needs (data-participant, data-name and its
    angles); a name is a <title> tooltip only where there are few slices or it is on the slice.
    """
    crowded = " is-crowded" if len(slices) > CROWDED_SLICES else ""
    parts = [f'<g class="wheel-disc{crowded}" transform="rotate(0)" data-wheel-disc>']
    few = len(slices) <= TITLED_SLICES
    # Each slice ends where the next begins: every edge is worked out once.
    edges = [_edge(s.start) for s in slices] + [_edge(s.end) for s in slices[-1:]]
    parts.extend(
        _slice_markup(s, edges[i], edges[i + 1], titled=few or bool(s.label))
        for i, s in enumerate(slices)
    )
    if not slices:
        parts.append(f'<circle class="wheel-empty" r="{RADIUS:g}"></circle>')
    shown = [s for s in slices if s.label] if labels else []
    if shown:
        parts.append('<g class="wheel-labels">')
        parts.extend(_label_markup(s) for s in shown)
        parts.append("</g>")
    parts.append("</g>")
    return mark_safe("".join(parts))  # noqa: S308 - every name is escaped above
