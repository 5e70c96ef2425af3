import io
from datetime import timedelta

import pytest
from django.apps import apps
from django.contrib.auth import authenticate
from django.core.management import call_command
from django.test import RequestFactory
from django.utils import timezone

from incidents.demo import GATEWAY_OUTAGE, LIMIT_EXCEEDED
from opsreview.actions.models import ActionItem
from opsreview.meetings.agenda import build_agenda
from opsreview.meetings.models import MeetingStatus, OpsMeeting, SectionKey, Win, iso_week
from opsreview.org.demo import DEMO_PASSWORD
from opsreview.org.models import Service, Team

pytestmark = pytest.mark.django_db


def seed() -> str:
    out = io.StringIO()
    call_command("seed_demo", stdout=out)
    return out.getvalue()


def snapshot() -> dict[str, list]:
    """Every row of every model, so a second run that changes anything at all shows up."""
    return {
        model._meta.label: list(model.objects.order_by("pk").values())
        for model in apps.get_models()
        if model._meta.app_label != "sessions"
    }


def test_seed_demo_builds_bananastand_people_teams_and_services():
    seed()
    assert set(Team.objects.values_list("slug", flat=True)) == {
        "front-door",
        "banana-distributor",
        "banana-requesthandler",
        "banana-orchestrator",
        "banana-storage",
    }
    assert Service.objects.filter(name="BananaStand API Gateway", team__slug="front-door").exists()
    assert all(team.manager and team.dashboard_url for team in Team.objects.all())
    assert Team.objects.get(slug="front-door").members.filter(username="engineer").exists()


@pytest.mark.parametrize("username", ["admin", "manager", "engineer", "callleader"])
def test_demo_users_sign_in_with_the_readme_password(username):
    seed()
    # Sign-in throttling counts by address, so authenticate() always needs the request.
    request = RequestFactory().post("/accounts/login/")
    assert authenticate(request, username=username, password=DEMO_PASSWORD) is not None


def test_only_the_demo_admin_is_staff():
    seed()
    from django.contrib.auth import get_user_model

    staff = get_user_model().objects.filter(is_staff=True).values_list("username", flat=True)
    assert list(staff) == ["admin"]


def test_running_seed_demo_twice_changes_nothing():
    seed()
    first = snapshot()
    seed()
    assert snapshot() == first


def test_seed_demo_leaves_edits_to_demo_data_alone():
    seed()
    Team.objects.filter(slug="front-door").update(dashboard_url="https://grafana.example.com/fd")
    seed()
    assert Team.objects.get(slug="front-door").dashboard_url == "https://grafana.example.com/fd"


def test_seeded_urls_pass_their_own_validation():
    seed()
    for obj in [*Team.objects.all(), *Service.objects.all()]:
        obj.full_clean()


DEMO_USERNAMES = {"admin", "manager", "engineer", "callleader"}


def test_seed_demo_prepares_this_weeks_ops_meeting_with_wins_and_a_deep_dive():
    seed()
    meeting = OpsMeeting.objects.get(week=iso_week(timezone.localdate()))

    assert meeting.status == MeetingStatus.PLANNED
    assert meeting.facilitator.username == "manager"
    assert set(meeting.attendees.values_list("username", flat=True)) == DEMO_USERNAMES
    agenda = build_agenda(meeting)
    success = agenda.section(SectionKey.SUCCESS).content
    assert len(success.wins) == 3
    assert all(win.team for win in success.wins)
    events = agenda.section(SectionKey.EVENTS).content
    assert [dive.coe.incident.title for dive in events.deep_dives] == [GATEWAY_OUTAGE]
    incidents = [i.title for m in events.by_severity.values() for i in m.incidents]
    assert LIMIT_EXCEEDED in incidents


def test_seed_demo_keeps_last_weeks_meeting_as_minutes():
    seed()
    last_week = iso_week(timezone.localdate() - timedelta(weeks=1))
    meeting = OpsMeeting.objects.get(week=last_week)

    assert meeting.status == MeetingStatus.DONE
    assert meeting.started_at and meeting.finished_at > meeting.started_at
    assert meeting.chosen_team.slug == "banana-storage"
    assert meeting.spin.was_chosen
    assert set(meeting.attendees.values_list("username", flat=True)) == DEMO_USERNAMES
    sections = list(meeting.sections.order_by("position"))
    assert all(section.notes and section.notes_html for section in sections)
    assert sum(bool(section.decisions) for section in sections) == 2
    [item] = ActionItem.objects.filter(meeting=meeting)
    assert (item.owner.username, item.team.slug, item.is_open) == (
        "engineer",
        "banana-storage",
        True,
    )
    assert not meeting.emails.exists()  # history, written as it happened: nobody is emailed


def test_seed_demo_leaves_a_meeting_someone_edited_alone():
    seed()
    meeting = OpsMeeting.objects.get(week=iso_week(timezone.localdate()))
    meeting.attendees.clear()
    Win.objects.filter(week=meeting.week).delete()

    seed()

    assert not meeting.attendees.exists()
    assert not Win.objects.filter(week=meeting.week).exists()
    assert OpsMeeting.objects.count() == 2
