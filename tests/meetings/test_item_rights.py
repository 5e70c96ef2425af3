"""The meeting page offers an action item's controls to exactly those who may change it (its
owner, its team's members, its COE's authors, staff), as ActionItem.can_be_changed_by says."""

import re
from datetime import timedelta

import pytest

from opsreview.actions.models import Term
from opsreview.meetings.services import meeting_prepare
from tests.coe.factories import team_item
from tests.org.factories import TeamFactory, UserFactory

from .week import TODAY

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("frozen")]


def _long_term(team, **fields):
    return team_item(team, term=Term.LONG, due_date=TODAY + timedelta(days=10), **fields)


@pytest.fixture
def items():
    viewer, mine = UserFactory(), TeamFactory(name="Payments")
    mine.members.add(viewer)
    owned = _long_term(TeamFactory(name="Search"), owner=viewer, title="Owned by the viewer")
    of_team = _long_term(mine, title="Of the viewer's team")
    authored = _long_term(TeamFactory(name="Ledger"), title="From a COE the viewer wrote")
    authored.coe.authors.add(viewer)
    foreign = _long_term(TeamFactory(name="Maps"), title="Someone else's")
    return viewer, {"owned": owned, "team": of_team, "authored": authored, "foreign": foreign}


def _rows_with_controls(html: str, items: dict) -> set[str]:
    rows = {}
    for name, item in items.items():
        found = re.search(rf'<li id="item-{item.pk}".*?</li>', html, re.S)
        assert found, f"{name} is not listed"
        rows[name] = found.group(0)
    return {name for name, row in rows.items() if 'class="item-actions"' in row}


def test_a_member_sees_controls_on_the_items_they_may_change_and_no_others(client, items):
    viewer, listed = items
    meeting, _ = meeting_prepare(actor=UserFactory(is_staff=True))
    client.force_login(viewer)

    html = client.get(meeting.get_absolute_url()).content.decode()

    assert _rows_with_controls(html, listed) == {"owned", "team", "authored"}


def test_staff_see_controls_on_every_item(client, items):
    _, listed = items
    staff = UserFactory(is_staff=True)
    meeting, _ = meeting_prepare(actor=staff)
    client.force_login(staff)

    html = client.get(meeting.get_absolute_url()).content.decode()

    assert _rows_with_controls(html, listed) == set(listed)


def test_someone_in_no_team_sees_no_controls(client, items):
    _, listed = items
    meeting, _ = meeting_prepare(actor=UserFactory(is_staff=True))
    client.force_login(UserFactory())

    html = client.get(meeting.get_absolute_url()).content.decode()

    assert _rows_with_controls(html, listed) == set()
