"""The wheel's geometry: slices fill the circle, in order, and match the odds."""

import itertools
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
    assert first.path == "M 0 0 L 0.000 -100.000 A 100 100 0 0 1 0.000 100.000 Z"
