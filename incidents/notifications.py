"""Telling people about an incident: the work its notification tasks do."""

from opsreview.org import emails
from opsreview.org.models import Team
from opsreview.org.selectors import time_zone_of, with_time_zones

from .models import Incident


def incident_notify_team_engaged(*, incident: Incident, team: Team) -> int:
    """Email each active member of the team that it was engaged, its times in their zone;
    returns how many were sent."""
    members = with_time_zones(team.members.filter(is_active=True).exclude(email=""))
    for member in members:
        emails.incident_team_engaged(
            member.email,
            {"incident": incident, "team": team, "member": member},
            zone=time_zone_of(member),
        )
    return len(members)
