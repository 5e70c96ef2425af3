"""Every write to an ops meeting: who may, its lifecycle, and notes that never lose an edit."""

from datetime import datetime, time, timedelta

from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from coe.models import Coe
from opsreview.actions.services import action_item_create
from opsreview.org.editing import StaleVersion
from opsreview.org.fields import require_at_most
from opsreview.org.models import Team
from opsreview.org.stored_markdown import MARKDOWN_MAX_CHARS
from opsreview.org.zones import site_datetime, site_today
from wheel.models import Spin

from .models import (
    DEFAULT_TIME_BOXES,
    MAX_LENGTH_MINUTES,
    DeepDive,
    MeetingSection,
    MeetingStatus,
    OpsMeeting,
    SectionKey,
    Win,
    iso_week,
    week_monday,
)

RUN_REFUSED = "Only the meeting's facilitator and staff can prepare, run and finish it."
DONE_REFUSED = "This meeting is done: its minutes are kept as they were."
DEEP_DIVE_REFUSED = (
    "Only the COE's authors, its team, its reviewers and staff can queue it for a meeting."
)


def _require_runner(meeting: OpsMeeting, actor: AbstractBaseUser) -> None:
    if not meeting.can_be_run_by(actor):
        raise PermissionDenied(RUN_REFUSED)


def default_start(week: str) -> datetime:
    """The week's meeting by default: its weekday and time from settings, in the site's zone."""
    day = week_monday(week) + timedelta(days=settings.MEETING_WEEKDAY)
    hour, minute = (int(part) for part in settings.MEETING_TIME.split(":"))
    return site_datetime(day, time(hour, minute))


@transaction.atomic
def meeting_prepare(*, actor: AbstractBaseUser, week: str | None = None) -> tuple[OpsMeeting, bool]:
    """This week's meeting (or `week`'s), created with its four sections if it does not exist yet.
    Returns (meeting, created): preparing a week that has a meeting opens the existing one."""
    if not actor.is_active:
        raise PermissionDenied("Only signed-in people can prepare a meeting.")
    week = week or iso_week(site_today())
    existing = OpsMeeting.objects.filter(week=week).first()
    if existing:
        return existing, False
    try:
        with transaction.atomic():
            meeting = OpsMeeting.objects.create(
                week=week,
                starts_at=default_start(week),
                facilitator=actor,
                created_by=actor,
            )
    except IntegrityError:  # prepared by someone else at the same moment
        return OpsMeeting.objects.get(week=week), False
    meeting.attendees.add(actor)
    MeetingSection.objects.bulk_create(
        MeetingSection(meeting=meeting, key=key, position=n, time_box_minutes=minutes)
        for n, (key, minutes) in enumerate(DEFAULT_TIME_BOXES.items())
    )
    return meeting, True


@transaction.atomic
def meeting_update(
    *,
    meeting: OpsMeeting,
    actor: AbstractBaseUser,
    starts_at: datetime,
    facilitator: AbstractBaseUser,
    attendees,
    time_boxes: dict[str, int],
) -> OpsMeeting:
    """When, who, and how long each section may take; the length is the time boxes' sum."""
    _require_runner(meeting, actor)
    if meeting.is_done:
        raise ValidationError(DONE_REFUSED)
    if not facilitator.is_active:
        raise ValidationError({"facilitator": "Choose an active person to facilitate."})
    if set(time_boxes) != set(SectionKey.values):
        raise ValidationError("Give every section a time box.")
    if any(minutes < 1 for minutes in time_boxes.values()):
        raise ValidationError("Give every section at least a minute.")
    total = sum(time_boxes.values())
    if total > MAX_LENGTH_MINUTES:
        raise ValidationError(
            f"The sections add up to {total} minutes; a meeting can last at most "
            f"{MAX_LENGTH_MINUTES}."
        )
    meeting.starts_at = starts_at
    meeting.facilitator = facilitator
    meeting.length_minutes = max(total, 5)
    meeting._history_user = actor
    meeting.save(update_fields=["starts_at", "facilitator", "length_minutes"])
    meeting.attendees.set(attendees)
    for section in meeting.sections.all():
        section.time_box_minutes = time_boxes[section.key]
        section.save(update_fields=["time_box_minutes"])
    return meeting


def _locked(meeting: OpsMeeting) -> OpsMeeting:
    return OpsMeeting.objects.select_for_update().get(pk=meeting.pk)


@transaction.atomic
def meeting_start(*, meeting: OpsMeeting, actor: AbstractBaseUser) -> OpsMeeting:
    """Planned → in progress; starting one already under way changes nothing."""
    _require_runner(meeting, actor)
    meeting = _locked(meeting)
    if meeting.status == MeetingStatus.DONE:
        raise ValidationError("This meeting is done already.")
    if meeting.status == MeetingStatus.PLANNED:
        meeting.status = MeetingStatus.IN_PROGRESS
        meeting.started_at = timezone.now()
        meeting._history_user = actor
        meeting.save(update_fields=["status", "started_at"])
    return meeting


@transaction.atomic
def meeting_finish(*, meeting: OpsMeeting, actor: AbstractBaseUser) -> OpsMeeting:
    """Done: the notes, decisions and chosen team stand as the minutes, emailed to the attendees
    once the change is committed."""
    from . import tasks

    _require_runner(meeting, actor)
    meeting = _locked(meeting)
    if meeting.status == MeetingStatus.DONE:
        raise ValidationError("This meeting is done already.")
    now = timezone.now()
    meeting.status = MeetingStatus.DONE
    meeting.started_at = meeting.started_at or now
    meeting.finished_at = now
    meeting._history_user = actor
    meeting.save(update_fields=["status", "started_at", "finished_at"])
    transaction.on_commit(lambda: tasks.send_meeting_minutes.delay(meeting_id=meeting.pk))
    return meeting


@transaction.atomic
def section_save(
    *,
    section: MeetingSection,
    actor: AbstractBaseUser,
    notes: str,
    decisions: str,
    base_version: int,
) -> MeetingSection:
    """Save a section's notes and decisions, refused (StaleVersion) if someone saved them after
    `base_version`: the writer then sees both and merges, as in the COE editor."""
    _require_runner(section.meeting, actor)
    if section.meeting.is_done:
        raise ValidationError(DONE_REFUSED)
    if len(notes) > MARKDOWN_MAX_CHARS:
        raise ValidationError(
            {"notes": f"Notes can hold at most {MARKDOWN_MAX_CHARS:,} characters."}
        )
    require_at_most(decisions, MeetingSection.DECISIONS_MAX, field="decisions", what="decisions")
    decisions = decisions.strip()  # as stored, so resending what is saved is no conflict
    locked = MeetingSection.objects.select_for_update().get(pk=section.pk)
    if locked.notes == notes and locked.decisions == decisions:
        return locked
    if locked.version != base_version:
        raise StaleVersion(locked)
    locked.notes = notes
    locked.decisions = decisions
    locked.version += 1
    locked.updated_by = actor
    locked.updated_at = timezone.now()
    locked.save(update_fields=["notes", "decisions", "version", "updated_by", "updated_at"])
    return locked


def win_post(*, actor: AbstractBaseUser, text: str, team: Team | None = None) -> Win:
    """Anyone signed in shares a win; it opens this week's meeting."""
    if not actor.is_active:
        raise PermissionDenied("Only signed-in people can post a win.")
    text = (text or "").strip()
    if not text:
        raise ValidationError({"text": "Say what went well."})
    require_at_most(text, Win.TEXT_MAX, field="text", what="a win")
    return Win.objects.create(text=text, team=team, author=actor, week=iso_week(site_today()))


def can_queue_deep_dive(coe: Coe, user: AbstractBaseUser) -> bool:
    """A COE's authors and team, those who reviewed it, and staff put it on a meeting's agenda."""
    if not user.is_active:
        return False
    if user.is_staff or coe.is_author_or_team_member(user):
        return True
    return coe.reviews.filter(reviewer=user).exists()


def _is_iso_week(week: str) -> bool:
    """2026-W48 as iso_week() writes it; weeks compare as text, so no other spelling will do."""
    try:
        return iso_week(week_monday(week)) == week
    except (TypeError, ValueError):
        return False


def deep_dive_queue(*, coe: Coe, actor: AbstractBaseUser, week: str) -> DeepDive:
    if not can_queue_deep_dive(coe, actor):
        raise PermissionDenied(DEEP_DIVE_REFUSED)
    if week < iso_week(site_today()):
        raise ValidationError({"week": "That week's meeting is past; choose this week or later."})
    if not _is_iso_week(week):
        raise ValidationError({"week": f"Choose a week such as {iso_week(site_today())}."})
    dive, _ = DeepDive.objects.get_or_create(coe=coe, week=week, defaults={"queued_by": actor})
    return dive


@transaction.atomic
def meeting_choose_team(*, meeting: OpsMeeting, actor: AbstractBaseUser, spin: Spin) -> OpsMeeting:
    """The wheel's chosen team presents its dashboard in this meeting."""
    _require_runner(meeting, actor)
    if not spin.was_chosen:
        raise ValidationError("Choose the spin on the wheel first.")
    meeting = _locked(meeting)
    if meeting.is_done:
        raise ValidationError(DONE_REFUSED)
    meeting.spin = spin
    meeting.chosen_team = spin.participant.team if spin.participant_id else None
    meeting._history_user = actor
    meeting.save(update_fields=["spin", "chosen_team"])
    return meeting


def meeting_item_add(*, meeting: OpsMeeting, actor: AbstractBaseUser, **fields):
    """An action item raised in the meeting: tracked like any other, its source this meeting."""
    if meeting.is_done:
        raise ValidationError(DONE_REFUSED)
    return action_item_create(actor=actor, meeting=meeting, **fields)
