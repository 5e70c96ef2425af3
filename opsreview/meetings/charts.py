"""The projector's charts, drawn on the server as SVG: incidents per week by severity for the
chosen team, and overdue items by team. Sized in CSS pixels for a 1920-wide screen so every
label is at least LABEL_SIZE tall; each chart carries its own text alternative (a title, a
one-sentence summary and the figures as a table)."""

from collections.abc import Sequence

from incidents.models import Severity
from opsreview.org.charts import LABEL_SIZE, Chart, Label, Rect, nice_ceiling

from .agenda import WeekCount

ROW_HEIGHT = 64
MAX_TEAMS_DRAWN = 6
MAX_NAME_CHARS = 22


def _plural(count: int, word: str) -> str:
    return f"{count} {word}{'' if count == 1 else 's'}"


def _week(monday) -> str:
    return f"{monday.day} {monday:%b}"


def incidents_per_week(team_name: str, weeks: Sequence[WeekCount]) -> Chart:
    """Stacked bars, one per week, Sev-1 at the bottom; the axis starts at zero."""
    width, height = 1160, 440
    left, right, top, bottom = 80, 16, 24, 64
    plot_width, plot_height = width - left - right, height - top - bottom
    severities = list(Severity)
    totals = [week.total for week in weeks]
    total = sum(totals)
    peak = max(totals, default=0)
    axis_top = nice_ceiling(max(peak, 1))
    slot = plot_width / max(len(weeks), 1)
    every = 1 if slot >= 95 else 2
    chart = Chart(
        key="incidents",
        width=width,
        height=height,
        title=f"{team_name}: incidents per week by severity, last {len(weeks)} weeks",
        summary="",
        table_head=["Week of", *[severity.label for severity in severities], "Total"],
        table_rows=[
            [_week(w.monday), *[str(w.by_severity[s]) for s in severities], str(w.total)]
            for w in weeks
        ],
        legend=[(f"sev-fill-{severity.value}", severity.label) for severity in severities],
    )
    if total:
        busiest = max(weeks, key=lambda w: w.total)
        chart.summary = (
            f"{_plural(total, 'incident')} in {len(weeks)} weeks; the most in the week of "
            f"{_week(busiest.monday)} ({busiest.total})."
        )
    else:
        chart.summary = f"No incidents in {len(weeks)} weeks."
    base = top + plot_height
    for tick in (0, axis_top // 2, axis_top):
        y = base - plot_height * tick / axis_top
        chart.lines.append((left, y, width - right, y))
        chart.labels.append(Label(left - 12, y + LABEL_SIZE / 3, str(tick), "end"))
    for n, week in enumerate(weeks):
        x = left + slot * n + slot * 0.2
        y = base
        for severity in severities:
            count = week.by_severity[severity]
            if not count:
                continue
            bar = plot_height * count / axis_top
            y -= bar
            chart.rects.append(
                Rect(
                    round(x, 2),
                    round(y, 2),
                    round(slot * 0.6, 2),
                    round(bar, 2),
                    f"sev-fill-{severity.value}",
                    f"Week of {_week(week.monday)}: {count} {severity.label}",
                )
            )
        if n % every == (len(weeks) - 1) % every:
            chart.labels.append(Label(round(x + slot * 0.3, 2), height - 16, _week(week.monday)))
    return chart


def _short(name: str) -> str:
    return name if len(name) <= MAX_NAME_CHARS else name[: MAX_NAME_CHARS - 1].rstrip() + "…"


def overdue_by_team(
    rows: Sequence[tuple[str, int]], *, total: int | None = None, team_count: int | None = None
) -> Chart:
    """Horizontal bars, most overdue first; the rest of the teams are summed in the summary.

    `rows` may be the most overdue teams only: `total` and `team_count` then cover them all."""
    drawn = list(rows[:MAX_TEAMS_DRAWN])
    total = sum(count for _, count in rows) if total is None else total
    team_count = len(rows) if team_count is None else team_count
    rest_teams = team_count - len(drawn)
    rest_items = total - sum(count for _, count in drawn)
    width = 1600
    label_width, count_width = 440, 90
    height = max(len(drawn), 1) * ROW_HEIGHT + 16
    table_rows = [[name, str(count)] for name, count in rows]
    if team_count > len(rows):
        others = total - sum(count for _, count in rows)
        table_rows.append([_plural(team_count - len(rows), "other team"), str(others)])
    chart = Chart(
        key="overdue",
        width=width,
        height=height,
        title="Overdue action items by team",
        summary="",
        table_head=["Team", "Overdue items"],
        table_rows=table_rows,
    )
    if not total:
        chart.summary = "No action item is overdue."
        return chart
    worst = drawn[0]
    chart.summary = (
        f"{_plural(total, 'overdue item')} across {_plural(team_count, 'team')}; "
        f"the most in {worst[0]} ({worst[1]})."
    )
    if rest_teams > 0:
        chart.summary += (
            f" Not drawn: {_plural(rest_teams, 'more team')} with {rest_items} between them."
        )
    bar_space = width - label_width - count_width
    peak = max(count for _, count in drawn)
    for n, (name, count) in enumerate(drawn):
        y = 8 + n * ROW_HEIGHT
        bar = max(bar_space * count / peak, 4)
        middle = y + ROW_HEIGHT / 2 + LABEL_SIZE / 3
        chart.labels.append(Label(label_width - 20, middle, _short(name), "end"))
        chart.rects.append(
            Rect(
                label_width,
                y + 10,
                round(bar, 2),
                ROW_HEIGHT - 20,
                "overdue-fill",
                f"{name}: {count}",
            )
        )
        chart.labels.append(Label(label_width + bar + 14, middle, str(count), "start"))
    return chart
