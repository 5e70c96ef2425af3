"""'Overdue' is one rule everywhere: open, and due before today (due today is not overdue)."""

from datetime import UTC, date, datetime, timedelta

import pytest

from opsreview.actions.models import ActionItem, ItemStatus
from opsreview.actions.selectors import action_item_list, items_needing_attention
from opsreview.reports.builder import build_weekly_report
from tests.coe.factories import team_item
from tests.org.factories import TeamFactory, UserFactory

pytestmark = pytest.mark.django_db

TODAY = date(2026, 11, 30)


@pytest.fixture
def items(time_machine):
    """An item for every status, due yesterday, today and tomorrow."""
    time_machine.move_to(datetime(2026, 11, 30, 9, 0, tzinfo=UTC), tick=False)
    team = TeamFactory(manager=UserFactory())
    owner = UserFactory()
    team.members.add(owner)
    made = []
    for status in ItemStatus:
        for days in (-1, 0, 1):
            item = team_item(
                team, owner=owner, due_date=TODAY + timedelta(days=days), title=f"{status} {days}"
            )
            fields = {"status": status, "wont_do_reason": "Superseded." * (status == "wont_do")}
            ActionItem.objects.filter(pk=item.pk).update(**fields)
            made.append(item)
    return team, owner


def test_the_database_and_an_item_in_hand_agree_on_what_is_overdue(items):
    in_the_database = {item.title for item in ActionItem.objects.overdue(on=TODAY)}
    in_hand = {item.title for item in ActionItem.objects.all() if item.is_overdue(on=TODAY)}

    assert in_the_database == in_hand == {"open -1", "in_progress -1"}


def test_days_overdue_counts_only_what_is_overdue(items):
    days = {item.title: item.days_overdue(on=TODAY) for item in ActionItem.objects.all()}

    assert {title for title, count in days.items() if count} == {"open -1", "in_progress -1"}
    assert days["open -1"] == 1
    assert days["done -1"] == 0


def test_lists_the_dashboard_and_the_report_use_the_same_rule(items):
    team, owner = items

    ranked = [item.title for item in action_item_list(team=team)]  # open ones, overdue first
    first_ranked = set(ranked[:2])
    filtered = {item.title for item in action_item_list(status="all", team=team, overdue=True)}
    dashboard = {item.title for item in items_needing_attention(owner, on=TODAY)["overdue"]}
    report = build_weekly_report(team.manager, period="2026-W49")
    reported = {item.title for section in report.teams for g in section.terms for item in g.items}

    assert first_ranked == filtered == dashboard == {"open -1", "in_progress -1"}
    assert reported == {"open -1", "in_progress -1"}
