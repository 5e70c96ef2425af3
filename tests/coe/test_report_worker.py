"""The weekly report through a real Celery worker process on the configured broker.

CI points CELERY_BROKER_URL at Redis; locally it is the filesystem broker under var/. The
worker reads and writes this test's database, so what it delivers is visible here.
"""

import os
import subprocess
import sys
import time
from datetime import timedelta
from pathlib import Path

import pytest
from django.conf import settings
from django.db import connection
from django.utils import timezone

from coe import services, tasks
from coe.models import DeliveryStatus, ReportDelivery, Term
from opsreview.celery import app
from opsreview.models import OutboxMessage
from tests.opsreview.factories import TeamFactory, UserFactory

from .factories import CoeFactory

pytestmark = pytest.mark.django_db(transaction=True)

PROJECT_DIR = Path(__file__).resolve().parents[2]


def _database_url() -> str:
    db = connection.settings_dict
    if connection.vendor == "sqlite":
        return f"sqlite:///{Path(db['NAME']).resolve()}"
    password = f":{db['PASSWORD']}" if db["PASSWORD"] else ""
    return f"postgres://{db['USER']}{password}@{db['HOST']}:{db['PORT'] or 5432}/{db['NAME']}"


@pytest.fixture
def queue():
    """A queue of this test's own, so no other worker on the broker takes its tasks."""
    name = f"report-test-{os.getpid()}"
    saved = (app.conf.task_default_queue, app.conf.task_always_eager)
    app.conf.task_default_queue, app.conf.task_always_eager = name, False
    yield name
    app.conf.task_default_queue, app.conf.task_always_eager = saved


@pytest.fixture
def worker(queue):
    env = {
        **os.environ,
        "DEBUG": "1",
        "DATABASE_URL": _database_url(),
        "EMAIL_TRANSPORT": "outbox",
        "CELERY_BROKER_URL": settings.CELERY_BROKER_URL,
        "CELERY_TASK_DEFAULT_QUEUE": queue,
        "DJANGO_ALLOW_ASYNC_UNSAFE": "",
    }
    process = subprocess.Popen(
        [
            sys.executable, "-m", "celery", "--app", "opsreview", "worker",
            "--queues", queue, "--pool", "solo", "--without-gossip", "--without-mingle",
            "--without-heartbeat", "--loglevel", "WARNING",
        ],
        cwd=PROJECT_DIR,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )  # fmt: skip
    yield process
    process.terminate()
    try:
        process.wait(timeout=20)
    except subprocess.TimeoutExpired:
        process.kill()


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


def _wait_for(condition, worker, seconds=90):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if condition():
            return
        if worker.poll() is not None:
            pytest.fail(f"The worker died:\n{worker.stdout.read()}")
        time.sleep(0.5)
    worker.terminate()
    pytest.fail(f"Timed out; the worker said:\n{worker.stdout.read()}")


def test_a_real_worker_delivers_one_weekly_report_per_manager(worker):
    managers = [_manager_with_overdue_items("maya", 2), _manager_with_overdue_items("omar", 1)]

    tasks.send_weekly_reports.delay()
    tasks.send_weekly_reports.delay()  # a duplicate beat tick changes nothing

    def all_sent():
        return ReportDelivery.objects.filter(status=DeliveryStatus.SENT).count() == 2

    _wait_for(all_sent, worker)
    time.sleep(2)  # give a duplicate the chance to show itself
    assert ReportDelivery.objects.count() == 2
    messages = list(OutboxMessage.objects.order_by("to"))
    assert [m.to for m in messages] == [[m.email] for m in managers]
    assert messages[0].subject.startswith("BananaStand: 2 overdue action items — week ")
    assert "Item 0 for maya" in messages[0].text_body
    assert "Item 0 for maya" in messages[0].html_body
