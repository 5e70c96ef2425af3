"""Every write to an ops meeting: one meeting a week, who may run it, notes that never lose an
edit or keep anything executable, wins, deep dives and time boxes. A refused write says why and
changes nothing. Time is frozen on Monday 23 November 2026, week 2026-W48 (see week.py)."""

from datetime import date, timedelta

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from coe.models import CoeReview, ReviewDecision
from opsreview.actions.models import ActionItem, Term
from opsreview.meetings.models import (
    DEFAULT_LENGTH_MINUTES,
    DEFAULT_TIME_BOXES,
    DeepDive,
    MeetingSection,
    MeetingStatus,
    OpsMeeting,
    SectionKey,
    Win,
)
from opsreview.meetings.services import (
    RUN_REFUSED,
    can_queue_deep_dive,
    deep_dive_queue,
    meeting_choose_team,
    meeting_finish,
    meeting_item_add,
    meeting_prepare,
    meeting_start,
    meeting_update,
    section_save,
    win_post,
)
from opsreview.org.editing import StaleVersion
from tests.coe.factories import CoeFactory
from tests.concurrency import run_at_once
from tests.org.factories import TeamFactory, UserFactory
from tests.wheel.factories import SpinFactory

from .week import LAST_WEEK, NEXT_WEEK, STARTS, WEEK

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("frozen")]

BOXES = {"success": 5, "events": 30, "metrics": 20, "improvements": 15}


@pytest.fixture
def facilitator():
    return UserFactory(username="facilitator")


@pytest.fixture
def meeting(facilitator) -> OpsMeeting:
    meeting, _ = meeting_prepare(actor=facilitator)
    return meeting


@pytest.fixture
def staff():
    return UserFactory(username="staff", is_staff=True)


@pytest.fixture
def someone():
    return UserFactory(username="someone")


def section(meeting, key=SectionKey.SUCCESS) -> MeetingSection:
    return meeting.sections.get(key=key)


def state(meeting: OpsMeeting) -> dict:
    """Everything a write could change about a meeting."""
    meeting = OpsMeeting.objects.get(pk=meeting.pk)
    return {
        "meeting": OpsMeeting.objects.filter(pk=meeting.pk).values().get(),
        "attendees": set(meeting.attendees.values_list("pk", flat=True)),
        "sections": list(meeting.sections.order_by("position").values()),
        "items": list(ActionItem.objects.filter(meeting=meeting).values_list("pk", flat=True)),
    }


def update(meeting, actor, **changes):
    fields = {
        "starts_at": meeting.starts_at,
        "facilitator": meeting.facilitator,
        "attendees": list(meeting.attendees.all()),
        "time_boxes": dict(DEFAULT_TIME_BOXES),
    } | changes
    return meeting_update(meeting=meeting, actor=actor, **fields)


def save(meeting, actor, notes="Pages halved.", decisions="", base_version=0, key="success"):
    return section_save(
        section=section(meeting, key),
        actor=actor,
        notes=notes,
        decisions=decisions,
        base_version=base_version,
    )


def chosen_spin():
    return SpinFactory(chosen_at=timezone.now())


def add_item(meeting, actor):
    return meeting_item_add(
        meeting=meeting,
        actor=actor,
        title="Share the runbook",
        owner=actor,
        team=TeamFactory(),
        term=Term.SHORT,
        due_date=date(2026, 12, 4),
    )


# One meeting per week


def test_preparing_creates_this_weeks_meeting_with_four_sections(facilitator):
    meeting, created = meeting_prepare(actor=facilitator)

    assert created
    assert (meeting.week, meeting.starts_at, meeting.status) == (WEEK, STARTS, "planned")
    assert (meeting.facilitator, meeting.created_by) == (facilitator, facilitator)
    assert list(meeting.attendees.all()) == [facilitator]
    sections = list(meeting.sections.order_by("position"))
    assert [(s.key, s.time_box_minutes) for s in sections] == list(DEFAULT_TIME_BOXES.items())
    assert sum(s.time_box_minutes for s in sections) == meeting.length_minutes


def test_preparing_a_week_twice_opens_the_same_meeting(meeting, someone):
    again, created = meeting_prepare(actor=someone)

    assert (again, created) == (meeting, False)
    assert again.facilitator.username == "facilitator"
    assert OpsMeeting.objects.count() == 1
    assert MeetingSection.objects.count() == 4


def test_another_week_is_another_meeting(meeting, facilitator):
    following, created = meeting_prepare(actor=facilitator, week=NEXT_WEEK)

    assert created
    assert following.starts_at == STARTS + timedelta(weeks=1)
    assert OpsMeeting.objects.count() == 2


def test_the_database_refuses_a_second_meeting_in_a_week(meeting, facilitator):
    with pytest.raises(IntegrityError), transaction.atomic():
        OpsMeeting.objects.create(
            week=WEEK, starts_at=STARTS, facilitator=facilitator, created_by=facilitator
        )

    assert OpsMeeting.objects.count() == 1


@pytest.mark.django_db(transaction=True)
def test_two_people_preparing_the_week_at_once_get_one_meeting(facilitator, someone):
    results, errors = run_at_once(
        lambda: meeting_prepare(actor=facilitator), lambda: meeting_prepare(actor=someone)
    )

    assert errors == []
    assert sorted(created for _, created in results) == [False, True]
    assert len({meeting.pk for meeting, _ in results}) == 1
    assert MeetingSection.objects.count() == 4


def test_someone_deactivated_cannot_prepare_a_meeting():
    with pytest.raises(PermissionDenied):
        meeting_prepare(actor=UserFactory(is_active=False))

    assert not OpsMeeting.objects.exists()


# Who may run a meeting: the facilitator and staff; others are refused and nothing changes

WRITES = {
    "update": lambda meeting, actor: update(meeting, actor, time_boxes=BOXES),
    "start": lambda meeting, actor: meeting_start(meeting=meeting, actor=actor),
    "finish": lambda meeting, actor: meeting_finish(meeting=meeting, actor=actor),
    "save notes": lambda meeting, actor: save(meeting, actor),
    "choose team": lambda meeting, actor: meeting_choose_team(
        meeting=meeting, actor=actor, spin=chosen_spin()
    ),
    "add item": add_item,
}


@pytest.mark.parametrize("write", WRITES.values(), ids=WRITES.keys())
@pytest.mark.parametrize("who", ["facilitator", "staff"])
def test_the_facilitator_and_staff_run_the_meeting(
    write, who, meeting, request, django_capture_on_commit_callbacks
):
    before = state(meeting)

    with django_capture_on_commit_callbacks(execute=True):
        write(meeting, request.getfixturevalue(who))

    assert state(meeting) != before


@pytest.mark.parametrize("write", WRITES.values(), ids=WRITES.keys())
@pytest.mark.parametrize("who", ["someone", "attendee", "former facilitator"])
def test_anyone_else_is_refused_and_nothing_changes(
    write, who, meeting, django_capture_on_commit_callbacks
):
    actor = UserFactory()
    if who == "attendee":
        meeting.attendees.add(actor)
    if who == "former facilitator":
        OpsMeeting.objects.filter(pk=meeting.pk).update(facilitator=actor)
        actor.is_active = False
        actor.save()
        meeting.refresh_from_db()
    before = state(meeting)

    with (
        django_capture_on_commit_callbacks(execute=True) as callbacks,
        pytest.raises(PermissionDenied) as refused,
    ):
        write(meeting, actor)

    assert str(refused.value)
    assert state(meeting) == before
    assert callbacks == []


def test_the_refusal_says_who_may(meeting, someone):
    with pytest.raises(PermissionDenied, match=RUN_REFUSED):
        meeting_start(meeting=meeting, actor=someone)


# The lifecycle


def test_planned_then_in_progress_then_done(meeting, facilitator, frozen):
    frozen.move_to(STARTS)
    meeting = meeting_start(meeting=meeting, actor=facilitator)
    assert (meeting.status, meeting.started_at) == (MeetingStatus.IN_PROGRESS, STARTS)

    frozen.move_to(STARTS + timedelta(minutes=5))
    assert meeting_start(meeting=meeting, actor=facilitator).started_at == STARTS

    frozen.move_to(STARTS + timedelta(hours=1))
    meeting = meeting_finish(meeting=meeting, actor=facilitator)
    assert meeting.status == MeetingStatus.DONE
    assert (meeting.started_at, meeting.finished_at) == (STARTS, STARTS + timedelta(hours=1))


def test_a_done_meeting_is_not_started_finished_or_rescheduled_again(meeting, facilitator, staff):
    meeting_finish(meeting=meeting, actor=facilitator)
    before = state(meeting)

    for write in (meeting_start, meeting_finish):
        with pytest.raises(ValidationError, match="done already"):
            write(meeting=meeting, actor=staff)
    with pytest.raises(ValidationError, match="minutes are kept"):
        update(OpsMeeting.objects.get(pk=meeting.pk), staff, time_boxes=BOXES)
    with pytest.raises(ValidationError, match="minutes are kept"):
        meeting_choose_team(meeting=meeting, actor=staff, spin=chosen_spin())

    assert state(meeting) == before


def test_finishing_without_starting_records_both_times(meeting, facilitator):
    meeting = meeting_finish(meeting=meeting, actor=facilitator)

    assert meeting.started_at == meeting.finished_at == timezone.now()


# The wheel's team


def test_the_chosen_spin_gives_the_meeting_its_team(meeting, facilitator):
    spin = chosen_spin()

    meeting = meeting_choose_team(meeting=meeting, actor=facilitator, spin=spin)

    assert (meeting.spin, meeting.chosen_team) == (spin, spin.participant.team)


def test_a_spin_not_yet_chosen_is_refused(meeting, facilitator):
    with pytest.raises(ValidationError, match="Choose the spin"):
        meeting_choose_team(meeting=meeting, actor=facilitator, spin=SpinFactory())

    meeting.refresh_from_db()
    assert (meeting.spin, meeting.chosen_team) == (None, None)


# Notes: no lost update, nothing executable


def test_saving_notes_bumps_the_version(meeting, facilitator):
    saved = save(meeting, facilitator, notes="Pages halved.", decisions="  Keep the canary.  ")

    assert (saved.version, saved.notes, saved.decisions) == (1, "Pages halved.", "Keep the canary.")
    assert saved.notes_html == "<p>Pages halved.</p>"
    assert (saved.updated_by, saved.updated_at) == (facilitator, timezone.now())


def test_a_save_from_a_stale_version_is_refused_and_keeps_the_saved_text(
    meeting, facilitator, staff
):
    save(meeting, facilitator, notes="First writer's notes.", base_version=0)

    with pytest.raises(StaleVersion) as stale:
        save(meeting, staff, notes="Second writer's notes.", base_version=0)

    assert stale.value.current.notes == "First writer's notes."
    kept = section(meeting)
    assert (kept.notes, kept.version, kept.updated_by) == ("First writer's notes.", 1, facilitator)


def test_saving_what_is_already_saved_from_a_stale_version_is_no_conflict(meeting, facilitator):
    save(meeting, facilitator, notes="Same.", decisions="Keep it.", base_version=0)

    again = save(meeting, facilitator, notes="Same.", decisions="Keep it.\r\n", base_version=0)

    assert (again.notes, again.decisions, again.version) == ("Same.", "Keep it.", 1)


def test_nothing_executable_survives_in_the_notes(meeting, facilitator):
    saved = save(
        meeting,
        facilitator,
        notes=(
            "<script>alert(1)</script> <b hx-get=/x>bold</b> "
            '<a href="/y" hx-post="/z" onclick="steal()">link</a> [js](javascript:alert(1))'
        ),
    )

    html = section(meeting).notes_html
    for executable in ("<script", "hx-get", "hx-post", "onclick", 'href="javascript'):
        assert executable not in html
    assert "&lt;script&gt;" in html
    assert saved.notes.startswith("<script>")  # what was written is kept, as text


def test_notes_and_decisions_over_their_limits_are_refused(meeting, facilitator):
    with pytest.raises(ValidationError, match="at most 100,000 characters"):
        save(meeting, facilitator, notes="x" * 100_001)
    with pytest.raises(ValidationError, match="under 10000 characters"):
        save(meeting, facilitator, decisions="x" * 10_001)

    assert (section(meeting).notes, section(meeting).version) == ("", 0)


# Wins: anyone signed in


def test_anyone_signed_in_posts_a_win_for_this_week(someone):
    team = TeamFactory()

    win = win_post(actor=someone, text="  Zero pages overnight  ", team=team)

    assert (win.text, win.team, win.author, win.week) == (
        "Zero pages overnight",
        team,
        someone,
        WEEK,
    )


@pytest.mark.parametrize(
    ("text", "message"),
    [("", "Say what went well."), ("   \n ", "Say what went well."), ("x" * 501, "under 500")],
)
def test_an_empty_or_too_long_win_is_refused(someone, text, message):
    with pytest.raises(ValidationError, match=message):
        win_post(actor=someone, text=text)

    assert not Win.objects.exists()


def test_a_win_of_exactly_the_limit_is_kept(someone):
    assert len(win_post(actor=someone, text="x" * Win.TEXT_MAX).text) == Win.TEXT_MAX


def test_someone_deactivated_posts_no_win():
    with pytest.raises(PermissionDenied):
        win_post(actor=UserFactory(is_active=False), text="A win")

    assert not Win.objects.exists()


# Deep dives: the COE's authors, team, reviewers and staff


@pytest.fixture
def coe():
    return CoeFactory()


def test_the_coes_author_queues_it_for_this_week(coe):
    dive = deep_dive_queue(coe=coe, actor=coe.created_by, week=WEEK)

    assert (dive.coe, dive.week, dive.queued_by) == (coe, WEEK, coe.created_by)


@pytest.mark.parametrize("who", ["team member", "reviewer", "staff"])
def test_its_team_reviewers_and_staff_may_queue_it(coe, who):
    actor = UserFactory(is_staff=who == "staff")
    if who == "team member":
        coe.team.members.add(actor)
    if who == "reviewer":
        CoeReview.objects.create(coe=coe, reviewer=actor, decision=ReviewDecision.APPROVE)

    assert can_queue_deep_dive(coe, actor)
    deep_dive_queue(coe=coe, actor=actor, week=NEXT_WEEK)

    assert DeepDive.objects.filter(coe=coe, week=NEXT_WEEK).exists()


@pytest.mark.parametrize("who", ["someone", "deactivated author"])
def test_anyone_else_may_not_queue_it(coe, who):
    actor = UserFactory() if who == "someone" else coe.created_by
    if who == "deactivated author":
        actor.is_active = False
        actor.save()

    assert not can_queue_deep_dive(coe, actor)
    with pytest.raises(PermissionDenied, match="authors, its team, its reviewers and staff"):
        deep_dive_queue(coe=coe, actor=actor, week=WEEK)

    assert not DeepDive.objects.exists()


def test_a_past_week_is_refused(coe):
    with pytest.raises(ValidationError, match="past"):
        deep_dive_queue(coe=coe, actor=coe.created_by, week=LAST_WEEK)

    assert not DeepDive.objects.exists()


@pytest.mark.parametrize("week", ["2026-W5", "2026-W60", "next week", ""])
def test_a_week_that_is_not_an_iso_week_is_refused(coe, week):
    with pytest.raises(ValidationError):
        deep_dive_queue(coe=coe, actor=coe.created_by, week=week)

    assert not DeepDive.objects.exists()


def test_queueing_twice_keeps_one_deep_dive(coe):
    first = deep_dive_queue(coe=coe, actor=coe.created_by, week=WEEK)

    assert deep_dive_queue(coe=coe, actor=coe.created_by, week=WEEK) == first
    assert DeepDive.objects.count() == 1


# Time boxes, date and people


def test_the_time_boxes_add_up_to_the_meetings_length(meeting, facilitator, someone):
    starts = STARTS + timedelta(hours=2)

    meeting = update(
        meeting, facilitator, time_boxes=BOXES, starts_at=starts, attendees=[facilitator, someone]
    )

    meeting.refresh_from_db()
    assert meeting.length_minutes == sum(BOXES.values()) == 70
    assert meeting.starts_at == starts
    assert set(meeting.attendees.all()) == {facilitator, someone}
    assert {s.key: s.time_box_minutes for s in meeting.sections.all()} == BOXES


def test_the_facilitator_can_hand_the_meeting_over(meeting, facilitator, someone):
    update(meeting, facilitator, facilitator=someone)

    meeting.refresh_from_db()
    assert meeting.facilitator == someone
    assert meeting.can_be_run_by(someone) and not meeting.can_be_run_by(facilitator)


def test_a_meeting_may_last_exactly_240_minutes(meeting, facilitator):
    update(meeting, facilitator, time_boxes=BOXES | {"events": 200})

    assert OpsMeeting.objects.get(pk=meeting.pk).length_minutes == 240


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"time_boxes": BOXES | {"events": 201}}, "add up to 241 minutes; .* at most 240"),
        ({"time_boxes": BOXES | {"metrics": 0}}, "at least a minute"),
        ({"time_boxes": {"success": 10, "events": 10, "metrics": 10}}, "every section"),
        ({"facilitator": "inactive"}, "active person"),
    ],
    ids=["over 240", "zero minutes", "a section missing", "inactive facilitator"],
)
def test_a_refused_update_says_why_and_changes_nothing(meeting, facilitator, changes, message):
    if changes.get("facilitator") == "inactive":
        changes = {"facilitator": UserFactory(is_active=False)}
    before = state(meeting)

    with pytest.raises(ValidationError, match=message):
        update(meeting, facilitator, **changes)

    assert state(meeting) == before
    assert OpsMeeting.objects.get(pk=meeting.pk).length_minutes == DEFAULT_LENGTH_MINUTES
