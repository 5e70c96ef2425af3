from collections.abc import Iterable

from django.contrib.auth.models import AbstractBaseUser
from django.core.exceptions import PermissionDenied
from django.db import transaction

from .models import Team

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
