from celery import shared_task
from django.contrib.auth import get_user_model
from django.utils import timezone

from opsreview.org.emails import TRANSIENT_EMAIL_ERRORS

from . import services
from .builder import current_period, report_recipients
from .models import ReportKind


def _fan_out(kind: str, period: str | None) -> int:
    period = period or current_period(kind, timezone.localdate())
    recipients = list(report_recipients(kind).values_list("pk", flat=True))
    for recipient_id in recipients:
        send_report.delay(recipient_id=recipient_id, kind=kind, period=period)
    return len(recipients)


@shared_task
def send_weekly_reports(period: str | None = None) -> int:
    """Beat: one task per manager with open items; each sends (at most) one email."""
    return _fan_out(ReportKind.WEEKLY, period)


@shared_task
def send_monthly_reports(period: str | None = None) -> int:
    return _fan_out(ReportKind.MONTHLY, period)


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
