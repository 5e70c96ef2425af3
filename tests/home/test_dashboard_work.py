"""The dashboard says what to do: COEs waiting for your review, your drafts and those sent
back; for a manager, their weekly report as it stands; for staff, COEs overdue for review and
incidents that need a COE and have none."""

from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone

from coe.models import Coe, CoeReviewer, ReviewDecision, ReviewerState, Status
from coe.services import coe_review, coe_reviewer_add, coe_submit
from incidents.models import Severity
from opsreview.actions.models import ActionItem, Term
from tests.coe.factories import CoeFactory, complete_coe
from tests.incidents.factories import IncidentFactory
from tests.org.factories import TeamFactory, UserFactory
from tests.query_budget import assert_query_budget

pytestmark = pytest.mark.django_db


def dashboard(client: Client, person) -> str:
    client.force_login(person)
    return client.get("/").content.decode()


def section(page: str, testid: str) -> str:
    start = page.index(f'data-testid="{testid}"')
    return page[start : page.index("</ul>", start)]


def test_a_named_reviewer_sees_the_coe_waiting_until_they_decide(client: Client):
    author, rae = UserFactory(), UserFactory()
    coe = complete_coe(title="Checkout failing", actor=author)
    coe_reviewer_add(coe=coe, actor=author, reviewer=rae)
    assert 'data-testid="waiting-for-review"' not in dashboard(client, rae)  # still a draft

    coe = coe_submit(coe=coe, actor=author)
    assert "Checkout failing" in section(dashboard(client, rae), "waiting-for-review")

    coe_review(coe=coe, actor=rae, decision=ReviewDecision.APPROVE)
    assert 'data-testid="waiting-for-review"' not in dashboard(client, rae)


def test_an_author_sees_their_drafts_and_what_was_sent_back(client: Client):
    author, rae = UserFactory(), UserFactory()
    CoeFactory(title="Half-written draft", actor=author)
    sent = coe_submit(coe=complete_coe(title="Sent back one", actor=author), actor=author)
    coe_review(coe=sent, actor=rae, decision=ReviewDecision.REQUEST_CHANGES, comment="More.")
    CoeFactory(title="Someone else's draft", actor=UserFactory())

    page = dashboard(client, author)

    assert "Half-written draft" in section(page, "your-drafts")
    assert "Sent back one" in section(page, "sent-back")
    assert "Someone else's draft" not in page


def test_the_lists_show_the_newest_few_and_count_the_rest(client: Client):
    author = UserFactory()
    for n in range(7):
        CoeFactory(title=f"Draft {n}", actor=author)
    page = dashboard(client, author)
    drafts = section(page, "your-drafts")
    assert drafts.count("<li>") == 5
    assert "Your drafts (7)" in page
    assert "And 2 more drafts" in page


def test_nobody_else_sees_a_review_request_of_someone_else(client: Client):
    author, rae = UserFactory(), UserFactory()
    coe = complete_coe(actor=author)
    coe_reviewer_add(coe=coe, actor=author, reviewer=rae)
    coe_submit(coe=coe, actor=author)
    assert 'data-testid="waiting-for-review"' not in dashboard(client, UserFactory())


def test_a_manager_sees_their_weekly_report_as_it_stands(client: Client):
    manager = UserFactory()
    team = TeamFactory(name="Front Door", manager=manager)
    coe = CoeFactory(team=team)
    ActionItem.objects.create(
        title="Validate gateway configuration",
        owner=coe.created_by,
        team=team,
        coe=coe,
        created_by=coe.created_by,
        term=Term.SHORT,
        due_date=timezone.localdate() - timedelta(days=3),
    )

    page = dashboard(client, manager)

    preview = page[page.index('data-testid="report-preview"') :]
    assert "Front Door</a>: 1 overdue" in preview
    assert "Validate gateway configuration" in preview
    assert "3 days late" in preview
    assert 'data-testid="report-preview"' not in dashboard(client, UserFactory())


def test_staff_see_coes_overdue_for_review_and_incidents_without_one(client: Client):
    staff = UserFactory(is_staff=True)
    late = complete_coe(title="Waiting since last month", actor=UserFactory())
    late = coe_submit(coe=late, actor=late.created_by)
    Coe.objects.filter(pk=late.pk).update(submitted_at=timezone.now() - timedelta(days=10))
    fresh = complete_coe(title="Submitted today", actor=UserFactory())
    coe_submit(coe=fresh, actor=fresh.created_by)
    IncidentFactory(title="Sev-2 with no COE", severity=Severity.SEV2)
    IncidentFactory(title="Sev-4 needs none", severity=Severity.SEV4)

    page = dashboard(client, staff)

    gaps = page[page.index('data-testid="staff-coe-gaps"') :]
    assert "Waiting since last month" in gaps and "Submitted today" not in gaps
    assert "Sev-2 with no COE" in gaps and "Sev-4 needs none" not in gaps
    assert 'data-testid="staff-coe-gaps"' not in dashboard(client, UserFactory())


def test_an_admin_on_no_team_is_not_told_to_ask_an_admin(client: Client):
    admin = UserFactory(is_staff=True, is_superuser=True)
    page = dashboard(client, admin)
    assert "Ask an admin" not in page
    assert "Add yourself to your team in the admin" in page
    assert "Ask an admin" in dashboard(client, UserFactory())


def test_a_staff_manager_reviewer_and_author_gets_it_all_in_the_same_few_queries(client: Client):
    person = UserFactory(is_staff=True)
    team = TeamFactory(manager=person, members=[person])

    def grow():
        for n in range(4):
            CoeFactory(title=f"Draft {n}", actor=person, team=team)
            other = complete_coe(actor=UserFactory(), team=team)
            CoeReviewer.objects.create(coe=other, reviewer=person, requested_by=other.created_by)
            Coe.objects.filter(pk=other.pk).update(
                status=Status.IN_REVIEW, submitted_at=timezone.now() - timedelta(days=9)
            )
            IncidentFactory(severity=Severity.SEV2)
        CoeReviewer.objects.update(state=ReviewerState.REQUESTED)

    client.force_login(person)
    assert_query_budget(client, "/", grow=grow)
