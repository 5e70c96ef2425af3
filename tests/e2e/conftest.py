"""Browser tests: pytest-playwright driving the machine's Chromium against live_server."""

import io
import os
import shutil

import pytest
from django.core.management import call_command
from playwright.sync_api import expect

from opsreview.org.demo import DEMO_PASSWORD

# How long an expectation waits for its condition before failing (Playwright's default is 5 s).
# The suite runs on every core, so the browser and its server share the machine with the rest
# of the suite, and an autosave (1.5 s after typing) and the checklist refresh behind it may
# take longer than that.
expect.set_options(timeout=15_000)

# Playwright's sync API runs an event loop in the test thread; Django's ORM calls made by the
# test itself (seeding, assertions) are still synchronous and safe.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


def chromium_path() -> str:
    for candidate in (
        os.environ.get("CHROMIUM_PATH"),
        shutil.which("chromium"),
        shutil.which("chromium-browser"),
        shutil.which("google-chrome"),
    ):
        if candidate:
            return candidate
    pytest.fail("No Chromium found: `make test` installs it, or set CHROMIUM_PATH.")


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args):
    return {
        **browser_type_launch_args,
        "executable_path": chromium_path(),
        "headless": True,
        "args": CHROMIUM_ARGS,
    }


@pytest.fixture
def demo(transactional_db):
    call_command("seed_demo", stdout=io.StringIO())


@pytest.fixture
def sign_in(page, live_server):
    """Sign in through the real login form; returns the page on the dashboard."""

    def sign_in(username: str, password: str = DEMO_PASSWORD):
        page.goto(f"{live_server.url}/accounts/login/")
        page.get_by_label("Username").fill(username)
        page.get_by_label("Password").fill(password)
        page.get_by_role("button", name="Sign in").click()
        return page

    return sign_in
