"""'Due soon' is one window everywhere: the week ahead, today included."""

from datetime import UTC, date, datetime, timedelta

import pytest

from opsreview.actions.models import ActionItem
from opsreview.actions.selectors import items_needing_attention
from opsreview.reports.builder import build_weekly_report
from tests.coe.factories import team_item
from tests.org.factories import TeamFactory, UserFactory

pytestmark = pytest.mark.django_db

TODAY = date(2026, 11, 30)  # the Monday the report of 2026-W49 is built


@pytest.fixture
def owner_and_items(time_machine):
    time_machine.move_to(datetime(2026, 11, 30, 9, 0, tzinfo=UTC), tick=False)
    team = TeamFactory(manager=UserFactory())
    owner = UserFactory()
    team.members.add(owner)
    due = {
        days: team_item(team, owner=owner, due_date=TODAY + timedelta(days=days), title=f"+{days}")
        for days in (-1, 0, 6, 7)
    }
    return team, owner, due


def test_the_dashboard_and_the_weekly_report_agree_on_what_is_due_soon(owner_and_items):
    team, owner, _due = owner_and_items

    on_the_dashboard = items_needing_attention(owner, on=TODAY)
    in_the_report = build_weekly_report(team.manager, period="2026-W49")

    assert [item.title for item in on_the_dashboard["due_this_week"]] == ["+0", "+6"]
    assert [item.title for item in in_the_report.due_soon] == ["+0", "+6"]
    assert [item.title for item in on_the_dashboard["overdue"]] == ["+-1"]
    assert in_the_report.overdue_count == 1


def test_the_queryset_names_the_window_once(owner_and_items):
    _team, _owner, due = owner_and_items

    soon = ActionItem.objects.due_soon(on=TODAY)
    either = ActionItem.objects.overdue_or_due_soon(on=TODAY)

    assert set(soon) == {due[0], due[6]}
    assert set(either) == {due[-1], due[0], due[6]}
