"""Settings for drill workers: the project's own, with mail that can hang and quick sweeps for
tasks whose worker died (Redis hands them out again after CELERY_VISIBILITY_TIMEOUT)."""

from opsreview.settings import *  # noqa: F403
from opsreview.settings import CELERY_BROKER_TRANSPORT_OPTIONS

MAILERS = {"default": {"BACKEND": "tests.drills.mail.StallingOutboxBackend", "OPTIONS": {}}}
# Sweep every second, not every 100 s, so a short visibility timeout takes effect at once.
CELERY_BROKER_TRANSPORT_OPTIONS = {
    **CELERY_BROKER_TRANSPORT_OPTIONS,
    "unacked_restore_interval": 1,
    "unacked_restore_throttle": 1,
}
