"""Every page and every write path, asked properly and improperly, answers without a 500.

The demo organisation supplies real objects; each path is requested by a staff user and by an
engineer, as a plain GET, an empty POST and a POST of nonsense (with and without htmx).
"""

import io

import pytest
from django.core.management import call_command

from coe.models import Coe, Status
from incidents.demo import LIMIT_EXCEEDED
from incidents.models import Incident, TimelineEntry
from opsreview.meetings.models import OpsMeeting
from wheel.models import Wheel

from .test_sign_in import SIGNED_IN_PATHS

pytestmark = pytest.mark.django_db

NONSENSE = {
    name: value
    for name in [
        "title", "severity", "call_leader", "teams", "team", "services", "impact_started_at",
        "detected_at", "mitigated_at", "resolved_at", "text", "occurred_at", "reason", "note",
        "gated", "body", "version", "summary-body", "summary-version", "decision", "comment",
        "fingerprint", "kind", "period", "recipient", "owner", "term", "due_date", "weight",
        "name", "url", "participant", "hidden", "item-title", "item-owner", "item-team",
        "item-due_date", "next", "dashboard_url", "members", "manager", "page", "q",
    ]
    for value in ["99999999999999999999999"]
} | {"occurred_at": "2026-13-45T99:99", "due_date": "yesterday", "next": "javascript:"}  # fmt: skip


@pytest.fixture
def demo_paths():
    call_command("seed_demo", stdout=io.StringIO())
    incident = Incident.objects.get(title=LIMIT_EXCEEDED)
    values = {
        "slug": "front-door",
        "incident": incident.pk,
        "entry": TimelineEntry.objects.filter(incident=incident).first().pk,
        "coe": Coe.objects.get(status=Status.DRAFT).pk,
        "wheel": Wheel.objects.get().slug,
        "meeting": OpsMeeting.objects.order_by("-week").first().pk,
    }
    return [path.format(**values) for name, path in SIGNED_IN_PATHS.items() if name != "logout"]


@pytest.mark.parametrize("username", ["admin", "engineer"])
def test_no_page_or_write_path_answers_with_a_server_error(client, demo_paths, username):
    from django.contrib.auth import get_user_model

    client.force_login(get_user_model().objects.get(username=username))
    failures = []
    for path in demo_paths:
        for method, data, headers in [
            ("get", None, {}),
            ("post", {}, {}),
            ("post", NONSENSE, {}),
            ("post", NONSENSE, {"HTTP_HX_REQUEST": "true"}),
        ]:
            response = getattr(client, method)(path, data, **headers)
            if response.status_code >= 500:
                failures.append(f"{method.upper()} {path}: {response.status_code}")
    assert failures == []


@pytest.mark.parametrize(
    "path",
    [
        "/incidents/99999999999999999999999/",
        "/coe/99999999999999999999999/",
        "/actions/99999999999999999999999/",
        "/incidents/1/timeline/99999999999999999999999/edit/",
        "/reports/outbox/99999999999999999999999/",
        "/wheel/no-such-wheel/",
    ],
)
def test_ids_beyond_any_row_are_not_found(client, path):
    from tests.org.factories import UserFactory

    client.force_login(UserFactory(is_staff=True))
    response = client.get(path)
    assert response.status_code == 404
    assert "There is nothing at this address, or it has been removed." in response.text
