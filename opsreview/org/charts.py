"""Charts drawn on the server as SVG, each with its own text alternative (a title, a
one-sentence summary and its figures as a table): the shapes a chart is made of, sized in CSS
pixels for a 1920-wide projector so every label is at least LABEL_SIZE tall."""

from dataclasses import dataclass, field

LABEL_SIZE = 30


@dataclass(frozen=True)
class Rect:
    x: float
    y: float
    width: float
    height: float
    css_class: str
    title: str


@dataclass(frozen=True)
class Label:
    x: float
    y: float
    text: str
    anchor: str = "middle"
    css_class: str = "chart-label"


@dataclass
class Chart:
    key: str
    width: int
    height: int
    title: str
    summary: str
    table_head: list[str]
    table_rows: list[list[str]]
    rects: list[Rect] = field(default_factory=list)
    labels: list[Label] = field(default_factory=list)
    lines: list[tuple[float, float, float, float]] = field(default_factory=list)
    # Lines through points, as SVG polyline points ("x,y x,y …"), each with its CSS class.
    polylines: list[tuple[str, str]] = field(default_factory=list)
    legend: list[tuple[str, str]] = field(default_factory=list)

    @property
    def is_empty(self) -> bool:
        return not self.rects and not self.polylines

    @property
    def view_box(self) -> str:
        return f"0 0 {self.width} {self.height}"


def nice_ceiling(value: int) -> int:
    """The top of the axis: a round number at or above value, halvable into whole ticks."""
    for top in (2, 4, 6, 8, 10, 20, 30, 40, 50, 60, 80, 100):
        if value <= top:
            return top
    return ((value + 99) // 100) * 100
