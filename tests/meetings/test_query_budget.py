"""The meeting pages make the same few queries however big the week and the organisation, and
show the first rows of each list with how many there are in all."""

from datetime import timedelta

import pytest

from coe.models import CoeReview, ReviewDecision
from incidents.models import Severity
from opsreview.actions.counts import team_item_counts_recount
from opsreview.actions.models import ActionItem, ItemStatus, Term
from opsreview.cloudwatch.models import Alarm, AlarmKind, AlarmScope
from opsreview.cloudwatch.selectors import TEAM_ALARMS_QUERIES
from opsreview.meetings.agenda import SHOWN
from opsreview.meetings.models import DeepDive, MeetingStatus, OpsMeeting, Win
from tests.coe.factories import CoeFactory
from tests.incidents.factories import IncidentFactory
from tests.org.factories import TeamFactory, UserFactory
from tests.query_budget import QUERY_BUDGET, assert_query_budget
from tests.wheel.factories import ParticipantFactory, WheelFactory

from .week import LAST_STARTS, LAST_WEEK, STARTS, TODAY, WEEK, prepared

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("frozen")]

IN_PERIOD = LAST_STARTS + timedelta(days=2)
# The chosen team's CloudWatch alarms (opsreview.cloudwatch's panel), and whether it names key
# metrics (their charts load after the page), come on top of the page's.
WITH_CLOUDWATCH = QUERY_BUDGET + TEAM_ALARMS_QUERIES + 1


@pytest.fixture
def facilitator():
    return UserFactory(username="facilitator")


@pytest.fixture
def last_meeting(facilitator) -> OpsMeeting:
    meeting = prepared(facilitator, week=LAST_WEEK)
    OpsMeeting.objects.filter(pk=meeting.pk).update(status=MeetingStatus.DONE)
    return meeting


@pytest.fixture
def meeting(facilitator, last_meeting) -> OpsMeeting:
    meeting = prepared(facilitator)
    chosen = TeamFactory(name="Chosen")
    OpsMeeting.objects.filter(pk=meeting.pk).update(chosen_team=chosen)
    _alarms(chosen, 3)
    meeting.refresh_from_db()
    return meeting


def _alarms(team, count: int) -> None:
    """Alarms of the team's, one a composite over the others."""
    scope = AlarmScope.objects.create(team=team, region="eu-west-1", alarm_prefixes=["Chosen-"])
    names = [f"Chosen-{scope.pk}-{n}" for n in range(count)]
    rule = " OR ".join(f'ALARM("{name}")' for name in names)
    for name in [*names, f"Chosen-{scope.pk}-Health"]:
        Alarm.objects.create(
            scope=scope,
            name=name,
            arn=f"arn:aws:cloudwatch:eu-west-1:123456789012:alarm:{name}",
            kind=AlarmKind.COMPOSITE if name.endswith("Health") else AlarmKind.METRIC,
            rule=rule if name.endswith("Health") else "",
            state="ALARM",
            state_updated_at=IN_PERIOD,
        )


def _items(count: int, *, team=None, owner=None, **fields) -> list[ActionItem]:
    owner = owner or UserFactory()
    coe = CoeFactory(team=team or TeamFactory(), actor=owner)
    defaults = {"term": Term.MEDIUM, "due_date": TODAY + timedelta(days=20)}
    items = ActionItem.objects.bulk_create(
        ActionItem(
            title=f"Item {n}",
            owner=owner,
            team=team or coe.team,
            coe=None if fields.get("meeting") else coe,
            created_by=owner,
            **(defaults | fields),
        )
        for n in range(count)
    )
    team_item_counts_recount()  # written around the services: counted as a bulk load is
    return items


def grow_the_week(meeting: OpsMeeting, last_meeting: OpsMeeting, facilitator, rows: int = 15):
    """Every kind of row the agenda lists or counts, more than any list shows."""

    def grow():
        teams = [TeamFactory() for _ in range(rows)]  # quiet teams, and teams with overdue items
        author = UserFactory()
        Win.objects.bulk_create(
            Win(text=f"Win {n}", author=author, team=teams[n], week=WEEK) for n in range(rows)
        )
        _items(rows, status=ItemStatus.DONE, completed_at=IN_PERIOD)
        for team in teams:
            _items(2, team=team, due_date=TODAY - timedelta(days=3), term=Term.SHORT)
        _items(rows, term=Term.LONG, due_date=TODAY + timedelta(days=10))
        _items(rows, meeting=last_meeting)
        _items(rows, meeting=meeting)
        _items(3, team=meeting.chosen_team, due_date=TODAY - timedelta(days=1))
        for n in range(rows):
            severity = (Severity.SEV1, Severity.SEV2, Severity.SEV3)[n % 3]
            # Resolved: an open major incident adds the site-wide banner, not this page's rows.
            incident = IncidentFactory(
                resolved=True,
                severity=severity,
                impact_started_at=IN_PERIOD,
                detected_at=IN_PERIOD + timedelta(minutes=5),
                teams=[teams[n], meeting.chosen_team],
            )
            coe = CoeFactory(incident=incident if n % 2 else None)
            CoeReview.objects.create(
                coe=coe, reviewer=author, decision=ReviewDecision.APPROVE, created_at=IN_PERIOD
            )
            DeepDive.objects.create(coe=coe, week=WEEK, queued_by=author)
        meeting.attendees.add(*[UserFactory() for _ in range(rows)])

    return grow


def test_a_meeting_page_makes_the_same_queries_for_a_big_week(
    client, meeting, last_meeting, facilitator
):
    client.force_login(UserFactory())
    grow_week = grow_the_week(meeting, last_meeting, facilitator)

    def grow():
        grow_week()
        _alarms(meeting.chosen_team, 30)

    assert_query_budget(client, meeting.get_absolute_url(), grow=grow, budget=WITH_CLOUDWATCH)


def test_a_meeting_page_run_by_its_facilitator_makes_the_same_queries_for_a_big_week(
    client, meeting, last_meeting, facilitator
):
    client.force_login(facilitator)

    assert_query_budget(
        client,
        meeting.get_absolute_url(),
        grow=grow_the_week(meeting, last_meeting, facilitator),
        budget=WITH_CLOUDWATCH,
    )


def test_projector_mode_makes_the_same_queries_for_a_big_week(
    client, meeting, last_meeting, facilitator
):
    wheel = WheelFactory()
    ParticipantFactory(wheel=wheel)
    client.force_login(UserFactory())
    url = f"{meeting.get_absolute_url()}present/"
    grow_week = grow_the_week(meeting, last_meeting, facilitator)

    def grow():
        grow_week()
        ParticipantFactory.create_batch(30, wheel=wheel)
        _alarms(meeting.chosen_team, 30)

    assert_query_budget(client, url, grow=grow, budget=WITH_CLOUDWATCH)


def test_past_minutes_make_the_same_queries_however_much_happened_since(
    client, meeting, last_meeting, facilitator
):
    client.force_login(UserFactory())

    assert_query_budget(
        client,
        last_meeting.get_absolute_url(),
        grow=grow_the_week(meeting, last_meeting, facilitator),
    )


def test_the_meeting_list_makes_the_same_queries_however_many_meetings(
    client, facilitator, last_meeting
):
    client.force_login(facilitator)

    def grow():
        for weeks_back in range(2, 30):
            day = TODAY - timedelta(weeks=weeks_back)
            year, week, _ = day.isocalendar()
            prepared(UserFactory(), week=f"{year}-W{week:02d}")

    assert_query_budget(client, "/meetings/", grow=grow)


def test_long_lists_show_their_first_rows_and_count_the_rest(
    client, meeting, last_meeting, facilitator
):
    grow_the_week(meeting, last_meeting, facilitator, rows=SHOWN + 3)()
    client.force_login(UserFactory())

    html = client.get(meeting.get_absolute_url()).content.decode()

    assert f"Action items finished ({SHOWN + 3})" in html
    assert "And 3 more." in html  # finished items, approved COEs, deep dives …
    assert f"Long-term items due this quarter ({SHOWN + 3})" in html
    assert html.count('data-testid="action-item"') == 3 * SHOWN + 3  # + 3 raised here


def test_the_overdue_table_names_the_most_overdue_teams_and_totals_them_all(
    client, meeting, last_meeting, facilitator
):
    worst = TeamFactory(name="Worst team")
    _items(5, team=worst, due_date=TODAY - timedelta(days=3))
    for _ in range(25):
        _items(1, due_date=TODAY - timedelta(days=3))
    client.force_login(UserFactory())

    html = client.get(meeting.get_absolute_url()).content.decode()

    assert "Overdue action items (30)" in html
    assert f'?team={worst.slug}&amp;overdue=1">Worst team</a>' in html
    assert "6 more teams" in html  # 26 teams late, 20 named
    assert "All 26 teams" in html


def test_events_list_the_newest_incidents_of_each_severity_and_link_to_the_rest(
    client, meeting, facilitator
):
    for n in range(SHOWN + 2):
        IncidentFactory(
            title=f"Sev-3 number {n}",
            severity=Severity.SEV3,
            impact_started_at=IN_PERIOD + timedelta(minutes=n),
            detected_at=IN_PERIOD + timedelta(minutes=n + 5),
        )
    client.force_login(UserFactory())

    html = client.get(meeting.get_absolute_url()).content.decode()

    assert f"{SHOWN + 2} incidents" in html
    assert f"Sev-3 number {SHOWN + 1}" in html  # the newest
    assert "Sev-3 number 1<" not in html  # the oldest two are counted, not listed
    assert '?severity=3">And 2 more' in html
    assert STARTS > IN_PERIOD
