"""The weekly report through a real Celery worker process on the configured broker.

CI points CELERY_BROKER_URL at Redis; locally it is the filesystem broker under var/. The
worker reads and writes this test's database, so what it delivers is visible here.
"""

import os
from datetime import timedelta
from pathlib import Path

import pytest
from django.conf import settings
from django.utils import timezone

from opsreview.actions import services
from opsreview.actions.models import Term
from opsreview.org.models import OutboxMessage
from opsreview.reports import tasks
from opsreview.reports.models import DeliveryStatus, ReportDelivery
from tests.coe.factories import CoeFactory
from tests.drills.loopback import publishing_to, start_worker, stop, wait_for
from tests.org.factories import TeamFactory, UserFactory

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def worker(tmp_path):
    """A worker on the configured broker, with a queue of this test's own so no other worker
    on the broker takes its tasks; its output goes to a log file the waits report from."""
    queue, log = f"report-test-{os.getpid()}", tmp_path / "worker.log"
    process = start_worker(broker_url=settings.CELERY_BROKER_URL, queue=queue, log=log)
    with publishing_to(settings.CELERY_BROKER_URL, queue):
        yield log
    stop(process)


def _succeeded(log: Path) -> int:
    return log.read_text().count(" succeeded in ") if log.exists() else 0


def _manager_with_overdue_items(name: str, overdue: int):
    manager = UserFactory(username=name, email=f"{name}@bananastand.example")
    coe = CoeFactory(team=TeamFactory(manager=manager))
    for n in range(overdue):
        services.action_item_create(
            actor=coe.created_by,
            coe=coe,
            title=f"Item {n} for {name}",
            owner=coe.created_by,
            team=coe.team,
            term=Term.MEDIUM,
            due_date=timezone.localdate() - timedelta(days=n + 1),
            confirm_past_due=True,
        )
    return manager


def test_a_real_worker_delivers_one_weekly_report_per_manager(worker):
    managers = [_manager_with_overdue_items("maya", 2), _manager_with_overdue_items("omar", 1)]

    tasks.send_weekly_reports.delay()
    tasks.send_weekly_reports.delay()  # a duplicate beat tick changes nothing

    def all_sent():
        return ReportDelivery.objects.filter(status=DeliveryStatus.SENT).count() == 2

    wait_for(all_sent, what="both reports to be sent", timeout=90, logs=(worker,))
    # Both fan-outs and the batch each queued have run: a duplicate would show by now.
    wait_for(lambda: _succeeded(worker) == 4, what="every task to finish", logs=(worker,))
    assert ReportDelivery.objects.count() == 2
    messages = list(OutboxMessage.objects.order_by("to"))
    assert [m.to for m in messages] == [[m.email] for m in managers]
    assert messages[0].subject.startswith("BananaStand: 2 overdue action items — week ")
    assert "Item 0 for maya" in messages[0].text_body
    assert "Item 0 for maya" in messages[0].html_body
