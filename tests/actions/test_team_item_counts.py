"""Every team's open and overdue items by term, stored per team and kept by the services: after
each kind of change they agree with counting the items themselves, on the day of the count and
on any other day.
"""

from datetime import UTC, date, datetime, timedelta

import pytest

from opsreview.actions.counts import team_counts, team_item_counts_recount
from opsreview.actions.models import ActionItem, ItemStatus, TeamItemCounts, Term
from opsreview.actions.services import (
    action_item_complete,
    action_item_reopen,
    action_item_start,
    action_item_update,
    action_item_wont_do,
)
from opsreview.org.models import Team
from tests.coe.factories import team_item
from tests.org.factories import TeamFactory

pytestmark = pytest.mark.django_db

NOW = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)  # Monday
TODAY = date(2026, 11, 23)


@pytest.fixture(autouse=True)
def frozen(time_machine):
    time_machine.move_to(NOW, tick=False)
    return time_machine


def counted(team: Team, on: date = TODAY) -> dict:
    (row,) = team_counts(Team.objects.filter(pk=team.pk), on=on)
    return {"open": row["open"], "overdue": row["overdue"]}


def truth(team: Team, on: date = TODAY) -> dict:
    """What counting the team's items themselves gives."""
    items = ActionItem.objects.filter(team=team)
    return {
        "open": {term: items.open().filter(term=term).count() for term in Term.values},
        "overdue": {term: items.overdue(on).filter(term=term).count() for term in Term.values},
    }


def by_term(short=0, medium=0, long=0) -> dict:
    return {Term.SHORT: short, Term.MEDIUM: medium, Term.LONG: long}


@pytest.fixture
def team():
    return TeamFactory()


def test_a_new_item_counts_as_open_and_overdue_once_past_due(team):
    team_item(team, due_date=TODAY - timedelta(days=2), term=Term.SHORT)
    team_item(team, due_date=TODAY, term=Term.SHORT)  # due today: not overdue
    team_item(team, due_date=TODAY + timedelta(days=30), term=Term.LONG)

    assert counted(team) == truth(team)
    assert counted(team) == {"open": by_term(short=2, long=1), "overdue": by_term(short=1)}


def test_a_team_without_items_counts_nothing(team):
    assert counted(team) == {"open": by_term(), "overdue": by_term()}


@pytest.mark.parametrize("finish", ["complete", "wont_do"])
def test_a_finished_item_leaves_the_counts_and_comes_back_when_reopened(team, finish):
    item = team_item(team, due_date=TODAY - timedelta(days=2))
    if finish == "complete":
        action_item_complete(item=item, actor=item.owner)
    else:
        action_item_wont_do(item=item, actor=item.owner, reason="Replaced by a new design")

    assert counted(team) == truth(team) == {"open": by_term(), "overdue": by_term()}

    action_item_reopen(item=item, actor=item.owner)

    assert counted(team) == truth(team) == {"open": by_term(medium=1), "overdue": by_term(medium=1)}


def test_starting_an_item_keeps_it_open(team):
    item = team_item(team, due_date=TODAY - timedelta(days=2))
    action_item_start(item=item, actor=item.owner)

    assert counted(team) == truth(team) == {"open": by_term(medium=1), "overdue": by_term(medium=1)}


def test_an_item_moved_to_another_team_moves_its_counts(team):
    other = TeamFactory()
    item = team_item(team, due_date=TODAY - timedelta(days=2))

    action_item_update(item=item, actor=item.owner, changes={"team": other})

    assert counted(team) == truth(team) == {"open": by_term(), "overdue": by_term()}
    assert (
        counted(other) == truth(other) == {"open": by_term(medium=1), "overdue": by_term(medium=1)}
    )


def test_a_new_term_or_due_date_moves_the_item_between_columns(team):
    item = team_item(team, due_date=TODAY - timedelta(days=2))

    action_item_update(item=item, actor=item.owner, changes={"term": Term.LONG})
    assert counted(team) == truth(team) == {"open": by_term(long=1), "overdue": by_term(long=1)}

    action_item_update(item=item, actor=item.owner, changes={"due_date": TODAY + timedelta(days=9)})
    assert counted(team) == truth(team) == {"open": by_term(long=1), "overdue": by_term()}

    action_item_update(item=item, actor=item.owner, changes={"due_date": TODAY - timedelta(days=1)})
    assert counted(team) == truth(team) == {"open": by_term(long=1), "overdue": by_term(long=1)}


def test_days_later_the_items_that_fell_due_meanwhile_are_overdue(team, frozen):
    for days in (-3, 0, 1, 2, 10):
        team_item(team, due_date=TODAY + timedelta(days=days), term=Term.SHORT)
    later = TODAY + timedelta(days=3)

    assert counted(team, on=later) == truth(team, on=later)
    assert counted(team, on=later)["overdue"] == by_term(short=4)

    frozen.move_to(NOW + timedelta(days=3))  # the same, counted and changed days later
    item = ActionItem.objects.get(team=team, due_date=TODAY + timedelta(days=1))
    action_item_complete(item=item, actor=item.owner)

    assert counted(team, on=later) == truth(team, on=later)


def test_an_earlier_day_leaves_out_what_fell_due_since(team):
    for days in (-20, -5, -1):
        team_item(team, due_date=TODAY + timedelta(days=days), term=Term.SHORT)
    earlier = TODAY - timedelta(days=7)

    assert counted(team, on=earlier) == truth(team, on=earlier)
    assert counted(team, on=earlier)["overdue"] == by_term(short=1)


def test_the_recount_moves_the_counts_to_its_day_and_puts_right_items_written_around_them(team):
    team_item(team, due_date=TODAY + timedelta(days=1))
    ActionItem.objects.filter(team=team).update(term=Term.SHORT)  # around the services
    ActionItem.objects.bulk_create([ActionItem(**_fields(team))])

    tomorrow = TODAY + timedelta(days=1)
    assert team_item_counts_recount(on=tomorrow) == Team.objects.count()

    row = TeamItemCounts.objects.get(team=team)
    assert row.counted_on == tomorrow
    assert (row.open_short, row.overdue_short, row.open_medium) == (1, 0, 1)
    assert counted(team, on=tomorrow) == truth(team, on=tomorrow)
    assert counted(team) == truth(team)


def test_every_team_gets_a_row_from_the_recount(team):
    TeamItemCounts.objects.all().delete()

    team_item_counts_recount()

    assert TeamItemCounts.objects.filter(team=team, counted_on=TODAY).exists()
    assert counted(team) == truth(team)


def _fields(team: Team) -> dict:
    other = ActionItem.objects.filter(team=team).first()
    return {
        "title": "Loaded in bulk",
        "owner_id": other.owner_id,
        "created_by_id": other.owner_id,
        "team": team,
        "coe_id": other.coe_id,
        "term": Term.MEDIUM,
        "due_date": TODAY - timedelta(days=4),
        "status": ItemStatus.OPEN,
    }
