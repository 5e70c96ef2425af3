"""opsreview's main pages, each opened as the demo person who sees the most of it: the page set
that every layout and accessibility check walks.

Opening these pages changes nothing another check depends on, so a test module seeds the demo
once, serves it from its own live server and signs each person in once (`seeded_site` below),
instead of seeding and signing in for every page as the function-scoped `demo` and `sign_in`
fixtures do. The module empties the database when it is done, as a transactional test would.
"""

import io
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field

from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.db import connection
from django.test.utils import override_settings
from playwright.sync_api import Browser, BrowserContext, Page, expect
from pytest_django.live_server_helper import LiveServer

from coe.demo import NEAR_MISS_TITLE
from coe.models import Coe
from coe.models import Status as CoeStatus
from incidents import services as incident_services
from incidents.demo import GATEWAY_OUTAGE, LIMIT_EXCEEDED
from incidents.models import Incident, TimelineEntry
from opsreview.actions.models import ActionItem, Term
from opsreview.actions.services import action_item_create
from opsreview.cloudwatch.models import MetricQuery
from opsreview.meetings.models import MeetingStatus, OpsMeeting
from opsreview.org.demo import DEMO_PASSWORD
from opsreview.org.models import Team
from opsreview.org.zones import site_today
from opsreview.reports.builder import week_period
from wheel.demo import WHEEL_SLUG

PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1280, "height": 800}

MITIGATED = "Banana RequestHandler queue backs up"
BLOCKER = "Cap each customer's retries at the RequestHandler"
LEADER_NOTE = "Queue depth back under 1,000; watching for ten minutes."


def _open_incident() -> Incident:
    return Incident.objects.get(title=LIMIT_EXCEEDED)


def _coe(**where) -> Coe:
    return Coe.objects.filter(**where).order_by("pk").first()


def _meeting(status: str) -> OpsMeeting:
    return OpsMeeting.objects.filter(status=status).order_by("-week").first()


def _present(section: str) -> str:
    meeting = OpsMeeting.objects.exclude(status=MeetingStatus.DONE).order_by("-week").first()
    return f"/meetings/{meeting.pk}/present/?section={section}"


def _report_preview(username: str) -> str:
    return f"/reports/preview/?recipient={username}&kind=weekly&period={week_period(site_today())}"


def _leader_note() -> str:
    entry = TimelineEntry.objects.get(text=LEADER_NOTE)
    return f"/incidents/{entry.incident_id}/timeline/{entry.pk}/edit/"


# name: (who, where). Each name is a test id, so a failure names its page.
MAIN_PAGES: dict[str, tuple[str, Callable[[], str]]] = {
    "dashboard": ("engineer", lambda: "/"),
    "incident-list": ("engineer", lambda: "/incidents/"),
    "incident-new": ("engineer", lambda: "/incidents/new/"),
    "incident-investigating": ("callleader", lambda: _open_incident().get_absolute_url()),
    "incident-mitigated": (
        "callleader",
        lambda: Incident.objects.get(title=MITIGATED).get_absolute_url(),
    ),
    "incident-resolved": (
        "engineer",
        lambda: Incident.objects.get(title=GATEWAY_OUTAGE).get_absolute_url(),
    ),
    "timeline-entry-edit": ("callleader", _leader_note),
    "call-leaders": ("engineer", lambda: "/incidents/call-leaders/"),
    "coe-list": ("engineer", lambda: "/coe/"),
    "coe-new": ("engineer", lambda: "/coe/new/"),
    "coe-editor": ("callleader", lambda: _coe(status=CoeStatus.DRAFT).get_absolute_url()),
    "coe-review": ("manager", lambda: _coe(status=CoeStatus.IN_REVIEW).get_absolute_url()),
    "coe-reader": ("callleader", lambda: _coe(title=NEAR_MISS_TITLE).get_absolute_url()),
    "coe-history": ("engineer", lambda: f"/coe/{_coe(status=CoeStatus.IN_REVIEW).pk}/history/"),
    "actions": ("engineer", lambda: "/actions/"),
    "action-item": (
        "engineer",
        lambda: ActionItem.objects.order_by("pk").first().get_absolute_url(),
    ),
    "meetings": ("manager", lambda: "/meetings/"),
    "meeting": ("manager", lambda: _meeting(MeetingStatus.PLANNED).get_absolute_url()),
    "meeting-minutes": ("manager", lambda: _meeting(MeetingStatus.DONE).get_absolute_url()),
    "present-success": ("manager", lambda: _present("success")),
    "present-events": ("manager", lambda: _present("events")),
    "present-metrics": ("manager", lambda: _present("metrics")),
    "present-improvements": ("manager", lambda: _present("improvements")),
    "teams": ("engineer", lambda: "/teams/"),
    "team": ("engineer", lambda: Team.objects.get(slug="front-door").get_absolute_url()),
    "team-cloudwatch": ("admin", lambda: "/teams/banana-distributor/cloudwatch/"),
    "metric-query": ("admin", lambda: _metric_query_url("banana-distributor")),
    "meeting-metrics": ("manager", lambda: f"/meetings/{_meeting(MeetingStatus.DONE).pk}/metrics/"),
    "inbox": ("manager", lambda: "/inbox/"),
    "email-settings": ("manager", lambda: "/inbox/email-settings/"),
    "reports": ("manager", lambda: "/reports/"),
    "report-preview": ("admin", lambda: _report_preview("manager")),
    "outbox": ("admin", lambda: "/reports/outbox/"),
    "wheels": ("engineer", lambda: "/wheel/"),
    "wheel": ("engineer", lambda: f"/wheel/{WHEEL_SLUG}/"),
    "wheel-present": ("engineer", lambda: f"/wheel/{WHEEL_SLUG}/?present=1"),
    "wheel-settings": ("admin", lambda: f"/wheel/{WHEEL_SLUG}/edit/"),
    "audit-log": ("admin", lambda: "/audit/"),
}


def _metric_query_url(slug: str) -> str:
    query = MetricQuery.objects.filter(team__slug=slug).order_by("position", "pk").first()
    return f"/teams/{slug}/cloudwatch/metrics/{query.pk}/"


def _seed_more() -> None:
    """What the demo lacks for these pages: an incident waiting on a short-term item before it
    can be resolved, and a note of the call leader's own on the open incident's timeline."""
    User = get_user_model()
    leader = User.objects.get(username="callleader")
    team = Team.objects.get(slug="banana-requesthandler")
    incident = incident_services.incident_declare(
        title=MITIGATED, severity=3, declared_by=leader, call_leader=leader, teams=[team]
    )
    action_item_create(
        actor=leader, title=BLOCKER, owner=leader, team=team, term=Term.SHORT, incident=incident
    )
    incident_services.incident_mitigate(
        incident=incident, actor=leader, note="Shed the largest customer's retries."
    )
    incident_services.timeline_entry_add(incident=_open_incident(), author=leader, text=LEADER_NOTE)


@dataclass
class Site:
    """The seeded demo behind its live server, and one signed-in browser context per person."""

    url: str
    browser: Browser
    paths: dict[str, str]
    contexts: dict[str, BrowserContext] = field(default_factory=dict)

    def page_for(self, username: str) -> Page:
        """The person's one tab, signed in on first use."""
        if username not in self.contexts:
            context = self.browser.new_context(base_url=self.url, viewport=DESKTOP)
            page = context.new_page()
            page.goto("/accounts/login/")
            page.get_by_label("Username").fill(username)
            page.get_by_label("Password").fill(DEMO_PASSWORD)
            page.get_by_role("button", name="Sign in").click()
            expect(page.get_by_test_id("signed-in-user")).to_be_visible()
            self.contexts[username] = context
        return self.contexts[username].pages[0]

    def open(self, name: str, viewport: dict) -> Page:
        """The named main page, loaded at this size with nothing still on its way from htmx."""
        username, _ = MAIN_PAGES[name]
        page = self.page_for(username)
        page.set_viewport_size(viewport)
        response = page.goto(self.paths[name])
        assert response is not None and response.ok, f"{name}: {self.paths[name]} answered"
        expect(page.locator("main")).to_be_visible()
        expect(page.locator(".htmx-request")).to_have_count(0)
        return page


@contextmanager
def seeded_site(browser: Browser, django_db_blocker, media_root) -> Iterator[Site]:
    """The demo, seeded once, served until the block ends; the database is emptied after."""
    fast = override_settings(
        PASSWORD_HASHERS=["django.contrib.auth.hashers.MD5PasswordHasher"],
        MEDIA_ROOT=media_root,
    )
    with django_db_blocker.unblock(), fast:
        # It seeds, then empties, the database: never one that is not a test database.
        assert "test" in str(connection.settings_dict["NAME"]), "no test database was set up"
        try:
            call_command("seed_demo", stdout=io.StringIO())
            _seed_more()
            paths = {name: where() for name, (_, where) in MAIN_PAGES.items()}
            with _served() as url:
                site = Site(url=url, browser=browser, paths=paths)
                try:
                    yield site
                finally:
                    for context in site.contexts.values():
                        context.close()
        finally:
            call_command("flush", interactive=False, verbosity=0)


@contextmanager
def _served() -> Iterator[str]:
    server = LiveServer("localhost")
    try:
        yield server.url
    finally:
        server.stop()
