"""The overdue figures atop the action-items list are counted on each request from an index of
open items alone: right as soon as any item changes, however it changed, and when the day
turns."""

from datetime import UTC, date, datetime, timedelta

import pytest

from opsreview.actions import selectors, services
from opsreview.actions.models import ActionItem, Term
from opsreview.org.models import Team
from tests.coe.factories import CoeFactory
from tests.org.factories import TeamFactory

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("frozen")]

TODAY = date(2026, 11, 26)
LATE = TODAY - timedelta(days=3)


@pytest.fixture
def coe(me):
    return CoeFactory(actor=me)


@pytest.fixture
def committed(django_capture_on_commit_callbacks):
    """Changes made inside it are committed, as a request's are: what follows a commit runs."""
    return lambda: django_capture_on_commit_callbacks(execute=True)


def add(coe, *, due=LATE, term=Term.MEDIUM, team=None) -> ActionItem:
    return services.action_item_create(
        actor=coe.created_by,
        coe=coe,
        title="Add a canary",
        owner=coe.created_by,
        team=team or coe.team,
        term=term,
        due_date=due,
        confirm_past_due=True,
    )


def shown(client) -> dict:
    return client.get("/actions/").context["overdue"]


def test_the_figures_are_counted_from_the_items_each_time(client, coe, django_assert_num_queries):
    add(coe)
    assert shown(client)["total"] == 1
    with django_assert_num_queries(2):  # the counts; the listed teams' names
        selectors.overdue_counts()

    ActionItem.objects.update(due_date=TODAY)  # even around the services: nothing is kept

    assert shown(client)["total"] == 0


def test_a_new_overdue_item_is_counted_at_once(client, coe, committed):
    add(coe)
    assert shown(client)["total"] == 1

    with committed():
        add(coe, term=Term.SHORT)

    assert shown(client)["teams"] == {coe.team.name: {"short": 1, "medium": 1, "long": 0}}


@pytest.mark.parametrize(
    ("change", "total"),
    [
        (lambda item, me: services.action_item_complete(item=item, actor=me), 1),
        (lambda item, me: services.action_item_wont_do(item=item, actor=me, reason="Moot"), 1),
        (lambda item, me: services.action_item_start(item=item, actor=me), 2),
        (
            lambda item, me: services.action_item_update(
                item=item, actor=me, changes={"due_date": TODAY + timedelta(days=1)}
            ),
            1,
        ),
    ],
    ids=["done", "won't do", "started", "due later"],
)
def test_a_change_of_status_or_due_date_is_counted_at_once(
    client, coe, me, committed, change, total
):
    item, _ = add(coe), add(coe)
    assert shown(client)["total"] == 2

    with committed():
        change(item, me)

    assert shown(client)["total"] == total


def test_a_reopened_item_is_counted_at_once(client, coe, me, committed):
    item = add(coe)
    services.action_item_complete(item=item, actor=me)
    assert shown(client)["total"] == 0

    with committed():
        services.action_item_reopen(item=item, actor=me)

    assert shown(client)["total"] == 1


def test_a_move_to_another_team_or_term_is_counted_at_once(client, coe, me, committed):
    storage = TeamFactory(name="Storage")
    item = add(coe)
    shown(client)

    with committed():
        services.action_item_update(
            item=item, actor=me, changes={"team": storage, "term": Term.LONG}
        )

    assert shown(client)["teams"] == {"Storage": {"short": 0, "medium": 0, "long": 1}}


def test_the_figures_are_counted_again_the_next_day(client, coe, time_machine):
    add(coe, due=TODAY)  # due today: not overdue yet
    assert shown(client)["total"] == 0

    time_machine.move_to(datetime(2026, 11, 27, 10, 0, tzinfo=UTC), tick=False)

    assert shown(client)["total"] == 1


def test_a_renamed_team_shows_its_new_name_at_once(client, coe):
    add(coe)
    shown(client)

    Team.objects.filter(pk=coe.team.pk).update(name="Payments Platform")

    assert list(shown(client)["teams"]) == ["Payments Platform"]
