"""While the database or the task broker cannot be reached, pages answer a friendly 503."""

import logging
from contextlib import contextmanager

import pytest
from django.core import mail
from django.db import connection

from incidents.models import Incident
from opsreview.org.models import OutboxMessage
from opsreview.reports.models import ReportDelivery
from tests.drills.loopback import free_port, publishing_to
from tests.incidents.factories import IncidentFactory

from .factories import TeamFactory, UserFactory

pytestmark = pytest.mark.django_db(transaction=True)


@contextmanager
def database_unreachable():
    """Point the live connection at a database that is not there, then put it back."""
    saved = dict(connection.settings_dict)
    connection.close()
    if connection.vendor == "sqlite":
        connection.settings_dict["NAME"] = "/nonexistent-directory/opsreview.sqlite3"
    else:
        connection.settings_dict.update(HOST="127.0.0.1", PORT=str(free_port()))
    try:
        yield
    finally:
        connection.close()
        connection.settings_dict.clear()
        connection.settings_dict.update(saved)


@contextmanager
def broker_unreachable():
    with publishing_to(f"redis://127.0.0.1:{free_port()}/0", "unreachable"):
        yield


def assert_friendly_503(response):
    assert response.status_code == 503
    assert response["Retry-After"] == "30"
    assert "no-store" in response["Cache-Control"]
    text = response.content.decode()
    assert "opsreview is briefly unavailable" in text
    assert "try again in 30 seconds" in text


def test_a_signed_in_page_answers_a_friendly_503_while_the_database_is_unreachable(client):
    team = TeamFactory(name="Payments")
    client.force_login(team.manager)

    with database_unreachable():
        response = client.get("/")

    assert_friendly_503(response)
    assert "Payments" not in response.content.decode()
    assert "Payments" in client.get("/").content.decode()  # back without a restart


def test_a_view_that_loses_the_database_answers_503_and_logs_why(client, caplog):
    with database_unreachable(), caplog.at_level(logging.ERROR, "opsreview.org.middleware"):
        response = client.post("/accounts/login/", {"username": "maya", "password": "secret"})

    assert_friendly_503(response)
    assert "POST /accounts/login/ answered 503, a service is unavailable: OperationalError" in (
        caplog.text
    )


def test_healthz_keeps_its_json_answer_for_a_signed_in_browser(client):
    client.force_login(UserFactory())

    with database_unreachable():
        response = client.get("/healthz")

    assert response.status_code == 503
    assert response.json()["database"] == "unavailable"


def test_sending_reports_now_while_the_broker_is_down_says_nothing_was_sent(client, caplog):
    client.force_login(UserFactory(is_staff=True))

    with broker_unreachable(), caplog.at_level(logging.ERROR, "opsreview.reports.views"):
        response = client.post("/reports/send/", {"kind": "weekly"}, follow=True)

    assert response.status_code == 200
    assert "The task queue is unavailable, so nothing was sent" in response.text
    assert [r.getMessage() for r in caplog.records if r.name == "opsreview.reports.views"] == [
        "Send now: the task queue is unavailable"
    ]
    assert mail.outbox == []
    assert not OutboxMessage.objects.exists()
    assert not ReportDelivery.objects.exists()


def test_engaging_a_team_while_the_broker_is_down_saves_it_and_logs_the_unsent_email(
    client, caplog
):
    incident = IncidentFactory()
    team = TeamFactory(name="Storage", members=[UserFactory()])
    client.force_login(incident.call_leader)

    with broker_unreachable(), caplog.at_level(logging.ERROR, "opsreview.org.tasks"):
        response = client.post(f"/incidents/{incident.pk}/engage/", {"team": team.pk})

    assert response.status_code == 302
    assert list(Incident.objects.get(pk=incident.pk).teams.all()) == [team]
    assert mail.outbox == []
    assert "Not queued, the broker is unavailable: incidents.tasks.notify_team_engaged" in (
        caplog.text
    )
    assert f"'team_id': {team.pk}" in caplog.text
