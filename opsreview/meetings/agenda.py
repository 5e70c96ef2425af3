"""The agenda a meeting runs from, built from the week's data each time it is shown: what went
well, what happened, one team's figures, and what the organisation still owes. A fixed number
of queries whatever the size of the week."""

import statistics
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from django.db.models import Exists, OuterRef, Prefetch, Q
from django.utils import timezone

from coe.models import Coe, CoeReview, ReviewDecision
from incidents.models import MAJOR_SEVERITIES, Incident, Severity
from incidents.selectors import IncidentMetrics, incident_metrics_by_severity
from opsreview.actions.models import OPEN_ITEM_STATUSES, ActionItem, ItemStatus, Term
from opsreview.actions.selectors import overdue_counts
from opsreview.org.models import Team

from .models import DeepDive, MeetingSection, OpsMeeting, SectionKey, Win

QUIET_WEEKS = 4  # a team with no Sev-1/2 for this long is celebrated
TREND_WEEKS = 12  # the chosen team's incidents per week, this far back


@dataclass
class Success:
    wins: list[Win]
    items_finished: list[ActionItem]
    coes_approved: list[Coe]
    quiet_teams: list[Team]

    @property
    def is_empty(self) -> bool:
        return not (self.wins or self.items_finished or self.coes_approved or self.quiet_teams)


@dataclass
class Events:
    by_severity: dict[Severity, IncidentMetrics]
    deep_dives: list[DeepDive]

    @property
    def incident_count(self) -> int:
        return sum(metrics.count for metrics in self.by_severity.values())

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
    overdue: dict  # overdue_counts(): per team and term, with totals
    long_term_due: list[ActionItem]
    earlier_items: list[ActionItem]

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


def _success(meeting: OpsMeeting, start: datetime, end: datetime) -> Success:
    wins = Win.objects.filter(week=meeting.week).select_related("team", "author")
    finished = (
        ActionItem.objects.filter(
            status=ItemStatus.DONE, completed_at__gte=start, completed_at__lt=end
        )
        .select_related("owner", "team", "coe", "incident", "meeting")
        .order_by("completed_at", "pk")
    )
    approvals = CoeReview.objects.filter(
        decision=ReviewDecision.APPROVE, created_at__gte=start, created_at__lt=end
    )
    approved = (
        Coe.objects.filter(pk__in=approvals.values("coe_id"))
        .select_related("team")
        .order_by("title", "pk")
    )
    # EXISTS, not NOT IN: a major incident engaging no team must not make every team un-quiet;
    # and only up to `end`, so past minutes keep the teams that were quiet then.
    recent_major = Incident.objects.filter(
        teams=OuterRef("pk"),
        severity__in=MAJOR_SEVERITIES,
        detected_at__gte=end - timedelta(weeks=QUIET_WEEKS),
        detected_at__lt=end,
    )
    quiet = Team.objects.filter(~Exists(recent_major)).order_by("name")
    return Success(list(wins), list(finished), list(approved), list(quiet))


def _events(meeting: OpsMeeting, start: datetime, end: datetime) -> Events:
    by_severity = incident_metrics_by_severity(start=start, end=end)
    incidents = [i for metrics in by_severity.values() for i in metrics.incidents]
    coes = {coe.incident_id: coe for coe in Coe.objects.filter(incident__in=incidents)}
    for incident in incidents:
        incident.existing_coe = coes.get(incident.pk)  # shown as "COE written" or "COE needed"
    deep_dives = (
        DeepDive.objects.filter(week=meeting.week)
        .select_related("coe__team", "coe__incident", "queued_by")
        .order_by("created_at", "pk")
    )
    return Events(by_severity, list(deep_dives))


def _weeks_back(end: datetime, count: int) -> list[date]:
    this_monday = timezone.localdate(end) - timedelta(days=timezone.localdate(end).weekday())
    return [this_monday - timedelta(weeks=n) for n in reversed(range(count))]


def team_figures(team: Team, *, end: datetime) -> TeamFigures:
    """Incidents per week by severity over TREND_WEEKS weeks, median time to mitigate, and the
    team's open and overdue items by term."""
    mondays = _weeks_back(end, TREND_WEEKS)
    first = timezone.make_aware(datetime.combine(mondays[0], datetime.min.time()))
    incidents = list(
        Incident.objects.filter(teams=team, detected_at__gte=first, detected_at__lt=end).only(
            "severity", "detected_at", "impact_started_at", "mitigated_at"
        )
    )
    counts = {monday: dict.fromkeys(Severity, 0) for monday in mondays}
    for incident in incidents:
        day = timezone.localdate(incident.detected_at)
        counts[day - timedelta(days=day.weekday())][Severity(incident.severity)] += 1
    mitigations = [i.time_to_mitigate for i in incidents if i.time_to_mitigate is not None]
    median = (
        timedelta(seconds=statistics.median(m.total_seconds() for m in mitigations))
        if mitigations
        else None
    )
    items = ActionItem.objects.filter(team=team).open().values_list("term", "due_date")
    today = timezone.localdate(end)
    open_by_term, overdue_by_term = dict.fromkeys(Term.values, 0), dict.fromkeys(Term.values, 0)
    for term, due in items:
        open_by_term[term] += 1
        overdue_by_term[term] += due < today
    return TeamFigures(
        team=team,
        weeks=[WeekCount(monday, counts[monday]) for monday in mondays],
        median_time_to_mitigate=median,
        open_by_term=open_by_term,
        overdue_by_term=overdue_by_term,
    )


def _metrics(meeting: OpsMeeting, end: datetime) -> Metrics:
    team = meeting.chosen_team
    return Metrics(team, team_figures(team, end=end) if team else None)


def _quarter_end(day: date) -> date:
    month = ((day.month - 1) // 3 + 1) * 3
    following = date(day.year + (month == 12), month % 12 + 1, 1)
    return following - timedelta(days=1)


def _improvements(meeting: OpsMeeting, start: datetime, end: datetime) -> Improvements:
    today = timezone.localdate(end)
    long_term = (
        ActionItem.objects.open()
        .filter(term=Term.LONG, due_date__lte=_quarter_end(today))
        .select_related("owner", "team", "coe", "incident", "meeting")
        .order_by("due_date", "pk")
    )
    earlier = (
        ActionItem.objects.filter(meeting__isnull=False, meeting__week__lt=meeting.week)
        .filter(Q(status__in=OPEN_ITEM_STATUSES) | Q(completed_at__gte=start))
        .select_related("owner", "team", "meeting")
        .order_by("meeting__week", "due_date", "pk")
    )
    return Improvements(overdue_counts(on=today), list(long_term), list(earlier))


def build_agenda(meeting: OpsMeeting) -> Agenda:
    """The four sections, in order, each with what the room looks at."""
    start, end = meeting.period()
    sections = sorted(meeting.sections.all(), key=lambda section: section.position)
    builders = {
        SectionKey.SUCCESS: lambda: _success(meeting, start, end),
        SectionKey.EVENTS: lambda: _events(meeting, start, end),
        SectionKey.METRICS: lambda: _metrics(meeting, end),
        SectionKey.IMPROVEMENTS: lambda: _improvements(meeting, start, end),
    }
    agenda = Agenda(meeting, start, end)
    for section in sections:
        agenda.sections.append(AgendaSection(section, builders[section.key]()))
    return agenda


def meetings_with_sections():
    return OpsMeeting.objects.select_related("facilitator", "chosen_team").prefetch_related(
        Prefetch("sections", queryset=MeetingSection.objects.order_by("position")), "attendees"
    )


def overdue_by_team(agenda: Agenda) -> list[tuple[str, int]]:
    """(team, overdue count) for the improvements chart, most overdue first."""
    teams = agenda.section(SectionKey.IMPROVEMENTS).content.overdue["teams"]
    totals = defaultdict(int)
    for name, counts in teams.items():
        totals[name] = sum(counts.values())
    return sorted(totals.items(), key=lambda row: (-row[1], row[0]))
