from dataclasses import dataclass
from datetime import datetime, tzinfo

from axes.models import AccessAttempt
from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser
from django.db.models import (
    CharField,
    Count,
    Max,
    OuterRef,
    Prefetch,
    Q,
    QuerySet,
    Subquery,
    Sum,
    Value,
)
from django.db.models.functions import Coalesce
from django.utils import timezone

from .models import AuditEvent, EmailOptOut, Profile, Service, Team
from .zones import zone_or_site


def _count_of(rows: QuerySet, team_field: str = "team") -> Coalesce:
    """How many of `rows` belong to the outer query's team: a subquery per row shown, so a page
    of the list costs its own rows, not a GROUP BY over every team's members."""
    counted = rows.filter(**{team_field: OuterRef("pk")}).order_by().values(team_field)
    return Coalesce(Subquery(counted.annotate(n=Count("*")).values("n")), 0)


def team_list() -> QuerySet[Team]:
    """Every team with its manager and the counts the team list shows, in one query."""
    return Team.objects.select_related("manager").annotate(
        member_count=_count_of(Team.members.through.objects.all()),
        service_count=_count_of(Service.objects.all()),
    )


def team_detail(slug: str) -> QuerySet[Team]:
    return (
        Team.objects.filter(slug=slug)
        .select_related("manager")
        .prefetch_related(
            "members", Prefetch("services", queryset=Service.objects.order_by("name"))
        )
    )


def teams_for_user(user: AbstractBaseUser) -> QuerySet[Team]:
    """Teams the user belongs to or manages."""
    return (
        Team.objects.filter(Q(members=user) | Q(manager=user))
        .distinct()
        .select_related("manager")
        .prefetch_related("services")
    )


def teams_needing_attention() -> QuerySet[Team]:
    """Teams that cannot take part in the mechanisms: no manager to report to, or no dashboard."""
    return Team.objects.filter(Q(manager__isnull=True) | Q(dashboard_url=""))


@dataclass(frozen=True)
class Lockout:
    """An account or an address that may not sign in until `until` (or until staff unlock it)."""

    username: str | None
    ip_address: str | None
    failures: int
    spread: int  # addresses an account was tried from, or accounts an address tried
    last_failure: datetime

    @property
    def until(self) -> datetime:
        return self.last_failure + settings.AXES_COOLOFF_TIME


def _counting_attempts() -> QuerySet[AccessAttempt]:
    """django-axes' failures that still count: each row counts until its last failure is
    older than the cool-off."""
    since = timezone.now() - settings.AXES_COOLOFF_TIME
    return AccessAttempt.objects.filter(attempt_time__gte=since).order_by()


def sign_in_failures(*, username: str | None, ip_address: str | None) -> tuple[int, int]:
    """Counting failures for an account and from an address, as django-axes sums them."""
    attempts = _counting_attempts()
    total = Sum("failures_since_start", default=0)
    account = attempts.filter(username=username).aggregate(n=total)["n"] if username else 0
    address = attempts.filter(ip_address=ip_address).aggregate(n=total)["n"] if ip_address else 0
    return account, address


def lockouts_current() -> list[Lockout]:
    """Every account and every address locked now, the latest first."""
    attempts = _counting_attempts()
    limit = settings.AXES_FAILURE_LIMIT
    stats = {"failures": Sum("failures_since_start"), "last_failure": Max("attempt_time")}
    accounts = (
        attempts.exclude(username=None)
        .values("username")
        .annotate(**stats, spread=Count("ip_address", distinct=True))
        .filter(failures__gte=limit)
    )
    addresses = (
        attempts.exclude(ip_address=None)
        .values("ip_address")
        .annotate(**stats, spread=Count("username", distinct=True))
        .filter(failures__gte=limit)
    )
    locks = [Lockout(ip_address=None, **row) for row in accounts]
    locks += [Lockout(username=None, **row) for row in addresses]
    return sorted(locks, key=lambda lock: lock.last_failure, reverse=True)


def audit_events(*, action: str = "", person: str = "") -> QuerySet[AuditEvent]:
    """The audit log, newest first; `person` is a username, as typed or as signed in."""
    events = AuditEvent.objects.all()
    if action:
        events = events.filter(action=action)
    if person:
        events = events.filter(actor_label=person)
    return events


def unwanted_email_kinds(person: AbstractBaseUser) -> set[str]:
    """The kinds of notification `person` turned the email of off."""
    return set(EmailOptOut.objects.filter(person=person).values_list("kind", flat=True))


def time_zone_name() -> Coalesce:
    """A person's chosen time zone ("" if none), as a subquery on the user row: read with the
    person wherever their times are shown (each request, each email)."""
    chosen = Profile.objects.filter(person=OuterRef("pk")).values("time_zone")[:1]
    return Coalesce(Subquery(chosen, output_field=CharField()), Value(""))


def with_time_zones(people: QuerySet) -> QuerySet:
    """People, each with `time_zone_name`, in the query that loads them."""
    return people.annotate(time_zone_name=time_zone_name())


def chosen_time_zone(person: AbstractBaseUser) -> str:
    """The zone `person` chose, "" if none: read with them when they were loaded with it."""
    name = getattr(person, "time_zone_name", None)
    if name is None:
        name = Profile.objects.filter(person=person).values_list("time_zone", flat=True).first()
    return name or ""


def time_zone_of(person: AbstractBaseUser) -> tzinfo:
    """The zone `person` reads times in: theirs if they chose one, else the site's."""
    return zone_or_site(chosen_time_zone(person))
