import logging
import os

from celery import Celery, Task
from kombu.exceptions import OperationalError as BrokerUnavailable

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "opsreview.settings")

logger = logging.getLogger(__name__)

app = Celery("opsreview")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()


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
