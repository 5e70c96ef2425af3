import pytest
from django.conf import settings
from django.db import connection


@pytest.mark.django_db
def test_healthz_answers_200_without_sign_in_while_the_database_is_up(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok", "database": "ok", "broker": "ok"}


@pytest.mark.django_db
def test_healthz_body_carries_no_secrets_or_addresses(client):
    body = client.get("/healthz").content.decode()
    assert settings.SECRET_KEY not in body
    assert settings.CELERY_BROKER_URL not in body
    assert str(connection.settings_dict["NAME"]) not in body


@pytest.fixture
def unreachable_database(transactional_db):
    """Point the live connection at a database that is not there, then put it back."""
    saved = dict(connection.settings_dict)
    connection.close()
    if connection.vendor == "sqlite":
        connection.settings_dict["NAME"] = "/nonexistent-directory/opsreview.sqlite3"
    else:
        connection.settings_dict.update(HOST="127.0.0.1", PORT="9")  # nothing listens on discard
    yield
    connection.close()
    connection.settings_dict.clear()
    connection.settings_dict.update(saved)


def test_healthz_answers_503_when_the_database_is_unreachable(client, unreachable_database):
    response = client.get("/healthz")
    assert response.status_code == 503
    assert response.json()["database"] == "unavailable"
    assert response.json()["status"] == "unavailable"


@pytest.mark.django_db
def test_healthz_reports_an_unreachable_broker_but_stays_up(client, monkeypatch):
    from opsreview.celery import app

    unreachable = "redis://127.0.0.1:9/0"  # nothing listens on the discard port
    monkeypatch.setenv("CELERY_BROKER_URL", unreachable)  # Celery lets the environment win
    monkeypatch.setattr(app.conf, "broker_url", unreachable)
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json()["broker"] == "unavailable"
