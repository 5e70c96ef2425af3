"""A team's key metrics for the ops meeting: the past week of each of its metric queries, read
with one `get_metric_data` call per scope and kept (Django's cache) for the meeting, so a
projector that refreshes does not ask AWS again; drawn as a line chart with a text alternative.

AWS's answer is read defensively: its errors (throttling, expired credentials, access denied,
an unknown region) come back as a chart that says what went wrong, never as an exception.
"""

import hashlib
import math
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from botocore.exceptions import BotoCoreError, ClientError
from django.conf import settings
from django.utils import timezone

from opsreview.org.caching import cached, keep
from opsreview.org.charts import Chart, Label

from .aws import client_for, describe_error
from .models import MetricQuery, Statistic

WEEK = timedelta(days=7)
# One day's points are shown at the resolution asked; a week of minutely points is too many
# for a projector: the period is at least this.
MIN_PERIOD_SECONDS = 300
# A line is drawn with at most two points (the lowest, the highest) per this many pixels across.
PIXELS_PER_BUCKET = 3
# get_metric_data takes at most 500 queries a call; a team names a few.
QUERIES_PER_CALL = 500


@dataclass
class Series:
    query: MetricQuery
    points: list[tuple[datetime, float]] = field(default_factory=list)
    error: str = ""


def week_ending(now: datetime | None = None) -> datetime:
    """The end of the week shown: the last full hour, so a meeting's charts stay the same
    for the hour (and are cached for it)."""
    now = now or timezone.now()
    return now.replace(minute=0, second=0, microsecond=0)


def team_series(queries: list[MetricQuery], *, end: datetime | None = None) -> list[Series]:
    """The past week of each query's metric, in their order; from the cache when read already
    for this hour."""
    end = end or week_ending()
    found: dict[int, Series] = {}
    by_scope: dict[int, list[MetricQuery]] = defaultdict(list)
    for query in queries:
        stored = cached(_cache_key(query, end))
        if stored is not None:
            found[query.pk] = Series(
                query, [(p[0], p[1]) for p in stored["points"]], stored["error"]
            )
        else:
            by_scope[query.scope_id].append(query)
    for scope_queries in by_scope.values():
        for series in _read(scope_queries, end=end):
            found[series.query.pk] = series
            stored = {"points": series.points, "error": series.error}
            keep(_cache_key(series.query, end), stored, settings.CLOUDWATCH_METRICS_CACHE_SECONDS)
    return [found[query.pk] for query in queries]


def _cache_key(query: MetricQuery, end: datetime) -> str:
    definition = (
        query.namespace,
        query.metric_name,
        sorted(query.dimensions.items()),
        query.statistic,
        query.period_seconds,
    )
    digest = hashlib.sha256(repr(definition).encode()).hexdigest()[:16]
    return f"cloudwatch:metric:{query.pk}:{digest}:{int(end.timestamp())}"


def _stat(query: MetricQuery) -> dict:
    dimensions = [{"Name": str(k), "Value": str(v)} for k, v in sorted(query.dimensions.items())]
    return {
        "Metric": {
            "Namespace": query.namespace,
            "MetricName": query.metric_name,
            "Dimensions": dimensions,
        },
        "Period": max(query.period_seconds, MIN_PERIOD_SECONDS),
        "Stat": query.statistic,
    }


def _read(queries: list[MetricQuery], *, end: datetime) -> list[Series]:
    scope = queries[0].scope
    series = {f"m{n}": Series(query) for n, query in enumerate(queries)}
    try:
        client = client_for(scope, "cloudwatch")
        pages = client.get_paginator("get_metric_data").paginate(
            MetricDataQueries=[
                {"Id": key, "MetricStat": _stat(one.query), "ReturnData": True}
                for key, one in series.items()
            ][:QUERIES_PER_CALL],
            StartTime=end - WEEK,
            EndTime=end,
            ScanBy="TimestampAscending",
        )
        for page in pages:
            for result in page.get("MetricDataResults", []):
                one = series.get(result.get("Id"))
                if one is None:
                    continue
                stamps, values = result.get("Timestamps", []), result.get("Values", [])
                # In UTC once: botocore's dateutil zones make each later sum a hundred times dearer.
                one.points.extend(
                    (stamp.astimezone(UTC), float(value))
                    for stamp, value in zip(stamps, values, strict=False)
                    if isinstance(stamp, datetime)
                    and isinstance(value, int | float)
                    and math.isfinite(value)
                )
    except (BotoCoreError, ClientError) as error:
        reason = describe_error(error, scope)
        for one in series.values():
            one.error = reason
            one.points = []
    for one in series.values():
        one.points.sort()
    return list(series.values())


# Drawing


def nice_top(value: float) -> float:
    """The top of a value axis: 1, 2, 2.5 or 5 times a power of ten, at or above `value`."""
    if value <= 0:
        return 1.0
    magnitude = 10 ** math.floor(math.log10(value))
    for step in (1, 2, 2.5, 5, 10):
        if value <= step * magnitude:
            return step * magnitude
    return 10 * magnitude


def number(value: float) -> str:
    """A figure as people read it: 12, 3.4, 0.027, 1.2k, 4.5M."""
    if abs(value) >= 1_000_000:
        return f"{value / 1_000_000:.1f}M".replace(".0M", "M")
    if abs(value) >= 10_000:
        return f"{value / 1000:.1f}k".replace(".0k", "k")
    if value == int(value):
        return f"{int(value):,}"
    return f"{value:.3g}"


def thinned(points: list[tuple[datetime, float]], *, buckets: int) -> list[tuple[datetime, float]]:
    """At most two points a bucket of time, the lowest and the highest in the order they came:
    a line no eye can tell from the whole, spikes and dips kept, in far fewer bytes."""
    if len(points) <= 2 * buckets:
        return points
    start = points[0][0]
    span = (points[-1][0] - start).total_seconds() or 1.0
    kept: list[tuple[datetime, float]] = []
    group: list[tuple[datetime, float]] = []
    current = 0
    for point in points:
        bucket = min(int((point[0] - start).total_seconds() / span * buckets), buckets - 1)
        if bucket != current and group:
            kept.extend(_extremes(group))
            group = []
        current = bucket
        group.append(point)
    kept.extend(_extremes(group))
    return kept


def _extremes(group: list[tuple[datetime, float]]) -> list[tuple[datetime, float]]:
    low = min(group, key=lambda point: point[1])
    high = max(group, key=lambda point: point[1])
    return [low] if low is high else sorted([low, high])


def line_chart(series: Series, *, end: datetime) -> Chart:
    """The past week of one metric as a line over a zero-based axis; days along the bottom;
    its text alternative says the latest, the highest and the lowest, and tables each day."""
    query = series.query
    statistic = Statistic(query.statistic).label
    width, height = 1160, 360
    left, right, top, bottom = 110, 16, 24, 56
    plot_width, plot_height = width - left - right, height - top - bottom
    chart = Chart(
        key=f"metric-{query.pk}",
        width=width,
        height=height,
        title=f"{query.label}: {query.metric_name} {statistic}, past 7 days",
        summary="",
        table_head=["Day", f"{statistic} (highest point)"],
        table_rows=[],
    )
    if series.error:
        chart.summary = f"Not read from CloudWatch: {series.error}"
        return chart
    if not series.points:
        chart.summary = "No data points in the past 7 days."
        return chart
    values = [value for _, value in series.points]
    latest_at, latest = series.points[-1]
    highest = max(series.points, key=lambda point: point[1])
    chart.summary = (
        f"Latest {number(latest)} ({timezone.localtime(latest_at):%a %H:%M}); highest "
        f"{number(highest[1])} ({timezone.localtime(highest[0]):%a %H:%M}); lowest "
        f"{number(min(values))}."
    )
    line = query.threshold
    if line is not None:
        above = sum(value > line for value in values)
        chart.summary += f" {above} of {len(values)} readings above the line at {number(line)}."
    axis_top = nice_top(max(max(values), line or 0, 0))
    start = end - WEEK
    span = WEEK.total_seconds()
    base = top + plot_height

    def x_of(moment: datetime) -> float:
        return round(left + plot_width * (moment - start).total_seconds() / span, 1)

    def y_of(value: float) -> float:
        return round(base - plot_height * max(value, 0) / axis_top, 1)

    for tick in (0, axis_top / 2, axis_top):
        y = y_of(tick)
        chart.lines.append((left, y, width - right, y))
        chart.labels.append(Label(left - 12, y + 10, number(tick), "end"))
    if line is not None:  # under the metric's line, which it must not hide
        y = y_of(line)
        chart.polylines.append(("threshold-line", f"{left},{y} {width - right},{y}"))
        chart.labels.append(
            Label(
                left + 10,
                max(y - 10, top + 20),
                f"line at {number(line)}",
                "start",
                "chart-label threshold-label",
            )
        )
    drawn = thinned(series.points, buckets=plot_width // PIXELS_PER_BUCKET)
    points = " ".join(f"{x_of(moment)},{y_of(value)}" for moment, value in drawn)
    chart.polylines.append(("metric-line", points))
    days: dict[str, float] = {}
    zone = timezone.get_current_timezone()  # the viewer's; looked up once, not per point
    for moment, value in series.points:
        day = f"{moment.astimezone(zone):%a %-d %b}"
        days[day] = max(days.get(day, value), value)
    chart.table_rows = [[day, number(value)] for day, value in days.items()]
    for n in range(7):
        midday = start + timedelta(days=n, hours=12)
        chart.labels.append(Label(x_of(midday), height - 16, f"{timezone.localtime(midday):%a}"))
    return chart


def metric_charts_end(until: datetime | None = None) -> datetime:
    """The end of the week a meeting charts: the last full hour, or for a meeting that is done,
    the last full hour before it finished."""
    now = timezone.now()
    return week_ending(min(until, now) if until else now)


def team_has_metrics(team) -> bool:
    return team is not None and MetricQuery.objects.filter(team=team).exists()


def team_metric_charts(team, *, end: datetime | None = None) -> list[Chart]:
    """The team's key metrics for the meeting, one chart each, in the team's order (one query
    here, and AWS once an hour)."""
    queries = list(
        MetricQuery.objects.filter(team=team).select_related("scope").order_by("position", "pk")
    )
    if not queries:
        return []
    end = end or week_ending()
    return [line_chart(series, end=end) for series in team_series(queries, end=end)]
