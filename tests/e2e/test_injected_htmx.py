"""The attack that once made an engineer superuser now does nothing.

An engineer titles a short-term item with htmx markup that posts to the admin on load; a staff
member previews the manager's weekly report. The title shows as text and nothing is posted.
"""

from datetime import timedelta

import pytest
from django.contrib.auth import get_user_model
from django.utils import timezone
from playwright.sync_api import expect

from incidents.demo import LIMIT_EXCEEDED
from incidents.models import Incident
from opsreview.actions.models import Term
from opsreview.actions.services import action_item_create
from opsreview.reports.builder import week_period

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def _plant_the_payload() -> tuple[str, object]:
    users = get_user_model().objects
    engineer = users.get(username="engineer")
    incident = Incident.objects.get(title=LIMIT_EXCEEDED)
    payload = (
        f"<b hx-post=/admin/auth/user/{engineer.pk}/change/ "
        """hx-vals='{"username":"engineer","is_staff":"on","is_superuser":"on"}' """
        "hx-trigger=load>Take over</b>"
    )
    action_item_create(
        actor=engineer,
        title=payload,
        owner=engineer,
        team=incident.teams.first(),
        term=Term.SHORT,
        incident=incident,
        due_date=timezone.localdate() - timedelta(days=2),
        confirm_past_due=True,
    )
    return payload, engineer


def test_the_report_preview_shows_injected_htmx_as_text_and_posts_nothing(
    demo, sign_in, live_server
):
    payload, engineer = _plant_the_payload()
    manager = get_user_model().objects.get(username="manager")
    page = sign_in("admin")
    posts = []
    page.on("request", lambda request: request.method == "POST" and posts.append(request.url))

    page.goto(
        f"{live_server.url}/reports/preview/"
        f"?recipient={manager.pk}&kind=weekly&period={week_period(timezone.localdate())}"
    )
    page.wait_for_function("() => window.htmx && htmx.config.selfRequestsOnly === true")
    page.wait_for_load_state("networkidle")

    expect(page.locator(".email-text")).to_contain_text(payload)
    assert page.locator(".email-text [hx-post]").count() == 0
    assert page.evaluate("htmx.config.allowScriptTags") is False
    assert page.evaluate("htmx.config.allowEval") is False
    assert posts == []
    engineer.refresh_from_db()
    assert not engineer.is_staff and not engineer.is_superuser
