"""The COE list and search make the same few queries however many COEs there are."""

import itertools

import pytest

from coe import services
from tests.coe.factories import save_text
from tests.incidents.factories import IncidentFactory
from tests.org.factories import TeamFactory, UserFactory
from tests.query_budget import assert_query_budget

pytestmark = pytest.mark.django_db
numbers = itertools.count()


@pytest.fixture
def person(client):
    user = UserFactory()
    client.force_login(user)
    return user


def _coes(count: int, person) -> None:
    """COEs of every kind a row shows: several authors, an incident or none, their own team,
    some of them the signed-in person's drafts, each with a section that matches the search.
    (Incidents below Sev-2, which the site-wide banner of major incidents leaves out.)"""
    for _ in range(count):
        n = next(numbers)
        writer = UserFactory()
        incident = IncidentFactory(declared_by=writer, severity=3 + n % 3) if n % 2 else None
        if incident is not None:
            incident.teams.add(team := TeamFactory())
            team.members.add(writer)
        else:
            team = TeamFactory()
        coe = services.coe_create(
            title=f"Gateway outage {n}",
            team=team,
            actor=writer,
            incident=incident,
            authors=[person] if n % 3 == 0 else [UserFactory()],
        )
        save_text(coe, "lessons", f"Rehearse the rollback, lesson {n}.", writer)
        services.factor_add(coe=coe, actor=writer, category="configuration")


@pytest.mark.parametrize(
    "url",
    [
        "/coe/",
        "/coe/?q=rollback",
        "/coe/?q=rollback&page=2",
        "/coe/?status=draft&category=configuration",
        "/coe/?q=rollback&severity=3",
    ],
)
def test_coe_list_queries(client, person, url):
    _coes(27, person)  # a second page of matches, and rows for every filter
    assert_query_budget(client, url, grow=lambda: _coes(30, person))


def test_coe_list_second_page_queries(client, person):
    _coes(30, person)
    first = client.get("/coe/")
    older = first.context["older"]
    assert_query_budget(client, f"/coe/?{older}", grow=lambda: _coes(30, person))
