from datetime import timedelta
from pathlib import Path
from unittest.mock import patch

import pytest
from django.contrib.staticfiles import finders
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from django.utils.html import escape

from coe import services as coe_services
from coe.models import CoeTemplateSettings
from incidents.models import Severity
from opsreview.actions.models import ActionItem
from opsreview.meetings import services
from opsreview.meetings.models import (
    DeepDive,
    MeetingSection,
    MeetingStatus,
    OpsMeeting,
    Win,
    iso_week,
)
from opsreview.meetings.services import RUN_REFUSED
from tests.fuzz.checks import changed_tables, fingerprint
from tests.incidents.factories import IncidentFactory
from tests.org.factories import TeamFactory, UserFactory

pytestmark = pytest.mark.django_db

HTMX = {"HTTP_HX_REQUEST": "true"}


@pytest.fixture
def leader(client):
    user = UserFactory(first_name="Lena", last_name="Lead")
    client.force_login(user)
    return user


@pytest.fixture
def meeting(leader) -> OpsMeeting:
    meeting, _ = services.meeting_prepare(actor=leader)
    return meeting


@pytest.fixture
def other(client):
    return UserFactory(first_name="Otto", last_name="Other")


def _section(meeting, key="success") -> MeetingSection:
    return MeetingSection.objects.get(meeting=meeting, key=key)


def _notes(meeting, key="success", notes="", decisions="", version=None) -> dict:
    if version is None:
        version = _section(meeting, key).version
    return {f"{key}-notes": notes, f"{key}-decisions": decisions, f"{key}-version": version}


def _settings(meeting, **changes) -> dict:
    data = {
        "starts_at": timezone.localtime(meeting.starts_at).strftime("%Y-%m-%dT%H:%M"),
        "facilitator": meeting.facilitator_id,
        "attendees": [meeting.facilitator_id],
        "time_box_success": 10,
        "time_box_events": 25,
        "time_box_metrics": 15,
        "time_box_improvements": 10,
    }
    return data | changes


# The list and preparing


def test_an_empty_week_offers_to_prepare_its_meeting(client, leader):
    response = client.get("/meetings/")
    assert response.status_code == 200
    html = response.content.decode()
    assert "No meeting is prepared for this week yet." in html
    assert "Prepare this week's meeting" in html
    assert 'action="/meetings/prepare/"' in html
    assert "No later meetings are planned." in html
    assert "No past meetings yet" in html


def test_preparing_twice_opens_the_same_meeting(client, leader):
    first = client.post("/meetings/prepare/")
    second = client.post("/meetings/prepare/")
    meeting = OpsMeeting.objects.get()
    assert first.status_code == second.status_code == 302
    assert first["Location"] == second["Location"] == meeting.get_absolute_url()
    assert meeting.week == iso_week(timezone.localdate())
    assert meeting.facilitator == leader
    assert meeting.sections.count() == 4


def test_anyone_signed_in_may_prepare_the_week(client, other):
    client.force_login(other)
    response = client.post("/meetings/prepare/")
    assert response.status_code == 302
    assert OpsMeeting.objects.get().facilitator == other


def test_preparing_asks_for_post(client, leader):
    assert client.get("/meetings/prepare/").status_code == 405
    assert not OpsMeeting.objects.exists()


def test_a_later_week_can_be_prepared_ahead(client, leader, meeting):
    later = iso_week(timezone.localdate() + timedelta(weeks=2))
    response = client.post("/meetings/prepare/", {"week": later})
    upcoming = OpsMeeting.objects.get(week=later)
    assert response["Location"] == upcoming.get_absolute_url()
    assert upcoming.get_absolute_url() in client.get("/meetings/").content.decode()


@pytest.mark.parametrize("week", ["2001-W01", "next week", "2099-W99"])
def test_a_week_not_on_offer_is_refused_with_a_message(client, leader, week):
    response = client.post("/meetings/prepare/", {"week": week})
    assert response.status_code == 422
    assert "Choose this week or one of the next few." in response.content.decode()
    assert not OpsMeeting.objects.exists()


def test_the_list_shows_this_week_first_then_upcoming_and_past(client, leader, meeting):
    past, _ = services.meeting_prepare(actor=leader, week="2026-W01")
    upcoming, _ = services.meeting_prepare(actor=leader, week="2099-W10")
    html = client.get("/meetings/").content.decode()
    this_week = html.index(f"Ops meeting {meeting.week}")
    assert this_week < html.index("Ops meeting 2099-W10") < html.index("Ops meeting 2026-W01")
    assert "Open this week's meeting" in html
    assert "Prepare this week" not in html
    assert past.get_absolute_url() in html and upcoming.get_absolute_url() in html


def test_past_meetings_are_paginated(client, leader):
    for week in range(1, 26):
        services.meeting_prepare(actor=leader, week=f"2020-W{week:02d}")
    first = client.get("/meetings/").content.decode()
    second = client.get("/meetings/?page=2").content.decode()
    assert "Page 1 of 2" in first and "Ops meeting 2020-W25" in first
    assert "Ops meeting 2020-W01" not in first
    assert "Ops meeting 2020-W01" in second


# The meeting page


def test_the_meeting_shows_the_four_sections_in_order_with_time_boxes(client, meeting):
    html = client.get(meeting.get_absolute_url()).content.decode()
    headings = [
        "1. Share and celebrate success",
        "2. Review operational events",
        "3. Review service metrics",
        "4. Org-wide improvements",
    ]
    positions = [html.index(heading) for heading in headings]
    assert positions == sorted(positions)
    for minutes in ("10 min", "25 min", "15 min"):
        assert minutes in html


def test_an_empty_week_has_a_friendly_line_in_every_section(client, meeting):
    html = client.get(meeting.get_absolute_url()).content.decode()
    for line in [
        "No wins posted this week yet.",
        "No action items were finished since the last meeting.",
        "No COE was approved since the last meeting.",
        "No incidents since the last meeting.",
        "No COE is queued for a deep dive this week.",
        "The wheel has not picked a team yet.",
        "Nothing is overdue.",
        "No long-term item is due this quarter.",
        "No items from earlier meetings",
        "Action items raised in this meeting",
    ]:
        assert line in html, line


def test_the_week_shows_its_wins_incidents_and_the_chosen_team(client, leader, meeting):
    team = TeamFactory(
        name="Payments",
        dashboard_url="https://dash.example.com/payments",
        runbook_url="https://runbooks.example.com/payments",
    )
    services.win_post(actor=leader, text="Zero pages on Saturday", team=team)
    IncidentFactory(title="Checkout down", severity=Severity.SEV1, teams=[team], resolved=True)
    OpsMeeting.objects.filter(pk=meeting.pk).update(chosen_team=team)
    html = client.get(meeting.get_absolute_url()).content.decode()
    assert "Zero pages on Saturday" in html
    assert "Checkout down" in html
    assert "COE needed" in html
    assert "Payments presents" in html
    assert (
        '<a href="https://dash.example.com/payments" target="_blank" '
        'rel="noopener noreferrer">Dashboard</a>' in html
    )
    assert 'href="https://runbooks.example.com/payments" target="_blank"' in html
    assert "Median time to mitigate" in html


def test_the_facilitator_gets_the_forms_and_others_read_only(client, meeting, other):
    html = client.get(meeting.get_absolute_url()).content.decode()
    assert f'action="/meetings/{meeting.pk}/sections/success/"' in html
    assert f'action="/meetings/{meeting.pk}/settings/"' in html
    assert f'action="/meetings/{meeting.pk}/start/"' in html
    assert f'action="/meetings/{meeting.pk}/finish/"' in html
    assert f'action="/meetings/{meeting.pk}/actions/"' in html

    client.force_login(other)
    html = client.get(meeting.get_absolute_url()).content.decode()
    for path in ("sections/success/", "settings/", "start/", "finish/", "actions/"):
        assert f'action="/meetings/{meeting.pk}/{path}"' not in html
    assert "No notes taken." in html
    assert "No decisions recorded." in html
    assert "You can read this meeting" in html


def test_notes_are_shown_sanitised_and_inert(client, leader, meeting, other):
    section = _section(meeting)
    services.section_save(
        section=section,
        actor=leader,
        notes="**Great week** <script>alert(1)</script> <a href='#' hx-get='/x'>x</a>",
        decisions="Keep the canary.",
        base_version=0,
    )
    client.force_login(other)
    html = client.get(meeting.get_absolute_url()).content.decode()
    assert "<strong>Great week</strong>" in html
    assert "<script>alert(1)" not in html
    assert "hx-get='/x'" not in html and 'hx-get="/x"' not in html
    assert '<div class="prose" hx-disable>' in html
    assert "Keep the canary." in html


# Permissions: the facilitator and staff run it; others get 403 and nothing changes


WRITES = [
    ("settings/", lambda m: _settings(m, time_box_success=20)),
    ("start/", lambda m: {}),
    ("finish/", lambda m: {}),
    ("sections/success/", lambda m: _notes(m, notes="Taken over")),
    (
        "actions/",
        lambda m: {
            "item-title": "Add a canary",
            "item-owner": m.facilitator_id,
            "item-team": TeamFactory().pk,
            "item-term": "medium",
            "item-priority": 3,
            "item-category": "technical",
        },
    ),
]


@pytest.mark.parametrize(("path", "data"), WRITES, ids=[path for path, _ in WRITES])
def test_others_are_refused_and_nothing_changes(client, meeting, other, path, data):
    payload = data(meeting)
    client.force_login(other)
    before = fingerprint()
    response = client.post(f"/meetings/{meeting.pk}/{path}", payload)
    assert response.status_code == 403
    assert escape(RUN_REFUSED) in response.content.decode()
    assert changed_tables(before) == []


@pytest.mark.parametrize(("path", "data"), WRITES, ids=[path for path, _ in WRITES])
def test_staff_may_run_any_meeting(client, meeting, path, data):
    payload = data(meeting)
    client.force_login(UserFactory(is_staff=True))
    response = client.post(f"/meetings/{meeting.pk}/{path}", payload)
    assert response.status_code == 302, response.content.decode()[:2000]


def test_settings_change_the_time_boxes_and_the_length(client, meeting):
    response = client.post(
        f"/meetings/{meeting.pk}/settings/", _settings(meeting, time_box_events=40)
    )
    assert response.status_code == 302
    meeting.refresh_from_db()
    assert _section(meeting, "events").time_box_minutes == 40
    assert meeting.length_minutes == 75


def test_bad_settings_say_why_and_change_nothing(client, meeting):
    before = fingerprint()
    response = client.post(
        f"/meetings/{meeting.pk}/settings/",
        _settings(meeting, time_box_events=0, starts_at="soon", facilitator="nobody"),
    )
    assert response.status_code == 422
    html = response.content.decode()
    assert "Enter a date and time." in html
    assert "Ensure this value is greater than or equal to 1." in html
    assert changed_tables(before) == []


def test_an_attendee_key_no_column_holds_is_refused_as_a_form_error(client, meeting):
    before = fingerprint()
    response = client.post(
        f"/meetings/{meeting.pk}/settings/", _settings(meeting, attendees=[str(2**63)])
    )
    assert response.status_code == 422
    assert f"No active person is called “{2**63}”." in response.content.decode()
    assert changed_tables(before) == []


def test_sections_over_the_longest_meeting_are_refused(client, meeting):
    response = client.post(
        f"/meetings/{meeting.pk}/settings/",
        _settings(meeting, time_box_events=200, time_box_metrics=200),
    )
    assert response.status_code == 422
    assert "a meeting can last at most 240" in response.content.decode()


# Notes


def test_notes_save_and_bump_the_version(client, meeting):
    response = client.post(
        f"/meetings/{meeting.pk}/sections/events/",
        _notes(meeting, "events", notes="Two Sev-2s", decisions="Review paging"),
    )
    assert response.status_code == 302
    section = _section(meeting, "events")
    assert (section.notes, section.decisions, section.version) == (
        "Two Sev-2s",
        "Review paging",
        1,
    )


def test_autosave_answers_with_the_new_version(client, meeting):
    response = client.post(
        f"/meetings/{meeting.pk}/sections/events/",
        _notes(meeting, "events", notes="Two Sev-2s"),
        **HTMX,
    )
    assert response.status_code == 200
    html = response.content.decode()
    assert 'id="version-events" value="1"' in html
    assert "Saved at" in html


def test_a_stale_save_is_refused_and_both_texts_are_kept(client, leader, meeting):
    services.section_save(
        section=_section(meeting),
        actor=UserFactory(is_staff=True, first_name="Sam", last_name="Staff"),
        notes="Their notes",
        decisions="Their decision",
        base_version=0,
    )
    response = client.post(
        f"/meetings/{meeting.pk}/sections/success/",
        _notes(meeting, notes="My notes", decisions="My decision", version=0),
    )
    assert response.status_code == 409
    html = response.content.decode()
    assert "Sam Staff saved this section" in html
    assert "Their notes" in html and "Their decision" in html
    assert "My notes" in html and "My decision" in html
    assert _section(meeting).notes == "Their notes"


def test_a_stale_autosave_shows_the_other_text_in_place(client, leader, meeting):
    services.section_save(
        section=_section(meeting),
        actor=UserFactory(is_staff=True),
        notes="Their notes",
        decisions="",
        base_version=0,
    )
    response = client.post(
        f"/meetings/{meeting.pk}/sections/success/",
        _notes(meeting, notes="My notes", version=0),
        **HTMX,
    )
    assert response.status_code == 409
    assert response["HX-Retarget"] == "#conflict-success"
    assert "Their notes" in response.content.decode()
    # Saving again on top of their version merges.
    merged = client.post(
        f"/meetings/{meeting.pk}/sections/success/",
        _notes(meeting, notes="Their notes and mine", version=1),
        **HTMX,
    )
    assert merged.status_code == 200
    assert _section(meeting).notes == "Their notes and mine"


def test_too_long_notes_are_refused_with_a_message(client, meeting):
    response = client.post(
        f"/meetings/{meeting.pk}/sections/success/", _notes(meeting, notes="x" * 200_001)
    )
    assert response.status_code == 422
    assert "Notes can hold at most" in response.content.decode()
    assert _section(meeting).version == 0


def test_an_unknown_section_is_not_found(client, meeting):
    response = client.post(f"/meetings/{meeting.pk}/sections/gossip/", {})
    assert response.status_code == 404


def test_a_missing_version_is_refused_not_a_crash(client, meeting):
    response = client.post(f"/meetings/{meeting.pk}/sections/success/", {"success-notes": "x"})
    assert response.status_code == 422


# Action items in place


def test_an_action_item_is_added_in_place(client, leader, meeting):
    team = TeamFactory()
    response = client.post(
        f"/meetings/{meeting.pk}/actions/",
        {
            "item-title": "Page the database team earlier",
            "item-owner": leader.pk,
            "item-team": team.pk,
            "item-term": "medium",
            "item-priority": 3,
            "item-category": "process",
        },
        **HTMX,
    )
    assert response.status_code == 200
    item = ActionItem.objects.get()
    assert item.meeting == meeting
    assert "Page the database team earlier" in response.content.decode()
    assert (
        "Page the database team earlier" in client.get(meeting.get_absolute_url()).content.decode()
    )


def test_a_bad_action_item_says_why(client, meeting):
    response = client.post(f"/meetings/{meeting.pk}/actions/", {"item-title": ""})
    assert response.status_code == 422
    assert "This field is required." in response.content.decode()
    assert not ActionItem.objects.exists()


# Start and finish


def test_start_then_finish_sends_the_minutes_on_commit(
    client, meeting, django_capture_on_commit_callbacks
):
    assert client.post(f"/meetings/{meeting.pk}/start/").status_code == 302
    meeting.refresh_from_db()
    assert meeting.status == MeetingStatus.IN_PROGRESS
    with (
        patch("opsreview.meetings.tasks.send_meeting_minutes.delay") as delay,
        django_capture_on_commit_callbacks(execute=True) as callbacks,
    ):
        response = client.post(f"/meetings/{meeting.pk}/finish/")
    assert response.status_code == 302
    assert len(callbacks) == 1
    delay.assert_called_once_with(meeting_id=meeting.pk)
    meeting.refresh_from_db()
    assert meeting.status == MeetingStatus.DONE


def test_a_done_meeting_reads_as_minutes(client, leader, meeting):
    services.section_save(
        section=_section(meeting), actor=leader, notes="Good week", decisions="", base_version=0
    )
    services.meeting_finish(meeting=meeting, actor=leader)
    html = client.get(meeting.get_absolute_url()).content.decode()
    assert f"Minutes of the Ops meeting {meeting.week}" in html
    assert "Good week" in html
    assert "<textarea" not in html
    assert "/static/css/meetings.css" in html
    for path in ("sections/success/", "settings/", "start/", "finish/", "actions/"):
        assert f'action="/meetings/{meeting.pk}/{path}"' not in html


def test_a_done_meeting_keeps_its_minutes(client, leader, meeting):
    services.meeting_finish(meeting=meeting, actor=leader)
    before = fingerprint()
    again = client.post(f"/meetings/{meeting.pk}/finish/")
    notes = client.post(f"/meetings/{meeting.pk}/sections/success/", _notes(meeting, notes="x"))
    assert again.status_code == notes.status_code == 422
    assert "done" in again.content.decode()
    assert changed_tables(before) == []


def test_the_print_stylesheet_hides_navigation_banners_and_buttons():
    css = Path(finders.find("css/meetings.css")).read_text()
    printed = css[css.index("@media print") :]
    for selector in (".site-header", ".incident-banner", "button", "form"):
        assert selector in printed


def test_the_detail_page_costs_the_same_queries_with_10_or_60_incidents(client, meeting):
    team = TeamFactory()

    def count(incidents: int) -> int:
        # Resolved, so the site-wide banner of open major incidents stays out of the count.
        for n in range(incidents):
            severity = Severity.SEV2 if n % 2 else Severity.SEV3
            IncidentFactory(severity=severity, teams=[team], resolved=True)
        with CaptureQueriesContext(connection) as queries:
            assert client.get(meeting.get_absolute_url()).status_code == 200
        return len(queries)

    ten = count(10)
    sixty = count(50)
    assert ten == sixty


# Wins


def test_a_win_posted_from_the_dashboard_comes_back_to_it(client, leader):
    team = TeamFactory(name="Search")
    response = client.post(
        "/meetings/wins/", {"text": "Latency halved", "team": team.pk, "next": "/"}
    )
    assert response.status_code == 302
    assert response["Location"] == "/"
    win = Win.objects.get()
    assert (win.text, win.team, win.author, win.week) == (
        "Latency halved",
        team,
        leader,
        iso_week(timezone.localdate()),
    )


def test_the_dashboard_offers_the_meeting_and_a_win_box(client, leader):
    html = client.get("/").content.decode()
    assert "This week's ops meeting" in html
    assert 'href="/meetings/"' in html
    assert 'action="/meetings/wins/"' in html
    meeting, _ = services.meeting_prepare(actor=leader)
    html = client.get("/").content.decode()
    assert meeting.get_absolute_url() in html


def test_a_win_never_goes_back_to_another_site(client, leader):
    response = client.post(
        "/meetings/wins/", {"text": "Quiet night", "next": "https://evil.example/"}
    )
    assert response.status_code == 302
    assert response["Location"] == "/meetings/"


def test_an_empty_win_says_what_is_missing(client, leader):
    response = client.post("/meetings/wins/", {"text": "  ", "next": "/"})
    assert response.status_code == 422
    assert "Say what went well." in response.content.decode()
    assert not Win.objects.exists()


def test_a_too_long_win_is_refused(client, leader):
    response = client.post("/meetings/wins/", {"text": "x" * (Win.TEXT_MAX + 1)})
    assert response.status_code == 422
    assert not Win.objects.exists()


# Deep dives


@pytest.fixture
def coe(leader):
    CoeTemplateSettings.load()
    return coe_services.coe_create(title="Gateway outage", team=TeamFactory(), actor=leader)


def test_the_coe_page_offers_the_queue_to_its_author_only(client, coe, other):
    html = client.get(coe.get_absolute_url()).content.decode()
    assert 'action="/meetings/deep-dives/"' in html
    assert "Queue for a meeting" in html
    client.force_login(other)
    html = client.get(coe.get_absolute_url()).content.decode()
    assert 'action="/meetings/deep-dives/"' not in html


def test_an_author_queues_a_coe_for_this_week(client, coe):
    week = iso_week(timezone.localdate())
    response = client.post("/meetings/deep-dives/", {"coe": coe.pk, "week": week})
    assert response.status_code == 302
    assert response["Location"] == coe.get_absolute_url()
    dive = DeepDive.objects.get()
    assert (dive.coe, dive.week) == (coe, week)
    # Queuing it again keeps one.
    client.post("/meetings/deep-dives/", {"coe": coe.pk, "week": week})
    assert DeepDive.objects.count() == 1


def test_the_queue_shows_on_that_weeks_meeting(client, coe, meeting):
    services.deep_dive_queue(coe=coe, actor=meeting.facilitator, week=meeting.week)
    html = client.get(meeting.get_absolute_url()).content.decode()
    assert "Gateway outage" in html
    assert "No COE is queued" not in html


def test_others_may_not_queue_a_coe(client, coe, other):
    client.force_login(other)
    response = client.post(
        "/meetings/deep-dives/", {"coe": coe.pk, "week": iso_week(timezone.localdate())}
    )
    assert response.status_code == 403
    assert "can queue it for a meeting" in response.content.decode()
    assert not DeepDive.objects.exists()


@pytest.mark.parametrize(
    "data",
    [
        {},
        {"coe": "abc", "week": "2026-W48"},
        {"coe": 999999, "week": "2026-W48"},
        {"coe": "<coe>", "week": "2001-W01"},
        {"coe": "<coe>", "week": "next tuesday"},
    ],
)
def test_bad_queue_requests_say_why(client, coe, data):
    data = {key: coe.pk if value == "<coe>" else value for key, value in data.items()}
    response = client.post("/meetings/deep-dives/", data)
    assert response.status_code == 422
    assert 'class="form-errors"' in response.content.decode() or "field-error" in (
        response.content.decode()
    )
    assert not DeepDive.objects.exists()
