"""Building every manager's report takes the same few queries for 3 managers as for 12, and the
links the emails carry are each item's absolute address."""

import itertools
import re
from datetime import UTC, date, datetime, timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from opsreview.actions.models import ItemStatus, Term
from opsreview.org import emails
from opsreview.reports.builder import build_reports, report_context
from opsreview.reports.models import DeliveryStatus, ReportDelivery, ReportKind
from opsreview.reports.services import REPORT_TEMPLATES
from tests.coe.factories import team_item
from tests.incidents.factories import IncidentFactory
from tests.org.factories import TeamFactory, UserFactory

pytestmark = pytest.mark.django_db

TODAY = date(2026, 11, 30)
PERIODS = {ReportKind.WEEKLY: "2026-W49", ReportKind.MONTHLY: "2026-12"}
SITE_URL = "https://opsreview.example.com"


@pytest.fixture(autouse=True)
def frozen(time_machine, settings):
    time_machine.move_to(datetime(2026, 11, 30, 9, 0, tzinfo=UTC), tick=False)
    settings.SITE_URL = SITE_URL


def managers_with_items(count: int) -> list:
    """Managers of two teams each, with overdue, due-soon and long-term items from COEs and
    incidents, owned by different people; each was sent last week's report."""
    managers = UserFactory.create_batch(count)
    incident = IncidentFactory()
    terms = itertools.cycle(Term.values)
    for manager in managers:
        ReportDelivery.objects.create(
            recipient=manager,
            kind=ReportKind.WEEKLY,
            period="2026-W48",
            status=DeliveryStatus.SENT,
            overdue_count=1,
        )
        for team in TeamFactory.create_batch(2, manager=manager):
            for days in (-9, -1, 0, 3, 20):
                team_item(
                    team,
                    due_date=TODAY + timedelta(days=days),
                    term=next(terms),
                    owner=UserFactory(),
                    incident=incident if days % 2 else None,
                )
    return managers


def queries_to_build_and_render(managers, kind: str) -> int:
    with CaptureQueriesContext(connection) as captured:
        for report in build_reports(managers, kind=kind, period=PERIODS[kind]):
            emails.render(REPORT_TEMPLATES[kind], report_context(report))
    return len(captured.captured_queries)


@pytest.mark.parametrize("kind", [ReportKind.WEEKLY, ReportKind.MONTHLY])
def test_building_twelve_managers_reports_takes_the_queries_that_three_take(kind):
    few = queries_to_build_and_render(managers_with_items(3), kind)
    many = queries_to_build_and_render(managers_with_items(12), kind)
    assert few == many <= 5


def test_each_item_is_linked_by_its_own_absolute_address_in_both_parts():
    (manager,) = managers_with_items(1)
    (report,) = build_reports([manager], kind=ReportKind.WEEKLY, period="2026-W49")
    email = emails.render("weekly-report", report_context(report))
    items = [i for s in report.teams for g in s.terms for i in g.items] + report.due_soon
    assert len(items) == 8  # the item due in 20 days is in neither list
    for item in items:
        address = f"{SITE_URL}/actions/{item.pk}/"
        assert f"      {address}\n" in email.text
        assert f'<a href="{address}" style="color:#0b5cad;">' in email.html
    linked = {int(pk) for pk in re.findall(r"/actions/(\d+)/", email.text)}
    assert linked == {item.pk for item in items}


def test_a_finished_item_is_in_nobodys_weekly_report():
    (manager,) = managers_with_items(1)
    late = manager.managed_teams.first().action_items.filter(due_date__lt=TODAY).first()
    late.status = ItemStatus.DONE
    late.save(update_fields=["status"])
    (report,) = build_reports([manager], kind=ReportKind.WEEKLY, period="2026-W49")
    assert late.pk not in {i.pk for s in report.teams for g in s.terms for i in g.items}
