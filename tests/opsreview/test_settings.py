import os
import subprocess
import sys
import threading
from pathlib import Path

import pytest
from django.conf import settings
from django.db import connection, connections, transaction

from opsreview.org.models import Service
from tests.org.factories import TeamFactory

PROJECT_DIR = Path(__file__).resolve().parents[2]

PRODUCTION_ENV = {
    "DEBUG": "0",
    "SECRET_KEY": "x7!k2p$9v#q4m8z&w1r6t0y3u5i-o_p+a=s[d]f{g}h|j;l:z,x.c/v?b%n^m@q*",
    "ALLOWED_HOSTS": "ops.bananastand.example",
    "SECURE_HSTS_INCLUDE_SUBDOMAINS": "1",
    "SECURE_HSTS_PRELOAD": "1",
}


# Development values the test run itself sets; production has none of them.
SET_BY_TESTS = {"DEBUG", "SECRET_KEY", "DJANGO_ALLOW_ASYNC_UNSAFE"}


def manage(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess:
    clean = {k: v for k, v in os.environ.items() if k not in SET_BY_TESTS}
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=PROJECT_DIR,
        env={**clean, **env},
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def test_deploy_checks_report_nothing_with_production_values():
    result = manage("check", "--deploy", "--fail-level", "WARNING", env=PRODUCTION_ENV)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "System check identified no issues (0 silenced)." in result.stdout


def test_refuses_to_start_without_secret_key_when_debug_is_off():
    env = {k: v for k, v in PRODUCTION_ENV.items() if k != "SECRET_KEY"}
    result = manage("check", env=env)
    assert result.returncode != 0
    assert "SECRET_KEY is required when DEBUG is off" in result.stderr


def test_secret_key_can_come_from_a_file(tmp_path):
    key_file = tmp_path / "secret"
    key_file.write_text(PRODUCTION_ENV["SECRET_KEY"] + "\n")
    env = {k: v for k, v in PRODUCTION_ENV.items() if k != "SECRET_KEY"}
    result = manage("check", "--deploy", env={**env, "SECRET_KEY_FILE": str(key_file)})
    assert result.returncode == 0, result.stderr


@pytest.mark.django_db
def test_runs_on_the_database_that_database_url_names():
    url = os.environ.get("DATABASE_URL", "")
    if url.startswith(("postgres://", "postgresql://")):
        assert connection.vendor == "postgresql"
        assert settings.DATABASES["default"]["CONN_HEALTH_CHECKS"] is True
        assert settings.DATABASES["default"]["CONN_MAX_AGE"] > 0
    else:
        assert not url, f"tests expect SQLite or PostgreSQL, not {url.split(':')[0]}"
        assert connection.vendor == "sqlite"


@pytest.mark.django_db
def test_sqlite_runs_in_wal_mode_with_immediate_transactions():
    if connection.vendor != "sqlite":
        pytest.skip("SQLite-only tuning; this run uses " + connection.vendor)
    with connection.cursor() as cursor:
        cursor.execute("PRAGMA journal_mode")
        assert cursor.fetchone()[0] == "wal"
    assert connection.transaction_mode == "IMMEDIATE"


def test_concurrent_read_then_write_transactions_wait_instead_of_failing(transactional_db):
    """Web and worker both write: on SQLite each waits its turn, nothing is 'database is locked'."""
    if connection.vendor != "sqlite":
        pytest.skip("SQLite-only tuning; this run uses " + connection.vendor)
    team = TeamFactory()
    errors: list[Exception] = []

    def write(worker: int) -> None:
        try:
            for i in range(25):
                with transaction.atomic():
                    seen = Service.objects.count()  # read first: the lock upgrade case
                    Service.objects.create(name=f"w{worker}-{i}-{seen}", team=team)
        except Exception as exc:
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=write, args=(n,)) for n in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert Service.objects.count() == 100
