"""Each report goes out exactly once per manager and period, whatever runs it how often.

Two beat ticks, the command after the beat, two workers at the same moment and retries after a
failed send all meet at one ReportDelivery row per (recipient, kind, period). Time is frozen on
Monday 30 November 2026, 09:00 in London: week 2026-W49.
"""

from datetime import timedelta
from io import StringIO
from smtplib import SMTPServerDisconnected

import pytest
from django.core import mail
from django.core.management import CommandError, call_command
from django.db import IntegrityError, transaction
from django.utils import timezone

from opsreview.reports import services, tasks
from opsreview.reports.models import DeliveryStatus, ReportDelivery, ReportKind
from tests.concurrency import run_at_once
from tests.reports.delivery_week import (
    WEEK,
    WEEKLY,
    manager_with_an_overdue_item,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def manager(frozen):
    return manager_with_an_overdue_item()


def deliver(recipient) -> str:
    return services.report_deliver(recipient=recipient, kind=WEEKLY, period=WEEK)


def the_delivery(recipient) -> ReportDelivery:
    return ReportDelivery.objects.get(recipient=recipient, kind=WEEKLY, period=WEEK)


def emails_to(user) -> list:
    return [message for message in mail.outbox if message.to == [user.email]]


# Run twice, sent once


def test_the_weekly_task_run_twice_sends_each_manager_one_email(frozen):
    managers = [manager_with_an_overdue_item() for _ in range(3)]

    tasks.send_weekly_reports.delay()
    tasks.send_weekly_reports.delay()

    for manager in managers:
        assert len(emails_to(manager)) == 1
        assert the_delivery(manager).status == DeliveryStatus.SENT
        assert the_delivery(manager).attempts == 1
    assert len(mail.outbox) == 3
    assert ReportDelivery.objects.count() == 3


def test_the_command_after_the_beat_sends_nothing_more(manager):
    tasks.send_weekly_reports.delay()
    out = StringIO()

    call_command("send_reports", stdout=out)

    assert len(emails_to(manager)) == 1
    assert out.getvalue().splitlines() == [f"{manager.get_full_name()}: already"]
    assert ReportDelivery.objects.count() == 1


def test_a_period_written_without_zero_padding_is_the_same_week(frozen, settings):
    settings.REPORT_SEND_ALL_CLEAR = True  # nothing was due in week 9; all-clear is sent anyway
    manager = manager_with_an_overdue_item()
    call_command("send_reports", "--period", "2026-W09", stdout=StringIO())

    call_command("send_reports", "--period", "2026-W9", stdout=StringIO())

    assert len(emails_to(manager)) == 1
    assert list(ReportDelivery.objects.values_list("period", flat=True)) == ["2026-W09"]


def test_a_monthly_period_without_zero_padding_is_the_same_month(frozen, settings):
    settings.REPORT_SEND_ALL_CLEAR = True
    manager = manager_with_an_overdue_item()
    call_command("send_reports", "--kind", "monthly", "--period", "2026-03", stdout=StringIO())

    call_command("send_reports", "--kind", "monthly", "--period", "2026-3", stdout=StringIO())

    assert len(emails_to(manager)) == 1
    assert list(ReportDelivery.objects.values_list("period", flat=True)) == ["2026-03"]


# Two workers at the same moment


@pytest.mark.django_db(transaction=True)
def test_two_workers_delivering_the_same_report_at_once_send_one_email(frozen):
    manager = manager_with_an_overdue_item()
    outcomes, errors = run_at_once(lambda: deliver(manager), lambda: deliver(manager))

    assert errors == []
    assert sorted(outcomes) == ["already", "sent"]
    assert len(emails_to(manager)) == 1
    delivery = the_delivery(manager)
    assert (delivery.status, delivery.attempts) == (DeliveryStatus.SENT, 1)


# A transport that fails, then recovers


def test_a_failed_send_is_recorded_and_raised(manager, flaky_transport):
    flaky_transport(times=1)

    with pytest.raises(SMTPServerDisconnected):
        deliver(manager)

    delivery = the_delivery(manager)
    assert delivery.status == DeliveryStatus.FAILED
    assert delivery.error == "SMTPServerDisconnected: Connection unexpectedly closed"
    assert delivery.attempts == 1
    assert delivery.sent_at is None
    assert mail.outbox == []


def test_the_retry_after_a_failed_send_takes_the_claim_over_and_sends_once(
    manager, flaky_transport
):
    flaky_transport(times=1)
    with pytest.raises(SMTPServerDisconnected):
        deliver(manager)

    assert deliver(manager) == "sent"
    assert deliver(manager) == "already"

    assert len(emails_to(manager)) == 1
    delivery = the_delivery(manager)
    assert (delivery.status, delivery.attempts, delivery.error) == (DeliveryStatus.SENT, 2, "")
    assert delivery.sent_at == timezone.now()


def test_the_report_task_retries_a_transient_email_error_and_sends_once(
    manager, flaky_transport, eager_retries
):
    flaky_transport(times=2)

    result = tasks.send_report.delay(recipient_id=manager.pk, kind=WEEKLY, period=WEEK)

    assert result.get() == "sent"
    assert len(emails_to(manager)) == 1
    delivery = the_delivery(manager)
    assert (delivery.status, delivery.attempts) == (DeliveryStatus.SENT, 3)


def test_the_beat_after_a_failed_send_sends_once(manager, flaky_transport):
    flaky_transport(times=1)
    with pytest.raises(SMTPServerDisconnected):
        deliver(manager)

    tasks.send_weekly_reports.delay()
    tasks.send_weekly_reports.delay()

    assert len(emails_to(manager)) == 1
    assert the_delivery(manager).status == DeliveryStatus.SENT


# Claims left behind by a worker that died


def claimed(recipient, *, ago: timedelta) -> ReportDelivery:
    return ReportDelivery.objects.create(
        recipient=recipient, kind=WEEKLY, period=WEEK, claimed_at=timezone.now() - ago
    )


def test_a_claim_older_than_the_stale_limit_is_taken_over(manager):
    claimed(manager, ago=services.STALE_CLAIM + timedelta(seconds=1))

    assert deliver(manager) == "sent"

    assert len(emails_to(manager)) == 1
    delivery = the_delivery(manager)
    assert (delivery.status, delivery.attempts) == (DeliveryStatus.SENT, 2)


def test_a_fresh_claim_belongs_to_the_worker_sending_it(manager):
    claimed(manager, ago=services.STALE_CLAIM - timedelta(seconds=1))

    assert deliver(manager) == "already"

    assert mail.outbox == []
    delivery = the_delivery(manager)
    assert (delivery.status, delivery.attempts) == (DeliveryStatus.CLAIMED, 1)


def test_a_sent_report_is_never_taken_over_however_old(manager, frozen):
    assert deliver(manager) == "sent"
    frozen.shift(timedelta(days=6))

    assert deliver(manager) == "already"

    assert len(emails_to(manager)) == 1


# No address, and the constraint underneath it all


def test_a_manager_without_an_email_address_gets_a_failed_delivery_and_no_email(frozen):
    manager = manager_with_an_overdue_item(email="")

    assert deliver(manager) == "no address"

    assert mail.outbox == []
    delivery = the_delivery(manager)
    assert delivery.status == DeliveryStatus.FAILED
    assert delivery.error == "The recipient has no email address."


def test_a_second_delivery_for_the_same_person_kind_and_period_is_refused(manager):
    ReportDelivery.objects.create(recipient=manager, kind=WEEKLY, period=WEEK)

    with pytest.raises(IntegrityError), transaction.atomic():
        ReportDelivery.objects.create(recipient=manager, kind=WEEKLY, period=WEEK)

    ReportDelivery.objects.create(recipient=manager, kind=ReportKind.MONTHLY, period="2026-11")
    ReportDelivery.objects.create(recipient=manager, kind=WEEKLY, period="2026-W50")
    assert ReportDelivery.objects.filter(recipient=manager).count() == 3


def test_the_command_tries_every_manager_even_after_a_failure(frozen, flaky_transport):
    first = manager_with_an_overdue_item(username="first")
    second = manager_with_an_overdue_item(username="second")
    flaky_transport(1)
    out = StringIO()
    with pytest.raises(CommandError, match="1 report\\(s\\) failed"):
        call_command("send_reports", stdout=out)
    statuses = {the_delivery(first).status, the_delivery(second).status}
    assert statuses == {DeliveryStatus.FAILED, DeliveryStatus.SENT}
    assert "run again to retry" in out.getvalue()


def test_a_manager_deactivated_after_the_fan_out_gets_nothing(manager):
    manager.is_active = False
    manager.save()
    assert deliver(manager) == "inactive"
    assert not ReportDelivery.objects.exists()
