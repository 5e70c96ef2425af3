from collections.abc import Iterable

from axes.utils import reset as axes_reset
from django.contrib.auth.models import AbstractBaseUser
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.http import HttpRequest

from . import selectors
from .audit import audit_record
from .models import AuditAction, Team

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
