"""The teams list, a team's page, the audit log and the lock-out list make the same few queries
however many teams, people, items and events there are, and page or cap what they list."""

from datetime import timedelta

import pytest
from axes.models import AccessAttempt
from django.utils import timezone

from opsreview.actions.models import ActionItem, Term
from opsreview.org.audit import audit_record
from opsreview.org.models import AuditAction
from opsreview.org.views.teams import TEAMS_PER_PAGE
from tests.coe.factories import CoeFactory
from tests.query_budget import assert_query_budget

from .factories import ServiceFactory, TeamFactory, UserFactory

pytestmark = pytest.mark.django_db


def _open_items(team, count: int, *, overdue: bool = False) -> None:
    owner = UserFactory()
    coe = CoeFactory(team=team, actor=owner)
    due = timezone.localdate() + timedelta(days=-3 if overdue else 20)
    ActionItem.objects.bulk_create(
        ActionItem(
            title=f"Item {n}",
            owner=owner,
            team=team,
            coe=coe,
            created_by=owner,
            term=Term.MEDIUM,
            due_date=due,
        )
        for n in range(count)
    )


def test_the_teams_list_makes_the_same_queries_however_many_teams(client):
    client.force_login(UserFactory())

    def grow():
        for _ in range(TEAMS_PER_PAGE + 10):
            team = TeamFactory(members=UserFactory.create_batch(2))
            ServiceFactory(team=team)

    assert_query_budget(client, "/teams/", grow=grow)


def test_the_teams_list_pages_by_name(client):
    names = [f"Team {n:03d}" for n in range(TEAMS_PER_PAGE + 5)]
    for name in names:
        TeamFactory(name=name)
    client.force_login(UserFactory())

    first = client.get("/teams/")
    html = first.content.decode()
    assert names[TEAMS_PER_PAGE - 1] in html and names[TEAMS_PER_PAGE] not in html
    second = client.get(f"/teams/?{first.context['page'].next_query}").content.decode()
    assert names[TEAMS_PER_PAGE - 1] not in second
    assert all(name in second for name in names[TEAMS_PER_PAGE:])
    assert 'rel="first"' in second and 'rel="next"' not in second


def test_a_team_page_makes_the_same_queries_however_big_the_team(client):
    team = TeamFactory(name="Storage")
    client.force_login(team.manager)

    def grow():
        team.members.add(*UserFactory.create_batch(20))
        ServiceFactory.create_batch(5, team=team)
        _open_items(team, 30)
        _open_items(team, 30, overdue=True)
        _open_items(TeamFactory(), 30)  # another team's

    assert_query_budget(client, team.get_absolute_url(), grow=grow)


def test_a_team_page_lists_its_first_items_and_links_to_all_of_them(client):
    team = TeamFactory(name="Storage")
    _open_items(team, 12)
    _open_items(team, 3, overdue=True)
    client.force_login(UserFactory())

    html = client.get(team.get_absolute_url()).content.decode()

    assert "Open action items (15," in html
    assert f'?team={team.slug}&amp;overdue=1">3 overdue</a>' in html
    assert html.count('data-testid="action-item"') == 10
    assert f'?team={team.slug}">All 15 open items</a>' in html


def test_the_audit_log_makes_the_same_queries_however_many_events(admin_client):
    def grow():
        for n in range(80):
            audit_record(AuditAction.WHEEL_RIGGED, actor=f"person{n}")

    assert_query_budget(admin_client, "/audit/", grow=grow)
    assert_query_budget(admin_client, "/audit/?action=wheel_rigged&person=person3", grow=grow)


def test_the_lockout_list_makes_the_same_queries_however_many_attempts(admin_client):
    def grow():
        AccessAttempt.objects.bulk_create(
            AccessAttempt(
                username=f"person{n}",
                ip_address=f"192.0.2.{n}",
                user_agent="test",
                failures_since_start=20,
                attempt_time=timezone.now(),
            )
            for n in range(30)
        )

    assert_query_budget(admin_client, "/accounts/lockouts/", grow=grow)
