"""What every app's Celery tasks share."""

import logging

from celery import Task, shared_task
from kombu.exceptions import OperationalError as BrokerUnavailable

from .emails import TRANSIENT_EMAIL_ERRORS
from .notifications import email_notification

logger = logging.getLogger(__name__)


class NotificationTask(Task):
    """A notification queued once a change is committed: while the broker is down it is logged
    and dropped, so the page that made the change still answers (the change stands)."""

    def apply_async(self, args=None, kwargs=None, **options):
        try:
            return super().apply_async(args, kwargs, **options)
        except BrokerUnavailable:
            logger.exception(
                "Not queued, the broker is unavailable: %s(args=%r, kwargs=%r)",
                self.name,
                args,
                kwargs,
            )
            return None


@shared_task(
    base=NotificationTask,
    autoretry_for=TRANSIENT_EMAIL_ERRORS,
    retry_backoff=True,
    max_retries=5,
)
def send_notification_email(*, notification_id: int) -> bool:
    return email_notification(notification_id)
