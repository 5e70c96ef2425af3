"""No page lists every person or team: each form that picks them has a box to type into, so a
page is the same size with 300 more people and 60 more teams."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from factory import Sequence

from tests.org.factories import TeamFactory, UserFactory
from tests.security.world import build_world

pytestmark = pytest.mark.django_db

# Each page with a form that picks people or teams, and the pickers it shows.
PAGES = {
    "/actions/": ["owner", "team"],
    "/actions/{item}/": ["owner", "team"],
    "/coe/": ["team", "service"],
    "/coe/new/": ["team"],
    "/coe/{draft}/": ["item-owner", "item-team"],
    "/incidents/": ["team"],
    "/incidents/new/": ["call_leader", "teams", "services"],
    "/incidents/{incident}/": ["team", "item-owner", "item-team"],
    "/incidents/{incident}/edit/": ["call_leader", "services"],
    "/reports/": ["recipient"],
    "/meetings/{meeting}/": ["facilitator", "attendees", "team", "item-owner", "item-team"],
    "/": ["team"],
    "/wheel/new/": ["teams"],
    "/wheel/ops/": ["team"],
    "/teams/{ours}/edit/": ["manager", "members"],
}


@pytest.fixture
def world(client):
    world = build_world()
    client.force_login(world.person("staff"))
    return world


def _path(template: str, world) -> str:
    return template.format(
        item=world.item.pk,
        draft=world.draft.pk,
        incident=world.incident.pk,
        meeting=world.meeting.pk,
        ours=world.ours.slug,
    )


@pytest.mark.parametrize("template", PAGES)
def test_a_page_that_picks_people_or_teams_does_not_grow_with_them(client, world, template):
    path = _path(template, world)
    TeamFactory(name="Quiet team", manager=world.person("manager"))  # one to pick, at least
    client.get(path)  # warm per-process caches
    with CaptureQueriesContext(connection) as small:
        before = client.get(path)
    assert before.status_code == 200

    UserFactory.create_batch(300, first_name="Zephyrine", last_name="Crowley")
    with CaptureQueriesContext(connection) as large:
        with_people = client.get(path).text
    TeamFactory.create_batch(60, name=Sequence(lambda n: f"Quiet team {n}"), slug=Sequence(
        lambda n: f"quiet-{n}"), manager=world.person("manager"))  # fmt: skip
    with_teams = client.get(path).text

    for name in PAGES[template]:
        assert f'name="{name}"' in with_teams and "data-picker" in with_teams, name
    assert "Zephyrine" not in with_people
    assert abs(len(with_people) - len(before.text)) < 200, (len(before.text), len(with_people))
    assert "quiet-" not in with_teams  # no option, link or value names the new teams
    assert with_teams.count("<option") == before.text.count("<option")
    assert len(large) == len(small), "a picker's current value costs no query per person"
