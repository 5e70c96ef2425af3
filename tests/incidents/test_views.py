from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from django.core import mail
from django.utils import timezone

from incidents.gate import ResolutionBlocker, register_blocker_source, unregister_blocker_source
from incidents.models import Incident, Severity, Status, TimelineEntry
from tests.fuzz.checks import changed_tables, fingerprint
from tests.org.factories import TeamFactory, UserFactory

from .factories import CallLeaderFactory, IncidentFactory, TimelineEntryFactory

pytestmark = pytest.mark.django_db

NOW = datetime(2026, 11, 26, 10, 0, tzinfo=UTC)
HTMX = {"HTTP_HX_REQUEST": "true"}
NOT_WORKING_IT = (
    "Only the call leader, members of engaged teams and staff can change this incident."
)
NOT_THE_AUTHOR = "Only the author can edit this timeline entry."
NOT_THE_CALL_LEADER = "Only the call leader can gate production changes."


@pytest.fixture
def leader(client):
    """A signed-in call leader on the roster."""
    user = CallLeaderFactory().user
    client.force_login(user)
    return user


@pytest.fixture
def incident(leader):
    return IncidentFactory(call_leader=leader, declared_by=leader)


@pytest.fixture
def blocked_items():
    """Titles of blockers per incident id, fed to the gate through its own interface."""
    items: dict[int, list[str]] = {}

    def source(incident):
        return [
            ResolutionBlocker(title=title, url=f"/actions/{n}/", reason="short-term item not done")
            for n, title in enumerate(items.get(incident.pk, []))
        ]

    register_blocker_source(source)
    yield items
    unregister_blocker_source(source)


# The list


def test_list_puts_open_incidents_first_then_most_severe(client, leader):
    resolved = IncidentFactory(title="Resolved Sev-1", severity=1, status=Status.RESOLVED)
    resolved.mitigated_at = resolved.resolved_at = resolved.detected_at
    resolved.save()
    IncidentFactory(title="Open Sev-4", severity=4)
    IncidentFactory(title="Open Sev-2", severity=2, call_leader=leader)
    IncidentFactory(title="Mitigated Sev-1", severity=1, status=Status.MITIGATED)
    titles = [i.title for i in client.get("/incidents/").context["page"].object_list]
    assert titles == ["Open Sev-2", "Open Sev-4", "Mitigated Sev-1", "Resolved Sev-1"]


def test_list_filters_by_status_severity_and_team(client, leader):
    team = TeamFactory(slug="front-door")
    IncidentFactory(title="Gateway", severity=2, teams=[team])
    IncidentFactory(title="Storage", severity=3)
    done = IncidentFactory(title="Old", severity=2, status=Status.RESOLVED, teams=[team])
    done.mitigated_at = done.resolved_at = done.detected_at
    done.save()

    def titles(query):
        return {i.title for i in client.get(f"/incidents/?{query}").context["page"].object_list}

    assert titles("status=open") == {"Gateway", "Storage"}
    assert titles("status=resolved") == {"Old"}
    assert titles("severity=2") == {"Gateway", "Old"}
    assert titles("team=front-door&status=open") == {"Gateway"}


def test_unknown_filter_values_are_ignored_not_an_error(client, leader):
    IncidentFactory(title="Gateway")
    response = client.get("/incidents/?severity=9&team=nope&status=bogus&page=abc")
    assert response.status_code == 200
    assert [i.title for i in response.context["page"].object_list] == ["Gateway"]


def test_list_is_paginated(client, leader):
    IncidentFactory.create_batch(30)
    first = client.get("/incidents/")
    assert len(first.context["page"].object_list) == 25
    assert "Page 1 of 2" in first.text
    assert len(client.get("/incidents/?page=2").context["page"].object_list) == 5


def test_empty_list_invites_declaring(client, leader):
    response = client.get("/incidents/")
    assert "No incidents have been declared." in response.text
    assert 'href="/incidents/new/"' in response.text


def _list_queries(client, django_assert_max_num_queries, count):
    teams = TeamFactory.create_batch(2)
    for _ in range(count):
        incident = IncidentFactory(severity=2, teams=teams)
        TimelineEntryFactory(incident=incident)
    with django_assert_max_num_queries(100) as captured:
        client.get("/incidents/")
    return len(captured.captured_queries)


def test_list_runs_the_same_number_of_queries_for_5_and_50_incidents(
    client, leader, django_assert_max_num_queries
):
    few = _list_queries(client, django_assert_max_num_queries, 5)
    Incident.objects.all().delete()
    many = _list_queries(client, django_assert_max_num_queries, 50)
    assert few == many


# Declaring


def test_declare_page_explains_each_severity(client, leader):
    response = client.get("/incidents/new/")
    assert "Sev-1: Critical" in response.text
    assert "Sev-5: Informational" in response.text


def test_declaring_opens_the_incident_with_the_declarer_as_call_leader(client):
    me = UserFactory()
    client.force_login(me)
    response = client.post(
        "/incidents/new/", {"title": "Bananas stuck", "severity": 3, "call_leader": me.pk}
    )
    incident = Incident.objects.get()
    assert response["Location"] == f"/incidents/{incident.pk}/"
    assert (incident.call_leader, incident.declared_by, incident.status) == (
        me,
        me,
        Status.INVESTIGATING,
    )


def test_declare_form_suggests_the_declarer_as_call_leader(client, leader):
    page = client.get("/incidents/new/")
    assert page.context["form"]["call_leader"].value() == leader.username
    assert f'name="call_leader" value="{leader.username}"' in page.text


def test_major_incident_needs_a_rostered_call_leader(client):
    me = UserFactory(first_name="Eli", last_name="Engel")
    client.force_login(me)
    response = client.post(
        "/incidents/new/", {"title": "All down", "severity": 1, "call_leader": me.pk}
    )
    assert response.status_code == 422
    assert "Sev-1 incidents are led by someone on the call-leader roster" in response.text
    assert not Incident.objects.exists()


@time_machine.travel(NOW, tick=False)
@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("detected_at", "2026-11-26T12:00", "The time detected cannot be in the future."),
        ("detected_at", "yesterday-ish", "Enter the time detected as a date and time."),
        (
            "impact_started_at",
            "2026-13-45T99:00",
            "Enter the time impact started as a date and time.",
        ),
    ],
)
def test_bad_times_are_refused_naming_the_field(client, leader, field, value, message):
    data = {"title": "Bananas stuck", "severity": 3, "call_leader": leader.pk, field: value}
    response = client.post("/incidents/new/", data)
    assert response.status_code == 422
    assert message in response.text
    assert not Incident.objects.exists()


@time_machine.travel(NOW, tick=False)
def test_impact_cannot_start_after_detection(client, leader):
    data = {
        "title": "Bananas stuck",
        "severity": 3,
        "call_leader": leader.pk,
        "impact_started_at": "2026-11-26T09:30",
        "detected_at": "2026-11-26T09:00",
    }
    response = client.post("/incidents/new/", data)
    assert response.status_code == 422
    assert "The time detected cannot be before the time impact started." in response.text
    assert not Incident.objects.exists()


def test_empty_title_is_refused(client, leader):
    response = client.post(
        "/incidents/new/", {"title": "  ", "severity": 3, "call_leader": leader.pk}
    )
    assert response.status_code == 422
    assert "This field is required." in response.text
    assert not Incident.objects.exists()


# The incident page


def test_unknown_incident_is_404(client, leader):
    before = fingerprint()
    page = client.get("/incidents/999999/")
    refused = client.post("/incidents/999999/mitigate/")
    assert (page.status_code, refused.status_code) == (404, 404)
    assert "There is nothing at this address" in page.text
    assert changed_tables(before) == []


def test_open_incident_puts_mitigation_before_everything_else(client, incident):
    html = client.get(f"/incidents/{incident.pk}/").text
    assert "Mitigate impact" in html
    assert html.index("Mitigate impact") < html.index("Timeline") < html.index("Times")


def test_incident_page_shows_derived_times(client, leader):
    start = timezone.now() - timedelta(hours=3)
    incident = IncidentFactory(
        call_leader=leader,
        status=Status.RESOLVED,
        impact_started_at=start,
        detected_at=start + timedelta(minutes=5),
        mitigated_at=start + timedelta(minutes=90),
        resolved_at=start + timedelta(minutes=120),
    )
    html = client.get(f"/incidents/{incident.pk}/").text
    assert "<dd>5 min</dd>" in html  # to detect
    assert "<dd>1 h 25 min</dd>" in html  # to mitigate
    assert "<dd>1 h 55 min</dd>" in html  # to resolve
    assert "<dd>1 h 30 min</dd>" in html  # impact


def test_times_show_in_site_time_zone_with_utc_on_hover(client, leader, settings):
    settings.TIME_ZONE = "America/New_York"
    when = datetime(2026, 11, 20, 15, 0, tzinfo=UTC)
    incident = IncidentFactory(call_leader=leader, impact_started_at=when, detected_at=when)
    html = client.get(f"/incidents/{incident.pk}/").text
    assert 'title="2026-11-20 15:00:00 UTC">20 Nov 2026, 10:00 EST</time>' in html


def test_customer_impact_markdown_is_rendered_and_sanitised(client, leader):
    incident = IncidentFactory(
        call_leader=leader, customer_impact="**41,000** failures <script>alert(1)</script>"
    )
    html = client.get(f"/incidents/{incident.pk}/").text
    assert "<strong>41,000</strong>" in html
    assert "<script>alert(1)" not in html


# Status changes, with and without htmx


def test_mitigate_without_htmx_redirects_back_to_the_incident(client, incident):
    response = client.post(f"/incidents/{incident.pk}/mitigate/", {"note": "Rolled back"})
    assert response.status_code == 302
    incident.refresh_from_db()
    assert incident.status == Status.MITIGATED
    assert incident.timeline.filter(text__contains="Rolled back").exists()


def test_mitigate_with_htmx_returns_the_updated_incident_fragment(client, incident):
    response = client.post(f"/incidents/{incident.pk}/mitigate/", {}, **HTMX)
    assert response.status_code == 200
    assert "<html" not in response.text
    assert 'id="incident"' in response.text
    assert "Resolve incident" in response.text
    incident.refresh_from_db()
    assert incident.status == Status.MITIGATED
    assert incident.mitigated_at is not None
    assert incident.timeline.filter(kind=TimelineEntry.Kind.STATUS).count() == 1


@time_machine.travel(NOW, tick=False)
def test_mitigation_time_in_the_future_is_refused(client, leader):
    incident = IncidentFactory(call_leader=leader)
    response = client.post(
        f"/incidents/{incident.pk}/mitigate/", {"mitigated_at": "2026-11-26T11:00"}
    )
    assert response.status_code == 422
    assert "The time mitigated cannot be in the future." in response.text
    incident.refresh_from_db()
    assert incident.status == Status.INVESTIGATING


def test_resolve_before_mitigating_is_refused(client, incident):
    before = fingerprint()
    response = client.post(f"/incidents/{incident.pk}/resolve/", {})
    assert response.status_code == 422
    assert changed_tables(before) == []
    incident.refresh_from_db()
    assert incident.status == Status.INVESTIGATING


@pytest.mark.parametrize(
    ("first", "path", "data", "message"),
    [
        (None, "resolve/", {}, "Mitigate impact first: record when customer impact stopped."),
        ("mitigate/", "mitigate/", {}, "This incident is already mitigated."),
        (None, "reopen/", {"reason": "5xx again"}, "This incident is already being investigated."),
    ],
    ids=["resolve before mitigating", "mitigate twice", "reopen while investigating"],
)
def test_a_status_change_from_the_wrong_state_says_why(
    client, incident, first, path, data, message
):
    # A page left open in another tab, or a double click, sends these.
    if first:
        client.post(f"/incidents/{incident.pk}/{first}", {})
    before = Incident.objects.values().get(pk=incident.pk)
    response = client.post(f"/incidents/{incident.pk}/{path}", data)
    in_place = client.post(f"/incidents/{incident.pk}/{path}", data, **HTMX)
    assert response.status_code == in_place.status_code == 422
    assert response.text.count(message) == in_place.text.count(message) == 1
    assert Incident.objects.values().get(pk=incident.pk) == before


def test_resolve_is_refused_naming_each_blocking_item_with_a_link(client, incident, blocked_items):
    client.post(f"/incidents/{incident.pk}/mitigate/", {})
    blocked_items[incident.pk] = ["Add a canary for gateway config"]
    response = client.post(f"/incidents/{incident.pk}/resolve/", {}, **HTMX)
    assert response.status_code == 422
    assert "Not resolved: finish the short-term items below first." in response.text
    assert '<a href="/actions/0/">Add a canary for gateway config</a>' in response.text
    incident.refresh_from_db()
    assert incident.status == Status.MITIGATED


def test_mitigated_page_shows_blockers_before_anyone_tries(client, incident, blocked_items):
    client.post(f"/incidents/{incident.pk}/mitigate/", {})
    blocked_items[incident.pk] = ["Add a canary for gateway config"]
    assert "Add a canary for gateway config" in client.get(f"/incidents/{incident.pk}/").text


def test_resolve_succeeds_once_blockers_are_done(client, incident, blocked_items):
    client.post(f"/incidents/{incident.pk}/mitigate/", {})
    blocked_items[incident.pk] = ["Add a canary"]
    client.post(f"/incidents/{incident.pk}/resolve/", {})
    blocked_items[incident.pk] = []
    assert client.post(f"/incidents/{incident.pk}/resolve/", {}).status_code == 302
    incident.refresh_from_db()
    assert incident.status == Status.RESOLVED
    assert incident.resolved_at is not None


def test_reopen_needs_a_reason(client, incident):
    client.post(f"/incidents/{incident.pk}/mitigate/", {})
    before = fingerprint()
    response = client.post(f"/incidents/{incident.pk}/reopen/", {"reason": ""})
    assert response.status_code == 422
    assert "This field is required." in response.text
    assert changed_tables(before) == []
    assert (
        client.post(f"/incidents/{incident.pk}/reopen/", {"reason": "5xx again"}).status_code == 302
    )
    incident.refresh_from_db()
    assert incident.status == Status.INVESTIGATING
    assert incident.timeline.filter(text__contains="5xx again").exists()


def test_status_changes_are_post_only(client, incident):
    before = fingerprint()
    assert client.get(f"/incidents/{incident.pk}/mitigate/").status_code == 405
    assert changed_tables(before) == []


# Timeline


def test_adding_an_entry_with_htmx_returns_the_timeline_with_it(client, incident):
    response = client.post(
        f"/incidents/{incident.pk}/timeline/", {"text": "Error rate falling"}, **HTMX
    )
    assert response.status_code == 200
    assert response.text.lstrip().startswith('<section id="timeline"')
    assert "Error rate falling" in response.text
    assert _notes(incident) == [("Error rate falling", incident.call_leader)]


def test_adding_an_entry_without_htmx_redirects_to_the_timeline(client, incident):
    response = client.post(f"/incidents/{incident.pk}/timeline/", {"text": "Error rate falling"})
    assert response["Location"] == f"/incidents/{incident.pk}/#timeline"
    assert _notes(incident) == [("Error rate falling", incident.call_leader)]


def _notes(incident) -> list[tuple]:
    """The notes people wrote on the incident's timeline, with their authors."""
    notes = incident.timeline.filter(kind=TimelineEntry.Kind.NOTE).select_related("author")
    return [(entry.text, entry.author) for entry in notes]


@time_machine.travel(NOW, tick=False)
def test_entries_can_be_back_dated_and_are_ordered_by_event_time(client, leader):
    incident = IncidentFactory(call_leader=leader, declared_by=leader)  # impact began 09:40
    client.post(
        f"/incidents/{incident.pk}/timeline/", {"text": "Later", "occurred_at": "2026-11-26T09:58"}
    )
    client.post(
        f"/incidents/{incident.pk}/timeline/",
        {"text": "Earlier", "occurred_at": "2026-11-26T09:45"},
    )
    notes = incident.timeline.filter(kind=TimelineEntry.Kind.NOTE)
    assert [e.text for e in notes] == ["Earlier", "Later"]


def test_empty_entry_is_refused_with_a_message(client, incident):
    response = client.post(f"/incidents/{incident.pk}/timeline/", {"text": " "}, **HTMX)
    assert response.status_code == 422
    assert "This field is required." in response.text
    assert _notes(incident) == []


@time_machine.travel(NOW, tick=False)
def test_future_entry_is_refused(client, incident):
    data = {"text": "Prophecy", "occurred_at": "2026-11-26T12:00"}
    response = client.post(f"/incidents/{incident.pk}/timeline/", data, **HTMX)
    assert response.status_code == 422
    assert "A timeline entry cannot be in the future." in response.text
    assert _notes(incident) == []


def test_author_edits_their_entry_in_place(client, incident, leader):
    entry = TimelineEntryFactory(incident=incident, author=leader, text="Typo")
    form = client.get(f"/incidents/{incident.pk}/timeline/{entry.pk}/edit/", **HTMX)
    assert "<form" in form.text
    assert "<html" not in form.text
    data = {
        "text": "Fixed",
        "occurred_at": timezone.localtime(entry.occurred_at).strftime("%Y-%m-%dT%H:%M"),
    }
    response = client.post(f"/incidents/{incident.pk}/timeline/{entry.pk}/edit/", data, **HTMX)
    assert response.text.lstrip().startswith(f'<li id="entry-{entry.pk}"')
    assert "Fixed" in response.text
    assert "edited" in response.text
    entry.refresh_from_db()
    assert (entry.text, entry.author) == ("Fixed", leader)
    assert entry.edited_at is not None


def _edit_refused(client, incident, entry, status):
    """Neither the form nor a posted edit of `entry` gets through; returns the refusal."""
    path = f"/incidents/{incident.pk}/timeline/{entry.pk}/edit/"
    data = {
        "text": "Rewritten",
        "occurred_at": timezone.localtime(entry.occurred_at).strftime("%Y-%m-%dT%H:%M"),
    }
    before = fingerprint()
    form, refused = client.get(path), client.post(path, data)
    assert (form.status_code, refused.status_code) == (status, status)
    assert changed_tables(before) == []
    return refused


def test_others_cannot_edit_an_entry(client, incident):
    entry = TimelineEntryFactory(incident=incident)
    assert NOT_THE_AUTHOR in _edit_refused(client, incident, entry, 403).text


def test_status_entries_cannot_be_edited_even_by_their_author(client, incident, leader):
    entry = TimelineEntryFactory(incident=incident, author=leader, kind=TimelineEntry.Kind.STATUS)
    assert NOT_THE_AUTHOR in _edit_refused(client, incident, entry, 403).text


def test_entry_of_another_incident_is_404(client, incident, leader):
    other = TimelineEntryFactory(author=leader)
    _edit_refused(client, incident, other, 404)


# Permissions


@pytest.mark.parametrize(
    ("path", "data"),
    [
        ("mitigate/", {}),
        ("resolve/", {}),
        ("reopen/", {"reason": "x"}),
        ("timeline/", {"text": "x"}),
        ("engage/", {"team": ""}),
        ("gate/", {"gated": "1"}),
        ("edit/", {}),
    ],
)
def test_people_outside_the_incident_get_403(client, path, data):
    incident = IncidentFactory()
    client.force_login(UserFactory())
    before = fingerprint()
    response = client.post(f"/incidents/{incident.pk}/{path}", data)
    assert response.status_code == 403
    assert (NOT_THE_CALL_LEADER if path == "gate/" else NOT_WORKING_IT) in response.text
    assert changed_tables(before) == []


def test_outsiders_can_read_but_see_no_controls(client):
    incident = IncidentFactory()
    client.force_login(UserFactory())
    html = client.get(f"/incidents/{incident.pk}/").text
    assert "Impact is mitigated" not in html
    assert "Add to timeline" not in html


def test_members_of_engaged_teams_can_work_the_incident(client):
    member = UserFactory()
    incident = IncidentFactory(teams=[TeamFactory(members=[member])])
    client.force_login(member)
    assert client.post(f"/incidents/{incident.pk}/timeline/", {"text": "On it"}).status_code == 302
    assert _notes(incident) == [("On it", member)]


# Engagement, the banner, the gate


def test_engaging_a_team_emails_its_members_after_commit(
    client, incident, django_capture_on_commit_callbacks
):
    team = TeamFactory(
        members=[UserFactory(email="ana@example.com"), UserFactory(email="bo@example.com")]
    )
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(f"/incidents/{incident.pk}/engage/", {"team": team.pk})
    assert response.status_code == 302
    assert list(incident.teams.all()) == [team]
    assert sorted(m.to[0] for m in mail.outbox) == ["ana@example.com", "bo@example.com"]
    assert incident.title in mail.outbox[0].subject


def test_engaging_a_team_twice_is_refused(client, incident, django_capture_on_commit_callbacks):
    team = TeamFactory(name="Banana Storage", members=[UserFactory(email="ana@example.com")])
    with django_capture_on_commit_callbacks(execute=True):
        client.post(f"/incidents/{incident.pk}/engage/", {"team": team.slug})
        before = fingerprint()
        response = client.post(f"/incidents/{incident.pk}/engage/", {"team": "banana storage"})
    assert response.status_code == 422
    assert "No team that is not yet engaged is called “banana storage”." in response.text
    assert changed_tables(before) == []
    assert list(incident.teams.all()) == [team]
    assert [m.to for m in mail.outbox] == [["ana@example.com"]]  # emailed once, not twice


def test_every_page_names_open_major_incidents(client, leader):
    IncidentFactory(title="Bananas unavailable", severity=Severity.SEV2, call_leader=leader)
    IncidentFactory(title="Minor glitch", severity=Severity.SEV4)
    for path in ["/", "/teams/", "/coe/"]:
        html = client.get(path).text
        assert "Bananas unavailable" in html
        assert "Minor glitch" not in html


def test_banner_goes_once_the_major_incident_is_resolved(client, incident):
    incident.severity = Severity.SEV2
    incident.status = Status.RESOLVED
    incident.mitigated_at = incident.resolved_at = incident.detected_at
    incident.save()
    assert "Open major incidents" not in client.get("/").text


def test_banner_and_list_flag_a_major_incident_whose_update_is_overdue(client, leader):
    with time_machine.travel(NOW, tick=False):
        incident = IncidentFactory(severity=Severity.SEV2, call_leader=leader, declared_at=NOW)
        TimelineEntryFactory(incident=incident, created_at=NOW)
    with time_machine.travel(NOW + timedelta(minutes=31), tick=False):
        assert "update overdue" in client.get("/").text
        assert "update overdue" in client.get("/incidents/").text
        assert "Update overdue" in client.get(f"/incidents/{incident.pk}/").text
    with time_machine.travel(NOW + timedelta(minutes=29), tick=False):
        assert "update overdue" not in client.get("/").text


def test_call_leader_gates_production_changes_and_the_banner_says_so(client, leader):
    incident = IncidentFactory(severity=Severity.SEV2, call_leader=leader)
    client.post(f"/incidents/{incident.pk}/gate/", {"gated": "1"})
    assert "production changes are gated" in client.get("/teams/").text
    incident.refresh_from_db()
    assert incident.changes_gated_by == leader
    client.post(f"/incidents/{incident.pk}/gate/", {"gated": "0"})
    assert "production changes are gated" not in client.get("/teams/").text
    texts = list(incident.timeline.values_list("text", flat=True))
    assert any(t.startswith("Production changes gated by") for t in texts)
    assert any(t.startswith("Production change gate lifted by") for t in texts)


def test_team_members_cannot_gate_production_changes(client):
    member = UserFactory()
    incident = IncidentFactory(teams=[TeamFactory(members=[member])])
    client.force_login(member)
    before = fingerprint()
    response = client.post(f"/incidents/{incident.pk}/gate/", {"gated": "1"})
    assert response.status_code == 403
    assert NOT_THE_CALL_LEADER in response.text
    assert changed_tables(before) == []


# Editing details


def test_raising_severity_is_recorded_on_the_timeline(client, incident):
    data = {
        "title": incident.title,
        "severity": 2,
        "call_leader": incident.call_leader_id,
        "impact_started_at": timezone.localtime(incident.impact_started_at).strftime(
            "%Y-%m-%dT%H:%M"
        ),
        "detected_at": timezone.localtime(incident.detected_at).strftime("%Y-%m-%dT%H:%M"),
    }
    assert client.post(f"/incidents/{incident.pk}/edit/", data).status_code == 302
    incident.refresh_from_db()
    assert incident.severity == Severity.SEV2
    assert incident.timeline.filter(
        text__startswith="Severity changed from Sev-3 to Sev-2"
    ).exists()


# The roster


def test_roster_shows_leaders_their_shadows_and_the_events_they_led(client):
    shadow = UserFactory(first_name="Sam", last_name="Shadow")
    leader = CallLeaderFactory(user__first_name="Cleo", user__last_name="Carter", shadows=[shadow])
    IncidentFactory(title="Gateway outage", call_leader=leader.user)
    client.force_login(UserFactory())
    html = client.get("/incidents/call-leaders/").text
    assert "Cleo Carter" in html
    assert "Sam Shadow" in html
    assert "Gateway outage" in html


def test_dashboard_lists_the_open_incidents_i_am_on(client):
    me = UserFactory()
    client.force_login(me)
    IncidentFactory(title="I lead this", call_leader=me)
    IncidentFactory(title="My team is on it", teams=[TeamFactory(members=[me])])
    IncidentFactory(title="Someone else's")
    html = client.get("/").text
    assert "I lead this" in html
    assert "My team is on it" in html
    assert "Someone else&#x27;s" not in html


def test_incident_page_links_its_coe_or_offers_to_start_one(client, leader):
    from coe.services import coe_create

    incident = IncidentFactory(severity=Severity.SEV2, call_leader=leader)
    html = client.get(f"/incidents/{incident.pk}/").text
    assert "A Sev-2 needs a COE." in html
    assert f'href="/coe/new/?incident={incident.pk}"' in html
    coe = coe_create(title="Gateway outage", team=TeamFactory(), actor=leader, incident=incident)
    assert f'href="/coe/{coe.pk}/"' in client.get(f"/incidents/{incident.pk}/").text
