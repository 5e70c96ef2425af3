"""People, teams and services are picked by typing: what the box suggests, and how the form
reads what was typed (with or without the suggestions)."""

import itertools
import re

import pytest
from django import forms

from incidents.models import Incident
from opsreview.org.pickers import (
    SUGGESTIONS_MAX,
    people_field,
    person_field,
    service_field,
    team_field,
    teams_field,
)
from tests.org.factories import ServiceFactory, TeamFactory, UserFactory
from tests.query_budget import assert_query_budget

pytestmark = pytest.mark.django_db

OPTION = re.compile(r'<li role="option" aria-selected="false" data-value="([^"]*)">([^<]*)</li>')


def suggested(response) -> list[tuple[str, str]]:
    return OPTION.findall(response.text)


@pytest.fixture
def me(client):
    person = UserFactory(username="me", first_name="Mo", last_name="Me")
    client.force_login(person)
    return person


# What the box suggests


def test_people_search_suggests_at_most_twenty_people_whose_name_starts_so(client, me):
    for n in range(30):
        UserFactory(username=f"sam{n:02}", first_name="Sam", last_name=f"Lee{n:02}")
    UserFactory(username="alex", first_name="Alex", last_name="Samuels")  # last name matches
    UserFactory(username="rosa", first_name="Rosa", last_name="Isam")  # does not start so

    options = suggested(client.get("/people/search?q=sAm"))

    assert len(options) == SUGGESTIONS_MAX
    assert ("alex", "Alex Samuels (alex)") in options
    assert all(value.startswith("sam") or value == "alex" for value, _ in options)


def test_people_are_found_by_username_email_and_full_name_and_inactive_people_never(client, me):
    UserFactory(username="cleo", first_name="Cleo", last_name="Carter", email="cc@example.com")
    UserFactory(username="gone", first_name="Cleo", last_name="Gone", is_active=False)

    for typed in ["cle", "cc@ex", "Cleo Car", "carter"]:
        assert suggested(client.get(f"/people/search?q={typed}")) == [
            ("cleo", "Cleo Carter (cleo)")
        ], typed


def test_suggestions_are_escaped(client, me):
    UserFactory(username="evil", first_name='<img src=x hx-post="/x">', last_name="&amp;")
    TeamFactory(name='<b hx-get="/">Bold</b> team', slug="bold")

    people = client.get("/people/search?q=evil")
    teams = client.get("/teams/search?q=bold")

    assert "<img" not in people.text and "<b " not in teams.text
    assert "&lt;img src=x hx-post=&quot;/x&quot;&gt; &amp;amp; (evil)" in people.text
    assert "&lt;b hx-get=&quot;/&quot;&gt;Bold&lt;/b&gt; team" in teams.text


def test_a_box_that_takes_several_completes_the_last_name_typed(client, me):
    UserFactory(username="ana", first_name="Ana", last_name="Alves")
    UserFactory(username="bo", first_name="Bo", last_name="Brown")

    response = client.get("/people/search?field=item-attendees&many=1&item-attendees=ana,  b")

    assert suggested(response) == [("ana, bo", "Bo Brown (bo)")]


def test_teams_and_services_are_suggested_by_name_or_slug(client, me):
    storage = TeamFactory(name="Banana Storage", slug="storage")
    TeamFactory(name="Front Door", slug="front-door")
    ServiceFactory(name="Banana Vault", team=storage)

    assert suggested(client.get("/teams/search?q=banana")) == [("storage", "Banana Storage")]
    assert suggested(client.get("/teams/search?q=STOR")) == [("storage", "Banana Storage")]
    assert suggested(client.get("/services/search?q=banana v")) == [
        ("Banana Vault", "Banana Vault")
    ]


@pytest.mark.parametrize("typed", ["x" * 100_000, "[[[[", str(2**63), "%", "_", "\x00", "😀"])
def test_hostile_text_is_searched_without_a_server_error(client, me, typed):
    UserFactory(username="under_score", first_name="Una")
    for path in ["/people/search", "/teams/search", "/services/search"]:
        response = client.get(path, {"q": typed})
        assert response.status_code == 200
        assert all(value == "under_score" for value, _ in suggested(response)), typed


def test_search_is_for_signed_in_people_and_reads_only(client):
    UserFactory(username="secretname", first_name="Secret")

    anonymous = client.get("/people/search?q=secret")
    assert anonymous.status_code == 302 and anonymous["Location"].startswith("/accounts/login/")
    assert "secretname" not in anonymous.text

    client.force_login(UserFactory())
    assert client.post("/people/search", {"q": "secret"}).status_code == 405
    assert client.get("/people/search?q=secret").status_code == 200


def test_search_queries_do_not_grow_with_the_organisation(client, me):
    def grow():
        for _ in range(30):
            n = next(numbers)
            team = TeamFactory(name=f"Alpha {n}")
            UserFactory(first_name="Al", username=f"al{n}")
            ServiceFactory(name=f"Alpha service {n}", team=team)

    numbers = itertools.count()

    for path in ["/people/search?q=al", "/teams/search?q=al", "/services/search?q=al"]:
        assert_query_budget(client, path, grow=grow, budget=3)


# How the form reads what was typed


class PickForm(forms.Form):
    person = person_field(required=False)
    people = people_field(required=False)
    team = team_field(required=False)
    teams = teams_field(required=False)
    service = service_field(required=False)


def cleaned(**data):
    form = PickForm(data)
    return form.cleaned_data if form.is_valid() else form.errors


def test_a_person_is_found_by_username_email_or_full_name_whatever_the_case():
    cleo = UserFactory(username="cleo", first_name="Cleo", last_name="van Carter", email="c@x.io")

    for typed in ["cleo", "CLEO", " c@X.io ", "cleo van carter", "Cleo  Van Carter"]:
        assert cleaned(person=typed)["person"] == cleo, typed


def test_a_name_two_people_share_asks_for_the_username():
    UserFactory(username="slee", first_name="Sam", last_name="Lee")
    UserFactory(username="slee2", first_name="Sam", last_name="Lee")

    errors = cleaned(person="sam lee")

    assert errors["person"] == [
        "2 people match “sam lee”: type the username instead (slee, slee2)."
    ]


def test_a_username_wins_over_someone_elses_full_name():
    bo = UserFactory(username="bo", first_name="Bob", last_name="Oak")
    UserFactory(username="other", first_name="bo", last_name="")

    assert cleaned(person="bo")["person"] == bo


def test_nobody_by_that_name_is_a_clear_error_and_inactive_people_are_nobody():
    UserFactory(username="gone", is_active=False)

    assert cleaned(person="gone")["person"] == ["No active person is called “gone”."]
    assert cleaned(person="x" * 100_000)["person"] == ["Type at most 150 characters."]
    assert cleaned(person="[[[[")["person"] == ["No active person is called “[[[[”."]
    assert cleaned(person=str(2**63))["person"] == [f"No active person is called “{2**63}”."]
    assert cleaned(person="")["person"] is None
    assert cleaned(person="ana\x00")["person"] == ["No active person is called “ana\\x00”."]


def test_an_id_is_read_when_no_name_matches_so_old_links_keep_working():
    ana = UserFactory(username="ana")
    numbered = UserFactory(username=str(ana.pk + 1000))

    assert cleaned(person=str(ana.pk))["person"] == ana
    assert cleaned(person=numbered.username)["person"] == numbered  # the name comes first
    assert cleaned(person="0")["person"] == ["No active person is called “0”."]


def test_several_people_are_typed_comma_separated_and_each_counts_once():
    ana, bo = UserFactory(username="ana"), UserFactory(username="bo", email="bo@x.io")

    assert set(cleaned(people="ana, bo@x.io,ANA,, ")["people"]) == {ana, bo}
    assert list(cleaned(people="")["people"]) == []
    assert cleaned(people="ana, nobody, [[[[")["people"] == [
        "No active person is called “nobody”.",
        "No active person is called “[[[[”.",
    ]
    assert cleaned(people=",".join(["ana"] * 101))["people"] == ["Choose at most 100."]


def test_an_edit_form_shows_the_current_choices_as_they_would_be_typed():
    ana, bo = UserFactory(username="ana"), UserFactory(username="bo")
    team = TeamFactory(slug="storage")

    form = PickForm(initial={"person": ana.pk, "people": [ana, bo.pk], "teams": [team]})

    assert form["person"].value() == "ana"
    assert form["people"].value() == "ana, bo"
    assert 'value="storage"' in str(form["teams"])


def test_teams_by_slug_or_name_and_services_by_name():
    storage = TeamFactory(name="Banana Storage", slug="storage")
    front = TeamFactory(name="Front Door", slug="front-door")
    vault = ServiceFactory(name="Banana Vault", team=storage)

    data = cleaned(team="banana storage", teams="FRONT-DOOR, storage", service="banana vault")

    assert (data["team"], set(data["teams"]), data["service"]) == (storage, {front, storage}, vault)
    assert cleaned(team="nope")["team"] == ["No team is called “nope”."]
    assert cleaned(service="nope")["service"] == ["No service is called “nope”."]


def test_a_field_limited_to_some_rows_refuses_the_others():
    theirs = TeamFactory(slug="theirs")

    class OursOnly(forms.Form):
        team = team_field(queryset=theirs.__class__.objects.exclude(pk=theirs.pk))

    form = OursOnly({"team": "theirs"})
    assert not form.is_valid()
    assert form.errors["team"] == ["No team is called “theirs”."]
    assert not OursOnly({"team": str(theirs.pk)}).is_valid()


# Without JavaScript


def test_an_incident_is_declared_with_typed_names_and_no_script(client, me):
    cleo = UserFactory(username="cleo", first_name="Cleo", last_name="Carter")
    storage = TeamFactory(name="Banana Storage", slug="storage")
    front = TeamFactory(name="Front Door", slug="front-door")

    response = client.post(
        "/incidents/new/",
        {"title": "Bananas stuck", "severity": 3, "call_leader": "Cleo Carter",
         "teams": "storage, front door"},
    )  # fmt: skip

    incident = Incident.objects.get()
    assert response["Location"] == incident.get_absolute_url()
    assert incident.call_leader == cleo
    assert set(incident.teams.all()) == {storage, front}
