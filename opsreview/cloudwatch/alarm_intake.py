"""Every write of the SNS alarm intake: a message is believed only when SNS signed it for a
listed topic, acts once per MessageId, and turns a CloudWatch alarm into an incident (or a line
on the open one's timeline) through the incidents services."""

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import make_password
from django.contrib.auth.models import AbstractBaseUser
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone

from incidents.models import (
    MAJOR_SEVERITIES,
    OPEN_STATUSES,
    CallLeader,
    Incident,
    Severity,
    TimelineEntry,
)
from incidents.services import incident_declare, timeline_event_record
from opsreview.org.models import Profile, Team

from .models import Alarm, AlarmIncident, AlarmScope, AlarmState, SeverityRule, SnsDelivery
from .sns import (
    NOTIFICATION,
    SUBSCRIPTION_CONFIRMATION,
    AlarmChange,
    SnsMessage,
    UntrustedMessage,
    sns_https_get,
    sns_message_verify,
)

# Who declares the incidents alarms open and writes their timeline: a user no one signs in as.
INTAKE_USERNAME = "cloudwatch-alarms"
CONFIRMATION_MAX = 64 * 1024
Outcome = SnsDelivery.Outcome


def intake_user() -> AbstractBaseUser:
    """The "CloudWatch alarms" user, created the first time an alarm needs it. Active (the
    incidents rules ask that of a call leader) but with no password: nobody signs in as it, and,
    as the app's own account, it is not offered when people are picked."""
    no_password = make_password(None)
    user, created = get_user_model().objects.get_or_create(
        username=INTAKE_USERNAME,
        defaults={"first_name": "CloudWatch", "last_name": "alarms", "password": no_password},
    )
    if created or not Profile.objects.filter(person=user, is_app_account=True).exists():
        Profile.objects.update_or_create(person=user, defaults={"is_app_account": True})
    return user


def _longest_prefix(scope: AlarmScope, alarm_name: str) -> int:
    return max((len(p) for p in scope.alarm_prefixes if alarm_name.startswith(p)), default=-1)


def _scopes_holding(region: str, alarm_name: str) -> list[AlarmScope]:
    scopes = AlarmScope.objects.filter(region=region).select_related("team")
    return [scope for scope in scopes if scope.holds(alarm_name)]


def alarm_scope_for(*, region: str, account: str, alarm_name: str) -> AlarmScope | None:
    """The scope in the alarm's region whose prefix holds its name, of the alarm's account or
    of none (any account): one of its account wins over one of none, then the longest prefix."""
    held = [
        scope for scope in _scopes_holding(region, alarm_name) if scope.account_id in ("", account)
    ]
    return max(
        held,
        key=lambda scope: (bool(scope.account_id), _longest_prefix(scope, alarm_name)),
        default=None,
    )


def _unheld(alarm: AlarmChange) -> str:
    """Why no scope holds the alarm, naming its account when only other accounts' scopes do."""
    where = alarm.region or "an unknown region"
    if alarm.region and _scopes_holding(alarm.region, alarm.name):
        account = f"account {alarm.account}" if alarm.account else "an unknown account"
        return f"No alarm scope in {where} holds {alarm.name} for {account}."
    return f"No alarm scope in {where} holds {alarm.name}."


def alarm_rows_update(*, alarm: AlarmChange) -> int:
    """Give the stored alarm (by ARN; by region, account and name where sync stored no ARN)
    the notification's state, reason and time, unless what is stored changed at the same time
    or later: SNS can deliver late and out of order. An alarm never read is not added.
    Returns how many rows changed."""
    same_account = Q(scope__account_id="") | Q(scope__account_id=alarm.account)
    unnamed = Q(arn="", name=alarm.name, scope__region=alarm.region) & same_account
    return Alarm.objects.filter(
        Q(arn=alarm.arn) | unnamed, state_updated_at__lt=alarm.changed_at
    ).update(state=alarm.state, reason=alarm.reason, state_updated_at=alarm.changed_at)


def alarm_severity(*, alarm_name: str, scope: AlarmScope) -> int:
    """The severity of the incident an alarm opens: the SeverityRule whose pattern matches its
    name longest (the whole name before a prefix as long), else its scope's."""
    patterns = [alarm_name] + [f"{alarm_name[:end]}*" for end in range(len(alarm_name) + 1)]
    rules = SeverityRule.objects.filter(pattern__in=patterns)
    best = max(
        rules,
        key=lambda rule: (len(rule.pattern.removesuffix("*")), not rule.pattern.endswith("*")),
        default=None,
    )
    return best.severity if best else scope.severity


def _rostered_leader(team: Team) -> AbstractBaseUser | None:
    """Who leads a major incident an alarm opens: a rostered call leader of the team (its
    manager, then its members), else the roster's first."""
    roster = CallLeader.objects.filter(is_active=True, user__is_active=True).select_related("user")
    leader = (
        roster.filter(user=team.manager_id).first()
        or roster.filter(user__in=team.members.all()).first()
        or roster.first()
    )
    return leader.user if leader else None


def _entry(text: str) -> str:
    return text if len(text) <= TimelineEntry.TEXT_MAX else text[: TimelineEntry.TEXT_MAX - 1] + "…"


def _said(alarm: AlarmChange) -> str:
    return alarm.reason or "CloudWatch gave no reason."


def _alarm_incident_open(alarm: AlarmChange, scope: AlarmScope) -> Incident:
    """Declare the incident for an alarm gone to ALARM, its reason the first on the timeline."""
    intake = intake_user()
    severity = alarm_severity(alarm_name=alarm.name, scope=scope)
    leader, note = intake, ""
    if severity in MAJOR_SEVERITIES:
        leader = _rostered_leader(scope.team)
        if leader is None:
            note = (
                f"The alarm's severity is {Severity(severity).label}, which a rostered call "
                f"leader leads, and the roster is empty: declared {Severity.SEV3.label}."
            )
            leader, severity = intake, Severity.SEV3
    incident = incident_declare(
        title=f"{alarm.name} in ALARM"[: Incident.TITLE_MAX],
        severity=severity,
        declared_by=intake,
        call_leader=leader,
        teams=[scope.team],
        detected_at=alarm.changed_at,
    )
    timeline_event_record(
        incident=incident,
        author=intake,
        occurred_at=alarm.changed_at,
        text=_entry(f"CloudWatch alarm {alarm.name} is in ALARM: {_said(alarm)}"),
    )
    if note:
        timeline_event_record(incident=incident, author=intake, text=note)
    AlarmIncident.objects.create(alarm_arn=alarm.arn, alarm_name=alarm.name, incident=incident)
    return incident


def _open_alarm_incident(alarm: AlarmChange) -> Incident | None:
    link = (
        AlarmIncident.objects.filter(alarm_arn=alarm.arn, incident__status__in=OPEN_STATUSES)
        .select_related("incident")
        .order_by("-opened_at", "-pk")
        .first()
    )
    return link.incident if link else None


def _alarm_note(alarm: AlarmChange) -> str:
    if alarm.state == AlarmState.ALARM:
        return f"CloudWatch alarm {alarm.name} is in ALARM again: {_said(alarm)}"
    if alarm.state == AlarmState.OK:
        return f"Alarm recovered: {alarm.name} is OK. {_said(alarm)}"
    return f"CloudWatch alarm {alarm.name} has insufficient data: {_said(alarm)}"


def alarm_change_apply(*, alarm: AlarmChange) -> tuple[str, str, Incident | None]:
    """What an alarm's change does: to ALARM opens an incident for its scope's team, unless one
    it opened is still open, whose timeline then gets the change (as it gets OK, "alarm
    recovered", and INSUFFICIENT_DATA). Returns the outcome, in words, and the incident."""
    incident = _open_alarm_incident(alarm)
    if incident is None and alarm.state == AlarmState.ALARM:
        scope = alarm_scope_for(region=alarm.region, account=alarm.account, alarm_name=alarm.name)
        if scope is None:
            return Outcome.IGNORED, _unheld(alarm), None
        # One ALARM at a time per scope opens an incident: a second, concurrent, finds it.
        AlarmScope.objects.select_for_update().filter(pk=scope.pk).exists()
        incident = _open_alarm_incident(alarm)
        if incident is None:
            incident = _alarm_incident_open(alarm, scope)
            return Outcome.OPENED, f"Opened {incident.reference}.", incident
    if incident is None:
        return Outcome.IGNORED, f"No incident is open for {alarm.name}.", None
    timeline_event_record(
        incident=incident,
        author=intake_user(),
        occurred_at=alarm.changed_at,
        text=_entry(_alarm_note(alarm)),
    )
    return Outcome.NOTED, f"Added to {incident.reference}'s timeline.", incident


def _delivery(message: SnsMessage, **fields) -> SnsDelivery:
    return SnsDelivery(
        message_id=message.message_id,
        topic_arn=message.topic_arn,
        message_type=message.type,
        **fields,
    )


def _delivery_claim(delivery: SnsDelivery) -> bool:
    """Store the delivery unless its MessageId is stored already (by a concurrent request too)."""
    try:
        with transaction.atomic():
            delivery.save()
    except IntegrityError:
        return False
    return True


def _seen(message: SnsMessage) -> SnsDelivery:
    return SnsDelivery.objects.get(message_id=message.message_id)


def _notification_apply(message: SnsMessage) -> tuple[SnsDelivery, bool]:
    now = timezone.now()
    alarm = AlarmChange.from_notification(message.body, received_at=now)
    if alarm is None:
        delivery = _delivery(
            message,
            received_at=now,
            outcome=Outcome.IGNORED,
            detail="Not a CloudWatch alarm's change of state.",
        )
        return (delivery, True) if _delivery_claim(delivery) else (_seen(message), False)
    with transaction.atomic():
        delivery = _delivery(
            message,
            received_at=now,
            alarm_name=alarm.name,
            new_state=alarm.state,
            outcome=Outcome.IGNORED,
        )
        if not _delivery_claim(delivery):
            return _seen(message), False
        try:
            with transaction.atomic():
                outcome, detail, incident = alarm_change_apply(alarm=alarm)
        except ValidationError as error:
            outcome, detail, incident = Outcome.IGNORED, " ".join(error.messages), None
        if alarm_rows_update(alarm=alarm):
            detail = f"{detail} The stored alarm is now {alarm.state}."
        delivery.outcome, delivery.detail, delivery.incident = outcome, detail, incident
        delivery.save(update_fields=["outcome", "detail", "incident"])
    return delivery, True


def _subscription_confirm(message: SnsMessage) -> tuple[SnsDelivery, bool]:
    """GET the SubscribeURL of a listed topic's confirmation (SNS's own host, checked again)."""
    sns_https_get(message.subscribe_url, limit=CONFIRMATION_MAX)
    delivery = _delivery(
        message, outcome=Outcome.SUBSCRIBED, detail=f"Subscribed to {message.topic_arn}."
    )
    return (delivery, True) if _delivery_claim(delivery) else (_seen(message), False)


def sns_delivery_receive(*, message: SnsMessage) -> tuple[SnsDelivery, bool]:
    """Act on an SNS message: only for a topic in settings.SNS_TOPIC_ARNS, only when SNS signed
    it (else UntrustedMessage), and once per MessageId, since SNS delivers at least once.

    Returns the delivery and whether it is new; a repeat returns the first and changes nothing.
    """
    if message.topic_arn not in settings.SNS_TOPIC_ARNS:
        raise UntrustedMessage("The topic is not in SNS_TOPIC_ARNS.")
    sns_message_verify(message)
    seen = SnsDelivery.objects.filter(message_id=message.message_id).first()
    if seen is not None:
        return seen, False
    if message.type == SUBSCRIPTION_CONFIRMATION:
        return _subscription_confirm(message)
    if message.type == NOTIFICATION:
        return _notification_apply(message)
    delivery = _delivery(
        message,
        outcome=Outcome.IGNORED,
        detail="Unsubscribed by SNS; subscribe again from the topic to receive alarms.",
    )
    return (delivery, True) if _delivery_claim(delivery) else (_seen(message), False)
