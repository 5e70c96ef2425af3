from datetime import UTC, date, datetime, timedelta

import pytest
from django.utils.html import escape

from opsreview.actions import services
from opsreview.actions.models import ADD_REFUSED, CHANGE_REFUSED, ActionItem, ItemStatus, Term
from tests.coe.factories import CoeFactory
from tests.fuzz.checks import changed_tables, fingerprint
from tests.incidents.factories import CallLeaderFactory, IncidentFactory
from tests.org.factories import TeamFactory, UserFactory

pytestmark = pytest.mark.django_db

TODAY = date(2026, 11, 26)
HTMX = {"HTTP_HX_REQUEST": "true"}


@pytest.fixture(autouse=True)
def frozen(time_machine):
    time_machine.move_to(datetime(2026, 11, 26, 10, 0, tzinfo=UTC), tick=False)


@pytest.fixture
def me(client):
    user = UserFactory(first_name="Eli", last_name="Engel")
    client.force_login(user)
    return user


@pytest.fixture
def coe(me):
    return CoeFactory(actor=me)


def item(coe, *, title="Add a canary", due=TODAY + timedelta(days=5), term=Term.MEDIUM, **fields):
    owner = fields.pop("owner", coe.created_by)
    return services.action_item_create(
        actor=coe.created_by,
        coe=coe,
        title=title,
        owner=owner,
        team=fields.pop("team", coe.team),
        term=term,
        due_date=due,
        confirm_past_due=True,
        **fields,
    )


def titles(response):
    return [i.title for i in response.context["page"].object_list]


# The list


def test_overdue_items_come_first_then_by_due_date(client, coe):
    item(coe, title="Due in 5 days")
    item(coe, title="2 days late", due=TODAY - timedelta(days=2))
    item(coe, title="Due tomorrow", due=TODAY + timedelta(days=1))
    item(coe, title="9 days late", due=TODAY - timedelta(days=9))
    assert titles(client.get("/actions/")) == [
        "9 days late",
        "2 days late",
        "Due tomorrow",
        "Due in 5 days",
    ]


def test_list_shows_open_items_unless_asked_for_others(client, coe, me):
    done = item(coe, title="Done already")
    services.action_item_complete(item=done, actor=me)
    item(coe, title="Still open")
    assert titles(client.get("/actions/")) == ["Still open"]
    assert titles(client.get("/actions/?status=done")) == ["Done already"]
    assert set(titles(client.get("/actions/?status=all"))) == {"Done already", "Still open"}


def test_list_filters_by_team_owner_term_overdue_and_due_date(client, coe):
    other_team = TeamFactory(slug="storage")
    cleo = UserFactory()
    item(coe, title="Storage, long", team=other_team, term=Term.LONG, due=TODAY + timedelta(90))
    item(coe, title="Cleo's, late", owner=cleo, due=TODAY - timedelta(days=1))
    item(coe, title="Mine, soon", due=TODAY + timedelta(days=3))
    assert titles(client.get("/actions/?team=storage")) == ["Storage, long"]
    assert titles(client.get(f"/actions/?owner={cleo.pk}")) == ["Cleo's, late"]
    assert titles(client.get("/actions/?term=long")) == ["Storage, long"]
    assert titles(client.get("/actions/?overdue=on")) == ["Cleo's, late"]
    assert titles(client.get("/actions/?due_before=2026-12-01")) == ["Cleo's, late", "Mine, soon"]


def test_my_items_shows_only_what_i_own(client, coe, me):
    item(coe, title="Mine")
    item(coe, title="Theirs", owner=UserFactory())
    assert titles(client.get("/actions/?mine=1")) == ["Mine"]


def test_overdue_counts_by_team_and_term_head_the_page(client, coe):
    storage = TeamFactory(name="Storage")
    item(coe, title="a", due=TODAY - timedelta(days=1), term=Term.SHORT)
    item(coe, title="b", due=TODAY - timedelta(days=1), term=Term.MEDIUM)
    item(coe, title="c", due=TODAY - timedelta(days=4), term=Term.MEDIUM, team=storage)
    item(coe, title="not yet", due=TODAY)
    counts = client.get("/actions/").context["overdue"]
    assert counts["teams"] == {
        coe.team.name: {"short": 1, "medium": 1, "long": 0},
        "Storage": {"short": 0, "medium": 1, "long": 0},
    }
    assert counts["total"] == 3


def test_nothing_overdue_says_so(client, coe):
    item(coe)
    assert "Nothing is overdue." in client.get("/actions/").text


def test_list_pages_through_every_item_once_with_next_and_previous_links(client, coe):
    for n in range(55):
        item(coe, title=f"Item {n:02}", due=TODAY + timedelta(days=n % 3))
    first = client.get("/actions/?term=medium")
    assert len(titles(first)) == 50
    assert 'rel="prev"' not in first.text
    next_query = first.context["page"].next_query
    assert "term=medium" in next_query
    second = client.get(f"/actions/?{next_query}")
    assert len(titles(second)) == 5 and 'rel="next"' not in second.text
    assert sorted(titles(first) + titles(second)) == [f"Item {n:02}" for n in range(55)]
    back = client.get(f"/actions/?{second.context['page'].previous_query}")
    assert titles(back) == titles(first)


@pytest.mark.parametrize(
    "cursor",
    ["after=nonsense", "after=9999-12-31~9223372036854775808", "before=2026-13-40~1", "after=[[[["],
)
def test_a_broken_page_cursor_shows_the_first_page(client, coe, cursor):
    item(coe, title="Only one")
    assert titles(client.get(f"/actions/?{cursor}")) == ["Only one"]


def test_any_status_lists_by_due_date(client, coe, me):
    done = item(coe, title="Done, due earliest", due=TODAY - timedelta(days=20))
    services.action_item_complete(item=done, actor=me)
    item(coe, title="Late", due=TODAY - timedelta(days=3))
    item(coe, title="Soon", due=TODAY + timedelta(days=3))
    assert titles(client.get("/actions/?status=all")) == ["Done, due earliest", "Late", "Soon"]


def test_the_overdue_table_lists_the_twenty_teams_most_behind_and_sums_the_rest(client, coe):
    teams = TeamFactory.create_batch(22)
    for n, team in enumerate(teams):
        for _ in range(1 + (n >= 2)):  # the first two teams have one overdue item, the rest two
            item(coe, team=team, due=TODAY - timedelta(days=1))
    response = client.get("/actions/")
    counts = response.context["overdue"]
    assert set(counts["teams"]) == {team.name for team in teams[2:]}
    assert counts["total"] == 42
    assert "and 2 other teams with 2 overdue items" in response.text


def _queries_for(client, coe, count, django_assert_max_num_queries, on_commit):
    teams = TeamFactory.create_batch(3)
    owners = UserFactory.create_batch(3)
    with on_commit(execute=True):  # as in production: the new items are counted afresh
        for n in range(count):
            item(
                coe,
                title=f"Item {n}",
                team=teams[n % 3],
                owner=owners[n % 3],
                due=TODAY + timedelta(days=n % 9 - 4),
            )
    with django_assert_max_num_queries(100) as captured:
        client.get("/actions/?status=all")
    return len(captured.captured_queries)


def test_list_runs_the_same_number_of_queries_for_10_and_200_items(
    client, coe, django_assert_max_num_queries, django_capture_on_commit_callbacks
):
    counted = (django_assert_max_num_queries, django_capture_on_commit_callbacks)
    few = _queries_for(client, coe, 10, *counted)
    ActionItem.objects.all().delete()
    many = _queries_for(client, coe, 200, *counted)
    assert few == many


# Status changes in place


def test_done_with_htmx_returns_the_item_and_tells_the_page(client, coe):
    it = item(coe)
    response = client.post(f"/actions/{it.pk}/complete/", **HTMX)
    assert response.status_code == 200
    assert response.text.lstrip().startswith(f'<li id="item-{it.pk}"')
    assert "action-item-changed" in response["HX-Trigger"]
    it.refresh_from_db()
    assert it.status == ItemStatus.DONE


def test_done_without_htmx_goes_back_where_it_came_from(client, coe):
    it = item(coe)
    response = client.post(f"/actions/{it.pk}/complete/", {"next": "/actions/?mine=1"})
    assert response["Location"] == "/actions/?mine=1"
    it.refresh_from_db()
    assert it.status == ItemStatus.DONE


def test_a_foreign_next_address_is_ignored(client, coe):
    it = item(coe)
    response = client.post(f"/actions/{it.pk}/start/", {"next": "https://evil.example/"})
    assert response["Location"] == f"/actions/{it.pk}/"
    it.refresh_from_db()
    assert it.status == ItemStatus.IN_PROGRESS


def test_wont_do_needs_a_reason(client, coe):
    it = item(coe)
    before = fingerprint()
    response = client.post(f"/actions/{it.pk}/wont-do/", {"reason": " "}, **HTMX)
    assert response.status_code == 422
    assert "Say why this item won&#x27;t be done." in response.text
    assert changed_tables(before) == []
    ok = client.post(f"/actions/{it.pk}/wont-do/", {"reason": "Superseded by the new pipeline"})
    assert ok.status_code == 302
    it.refresh_from_db()
    assert (it.status, it.wont_do_reason) == (ItemStatus.WONT_DO, "Superseded by the new pipeline")


def test_finishing_a_finished_item_is_refused_with_a_message(client, coe, me):
    it = item(coe)
    services.action_item_complete(item=it, actor=me)
    before = fingerprint()
    response = client.post(f"/actions/{it.pk}/complete/", **HTMX)
    assert response.status_code == 422
    assert "already done" in response.text
    assert changed_tables(before) == []  # neither a second completion nor a history record


@pytest.mark.parametrize("path", ["start/", "complete/", "reopen/", ""])
def test_others_get_403_and_nothing_changes(client, coe, path):
    it = item(coe)
    client.force_login(UserFactory())
    data = {"reason": "x", "title": "Hijacked", "owner": it.owner_id, "team": it.team_id}
    before = fingerprint()
    response = client.post(f"/actions/{it.pk}/{path}", data)
    assert response.status_code == 403
    assert escape(CHANGE_REFUSED) in response.text
    assert changed_tables(before) == []
    it.refresh_from_db()
    assert (it.status, it.title) == (ItemStatus.OPEN, "Add a canary")


def test_others_see_the_item_without_buttons(client, coe):
    it = item(coe)
    client.force_login(UserFactory())
    html = client.get(f"/actions/{it.pk}/").text
    assert "Add a canary" in html
    assert ">Done</button>" not in html


def test_unknown_item_is_404(client, me):
    before = fingerprint()
    page = client.get("/actions/999999/")
    refused = client.post("/actions/999999/complete/")
    assert (page.status_code, refused.status_code) == (404, 404)
    assert "There is nothing at this address" in page.text
    assert changed_tables(before) == []


# Detail, edit and history


def test_editing_an_item_is_on_its_history(client, coe, me):
    it = item(coe)
    data = {
        "title": "Add a canary stage",
        "owner": me.pk,
        "team": coe.team.pk,
        "term": "long",
        "priority": 2,
        "category": "technical",
        "due_date": "2027-03-01",
        "ticket_url": "https://tickets.example.com/OPS-1",
    }
    assert client.post(f"/actions/{it.pk}/", data).status_code == 302
    it.refresh_from_db()
    assert (it.title, it.term, it.priority, it.due_date, it.ticket_url) == (
        "Add a canary stage",
        Term.LONG,
        2,
        date(2027, 3, 1),
        "https://tickets.example.com/OPS-1",
    )
    history = client.get(f"/actions/{it.pk}/").context["history"]
    changed = {change.field for change in history[0]["changes"]}
    assert {"title", "term", "priority", "due_date", "ticket_url"} <= changed
    assert history[0]["record"].history_user == me


def test_an_emptied_due_date_takes_the_terms_default_from_the_day_the_item_was_made(
    client, coe, me, time_machine
):
    it = item(coe, term=Term.MEDIUM)  # made today, 2026-11-26
    time_machine.move_to(datetime(2026, 12, 3, 10, 0, tzinfo=UTC), tick=False)
    data = {
        "title": it.title,
        "owner": me.pk,
        "team": coe.team.pk,
        "term": "long",
        "priority": 3,
        "category": "technical",
        "due_date": "",
    }

    response = client.post(f"/actions/{it.pk}/", data)

    assert response.url == f"/actions/{it.pk}/"
    it.refresh_from_db()
    assert (it.term, it.due_date) == (Term.LONG, TODAY + timedelta(days=182))


def test_a_javascript_ticket_url_is_refused(client, coe, me):
    it = item(coe)
    data = {
        "title": it.title,
        "owner": me.pk,
        "team": coe.team.pk,
        "term": "medium",
        "priority": 3,
        "category": "technical",
        "ticket_url": "javascript:alert(1)",
    }
    before = fingerprint()
    response = client.post(f"/actions/{it.pk}/", data)
    assert response.status_code == 422
    assert "Enter a web address that starts with http:// or https://." in response.text
    assert changed_tables(before) == []


# Adding items from a COE and from an incident


def test_items_are_added_to_a_coe_in_place_with_the_terms_default_due_date(client, coe, me):
    data = {
        "item-title": "Retain config versions",
        "item-owner": me.pk,
        "item-team": coe.team.pk,
        "item-term": "medium",
        "item-priority": 3,
        "item-category": "technical",
    }
    response = client.post(f"/coe/{coe.pk}/actions/", data, **HTMX)
    assert response.status_code == 200
    assert "Retain config versions" in response.text
    new = coe.action_items.get()
    assert (new.title, new.owner, new.team, new.term, new.status, new.created_by) == (
        "Retain config versions",
        me,
        coe.team,
        Term.MEDIUM,
        ItemStatus.OPEN,
        me,
    )
    assert new.due_date == TODAY + timedelta(days=28)


def test_a_past_due_date_needs_confirming(client, coe, me):
    data = {
        "item-title": "Backfill the dashboards",
        "item-owner": me.pk,
        "item-team": coe.team.pk,
        "item-term": "short",
        "item-priority": 3,
        "item-category": "technical",
        "item-due_date": "2026-11-20",
    }
    refused = client.post(f"/coe/{coe.pk}/actions/", data, **HTMX)
    assert refused.status_code == 422
    assert "This date is already past. Confirm it if that is on purpose." in refused.text
    assert not coe.action_items.exists()
    data["item-confirm_past_due"] = "on"
    assert client.post(f"/coe/{coe.pk}/actions/", data, **HTMX).status_code == 200
    assert coe.action_items.get().due_date == date(2026, 11, 20)


def test_an_inactive_owner_is_refused(client, coe):
    gone = UserFactory(is_active=False, username="gone")
    data = {
        "item-title": "x",
        "item-owner": gone.username,
        "item-team": coe.team.slug,
        "item-term": "short",
        "item-priority": 3,
        "item-category": "technical",
    }
    response = client.post(f"/coe/{coe.pk}/actions/", data, **HTMX)
    assert response.status_code == 422
    assert "No active person is called “gone”." in response.text
    assert not coe.action_items.exists()


def test_the_call_leader_raises_a_short_term_item_on_the_incident(client):
    leader = CallLeaderFactory().user
    client.force_login(leader)
    team = TeamFactory()
    incident = IncidentFactory(call_leader=leader, teams=[team])
    data = {"item-title": "Cap the noisy client", "item-owner": leader.pk, "item-team": team.pk}
    response = client.post(f"/actions/new/incident/{incident.pk}/", data, **HTMX)
    assert response.status_code == 200
    assert "action-item-changed" in response["HX-Trigger"]  # the incident page refreshes
    new = incident.action_items.get()
    assert (new.term, new.due_date) == (Term.SHORT, TODAY + timedelta(days=3))
    page = client.get(incident.get_absolute_url()).text
    assert "Cap the noisy client" in page


def test_without_javascript_a_short_term_item_is_raised_from_its_own_page(client):
    leader = CallLeaderFactory().user
    client.force_login(leader)
    team = TeamFactory()
    incident = IncidentFactory(call_leader=leader, teams=[team])
    url = f"/actions/new/incident/{incident.pk}/"
    form = client.get(url)
    assert form.status_code == 200
    assert f'action="{url}"' in form.text

    refused = client.post(url, {"item-title": "", "item-owner": leader.pk, "item-team": team.pk})
    assert refused.status_code == 422
    assert "This field is required." in refused.text
    assert not incident.action_items.exists()

    data = {"item-title": "Cap the noisy client", "item-owner": leader.pk, "item-team": team.pk}
    response = client.post(url, data, follow=True)
    assert response.redirect_chain == [(incident.get_absolute_url(), 302)]
    assert "Short-term item added" in response.text
    assert list(incident.action_items.values_list("title", flat=True)) == ["Cap the noisy client"]


def test_a_refused_short_term_item_comes_back_in_place_with_its_errors(client):
    leader = CallLeaderFactory().user
    client.force_login(leader)
    team = TeamFactory()
    incident = IncidentFactory(call_leader=leader, teams=[team])
    data = {"item-title": "x" * 201, "item-owner": leader.pk, "item-team": team.pk}
    response = client.post(f"/actions/new/incident/{incident.pk}/", data, **HTMX)
    assert response.status_code == 422
    assert 'id="short-term-items"' in response.text
    assert "at most 200 characters" in response.text
    assert not incident.action_items.exists()


def test_people_outside_the_incident_cannot_raise_items_on_it(client, me):
    incident = IncidentFactory()
    data = {"item-title": "x", "item-owner": me.pk, "item-team": TeamFactory().pk}
    response = client.post(f"/actions/new/incident/{incident.pk}/", data)
    assert response.status_code == 403
    assert escape(ADD_REFUSED) in response.text
    assert not incident.action_items.exists()


# Dashboard and team page


def test_dashboard_lists_my_overdue_and_this_weeks_items(client, coe, me):
    item(coe, title="Late one", due=TODAY - timedelta(days=2))
    item(coe, title="This week", due=TODAY + timedelta(days=6))
    item(coe, title="Next month", due=TODAY + timedelta(days=30))
    item(coe, title="Someone else's", owner=UserFactory(), due=TODAY - timedelta(days=2))
    response = client.get("/")
    mine = response.context["my_items"]
    assert [i.title for i in mine["overdue"]] == ["Late one"]
    assert [i.title for i in mine["due_this_week"]] == ["This week"]
    assert "2 days overdue" in response.text


def test_team_page_shows_its_open_and_overdue_items(client, coe):
    item(coe, title="Late one", due=TODAY - timedelta(days=2))
    item(coe, title="Soon", due=TODAY + timedelta(days=2))
    html = client.get(f"/teams/{coe.team.slug}/").text
    assert "Open action items (2, " in html
    assert "1 overdue" in html
    assert "Late one" in html
