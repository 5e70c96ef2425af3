"""Drill: PostgreSQL becomes unreachable under a running gunicorn, then comes back.

A TCP proxy stands between the server and PostgreSQL; cutting it is what a lost database host
looks like from the app: open connections drop and new ones are refused.
"""

import json

import pytest
from django.db import connection

from tests.org.factories import TeamFactory

from .loopback import TcpProxy, WebServer, database_url, stop, wait_for

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def proxy():
    if connection.vendor != "postgresql":
        pytest.skip("cuts the TCP path to PostgreSQL; this run is on SQLite (set DATABASE_URL)")
    proxy = TcpProxy(target_port=int(connection.settings_dict["PORT"] or 5432))
    proxy.up()
    yield proxy
    proxy.down()


@pytest.fixture
def web(proxy, tmp_path):
    env = {"DATABASE_URL": database_url(port=proxy.port)}
    server = WebServer(env=env, log=tmp_path / "gunicorn.log")
    yield server
    stop(server.process)


def test_pages_answer_503_while_the_database_is_unreachable_and_recover_without_restart(web, proxy):
    team = TeamFactory(name="Payments")
    session = web.sign_in(team.manager)
    before = web.get("/", cookies=session)
    assert before.status == 200
    assert "Payments" in before.text

    proxy.down()
    health = web.get("/healthz")
    page = web.get("/", cookies=session)

    assert health.status == 503
    assert json.loads(health.text)["database"] == "unavailable"
    assert page.status == 503
    assert page.headers["Retry-After"] == "30"
    assert "opsreview is briefly unavailable" in page.text
    assert "answered 503, a service is unavailable: OperationalError" in web.log.read_text()

    proxy.up()
    wait_for(lambda: web.get("/healthz").status == 200, what="/healthz to recover", logs=(web.log,))
    after = web.get("/", cookies=session)

    assert after.status == 200
    assert "Payments" in after.text
    assert web.process.poll() is None  # the same server, never restarted
