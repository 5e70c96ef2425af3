from collections.abc import Iterable

from axes.utils import reset as axes_reset
from django.contrib.auth.models import AbstractBaseUser
from django.core.exceptions import PermissionDenied
from django.db import IntegrityError, transaction
from django.http import HttpRequest
from django.utils import timezone

from . import selectors
from .audit import audit_record
from .models import AuditAction, EmailOptOut, Notification, NotificationKind, Profile, Team
from .tasks import send_notification_email

TEAM_EDITABLE_FIELDS = ("name", "description", "manager", "dashboard_url", "runbook_url")


@transaction.atomic
def team_update(
    *,
    team: Team,
    actor: AbstractBaseUser,
    changes: dict,
    members: Iterable[AbstractBaseUser] | None = None,
) -> Team:
    """Change a team's details and members; only staff or the team's manager may.

    The manager field is staff-only: a manager cannot hand their team's report to someone else.
    """
    if not team.can_be_edited_by(actor):
        raise PermissionDenied("Only staff or the team's manager can edit this team.")
    if "manager" in changes and changes["manager"] != team.manager and not actor.is_staff:
        raise PermissionDenied("Only staff can change a team's manager.")
    unknown = set(changes) - set(TEAM_EDITABLE_FIELDS)
    if unknown:
        raise ValueError(f"Not editable: {', '.join(sorted(unknown))}")
    for field, value in changes.items():
        setattr(team, field, value)
    team.full_clean()
    team._history_user = actor
    team.save(update_fields=list(changes))
    if members is not None:
        team.members.set(members)
    return team


@transaction.atomic
def lockout_clear(
    *,
    actor: AbstractBaseUser,
    username: str = "",
    ip_address: str = "",
    request: HttpRequest | None = None,
) -> int:
    """Let a locked account, or a locked address, sign in again now; staff only, and audited.

    Returns how many counting failures were cleared: 0 when the lock had already ended.
    """
    if not actor.is_staff:
        raise PermissionDenied("Only staff can unlock sign-in.")
    if bool(username) == bool(ip_address):
        raise ValueError("Unlock one account or one address at a time.")
    failures = sum(
        selectors.sign_in_failures(username=username or None, ip_address=ip_address or None)
    )
    axes_reset(username=username or None, ip=ip_address or None)
    if failures:
        what = f"account “{username}”" if username else f"address {ip_address}"
        audit_record(
            AuditAction.LOCKOUT_CLEARED,
            actor=actor,
            detail=f"Unlocked {what}, clearing {failures} failed sign-ins.",
            request=request,
        )
    return failures


# Notifications: each step that needs someone reaches them once


def _clip(text: str, limit: int) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else f"{text[: limit - 1]}…"


def notify(
    *,
    recipient: AbstractBaseUser,
    kind: str,
    key: str,
    text: str,
    url: str,
    actor: AbstractBaseUser | None = None,
) -> Notification | None:
    """Tell `recipient` once about `key`; nobody is told about their own doing, and people
    who can no longer sign in are not told. Returns the new notification, or None."""
    if not recipient.is_active or (actor is not None and actor.pk == recipient.pk):
        return None
    fields = {
        "kind": NotificationKind(kind),
        "text": _clip(text, Notification.TEXT_MAX),
        "url": url[: Notification.URL_MAX],
        "actor": actor,
    }
    key = key[: Notification.KEY_MAX]
    try:
        with transaction.atomic():
            notification, created = Notification.objects.get_or_create(
                recipient=recipient, key=key, defaults=fields
            )
    except IntegrityError:  # made at the same moment by another request: it is there once
        return None
    if not created:
        return None
    transaction.on_commit(lambda: send_notification_email.delay(notification_id=notification.pk))
    return notification


def notify_each(people: Iterable[AbstractBaseUser], **fields) -> list[Notification]:
    """notify() each person once, however often they are listed."""
    seen, made = set(), []
    for person in people:
        if person.pk not in seen:
            seen.add(person.pk)
            if notification := notify(recipient=person, **fields):
                made.append(notification)
    return made


def notification_open(*, notification: Notification, actor: AbstractBaseUser) -> Notification:
    """Mark one of the actor's notifications read (opening it reads it)."""
    if notification.recipient_id != actor.pk:
        raise PermissionDenied("That notification is someone else's.")
    if notification.read_at is None:
        notification.read_at = timezone.now()
        Notification.objects.filter(pk=notification.pk, read_at__isnull=True).update(
            read_at=notification.read_at
        )
    return notification


def notifications_read_all(*, actor: AbstractBaseUser) -> int:
    """Mark every unread notification of the actor read; returns how many."""
    return Notification.objects.filter(recipient=actor, read_at__isnull=True).update(
        read_at=timezone.now()
    )


@transaction.atomic
def email_preferences_save(*, actor: AbstractBaseUser, wanted: Iterable[str]) -> None:
    """The kinds of email the actor wants; every other kind is turned off."""
    wanted = {NotificationKind(kind) for kind in wanted}
    unwanted = set(NotificationKind) - wanted
    EmailOptOut.objects.filter(person=actor).exclude(kind__in=unwanted).delete()
    have = set(EmailOptOut.objects.filter(person=actor).values_list("kind", flat=True))
    EmailOptOut.objects.bulk_create(
        [EmailOptOut(person=actor, kind=kind) for kind in unwanted if kind not in have]
    )


@transaction.atomic
def profile_time_zone_set(*, actor: AbstractBaseUser, time_zone: str) -> Profile:
    """The zone the actor reads and types times in: an IANA name this server knows, or
    ValidationError. Choosing one (even the site's) also ends the offer of the browser's."""
    profile, _ = Profile.objects.get_or_create(person=actor)
    profile.time_zone = time_zone
    profile.full_clean()
    profile.save(update_fields=["time_zone"])
    return profile
