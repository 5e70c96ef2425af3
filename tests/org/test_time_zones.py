"""Each person's time zone: chosen on their profile (the site's until they do), offered from
their browser, followed by every page and every email sent to them; the organisation's
calendar (due dates, overdue, weeks) stays the site's whoever looks."""

import io
from datetime import UTC, date, datetime

import pytest
from django.core import mail
from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.urls import reverse

from incidents.services import incident_engage_team
from opsreview.meetings import tasks as meeting_tasks
from opsreview.meetings.models import OpsMeeting
from opsreview.org.models import Profile
from opsreview.org.services import profile_time_zone_set
from opsreview.org.zones import zone_names
from tests.coe.factories import team_item
from tests.incidents.factories import IncidentFactory
from tests.meetings.week import STARTS, prepared
from tests.query_budget import assert_query_budget

from .factories import TeamFactory, UserFactory

pytestmark = pytest.mark.django_db

PROFILE = "/accounts/profile/"
LOS_ANGELES = "America/Los_Angeles"
# Thursday 26 November 2026, 19:00 UTC: 11:00 in Los Angeles, 19:00 in London.
NOW = datetime(2026, 11, 26, 19, 0, tzinfo=UTC)


@pytest.fixture
def frozen(time_machine):
    time_machine.move_to(NOW, tick=False)


def zone_of(user) -> str | None:
    return Profile.objects.filter(person=user).values_list("time_zone", flat=True).first()


def in_zone(user, zone: str):
    Profile.objects.create(person=user, time_zone=zone)
    return user


# The profile page


def test_the_profile_offers_every_zone_with_the_sites_chosen_until_the_person_chooses(client):
    client.force_login(UserFactory())
    page = client.get(PROFILE).text

    assert '<option value="Europe/London" selected>Europe/London</option>' in page
    assert '<optgroup label="America">' in page
    assert '<option value="America/Los_Angeles">America/Los Angeles</option>' in page
    assert "time zone: you have not chosen one yet" in page
    assert page.count("<option") == len(zone_names())


def test_choosing_a_zone_saves_it_and_every_page_then_follows_it(client, frozen):
    person = UserFactory()
    client.force_login(person)

    response = client.post(PROFILE, {"time_zone": LOS_ANGELES})

    assert response.status_code == 302
    assert response["Location"] == PROFILE
    assert zone_of(person) == LOS_ANGELES
    page = client.get(PROFILE).text
    assert "Times are now shown in America/Los_Angeles." in page
    assert f'<option value="{LOS_ANGELES}" selected>' in page
    assert "It is 11:00 PST there now." in page


def test_an_unknown_zone_is_a_form_error_and_saves_nothing(client):
    person = in_zone(UserFactory(), LOS_ANGELES)
    client.force_login(person)

    for name in ["Mars/Olympus_Mons", "localtime", "", "x" * 500]:
        response = client.post(PROFILE, {"time_zone": name})
        assert response.status_code == 422, name
        assert zone_of(person) == LOS_ANGELES

    refused = client.post(PROFILE, {"time_zone": "Mars/Olympus_Mons"}).text
    assert "“Mars/Olympus_Mons” is not a time zone we know" in refused


def test_the_service_refuses_an_unknown_zone_too():
    person = UserFactory()
    with pytest.raises(ValidationError) as refused:
        profile_time_zone_set(actor=person, time_zone="Europe/Atlantis")

    assert "not a time zone we know" in str(refused.value)
    assert not Profile.objects.filter(person=person).exists()


def test_the_header_links_the_profile(client):
    client.force_login(UserFactory(first_name="Ana", last_name="Ng"))
    page = client.get("/").text

    assert f'<a href="{PROFILE}" title="Your profile and time zone">Ana Ng</a>' in page


def test_the_profile_page_makes_the_same_few_queries_whoever_has_chosen_a_zone(client):
    client.force_login(in_zone(UserFactory(), LOS_ANGELES))

    def grow():
        for person in UserFactory.create_batch(20):
            in_zone(person, "Asia/Tokyo")

    assert_query_budget(client, PROFILE, grow=grow)


# The browser's zone, offered to a person who has chosen none


def test_a_person_without_a_zone_gets_the_offer_for_the_script_to_show(client):
    client.force_login(UserFactory())
    page = client.get("/teams/").text

    assert 'data-zone-offer data-shown-zone="Europe/London"' in page
    assert '<input type="hidden" name="next" value="/teams/">' in page
    assert 'src="/static/js/time-zone.js" defer nonce=' in page


def test_a_person_who_chose_a_zone_is_offered_nothing(client):
    client.force_login(in_zone(UserFactory(), "Europe/London"))

    assert "data-zone-offer" not in client.get("/teams/").text


def test_taking_the_offer_saves_the_zone_and_goes_back_to_the_page(client):
    person = UserFactory()
    client.force_login(person)

    response = client.post(PROFILE, {"time_zone": LOS_ANGELES, "next": "/incidents/?status=open"})

    assert response["Location"] == "/incidents/?status=open"
    assert zone_of(person) == LOS_ANGELES


def test_keeping_the_sites_zone_is_a_choice_too_and_ends_the_offer(client):
    person = UserFactory()
    client.force_login(person)

    client.post(PROFILE, {"time_zone": "Europe/London", "next": "/teams/"})

    assert zone_of(person) == "Europe/London"
    assert "data-zone-offer" not in client.get("/teams/").text


def test_the_offer_never_sends_anyone_to_another_site(client):
    client.force_login(UserFactory())

    response = client.post(PROFILE, {"time_zone": LOS_ANGELES, "next": "https://evil.example/"})

    assert response["Location"] == PROFILE


# Emails, in each recipient's zone


def test_the_engagement_email_states_the_impact_time_in_each_members_zone(
    django_capture_on_commit_callbacks,
):
    ana = in_zone(UserFactory(email="ana@example.com"), LOS_ANGELES)
    bo = UserFactory(email="bo@example.com")  # the site's zone
    team = TeamFactory(members=[ana, bo])
    incident = IncidentFactory(impact_started_at=datetime(2026, 11, 26, 18, 30, tzinfo=UTC))

    with django_capture_on_commit_callbacks(execute=True):
        incident_engage_team(incident=incident, team=team, actor=incident.call_leader)

    emails = {message.to[0]: message for message in mail.outbox}
    assert "Impact started: 26 Nov 2026, 10:30 PST" in emails["ana@example.com"].body
    assert "10:30 PST" in emails["ana@example.com"].alternatives[0][0]
    assert "Impact started: 26 Nov 2026, 18:30 GMT" in emails["bo@example.com"].body
    assert "PST" not in emails["bo@example.com"].body


def test_the_meeting_reminder_states_the_start_in_each_attendees_zone(time_machine):
    time_machine.move_to(datetime(2026, 11, 23, 9, 0, tzinfo=UTC), tick=False)
    facilitator = UserFactory(email="fay@example.com")
    tokyo = in_zone(UserFactory(email="kei@example.com"), "Asia/Tokyo")
    prepared(facilitator, attendees=[facilitator, tokyo])

    meeting_tasks.send_meeting_reminders.delay()

    emails = {message.to[0]: message.body for message in mail.outbox}
    assert "starts Tuesday 24 November 2026, 19:00 JST" in emails["kei@example.com"]
    assert "starts Tuesday 24 November 2026, 10:00 GMT" in emails["fay@example.com"]


# The organisation's calendar stays the site's


def test_a_meeting_prepared_from_los_angeles_starts_at_the_sites_time(client, time_machine):
    time_machine.move_to(datetime(2026, 11, 23, 9, 0, tzinfo=UTC), tick=False)
    client.force_login(in_zone(UserFactory(), LOS_ANGELES))

    client.post(reverse("meetings:meeting_prepare"))

    meeting = OpsMeeting.objects.get()
    assert (meeting.week, meeting.starts_at) == ("2026-W48", STARTS)


def test_overdue_follows_the_sites_calendar_whoever_looks(client, time_machine):
    # 04:00 on the 27th in London is still 20:00 on the 26th in Los Angeles.
    time_machine.move_to(datetime(2026, 11, 27, 4, 0, tzinfo=UTC), tick=False)
    team_item(TeamFactory(), due_date=date(2026, 11, 26), title="Add a canary")
    client.force_login(in_zone(UserFactory(), LOS_ANGELES))

    page = client.get("/actions/?overdue=on")

    assert [item.title for item in page.context["page"].object_list] == ["Add a canary"]
    assert "1 day overdue" in page.text


# Demo data


def test_a_demo_person_reads_times_in_another_zone():
    call_command("seed_demo", stdout=io.StringIO())
    call_command("seed_demo", stdout=io.StringIO())

    assert list(Profile.objects.values_list("person__username", "time_zone")) == [
        ("callleader", LOS_ANGELES)
    ]
