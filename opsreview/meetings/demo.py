"""BananaStand's ops meetings: this week's, with wins and the gateway COE queued for a deep dive,
and last week's, done, with its minutes.

Idempotent like the rest of the demo: a meeting is seeded only when its week has none yet, so a
second run, or a run after someone prepared or edited a meeting, changes nothing.
"""

from datetime import timedelta

from django.utils import timezone

from coe.models import Coe
from opsreview.actions.models import Term
from wheel.models import Spin, Wheel

from . import services
from .models import MeetingStatus, OpsMeeting, SectionKey, iso_week

FACILITATOR = "manager"

# author, team, text
THIS_WEEKS_WINS = [
    ("engineer", "banana-storage", "Banana Storage went four weeks without a page."),
    (
        "callleader",
        "front-door",
        "Gateway rollback drill: the previous configuration was back in 4 minutes, not 38.",
    ),
    (
        "manager",
        "banana-distributor",
        "Support contacts about distribution limits halved since the retry backoff went out.",
    ),
]

# section, notes (markdown), decisions
LAST_WEEKS_MINUTES = {
    SectionKey.SUCCESS: (
        "- Banana Storage: a quiet week, **no pages**.\n"
        "- The gateway outage's rollback item is done.",
        "",
    ),
    SectionKey.EVENTS: (
        "Walked through the API Gateway outage. The 502s began with a route-table change that "
        "no test exercised end to end; detection took 7 minutes.",
        "The gateway COE comes back for a deep dive once it is reviewed.",
    ),
    SectionKey.METRICS: (
        "Banana Storage showed its inventory dashboard: latency flat, one noisy alarm that pages "
        "on a single failed health check.",
        "Banana Storage tunes the health-check alarm to three failures in a row.",
    ),
    SectionKey.IMPROVEMENTS: (
        "Two gateway items are past due; both owners gave new dates in the room.",
        "",
    ),
}
LAST_WEEKS_ITEM = "Alarm on three failed inventory health checks in a row, not one"


def _this_weeks_meeting(users: dict, teams: dict, coes: list[Coe]) -> OpsMeeting:
    meeting, created = services.meeting_prepare(actor=users[FACILITATOR])
    if not created:
        return meeting
    meeting.attendees.set(users.values())
    for author, team, text in THIS_WEEKS_WINS:
        services.win_post(actor=users[author], text=text, team=teams[team])
    gateway = coes[0] if coes else None
    if gateway is not None:
        services.deep_dive_queue(coe=gateway, actor=gateway.created_by, week=meeting.week)
    return meeting


def _last_weeks_spin(wheel: Wheel | None) -> Spin | None:
    if wheel is None:
        return None
    return wheel.spins.filter(chosen_at__isnull=False).order_by("-chosen_at").first()


def _last_weeks_meeting(users: dict, teams: dict, wheel: Wheel | None) -> OpsMeeting:
    """History, as it happened: the notes, the wheel's pick and one item, then done (no emails)."""
    facilitator = users[FACILITATOR]
    week = iso_week(timezone.localdate() - timedelta(weeks=1))
    meeting, created = services.meeting_prepare(actor=facilitator, week=week)
    if not created:
        return meeting
    meeting.attendees.set(users.values())
    for section in meeting.sections.all():
        notes, decisions = LAST_WEEKS_MINUTES[section.key]
        services.section_save(
            section=section, actor=facilitator, notes=notes, decisions=decisions, base_version=0
        )
    spin = _last_weeks_spin(wheel)
    if spin is not None:
        meeting = services.meeting_choose_team(meeting=meeting, actor=facilitator, spin=spin)
    services.meeting_item_add(
        meeting=meeting,
        actor=facilitator,
        title=LAST_WEEKS_ITEM,
        owner=users["engineer"],
        team=teams["banana-storage"],
        term=Term.SHORT,
        due_date=timezone.localdate() + timedelta(days=3),
    )
    meeting.status = MeetingStatus.DONE
    meeting.started_at = meeting.starts_at
    meeting.finished_at = meeting.starts_at + timedelta(minutes=meeting.length_minutes)
    meeting._history_user = facilitator
    meeting.save(update_fields=["status", "started_at", "finished_at"])
    return meeting


def seed_meetings(
    users: dict, teams: dict, coes: list[Coe], wheel: Wheel | None = None
) -> list[OpsMeeting]:
    return [
        _last_weeks_meeting(users, teams, wheel),
        _this_weeks_meeting(users, teams, coes),
    ]
