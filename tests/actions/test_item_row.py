"""One action item as a row (what every list, the dashboard, a team, an incident, a COE and a
meeting show): what people wrote is escaped, links go where they say, and the controls carry
what a form of the site carries."""

import re
from datetime import date, timedelta

import pytest

from opsreview.actions import services
from opsreview.actions.models import ActionItem
from tests.coe.factories import CoeFactory
from tests.incidents.factories import CallLeaderFactory, IncidentFactory
from tests.org.factories import TeamFactory, UserFactory

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("frozen")]

TODAY = date(2026, 11, 26)
MARKUP = '<b hx-post="/admin/">bold</b> & "quoted" \'single\''


def rows(html: str) -> list[str]:
    return re.findall(r'<li id="item-\d+".*?</li>', html, flags=re.S)


def test_what_people_wrote_is_escaped(client, me):
    owner = UserFactory(first_name=MARKUP, last_name="")
    coe = CoeFactory(actor=me, team=TeamFactory(name=MARKUP, members=[me]))
    item = services.action_item_create(
        actor=me, coe=coe, title=MARKUP, owner=owner, team=coe.team, term="medium"
    )
    services.action_item_wont_do(item=item, actor=me, reason=MARKUP)

    [row] = rows(client.get("/actions/?status=all").text)

    assert "<b " not in row and "</b>" not in row and 'hx-post="/admin/"' not in row
    escaped = "&lt;b hx-post=&quot;/admin/&quot;&gt;bold&lt;/b&gt; &amp; &quot;quoted&quot; &#x27;"
    assert row.count(escaped) == 4  # the title, the owner, the team and the reason


def test_a_row_links_to_the_item_and_to_where_it_comes_from(client, me):
    CallLeaderFactory(user=me)
    incident = IncidentFactory(call_leader=me)
    CoeFactory.create_batch(3, actor=me)  # the COE's id is not the item's
    coe = CoeFactory(actor=me)
    from_coe = services.action_item_create(
        actor=me, coe=coe, title="From the COE", owner=me, team=coe.team, term="long"
    )
    from_incident = services.action_item_create(
        actor=me, incident=incident, title="From the call", owner=me, team=coe.team, term="short"
    )

    html = client.get("/actions/").text

    assert f'<a href="/actions/{from_coe.pk}/">From the COE</a>' in html
    assert f'<a href="/coe/{coe.pk}/">COE</a>' in html
    assert f'<a href="/actions/{from_incident.pk}/">From the call</a>' in html
    assert f'<a href="/incidents/{incident.pk}/">incident</a>' in html


def test_each_control_sends_the_csrf_token_and_the_page_to_come_back_to(client, me):
    coe = CoeFactory(actor=me)
    item = services.action_item_create(
        actor=me,
        coe=coe,
        title="Late",
        owner=me,
        team=coe.team,
        term="medium",
        due_date=TODAY - timedelta(days=1),
        confirm_past_due=True,
    )

    response = client.get("/actions/?term=medium&overdue=on")
    [row] = rows(response.text)
    token = response.context["csrf_token"]

    forms = re.findall(r'<form method="post" action="([^"]+)".*?</form>', row, flags=re.S)
    assert forms == [f"/actions/{item.pk}/{path}/" for path in ("start", "complete", "wont-do")]
    assert row.count(f'name="csrfmiddlewaretoken" value="{token}"') == 3
    assert row.count('name="next" value="/actions/?term=medium&amp;overdue=on"') == 3
    assert "1 day overdue</span>" in row
    assert 'class="action-item action-overdue"' in row


def test_a_finished_item_offers_to_reopen_it_to_those_who_may(client, me):
    coe = CoeFactory(actor=me)
    item = services.action_item_create(
        actor=me, coe=coe, title="Done", owner=me, team=coe.team, term="medium"
    )
    services.action_item_complete(item=item, actor=me)

    [row] = rows(client.get("/actions/?status=done").text)
    assert 'class="action-item action-closed"' in row
    assert f'action="/actions/{item.pk}/reopen/"' in row
    assert ">Done</button>" not in row

    client.force_login(UserFactory())
    [row] = rows(client.get("/actions/?status=done").text)
    assert "<form" not in row
    assert ActionItem.objects.get(pk=item.pk).title in row
