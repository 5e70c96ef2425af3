"""The agenda of week 2026-W48's meeting, built from what happened since last week's began.

Time is frozen on Monday 23 November 2026 (see week.py). Last week's meeting began on Tuesday
17 November at 10:00 and this week's begins on Tuesday 24 November at 10:00: that is the period.
Every test also puts something just outside it, and asserts it stays out.
"""

from datetime import UTC, date, datetime, timedelta

import pytest
from django.utils import timezone

from coe.models import CoeReview, ReviewDecision
from incidents.models import Severity
from opsreview.actions.models import ActionItem, ItemStatus, Term
from opsreview.meetings.agenda import SHOWN, build_agenda, overdue_by_team
from opsreview.meetings.models import DeepDive, MeetingStatus, OpsMeeting, SectionKey, Win
from opsreview.meetings.services import meeting_item_add, win_post
from tests.coe.factories import CoeFactory, team_item
from tests.incidents.factories import IncidentFactory
from tests.org.factories import TeamFactory, UserFactory

from .week import LAST_STARTS, LAST_WEEK, NEXT_WEEK, STARTS, TODAY, WEEK, prepared

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("frozen")]

BEFORE = LAST_STARTS - timedelta(hours=1)  # just before the period
FIRST = LAST_STARTS + timedelta(minutes=1)  # the period's first minute
AFTER = STARTS + timedelta(hours=1)  # once this week's meeting has begun


def at(day: int, hour: int = 12) -> datetime:
    return datetime(2026, 11, day, hour, 0, tzinfo=UTC)


@pytest.fixture
def facilitator():
    return UserFactory(username="facilitator")


@pytest.fixture
def last_meeting(facilitator) -> OpsMeeting:
    meeting = prepared(facilitator, week=LAST_WEEK)
    OpsMeeting.objects.filter(pk=meeting.pk).update(status=MeetingStatus.DONE)
    meeting.refresh_from_db()
    return meeting


@pytest.fixture
def meeting(facilitator, last_meeting) -> OpsMeeting:
    return prepared(facilitator)


def content(meeting: OpsMeeting, key: str):
    return build_agenda(meeting).section(key).content


def incident(severity, detected: datetime, teams=(), **fields):
    return IncidentFactory(
        severity=severity, impact_started_at=detected - timedelta(minutes=5), teams=teams, **fields
    )


def finished(item: ActionItem, when: datetime) -> ActionItem:
    ActionItem.objects.filter(pk=item.pk).update(status=ItemStatus.DONE, completed_at=when)
    item.refresh_from_db()
    return item


def approved(coe, when: datetime, decision=ReviewDecision.APPROVE) -> CoeReview:
    return CoeReview.objects.create(
        coe=coe, reviewer=UserFactory(), decision=decision, created_at=when
    )


# The period


def test_the_period_runs_from_last_weeks_meeting_to_this_ones(meeting):
    agenda = build_agenda(meeting)

    assert (agenda.start, agenda.end) == (LAST_STARTS, STARTS)
    assert [part.key for part in agenda.sections] == list(SectionKey.values)


def test_the_first_meeting_looks_back_one_week(facilitator):
    agenda = build_agenda(prepared(facilitator))

    assert (agenda.start, agenda.end) == (STARTS - timedelta(days=7), STARTS)


# 1. Share and celebrate success


def test_wins_are_this_weeks_only(meeting, facilitator):
    ours = win_post(actor=facilitator, text="Zero pages overnight")
    Win.objects.create(text="Last week's win", author=facilitator, week=LAST_WEEK)
    Win.objects.create(text="Next week's win", author=facilitator, week=NEXT_WEEK)

    assert content(meeting, SectionKey.SUCCESS).wins == [ours]


def test_items_finished_in_the_period_are_celebrated(meeting):
    team = TeamFactory()
    inside = finished(team_item(team, due_date=TODAY, title="Inside"), FIRST)
    finished(team_item(team, due_date=TODAY, title="Before"), BEFORE)
    finished(team_item(team, due_date=TODAY, title="After"), AFTER)
    team_item(team, due_date=TODAY, title="Still open")

    assert content(meeting, SectionKey.SUCCESS).items_finished == [inside]


def test_coes_approved_in_the_period_are_celebrated(meeting):
    inside, before, changes = CoeFactory(), CoeFactory(), CoeFactory()
    approved(inside, at(20))
    approved(before, BEFORE)
    approved(changes, at(20), decision=ReviewDecision.REQUEST_CHANGES)
    approved(CoeFactory(), AFTER)

    assert content(meeting, SectionKey.SUCCESS).coes_approved == [inside]


def test_teams_without_a_sev1_or_sev2_in_four_weeks_are_quiet(meeting):
    hit = TeamFactory(name="Hit this week")
    hit_earlier = TeamFactory(name="Hit three weeks ago")
    long_ago = TeamFactory(name="Hit five weeks ago")
    minor = TeamFactory(name="Only a Sev-3")
    incident(Severity.SEV2, at(20), teams=[hit])
    incident(Severity.SEV1, STARTS - timedelta(weeks=3), teams=[hit_earlier])
    incident(Severity.SEV1, STARTS - timedelta(weeks=5), teams=[long_ago])
    incident(Severity.SEV3, at(20), teams=[minor])

    quiet = content(meeting, SectionKey.SUCCESS).quiet_teams

    assert [team.name for team in quiet] == ["Hit five weeks ago", "Only a Sev-3"]


def test_a_major_incident_engaging_no_team_leaves_every_team_quiet(meeting):
    team = TeamFactory(name="Calm")
    incident(Severity.SEV1, at(20))  # declared before any team was engaged

    assert content(meeting, SectionKey.SUCCESS).quiet_teams == [team]


def test_last_weeks_minutes_count_a_team_quiet_that_was_hit_only_afterwards(last_meeting):
    team = TeamFactory(name="Hit this week")
    incident(Severity.SEV2, at(20), teams=[team])

    assert content(last_meeting, SectionKey.SUCCESS).quiet_teams == [team]


def test_an_empty_week_has_an_empty_success_section(meeting):
    assert content(meeting, SectionKey.SUCCESS).is_empty


# 2. Review operational events


def test_incidents_detected_in_the_period_are_grouped_by_severity(meeting):
    sev1 = incident(Severity.SEV1, FIRST)
    sev2 = incident(Severity.SEV2, at(20))
    sev3a, sev3b = incident(Severity.SEV3, at(21)), incident(Severity.SEV3, at(22))
    incident(Severity.SEV1, BEFORE)
    incident(Severity.SEV2, AFTER)

    events = content(meeting, SectionKey.EVENTS)

    assert {severity: m.incidents for severity, m in events.by_severity.items()} == {
        Severity.SEV1: [sev1],
        Severity.SEV2: [sev2],
        Severity.SEV3: [sev3b, sev3a],  # newest first
        Severity.SEV4: [],
        Severity.SEV5: [],
    }
    assert events.incident_count == 4
    assert events.by_severity[Severity.SEV2].mean_time_to_detect == timedelta(minutes=5)


def test_each_incident_says_whether_its_required_coe_exists(meeting):
    written = incident(Severity.SEV2, at(20))
    coe = CoeFactory(incident=written)
    needed = incident(Severity.SEV1, at(21))
    minor = incident(Severity.SEV3, at(22))

    events = content(meeting, SectionKey.EVENTS)
    shown = {i.pk: i for m in events.by_severity.values() for i in m.incidents}

    assert (shown[written.pk].requires_coe, shown[written.pk].existing_coe) == (True, coe)
    assert (shown[needed.pk].requires_coe, shown[needed.pk].existing_coe) == (True, None)
    assert (shown[minor.pk].requires_coe, shown[minor.pk].existing_coe) == (False, None)


def test_deep_dives_queued_for_this_week_only(meeting, facilitator):
    ours = DeepDive.objects.create(coe=CoeFactory(), week=WEEK, queued_by=facilitator)
    DeepDive.objects.create(coe=CoeFactory(), week=LAST_WEEK, queued_by=facilitator)
    DeepDive.objects.create(coe=CoeFactory(), week=NEXT_WEEK, queued_by=facilitator)

    events = content(meeting, SectionKey.EVENTS)

    assert events.deep_dives == [ours]
    assert not events.is_empty


def test_an_empty_week_has_no_events(meeting):
    incident(Severity.SEV1, BEFORE)

    events = content(meeting, SectionKey.EVENTS)

    assert events.is_empty
    assert events.incident_count == 0


# 3. Review service metrics


def test_no_team_chosen_means_no_figures(meeting):
    metrics = content(meeting, SectionKey.METRICS)

    assert (metrics.team, metrics.figures) == (None, None)


def test_the_chosen_teams_figures_count_its_incidents_per_week(meeting):
    team = TeamFactory()
    OpsMeeting.objects.filter(pk=meeting.pk).update(chosen_team=team)
    incident(Severity.SEV2, at(20), teams=[team], mitigated=True)
    incident(Severity.SEV3, at(10), teams=[team])
    incident(Severity.SEV1, at(20))  # another team's
    meeting.refresh_from_db()

    figures = content(meeting, SectionKey.METRICS).figures

    assert len(figures.weeks) == 12
    assert figures.weeks[-1].monday == date(2026, 11, 23)
    assert figures.weeks[-2].by_severity[Severity.SEV2] == 1
    assert figures.weeks[-3].by_severity[Severity.SEV3] == 1
    assert sum(week.total for week in figures.weeks) == 2
    assert figures.median_time_to_mitigate == timedelta(minutes=10)  # from detection


# 4. Org-wide improvements


def test_long_term_items_due_this_quarter(meeting):
    team = TeamFactory()
    inside = team_item(team, term=Term.LONG, due_date=date(2026, 12, 31), title="By year end")
    team_item(team, term=Term.LONG, due_date=date(2027, 1, 1), title="Next quarter")
    team_item(team, term=Term.MEDIUM, due_date=date(2026, 12, 15), title="Medium term")
    finished(team_item(team, term=Term.LONG, due_date=date(2026, 12, 15), title="Done"), at(20))

    assert content(meeting, SectionKey.IMPROVEMENTS).long_term_due == [inside]


def test_items_from_earlier_meetings_still_open_or_finished_since(
    meeting, last_meeting, facilitator
):
    team = TeamFactory()

    def raised(in_meeting, title):
        return meeting_item_add(
            meeting=in_meeting,
            actor=facilitator,
            title=title,
            owner=facilitator,
            team=team,
            term=Term.SHORT,
            due_date=date(2026, 12, 4),
        )

    # Raised while last week's meeting ran, then finished at different times.
    OpsMeeting.objects.filter(pk=last_meeting.pk).update(status=MeetingStatus.IN_PROGRESS)
    last_meeting.refresh_from_db()
    still_open = raised(last_meeting, "Still open")
    done_since = finished(raised(last_meeting, "Done this week"), at(20))
    finished(raised(last_meeting, "Done before"), BEFORE)
    OpsMeeting.objects.filter(pk=last_meeting.pk).update(status=MeetingStatus.DONE)
    raised(meeting, "Raised in this meeting")

    assert content(meeting, SectionKey.IMPROVEMENTS).earlier_items == [still_open, done_since]


def test_long_lists_of_raised_items_show_the_first_rows_and_count_them_all(
    meeting, last_meeting, facilitator
):
    team = TeamFactory()

    def raised(in_meeting, count, first_due):
        return [
            ActionItem.objects.create(
                title=f"{in_meeting.week} {n}",
                owner=facilitator,
                team=team,
                meeting=in_meeting,
                created_by=facilitator,
                term=Term.SHORT,
                due_date=first_due + timedelta(days=n),
            )
            for n in range(count)
        ]

    earlier = raised(last_meeting, SHOWN + 2, date(2026, 12, 1))
    here = raised(meeting, 3, date(2026, 12, 10))

    improvements = content(meeting, SectionKey.IMPROVEMENTS)

    assert improvements.earlier_items == earlier[:SHOWN]  # by due date
    assert improvements.earlier_items.total == SHOWN + 2
    assert improvements.raised_here == here
    assert improvements.raised_here.total == 3


def test_overdue_items_are_counted_by_team(meeting):
    late, later = TeamFactory(name="Late"), TeamFactory(name="Later")
    team_item(late, due_date=TODAY - timedelta(days=2))
    team_item(later, due_date=TODAY - timedelta(days=2))
    team_item(later, due_date=TODAY - timedelta(days=9), term=Term.SHORT)
    team_item(later, due_date=date(2026, 12, 4))  # not due yet

    agenda = build_agenda(meeting)

    assert agenda.section(SectionKey.IMPROVEMENTS).content.overdue["total"] == 3
    assert overdue_by_team(agenda) == [("Later", 2), ("Late", 1)]


def test_an_empty_week_has_no_improvements(meeting):
    assert content(meeting, SectionKey.IMPROVEMENTS).is_empty


# Nothing from other weeks


def test_last_weeks_minutes_hold_last_weeks_events_and_not_this_weeks(
    meeting, last_meeting, facilitator
):
    earlier = incident(Severity.SEV2, BEFORE)
    incident(Severity.SEV2, at(20))
    win = Win.objects.create(text="Last week's win", author=facilitator, week=LAST_WEEK)
    win_post(actor=facilitator, text="This week's win")
    team = TeamFactory()
    done_then = finished(team_item(team, due_date=TODAY), LAST_STARTS - timedelta(days=2))
    finished(team_item(team, due_date=TODAY), at(20))

    agenda = build_agenda(last_meeting)

    assert (agenda.start, agenda.end) == (LAST_STARTS - timedelta(days=7), LAST_STARTS)
    events = agenda.section(SectionKey.EVENTS).content
    assert [i for m in events.by_severity.values() for i in m.incidents] == [earlier]
    assert agenda.section(SectionKey.SUCCESS).content.wins == [win]
    assert agenda.section(SectionKey.SUCCESS).content.items_finished == [done_then]


def test_a_meeting_under_way_covers_until_now(meeting, frozen):
    OpsMeeting.objects.filter(pk=meeting.pk).update(status=MeetingStatus.IN_PROGRESS)
    frozen.move_to(STARTS + timedelta(minutes=30))
    during = incident(Severity.SEV2, STARTS + timedelta(minutes=20))
    meeting.refresh_from_db()

    agenda = build_agenda(meeting)

    assert agenda.end == timezone.now()
    events = agenda.section(SectionKey.EVENTS).content
    assert events.by_severity[Severity.SEV2].incidents == [during]
