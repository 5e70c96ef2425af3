"""What each manager's report says: built for many managers at once from a few queries."""

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from itertools import batched

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import AbstractBaseUser
from django.db.models import F
from django.urls import reverse
from django.utils.formats import date_format

from opsreview.actions.models import ActionItem, ItemStatus, Term
from opsreview.org.links import path_for
from opsreview.org.models import Team
from opsreview.org.people import display_name
from opsreview.org.zones import site_date, site_datetime, site_today

from .models import DeliveryStatus, ReportDelivery, ReportKind

TERM_ORDER = [Term.SHORT, Term.MEDIUM, Term.LONG]
# Managers whose reports are built, claimed and sent together, by one task.
REPORT_BATCH_SIZE = 100


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
    today = site_today()
    return today if start <= today < end else start


def _next_month(day: date) -> date:
    return date(day.year + day.month // 12, day.month % 12 + 1, 1)


def _quarter_end(day: date) -> date:
    """The first day after the quarter that contains `day`."""
    first_month_of_next = (day.month - 1) // 3 * 3 + 4
    if first_month_of_next > 12:
        return date(day.year + 1, 1, 1)
    return date(day.year, first_month_of_next, 1)


@dataclass(slots=True, eq=False)
class ReportItem:
    """An action item as the reports show it, read as plain values rather than as a model
    instance: building a hundred instances a report cost more than the rest of its build. Its
    rules are the model's own, which read only these fields."""

    pk: int
    title: str
    term: str
    due_date: date
    status: str
    completed_at: datetime | None
    owner_id: int
    team_id: int
    coe_id: int | None
    coe_title: str | None
    incident_id: int | None
    incident_title: str | None
    meeting: str | None  # the name of the ops meeting it came from
    team: Team | None = None
    owner: AbstractBaseUser | None = None
    # What an email row shows (RowFormatter.dress).
    path: str = ""
    owner_name: str = ""
    due: str = ""
    days_late: int = 0

    is_open = ActionItem.is_open
    is_overdue = ActionItem.is_overdue
    days_overdue = ActionItem.days_overdue

    def get_term_display(self) -> str:
        return Term(self.term).label


@dataclass
class TermGroup:
    term: str
    label: str
    items: list[ReportItem]


@dataclass
class TeamSection:
    team: Team
    terms: list[TermGroup]

    @property
    def count(self) -> int:
        return sum(len(group.items) for group in self.terms)


def _by_team_and_term(teams: list[Team], items: list[ReportItem]) -> list[TeamSection]:
    by_team: dict[int, list[ReportItem]] = defaultdict(list)
    for item in items:
        by_team[item.team_id].append(item)
    sections = []
    for team in teams:
        mine = by_team.get(team.pk, [])
        groups = [
            TermGroup(term, Term(term).label, [item for item in mine if item.term == term])
            for term in TERM_ORDER
        ]
        groups = [group for group in groups if group.items]
        if groups:
            sections.append(TeamSection(team, groups))
    return sections


ID_PLACEHOLDER = 918273645


class RowFormatter:
    """What an email row shows, worked out once per report run rather than once per row in the
    template: item links from one reversed prefix, each distinct date formatted once."""

    def __init__(self) -> None:
        head, tail = reverse("actions:action_detail", args=[ID_PLACEHOLDER]).split(
            str(ID_PLACEHOLDER)
        )
        self._head, self._tail = head, tail
        self._dates: dict[tuple[date, str], str] = {}

    def date(self, day: date, pattern: str) -> str:
        """`{{ day|date:pattern }}`, remembered."""
        key = (day, pattern)
        if key not in self._dates:
            self._dates[key] = date_format(day, pattern)
        return self._dates[key]

    def dress(self, item: ReportItem, *, on: date, due_pattern: str) -> ReportItem:
        """Sets item.path (its page, site-relative), owner_name, due (the due date in
        `due_pattern`) and days_late (as of `on`) for the templates."""
        item.path = f"{self._head}{item.pk}{self._tail}"
        item.owner_name = display_name(item.owner)
        item.due = self.date(item.due_date, due_pattern)
        item.days_late = item.days_overdue(on)
        return item


@dataclass
class WeeklyReport:
    recipient: AbstractBaseUser
    period: str
    on: date
    teams: list[TeamSection]
    due_soon: list[ReportItem]
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
    due_this_month: list[ReportItem]
    due_this_quarter: list[ReportItem]
    completed: list[ReportItem]
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


def _teams_by_manager(recipients: list) -> dict[int, list[Team]]:
    teams: dict[int, list[Team]] = defaultdict(list)
    for team in Team.objects.filter(manager__in=recipients).order_by("name"):
        teams[team.manager_id].append(team)
    return teams


# The values of a ReportItem, in order; its source is named by the title of its COE or incident,
# or by its meeting. Its owner and team are read apart, once each.
ITEM_VALUES = (
    *("pk", "title", "term", "due_date", "status", "completed_at", "owner_id", "team_id"),
    *("coe_id", F("coe__title"), "incident_id", F("incident__title"), F("meeting__week")),
)
OWNER_FIELDS = ("username", "first_name", "last_name")


def _items_of(teams: list[Team]):
    return (
        ActionItem.objects.filter(team__in=teams)
        .order_by("due_date", "pk")
        .values_list(*ITEM_VALUES)
    )


def _items_by_team(rows, teams: dict[int, list[Team]]) -> dict[int, list[ReportItem]]:
    """The items by team id, each holding its team and owner: one more query in all for the
    owners, rather than one owner row read and built per item."""
    rows = list(rows)
    # A meeting is named as it names itself, from the week it was read with.
    meeting_model = ActionItem._meta.get_field("meeting").related_model
    meetings = {None: None} | {
        week: str(meeting_model(week=week)) for week in {row[-1] for row in rows} - {None}
    }
    items = [ReportItem(*row[:-1], meeting=meetings[row[-1]]) for row in rows]
    team_by_id = {team.pk: team for managed in teams.values() for team in managed}
    owners = get_user_model().objects.only(*OWNER_FIELDS).in_bulk({i.owner_id for i in items})
    by_team: dict[int, list[ReportItem]] = defaultdict(list)
    for item in items:
        item.team, item.owner = team_by_id[item.team_id], owners[item.owner_id]
        by_team[item.team_id].append(item)
    return by_team


def _items_for(teams: list[Team], by_team: dict[int, list[ReportItem]]) -> list[ReportItem]:
    items = [item for team in teams for item in by_team.get(team.pk, [])]
    items.sort(key=lambda item: (item.due_date, item.pk))
    return items


def build_weekly_reports(recipients, *, period: str, compare: bool = True) -> list[WeeklyReport]:
    """Each recipient's weekly report: overdue items by team then term (short first), items due
    in the week ahead, and (with `compare`) the change in the overdue count since last week's
    report. Four queries for any number of recipients and items (three without `compare`).
    """
    recipients = list(recipients)
    start = week_start(period)
    on = _as_of(start, start + timedelta(days=7))
    teams = _teams_by_manager(recipients)
    every_team = [team for managed in teams.values() for team in managed]
    by_team = _items_by_team(_items_of(every_team).overdue_or_due_soon(on), teams)
    previous = compare and dict(
        ReportDelivery.objects.filter(
            recipient__in=recipients,
            kind=ReportKind.WEEKLY,
            period=week_period(start - timedelta(days=7)),
            status=DeliveryStatus.SENT,
        ).values_list("recipient_id", "overdue_count")
    )
    rows = RowFormatter()
    reports = []
    for recipient in recipients:
        items = _items_for(teams[recipient.pk], by_team)
        overdue = [rows.dress(i, on=on, due_pattern="j M Y") for i in items if i.is_overdue(on)]
        due_soon = [
            rows.dress(i, on=on, due_pattern="D j M") for i in items if not i.is_overdue(on)
        ]
        reports.append(
            WeeklyReport(
                recipient=recipient,
                period=period,
                on=on,
                teams=_by_team_and_term(teams[recipient.pk], overdue),
                due_soon=due_soon,
                previous_overdue_count=previous.get(recipient.pk) if previous else None,
            )
        )
    return reports


def build_weekly_report(recipient, *, period: str, compare: bool = True) -> WeeklyReport:
    return build_weekly_reports([recipient], period=period, compare=compare)[0]


def build_monthly_reports(recipients, *, period: str) -> list[MonthlyReport]:
    """Long-term items: overdue, due this month, due later this quarter, completed last month.
    Three queries for any number of recipients and items."""
    recipients = list(recipients)
    start = month_start(period)
    month_end, quarter_end = _next_month(start), _quarter_end(start)
    on = _as_of(start, month_end)
    last_month = date(start.year - (start.month == 1), (start.month - 2) % 12 + 1, 1)
    teams = _teams_by_manager(recipients)
    every_team = [team for managed in teams.values() for team in managed]
    by_team = _items_by_team(_items_of(every_team).filter(term=Term.LONG), teams)
    rows = RowFormatter()
    reports = []
    for recipient in recipients:
        items = _items_for(teams[recipient.pk], by_team)
        open_items = [item for item in items if item.is_open]
        overdue = [
            rows.dress(i, on=on, due_pattern="j M Y") for i in open_items if i.is_overdue(on)
        ]
        this_month = [i for i in open_items if on <= i.due_date < month_end]
        this_quarter = [i for i in open_items if month_end <= i.due_date < quarter_end]
        reports.append(
            MonthlyReport(
                recipient=recipient,
                period=period,
                on=on,
                overdue=_by_team_and_term(teams[recipient.pk], overdue),
                due_this_month=[rows.dress(i, on=on, due_pattern="j M") for i in this_month],
                due_this_quarter=[rows.dress(i, on=on, due_pattern="j M") for i in this_quarter],
                completed=[
                    item
                    for item in items
                    if item.status == ItemStatus.DONE
                    and item.completed_at
                    and last_month <= site_date(item.completed_at) < start
                ],
            )
        )
    return reports


def build_monthly_report(recipient, *, period: str) -> MonthlyReport:
    return build_monthly_reports([recipient], period=period)[0]


@dataclass
class AnniversaryCoe:
    """A COE of a year ago as the anniversary digest lists it, with its items not done."""

    pk: int
    title: str
    team: Team
    created_at: datetime
    items: list[ReportItem] = field(default_factory=list)

    @property
    def path(self) -> str:
        return path_for("coe:coe_detail", self.pk)


@dataclass
class AnniversaryReport:
    recipient: AbstractBaseUser
    period: str
    on: date
    year_ago: date  # the first day of the month, a year before the period, whose COEs are listed
    coes: list[AnniversaryCoe]
    kind: str = field(default=ReportKind.ANNIVERSARY)

    @property
    def overdue_count(self) -> int:
        return sum(1 for coe in self.coes for item in coe.items if item.days_late)

    @property
    def item_count(self) -> int:
        return sum(len(coe.items) for coe in self.coes)

    @property
    def is_empty(self) -> bool:
        return not self.coes


def _year_ago(start: date) -> tuple[datetime, datetime]:
    """The month a year before the one starting on `start`, as the site's time zone reads it:
    from its first moment to the first moment of the month after."""
    first = date(start.year - 1, start.month, 1)
    return site_datetime(first), site_datetime(_next_month(first))


def _year_ago_items(since: datetime, until: datetime):
    """Items not done (neither done nor won't do) of the COEs created from `since` to `until`:
    a COE is dated by its creation, which every COE has, near misses without an incident too."""
    return ActionItem.objects.open().filter(coe__created_at__gte=since, coe__created_at__lt=until)


# An item of a year-ago COE, then its COE's team and creation time; it is listed under its COE,
# so the meeting that may also name it is not read.
ANNIVERSARY_ITEM_VALUES = (*ITEM_VALUES[:-1], "coe__team_id", "coe__created_at")


def build_anniversary_reports(recipients, *, period: str) -> list[AnniversaryReport]:
    """The COEs that each recipient's teams created in the same month a year earlier, each with
    its items not done: owner, due date and whether it is overdue. A COE whose items are all
    done or dropped is not listed, so a recipient with none left has an empty report and gets
    no email. Three queries for any number of recipients and items.
    """
    recipients = list(recipients)
    start = month_start(period)
    since, until = _year_ago(start)
    on = _as_of(start, _next_month(start))
    teams = _teams_by_manager(recipients)
    team_by_id = {team.pk: team for managed in teams.values() for team in managed}
    rows = (
        _year_ago_items(since, until)
        .filter(coe__team__in=team_by_id)
        .order_by("coe__created_at", "coe_id", "due_date", "pk")
        .values_list(*ANNIVERSARY_ITEM_VALUES)
    )
    coes: dict[int, AnniversaryCoe] = {}
    for *values, coe_team_id, created_at in rows:
        item = ReportItem(*values, meeting=None)
        if item.coe_id not in coes:
            coes[item.coe_id] = AnniversaryCoe(
                item.coe_id, item.coe_title, team_by_id[coe_team_id], created_at
            )
        coes[item.coe_id].items.append(item)
    items = [item for coe in coes.values() for item in coe.items]
    owners = get_user_model().objects.only(*OWNER_FIELDS).in_bulk({i.owner_id for i in items})
    formatter = RowFormatter()
    for item in items:
        item.owner = owners[item.owner_id]
        formatter.dress(item, on=on, due_pattern="j M Y")
    by_team: dict[int, list[AnniversaryCoe]] = defaultdict(list)
    for coe in coes.values():
        by_team[coe.team.pk].append(coe)
    return [
        AnniversaryReport(
            recipient=recipient,
            period=period,
            on=on,
            year_ago=site_date(since),
            # By team, then oldest first.
            coes=[coe for team in teams[recipient.pk] for coe in by_team[team.pk]],
        )
        for recipient in recipients
    ]


BUILDERS = {
    ReportKind.WEEKLY: build_weekly_reports,
    ReportKind.MONTHLY: build_monthly_reports,
    ReportKind.ANNIVERSARY: build_anniversary_reports,
}


def build_reports(recipients, *, kind: str, period: str) -> list:
    """Every recipient's report of a kind, in order, from a constant number of queries."""
    return BUILDERS[kind](recipients, period=period)


def build_report(recipient, *, kind: str, period: str):
    return build_reports([recipient], kind=kind, period=period)[0]


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


def anniversary_recipients(period: str):
    """Active managers of teams that created a COE in the month a year before `period` whose
    items are not all done. Nobody else gets the digest, REPORT_SEND_ALL_CLEAR or not: it has
    nothing to say to them."""
    team_ids = _year_ago_items(*_year_ago(month_start(period))).values("coe__team_id")
    return (
        get_user_model()
        .objects.filter(is_active=True, managed_teams__in=team_ids)
        .distinct()
        .order_by("pk")
    )


def report_batches(kind: str, period: str) -> list[list[int]]:
    """The recipients of a kind of report for a period, by id, a batch at a time."""
    if kind == ReportKind.ANNIVERSARY:
        recipients = anniversary_recipients(period)
    else:
        recipients = report_recipients(kind)
    recipients = recipients.values_list("pk", flat=True)
    return [list(batch) for batch in batched(recipients, REPORT_BATCH_SIZE)]


def report_context(report) -> dict:
    return {"report": report, "recipient": report.recipient}
