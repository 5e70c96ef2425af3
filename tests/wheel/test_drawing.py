"""The wheel's geometry: slices fill the circle, in order, and match the odds."""

import itertools
import math
import re
from types import SimpleNamespace

import pytest

from wheel import drawing


def people(*weights):
    return [
        SimpleNamespace(pk=n + 1, weight=w, display_name=f"Team {n + 1}")
        for n, w in enumerate(weights)
    ]


def test_slices_run_clockwise_from_the_pointer_and_fill_the_circle():
    slices = drawing.slices(people(1, 1, 2), proportional=True)
    assert slices[0].start == 0
    assert slices[-1].end == 360
    assert all(a.end == b.start for a, b in itertools.pairwise(slices))


def test_proportional_slices_follow_the_weights_with_a_sliver_for_weight_zero():
    slices = drawing.slices(people(0, 1, 3), proportional=True)
    sweeps = [s.sweep for s in slices]
    assert sweeps[0] == pytest.approx(drawing.SLIVER_DEGREES)
    assert sweeps[2] - drawing.SLIVER_DEGREES == pytest.approx(
        3 * (sweeps[1] - drawing.SLIVER_DEGREES)
    )
    assert slices[0].resting and not slices[1].resting


def test_equal_slices_ignore_the_weights():
    assert [s.sweep for s in drawing.slices(people(0, 1, 3), proportional=False)] == [120.0] * 3


def test_a_wheel_of_one_is_a_whole_circle():
    (only,) = drawing.slices(people(1), proportional=True)
    assert only.is_whole and not only.resting
    assert only.label == "Team 1"


def test_labels_read_outward_on_the_right_and_never_upside_down_on_the_left():
    right, left = drawing.slices(people(1, 1), proportional=False)
    assert right.label_transform == "rotate(0.000) translate(93 0)"
    assert right.label_anchor == "end"
    assert left.label_transform == "rotate(360.000) translate(-93 0)"
    assert left.label_anchor == "start"


def test_long_names_are_shortened_and_slivers_go_unlabelled():
    long_name = SimpleNamespace(pk=1, weight=1, display_name="A" * 40)
    sliver = SimpleNamespace(pk=2, weight=0, display_name="Resting team")
    named, unlabelled = drawing.slices([long_name, sliver], proportional=True)
    assert named.label == "A" * 23 + "…"
    assert unlabelled.label == ""


def test_the_wedge_path_goes_from_the_centre_along_the_rim():
    first, _ = drawing.slices(people(1, 3), proportional=False)
    assert first.path == "M0 0L0 -100A100 100 0 0 1 0 100Z"


def _drawn(slices_markup: str) -> list[dict]:
    return [
        dict(re.findall(r'(data-[a-z]+|d)="([^"]*)"', element))
        for element in re.findall(r"<(?:path|circle) [^>]*data-slice[^>]*>", slices_markup)
    ]


def test_each_slice_is_drawn_between_the_angles_it_carries_for_the_animation():
    slices = drawing.slices(people(1, 2, 0, 1.5, 1), proportional=True)

    drawn = _drawn(drawing.disc(slices))

    assert [d["data-participant"] for d in drawn] == ["1", "2", "3", "4", "5"]
    assert drawn[0]["data-start"] == "0" and drawn[-1]["data-end"] == "360"
    assert all(a["data-end"] == b["data-start"] for a, b in itertools.pairwise(drawn))
    for slice_ in drawn:
        rim = re.fullmatch(r"M0 0L(\S+) (\S+)A100 100 0 [01] 1 (\S+) (\S+)Z", slice_["d"])
        for angle, x, y in [
            (slice_["data-start"], rim[1], rim[2]),
            (slice_["data-end"], rim[3], rim[4]),
        ]:
            radians = math.radians(float(angle))
            assert float(x) == pytest.approx(100 * math.sin(radians), abs=0.006)
            assert float(y) == pytest.approx(-100 * math.cos(radians), abs=0.006)


def test_names_are_escaped_wherever_the_drawing_carries_them():
    hostile = SimpleNamespace(pk=1, weight=1, display_name='<b hx-get="/x">&</b>')
    markup = drawing.disc(drawing.slices([hostile], proportional=True))

    assert "<b" not in markup
    assert 'data-name="&lt;b hx-get=&quot;/x&quot;&gt;&amp;&lt;/b&gt;"' in markup
    assert "<title>&lt;b hx-get=&quot;/x&quot;&gt;&amp;&lt;/b&gt;</title>" in markup


def test_a_big_wheel_names_on_the_slice_only_the_slices_with_room_for_it():
    few = drawing.disc(drawing.slices(people(1, 1, 0), proportional=True))
    many = drawing.slices(people(*[1] * 30, 30), proportional=True)
    markup = drawing.disc(many)

    assert few.count("<title>") == 3  # a tooltip for every slice, even the sliver
    assert markup.count("<title>") == markup.count("<text ") == 1  # the one wide slice
    assert "<text " not in drawing.disc(many, labels=False)
    assert drawing.disc(many, labels=False).count("<title>") == 1


def test_a_crowded_wheel_leaves_out_the_lines_between_slices():
    assert "is-crowded" not in drawing.disc(drawing.slices(people(*[1] * 72), proportional=True))
    assert 'class="wheel-disc is-crowded"' in drawing.disc(
        drawing.slices(people(*[1] * 73), proportional=True)
    )


def test_an_empty_wheel_is_drawn_as_an_empty_disc():
    markup = drawing.disc([])
    assert '<circle class="wheel-empty" r="100"></circle>' in markup
    assert "data-slice" not in markup
