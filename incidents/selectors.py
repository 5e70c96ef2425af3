"""Reads of incidents that pages (and the weekly ops meeting) share."""

import statistics
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from functools import cache

from django.conf import settings
from django.db import DEFAULT_DB_ALIAS
from django.db.models import Prefetch, Q, QuerySet
from django.utils import timezone

from opsreview.org.models import Team

from .models import OPEN_STATUSES, Incident, Severity, TimelineEntry


def incident_list(
    *, q: str = "", status: str = "", severity: int | None = None, team: Team | None = None
) -> QuerySet[Incident]:
    """Open incidents first, then most severe, newest; with what the list shows, in few queries.

    `q` is either a reference (INC-142: that incident alone) or words found in the title.
    """
    incidents = (
        Incident.objects.select_related("call_leader")
        .prefetch_related(Prefetch("teams", queryset=Team.objects.order_by("name")))
        .open_first()
    )
    if status == "open":
        incidents = incidents.open()
    elif status:
        incidents = incidents.filter(status=status)
    if severity:
        incidents = incidents.filter(severity=severity)
    if team:
        incidents = incidents.filter(teams=team)
    q = q.strip()
    if (pk := Incident.pk_from_reference(q)) is not None:
        incidents = incidents.filter(pk=pk)
    elif q:
        incidents = incidents.filter(title__icontains=q)
    return incidents


# An incident's page shows its latest entries, this many at most unless asked for all.
TIMELINE_SHOWN = 200


def incident_timeline(incident: Incident, *, everything: bool = False) -> dict:
    """The timeline in time order: its latest TIMELINE_SHOWN entries (or every one), and
    whether earlier entries were left out."""
    entries = (
        TimelineEntry.objects.filter(incident=incident)
        .select_related("author")
        .order_by("-occurred_at", "-pk")
    )
    latest = list(entries if everything else entries[: TIMELINE_SHOWN + 1])
    return {
        "entries": latest[:TIMELINE_SHOWN][::-1] if not everything else latest[::-1],
        "earlier_hidden": not everything and len(latest) > TIMELINE_SHOWN,
        "everything": everything,
    }


def open_incidents_for_user(user) -> QuerySet[Incident]:
    """Open incidents the user leads or whose engaged teams they are on: their dashboard's top."""
    return (
        Incident.objects.open()
        .filter(Q(call_leader=user) | Q(teams__members=user))
        .distinct()
        .select_related("call_leader")
        .open_first()
    )


# What the banner on every page shows of each open major incident, and no more; and how many
# it names before pointing to the list of open incidents.
BANNER_SHOWN = 5
BANNER_FIELDS = (
    "title",
    "severity",
    "status",
    "gates_production_changes",
    "last_update_at",
    "version",
)


def open_major_incidents() -> QuerySet[Incident]:
    """Open Sev-1/Sev-2 incidents, most severe and oldest first: the banner on every page."""
    return Incident.objects.open().major().only(*BANNER_FIELDS).order_by("severity", "detected_at")


@cache
def _banner_sql(alias: str) -> tuple[str, tuple]:
    """The banner's SQL, compiled once per process: its text and parameters never change, only
    the rows it finds. Building the query anew cost about a sixth of every page's floor."""
    query = open_major_incidents()[: BANNER_SHOWN + 1].query
    return query.get_compiler(alias).as_sql()


def banner_incidents() -> list[Incident]:
    """open_major_incidents(), the first BANNER_SHOWN + 1 of them, read fresh on every call."""
    sql, params = _banner_sql(DEFAULT_DB_ALIAS)
    return list(Incident.objects.raw(sql, params))


# Live pages. A page open on incidents shows a token of what it shows; polling, it sends the
# token back and is answered 204 (no change) unless the token now reads differently. A token
# changes when a version does (incident_touch) and, while anything shown is open, once a minute:
# durations and "update overdue" move with the clock.


def _minute(now: datetime | None) -> int:
    return int((now or timezone.now()).timestamp()) // 60


def live_token(
    version: int, status: str, coe_pk: int | None, coe_status: str | None, now=None
) -> str:
    token = f"{version}.{coe_pk or 0}.{coe_status or '-'}"
    if status in OPEN_STATUSES:
        token += f".{_minute(now)}"
    return token


def incident_token(incident: Incident, now=None) -> str:
    """The token of an incident's page, from the incident as the page loaded it (its COE
    with it)."""
    coe = getattr(incident, "coe", None)
    return live_token(
        incident.version, incident.status, coe and coe.pk, coe and coe.status, now=now
    )


def incident_token_now(pk: int, now=None) -> str | None:
    """The token the page of incident `pk` would show now, in one query; None if there is
    no such incident."""
    row = (
        Incident.objects.filter(pk=pk)
        .values_list("version", "status", "coe__pk", "coe__status")
        .first()
    )
    return None if row is None else live_token(*row, now=now)


def list_token(page) -> str:
    """A page of the incident list's token: its incidents at their versions, how many match,
    and the minute while any listed one is open (its duration moves)."""
    shown = "-".join(f"{incident.pk}.{incident.version}" for incident in page.object_list)
    token = f"{page.number}:{page.paginator.count}:{shown}"
    if any(incident.is_open for incident in page.object_list):
        token += f".{_minute(None)}"
    return token


def banner_token(incidents: list[Incident], now=None) -> str:
    """The banner's token: which incidents it names, at which versions (and the minute, while
    it names any: their "update overdue" moves with the clock)."""
    if not incidents:
        return "none"
    named = "-".join(f"{incident.pk}.{incident.version}" for incident in incidents)
    return f"{named}.{_minute(now)}"


def _mean(values: list[timedelta]) -> timedelta | None:
    return (
        timedelta(seconds=statistics.fmean(v.total_seconds() for v in values)) if values else None
    )


@dataclass
class IncidentMetrics:
    """Counts and mean times for a group of incidents over a period."""

    incidents: list[Incident] = field(default_factory=list)

    @property
    def count(self) -> int:
        return len(self.incidents)

    @property
    def mean_time_to_detect(self) -> timedelta | None:
        return _mean([i.time_to_detect for i in self.incidents])

    @property
    def mean_time_to_mitigate(self) -> timedelta | None:
        return _mean([i.time_to_mitigate for i in self.incidents if i.time_to_mitigate is not None])

    @property
    def mean_time_to_resolve(self) -> timedelta | None:
        return _mean([i.time_to_resolve for i in self.incidents if i.time_to_resolve is not None])


def _detected_between(start: datetime, end: datetime) -> QuerySet[Incident]:
    return Incident.objects.filter(detected_at__gte=start, detected_at__lt=end)


def incident_metrics_by_team(*, start: datetime, end: datetime) -> dict[Team, IncidentMetrics]:
    """Per engaged team, the incidents detected in [start, end) and their mean times."""
    metrics: dict[Team, IncidentMetrics] = defaultdict(IncidentMetrics)
    for incident in _detected_between(start, end).prefetch_related("teams"):
        for team in incident.teams.all():
            metrics[team].incidents.append(incident)
    return dict(sorted(metrics.items(), key=lambda item: item[0].name))


def incident_metrics_by_severity(
    *, start: datetime, end: datetime
) -> dict[Severity, IncidentMetrics]:
    """Per severity (every severity present, even with none), incidents detected in [start, end)."""
    metrics = {severity: IncidentMetrics() for severity in Severity}
    for incident in _detected_between(start, end):
        metrics[Severity(incident.severity)].incidents.append(incident)
    return metrics


def incidents_without_coe() -> QuerySet[Incident]:
    """Incidents whose severity requires a COE (INCIDENT_COE_SEVERITIES) that have none yet,
    newest first: looked up from the severity index, each probing the COEs' unique incident."""
    return (
        Incident.objects.filter(severity__in=settings.INCIDENT_COE_SEVERITIES, coe__isnull=True)
        .only("title", "severity", "status", "detected_at")
        .order_by("-detected_at", "-pk")
    )
