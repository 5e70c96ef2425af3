from collections import Counter

from celery import shared_task
from django.contrib.auth import get_user_model

from opsreview.org.emails import TRANSIENT_EMAIL_ERRORS
from opsreview.org.zones import site_today

from . import services
from .builder import current_period, report_batches
from .models import ReportKind

# A report that failed in a batch is tried again on its own after this many seconds.
RETRY_AFTER = 30


def _fan_out(kind: str, period: str | None) -> int:
    period = period or current_period(kind, site_today())
    batches = report_batches(kind, period)
    for recipient_ids in batches:
        send_report_batch.delay(recipient_ids=recipient_ids, kind=kind, period=period)
    return sum(len(batch) for batch in batches)


@shared_task
def send_weekly_reports(period: str | None = None) -> int:
    """Beat: one task per batch of managers with open items; each manager gets (at most) one
    email."""
    return _fan_out(ReportKind.WEEKLY, period)


@shared_task
def send_monthly_reports(period: str | None = None) -> int:
    return _fan_out(ReportKind.MONTHLY, period)


@shared_task
def send_anniversary_reports(period: str | None = None) -> int:
    """Beat, monthly: the managers whose teams wrote COEs a year ago that still have items not
    done; each gets (at most) one digest a month."""
    return _fan_out(ReportKind.ANNIVERSARY, period)


@shared_task
def send_report_batch(*, recipient_ids: list[int], kind: str, period: str) -> dict[str, int]:
    """A batch of reports; each that failed is handed to a task of its own, which retries."""
    recipients = get_user_model().objects.filter(pk__in=recipient_ids).order_by("pk")
    outcomes = services.report_deliver_many(recipients=recipients, kind=kind, period=period)
    for recipient_id, outcome in outcomes.items():
        if outcome == "failed":
            send_report.apply_async(
                kwargs={"recipient_id": recipient_id, "kind": kind, "period": period},
                countdown=RETRY_AFTER,
            )
    return dict(Counter(outcomes.values()))


@shared_task(
    acks_late=True,
    autoretry_for=TRANSIENT_EMAIL_ERRORS,
    retry_backoff=30,
    retry_backoff_max=1800,
    max_retries=6,
)
def send_report(*, recipient_id: int, kind: str, period: str) -> str:
    recipient = get_user_model().objects.get(pk=recipient_id)
    return services.report_deliver(recipient=recipient, kind=kind, period=period)
