"""What each manager's report says: built from a few queries per manager, whatever the items."""

from dataclasses import dataclass, field
from datetime import date, timedelta

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import AbstractBaseUser
from django.utils import timezone

from opsreview.actions.models import ActionItem, ItemStatus, Term
from opsreview.org.models import Team

from .models import DeliveryStatus, ReportDelivery, ReportKind

TERM_ORDER = [Term.SHORT, Term.MEDIUM, Term.LONG]


# Reports cover these years: a report compares with the period before and looks a quarter ahead,
# which near year 1 or 9999 leaves the calendar, and periods that far off are typing mistakes.
FIRST_REPORT_YEAR = 2000
LAST_REPORT_YEAR = 2099


class PeriodOutOfRange(ValueError):
    """A well-formed period outside the years reports cover; its message says which ones do."""


def week_period(day: date) -> str:
    year, week, _ = day.isocalendar()
    return f"{year}-W{week:02d}"


def week_start(period: str) -> date:
    """The Monday of an ISO week such as 2026-W48 (ValueError if it is not one, or
    PeriodOutOfRange if it is outside the years reports cover)."""
    year, week = period.split("-W")
    start = date.fromisocalendar(int(year), int(week), 1)
    first, last = date.fromisocalendar(FIRST_REPORT_YEAR, 1, 1), date(LAST_REPORT_YEAR, 12, 28)
    if not first <= start <= last:
        raise PeriodOutOfRange(
            f"Choose a week between {week_period(first)} and {week_period(last)}."
        )
    return start


def month_period(day: date) -> str:
    return f"{day:%Y-%m}"


def month_start(period: str) -> date:
    """The first day of a month such as 2026-11 (ValueError if it is not one, or
    PeriodOutOfRange if it is outside the years reports cover)."""
    year, month = period.split("-")
    start = date(int(year), int(month), 1)
    if not FIRST_REPORT_YEAR <= start.year <= LAST_REPORT_YEAR:
        raise PeriodOutOfRange(
            f"Choose a month between {FIRST_REPORT_YEAR}-01 and {LAST_REPORT_YEAR}-12."
        )
    return start


def _as_of(start: date, end: date) -> date:
    """Reports speak as of today while their period runs, else as of the period's first day."""
    today = timezone.localdate()
    return today if start <= today < end else start


def _next_month(day: date) -> date:
    return date(day.year + day.month // 12, day.month % 12 + 1, 1)


def _quarter_end(day: date) -> date:
    """The first day after the quarter that contains `day`."""
    first_month_of_next = (day.month - 1) // 3 * 3 + 4
    if first_month_of_next > 12:
        return date(day.year + 1, 1, 1)
    return date(day.year, first_month_of_next, 1)


@dataclass
class TermGroup:
    term: str
    label: str
    items: list[ActionItem]


@dataclass
class TeamSection:
    team: Team
    terms: list[TermGroup]

    @property
    def count(self) -> int:
        return sum(len(group.items) for group in self.terms)


def _by_team_and_term(teams: list[Team], items: list[ActionItem]) -> list[TeamSection]:
    sections = []
    for team in teams:
        mine = [item for item in items if item.team_id == team.pk]
        groups = [
            TermGroup(term, Term(term).label, [item for item in mine if item.term == term])
            for term in TERM_ORDER
        ]
        groups = [group for group in groups if group.items]
        if groups:
            sections.append(TeamSection(team, groups))
    return sections


@dataclass
class WeeklyReport:
    recipient: AbstractBaseUser
    period: str
    on: date
    teams: list[TeamSection]
    due_soon: list[ActionItem]
    previous_overdue_count: int | None = None
    kind: str = field(default=ReportKind.WEEKLY)

    @property
    def overdue_count(self) -> int:
        return sum(section.count for section in self.teams)

    @property
    def item_count(self) -> int:
        return self.overdue_count + len(self.due_soon)

    @property
    def change(self) -> int | None:
        if self.previous_overdue_count is None:
            return None
        return self.overdue_count - self.previous_overdue_count

    @property
    def is_empty(self) -> bool:
        return not self.item_count


@dataclass
class MonthlyReport:
    recipient: AbstractBaseUser
    period: str
    on: date
    overdue: list[TeamSection]
    due_this_month: list[ActionItem]
    due_this_quarter: list[ActionItem]
    completed: list[ActionItem]
    kind: str = field(default=ReportKind.MONTHLY)

    @property
    def overdue_count(self) -> int:
        return sum(section.count for section in self.overdue)

    @property
    def item_count(self) -> int:
        return (
            self.overdue_count
            + len(self.due_this_month)
            + len(self.due_this_quarter)
            + len(self.completed)
        )

    @property
    def is_empty(self) -> bool:
        return not self.item_count


def _teams_managed_by(recipient) -> list[Team]:
    return list(Team.objects.filter(manager=recipient).order_by("name"))


def _items_of(teams: list[Team]):
    return (
        ActionItem.objects.filter(team__in=teams)
        .select_related("owner", "team", "coe", "incident", "meeting")
        .order_by("due_date", "pk")
    )


def build_weekly_report(recipient, *, period: str) -> WeeklyReport:
    """Overdue items by team then term (short first), items due in the week ahead, and the
    change in the overdue count since last week's report: three queries, any number of items.
    """
    start = week_start(period)
    on = _as_of(start, start + timedelta(days=7))
    teams = _teams_managed_by(recipient)
    items = list(_items_of(teams).overdue_or_due_soon(on))
    previous = (
        ReportDelivery.objects.filter(
            recipient=recipient,
            kind=ReportKind.WEEKLY,
            period=week_period(start - timedelta(days=7)),
            status=DeliveryStatus.SENT,
        )
        .values_list("overdue_count", flat=True)
        .first()
    )
    return WeeklyReport(
        recipient=recipient,
        period=period,
        on=on,
        teams=_by_team_and_term(teams, [item for item in items if item.is_overdue(on)]),
        due_soon=[item for item in items if not item.is_overdue(on)],
        previous_overdue_count=previous,
    )


def build_monthly_report(recipient, *, period: str) -> MonthlyReport:
    """Long-term items: overdue, due this month, due later this quarter, completed last month."""
    start = month_start(period)
    month_end, quarter_end = _next_month(start), _quarter_end(start)
    on = _as_of(start, month_end)
    last_month = date(start.year - (start.month == 1), (start.month - 2) % 12 + 1, 1)
    teams = _teams_managed_by(recipient)
    items = list(_items_of(teams).filter(term=Term.LONG))
    open_items = [item for item in items if item.is_open]
    return MonthlyReport(
        recipient=recipient,
        period=period,
        on=on,
        overdue=_by_team_and_term(teams, [i for i in open_items if i.is_overdue(on)]),
        due_this_month=[i for i in open_items if on <= i.due_date < month_end],
        due_this_quarter=[i for i in open_items if month_end <= i.due_date < quarter_end],
        completed=[
            item
            for item in items
            if item.status == ItemStatus.DONE
            and item.completed_at
            and last_month <= timezone.localdate(item.completed_at) < start
        ],
    )


BUILDERS = {ReportKind.WEEKLY: build_weekly_report, ReportKind.MONTHLY: build_monthly_report}


def build_report(recipient, *, kind: str, period: str):
    return BUILDERS[kind](recipient, period=period)


def current_period(kind: str, today: date) -> str:
    return week_period(today) if kind == ReportKind.WEEKLY else month_period(today)


def report_recipients(kind: str):
    """Active managers of teams with open items (long-term ones for the monthly report)."""
    items = ActionItem.objects.open()
    if kind == ReportKind.MONTHLY:
        items = items.filter(term=Term.LONG)
    team_ids = items.values("team_id")
    if settings.REPORT_SEND_ALL_CLEAR:
        team_ids = Team.objects.values("pk")
    return (
        get_user_model()
        .objects.filter(is_active=True, managed_teams__in=team_ids)
        .distinct()
        .order_by("pk")
    )


def report_context(report) -> dict:
    return {"report": report, "recipient": report.recipient}
