"""Reports go out in batches of managers, and still exactly once per manager and period.

A batch builds its managers' reports together, claims their deliveries together and sends each
email on its own: a duplicate or concurrent batch sends nothing more, an email that fails is
recorded and retried alone, and the others are neither lost nor sent again. Time is frozen on
Monday 30 November 2026, 09:00 in London: week 2026-W49.
"""

from datetime import timedelta
from smtplib import SMTPServerDisconnected

import pytest
from django.core import mail
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from opsreview.reports import builder, services, tasks
from opsreview.reports.models import DeliveryStatus, ReportDelivery
from tests.concurrency import run_at_once
from tests.org.factories import TeamFactory, UserFactory
from tests.org.flaky_mail import FlakyBackend
from tests.reports.delivery_week import (
    WEEK,
    WEEKLY,
    manager_with_an_overdue_item,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def managers(frozen):
    return [manager_with_an_overdue_item() for _ in range(3)]


def deliver_many(recipients) -> dict[int, str]:
    return services.report_deliver_many(recipients=recipients, kind=WEEKLY, period=WEEK)


def run_batch(recipients) -> dict[str, int]:
    return tasks.send_report_batch.delay(
        recipient_ids=[recipient.pk for recipient in recipients], kind=WEEKLY, period=WEEK
    ).get()


def the_delivery(recipient) -> ReportDelivery:
    return ReportDelivery.objects.get(recipient=recipient, kind=WEEKLY, period=WEEK)


def emails_to(user) -> list:
    return [message for message in mail.outbox if message.to == [user.email]]


def test_the_beat_sends_managers_in_batches(frozen, monkeypatch):
    monkeypatch.setattr(builder, "REPORT_BATCH_SIZE", 2)
    managers = [manager_with_an_overdue_item() for _ in range(5)]
    batches = []
    monkeypatch.setattr(
        tasks.send_report_batch, "delay", lambda **kwargs: batches.append(kwargs["recipient_ids"])
    )

    assert tasks.send_weekly_reports.delay().get() == 5

    assert batches == [
        [m.pk for m in managers[:2]],
        [m.pk for m in managers[2:4]],
        [managers[4].pk],
    ]


def test_a_batch_sends_each_manager_their_own_report_once(managers):
    assert run_batch(managers) == {"sent": 3}

    for manager in managers:
        (message,) = emails_to(manager)
        assert message.subject == f"BananaStand: 1 overdue action item — week {WEEK}"
        delivery = the_delivery(manager)
        assert (delivery.status, delivery.attempts) == (DeliveryStatus.SENT, 1)
        assert (delivery.subject, delivery.overdue_count) == (message.subject, 1)


def test_a_duplicate_batch_sends_nothing_more(managers):
    run_batch(managers)

    assert run_batch(managers) == {"already": 3}

    assert len(mail.outbox) == 3
    assert ReportDelivery.objects.count() == 3


def test_a_batch_after_single_reports_sends_only_the_ones_not_sent(managers):
    services.report_deliver(recipient=managers[0], kind=WEEKLY, period=WEEK)

    assert deliver_many(managers) == {
        managers[0].pk: "already",
        managers[1].pk: "sent",
        managers[2].pk: "sent",
    }
    assert len(mail.outbox) == 3


@pytest.mark.django_db(transaction=True)
def test_two_workers_running_the_same_batch_at_once_send_each_email_once(frozen):
    managers = [manager_with_an_overdue_item() for _ in range(4)]

    outcomes, errors = run_at_once(lambda: deliver_many(managers), lambda: deliver_many(managers))

    assert errors == []
    for manager in managers:
        assert sorted(outcome[manager.pk] for outcome in outcomes) == ["already", "sent"]
        assert len(emails_to(manager)) == 1
        assert the_delivery(manager).attempts == 1


def test_a_failed_email_is_recorded_and_the_others_are_sent(managers, flaky_transport):
    flaky_transport(times=1)

    outcomes = deliver_many(managers)

    assert outcomes == {
        managers[0].pk: "failed",
        managers[1].pk: "sent",
        managers[2].pk: "sent",
    }
    failed = the_delivery(managers[0])
    assert failed.status == DeliveryStatus.FAILED
    assert failed.error == "SMTPServerDisconnected: Connection unexpectedly closed"
    assert emails_to(managers[0]) == []
    assert [len(emails_to(manager)) for manager in managers[1:]] == [1, 1]


def test_a_failed_email_is_retried_alone_and_nobody_gets_two(managers, flaky_transport):
    flaky_transport(times=1)

    assert run_batch(managers) == {"failed": 1, "sent": 2}

    for manager in managers:
        assert len(emails_to(manager)) == 1
        assert the_delivery(manager).status == DeliveryStatus.SENT
    # Only the one that failed was claimed again, by its own retry.
    assert [the_delivery(manager).attempts for manager in managers] == [2, 1, 1]


def test_a_mail_server_that_cannot_be_reached_at_first_fails_only_the_first_email(
    managers, flaky_transport, monkeypatch
):
    flaky_transport(times=0)
    refusals = [ConnectionRefusedError("Connection refused")]

    def open_once_refused(backend):
        if refusals:
            raise refusals.pop()

    monkeypatch.setattr(FlakyBackend, "open", open_once_refused, raising=False)

    assert deliver_many(managers) == {
        managers[0].pk: "failed",
        managers[1].pk: "sent",
        managers[2].pk: "sent",
    }
    failed = the_delivery(managers[0])
    assert (failed.status, failed.error) == (
        DeliveryStatus.FAILED,
        "ConnectionRefusedError: Connection refused",
    )
    # Recorded as failed, not left claimed: its retry takes it over at once.
    assert services.report_deliver(recipient=managers[0], kind=WEEKLY, period=WEEK) == "sent"


def test_each_failed_email_is_handed_to_a_retry_of_its_own(managers, flaky_transport, monkeypatch):
    retried = []
    monkeypatch.setattr(
        tasks.send_report, "apply_async", lambda kwargs, countdown: retried.append(kwargs)
    )
    flaky_transport(times=2, error=SMTPServerDisconnected("gone"))

    assert run_batch(managers) == {"failed": 2, "sent": 1}

    assert retried == [
        {"recipient_id": manager.pk, "kind": WEEKLY, "period": WEEK} for manager in managers[:2]
    ]
    assert [the_delivery(manager).status for manager in managers] == [
        DeliveryStatus.FAILED,
        DeliveryStatus.FAILED,
        DeliveryStatus.SENT,
    ]


def test_a_batch_takes_over_failed_and_abandoned_claims_only(frozen):
    failed, stale, fresh, sent, new = [manager_with_an_overdue_item() for _ in range(5)]
    now = timezone.now()
    for recipient, status, ago in (
        (failed, DeliveryStatus.FAILED, timedelta(minutes=1)),
        (stale, DeliveryStatus.CLAIMED, services.STALE_CLAIM + timedelta(seconds=1)),
        (fresh, DeliveryStatus.CLAIMED, services.STALE_CLAIM - timedelta(seconds=1)),
        (sent, DeliveryStatus.SENT, timedelta(days=3)),
    ):
        ReportDelivery.objects.create(
            recipient=recipient, kind=WEEKLY, period=WEEK, status=status, claimed_at=now - ago
        )

    outcomes = deliver_many([failed, stale, fresh, sent, new])

    assert [outcomes[m.pk] for m in (failed, stale, fresh, sent, new)] == [
        *("sent", "sent", "already", "already", "sent")
    ]
    assert [the_delivery(m).attempts for m in (failed, stale, fresh, sent, new)] == [2, 2, 1, 1, 1]
    assert {m.to[0] for m in mail.outbox} == {failed.email, stale.email, new.email}


def test_a_batch_skips_the_inactive_the_idle_and_records_a_missing_address(frozen):
    inactive = manager_with_an_overdue_item(is_active=False)
    idle = UserFactory()
    TeamFactory(manager=idle)
    no_address = manager_with_an_overdue_item(email="")

    outcomes = deliver_many([inactive, idle, no_address])

    assert outcomes == {inactive.pk: "inactive", idle.pk: "nothing", no_address.pk: "no address"}
    assert mail.outbox == []
    assert the_delivery(no_address).status == DeliveryStatus.FAILED
    assert ReportDelivery.objects.count() == 1


def queries_to_deliver(count: int) -> int:
    batch = [manager_with_an_overdue_item() for _ in range(count)]
    with CaptureQueriesContext(connection) as captured:
        assert set(deliver_many(batch).values()) == {"sent"}
    return len(captured.captured_queries)


def test_a_batch_takes_a_few_queries_and_the_same_few_more_per_email_sent(frozen):
    three, six, twelve = (queries_to_deliver(count) for count in (3, 6, 12))

    per_email = (six - three) // 3
    assert twelve - six == 6 * per_email
    # its delivery recorded in a transaction of its own (a savepoint in a test), with a
    # SET LOCAL first on PostgreSQL
    assert per_email <= 4
    # 4 to build, 2 to claim, 2 savepoints (a test runs in a transaction)
    assert three - 3 * per_email == 8
