"""The meeting's emails: a reminder the day before and the minutes once it is done, each to each
attendee once, however many workers or retries (a MeetingEmail row is claimed before sending)."""

from datetime import timedelta

from celery import shared_task
from django.db import transaction
from django.utils import timezone

from opsreview.org import emails
from opsreview.org.emails import TRANSIENT_EMAIL_ERRORS
from opsreview.org.selectors import time_zone_of, with_time_zones
from opsreview.org.zones import site_datetime, site_today

from .models import MeetingEmail, MeetingEmailKind, MeetingStatus, OpsMeeting

TEMPLATES = {
    MeetingEmailKind.REMINDER: "meeting-reminder",
    MeetingEmailKind.MINUTES: "meeting-minutes",
}


def deliver(meeting: OpsMeeting, kind: str, context_for) -> int:
    """Send `kind` to every attendee with an address who has not had it; returns how many.

    Each email is sent inside the transaction that holds its row locked: a second worker waits
    on the row and then finds it sent; a failed send rolls the row back for the retry.
    """
    sent = 0
    attendees = with_time_zones(meeting.attendees.filter(is_active=True).exclude(email=""))
    for person in attendees:
        with transaction.atomic():
            MeetingEmail.objects.get_or_create(meeting=meeting, recipient=person, kind=kind)
            row = MeetingEmail.objects.select_for_update().get(
                meeting=meeting, recipient=person, kind=kind
            )
            if row.sent_at is not None:
                continue
            emails.send(
                TEMPLATES[kind], [person.email], context_for(person), zone=time_zone_of(person)
            )
            row.sent_at = timezone.now()
            row.save(update_fields=["sent_at"])
            sent += 1
    return sent


def _context(meeting: OpsMeeting):
    """What both emails show: the agenda's sections by name and the items raised in the room."""
    from .agenda import build_agenda

    agenda = build_agenda(meeting)
    shared = {
        "meeting": meeting,
        "agenda": agenda,
        **{part.key: part.content for part in agenda.sections},
        "items_raised": list(
            meeting.action_items.select_related("owner", "team").order_by("due_date", "pk")
        ),
    }
    return lambda person: {**shared, "recipient": person}


@shared_task(acks_late=True, autoretry_for=TRANSIENT_EMAIL_ERRORS, retry_backoff=30, max_retries=6)
def send_meeting_minutes(*, meeting_id: int) -> int:
    meeting = OpsMeeting.objects.get(pk=meeting_id)
    if meeting.status != MeetingStatus.DONE:
        return 0
    return deliver(meeting, MeetingEmailKind.MINUTES, _context(meeting))


@shared_task(acks_late=True, autoretry_for=TRANSIENT_EMAIL_ERRORS, retry_backoff=30, max_retries=6)
def send_meeting_reminders() -> int:
    """Beat, daily: attendees of a planned meeting that starts tomorrow hear about it once."""
    tomorrow = site_today() + timedelta(days=1)
    sent = 0
    for meeting in OpsMeeting.objects.filter(
        status=MeetingStatus.PLANNED,
        starts_at__gte=site_datetime(tomorrow),
        starts_at__lt=site_datetime(tomorrow + timedelta(days=1)),
    ):
        sent += deliver(meeting, MeetingEmailKind.REMINDER, _context(meeting))
    return sent
