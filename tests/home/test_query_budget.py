"""The dashboard makes the same few queries however many items, teams and incidents the person
and the organisation have, and lists the first of each with how many there are."""

from datetime import timedelta

import pytest
from django.utils import timezone

from incidents.models import Severity
from opsreview.actions.models import ActionItem, Term
from opsreview.actions.selectors import ATTENTION_SHOWN
from tests.coe.factories import CoeFactory
from tests.incidents.factories import IncidentFactory
from tests.org.factories import ServiceFactory, TeamFactory, UserFactory
from tests.query_budget import assert_query_budget

pytestmark = pytest.mark.django_db


def _items(owner, team, count: int, *, days: int) -> None:
    coe = CoeFactory(team=team, actor=owner)
    ActionItem.objects.bulk_create(
        ActionItem(
            title=f"Item {n} due in {days} days",
            owner=owner,
            team=team,
            coe=coe,
            created_by=owner,
            term=Term.MEDIUM,
            due_date=timezone.localdate() + timedelta(days),
        )
        for n in range(count)
    )


@pytest.fixture
def person():
    person = UserFactory(first_name="Eli")
    TeamFactory(members=[person])  # the services of the person's teams are one query, from one team
    return person


def grow_for(person):
    def grow():
        for _ in range(5):
            team = TeamFactory(members=[person], dashboard_url="")  # needs attention
            ServiceFactory.create_batch(2, team=team)
            _items(person, team, 6, days=-4)
            _items(person, team, 6, days=2)
            _items(UserFactory(), team, 6, days=-4)  # someone else's
            # Sev-3: a Sev-1/2 would add the site-wide banner, which is not this page's.
            IncidentFactory(severity=Severity.SEV3, teams=[team])
        TeamFactory.create_batch(10, manager=None)

    return grow


def test_the_dashboard_makes_the_same_queries_however_much_is_going_on(client, person):
    client.force_login(person)

    assert_query_budget(client, "/", grow=grow_for(person))


def test_the_dashboard_makes_the_same_queries_for_staff(client, person):
    person.is_staff = True
    person.save(update_fields=["is_staff"])
    client.force_login(person)

    assert_query_budget(client, "/", grow=grow_for(person))


def test_the_dashboard_lists_the_first_items_and_counts_the_rest(client, person):
    _items(person, TeamFactory(members=[person]), ATTENTION_SHOWN + 4, days=-4)
    client.force_login(person)

    html = client.get("/").content.decode()

    assert f"Overdue ({ATTENTION_SHOWN + 4})" in html
    assert html.count('data-testid="action-item"') == ATTENTION_SHOWN
    assert '?mine=1&amp;overdue=1">And 4 more overdue</a>' in html
