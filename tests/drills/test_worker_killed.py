"""Drill: a worker is killed (SIGKILL) in the middle of the weekly report.

The worker hangs on one manager's email, as on an SMTP server that stopped answering, and is
killed there: that manager's delivery is claimed, the ones before it are sent, the ones after it
are claimed with it (they are one batch) and unsent. A new worker must finish the round with
exactly one email per manager.
"""

import os
import signal

import pytest
from django.db.models import F

from opsreview.org.models import OutboxMessage
from opsreview.reports import services, tasks
from opsreview.reports.models import DeliveryStatus, ReportDelivery

from .loopback import publishing_to, start_worker, stop, wait_for
from .reports import deliveries, manager_with_an_overdue_item

pytestmark = pytest.mark.django_db(transaction=True)

QUEUE = "drill-worker-killed"
DRILL_SETTINGS = {"DJANGO_SETTINGS_MODULE": "tests.drills.worker_settings"}


def test_a_worker_killed_mid_report_leaves_one_email_per_manager(broker, tmp_path):
    managers = [manager_with_an_overdue_item(f"manager{n}") for n in range(8)]
    stalled = managers[3]
    first_log, second_log = tmp_path / "worker-1.log", tmp_path / "worker-2.log"
    first = start_worker(
        broker_url=broker.url,
        queue=QUEUE,
        log=first_log,
        env={**DRILL_SETTINGS, "DRILL_STALL_FOR": stalled.email},
    )
    try:
        with publishing_to(broker.url, QUEUE):
            tasks.send_weekly_reports.delay()
        wait_for(
            lambda: (
                deliveries(DeliveryStatus.SENT) == 3
                and ReportDelivery.objects.filter(
                    recipient=stalled, status=DeliveryStatus.CLAIMED
                ).exists()
            ),
            what="the worker to hang on the fourth manager's email",
            logs=(first_log,),
        )
        os.kill(first.pid, signal.SIGKILL)
        first.wait()
    finally:
        stop(first)
    assert deliveries(DeliveryStatus.SENT) >= 1
    assert OutboxMessage.objects.filter(to=[stalled.email]).count() == 0

    # In production Redis hands the dead worker's task out again after CELERY_VISIBILITY_TIMEOUT
    # (an hour), when the claim is older than STALE_CLAIM (30 minutes) and may be taken over.
    # Here the timeout is a second, and the claim is made that old.
    ReportDelivery.objects.filter(status=DeliveryStatus.CLAIMED).update(
        claimed_at=F("claimed_at") - services.STALE_CLAIM
    )
    second_env = {**DRILL_SETTINGS, "CELERY_VISIBILITY_TIMEOUT": "1"}
    second = start_worker(broker_url=broker.url, queue=QUEUE, log=second_log, env=second_env)
    try:
        wait_for(
            lambda: deliveries(DeliveryStatus.SENT) == len(managers) and broker.is_idle(QUEUE),
            what="the second worker to finish the round",
            logs=(second_log, first_log),
        )
    finally:
        stop(second)

    assert deliveries(DeliveryStatus.CLAIMED) == 0
    assert ReportDelivery.objects.get(recipient=stalled).attempts == 2
    delivered = sorted(OutboxMessage.objects.values_list("to", flat=True))
    assert delivered == sorted([manager.email] for manager in managers)
