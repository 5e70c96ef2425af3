"""The week the delivery tests send in: Monday 30 November 2026, 09:00 in London (2026-W49;
the `frozen` fixture of conftest.py), and a manager with something to report."""

from datetime import UTC, date, datetime, timedelta

from opsreview.reports.models import ReportKind
from tests.coe.factories import team_item
from tests.org.factories import TeamFactory, UserFactory

NOW = datetime(2026, 11, 30, 9, 0, tzinfo=UTC)  # Monday of week 2026-W49
TODAY = date(2026, 11, 30)
WEEK = "2026-W49"
WEEKLY = ReportKind.WEEKLY


def manager_with_an_overdue_item(**fields):
    manager = UserFactory(**fields)
    team_item(TeamFactory(manager=manager), due_date=TODAY - timedelta(days=3))
    return manager
