"""A metric's week drawn for the projector: a line over a zero-based axis, with a text
alternative that says what a viewer would read off it."""

from datetime import UTC, datetime, timedelta

import pytest

from opsreview.cloudwatch.metrics import Series, line_chart, nice_top, number, thinned
from opsreview.cloudwatch.models import MetricQuery

END = datetime(2026, 11, 27, 10, 0, tzinfo=UTC)


def _query(**fields) -> MetricQuery:
    return MetricQuery(
        pk=7,
        label="Gateway errors",
        namespace="AWS/ApiGateway",
        metric_name="5XXError",
        statistic=fields.pop("statistic", "Sum"),
        **fields,
    )


@pytest.mark.parametrize(
    "value, top", [(0, 1), (0.03, 0.05), (1, 1), (7, 10), (12, 20), (240, 250), (999, 1000)]
)
def test_the_axis_tops_out_at_a_round_number(value, top):
    assert nice_top(value) == pytest.approx(top)


@pytest.mark.parametrize(
    "value, text",
    [(12, "12"), (3.4, "3.4"), (0.0271, "0.0271"), (12_300, "12.3k"), (4.5e6, "4.5M")],
)
def test_figures_read_as_people_write_them(value, text):
    assert number(value) == text


def test_a_week_of_points_is_a_line_with_a_summary_and_a_table():
    points = [(END - timedelta(hours=h), float(h % 24)) for h in range(168, 0, -1)]
    chart = line_chart(Series(_query(), points), end=END)

    assert not chart.is_empty
    [(css_class, drawn)] = chart.polylines
    assert css_class == "metric-line" and len(drawn.split()) == 168
    xs = [float(point.split(",")[0]) for point in drawn.split()]
    assert xs == sorted(xs) and xs[0] >= 110 and xs[-1] <= 1160 - 16
    assert chart.title == "Gateway errors: 5XXError Sum, past 7 days"
    assert chart.summary.startswith("Latest 1 (") and "highest 23" in chart.summary
    assert "lowest 0." in chart.summary
    assert len(chart.table_rows) in (7, 8) and chart.table_head[0] == "Day"


def test_no_data_and_an_aws_error_are_said_in_words():
    empty = line_chart(Series(_query()), end=END)
    assert empty.is_empty and empty.summary == "No data points in the past 7 days."
    failed = line_chart(Series(_query(), error="Access denied to eu-west-1."), end=END)
    assert failed.is_empty
    assert failed.summary == "Not read from CloudWatch: Access denied to eu-west-1."


def test_a_dense_week_is_thinned_to_what_the_chart_can_show_keeping_spikes_and_dips():
    # A week at five-minute resolution: 2,016 points, one spike and one dip.
    points = [(END - timedelta(minutes=5 * n), 10.0) for n in range(2016, 0, -1)]
    points[700] = (points[700][0], 95.0)
    points[1500] = (points[1500][0], 0.5)

    kept = thinned(points, buckets=344)

    assert len(kept) <= 2 * 344
    assert kept == sorted(kept) and set(kept) <= set(points)
    assert max(v for _, v in kept) == 95.0 and min(v for _, v in kept) == 0.5
    chart = line_chart(Series(_query(), points), end=END)
    assert len(chart.polylines[0][1].split()) <= 2 * 344
    assert "highest 95" in chart.summary and "lowest 0.5" in chart.summary


def test_a_sparse_week_is_drawn_whole():
    points = [(END - timedelta(hours=h), float(h)) for h in range(168, 0, -1)]
    assert thinned(points, buckets=344) == points


def test_a_line_at_a_value_is_drawn_across_and_said_in_words():
    points = [(END - timedelta(hours=h), float(h % 24)) for h in range(168, 0, -1)]
    query = _query(threshold=30.0)  # above every reading: the axis reaches it

    chart = line_chart(Series(query, points), end=END)

    [(line_class, line), (metric_class, _)] = chart.polylines
    assert (line_class, metric_class) == ("threshold-line", "metric-line")
    (x1, y1), (x2, y2) = (tuple(map(float, p.split(","))) for p in line.split())
    assert y1 == y2 and (x1, x2) == (110, 1160 - 16)
    assert [label.text for label in chart.labels if label.text.startswith("line")] == ["line at 30"]
    assert any(label.text == "50" for label in chart.labels)  # the axis tops out above 30
    assert chart.summary.endswith(" 0 of 168 readings above the line at 30.")

    lower = line_chart(Series(_query(threshold=20.0), points), end=END)
    assert lower.summary.endswith(" 21 of 168 readings above the line at 20.")
