"""The wheel's geometry for the SVG: one slice per participant, angles clockwise from the top.

The pointer sits at the top (0°). wheel.js rotates the disc so the result's slice stops under it,
then reads back which slice is under the pointer from these same data-start/data-end angles.
"""

import math
from collections.abc import Sequence
from dataclasses import dataclass

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
        return self.index % PALETTE_SIZE

    @property
    def is_whole(self) -> bool:
        return self.sweep >= 359.999

    @property
    def path(self) -> str:
        """The SVG path of the wedge from the centre."""
        x0, y0 = _point(self.start, RADIUS)
        x1, y1 = _point(self.end, RADIUS)
        large = 1 if self.sweep > 180 else 0
        return f"M 0 0 L {x0:.3f} {y0:.3f} A {RADIUS:g} {RADIUS:g} 0 {large} 1 {x1:.3f} {y1:.3f} Z"

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
