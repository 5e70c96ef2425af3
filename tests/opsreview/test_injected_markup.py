"""Text people write can never become markup that htmx or the browser acts on.

Every free-text column of every model holds an htmx payload (the one that once made an
engineer superuser through the staff report preview); every page, as staff and as an engineer,
and every email must show it as text: no element, hx-* or on* attribute from it survives, and
rendered markdown sits inside an hx-disable region.
"""

import io
from html.parser import HTMLParser

import pytest
from django.apps import apps
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.db import IntegrityError, models, transaction
from django.utils import timezone
from django.utils.safestring import SafeData

from coe.models import Coe, Status
from coe.search import refresh_search_vectors
from incidents.models import Incident, TimelineEntry
from opsreview.actions.models import ActionItem
from opsreview.meetings.models import OpsMeeting
from opsreview.org import emails
from opsreview.org.fields import WebURLField
from opsreview.org.models import OutboxMessage
from opsreview.org.stored_markdown import RenderedHTMLField, render_stale_markdown
from opsreview.reports.builder import build_report, report_context, week_period
from opsreview.reports.models import ReportKind
from tests.project import project_app_labels
from wheel.models import Wheel

from .test_sign_in import SIGNED_IN_PATHS

pytestmark = pytest.mark.django_db

# The original attack, and a short form for short columns.
PAYLOAD = (
    "<b hx-post=/admin/auth/user/1/change/ hx-trigger=load "
    """hx-vals='{"is_superuser":"on"}' onmouseover=alert(1) data-injected>INJ</b>"""
)
SHORT_PAYLOAD = "<b hx-get=/x data-injected>"
# Markdown columns also get raw HTML and markdown that renders to elements of our own.
MARKDOWN_PAYLOAD = (
    f'{PAYLOAD}\n\n<div hx-post="/admin/" hx-trigger="load" data-injected>raw</div>\n\n'
    "**MDPAYLOAD** [link](javascript:alert(1)) ![x](https://tracker.example/p.png)"
)
PROJECT_APPS = (*project_app_labels(), "auth")
NOT_FREE_TEXT = {"password", "slug", "email", "fingerprint", "codename", "app_label", "model"}


def _text_columns(model) -> list[models.Field]:
    return [
        field
        for field in model._meta.concrete_fields
        if isinstance(field, models.CharField | models.TextField)
        and not isinstance(field, RenderedHTMLField | WebURLField | models.SlugField)
        and not field.choices
        and not field.primary_key
        and field.name not in NOT_FREE_TEXT
    ]


def _payload_for(model, field: models.Field, pk) -> str:
    """The payload, ending in the row's key so unique columns stay unique."""
    if field.name in getattr(model, "markdown_fields", ()):
        return f"{MARKDOWN_PAYLOAD}{pk}"
    payload = PAYLOAD if (field.max_length or 10**6) >= len(PAYLOAD) + 20 else SHORT_PAYLOAD
    return f"{payload[: (field.max_length or 10**6) - len(str(pk))]}{pk}"


def _poison_every_text_column() -> None:
    for model in apps.get_models():
        if model._meta.app_label not in PROJECT_APPS or model is OutboxMessage:
            continue
        columns = _text_columns(model)
        for row in model.objects.values("pk", *(field.name for field in columns)):
            values = {field.name: _payload_for(model, field, row["pk"]) for field in columns}
            try:
                with transaction.atomic():
                    model.objects.filter(pk=row["pk"]).update(**values)
            except IntegrityError:  # a constraint wants some column empty: fill the others
                written = {name: value for name, value in values.items() if row[name]}
                model.objects.filter(pk=row["pk"]).update(**written)
    render_stale_markdown(everything=True)


class _Elements(HTMLParser):
    """Every element with its attributes, and whether an hx-disable region encloses it."""

    VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source"}

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.stack: list[tuple[str, bool]] = []
        self.elements: list[tuple[str, dict, bool]] = []
        self.markdown_text: list[tuple[str, bool]] = []

    def handle_starttag(self, tag, attrs):
        attributes = dict(attrs)
        disabled = "hx-disable" in attributes or any(flag for _, flag in self.stack)
        self.elements.append((tag, attributes, disabled))
        if tag not in self.VOID:
            self.stack.append((tag, disabled))

    def handle_endtag(self, tag):
        for index in range(len(self.stack) - 1, -1, -1):
            if self.stack[index][0] == tag:
                del self.stack[index:]
                break

    def handle_data(self, data):
        if "MDPAYLOAD" in data and self.stack and self.stack[-1][0] == "strong":
            self.markdown_text.append((data, any(flag for _, flag in self.stack)))


def _live_markup(html: str) -> list[str]:
    """What in the page came alive from people's text."""
    parser = _Elements()
    parser.feed(html)
    found = []
    for tag, attributes, _disabled in parser.elements:
        for name, value in attributes.items():
            injected = "data-injected" in attributes or "INJ" in (value or "")
            if name.startswith("on") or (name.startswith("hx-") and injected):
                found.append(f"<{tag} {name}={value!r}>")
        if "data-injected" in attributes:
            found.append(f"<{tag} data-injected>")
        if tag == "img" and "tracker.example" in attributes.get("src", ""):
            found.append("<img> from an external address")
        if tag == "a" and (attributes.get("href") or "").startswith("javascript"):
            found.append("<a href=javascript:…>")
    found += [f"rendered markdown outside hx-disable: {text!r}" for text, inside in
              parser.markdown_text if not inside]  # fmt: skip
    return found


@pytest.fixture
def poisoned():
    call_command("seed_demo", stdout=io.StringIO())
    users = {user.username: user.pk for user in get_user_model().objects.all()}
    incident = Incident.objects.filter(status="investigating").first()
    ids = {
        "slug": "front-door",
        "incident": incident.pk,
        "entry": TimelineEntry.objects.filter(incident=incident).first().pk,
        "coe": Coe.objects.exclude(status=Status.DRAFT).first().pk,
        "draft": Coe.objects.filter(status=Status.DRAFT).first().pk,
        "wheel": Wheel.objects.get().slug,
        "item": ActionItem.objects.first().pk,
        "meeting": OpsMeeting.objects.order_by("-week").first().pk,
    }
    _poison_every_text_column()
    refresh_search_vectors(Coe.objects.all())  # so searching for INJ shows poisoned snippets
    return users, ids


def _pages(ids) -> list[str]:
    paths = {path.format(**ids) for name, path in SIGNED_IN_PATHS.items() if name != "logout"}
    paths |= {
        f"/coe/{ids['draft']}/",
        f"/coe/{ids['draft']}/history/",
        f"/actions/{ids['item']}/",
        "/actions/?overdue=on",
        "/coe/?q=INJ",
    }
    return sorted(paths)


@pytest.mark.parametrize("username", ["admin", "engineer"])
def test_no_page_lets_peoples_text_become_live_markup(client, poisoned, username):
    users, ids = poisoned
    client.force_login(get_user_model().objects.get(pk=users[username]))
    manager = users["manager"]
    period = week_period(timezone.localdate())
    pages = [
        *_pages(ids),
        f"/reports/preview/?recipient={manager}&kind=weekly&period={period}",
        f"/reports/preview/?recipient={manager}&kind=monthly&period={period[:4]}-11",
    ]
    found = {}
    for path in pages:
        response = client.get(path)
        if "html" in response.get("Content-Type", "") and (live := _live_markup(response.text)):
            found[path] = live
    assert found == {}


def test_the_staff_report_preview_shows_the_payload_as_text(client, poisoned):
    users, _ids = poisoned
    client.force_login(get_user_model().objects.get(pk=users["admin"]))
    period = week_period(timezone.localdate())

    response = client.get(
        f"/reports/preview/?recipient={users['manager']}&kind=weekly&period={period}"
    )

    assert response.status_code == 200
    assert "&lt;b hx-post=/admin/auth/user/1/change/" in response.text
    assert "<b hx-post" not in response.text


@pytest.mark.parametrize("kind", [ReportKind.WEEKLY, ReportKind.MONTHLY])
def test_report_emails_keep_peoples_text_inert(poisoned, kind):
    users, _ids = poisoned
    manager = get_user_model().objects.get(pk=users["manager"])
    today = timezone.localdate()
    period = week_period(today) if kind == ReportKind.WEEKLY else f"{today:%Y-%m}"
    report = build_report(manager, kind=kind, period=period)
    email = emails.render(f"{kind}-report", report_context(report))

    assert not isinstance(email.subject, SafeData)
    assert not isinstance(email.text, SafeData)
    assert PAYLOAD in email.text  # plain text says exactly what was written
    assert _live_markup(email.html) == []


def test_the_team_engaged_email_keeps_peoples_text_inert(poisoned):
    incident = Incident.objects.filter(status="investigating").first()
    member = get_user_model().objects.filter(is_active=True).first()
    email = emails.render(
        "incident-team-engaged",
        {"incident": incident, "team": incident.teams.first() or member.teams.first(),
         "member": member},
    )  # fmt: skip

    assert not isinstance(email.text, SafeData)
    assert _live_markup(email.html) == []


def test_sent_emails_in_the_outbox_show_peoples_text_as_text(client, poisoned, settings):
    settings.MAILERS = {"default": {"BACKEND": "opsreview.org.mail.OutboxBackend", "OPTIONS": {}}}
    users, _ids = poisoned
    call_command("send_reports", "--kind", "weekly", stdout=io.StringIO())
    assert OutboxMessage.objects.exists()
    client.force_login(get_user_model().objects.get(pk=users["admin"]))

    for message in OutboxMessage.objects.all():
        for path in (f"/reports/outbox/{message.pk}/", f"/reports/outbox/{message.pk}/html/"):
            assert _live_markup(client.get(path).text) == [], path
