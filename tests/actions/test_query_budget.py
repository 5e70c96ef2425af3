"""The action-items list makes the same few queries whatever the number of items, per filter."""

import itertools
from datetime import UTC, date, datetime, timedelta

import pytest

from opsreview.actions.models import ActionItem, ItemStatus, Term
from opsreview.meetings.models import OpsMeeting
from tests.coe.factories import CoeFactory
from tests.incidents.factories import IncidentFactory
from tests.org.factories import TeamFactory, UserFactory
from tests.query_budget import assert_query_budget

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("frozen")]

TODAY = date(2026, 11, 26)


@pytest.fixture
def grow(me):
    """30 more items (50 on later calls) from COEs, incidents and a meeting, on new teams
    and owners, every term and status, overdue or not, some of them mine."""
    sizes = itertools.chain([30], itertools.repeat(50))
    meeting = OpsMeeting.objects.create(
        week="2026-W48",
        starts_at=datetime(2026, 11, 23, 9, tzinfo=UTC),
        facilitator=me,
        created_by=me,
    )

    def add_items() -> None:
        count = next(sizes)
        teams = TeamFactory.create_batch(3)
        owners = [me, *UserFactory.create_batch(2)]
        sources = [
            {"coe": CoeFactory(actor=me)},
            {"incident": IncidentFactory()},
            {"meeting": meeting},
        ]
        statuses = itertools.cycle(ItemStatus.values)
        ActionItem.objects.bulk_create(
            ActionItem(
                title=f"Item {n}",
                owner=owners[n % 3],
                team=teams[n % 3],
                term=Term.values[n % 3],
                due_date=TODAY + timedelta(days=n % 11 - 5),
                status=(status := next(statuses)),
                wont_do_reason="Not needed" if status == ItemStatus.WONT_DO else "",
                created_by=me,
                **sources[n % 3],
            )
            for n in range(count)
        )

    add_items()  # the first page has items before it grows
    return add_items


FILTERS = [
    "",
    "?overdue=on",
    "?term=long",
    "?status=all",
    "?status=done",
    "?status=wont_do",
    "?due_before=2026-12-01",
    "?mine=1",
    "?mine=1&overdue=on&term=short",
    "?after=2026-11-20~1",
]


# The session and its user, the page of items (who may change each row comes with it), the count
# of item changes the overdue figures are kept under, the names of the teams they list, and the
# layout's banner of major incidents.
LIST_QUERIES = 6


@pytest.mark.parametrize("query", FILTERS)
def test_the_list_makes_the_same_few_queries_at_two_sizes(client, me, grow, query):
    assert_query_budget(client, f"/actions/{query}", grow=grow, budget=LIST_QUERIES)


def test_filtering_by_team_and_owner_makes_the_same_few_queries(client, me, grow):
    team = TeamFactory(slug="watched")
    owner = UserFactory()

    def grow_watched():
        grow()
        ActionItem.objects.filter(pk__in=ActionItem.objects.values("pk")[:20]).update(
            team=team, owner=owner
        )

    grow_watched()
    assert_query_budget(client, f"/actions/?team=watched&owner={owner.pk}", grow=grow_watched)
    assert_query_budget(client, "/actions/?team=watched&status=all", grow=grow)
