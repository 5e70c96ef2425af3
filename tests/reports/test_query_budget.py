"""The reports page makes the same few queries whatever the number of deliveries, and pages
through them newest first without counting them."""

import itertools
from datetime import UTC, datetime, timedelta

import pytest

from opsreview.reports.models import DeliveryStatus, ReportDelivery, ReportKind
from tests.org.factories import UserFactory
from tests.query_budget import assert_query_budget

pytestmark = pytest.mark.django_db

NOW = datetime(2026, 11, 30, 9, 0, tzinfo=UTC)
serials = itertools.count()


@pytest.fixture(autouse=True)
def frozen(time_machine):
    time_machine.move_to(NOW, tick=False)


def deliveries(count: int, recipients=None) -> list[ReportDelivery]:
    """`count` deliveries, an hour apart, to new people (or to `recipients` in turn), sent,
    failed and still sending."""
    recipients = itertools.cycle(recipients or UserFactory.create_batch(3))
    statuses = itertools.cycle(DeliveryStatus.values)
    return ReportDelivery.objects.bulk_create(
        ReportDelivery(
            recipient=next(recipients),
            # a week of its own: one delivery per person, kind and period
            kind=ReportKind.WEEKLY,
            period=f"{2000 + serial // 52}-W{serial % 52 + 1:02d}",
            status=(status := next(statuses)),
            error="SMTPServerDisconnected: gone" if status == DeliveryStatus.FAILED else "",
            claimed_at=NOW - timedelta(hours=n),
        )
        for n, serial in zip(range(count), serials, strict=False)
    )


def test_staff_see_deliveries_with_the_same_few_queries_at_two_sizes(client):
    client.force_login(UserFactory(is_staff=True))
    deliveries(10)
    assert_query_budget(client, "/reports/", grow=lambda: deliveries(60))


def test_a_manager_sees_their_own_with_the_same_few_queries_at_two_sizes(client):
    manager = UserFactory()
    client.force_login(manager)
    deliveries(5, [manager])
    assert_query_budget(client, "/reports/", grow=lambda: deliveries(30, [manager]))


def test_deliveries_page_newest_first_through_next_and_previous(client):
    client.force_login(UserFactory(is_staff=True))
    made = deliveries(55)  # made[0] is the newest
    first = client.get("/reports/")
    assert first.context["page"].object_list == made[:50]
    assert 'rel="prev"' not in first.text and "Page 1 of" not in first.text
    second = client.get(f"/reports/?{first.context['page'].next_query}")
    assert second.context["page"].object_list == made[50:]
    assert 'rel="next"' not in second.text
    back = client.get(f"/reports/?{second.context['page'].previous_query}")
    assert back.context["page"].object_list == made[:50]


@pytest.mark.parametrize(
    "cursor",
    ["after=2026-11-30T09:00:00~1", "before=2026-11-30T25:00:00%2B00:00~1", "after=~~~", "after="],
)
def test_a_broken_page_cursor_shows_the_newest_deliveries(client, cursor):
    client.force_login(UserFactory(is_staff=True))
    made = deliveries(3)
    assert client.get(f"/reports/?{cursor}").context["page"].object_list == made
