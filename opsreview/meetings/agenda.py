"""The agenda a meeting runs from, built from the week's data each time it is shown: what went
well, what happened, one team's figures, and what the organisation still owes. A fixed number
of queries whatever the size of the week or of the organisation, and a bounded number of rows:
each list brings its first few rows and how many there are in all."""

import statistics
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from django.conf import settings
from django.db.models import (
    Avg,
    BooleanField,
    Case,
    Count,
    DurationField,
    ExpressionWrapper,
    F,
    OuterRef,
    Prefetch,
    Q,
    QuerySet,
    Subquery,
    Sum,
    Value,
    When,
    Window,
    prefetch_related_objects,
)
from django.db.models.functions import RowNumber

from coe.models import Coe, CoeReview, ReviewDecision
from incidents.models import MAJOR_SEVERITIES, Incident, Severity
from opsreview.actions.counts import team_counts
from opsreview.actions.models import OPEN_ITEM_STATUSES, ActionItem, ItemStatus, Term
from opsreview.actions.selectors import (
    ITEM_ROW_RELATED,
    ROW_UNSHOWN,
    ChangerScope,
    changer_scope,
    changer_scope_annotations,
    mark_changeable,
)
from opsreview.org.models import Team
from opsreview.org.pagination import Excerpt, count_subquery, excerpt
from opsreview.org.zones import site_date, site_datetime

from .models import DeepDive, MeetingSection, OpsMeeting, SectionKey, Win

QUIET_WEEKS = 4  # a team with no Sev-1/2 for this long is celebrated
TREND_WEEKS = 12  # the chosen team's incidents per week, this far back
SHOWN = 10  # rows of a list the meeting shows; the rest are counted
SHOWN_WINS = 20
SHOWN_TEAMS = 20  # quiet teams named, teams in the overdue table
SHOWN_RAISED = 50  # items raised in this meeting
COE_WATCH_SHOWN = 5  # incidents needing a COE named on the projector


@dataclass
class Success:
    wins: Excerpt
    items_finished: Excerpt
    coes_approved: Excerpt
    quiet_teams: Excerpt

    @property
    def is_empty(self) -> bool:
        return not (self.wins or self.items_finished or self.coes_approved or self.quiet_teams)


@dataclass
class SeverityFigures:
    """The incidents of one severity in the period: the newest few, and figures over all."""

    incidents: Excerpt = field(default_factory=Excerpt)
    mean_time_to_detect: timedelta | None = None
    mean_time_to_mitigate: timedelta | None = None
    mean_time_to_resolve: timedelta | None = None
    without_coe: int = 0

    @property
    def count(self) -> int:
        return self.incidents.total


@dataclass
class CoeWatch:
    """Incidents whose severity requires a COE: those still without one first, a few by name."""

    shown: list[Incident]
    total: int
    missing: int

    @property
    def more(self) -> int:
        return max(self.total - len(self.shown), 0)


@dataclass
class Events:
    by_severity: dict[Severity, SeverityFigures]
    deep_dives: Excerpt
    coe_watch: CoeWatch

    @property
    def incident_count(self) -> int:
        return sum(figures.count for figures in self.by_severity.values())

    @property
    def is_empty(self) -> bool:
        return not (self.incident_count or self.deep_dives)


@dataclass
class WeekCount:
    monday: date
    by_severity: dict[Severity, int]

    @property
    def total(self) -> int:
        return sum(self.by_severity.values())


@dataclass
class TeamFigures:
    team: Team
    weeks: list[WeekCount]
    median_time_to_mitigate: timedelta | None
    open_by_term: dict[str, int]
    overdue_by_term: dict[str, int]


@dataclass
class Metrics:
    team: Team | None
    figures: TeamFigures | None


@dataclass
class Improvements:
    overdue: dict  # the most overdue teams by term, with totals over every team
    long_term_due: Excerpt
    earlier_items: Excerpt
    raised_here: Excerpt  # items raised in this meeting (left empty on the projector)

    @property
    def is_empty(self) -> bool:
        return not (self.overdue["total"] or self.long_term_due or self.earlier_items)


@dataclass
class AgendaSection:
    section: MeetingSection
    content: Success | Events | Metrics | Improvements

    @property
    def key(self) -> str:
        return self.section.key


@dataclass
class Agenda:
    meeting: OpsMeeting
    start: datetime
    end: datetime
    sections: list[AgendaSection] = field(default_factory=list)

    def section(self, key: str) -> AgendaSection:
        return next(part for part in self.sections if part.key == key)


def _items() -> QuerySet[ActionItem]:
    # The rows link to their sources by id; the projector names the meeting an item came from.
    return ActionItem.objects.select_related(*ITEM_ROW_RELATED, "meeting").defer(*ROW_UNSHOWN)


def _success(meeting: OpsMeeting, start: datetime, end: datetime, teams: list[dict]) -> Success:
    wins = Win.objects.filter(week=meeting.week).select_related("team", "author")
    finished = _items().filter(
        status=ItemStatus.DONE, completed_at__gte=start, completed_at__lt=end
    )
    approvals = CoeReview.objects.filter(
        decision=ReviewDecision.APPROVE, created_at__gte=start, created_at__lt=end
    )
    approved = Coe.objects.filter(pk__in=approvals.values("coe_id")).select_related("team")
    quiet = [team for team in teams if team["quiet"]]
    return Success(
        wins=excerpt(wins.order_by("created_at", "pk"), SHOWN_WINS),
        items_finished=excerpt(finished.order_by("completed_at", "pk"), SHOWN),
        coes_approved=excerpt(approved.order_by("title", "pk"), SHOWN),
        quiet_teams=Excerpt(map(_named_team, quiet[:SHOWN_TEAMS]), len(quiet)),
    )


def _duration(expression) -> ExpressionWrapper:
    return ExpressionWrapper(expression, output_field=DurationField())


def _events(meeting: OpsMeeting, start: datetime, end: datetime) -> Events:
    """One query for every severity: the newest incidents of each, the figures over all of
    them (window aggregates), and the incidents the COE watch names."""
    severity = [F("severity")]
    needs_coe = Case(
        When(severity__in=settings.INCIDENT_COE_SEVERITIES, then=Value(0)), default=Value(1)
    )
    # The COE of each incident is looked up by its unique incident column, row by row (a
    # handful of index probes), never joined: a join reads every COE to hash it.
    coes = Coe.objects.filter(incident=OuterRef("pk")).order_by()
    rows = (
        Incident.objects.filter(detected_at__gte=start, detected_at__lt=end)
        .defer("customer_impact", "customer_impact_html")
        .annotate(
            coe_pk=Subquery(coes.values("pk")[:1]),
            coe_status=Subquery(coes.values("status")[:1]),
        )
        .annotate(
            has_coe=ExpressionWrapper(Q(coe_pk__isnull=False), output_field=BooleanField()),
            rank=Window(
                RowNumber(),
                partition_by=severity,
                order_by=[F("detected_at").desc(), F("pk").desc()],
            ),
            watch_rank=Window(
                RowNumber(),
                partition_by=[needs_coe],
                order_by=[
                    F("has_coe").asc(),
                    F("severity").asc(),
                    F("detected_at").asc(),
                    F("pk").asc(),
                ],
            ),
            severity_total=Window(Count("pk"), partition_by=severity),
            without_coe=Window(
                Sum(Case(When(has_coe=False, then=Value(1)), default=Value(0))),
                partition_by=severity,
            ),
            mean_detect=Window(
                Avg(_duration(F("detected_at") - F("impact_started_at"))), partition_by=severity
            ),
            mean_mitigate=Window(
                Avg(_duration(F("mitigated_at") - F("detected_at"))), partition_by=severity
            ),
            mean_resolve=Window(
                Avg(_duration(F("resolved_at") - F("detected_at"))), partition_by=severity
            ),
        )
        .filter(Q(rank__lte=SHOWN) | Q(watch_rank__lte=COE_WATCH_SHOWN))
        .order_by("severity", "rank")
    )
    by_severity = {severity: SeverityFigures() for severity in Severity}
    watched = []
    for incident in rows:
        # Shown as "COE written" (a link, with its status) or "COE needed".
        incident.existing_coe = (
            Coe.from_db(None, ["id", "status"], [incident.coe_pk, incident.coe_status])
            if incident.coe_pk is not None
            else None
        )
        figures = by_severity[Severity(incident.severity)]
        figures.incidents.total = incident.severity_total
        figures.mean_time_to_detect = incident.mean_detect
        figures.mean_time_to_mitigate = incident.mean_mitigate
        figures.mean_time_to_resolve = incident.mean_resolve
        figures.without_coe = incident.without_coe
        if incident.rank <= SHOWN:
            figures.incidents.append(incident)
        if incident.requires_coe and incident.watch_rank <= COE_WATCH_SHOWN:
            watched.append(incident)
    watched.sort(key=lambda i: i.watch_rank)
    needing = [by_severity[s] for s in Severity if s in settings.INCIDENT_COE_SEVERITIES]
    watch = CoeWatch(
        shown=watched,
        total=sum(figures.count for figures in needing),
        missing=sum(figures.without_coe for figures in needing),
    )
    deep_dives = (
        DeepDive.objects.filter(week=meeting.week)
        .select_related("coe__team", "coe__incident", "queued_by")
        .order_by("created_at", "pk")
    )
    return Events(by_severity, excerpt(deep_dives, SHOWN), watch)


def _weeks_back(end: datetime, count: int) -> list[date]:
    this_monday = site_date(end) - timedelta(days=site_date(end).weekday())
    return [this_monday - timedelta(weeks=n) for n in reversed(range(count))]


def _open_items_by_term(team: Team, today: date) -> dict[str, dict[str, int]]:
    rows = (
        ActionItem.objects.open()
        .filter(team=team)
        .values("term")
        .annotate(open=Count("pk"), overdue=Count("pk", filter=Q(due_date__lt=today)))
        .order_by()
    )
    counts = {"open": dict.fromkeys(Term.values, 0), "overdue": dict.fromkeys(Term.values, 0)}
    for row in rows:
        counts["open"][row["term"]] = row["open"]
        counts["overdue"][row["term"]] = row["overdue"]
    return counts


def team_figures(team: Team, *, end: datetime, items: dict | None = None) -> TeamFigures:
    """Incidents per week by severity over TREND_WEEKS weeks, median time to mitigate, and the
    team's open and overdue items by term (`items`, when the caller counted them already)."""
    mondays = _weeks_back(end, TREND_WEEKS)
    first = site_datetime(mondays[0])
    incidents = list(
        Incident.objects.filter(teams=team, detected_at__gte=first, detected_at__lt=end).only(
            "severity", "detected_at", "impact_started_at", "mitigated_at"
        )
    )
    counts = {monday: dict.fromkeys(Severity, 0) for monday in mondays}
    for incident in incidents:
        day = site_date(incident.detected_at)
        counts[day - timedelta(days=day.weekday())][Severity(incident.severity)] += 1
    mitigations = [i.time_to_mitigate for i in incidents if i.time_to_mitigate is not None]
    median = (
        timedelta(seconds=statistics.median(m.total_seconds() for m in mitigations))
        if mitigations
        else None
    )
    items = items or _open_items_by_term(team, site_date(end))
    return TeamFigures(
        team=team,
        weeks=[WeekCount(monday, counts[monday]) for monday in mondays],
        median_time_to_mitigate=median,
        open_by_term=items["open"],
        overdue_by_term=items["overdue"],
    )


def _quarter(day: date) -> tuple[date, date]:
    first_month = (day.month - 1) // 3 * 3 + 1
    month = first_month + 2
    following = date(day.year + (month == 12), month % 12 + 1, 1)
    return date(day.year, first_month, 1), following - timedelta(days=1)


def _teams_at_a_glance(*, today: date, end: datetime) -> list[dict]:
    """Every team by name (pk, name, slug) with its open and overdue items by term on `today`
    (the stored counts, see opsreview.actions.counts), and whether it went QUIET_WEEKS without
    a Sev-1 or Sev-2 up to `end` (so past minutes keep the teams that were quiet then). A row
    per team, never per item.
    """
    # The engagements are read from the link table itself, so a major incident engaging no
    # team adds no NULL that would make every team un-quiet.
    recent_major = Incident.objects.filter(
        severity__in=MAJOR_SEVERITIES,
        detected_at__gte=end - timedelta(weeks=QUIET_WEEKS),
        detected_at__lt=end,
    )
    engaged = Incident.teams.through.objects.filter(incident__in=recent_major)
    quiet = ExpressionWrapper(~Q(pk__in=engaged.values("team_id")), output_field=BooleanField())
    teams = Team.objects.annotate(quiet=quiet).order_by("name")
    return team_counts(teams, "name", "slug", "quiet", on=today)


def _named_team(row: dict) -> Team:
    """A team of the rows above, as a Team holding what the agenda shows of it."""
    return Team.from_db(None, ["id", "name", "slug"], [row["pk"], row["name"], row["slug"]])


def _overdue_table(teams: list[dict]) -> dict:
    """The SHOWN_TEAMS most overdue teams by term, and the totals over every team."""
    late = []
    for team in teams:
        by_term = team["overdue"]
        if any(by_term.values()):
            late.append((team["name"], team["slug"], by_term))
    late.sort(key=lambda row: (-sum(row[2].values()), row[0]))
    totals = {term: sum(row[2][term] for row in late) for term in Term.values}
    return {
        "teams": {name: by_term for name, _, by_term in late[:SHOWN_TEAMS]},
        "slugs": {name: slug for name, slug, _ in late[:SHOWN_TEAMS]},
        "totals": totals,
        "total": sum(totals.values()),
        "team_count": len(late),
        "more_teams": max(len(late) - SHOWN_TEAMS, 0),
    }


def _improvements(
    meeting: OpsMeeting, start: datetime, today: date, teams: list[dict], raised: bool
) -> Improvements:
    quarter = _quarter(today)
    long_term = (
        _items()
        .open()
        .filter(term=Term.LONG, due_date__gte=quarter[0], due_date__lte=quarter[1])
        .order_by("due_date", "pk")
    )
    long_term = excerpt(long_term, SHOWN)
    # Items raised in meetings: this one's, and earlier ones' still open or finished since.
    # Each list reads the index of meeting items in its own order (earlier meetings oldest
    # week first, so LIMIT stops within the first weeks); the earlier ones are counted as two
    # index ranges, the open ones and those finished since, never row by row.
    raised_here = _items().filter(meeting=meeting).order_by("due_date", "pk")
    from_earlier = ActionItem.objects.filter(meeting__week__lt=meeting.week)
    still_open = from_earlier.filter(status__in=OPEN_ITEM_STATUSES)
    finished_since = from_earlier.exclude(status__in=OPEN_ITEM_STATUSES).filter(
        completed_at__gte=start
    )
    earlier = (
        _items()
        .filter(meeting__week__lt=meeting.week)
        .filter(Q(status__in=OPEN_ITEM_STATUSES) | Q(completed_at__gte=start))
        .order_by("meeting__week", "due_date", "pk")
    )
    return Improvements(
        overdue=_overdue_table(teams),
        long_term_due=long_term,
        raised_here=excerpt(raised_here, SHOWN_RAISED) if raised else Excerpt(),
        earlier_items=excerpt(
            earlier, SHOWN, total=count_subquery(still_open) + count_subquery(finished_since)
        ),
    )


def build_agenda(meeting: OpsMeeting, *, viewer=None, raised: bool = True) -> Agenda:
    """The four sections, in order, each with what the room looks at. With `viewer`, each
    action item listed knows whether they may change it (`can_change`). Without `raised`,
    the items raised in this meeting are left out (the projector does not list them)."""
    start, end = meeting.period()
    today = site_date(end)
    sections = sorted(meeting.sections.all(), key=lambda section: section.position)
    teams = _teams_at_a_glance(today=today, end=end) if sections else []
    chosen = meeting.chosen_team

    def metrics() -> Metrics:
        if chosen is None:
            return Metrics(None, None)
        mine = next(team for team in teams if team["pk"] == chosen.pk)
        items = {kind: mine[kind] for kind in ("open", "overdue")}
        return Metrics(chosen, team_figures(chosen, end=end, items=items))

    builders = {
        SectionKey.SUCCESS: lambda: _success(meeting, start, end, teams),
        SectionKey.EVENTS: lambda: _events(meeting, start, end),
        SectionKey.METRICS: metrics,
        SectionKey.IMPROVEMENTS: lambda: _improvements(meeting, start, today, teams, raised),
    }
    agenda = Agenda(meeting, start, end)
    for section in sections:
        agenda.sections.append(AgendaSection(section, builders[section.key]()))
    if viewer is not None:
        scope = getattr(meeting, "viewer_scope", None) or changer_scope(viewer)
        mark_changeable(_listed_items(agenda), viewer, scope)
    return agenda


def _listed_items(agenda: Agenda) -> list[ActionItem]:
    items = []
    for part in agenda.sections:
        if isinstance(part.content, Success):
            items += part.content.items_finished
        elif isinstance(part.content, Improvements):
            content = part.content
            items += [*content.long_term_due, *content.earlier_items, *content.raised_here]
    return items


def _previous_starts_at(week) -> Subquery:
    previous = OpsMeeting.objects.filter(week__lt=week).order_by("-week")
    return Subquery(previous.values("starts_at")[:1])


def meetings_with_sections():
    """Meetings with what every meeting page shows, and when the previous meeting began (the
    start of the period the agenda covers)."""
    return (
        OpsMeeting.objects.select_related("facilitator", "chosen_team")
        .annotate(previous_starts_at=_previous_starts_at(OuterRef("week")))
        .prefetch_related(
            Prefetch("sections", queryset=MeetingSection.objects.order_by("position")),
            "attendees",
        )
    )


def meeting_with_sections(pk: int, *, viewer=None, attendees: bool = True) -> OpsMeeting:
    """meetings_with_sections() for one meeting, in two queries instead of three: its sections
    bring the meeting along. With `viewer`, `viewer_scope` says which items they may change
    and `viewer_team_id` is the first of their teams by name (the team an item they
    add defaults to). Raises OpsMeeting.DoesNotExist."""
    sections = (
        MeetingSection.objects.filter(meeting_id=pk)
        .select_related("meeting__facilitator", "meeting__chosen_team")
        .annotate(previous_starts_at=_previous_starts_at(OuterRef("meeting__week")))
        .order_by("position")
    )
    if viewer is not None:
        memberships = Team.members.through.objects.filter(user_id=viewer.pk)
        first_team = memberships.order_by("team__name").values("team_id")[:1]
        sections = sections.annotate(
            viewer_team_id=Subquery(first_team), **changer_scope_annotations(viewer)
        )
    sections = list(sections)
    if not sections:  # a meeting is prepared with its sections; this one lost them
        return meetings_with_sections().get(pk=pk)
    meeting = sections[0].meeting
    meeting.previous_starts_at = sections[0].previous_starts_at
    if viewer is not None:
        first = sections[0]
        meeting.viewer_team_id = first.viewer_team_id
        meeting.viewer_scope = ChangerScope.parse(first.changer_team_ids, first.changer_coe_ids)
    for section in sections:
        section.meeting = meeting
    # What prefetch_related("sections") would have stored, filled from the rows in hand.
    meeting._prefetched_objects_cache = {"sections": sections}
    if attendees:
        prefetch_related_objects([meeting], "attendees")
    return meeting


def overdue_by_team(agenda: Agenda) -> list[tuple[str, int]]:
    """(team, overdue count) for the improvements chart, most overdue first."""
    teams = agenda.section(SectionKey.IMPROVEMENTS).content.overdue["teams"]
    return [(name, sum(counts.values())) for name, counts in teams.items()]
