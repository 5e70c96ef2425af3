"""Drill: the broker dies under a running gunicorn and worker, then comes back empty.

A redis-server of the drill's own, on a spare port, is the broker for the server, the worker and
this test's publisher; it is killed (nothing kept on disk) and started again on the same port.
"""

import json

import pytest
from kombu.exceptions import OperationalError as BrokerUnavailable

from incidents.models import Incident
from opsreview.org.models import OutboxMessage
from opsreview.reports import tasks as report_tasks
from opsreview.reports.models import ReportDelivery
from tests.incidents.factories import IncidentFactory
from tests.org.factories import TeamFactory, UserFactory

from .loopback import (
    WebServer,
    database_url,
    publishing_to,
    start_worker,
    stop,
    wait_for,
)
from .reports import deliveries, manager_with_an_overdue_item

pytestmark = pytest.mark.django_db(transaction=True)

QUEUE = "drill-broker-down"


@pytest.fixture
def worker_log(broker, tmp_path):
    log = tmp_path / "worker.log"
    process = start_worker(broker_url=broker.url, queue=QUEUE, log=log)
    yield log
    stop(process)


@pytest.fixture
def web(broker, tmp_path):
    env = {
        "DATABASE_URL": database_url(),
        "CELERY_BROKER_URL": broker.url,
        "CELERY_TASK_DEFAULT_QUEUE": QUEUE,
    }
    server = WebServer(env=env, log=tmp_path / "gunicorn.log")
    yield server
    stop(server.process)


def test_pages_keep_answering_while_the_broker_is_down_and_reports_resume_exactly_once(
    broker, worker_log, web
):
    managers = [manager_with_an_overdue_item("maya"), manager_with_an_overdue_item("omar")]
    incident = IncidentFactory()
    storage = TeamFactory(name="Storage", members=[UserFactory()])
    call_leader = web.sign_in(incident.call_leader)
    staff = web.sign_in(UserFactory(is_staff=True))
    logs = (worker_log, web.log, broker.log)
    with publishing_to(broker.url, QUEUE):
        report_tasks.send_weekly_reports.delay()
        wait_for(lambda: deliveries() == 2, what="the first two reports", logs=logs)

        broker.stop()
        engage = f"/incidents/{incident.pk}/engage/"
        engaged = web.post(engage, {"team": storage.pk}, cookies=call_leader)
        send_now = web.post("/reports/send/", {"kind": "weekly"}, cookies=staff)
        dashboard = web.get("/", cookies=staff)
        health = web.get("/healthz")
        with pytest.raises(BrokerUnavailable):
            report_tasks.send_weekly_reports.delay()
        managers.append(manager_with_an_overdue_item("zara"))  # overdue during the outage

        assert engaged.status == 302  # the engagement stands; its email is logged as unsent
        assert list(Incident.objects.get(pk=incident.pk).teams.all()) == [storage]
        assert "Not queued, the broker is unavailable: incidents.tasks.notify_team_engaged" in (
            web.log.read_text()
        )
        assert send_now.status == 302  # back to Reports, with a message that nothing was sent
        assert send_now.headers["Location"] == "/reports/"
        assert "Send now: the task queue is unavailable" in web.log.read_text()
        assert dashboard.status == 200
        assert json.loads(health.text)["broker"] == "unavailable"
        assert health.status == 200

        broker.start()
        report_tasks.send_weekly_reports.delay()
        report_tasks.send_weekly_reports.delay()  # a second run, as a beat tick and a staff click
        wait_for(lambda: deliveries() == 3, what="the reports to resume", timeout=45, logs=logs)
        wait_for(lambda: broker.is_idle(QUEUE), what="the worker to finish", logs=logs)

    assert ReportDelivery.objects.count() == 3
    delivered = sorted(OutboxMessage.objects.values_list("to", flat=True))
    assert delivered == [[manager.email] for manager in managers]  # one each, nothing else
