from pathlib import Path

import pytest

# Tests that run one after another in one xdist worker while the rest of the suite shares
# the others: those running real Celery workers on the shared broker (Redis in CI), which read
# its global bookkeeping (the unacknowledged-task table); and the browser tests, as one
# Chromium at a time (two at once on a two-core machine have had the browser die mid-run).
XDIST_GROUPS = {
    "drills": "shared-broker",
    "reports/test_report_worker.py": "shared-broker",
    "e2e": "browser",
}


def pytest_collection_modifyitems(config, items):
    tests = Path(__file__).parent
    for item in items:
        where = Path(item.path).relative_to(tests).as_posix()
        group = next((g for place, g in XDIST_GROUPS.items() if where.startswith(place)), None)
        if group:
            item.add_marker(pytest.mark.xdist_group(group))


@pytest.fixture(autouse=True)
def fast_password_hashing(settings):
    # Real hashing costs ~100 ms a user; tests check who may sign in, not PBKDF2.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    """Uploaded files go to the test's own folder, never the checkout's var/media."""
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


@pytest.fixture(autouse=True, scope="session")
def celery_runs_tasks_in_process():
    """Tasks run where they are queued, so tests see their effects; real workers have own tests."""
    from opsreview.celery import app

    app.conf.task_always_eager = True
    app.conf.task_eager_propagates = True
    yield
    app.conf.task_always_eager = False


@pytest.fixture
def eager_retries():
    """Eager tasks re-raise everything in tests (Retry too); here Celery runs the retries."""
    from opsreview.celery import app

    propagates, app.conf.task_eager_propagates = app.conf.task_eager_propagates, False
    yield
    app.conf.task_eager_propagates = propagates


@pytest.fixture
def flaky_transport(settings):
    """Call with the number of sends that fail before the transport recovers (and, optionally,
    the error they raise)."""
    from tests.org.flaky_mail import DROPPED, FlakyBackend

    settings.MAILERS = {"default": {"BACKEND": "tests.org.flaky_mail.FlakyBackend"}}

    def failing(times: int, error: Exception = DROPPED) -> None:
        FlakyBackend.failures, FlakyBackend.error = times, error

    yield failing
    FlakyBackend.failures, FlakyBackend.error = 0, DROPPED


@pytest.fixture(autouse=True)
def no_aws_itself(settings):
    """No test reaches AWS: CloudWatch and STS clients go to an address nothing answers, unless
    a test points them at its own moto server (tests/cloudwatch/aws_server.py)."""
    settings.AWS_ENDPOINT_URL = "http://127.0.0.1:9"
