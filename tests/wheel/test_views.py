"""The wheel pages: who may do what, refused input, htmx fragments, and what each person sees."""

import re

import pytest

from opsreview.org.fields import WebURLFormField
from tests.fuzz.checks import changed_tables, fingerprint
from tests.org.factories import TeamFactory, UserFactory
from wheel import services
from wheel.models import LogEntry, Participant, Spin, Wheel

from .factories import FreeFormParticipantFactory, SpinFactory, WheelFactory, wheel_with_teams

pytestmark = pytest.mark.django_db

HTMX = {"HTTP_HX_REQUEST": "true"}
UNPROCESSABLE = 422
NOT_AN_ADMIN = "Only wheel admins can change wheels."


@pytest.fixture
def person(client):
    user = UserFactory(first_name="Eli", last_name="Engel")
    client.force_login(user)
    return user


@pytest.fixture
def admin(client):
    user = UserFactory(first_name="Ada", last_name="Admin", is_staff=True)
    client.force_login(user)
    return user


@pytest.fixture
def wheel():
    return wheel_with_teams(4, name="Ops meeting", slug="ops")


def url(wheel: Wheel, suffix: str = "") -> str:
    return f"/wheel/{wheel.slug}/{suffix}"


# The list and creating wheels


def test_list_shows_every_wheel_with_its_participant_count(client, person, wheel):
    response = client.get("/wheel/")
    assert '<a href="/wheel/ops/">Ops meeting</a>' in response.text
    assert [w.participant_count for w in response.context["wheels"]] == [4]
    assert "New wheel" not in response.text


def test_admins_create_a_wheel_with_every_team_in_one_click(client, admin):
    teams = TeamFactory.create_batch(3)
    form = client.get("/wheel/new/").context["form"]
    assert form["every_team"].value() is True
    response = client.post(
        "/wheel/new/", {"name": "Weekly ops", "every_team": "on", "allow_rigging": "on"}
    )
    wheel = Wheel.objects.get(name="Weekly ops")
    assert response.status_code == 302
    assert response["Location"] == "/wheel/weekly-ops/"
    assert {p.team for p in wheel.participants.all()} == set(teams)
    assert wheel.allow_rigging and not wheel.show_weights


def test_admins_create_a_wheel_of_the_teams_they_type(client, admin):
    TeamFactory(name="Banana Storage", slug="banana-storage")
    front, distributor = TeamFactory(name="Front Door"), TeamFactory(name="Distributor")
    response = client.post(
        "/wheel/new/", {"name": "Weekly ops", "teams": f"front door, {distributor.slug}"}
    )
    assert response.status_code == 302
    wheel = Wheel.objects.get(name="Weekly ops")
    assert {p.team for p in wheel.participants.all()} == {front, distributor}


@pytest.mark.parametrize(
    ("data", "field", "error"),
    [
        ({"name": "Ops meeting"}, "name", "Wheel with this Name already exists."),
        ({"name": "Other", "slug": "ops"}, "slug", "Wheel with this Slug already exists."),
        ({"name": "New"}, "slug", "“new” is taken by a page; choose another."),
    ],
)
def test_wheel_names_and_addresses_are_unique(client, admin, wheel, data, field, error):
    before = fingerprint()
    response = client.post("/wheel/new/", data)
    assert response.status_code == UNPROCESSABLE
    assert response.context["form"].errors[field] == [error]
    assert changed_tables(before) == []


def test_admins_change_a_wheels_settings(client, admin, wheel):
    response = client.post(url(wheel, "edit/"), {"name": "Ops", "slug": "ops"})
    assert response.status_code == 302
    wheel.refresh_from_db()
    assert (wheel.name, wheel.proportional_slices, wheel.allow_rigging) == ("Ops", False, False)


@pytest.mark.parametrize(
    ("method", "suffix"),
    [
        ("get", "/wheel/new/"),
        ("post", "/wheel/new/"),
        ("get", "edit/"),
        ("post", "edit/"),
        ("post", "rig/"),
        ("post", "rig/cancel/"),
        ("post", "reset/"),
        ("post", "participants/"),
        ("post", "participants/{pk}/"),
        ("post", "participants/{pk}/delete/"),
    ],
)
def test_people_who_are_not_wheel_admins_get_403(client, person, wheel, method, suffix):
    pk = wheel.participants.first().pk
    path = suffix if suffix.startswith("/") else url(wheel, suffix.format(pk=pk))
    data = {"weight": "5", "team": TeamFactory().pk}
    before = fingerprint()
    response = getattr(client, method)(path, data)
    assert response.status_code == 403
    assert NOT_AN_ADMIN in response.text
    assert changed_tables(before) == []


# The wheel page


def test_the_page_draws_one_slice_per_participant_with_its_odds(client, person, wheel):
    response = client.get(url(wheel))
    html = response.text
    slices = re.findall(r'data-slice data-participant="(\d+)"', html)
    assert [int(pk) for pk in slices] == [p.pk for p in wheel.participants.order_by("pk")]
    assert 'data-start="0" data-end="90"' in html
    assert html.count('data-testid="chance">25.0%<') == 4


def test_the_page_keeps_to_the_content_security_policy(client, person, wheel):
    response = client.get(url(wheel))
    nonce = re.search(r"'nonce-([^']+)'", response["Content-Security-Policy"]).group(1)
    assert re.search(
        rf'<script src="/static/js/wheel\.js" defer nonce="{nonce}"></script>', response.text
    )
    assert '<link rel="stylesheet" href="/static/css/wheel.css">' in response.text
    assert " style=" not in response.text
    assert "<style" not in response.text
    assert " on" + "click=" not in response.text


def test_weights_are_hidden_from_the_room_when_the_wheel_says_so(client, person, wheel):
    assert '<th scope="col" class="num wheel-optional">Weight</th>' in client.get(url(wheel)).text
    Wheel.objects.filter(pk=wheel.pk).update(show_weights=False)
    assert (
        '<th scope="col" class="num wheel-optional">Weight</th>' not in client.get(url(wheel)).text
    )


def test_equal_slices_when_the_wheel_is_not_proportional(client, person, wheel):
    services.wheel_choose(spin=SpinFactory(wheel=wheel, participant=wheel.participants.first()),
                          actor=person)  # fmt: skip
    proportional = client.get(url(wheel)).context["slices"]
    assert proportional[0].sweep == pytest.approx(3.0)  # at weight 0: a sliver
    Wheel.objects.filter(pk=wheel.pk).update(proportional_slices=False)
    equal = client.get(url(wheel)).context["slices"]
    assert [s.sweep for s in equal] == pytest.approx([90.0] * 4)


def test_presenting_uses_the_projector_theme_and_leaves_out_managing(client, admin, wheel):
    page = client.get(url(wheel))
    assert "Manage this wheel" in page.text
    presented = client.get(url(wheel) + "?present=1")
    assert re.search(r'<body class="theme-projector wheel-presenting"', presented.text)
    assert "Manage this wheel" not in presented.text


# Spinning and choosing


def test_spinning_without_javascript_shows_the_result_to_choose(client, person, wheel):
    response = client.post(url(wheel, "spin/"))
    spin = Spin.objects.get()
    assert response["Location"] == f"/wheel/ops/?spin={spin.pk}"
    page = client.get(response["Location"]).text
    assert f'data-testid="wheel-result">{spin.participant_name}<' in page
    assert f"Choose {spin.participant_name}</button>" in page
    assert f'data-open-url="{spin.participant.target_url}"' in page


def test_spinning_with_htmx_returns_the_outcome_for_the_page_to_animate(client, person, wheel):
    response = client.post(url(wheel, "spin/"), **HTMX)
    spin = Spin.objects.get()
    assert response.status_code == 200
    assert response.text.lstrip().startswith('<div id="wheel-outcome"')
    assert f'data-participant="{spin.participant_id}" data-just-spun' in response.text
    assert "<html" not in response.text
    assert spin.spun_by == person


def test_spinning_an_empty_wheel_says_why(client, person):
    WheelFactory(slug="empty")
    response = client.post("/wheel/empty/spin/", **HTMX)
    assert response.status_code == UNPROCESSABLE
    assert "This wheel has no participants yet: a wheel admin adds teams first." in response.text
    assert not Spin.objects.exists()


def test_choosing_updates_the_odds_in_place(client, person, wheel):
    spin = SpinFactory(wheel=wheel, participant=wheel.participants.first())
    response = client.post(url(wheel, f"spins/{spin.pk}/choose/"), **HTMX)
    assert response.status_code == 200
    assert response.text.lstrip().startswith('<div id="wheel" class="wheel" data-wheel>')
    assert "Chosen</h2>" in response.text
    assert re.findall(r'data-testid="chance">([^<]+)<', response.text) == ["0%"] + ["33.3%"] * 3
    spin.refresh_from_db()
    assert spin.chosen_by == person


def test_the_odds_say_how_often_and_how_long_ago_each_participant_was_chosen(client, person, wheel):
    chosen = wheel.participants.first()
    client.post(url(wheel, f"spins/{SpinFactory(wheel=wheel, participant=chosen).pk}/choose/"))

    html = client.get(url(wheel)).text

    row = re.search(rf"{re.escape(chosen.display_name)}</th>.*?</tr>", html, re.DOTALL).group(0)
    assert '<td class="num">1<span class="wheel-optional"><br><time' in row
    assert ">just now</time>" in row
    assert html.count('<time class="wheel-last-chosen') == 1  # the others were never chosen


def test_choosing_without_javascript_links_to_the_dashboard(client, person, wheel):
    participant = wheel.participants.first()
    spin = SpinFactory(wheel=wheel, participant=participant)
    response = client.post(url(wheel, f"spins/{spin.pk}/choose/"), follow=True)
    assert f"Chose {participant.display_name}." in response.text
    spin.refresh_from_db()
    participant.refresh_from_db()
    assert (spin.chosen_by, participant.weight, participant.selection_count) == (person, 0, 1)
    assert (
        f'<a class="button primary" href="{participant.team.dashboard_url}" target="_blank" '
        'rel="noopener noreferrer">' in response.text
    )


def test_choosing_a_spin_twice_is_refused_with_the_reason(client, person, wheel):
    spin = SpinFactory(wheel=wheel, participant=wheel.participants.first())
    client.post(url(wheel, f"spins/{spin.pk}/choose/"), **HTMX)
    before = fingerprint()
    response = client.post(url(wheel, f"spins/{spin.pk}/choose/"), **HTMX)
    assert response.status_code == UNPROCESSABLE
    assert "This spin has already been chosen; spin again." in response.text
    assert changed_tables(before) == []  # the weights moved once, not twice


def test_a_spin_from_another_wheel_is_not_found(client, person, wheel):
    other = SpinFactory()
    before = fingerprint()
    assert client.post(url(wheel, f"spins/{other.pk}/choose/")).status_code == 404
    assert changed_tables(before) == []


# Managing participants


def test_admins_add_a_team_in_one_click(client, admin, wheel):
    team = TeamFactory(name="Banana Storage")
    page = client.get(url(wheel)).text
    assert 'name="team"' in page and 'hx-get="/teams/search?field=team"' in page
    response = client.post(url(wheel, "participants/"), {"team": "Banana storage"}, **HTMX)
    assert response.status_code == 200
    assert "Added Banana Storage at weight 1." in response.text
    assert wheel.participants.filter(team=team, weight=1).exists()


def test_adding_a_team_twice_is_a_form_error(client, admin, wheel):
    team = wheel.participants.first().team
    before = fingerprint()
    response = client.post(url(wheel, "participants/"), {"team": team.pk}, **HTMX)
    assert response.status_code == UNPROCESSABLE
    assert f"{team.name} is already on this wheel." in response.text
    assert changed_tables(before) == []


def test_admins_add_someone_who_is_not_a_team(client, admin, wheel):
    response = client.post(
        url(wheel, "participants/"),
        {"name": "Platform guild", "url": "https://guild.example.com/board"},
    )
    assert response.status_code == 302
    guild = wheel.participants.get(name="Platform guild")
    assert (guild.url, guild.team, guild.weight) == ("https://guild.example.com/board", None, 1.0)
    assert wheel.participants.count() == 5


@pytest.mark.parametrize(
    ("data", "error"),
    [
        (
            {"name": "Guild", "url": "javascript:alert(1)"},
            WebURLFormField.default_error_messages["invalid"],
        ),
        ({"name": "", "url": "https://example.com/"}, "Name the participant, or add a team."),
        (
            {"name": "Guild", "url": ""},
            "Give the web address opened when this participant is chosen.",
        ),
    ],
)
def test_free_form_participants_need_a_name_and_a_web_address(client, admin, wheel, data, error):
    response = client.post(url(wheel, "participants/"), data, **HTMX)
    assert response.status_code == UNPROCESSABLE
    assert error in response.text
    assert wheel.participants.count() == 4


@pytest.mark.parametrize(
    ("weight", "error"),
    [
        ("-1", "A weight cannot be negative."),
        ("lots", "Enter a number, like 1 or 0.5."),
        ("nan", "Enter a number, like 1 or 0.5."),
        ("", "Give a weight: 0 or more."),
    ],
)
def test_weights_must_be_numbers_of_zero_or_more(client, admin, wheel, weight, error):
    participant = wheel.participants.first()
    response = client.post(
        url(wheel, f"participants/{participant.pk}/"), {f"p{participant.pk}-weight": weight}, **HTMX
    )
    assert response.status_code == UNPROCESSABLE
    assert error in response.text
    participant.refresh_from_db()
    assert participant.weight == 1.0


def test_admins_set_a_weight(client, admin, wheel):
    participant = wheel.participants.first()
    response = client.post(
        url(wheel, f"participants/{participant.pk}/"), {f"p{participant.pk}-weight": "2.5"}, **HTMX
    )
    assert response.status_code == 200
    participant.refresh_from_db()
    assert participant.weight == 2.5
    edited = wheel.log.get(kind=LogEntry.Kind.EDITED)
    assert (edited.actor, participant.display_name in edited.text) == (admin, True)


def test_renaming_a_free_form_participant_to_a_taken_name_is_a_form_error(client, admin, wheel):
    guest = FreeFormParticipantFactory(wheel=wheel, name="Guest")
    taken = wheel.participants.first().display_name
    data = {f"p{guest.pk}-weight": "1", f"p{guest.pk}-name": taken, f"p{guest.pk}-url": guest.url}
    before = fingerprint()
    response = client.post(url(wheel, f"participants/{guest.pk}/"), data, **HTMX)
    assert response.status_code == UNPROCESSABLE
    assert "is already on this wheel" in response.text
    assert changed_tables(before) == []


def test_admins_remove_a_participant_and_the_odds_stay_whole(client, admin, wheel):
    participant = wheel.participants.first()
    response = client.post(url(wheel, f"participants/{participant.pk}/delete/"), **HTMX)
    assert response.status_code == 200
    assert not Participant.objects.filter(pk=participant.pk).exists()
    assert re.findall(r'data-testid="chance">([^<]+)<', response.text) == ["33.3%"] * 3


def test_admins_reset_the_weights(client, admin, wheel):
    services.wheel_choose(spin=SpinFactory(wheel=wheel, participant=wheel.participants.first()),
                          actor=admin)  # fmt: skip
    response = client.post(url(wheel, "reset/"), **HTMX)
    assert response.status_code == 200
    assert list(wheel.participants.values_list("weight", flat=True)) == [1.0] * 4
    assert re.findall(r'data-testid="chance">([^<]+)<', response.text) == ["25.0%"] * 4
    assert wheel.log.get(kind=LogEntry.Kind.RESET).actor == admin


# Rigging and who sees it


def test_a_hidden_rig_is_invisible_to_the_room_but_in_the_admins_audit_log(client, wheel):
    admin = UserFactory(first_name="Ada", last_name="Admin", is_staff=True)
    target = wheel.participants.last()
    client.force_login(admin)
    response = client.post(
        url(wheel, "rig/"),
        {"participant": target.pk, "reason": "Storage has a new dashboard", "hidden": "on"},
        **HTMX,
    )
    assert response.status_code == 200
    assert f"Ada Admin rigged the next spin for {target.display_name} (hidden)" in response.text

    client.force_login(UserFactory())
    client.post(url(wheel, "spin/"))
    spin = Spin.objects.get()
    page = client.get(f"{url(wheel)}?spin={spin.pk}").text
    assert spin.participant == target and spin.rig is not None
    assert "rigged" not in page.lower()
    assert "Audit log" not in page

    client.force_login(admin)
    page = client.get(f"{url(wheel)}?spin={spin.pk}").text
    assert "rigged by Ada Admin" in page
    assert "Storage has a new dashboard" in page
    presented = client.get(f"{url(wheel)}?spin={spin.pk}&present=1").text
    assert "rigged" not in presented.lower()


def test_an_admin_spinning_onto_their_hidden_rig_sees_it_was_rigged(client, admin, wheel):
    target = wheel.participants.last()
    client.post(url(wheel, "rig/"), {"participant": target.pk, "reason": "New", "hidden": "on"})

    outcome = client.post(url(wheel, "spin/"), **HTMX).text

    assert f'data-testid="wheel-result">{target.display_name}<' in outcome
    assert "rigged by Ada Admin" in outcome
    assert "Rigged (hidden from the room):" in outcome
    client.force_login(UserFactory())
    assert "rigged" not in client.post(url(wheel, "spin/"), **HTMX).text.lower()


def test_a_visible_rig_is_announced_to_everyone(client, admin, wheel):
    target = wheel.participants.last()
    client.post(url(wheel, "rig/"), {"participant": target.pk, "reason": "Welcome back"})
    rig = wheel.rigs.get()
    assert (rig.participant, rig.reason, rig.hidden, rig.rigged_by) == (
        target,
        "Welcome back",
        False,
        admin,
    )
    client.force_login(UserFactory())
    page = client.get(url(wheel)).text
    assert re.search(
        rf"set the next spin to land on {re.escape(target.display_name)}: “Welcome back”", page
    )


def test_rigging_without_a_required_reason_is_a_form_error(client, admin, wheel):
    target = wheel.participants.last()
    response = client.post(url(wheel, "rig/"), {"participant": target.pk}, **HTMX)
    assert response.status_code == UNPROCESSABLE
    assert "Say why: this wheel requires a reason for rigging." in response.text
    assert not wheel.rigs.exists()


def test_saving_a_shown_weight_unchanged_keeps_the_exact_weight(client, admin, wheel):
    spin = SpinFactory(wheel=wheel, participant=wheel.participants.first())
    services.wheel_choose(spin=spin, actor=admin)
    participant = wheel.participants.last()
    exact = participant.weight
    assert exact == 4 / 3
    page = client.get(url(wheel)).text
    assert f'name="p{participant.pk}-weight" value="1.3333"' in page
    response = client.post(
        url(wheel, f"participants/{participant.pk}/"), {f"p{participant.pk}-weight": "1.3333"}
    )
    assert response.status_code == 302
    participant.refresh_from_db()
    assert participant.weight == exact
    assert not wheel.log.filter(kind="edited").exists()


def _page_queries(client, django_assert_max_num_queries, count):
    wheel = wheel_with_teams(count, slug=f"wheel-of-{count}")
    for participant in wheel.participants.all():
        SpinFactory(wheel=wheel, participant=participant)
    with django_assert_max_num_queries(100) as captured:
        client.get(f"/wheel/{wheel.slug}/")
    return len(captured.captured_queries)


def test_the_page_runs_the_same_number_of_queries_for_3_and_12_participants(
    client, admin, django_assert_max_num_queries
):
    few = _page_queries(client, django_assert_max_num_queries, 3)
    many = _page_queries(client, django_assert_max_num_queries, 12)
    assert few == many
