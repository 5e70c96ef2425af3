"""Sending reports: each person gets each period's report once."""

from datetime import timedelta

from django.conf import settings
from django.db.models import F, Q
from django.utils import timezone

from opsreview.org import emails

from .builder import build_report, report_context
from .models import (
    DeliveryStatus,
    ReportDelivery,
    ReportKind,
)

# Reports

# A claim older than this belongs to a worker that died before sending; it may be taken over.
STALE_CLAIM = timedelta(minutes=30)
REPORT_TEMPLATES = {ReportKind.WEEKLY: "weekly-report", ReportKind.MONTHLY: "monthly-report"}


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


def report_deliver(*, recipient, kind: str, period: str) -> str:
    """Build, claim and send one report. Returns "sent", "nothing" (nothing to report),
    "already" (sent or being sent elsewhere), "no address" or "inactive". A failed send is
    recorded on the delivery and raised again, so the task retries and the retry takes the
    claim over.
    """
    if not recipient.is_active:
        return "inactive"
    report = build_report(recipient, kind=kind, period=period)
    if report.is_empty and not settings.REPORT_SEND_ALL_CLEAR:
        return "nothing"
    delivery = report_claim(recipient=recipient, kind=kind, period=period)
    if delivery is None:
        return "already"
    deliveries = ReportDelivery.objects.filter(pk=delivery.pk)
    if not recipient.email:
        deliveries.update(status=DeliveryStatus.FAILED, error="The recipient has no email address.")
        return "no address"
    try:
        email = emails.send(REPORT_TEMPLATES[kind], [recipient.email], report_context(report))
    except Exception as error:
        deliveries.update(
            status=DeliveryStatus.FAILED, error=f"{type(error).__name__}: {error}"[:2000]
        )
        raise
    deliveries.update(
        status=DeliveryStatus.SENT,
        sent_at=timezone.now(),
        subject=email.subject[:300],
        overdue_count=report.overdue_count,
        item_count=report.item_count,
    )
    return "sent"
