"""Telling people about an incident: the work its notification tasks do."""

from opsreview.org import emails
from opsreview.org.models import Team

from .models import Incident


def incident_notify_team_engaged(*, incident: Incident, team: Team) -> int:
    """Email each active member of the team that it was engaged; returns how many were sent."""
    members = team.members.filter(is_active=True).exclude(email="")
    for member in members:
        emails.incident_team_engaged(
            member.email, {"incident": incident, "team": team, "member": member}
        )
    return len(members)
