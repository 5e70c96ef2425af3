import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from opsreview.org.models import Team
from opsreview.org.services import team_update
from tests.fuzz.checks import changed_tables, fingerprint

from .factories import ServiceFactory, TeamFactory, UserFactory

pytestmark = pytest.mark.django_db

BAD_URLS = [
    "javascript:alert(document.cookie)",
    "JaVaScRiPt:alert(1)",
    "data:text/html,<script>alert(1)</script>",
    "ftp://files.example.com/dashboard",
    "vbscript:msgbox(1)",
    "not a url",
]


def _edit_form_data(team, **overrides):
    data = {
        "name": team.name,
        "description": team.description,
        "manager": team.manager_id or "",
        "members": [member.pk for member in team.members.all()],
        "dashboard_url": team.dashboard_url,
        "runbook_url": team.runbook_url,
    }
    return {**data, **overrides}


def test_team_list_shows_each_team_with_manager_and_counts(client):
    manager = UserFactory(first_name="Morgan", last_name="Mendes")
    team = TeamFactory(
        name="Banana Distributor", manager=manager, members=UserFactory.create_batch(3)
    )
    ServiceFactory.create_batch(2, team=team)
    other = TeamFactory(name="Apple Sorter", members=UserFactory.create_batch(1))
    ServiceFactory.create_batch(4, team=other)
    empty = TeamFactory(name="Cherry Picker", members=[])
    client.force_login(UserFactory())
    response = client.get("/teams/")
    counts = {t.pk: (t.member_count, t.service_count) for t in response.context["teams"]}
    assert counts[team.pk] == (3, 2)
    assert counts[other.pk] == (1, 4)
    assert counts[empty.pk] == (0, 0)
    assert "Banana Distributor" in response.text
    assert "Morgan Mendes" in response.text


def test_team_list_query_count_does_not_grow_with_teams(client, django_assert_max_num_queries):
    client.force_login(UserFactory())
    for _ in range(3):
        ServiceFactory(team=TeamFactory(members=UserFactory.create_batch(2)))
    with django_assert_max_num_queries(4) as few:
        client.get("/teams/")
    for _ in range(20):
        ServiceFactory(team=TeamFactory(members=UserFactory.create_batch(2)))
    with django_assert_max_num_queries(len(few.captured_queries)):
        client.get("/teams/")


def test_empty_team_list_says_so(client):
    client.force_login(UserFactory())
    assert "No teams yet." in client.get("/teams/").text


def test_team_page_shows_members_services_and_links(client):
    eli = UserFactory(first_name="Eli", last_name="Engel")
    team = TeamFactory(members=[eli], runbook_url="https://runbooks.example.com/t")
    ServiceFactory(team=team, name="BananaStand API Gateway")
    client.force_login(UserFactory())
    response = client.get(f"/teams/{team.slug}/")
    assert response.status_code == 200
    for text in ["Eli Engel", "BananaStand API Gateway", team.dashboard_url, team.runbook_url]:
        assert text in response.text
    assert 'rel="noopener noreferrer"' in response.text


def test_team_page_warns_when_nobody_receives_the_report(client):
    team = TeamFactory(manager=None)
    client.force_login(UserFactory())
    assert "nobody receives this team" in client.get(f"/teams/{team.slug}/").text


def test_unknown_team_is_404(client):
    client.force_login(UserFactory())
    before = fingerprint()
    page = client.get("/teams/no-such-team/")
    refused = client.post("/teams/no-such-team/edit/", {"name": "Ghosts"})
    assert (page.status_code, refused.status_code) == (404, 404)
    assert "There is nothing at this address" in page.text
    assert changed_tables(before) == []


def test_manager_can_change_their_teams_dashboard(client):
    team = TeamFactory()
    client.force_login(team.manager)
    new_url = "https://grafana.example.com/d/front-door"
    response = client.post(
        f"/teams/{team.slug}/edit/", _edit_form_data(team, dashboard_url=new_url)
    )
    assert response.status_code == 302
    team.refresh_from_db()
    assert team.dashboard_url == new_url
    assert team.history.latest().history_user == team.manager


@pytest.mark.parametrize("bad_url", BAD_URLS)
def test_non_web_dashboard_urls_are_refused_with_a_form_error(client, bad_url):
    team = TeamFactory()
    client.force_login(team.manager)
    response = client.post(
        f"/teams/{team.slug}/edit/", _edit_form_data(team, dashboard_url=bad_url)
    )
    assert response.status_code == 422
    assert response.context["form"].errors["dashboard_url"] == [
        "Enter a web address that starts with http:// or https://."
    ]
    team.refresh_from_db()
    assert team.dashboard_url.startswith("https://dashboards.example.com/")


def test_non_web_runbook_url_is_refused(client):
    team = TeamFactory()
    client.force_login(team.manager)
    data = _edit_form_data(team, runbook_url="javascript:alert(1)")
    before = fingerprint()
    response = client.post(f"/teams/{team.slug}/edit/", data)
    assert response.status_code == 422
    assert response.context["form"].errors["runbook_url"] == [
        "Enter a web address that starts with http:// or https://."
    ]
    assert changed_tables(before) == []


def test_empty_team_name_is_refused(client):
    team = TeamFactory()
    client.force_login(team.manager)
    before = fingerprint()
    response = client.post(f"/teams/{team.slug}/edit/", _edit_form_data(team, name=""))
    assert response.status_code == 422
    assert response.context["form"].errors["name"] == ["This field is required."]
    assert "This field is required." in response.text
    assert changed_tables(before) == []


def test_people_who_do_not_manage_the_team_cannot_edit_it(client):
    team = TeamFactory(members=[member := UserFactory()])
    client.force_login(member)
    assert client.get(f"/teams/{team.slug}/edit/").status_code == 403
    before = fingerprint()
    response = client.post(
        f"/teams/{team.slug}/edit/", _edit_form_data(team, dashboard_url="https://evil.example")
    )
    assert response.status_code == 403
    assert "Only staff or the team&#x27;s manager can edit this team." in response.text
    assert changed_tables(before) == []


def test_edit_button_shows_only_to_those_who_may_edit(client):
    team = TeamFactory()
    client.force_login(UserFactory())
    assert "Edit team" not in client.get(f"/teams/{team.slug}/").text
    client.force_login(team.manager)
    assert "Edit team" in client.get(f"/teams/{team.slug}/").text


def test_a_manager_cannot_hand_their_team_to_someone_else(client):
    team = TeamFactory()
    manager, other = team.manager, UserFactory()
    client.force_login(manager)
    client.post(f"/teams/{team.slug}/edit/", _edit_form_data(team, manager=other.pk))
    team.refresh_from_db()
    assert team.manager == manager  # the field is disabled for non-staff
    with pytest.raises(PermissionDenied):
        team_update(team=team, actor=team.manager, changes={"manager": other})


def test_staff_can_change_manager_and_members(client):
    team = TeamFactory()
    new_manager, member = UserFactory(), UserFactory()
    client.force_login(UserFactory(is_staff=True))
    data = _edit_form_data(team, manager=new_manager.pk, members=[member.pk])
    assert client.post(f"/teams/{team.slug}/edit/", data).status_code == 302
    team.refresh_from_db()
    assert team.manager == new_manager
    assert list(team.members.all()) == [member]


def test_team_update_validates_urls_even_without_a_form():
    team = TeamFactory()
    with pytest.raises(ValidationError):
        team_update(team=team, actor=team.manager, changes={"dashboard_url": "javascript:alert(1)"})
    assert Team.objects.get(pk=team.pk).dashboard_url != "javascript:alert(1)"


def test_admin_refuses_a_javascript_dashboard_url(admin_client):
    team = TeamFactory()
    response = admin_client.post(
        f"/admin/org/team/{team.pk}/change/",
        {
            "name": team.name,
            "slug": team.slug,
            "manager": team.manager_id,
            "dashboard_url": "javascript:alert(1)",
            "runbook_url": "",
            "description": "",
            "services-TOTAL_FORMS": "0",
            "services-INITIAL_FORMS": "0",
        },
    )
    assert response.status_code == 200
    assert "dashboard_url" in response.context["adminform"].form.errors
    team.refresh_from_db()
    assert not team.dashboard_url.startswith("javascript")


def test_dashboard_lists_my_teams_and_says_when_i_have_none(client):
    me = UserFactory()
    client.force_login(me)
    assert "You are not on a team yet." in client.get("/").text
    TeamFactory(name="Banana Orchestrator", members=[me])
    TeamFactory(name="Banana Storage", manager=me)
    response = client.get("/")
    assert "Banana Orchestrator" in response.text
    assert "Banana Storage" in response.text
    assert "you manage" in response.text


def test_staff_dashboard_names_teams_missing_a_manager_or_dashboard(client):
    TeamFactory(name="Orphans", manager=None)
    TeamFactory(name="Blind", dashboard_url="")
    TeamFactory(name="Fine")
    client.force_login(UserFactory(is_staff=True))
    response = client.get("/")
    assert {t.name for t in response.context["teams_needing_attention"]} == {"Orphans", "Blind"}
    assert "no manager, so nobody receives its weekly report" in response.text
