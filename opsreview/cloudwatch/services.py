"""Every write of the alarm side of CloudWatch: a team's scopes, and what their alarms last said."""

from datetime import datetime, timedelta

from botocore.exceptions import BotoCoreError, ClientError
from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Max, Q
from django.utils import timezone

from opsreview.org.models import Team

from . import aws
from .models import (
    ALARM_NAME_MAX,
    Alarm,
    AlarmKind,
    AlarmScope,
    AlarmState,
    MetricQuery,
    arn_account,
)

# However often a scope has failed, it is tried again within the hour.
BACKOFF_MAX = timedelta(hours=1)
SCOPE_FIELDS = ["region", "account_id", "alarm_prefixes", "role_arn", "severity"]
STATUS_FIELDS = ["synced_at", "error", "error_at", "failures", "next_sync_at"]
ALARM_FIELDS = ["arn", "kind", "state", "reason", "state_updated_at", "description", "rule"]


def _require_editor(team: Team, actor: AbstractBaseUser) -> None:
    if not team.can_be_edited_by(actor):
        raise PermissionDenied("Only staff or the team's manager can change its CloudWatch scopes.")


def _scope_save(scope: AlarmScope, changes: dict) -> AlarmScope:
    for field, value in changes.items():
        if field not in SCOPE_FIELDS:
            raise ValueError(f"Not editable: {field}")
        setattr(scope, field, value)
    scope.full_clean()
    # A changed scope is read at the next beat, its earlier failures forgotten.
    scope.failures, scope.next_sync_at = 0, None
    if scope.pk is None:
        scope.save()
    else:
        scope.save(update_fields=[*changes, "failures", "next_sync_at"])
    return scope


@transaction.atomic
def alarm_scope_create(*, team: Team, actor: AbstractBaseUser, changes: dict) -> AlarmScope:
    """Add where a team's alarms are; only staff or the team's manager may."""
    _require_editor(team, actor)
    return _scope_save(AlarmScope(team=team), changes)


@transaction.atomic
def alarm_scope_update(*, scope: AlarmScope, actor: AbstractBaseUser, changes: dict) -> AlarmScope:
    """Change a scope; only staff or its team's manager may."""
    _require_editor(scope.team, actor)
    return _scope_save(scope, changes)


@transaction.atomic
def alarm_scope_delete(*, scope: AlarmScope, actor: AbstractBaseUser) -> None:
    """Remove a scope and the alarms read through it; only staff or its team's manager may."""
    _require_editor(scope.team, actor)
    scope.delete()


def backoff(failures: int) -> timedelta:
    """How long a scope that failed `failures` times in a row waits: doubling, at most an hour."""
    seconds = settings.CLOUDWATCH_SYNC_SECONDS * 2 ** min(failures, 16)
    return min(timedelta(seconds=seconds), BACKOFF_MAX)


def alarm_scopes_claim_due(*, now: datetime | None = None) -> list[int]:
    """The ids of the scopes due a read, each claimed with a conditional UPDATE (its next read
    moved an interval on) so that two beats, or two workers, never read one scope at once."""
    now = now or timezone.now()
    due = Q(next_sync_at__isnull=True) | Q(next_sync_at__lte=now)
    lease = now + timedelta(seconds=settings.CLOUDWATCH_SYNC_SECONDS)
    claimed = []
    for pk in AlarmScope.objects.filter(due).order_by("pk").values_list("pk", flat=True):
        if AlarmScope.objects.filter(due, pk=pk).update(next_sync_at=lease) == 1:
            claimed.append(pk)
    return claimed


STATE_FIELDS = ("state", "reason", "state_updated_at")


def _timestamp(value, default: datetime) -> datetime:
    if not isinstance(value, datetime):
        return default
    return value if timezone.is_aware(value) else timezone.make_aware(value, timezone.UTC)


def _alarm_fields(kind: str, found: dict, now: datetime) -> dict | None:
    if found.get("StateValue") not in AlarmState.values:
        return None
    return {
        "arn": str(found.get("AlarmArn", ""))[:1600],
        "kind": AlarmKind.COMPOSITE if kind == "composite" else AlarmKind.METRIC,
        "state": found["StateValue"],
        "reason": str(found.get("StateReason", "")),
        "state_updated_at": _timestamp(found.get("StateUpdatedTimestamp"), now),
        "description": str(found.get("AlarmDescription") or ""),
        "rule": str(found.get("AlarmRule") or "") if kind == "composite" else "",
    }


@transaction.atomic
def alarms_store(*, scope: AlarmScope, found: list[tuple[str, dict]], now: datetime) -> None:
    """Make the scope's alarms what AWS listed: new ones added, changed ones updated, the ones
    no longer there removed. Alarms whose names are not under the scope's prefixes are ignored."""
    listed = {}
    for kind, alarm in found:
        name = str(alarm.get("AlarmName", ""))
        fields = _alarm_fields(kind, alarm, now)
        if fields and name and len(name) <= ALARM_NAME_MAX and scope.holds(name):
            listed[name] = fields
    if not AlarmScope.objects.select_for_update().filter(pk=scope.pk).exists():
        return  # removed while AWS was being read
    # The rows are locked: an SNS message changing one waits, then applies if still newer.
    stored = {alarm.name: alarm for alarm in scope.alarms.select_for_update()}
    scope.alarms.exclude(name__in=listed).delete()
    new, changed = [], []
    for name, fields in listed.items():
        alarm = stored.get(name)
        if alarm is None:
            new.append(Alarm(scope=scope, name=name, seen_at=now, **fields))
            continue
        if alarm.state_updated_at > fields["state_updated_at"]:
            # SNS told of a later change while AWS was being read: what AWS said is older.
            for field in STATE_FIELDS:
                del fields[field]
        for field, value in fields.items():
            setattr(alarm, field, value)
        alarm.seen_at = now
        changed.append(alarm)
    Alarm.objects.bulk_create(new, batch_size=500)
    Alarm.objects.bulk_update(changed, [*ALARM_FIELDS, "seen_at"], batch_size=500)


def _status_save(scope: AlarmScope, **status) -> None:
    AlarmScope.objects.filter(pk=scope.pk).update(**status)
    for field, value in status.items():
        setattr(scope, field, value)


def alarm_scope_sync(*, scope: AlarmScope, endpoint: str | None = None) -> bool:
    """Read the scope's alarms from CloudWatch and store them. AWS's errors never escape: they
    are recorded on the scope in words, its next read backed off; a read that works clears
    them. Returns whether the read worked."""
    now = timezone.now()
    try:
        client = aws.client_for(scope, "cloudwatch", endpoint=endpoint)
        found = list(aws.describe_alarms(client, list(scope.alarm_prefixes)))
    except (BotoCoreError, ClientError) as error:
        failures = scope.failures + 1
        _status_save(
            scope,
            error=aws.describe_error(error, scope),
            error_at=now,
            failures=failures,
            next_sync_at=now + backoff(failures),
        )
        return False
    read = {arn_account(str(alarm.get("AlarmArn", ""))) for _, alarm in found} - {""}
    if scope.account_id and read and scope.account_id not in read:
        # Another account's alarms, under the same names: none of them is this team's.
        failures = scope.failures + 1
        _status_save(
            scope,
            error=f"These credentials read the alarms of account {', '.join(sorted(read))}, "
            f"not {scope.account_id}: check the scope's account, or name the role to assume.",
            error_at=now,
            failures=failures,
            next_sync_at=now + backoff(failures),
        )
        return False
    alarms_store(scope=scope, found=found, now=now)
    _status_save(scope, synced_at=now, error="", error_at=None, failures=0, next_sync_at=None)
    return True


# The metrics a team reviews in the ops meeting.

METRIC_FIELDS = [
    "scope",
    "label",
    "namespace",
    "metric_name",
    "dimensions",
    "statistic",
    "period_seconds",
    "threshold",
]
METRICS_PER_TEAM = 8  # a projector shows a few; get_metric_data would take 500


@transaction.atomic
def metric_query_create(*, team: Team, actor: AbstractBaseUser, changes: dict) -> MetricQuery:
    """Add a metric the team walks through in the ops meeting; its manager or staff may. Read
    through one of the team's own scopes (its region and role)."""
    _require_editor(team, actor)
    Team.objects.select_for_update().filter(pk=team.pk).first()  # one add at a time
    queries = MetricQuery.objects.filter(team=team)
    if queries.count() >= METRICS_PER_TEAM:
        raise ValidationError(
            f"A team reviews at most {METRICS_PER_TEAM} metrics: remove one to add another."
        )
    unknown = set(changes) - set(METRIC_FIELDS)
    if unknown:
        raise ValueError(f"Not editable: {', '.join(sorted(unknown))}")
    # Last, after whatever removals and moves left: max + 1, as a count could equal a position.
    last = queries.aggregate(last=Max("position"))["last"]
    query = MetricQuery(team=team, position=0 if last is None else last + 1, **changes)
    if query.scope.team_id != team.pk:
        raise ValidationError({"scope": "Choose one of this team's own scopes."})
    query.full_clean()
    query.save()
    return query


@transaction.atomic
def metric_query_update(
    *, query: MetricQuery, actor: AbstractBaseUser, changes: dict
) -> MetricQuery:
    """Change a metric in place, its position kept; its team's manager or staff may. Still read
    through one of the team's own scopes."""
    _require_editor(query.team, actor)
    unknown = set(changes) - set(METRIC_FIELDS)
    if unknown:
        raise ValueError(f"Not editable: {', '.join(sorted(unknown))}")
    for field, value in changes.items():
        setattr(query, field, value)
    query.full_clean()
    if query.scope.team_id != query.team_id:
        raise ValidationError({"scope": "Choose one of this team's own scopes."})
    query.save(update_fields=list(changes))
    return query


METRIC_MOVES = {"up": -1, "down": 1}


@transaction.atomic
def metric_query_move(*, query: MetricQuery, actor: AbstractBaseUser, direction: str) -> bool:
    """Swap a metric with the one before ("up") or after ("down") it in the order the meeting
    charts them; at either end nothing moves. Its team's manager or staff may. Returns whether
    it moved."""
    _require_editor(query.team, actor)
    if direction not in METRIC_MOVES:
        raise ValueError(f"Not a direction: {direction}")
    Team.objects.select_for_update().filter(pk=query.team_id).first()  # one move at a time
    ordered = list(MetricQuery.objects.filter(team_id=query.team_id).order_by("position", "pk"))
    index = next((i for i, other in enumerate(ordered) if other.pk == query.pk), None)
    if index is None:
        return False  # removed meanwhile
    neighbour = index + METRIC_MOVES[direction]
    if not 0 <= neighbour < len(ordered):
        return False
    ordered[index], ordered[neighbour] = ordered[neighbour], ordered[index]
    # Numbered afresh: positions left equal or apart by adds and removals become 0, 1, 2, …
    moved = []
    for position, other in enumerate(ordered):
        if other.position != position:
            other.position = position
            moved.append(other)
    MetricQuery.objects.bulk_update(moved, ["position"])
    query.position = neighbour
    return True


@transaction.atomic
def metric_query_delete(*, query: MetricQuery, actor: AbstractBaseUser) -> None:
    _require_editor(query.team, actor)
    query.delete()
