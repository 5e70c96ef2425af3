"""The meeting's two emails: the reminder the day before and the minutes once it is done, each
to each attendee with an address exactly once, whatever runs them how often.

Time is frozen on Monday 23 November 2026 (see week.py): week 2026-W48's meeting starts tomorrow.
"""

from datetime import date, timedelta

import pytest
from django.core import mail

from opsreview.actions.models import Term
from opsreview.meetings import tasks
from opsreview.meetings.models import (
    DeepDive,
    MeetingEmail,
    MeetingEmailKind,
    MeetingStatus,
    OpsMeeting,
    SectionKey,
)
from opsreview.meetings.services import meeting_finish, meeting_item_add, section_save, win_post
from tests.coe.factories import CoeFactory
from tests.concurrency import run_at_once
from tests.incidents.factories import IncidentFactory
from tests.org.factories import TeamFactory, UserFactory

from .week import NEXT_WEEK, NOW, WEEK, prepared

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("frozen")]

INJECTED = "<b hx-get=/x>Shipped the canary</b>"
RESET = ConnectionResetError("Connection reset by peer")
REMINDER, MINUTES = MeetingEmailKind.REMINDER, MeetingEmailKind.MINUTES


@pytest.fixture
def facilitator():
    return UserFactory(username="facilitator", first_name="Fay")


@pytest.fixture
def attendees():
    return [UserFactory(username="ann"), UserFactory(username="bo")]


@pytest.fixture
def meeting(facilitator, attendees) -> OpsMeeting:
    return prepared(facilitator, attendees=attendees)


def emails_to(user) -> list:
    return [message for message in mail.outbox if message.to == [user.email]]


def sent(kind) -> set:
    rows = MeetingEmail.objects.filter(kind=kind, sent_at__isnull=False)
    return set(rows.values_list("recipient__username", flat=True))


def html_of(message) -> str:
    [(html, mimetype)] = message.alternatives
    assert mimetype == "text/html"
    return html


# The reminder: the day before, once


def test_the_reminder_goes_to_each_attendee_once_however_often_the_beat_runs(
    meeting, facilitator, attendees
):
    tasks.send_meeting_reminders.delay()
    tasks.send_meeting_reminders.delay()

    for person in [facilitator, *attendees]:
        assert len(emails_to(person)) == 1
    assert len(mail.outbox) == 3
    assert sent(REMINDER) == {"facilitator", "ann", "bo"}
    assert MeetingEmail.objects.count() == 3


def test_attendees_without_an_address_or_no_longer_active_get_no_reminder(meeting, facilitator):
    meeting.attendees.add(UserFactory(username="no-address", email=""))
    meeting.attendees.add(UserFactory(username="left", is_active=False))

    assert tasks.send_meeting_reminders.delay().get() == 3

    assert {message.to[0] for message in mail.outbox} == {
        "facilitator@example.com",
        "ann@example.com",
        "bo@example.com",
    }
    assert sent(REMINDER) == {"facilitator", "ann", "bo"}


@pytest.mark.django_db(transaction=True)
def test_two_workers_sending_reminders_at_once_send_each_attendee_one(meeting, attendees):
    results, errors = run_at_once(
        tasks.send_meeting_reminders, tasks.send_meeting_reminders, timeout=60
    )

    assert errors == []
    assert sum(results) == 3
    for person in [meeting.facilitator, *attendees]:
        assert len(emails_to(person)) == 1
    assert MeetingEmail.objects.filter(kind=REMINDER).count() == 3


def test_only_a_planned_meeting_starting_tomorrow_is_reminded(facilitator, attendees, frozen):
    prepared(facilitator, week=NEXT_WEEK, attendees=attendees)  # starts in eight days
    started = prepared(facilitator, attendees=attendees)
    OpsMeeting.objects.filter(pk=started.pk).update(status=MeetingStatus.IN_PROGRESS)

    assert tasks.send_meeting_reminders.delay().get() == 0

    OpsMeeting.objects.filter(pk=started.pk).update(status=MeetingStatus.PLANNED)
    frozen.move_to(NOW + timedelta(days=1))  # Tuesday: the meeting is today, not tomorrow
    assert tasks.send_meeting_reminders.delay().get() == 0

    assert mail.outbox == []
    assert not MeetingEmail.objects.exists()


def test_a_meeting_moved_to_wednesday_is_reminded_on_tuesday(meeting, frozen):
    OpsMeeting.objects.filter(pk=meeting.pk).update(starts_at=meeting.starts_at + timedelta(days=1))

    assert tasks.send_meeting_reminders.delay().get() == 0
    frozen.move_to(NOW + timedelta(days=1))
    assert tasks.send_meeting_reminders.delay().get() == 3


def test_the_reminder_says_when_links_to_the_meeting_and_gives_the_headlines(
    meeting, facilitator, settings
):
    win_post(actor=facilitator, text="Zero pages overnight for a week")
    win_post(actor=facilitator, text="Canary caught a bad deploy")
    IncidentFactory(title="Gateway 502s")
    coe = CoeFactory(title="Gateway 502s for 20 minutes")
    DeepDive.objects.create(coe=coe, week=WEEK, queued_by=coe.created_by)

    tasks.send_meeting_reminders.delay()

    [message, *_] = emails_to(facilitator)
    link = f"{settings.SITE_URL}/meetings/{meeting.pk}/"
    assert (
        message.subject
        == "BananaStand: ops meeting tomorrow, Tuesday 24 November, 10:00 — week 2026-W48"
    )
    text, html = message.body, html_of(message)
    assert "starts Tuesday 24 November 2026, 10:00 GMT" in text
    assert "Wins shared so far: 2" in text
    assert "Incidents since the last meeting: 1" in text
    assert "COEs queued for a deep dive: 1" in text
    assert "Gateway 502s for 20 minutes" in text
    assert link in text
    assert f'href="{link}"' in html
    assert "2 wins" in html and "1 incident<" in html and "1 deep dive<" in html
    assert "Gateway 502s for 20 minutes" in html


def test_the_reminder_of_an_empty_week_says_so(meeting, facilitator):
    tasks.send_meeting_reminders.delay()

    [message] = emails_to(facilitator)
    assert "Wins shared so far: 0" in message.body
    assert "Incidents since the last meeting: 0" in message.body
    assert "0 wins" in html_of(message)


# The minutes: after the finish commits, once


def test_the_minutes_go_to_each_attendee_once_after_the_finish_commits(
    meeting, facilitator, attendees, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        meeting_finish(meeting=meeting, actor=facilitator)
        assert mail.outbox == []
    assert mail.outbox == []  # nothing until the finish has committed
    assert len(callbacks) == 1

    callbacks[0]()
    tasks.send_meeting_minutes.delay(meeting_id=meeting.pk)  # a retry or a second worker

    for person in [facilitator, *attendees]:
        assert len(emails_to(person)) == 1
    assert len(mail.outbox) == 3
    assert sent(MINUTES) == {"facilitator", "ann", "bo"}
    assert mail.outbox[0].subject == "BananaStand: minutes of the ops meeting, week 2026-W48"


def test_finishing_sends_the_minutes_once_committed(
    meeting, facilitator, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        meeting_finish(meeting=meeting, actor=facilitator)

    assert len(mail.outbox) == 3
    assert sent(MINUTES) == {"facilitator", "ann", "bo"}


def test_an_unfinished_meeting_sends_no_minutes(meeting):
    assert tasks.send_meeting_minutes.delay(meeting_id=meeting.pk).get() == 0

    OpsMeeting.objects.filter(pk=meeting.pk).update(status=MeetingStatus.IN_PROGRESS)
    assert tasks.send_meeting_minutes.delay(meeting_id=meeting.pk).get() == 0

    assert mail.outbox == []
    assert not MeetingEmail.objects.exists()


def test_the_minutes_give_notes_decisions_the_chosen_team_and_the_items_raised(
    meeting, facilitator, attendees, settings, django_capture_on_commit_callbacks
):
    team = TeamFactory(name="Banana Storage")
    OpsMeeting.objects.filter(pk=meeting.pk).update(chosen_team=team)
    win_post(actor=attendees[0], text="Zero pages overnight", team=team)
    success = meeting.sections.get(key=SectionKey.SUCCESS)
    section_save(
        section=success,
        actor=facilitator,
        notes="The **storage** team went a week without a page.",
        decisions="Share the runbook with every team.",
        base_version=0,
    )
    item = meeting_item_add(
        meeting=meeting,
        actor=facilitator,
        title="Write the shared runbook",
        owner=attendees[1],
        team=team,
        term=Term.SHORT,
        due_date=date(2026, 12, 4),
    )

    with django_capture_on_commit_callbacks(execute=True):
        meeting_finish(meeting=meeting, actor=facilitator)

    [message] = emails_to(attendees[0])
    text, html = message.body, html_of(message)
    owner = attendees[1].get_full_name()
    for part in (text, html):
        assert "share and celebrate success" in part.lower()
        assert "review service metrics" in part.lower()
        assert "Zero pages overnight" in part
        assert "Share the runbook with every team." in part
        assert "Banana Storage" in part
        assert "Write the shared runbook" in part
        assert owner in part
        assert "4 Dec 2026" in part
        assert f"{settings.SITE_URL}/actions/{item.pk}/" in part
        assert f"{settings.SITE_URL}/meetings/{meeting.pk}/" in part
    assert "The **storage** team went a week without a page." in text
    assert "The <strong>storage</strong> team went a week without a page." in html
    assert "Team presenting: Banana Storage" in text
    assert "ACTION ITEMS RAISED: 1" in text


def test_minutes_without_notes_or_items_say_so(
    meeting, facilitator, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        meeting_finish(meeting=meeting, actor=facilitator)

    [message] = emails_to(facilitator)
    assert message.body.count("No notes.") == 4
    assert "ACTION ITEMS RAISED: 0" in message.body
    assert "Team presenting: none chosen" in message.body
    assert "No action items were raised." in html_of(message)


# A transport that fails, then recovers


def test_a_failed_send_leaves_no_sent_row_and_the_retry_sends_once(
    meeting, facilitator, flaky_transport
):
    OpsMeeting.objects.filter(pk=meeting.pk).update(status=MeetingStatus.DONE)
    flaky_transport(times=1, error=RESET)

    with pytest.raises(ConnectionResetError):
        tasks.send_meeting_minutes(meeting_id=meeting.pk)

    assert not MeetingEmail.objects.filter(sent_at__isnull=False).exists()
    assert mail.outbox == []

    assert tasks.send_meeting_minutes(meeting_id=meeting.pk) == 3
    assert tasks.send_meeting_minutes(meeting_id=meeting.pk) == 0
    assert len(emails_to(facilitator)) == 1
    assert len(mail.outbox) == 3


def test_the_minutes_task_retries_a_transient_error_and_sends_once(
    meeting, flaky_transport, eager_retries
):
    OpsMeeting.objects.filter(pk=meeting.pk).update(status=MeetingStatus.DONE)
    flaky_transport(times=2, error=RESET)

    result = tasks.send_meeting_minutes.delay(meeting_id=meeting.pk)

    assert result.get() == 3
    assert len(mail.outbox) == 3
    assert sent(MINUTES) == {"facilitator", "ann", "bo"}


def test_the_reminder_task_retries_and_reaches_everyone_once(
    meeting, flaky_transport, eager_retries
):
    flaky_transport(times=1, error=RESET)

    assert tasks.send_meeting_reminders.delay().get() == 3

    assert len(mail.outbox) == 3
    assert sent(REMINDER) == {"facilitator", "ann", "bo"}


# What people wrote stays text


def test_markup_in_wins_notes_and_decisions_arrives_as_text(
    meeting, facilitator, django_capture_on_commit_callbacks
):
    win_post(actor=facilitator, text=INJECTED)
    section_save(
        section=meeting.sections.get(key=SectionKey.EVENTS),
        actor=facilitator,
        notes=f"{INJECTED} <script>alert(1)</script>",
        decisions=INJECTED,
        base_version=0,
    )
    tasks.send_meeting_reminders.delay()
    with django_capture_on_commit_callbacks(execute=True):
        meeting_finish(meeting=meeting, actor=facilitator)

    reminder, minutes = emails_to(facilitator)
    for message in (reminder, minutes):
        assert "<b hx-get" not in html_of(message)
        assert "<script" not in html_of(message)
    minutes_html = html_of(minutes)
    assert (
        "&lt;b hx-get=/x&gt;Shipped the canary&lt;/b&gt;" in minutes_html
    )  # the win, the decision
    assert minutes_html.count("&lt;b hx-get=/x&gt;") >= 2
    assert "Shipped the canary" in minutes.body
    assert minutes.body.count(INJECTED) == 3  # the win, the notes and the decision, as written


# The beat


def test_the_beat_runs_the_reminders_daily_at_nine(settings):
    entry = settings.CELERY_BEAT_SCHEDULE["ops-meeting-reminders"]

    assert entry["task"] == tasks.send_meeting_reminders.name
    assert (entry["schedule"].minute, entry["schedule"].hour) == ({0}, {9})
    assert entry["schedule"].day_of_week == set(range(7))
