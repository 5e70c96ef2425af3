import io
import json
from datetime import datetime

import pytest
from django.core.management import call_command
from django.utils import timezone
from django.utils.html import escape

from coe import services
from coe.models import (
    BlamelessAcknowledgement,
    Coe,
    CoeTemplateSettings,
    CoeText,
    ContributingFactor,
    Status,
)
from tests.coe.factories import CoeFactory
from tests.fuzz.checks import changed_tables, fingerprint
from tests.incidents.factories import IncidentFactory, TimelineEntryFactory
from tests.org.factories import TeamFactory, UserFactory

pytestmark = pytest.mark.django_db

HTMX = {"HTTP_HX_REQUEST": "true"}
NOT_AN_EDITOR = escape("Only the COE's authors and its team's members can edit it.")


@pytest.fixture
def author(client):
    user = UserFactory(first_name="Eli", last_name="Engel")
    client.force_login(user)
    return user


@pytest.fixture
def coe(author):
    CoeTemplateSettings.load()  # the settings row the first page to read it makes
    return services.coe_create(title="Gateway outage", team=TeamFactory(), actor=author)


@pytest.fixture
def demo():
    call_command("seed_demo", stdout=io.StringIO())


def _version(coe, key):
    return CoeText.objects.get(coe=coe, key=key).version


def _body(coe, key):
    return CoeText.objects.get(coe=coe, key=key).body


def _complete_draft() -> Coe:
    """The demo's complete BananaStand COE, put back to draft."""
    coe = Coe.objects.get(title__startswith="BananaStand unavailable")
    Coe.objects.filter(pk=coe.pk).update(status=Status.DRAFT, submitted_at=None)
    return Coe.objects.get(pk=coe.pk)


# List and creation


def test_list_shows_my_drafts_above_everything_newest_first(client, author):
    theirs = services.coe_create(title="Their draft", team=TeamFactory(), actor=UserFactory())
    mine = services.coe_create(title="My draft", team=TeamFactory(), actor=author)
    newest = services.coe_create(title="Newest, theirs", team=TeamFactory(), actor=UserFactory())
    # Others' drafts are theirs until submitted.
    Coe.objects.filter(pk=newest.pk).update(status=Status.IN_REVIEW)
    response = client.get("/coe/")
    assert [c.title for c in response.context["drafts"]] == [mine.title]
    assert [c.title for c in response.context["rows"]] == [newest.title, mine.title]
    html = response.text
    assert html.index("Your drafts") < html.index(mine.title) < html.index(newest.title)
    assert theirs.title not in html


def test_a_draft_is_read_only_by_its_authors_team_reviewers_and_staff(client, coe, author):
    outsider, member, staff = UserFactory(), UserFactory(), UserFactory(is_staff=True)
    coe.team.members.add(member)
    for person, status in ((outsider, 404), (member, 200), (staff, 200), (author, 200)):
        client.force_login(person)
        for path in ("", "history/", "checklist/", "since-my-review/"):
            assert client.get(f"/coe/{coe.pk}/{path}").status_code == status, (person, path)
        listed = [c.title for c in client.get("/coe/").context["rows"]]
        assert (coe.title in listed) == (status == 200)
    Coe.objects.filter(pk=coe.pk).update(status=Status.IN_REVIEW)
    client.force_login(outsider)
    assert client.get(f"/coe/{coe.pk}/").status_code == 200


def test_list_filters_by_status_team_and_severity(client, author):
    team = TeamFactory(slug="front-door")
    sev2 = services.coe_create(
        title="Sev-2 one",
        team=team,
        actor=author,
        incident=IncidentFactory(severity=2, declared_by=author),
    )
    services.coe_create(
        title="Sev-3 one",
        team=TeamFactory(),
        actor=author,
        incident=IncidentFactory(declared_by=author),
    )
    Coe.objects.filter(pk=sev2.pk).update(status=Status.IN_REVIEW)

    def titles(query):
        return {c.title for c in client.get(f"/coe/?{query}").context["rows"]}

    assert titles("severity=2") == {"Sev-2 one"}
    assert titles("team=front-door") == {"Sev-2 one"}
    assert titles("status=draft") == {"Sev-3 one"}


def test_empty_list_invites_starting_one(client, author):
    response = client.get("/coe/")
    assert "No COEs yet." in response.text
    assert 'href="/coe/new/"' in response.text


def test_new_coe_from_an_incident_is_prefilled(client, author):
    team = TeamFactory()
    incident = IncidentFactory(title="Banana images fail", teams=[team])
    form = client.get(f"/coe/new/?incident={incident.pk}").context["form"]
    assert form["title"].value() == "Banana images fail"
    assert form["incident"].value() == incident.pk
    assert form["team"].value() == team.slug


def test_starting_a_coe_opens_the_editor(client, author):
    team = TeamFactory()
    response = client.post("/coe/new/", {"title": "Gateway outage", "team": team.pk})
    coe = Coe.objects.get()
    assert response["Location"] == f"/coe/{coe.pk}/"
    assert (coe.title, coe.team, coe.status, coe.created_by) == (
        "Gateway outage",
        team,
        Status.DRAFT,
        author,
    )
    assert list(coe.authors.all()) == [author]


def test_empty_title_is_refused(client, author):
    response = client.post("/coe/new/", {"title": " ", "team": TeamFactory().pk})
    assert response.status_code == 422
    assert "This field is required." in response.text
    assert not Coe.objects.exists()


def test_an_incident_that_has_a_coe_cannot_get_another(client, author):
    incident = IncidentFactory(declared_by=author)  # its call leader
    services.coe_create(title="First", team=TeamFactory(), actor=author, incident=incident)
    response = client.post(
        "/coe/new/", {"title": "Second", "team": TeamFactory().pk, "incident": incident.pk}
    )
    assert response.status_code == 422
    assert response.context["form"].errors["incident"]
    assert list(Coe.objects.values_list("title", flat=True)) == ["First"]


# The editor


def test_unknown_coe_is_404(client, author):
    before = fingerprint()
    page = client.get("/coe/999999/")
    refused = client.post("/coe/999999/text/summary/", {"summary-body": "x", "summary-version": 0})
    assert (page.status_code, refused.status_code) == (404, 404)
    assert "There is nothing at this address" in page.text
    assert changed_tables(before) == []


def test_authors_get_the_editor_with_the_checklist(client, coe):
    html = client.get(f"/coe/{coe.pk}/").text
    assert 'name="summary-body"' in html
    assert "Write a summary of what happened." in html
    assert "Submit for review" in html


def test_a_new_item_starts_with_the_coes_team_and_the_reader_as_owner(client, coe, author):
    html = client.get(f"/coe/{coe.pk}/").text
    assert f'name="item-team" value="{coe.team.slug}"' in html
    assert f'name="item-owner" value="{author.username}"' in html


def test_an_incidents_page_names_its_draft_coe_only_to_those_who_may_read_it(client):
    incident = IncidentFactory(title="Checkout down")
    team = TeamFactory(name="Front Door")
    writer = UserFactory()
    coe = CoeFactory(actor=writer, team=team, incident=incident, title="Checkout down, in draft")

    client.force_login(UserFactory())
    page = client.get(incident.get_absolute_url()).text
    assert coe.title not in page
    assert coe.get_absolute_url() not in page
    assert "Front Door is writing its COE: a draft" in page

    client.force_login(writer)
    page = client.get(incident.get_absolute_url()).text
    assert f'<a href="{coe.get_absolute_url()}">{coe.title}</a>' in page


def test_others_read_only(client, coe):
    Coe.objects.filter(pk=coe.pk).update(status=Status.CHANGES_REQUESTED)
    client.force_login(UserFactory())
    html = client.get(f"/coe/{coe.pk}/").text
    assert 'name="summary-body"' not in html
    assert "Submit for review" not in html
    assert "You can read this COE" in html


def test_autosave_answers_with_the_new_version_and_saved_time(client, coe):
    response = client.post(
        f"/coe/{coe.pk}/text/summary/",
        {"summary-body": "A gateway change", "summary-version": 0},
        **HTMX,
    )
    assert response.status_code == 200
    assert 'id="version-summary" value="1" hx-swap-oob="true"' in response.text
    assert 'id="status-summary"' in response.text
    assert "Saved at" in response.text
    assert "coe-changed" in json.loads(response["HX-Trigger"])
    assert _body(coe, "summary") == "A gateway change"


def test_plain_form_save_redirects_back_to_the_section(client, coe):
    response = client.post(
        f"/coe/{coe.pk}/text/summary/", {"summary-body": "A gateway change", "summary-version": 0}
    )
    assert response["Location"] == f"/coe/{coe.pk}/#part-summary"
    assert (_body(coe, "summary"), _version(coe, "summary")) == ("A gateway change", 1)


def test_stale_autosave_shows_both_texts_and_overwrites_nothing(client, coe, author):
    other = UserFactory(first_name="Cleo", last_name="Carter")
    coe.authors.add(other)
    services.coe_text_save(coe=coe, key="summary", body="Cleo's text", base_version=0, actor=other)
    response = client.post(
        f"/coe/{coe.pk}/text/summary/", {"summary-body": "Eli's text", "summary-version": 0}, **HTMX
    )
    assert response.status_code == 409
    assert response["HX-Retarget"] == "#conflict-summary"
    assert response["HX-Reswap"] == "innerHTML"
    assert "Cleo Carter saved this section" in response.text
    assert "Cleo&#x27;s text" in response.text
    assert 'value="1"' in response.text  # the merge button saves over the version now stored
    assert _body(coe, "summary") == "Cleo's text"


def test_stale_plain_save_shows_the_conflict_view_with_both_texts(client, coe):
    other = UserFactory()
    coe.authors.add(other)
    services.coe_text_save(coe=coe, key="lessons", body="Theirs", base_version=0, actor=other)
    response = client.post(
        f"/coe/{coe.pk}/text/lessons/", {"lessons-body": "Mine", "lessons-version": 0}
    )
    assert response.status_code == 409
    assert ">Mine</textarea>" in response.text
    assert ">Theirs</textarea>" in response.text
    assert _body(coe, "lessons") == "Theirs"
    # Saving the merge against the version now stored goes through.
    merged = {"lessons-body": "Mine and theirs", "lessons-version": 1}
    assert client.post(f"/coe/{coe.pk}/text/lessons/", merged).status_code == 302
    assert _body(coe, "lessons") == "Mine and theirs"


def test_a_section_over_100_000_characters_is_refused_with_a_message(client, coe):
    data = {"summary-body": "x" * 100_001, "summary-version": 0}
    response = client.post(f"/coe/{coe.pk}/text/summary/", data, **HTMX)
    assert response.status_code == 422
    assert "a section can hold at most 100,000" in response.text
    assert _body(coe, "summary") == ""


def test_unknown_section_is_404(client, coe):
    before = fingerprint()
    data = {"nonsense-body": "x", "nonsense-version": 0}
    assert client.post(f"/coe/{coe.pk}/text/nonsense/", data).status_code == 404
    assert changed_tables(before) == []


def test_impact_saves_text_and_numbers_together(client, coe):
    data = {
        "impact-body": "Nobody could collect bananas.",
        "impact-version": 0,
        "impact-impact_duration_minutes": 90,
        "impact-customers_affected": 12400,
        "impact-requests_affected": "",
    }
    assert client.post(f"/coe/{coe.pk}/text/impact/", data).status_code == 302
    coe.refresh_from_db()
    assert (coe.impact_duration_minutes, coe.customers_affected, coe.requests_affected) == (
        90,
        12400,
        None,
    )
    assert (_body(coe, "impact"), _version(coe, "impact")) == ("Nobody could collect bananas.", 1)


def test_negative_impact_numbers_are_refused(client, coe):
    data = {"impact-body": "Lots", "impact-version": 0, "impact-customers_affected": -3}
    before = fingerprint()
    response = client.post(f"/coe/{coe.pk}/text/impact/", data)
    assert response.status_code == 422
    assert "Ensure this value is greater than or equal to 0." in response.text
    assert changed_tables(before) == []


def test_preview_renders_sanitised_markdown_and_saves_nothing(client, coe):
    before = fingerprint()
    response = client.post(
        f"/coe/{coe.pk}/preview/", {"summary-body": "**bold** <script>x</script>"}
    )
    assert "<strong>bold</strong>" in response.text
    assert "<script" not in response.text
    assert changed_tables(before) == []


def test_checklist_partial_shrinks_as_sections_are_written(client, coe):
    before = client.get(f"/coe/{coe.pk}/checklist/", **HTMX).text
    assert "Write a summary of what happened." in before
    services.coe_text_save(
        coe=coe, key="summary", body="Done", base_version=0, actor=coe.created_by
    )
    after = client.get(f"/coe/{coe.pk}/checklist/", **HTMX).text
    assert "Write a summary of what happened." not in after
    assert after.lstrip().startswith('<aside id="checklist"')


def test_title_can_be_changed_but_not_emptied(client, coe):
    assert client.post(f"/coe/{coe.pk}/title/", {"title": "Renamed"}).status_code == 302
    coe.refresh_from_db()
    assert coe.title == "Renamed"
    before = fingerprint()
    refused = client.post(f"/coe/{coe.pk}/title/", {"title": ""})
    assert refused.status_code == 422
    assert "This field is required." in refused.text
    assert changed_tables(before) == []


# Timeline and five whys


def test_timeline_entries_are_added_and_removed(client, coe):
    response = client.post(
        f"/coe/{coe.pk}/timeline/",
        {"occurred_at": "2026-11-20T14:02", "text": "Impact began"},
        **HTMX,
    )
    assert response.status_code == 200
    assert "Impact began" in response.text
    entry = coe.timeline_entries.get()
    assert (entry.text, entry.occurred_at) == (
        "Impact began",
        timezone.make_aware(datetime(2026, 11, 20, 14, 2)),
    )
    client.post(f"/coe/{coe.pk}/timeline/{entry.pk}/delete/")
    assert not coe.timeline_entries.exists()


def test_timeline_entry_needs_a_valid_time(client, coe):
    response = client.post(f"/coe/{coe.pk}/timeline/", {"occurred_at": "soon", "text": "x"}, **HTMX)
    assert response.status_code == 422
    assert "Enter a date and time." in response.text
    assert not coe.timeline_entries.exists()


def test_incident_timeline_is_copied_in_one_click(client, author):
    incident = IncidentFactory(declared_by=author)
    TimelineEntryFactory.create_batch(3, incident=incident)
    coe = services.coe_create(title="X", team=TeamFactory(), actor=author, incident=incident)
    client.post(f"/coe/{coe.pk}/timeline/copy/")
    client.post(f"/coe/{coe.pk}/timeline/copy/")
    copied = list(coe.timeline_entries.values_list("occurred_at", "text"))
    assert copied == list(incident.timeline.values_list("occurred_at", "text"))
    assert len(copied) == 3  # the second click copied nothing again


def test_a_factor_chain_is_saved_in_order(client, coe):
    client.post(f"/coe/{coe.pk}/factors/")
    factor = ContributingFactor.objects.get(coe=coe)
    prefix = f"factor{factor.pk}"
    data = {
        f"{prefix}-title": "No canary",
        f"{prefix}-category": "deployment",
        f"{prefix}-version": 0,
    }
    for n in range(1, 4):
        data[f"{prefix}-why_{n}"] = f"Why {n}?"
        data[f"{prefix}-because_{n}"] = f"Because {n}."
    response = client.post(f"/coe/{coe.pk}/factors/{factor.pk}/", data, **HTMX)
    assert response.status_code == 200
    factor.refresh_from_db()
    assert (factor.title, factor.category, factor.version) == ("No canary", "deployment", 1)
    assert [(s.position, s.why, s.because) for s in factor.steps.all()] == [
        (n, f"Why {n}?", f"Because {n}.") for n in range(1, 4)
    ]
    assert "Factor 1 (No canary) goes 3 whys deep" in client.get(f"/coe/{coe.pk}/").text


def test_stale_factor_save_keeps_both_chains(client, coe, author):
    factor = services.factor_add(coe=coe, actor=author)
    services.factor_save(
        factor=factor, actor=author, base_version=0, title="Theirs", category="other",
        steps=[("Why A?", "Because theirs.")],
    )  # fmt: skip
    prefix = f"factor{factor.pk}"
    data = {
        f"{prefix}-title": "Mine",
        f"{prefix}-category": "other",
        f"{prefix}-version": 0,
        f"{prefix}-why_1": "Why B?",
        f"{prefix}-because_1": "Because mine.",
    }
    response = client.post(f"/coe/{coe.pk}/factors/{factor.pk}/", data, **HTMX)
    assert response.status_code == 409
    assert "Because theirs." in response.text
    assert "Because mine." in response.text
    assert [s.because for s in factor.steps.all()] == ["Because theirs."]


# Blameless findings and submission


def test_findings_are_shown_with_a_suggestion_and_can_be_kept_with_a_reason(client, coe):
    services.coe_text_save(
        coe=coe, key="lessons", body="It was operator error.", base_version=0, actor=coe.created_by
    )
    html = client.get(f"/coe/{coe.pk}/").text
    assert "“operator error”" in html
    finding = client.get(f"/coe/{coe.pk}/").context["findings"][0]["finding"]
    refused = client.post(
        f"/coe/{coe.pk}/acknowledge/", {"fingerprint": finding.fingerprint, "reason": ""}, **HTMX
    )
    assert refused.status_code == 422
    assert "Say why this wording should stay." in refused.text
    assert not BlamelessAcknowledgement.objects.exists()
    kept = client.post(
        f"/coe/{coe.pk}/acknowledge/",
        {"fingerprint": finding.fingerprint, "reason": "Quoting the customer's ticket"},
        **HTMX,
    )
    assert kept.status_code == 200
    assert "Quoting the customer&#x27;s ticket" in kept.text
    saved = BlamelessAcknowledgement.objects.get()
    assert (saved.coe, saved.fingerprint, saved.reason, saved.acknowledged_by) == (
        coe,
        finding.fingerprint,
        "Quoting the customer's ticket",
        coe.created_by,
    )


def test_submit_is_refused_back_on_the_coes_own_page_naming_what_is_missing(client, coe):
    response = client.post(f"/coe/{coe.pk}/submit/", follow=True)
    assert response.redirect_chain == [(f"/coe/{coe.pk}/?submit=refused#checklist", 302)]
    assert 'data-testid="submit-refused"' in response.text
    assert "Not submitted:" in response.text
    assert "Write a summary of what happened." in response.text
    coe.refresh_from_db()
    assert coe.status == Status.DRAFT


def test_complete_coe_is_submitted_and_becomes_read_only(client, demo):
    coe = _complete_draft()
    client.force_login(coe.created_by)
    assert client.post(f"/coe/{coe.pk}/submit/").status_code == 302
    coe.refresh_from_db()
    assert coe.status == Status.IN_REVIEW
    assert 'name="summary-body"' not in client.get(f"/coe/{coe.pk}/").text
    summary = _body(coe, "summary")
    data = {"summary-body": "late edit", "summary-version": _version(coe, "summary")}
    refused = client.post(f"/coe/{coe.pk}/text/summary/", data)
    assert refused.status_code == 403
    assert "This COE is in review; it can be edited as a draft or when" in refused.text
    assert _body(coe, "summary") == summary


@pytest.mark.parametrize(
    ("path", "data"),
    [
        ("text/summary/", {"summary-body": "x", "summary-version": 0}),
        ("title/", {"title": "x"}),
        ("timeline/", {"occurred_at": "2026-11-20T14:02", "text": "x"}),
        ("factors/", {}),
        ("acknowledge/", {"fingerprint": "x", "reason": "y"}),
        ("submit/", {}),
        ("preview/", {"summary-body": "x"}),
    ],
)
def test_people_outside_the_coe_get_403_on_every_write(client, coe, path, data):
    client.force_login(UserFactory(is_staff=True))
    before = fingerprint()
    response = client.post(f"/coe/{coe.pk}/{path}", data)
    assert response.status_code == 403
    assert NOT_AN_EDITOR in response.text
    assert changed_tables(before) == []


def test_members_of_the_owning_team_can_edit(client, coe):
    member = UserFactory()
    coe.team.members.add(member)
    client.force_login(member)
    data = {"summary-body": "From the team", "summary-version": 0}
    assert client.post(f"/coe/{coe.pk}/text/summary/", data).status_code == 302
    summary = CoeText.objects.get(coe=coe, key="summary")
    assert (summary.body, summary.version) == ("From the team", 1)
    assert summary.history.latest().history_user == member


def test_demo_draft_shows_gaps_and_a_blameless_finding(client, demo):
    coe = Coe.objects.get(status=Status.DRAFT)
    client.force_login(coe.created_by)
    html = client.get(f"/coe/{coe.pk}/").text
    assert "goes 3 whys deep" in html
    assert "“should have known”" in html


def test_a_conflict_already_on_screen_is_not_redrawn(client, coe):
    other = UserFactory()
    coe.authors.add(other)
    services.coe_text_save(coe=coe, key="summary", body="Theirs", base_version=0, actor=other)
    data = {"summary-body": "Mine, still typing", "summary-version": 0, "summary-conflict-seen": 1}
    response = client.post(f"/coe/{coe.pk}/text/summary/", data, **HTMX)
    assert response.status_code == 409
    assert response["HX-Reswap"] == "none"
    assert _body(coe, "summary") == "Theirs"


def test_history_shows_who_changed_which_section_as_a_diff(client, coe, author):
    other = UserFactory(first_name="Cleo", last_name="Carter")
    coe.authors.add(other)
    services.coe_text_save(
        coe=coe, key="summary", body="Line one\nLine two", base_version=0, actor=author
    )
    services.coe_text_save(
        coe=coe, key="summary", body="Line one\nLine 2", base_version=1, actor=other
    )
    Coe.objects.filter(pk=coe.pk).update(status=Status.IN_REVIEW)
    client.force_login(UserFactory())  # anyone signed in can read how a COE came to be
    response = client.get(f"/coe/{coe.pk}/history/")
    changes = response.context["changes"]
    assert [c["record"].history_user for c in changes] == [other, author]
    assert "-Line two" in changes[0]["lines"]
    assert "+Line 2" in changes[0]["lines"]
    assert '<span class="diff-added">+Line 2</span>' in response.text
    assert "Cleo Carter" in response.text


def test_search_finds_coes_by_words_in_any_section(client, author):
    gateway = services.coe_create(title="Gateway outage", team=TeamFactory(), actor=author)
    services.coe_text_save(
        coe=gateway,
        key="lessons",
        body="Test configuration end to end.",
        base_version=0,
        actor=author,
    )
    services.coe_create(title="Storage latency", team=TeamFactory(), actor=author)
    titles = [c.title for c in client.get("/coe/?q=END TO END").context["rows"]]
    assert titles == ["Gateway outage"]
    titles = [c.title for c in client.get("/coe/?q=latency").context["rows"]]
    assert titles == ["Storage latency"]


def test_coes_are_found_by_service_and_contributing_factor_category(client, author):
    from tests.org.factories import ServiceFactory

    gateway = ServiceFactory(name="BananaStand API Gateway")
    incident = IncidentFactory(declared_by=author)
    incident.services.set([gateway])
    about_gateway = services.coe_create(
        title="Gateway outage", team=TeamFactory(), actor=author, incident=incident
    )
    services.factor_add(coe=about_gateway, actor=author, category="configuration")
    services.coe_create(title="Other", team=TeamFactory(), actor=author)

    def titles(query):
        return [c.title for c in client.get(f"/coe/?{query}").context["rows"]]

    assert titles(f"service={gateway.pk}") == ["Gateway outage"]
    assert titles("category=configuration") == ["Gateway outage"]
    assert titles("category=capacity") == []
