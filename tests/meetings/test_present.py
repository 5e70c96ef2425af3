"""Projector mode: the page a leader runs the weekly meeting from, and its writes."""

import re
from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from django.utils.html import escape

from incidents.models import Severity
from opsreview.actions.models import ActionItem, Term
from opsreview.meetings import charts, services
from opsreview.meetings.agenda import WeekCount
from opsreview.meetings.models import MeetingSection, MeetingStatus, OpsMeeting, SectionKey
from tests.incidents.factories import IncidentFactory
from tests.org.factories import TeamFactory, UserFactory
from tests.wheel.factories import ParticipantFactory, WheelFactory
from wheel.models import Participant, Spin

pytestmark = pytest.mark.django_db

HEADINGS = [label for _, label in SectionKey.choices]


@pytest.fixture
def facilitator():
    return UserFactory(username="fran")


@pytest.fixture
def meeting(facilitator):
    return services.meeting_prepare(actor=facilitator)[0]


@pytest.fixture
def team():
    return TeamFactory(
        name="Payments",
        dashboard_url="https://dashboards.example.com/payments",
        runbook_url="https://runbooks.example.com/payments",
    )


@pytest.fixture
def wheel(team):
    wheel = WheelFactory(name="Ops review", slug="ops-review")
    ParticipantFactory(wheel=wheel, team=team)
    ParticipantFactory(wheel=wheel, team=TeamFactory(name="Search"))
    return wheel


def _url(meeting, suffix="present/"):
    return f"/meetings/{meeting.pk}/{suffix}"


def _present(client, meeting, **query):
    return client.get(_url(meeting), query)


def _html(response) -> str:
    return response.content.decode()


def test_the_facilitator_opening_present_mode_starts_the_meeting(client, facilitator, meeting):
    client.force_login(facilitator)
    response = _present(client, meeting)
    assert response.status_code == 200
    meeting.refresh_from_db()
    assert meeting.status == MeetingStatus.IN_PROGRESS
    assert meeting.started_at is not None


def test_every_section_is_on_its_own_slide_with_its_time_box(client, facilitator, meeting):
    client.force_login(facilitator)
    html = _html(_present(client, meeting))
    for key, label in SectionKey.choices:
        section = meeting.sections.get(key=key)
        assert f'id="slide-{key}"' in html
        assert label in html
        assert f'data-seconds="{section.time_box_minutes * 60}"' in html
    # The first section shows; the others wait their turn.
    assert re.search(r'id="slide-success"[^>]*data-slide', html)
    assert re.search(r'id="slide-events"[^>]*\shidden>', html, re.S)


def test_the_section_asked_for_is_the_one_shown(client, facilitator, meeting):
    client.force_login(facilitator)
    html = _html(_present(client, meeting, section="improvements"))
    assert not re.search(r'id="slide-improvements"[^>]*\shidden>', html, re.S)
    assert re.search(r'id="slide-success"[^>]*\shidden>', html, re.S)


def test_an_empty_week_shows_friendly_empty_states_never_a_blank_slide(
    client, facilitator, meeting
):
    client.force_login(facilitator)
    html = _html(_present(client, meeting))
    assert "A quiet week." in html
    assert "No wheel yet." in html
    assert "No team chosen yet." in html
    assert "Every action item is on time" in html


def test_the_page_stands_alone_without_the_site_chrome(client, facilitator, meeting):
    client.force_login(facilitator)
    html = _html(_present(client, meeting))
    assert 'class="site-header"' not in html
    assert 'class="site-nav"' not in html
    assert "present.css" in html and "present.js" in html
    # Scripts run under the CSP nonce: nothing inline.
    assert "<script>" not in html
    assert re.search(r'<script src="[^"]*present\.js" defer nonce="[^"]+">', html)


def test_others_watch_read_only_and_the_meeting_does_not_start(client, meeting, wheel):
    client.force_login(UserFactory())
    response = _present(client, meeting)
    assert response.status_code == 200
    html = _html(response)
    assert "Watching: read only" in html
    for control in ('data-action="spin"', 'data-action="notes"', 'data-action="item"'):
        assert control not in html
    assert "present/finish/" not in html
    assert OpsMeeting.objects.get(pk=meeting.pk).status == MeetingStatus.PLANNED


def test_staff_run_the_meeting_too(client, meeting, wheel):
    client.force_login(UserFactory(is_staff=True))
    html = _html(_present(client, meeting))
    assert 'data-action="spin"' in html
    assert OpsMeeting.objects.get(pk=meeting.pk).status == MeetingStatus.IN_PROGRESS


# Writes: the facilitator and staff run the meeting; everyone else is refused and nothing changes.


def _spin(wheel, team, by):
    return Spin.objects.create(
        wheel=wheel,
        participant=Participant.objects.get(wheel=wheel, team=team),
        participant_name=team.name,
        spun_by=by,
    )


def _item_data(team, owner, **changes):
    data = {
        "title": "Alarm on payment retries",
        "owner": owner.pk,
        "team": team.pk,
        "term": Term.MEDIUM,
        "priority": 3,
        "category": "technical",
    } | changes
    return {f"item-{name}": value for name, value in data.items()}


def _notes_data(section, notes, decisions="", base_version=None):
    prefix = f"notes-{section.key}"
    version = section.version if base_version is None else base_version
    return {
        f"{prefix}-notes": notes,
        f"{prefix}-decisions": decisions,
        f"{prefix}-base_version": version,
    }


def _snapshot(meeting, wheel):
    meeting = OpsMeeting.objects.get(pk=meeting.pk)
    return {
        "spins": list(Spin.objects.values_list("pk", "chosen_at")),
        "weights": list(Participant.objects.order_by("pk").values_list("weight", flat=True)),
        "meeting": (meeting.status, meeting.chosen_team_id, meeting.spin_id),
        "sections": list(MeetingSection.objects.values_list("pk", "version", "notes")),
        "items": ActionItem.objects.count(),
    }


@pytest.mark.parametrize("who", ["someone else", "inactive facilitator"])
@pytest.mark.parametrize("write", ["spin", "choose", "notes", "item", "finish"])
def test_writes_from_anyone_but_a_runner_are_refused_and_change_nothing(
    client, facilitator, meeting, wheel, team, write, who
):
    spin = _spin(wheel, team, facilitator)
    section = meeting.sections.get(key=SectionKey.SUCCESS)
    posts = {
        "spin": (_url(meeting, "spin/"), {}),
        "choose": (_url(meeting, f"spins/{spin.pk}/choose/"), {}),
        "notes": (_url(meeting, f"present/notes/{section.pk}/"), _notes_data(section, "Ours")),
        "item": (_url(meeting, "present/items/"), _item_data(team, facilitator)),
        "finish": (_url(meeting, "present/finish/"), {}),
    }
    if who == "someone else":
        client.force_login(UserFactory())
    else:
        client.force_login(facilitator)
        facilitator.is_active = False
        facilitator.save()
    before = _snapshot(meeting, wheel)
    path, data = posts[write]
    response = client.post(path, data, HTTP_HX_REQUEST="true")
    if who == "someone else":
        assert response.status_code == 403
        assert escape(services.RUN_REFUSED) in _html(response)
    else:  # signed out with the account switched off
        assert response.status_code in (302, 403)
    assert _snapshot(meeting, wheel) == before


@pytest.mark.parametrize("path", ["spin/", "present/items/", "present/finish/"])
def test_write_paths_answer_only_post(client, facilitator, meeting, path):
    client.force_login(facilitator)
    assert client.get(_url(meeting, path)).status_code == 405


def test_w_spins_the_organisations_wheel_and_records_the_spin(client, facilitator, meeting, wheel):
    client.force_login(facilitator)
    response = client.post(_url(meeting, "spin/"), HTTP_HX_REQUEST="true")
    assert response.status_code == 200
    spin = Spin.objects.get(wheel=wheel)
    assert spin.spun_by == facilitator
    html = _html(response)
    assert f'data-participant="{spin.participant_id}"' in html
    assert "data-just-spun" in html
    assert f"Choose {spin.participant_name}" in html
    assert f"/meetings/{meeting.pk}/spins/{spin.pk}/choose/" in html


def test_without_javascript_a_spin_comes_back_on_the_metrics_section_to_choose(
    client, facilitator, meeting, wheel
):
    client.force_login(facilitator)
    response = client.post(_url(meeting, "spin/"))
    spin = Spin.objects.get(wheel=wheel)
    assert response.status_code == 302
    assert response["Location"] == f"{_url(meeting)}?section=metrics&spin={spin.pk}"
    html = _html(client.get(response["Location"]))
    assert f"Choose {spin.participant_name}" in html
    assert not re.search(r'id="slide-metrics"[^>]*\shidden>', html, re.S)


def test_the_wheel_is_the_one_named_in_settings(client, facilitator, meeting, wheel, settings):
    other = WheelFactory(name="Another", slug="another")
    ParticipantFactory(wheel=other)
    settings.MEETING_WHEEL_SLUG = "another"
    client.force_login(facilitator)
    client.post(_url(meeting, "spin/"), HTTP_HX_REQUEST="true")
    assert Spin.objects.get().wheel == other


def test_without_a_wheel_a_spin_says_so(client, facilitator, meeting):
    client.force_login(facilitator)
    response = client.post(_url(meeting, "spin/"), HTTP_HX_REQUEST="true")
    assert response.status_code == 422
    assert "There is no wheel yet" in _html(response)
    assert not Spin.objects.exists()


def test_choosing_sets_the_meetings_team_and_shows_its_figures_and_links(
    client, facilitator, meeting, wheel, team
):
    spin = _spin(wheel, team, facilitator)
    IncidentFactory(teams=[team], severity=Severity.SEV2)
    client.force_login(facilitator)
    response = client.post(_url(meeting, f"spins/{spin.pk}/choose/"), HTTP_HX_REQUEST="true")
    assert response.status_code == 200
    meeting.refresh_from_db()
    assert meeting.chosen_team == team
    assert meeting.spin == spin
    spin.refresh_from_db()
    assert spin.was_chosen  # the same record the wheel page keeps
    assert Participant.objects.get(wheel=wheel, team=team).weight == 0
    html = _html(response)
    for link in (team.dashboard_url, team.runbook_url):
        assert f'href="{link}" target="_blank" rel="noopener noreferrer"' in html
    assert 'data-testid="team-figures"' in html
    assert 'data-testid="chart-incidents"' in html


def test_a_refused_choice_leaves_the_wheel_and_the_meeting_as_they_were(
    client, facilitator, meeting, wheel, team
):
    first = _spin(wheel, team, facilitator)
    client.force_login(facilitator)
    client.post(_url(meeting, f"spins/{first.pk}/choose/"), HTTP_HX_REQUEST="true")
    again = _spin(wheel, team, facilitator)
    before = _snapshot(meeting, wheel)
    response = client.post(_url(meeting, f"spins/{again.pk}/choose/"), HTTP_HX_REQUEST="true")
    assert response.status_code == 422
    assert "was chosen last time" in _html(response)
    assert _snapshot(meeting, wheel) == before


def test_notes_save_for_the_section_and_show_on_its_slide(client, facilitator, meeting):
    section = meeting.sections.get(key=SectionKey.EVENTS)
    client.force_login(facilitator)
    response = client.post(
        _url(meeting, f"present/notes/{section.pk}/"),
        _notes_data(section, "**Paging** worked <script>alert(1)</script>", "Keep the rota"),
        HTTP_HX_REQUEST="true",
    )
    assert response.status_code == 200
    section.refresh_from_db()
    assert section.version == 1
    assert section.decisions == "Keep the rota"
    html = _html(response)
    assert 'data-testid="notes-saved"' in html
    assert re.search(r'<aside id="slide-notes-events"[^>]* hx-swap-oob="true"', html)
    assert "<strong>Paging</strong>" in html
    assert "<script>alert" not in html


def test_notes_save_as_you_type_without_replacing_the_box(client, facilitator, meeting):
    section = meeting.sections.get(key=SectionKey.SUCCESS)
    client.force_login(facilitator)
    response = client.post(
        _url(meeting, f"present/notes/{section.pk}/"),
        {**_notes_data(section, "Typed so far"), "autosave": "1"},
        HTTP_HX_REQUEST="true",
    )
    assert response.status_code == 200
    html = _html(response)
    assert "<textarea" not in html  # the writer's caret stays where it is
    assert 'id="notes-status-success"' in html
    # The next save is based on the version just saved, not refused as stale.
    assert re.search(r'name="notes-success-base_version" value="1"[^>]*hx-swap-oob="true"', html)
    assert re.search(r'<aside id="slide-notes-success"[^>]* hx-swap-oob="true"', html)
    assert MeetingSection.objects.get(pk=section.pk).notes == "Typed so far"


def test_a_stale_autosave_puts_both_texts_in_front_of_the_writer(client, facilitator, meeting):
    section = meeting.sections.get(key=SectionKey.SUCCESS)
    services.section_save(
        section=section, actor=facilitator, notes="Theirs", decisions="", base_version=0
    )
    client.force_login(facilitator)
    response = client.post(
        _url(meeting, f"present/notes/{section.pk}/"),
        {**_notes_data(section, "Mine", base_version=0), "autosave": "1"},
        HTTP_HX_REQUEST="true",
    )
    assert response.status_code == 409
    assert response["HX-Retarget"] == "#notes-form-success"
    assert response["HX-Reswap"] == "outerHTML"
    html = _html(response)
    assert "Theirs" in html and "Mine" in html
    assert MeetingSection.objects.get(pk=section.pk).notes == "Theirs"


def test_a_notes_save_without_a_version_says_why_and_saves_nothing(client, facilitator, meeting):
    section = meeting.sections.get(key=SectionKey.SUCCESS)
    client.force_login(facilitator)
    response = client.post(
        _url(meeting, f"present/notes/{section.pk}/"),
        _notes_data(section, "Mine", base_version="latest"),
        HTTP_HX_REQUEST="true",
    )
    assert response.status_code == 422
    assert "lost track of which version it edits" in _html(response)
    assert MeetingSection.objects.get(pk=section.pk).version == 0


def test_a_stale_notes_save_shows_both_texts_and_keeps_the_saved_one(client, facilitator, meeting):
    section = meeting.sections.get(key=SectionKey.SUCCESS)
    services.section_save(
        section=section, actor=facilitator, notes="Theirs", decisions="", base_version=0
    )
    client.force_login(facilitator)
    response = client.post(
        _url(meeting, f"present/notes/{section.pk}/"),
        _notes_data(section, "Mine", base_version=0),
        HTTP_HX_REQUEST="true",
    )
    assert response.status_code == 409
    html = _html(response)
    assert 'data-testid="notes-stale"' in html
    assert "Theirs" in html and "Mine" in html
    assert MeetingSection.objects.get(pk=section.pk).notes == "Theirs"
    # Saving again from the merged form replaces theirs: the writer has seen both.
    assert 'name="notes-success-base_version" value="1"' in html


def test_a_is_an_action_item_raised_in_this_meeting(client, facilitator, meeting, team):
    client.force_login(facilitator)
    response = client.post(
        _url(meeting, "present/items/"), _item_data(team, facilitator), HTTP_HX_REQUEST="true"
    )
    assert response.status_code == 200
    item = ActionItem.objects.get()
    assert item.meeting == meeting
    assert item.title == "Alarm on payment retries"
    assert 'data-testid="item-added"' in _html(response)


@pytest.mark.parametrize(
    ("section", "back_to"), [("events", "?section=events"), ("//elsewhere\r\nX: 1", "")]
)
def test_without_javascript_an_item_brings_the_leader_back_to_the_section(
    client, facilitator, meeting, team, section, back_to
):
    client.force_login(facilitator)
    response = client.post(
        _url(meeting, "present/items/"), {**_item_data(team, facilitator), "section": section}
    )
    assert response.status_code == 302
    assert response["Location"] == f"{_url(meeting)}{back_to}"
    assert ActionItem.objects.filter(meeting=meeting).exists()


def test_an_incomplete_item_comes_back_with_the_reason(client, facilitator, meeting, team):
    client.force_login(facilitator)
    response = client.post(
        _url(meeting, "present/items/"),
        _item_data(team, facilitator, title=""),
        HTTP_HX_REQUEST="true",
    )
    assert response.status_code == 422
    assert "This field is required." in _html(response)
    assert not ActionItem.objects.exists()


def test_finish_ends_the_meeting_and_opens_its_minutes(client, facilitator, meeting):
    client.force_login(facilitator)
    _present(client, meeting)
    response = client.post(_url(meeting, "present/finish/"))
    assert response.status_code == 302
    assert response["Location"] == f"/meetings/{meeting.pk}/"
    assert OpsMeeting.objects.get(pk=meeting.pk).status == MeetingStatus.DONE


def test_a_finished_meeting_presents_read_only_even_to_its_facilitator(
    client, facilitator, meeting
):
    services.meeting_finish(meeting=meeting, actor=facilitator)
    client.force_login(facilitator)
    html = _html(_present(client, meeting))
    assert "Done: read only" in html
    assert 'data-action="notes"' not in html


# Charts


def _weeks(counts):
    monday = timezone.localdate() - timedelta(days=timezone.localdate().weekday())
    return [
        WeekCount(
            monday - timedelta(weeks=len(counts) - 1 - n),
            {s: (per_week if s == Severity.SEV2 else 0) for s in Severity},
        )
        for n, per_week in enumerate(counts)
    ]


def test_the_incidents_chart_stacks_by_severity_and_says_what_it_shows():
    chart = charts.incidents_per_week("Payments", _weeks([0] * 10 + [3, 1]))
    assert len(chart.rects) == 2
    assert {rect.css_class for rect in chart.rects} == {"sev-fill-2"}
    assert chart.summary.startswith("4 incidents in 12 weeks; the most in the week of")
    assert len(chart.table_rows) == 12
    assert all(label.text for label in chart.labels)


def test_an_empty_incidents_chart_says_so_instead_of_drawing_nothing():
    chart = charts.incidents_per_week("Payments", _weeks([0] * 12))
    assert chart.is_empty
    assert chart.summary == "No incidents in 12 weeks."


def test_the_overdue_chart_draws_the_worst_teams_and_sums_the_rest():
    rows = [(f"Team {n}", 10 - n) for n in range(8)]
    chart = charts.overdue_by_team(rows)
    assert len(chart.rects) == charts.MAX_TEAMS_DRAWN
    assert "across 8 teams; the most in Team 0 (10)" in chart.summary
    assert "Not drawn: 2 more teams with 7 between them." in chart.summary
    assert len(chart.table_rows) == 8


def test_charts_on_the_page_carry_a_text_alternative(client, facilitator, meeting, wheel, team):
    spin = _spin(wheel, team, facilitator)
    IncidentFactory(teams=[team], severity=Severity.SEV1)
    owner = UserFactory()
    services.meeting_item_add(
        meeting=meeting,
        actor=facilitator,
        title="Late already",
        owner=owner,
        team=team,
        term=Term.SHORT,
        due_date=timezone.localdate() - timedelta(days=2),
        confirm_past_due=True,
    )
    client.force_login(facilitator)
    client.post(_url(meeting, f"spins/{spin.pk}/choose/"), HTTP_HX_REQUEST="true")
    html = _html(_present(client, meeting))
    for key in ("incidents", "overdue"):
        svg = re.search(rf'<svg [^>]*aria-labelledby="chart-{key}-title chart-{key}-desc"', html)
        assert svg and 'role="img"' in svg.group(0)
        assert re.search(rf'<title id="chart-{key}-title">[^<]+</title>', html)
        assert re.search(rf'<desc id="chart-{key}-desc">[^<]+</desc>', html)
    assert html.count('<div class="visually-hidden"><table>') == 2
    assert "Payments: incidents per week by severity, last 12 weeks" in html
    assert "1 overdue item across 1 team; the most in Payments (1)." in html


# Queries


def _fill_week(team, count):
    start = timezone.now() - timedelta(days=2)
    for n in range(count):
        IncidentFactory(
            teams=[team],
            severity=Severity.SEV1 + n % 5,
            impact_started_at=start + timedelta(minutes=n),
            mitigated=n % 2 == 0,
        )


def _queries_for_present_page(client, meeting):
    with CaptureQueriesContext(connection) as queries:
        assert _present(client, meeting).status_code == 200
    return len(queries)


def test_the_present_page_asks_the_same_number_of_queries_however_busy_the_week(
    client, facilitator, meeting, wheel, team
):
    spin = _spin(wheel, team, facilitator)
    client.force_login(facilitator)
    client.post(_url(meeting, f"spins/{spin.pk}/choose/"), HTTP_HX_REQUEST="true")
    _present(client, meeting)  # the first opening starts the meeting
    _fill_week(team, 10)
    few = _queries_for_present_page(client, meeting)
    _fill_week(team, 190)
    many = _queries_for_present_page(client, meeting)
    assert few == many
