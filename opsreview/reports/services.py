"""Sending reports: each person gets each period's report once."""

import logging
from datetime import timedelta

from django.conf import settings
from django.core.mail import mailers
from django.db import IntegrityError, connection, transaction
from django.db.models import F, Q
from django.utils import timezone

from opsreview.org import emails

from .builder import build_report, build_reports, report_context
from .models import (
    DeliveryStatus,
    ReportDelivery,
    ReportKind,
)

logger = logging.getLogger(__name__)

# Reports

# A claim older than this belongs to a worker that died before sending; it may be taken over.
STALE_CLAIM = timedelta(minutes=30)
# A claim for many people that meets another worker's new rows looks again this many times.
CLAIM_ATTEMPTS = 3
REPORT_TEMPLATES = {
    ReportKind.WEEKLY: "weekly-report",
    ReportKind.MONTHLY: "monthly-report",
    ReportKind.ANNIVERSARY: "anniversary-digest",
}


def report_claim(*, recipient, kind: str, period: str) -> ReportDelivery | None:
    """Insert-or-take-over: the delivery row is ours only if we created it, or if it failed or
    was abandoned and our conditional update won. Everyone else gets None and sends nothing.
    """
    now = timezone.now()
    delivery, created = ReportDelivery.objects.get_or_create(
        recipient=recipient, kind=kind, period=period, defaults={"claimed_at": now}
    )
    if created:
        return delivery
    retryable = Q(status=DeliveryStatus.FAILED) | Q(
        status=DeliveryStatus.CLAIMED, claimed_at__lt=now - STALE_CLAIM
    )
    taken = ReportDelivery.objects.filter(retryable, pk=delivery.pk).update(
        status=DeliveryStatus.CLAIMED, claimed_at=now, attempts=F("attempts") + 1, error=""
    )
    return ReportDelivery.objects.get(pk=delivery.pk) if taken else None


def report_claims(*, recipients, kind: str, period: str) -> dict[int, int]:
    """report_claim for many people at once, by the same rule: a delivery row is ours if we
    created it, or if it failed or was abandoned and we took it over while holding its lock.
    Returns the delivery id of each claim won, by recipient id; the others get nothing.
    """
    attempts_left = CLAIM_ATTEMPTS
    while True:
        try:
            return _claim_all(recipients, kind=kind, period=period)
        except IntegrityError:
            # Someone else inserted one of our rows first: look again, it is theirs now.
            attempts_left -= 1
            if not attempts_left:
                raise


def _claim_all(recipients, *, kind: str, period: str) -> dict[int, int]:
    now = timezone.now()
    wanted = {recipient.pk for recipient in recipients}
    with transaction.atomic():
        existing = list(
            ReportDelivery.objects.select_for_update()
            .filter(recipient__in=wanted, kind=kind, period=period)
            .order_by("pk")  # rows locked in one order by everyone: no deadlock
            .values_list("pk", "recipient_id", "status", "claimed_at")
        )
        taken = {
            recipient_id: pk
            for pk, recipient_id, status, claimed_at in existing
            if status == DeliveryStatus.FAILED
            or (status == DeliveryStatus.CLAIMED and claimed_at < now - STALE_CLAIM)
        }
        ReportDelivery.objects.filter(pk__in=taken.values()).update(
            status=DeliveryStatus.CLAIMED, claimed_at=now, attempts=F("attempts") + 1, error=""
        )
        missing = wanted - {recipient_id for _, recipient_id, _, _ in existing}
        created = ReportDelivery.objects.bulk_create(
            ReportDelivery(recipient_id=pk, kind=kind, period=period, claimed_at=now)
            for pk in sorted(missing)
        )
    return taken | {delivery.recipient_id: delivery.pk for delivery in created}


def report_deliver(*, recipient, kind: str, period: str) -> str:
    """Build, claim and send one report. Returns "sent", "nothing" (nothing to report),
    "already" (sent or being sent elsewhere), "no address" or "inactive". A failed send is
    recorded on the delivery and raised again, so the task retries and the retry takes the
    claim over.
    """
    if not recipient.is_active:
        return "inactive"
    report = build_report(recipient, kind=kind, period=period)
    if not _worth_sending(report):
        return "nothing"
    delivery = report_claim(recipient=recipient, kind=kind, period=period)
    if delivery is None:
        return "already"
    return _send(report, delivery.pk)


def report_deliver_many(*, recipients, kind: str, period: str) -> dict[int, str]:
    """report_deliver for many people at once: their reports built together, their deliveries
    claimed together, then each email sent and recorded on its own, over one mail connection.
    An email that fails is recorded as failed, with the outcome "failed", for a retry of its
    own; the others are sent and recorded all the same. Returns each recipient's outcome, by id.
    """
    recipients = list(recipients)
    outcomes = {recipient.pk: "inactive" for recipient in recipients}
    active = [recipient for recipient in recipients if recipient.is_active]
    reports = build_reports(active, kind=kind, period=period)
    for report in reports:
        outcomes[report.recipient.pk] = "nothing"
    reports = [report for report in reports if _worth_sending(report)]
    claims = report_claims(recipients=[r.recipient for r in reports], kind=kind, period=period)
    mailer = mailers.default
    try:
        for report in reports:
            delivery_pk = claims.get(report.recipient.pk)
            outcomes[report.recipient.pk] = (
                "already" if delivery_pk is None else _send_or_record(report, delivery_pk, mailer)
            )
    finally:
        mailer.close()
    return outcomes


def _worth_sending(report) -> bool:
    """An empty anniversary digest is never sent: a manager whose teams have no COE of a year
    ago with items not done has nothing to hear about, all clear or not."""
    if report.kind == ReportKind.ANNIVERSARY:
        return not report.is_empty
    return not report.is_empty or settings.REPORT_SEND_ALL_CLEAR


def _send_or_record(report, delivery_pk: int, mailer) -> str:
    try:
        return _send(report, delivery_pk, mailer=mailer)
    except Exception:
        logger.exception("The %s report to user %s failed", report.kind, report.recipient.pk)
        mailer.close()  # whatever state the connection is in, the next email starts afresh
        return "failed"


def _send(report, delivery_pk: int, *, mailer=None) -> str:
    """Send a claimed report and record the outcome on its delivery; a failure is recorded,
    then raised."""
    recipient = report.recipient
    deliveries = ReportDelivery.objects.filter(pk=delivery_pk)
    if not recipient.email:
        deliveries.update(status=DeliveryStatus.FAILED, error="The recipient has no email address.")
        return "no address"
    try:
        if mailer is not None:
            mailer.open()  # once for a batch; again after a failure closed it
        email = emails.send(
            REPORT_TEMPLATES[report.kind], [recipient.email], report_context(report), mailer=mailer
        )
    except Exception as error:
        deliveries.update(
            status=DeliveryStatus.FAILED, error=f"{type(error).__name__}: {error}"[:2000]
        )
        raise
    with transaction.atomic():
        _commit_without_waiting_for_the_disk()
        deliveries.update(
            status=DeliveryStatus.SENT,
            sent_at=timezone.now(),
            subject=email.subject[:300],
            overdue_count=report.overdue_count,
            item_count=report.item_count,
        )
    return "sent"


def _commit_without_waiting_for_the_disk() -> None:
    """On PostgreSQL, this transaction's commit returns before its WAL reaches the disk (within
    a fraction of a second): waiting for the disk after every email was a third of a batch's
    time. Other workers see the change at once; only a crash of the database server itself in
    that fraction of a second could undo it, and then the email would be sent again once its
    claim went stale: the same risk as a worker dying between the send and this commit.
    """
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SET LOCAL synchronous_commit TO OFF")
