import pytest
from django.urls import get_resolver

from tests.incidents.factories import TimelineEntryFactory
from tests.org.factories import DEFAULT_PASSWORD, TeamFactory, UserFactory
from tests.project import project_url_names
from tests.wheel.factories import WheelFactory

pytestmark = pytest.mark.django_db

# One sample path for every page a signed-in person can open.
SIGNED_IN_PATHS = {
    "dashboard": "/",
    "team_list": "/teams/",
    "people_search": "/people/search?q=a",
    "team_search": "/teams/search?q=a",
    "service_search": "/services/search?q=a",
    "team_detail": "/teams/{slug}/",
    "team_edit": "/teams/{slug}/edit/",
    "team_cloudwatch": "/teams/{slug}/cloudwatch/",
    "team_cloudwatch_scope": "/teams/{slug}/cloudwatch/1/",
    "team_cloudwatch_scope_delete": "/teams/{slug}/cloudwatch/1/delete/",
    "team_cloudwatch_metric_add": "/teams/{slug}/cloudwatch/metrics/",
    "team_cloudwatch_metric": "/teams/{slug}/cloudwatch/metrics/1/",
    "team_cloudwatch_metric_move": "/teams/{slug}/cloudwatch/metrics/1/move/",
    "team_cloudwatch_metric_delete": "/teams/{slug}/cloudwatch/metrics/1/delete/",
    "incidents:incident_list": "/incidents/",
    "coe:coe_list": "/coe/",
    "coe:coe_new": "/coe/new/",
    "coe:coe_detail": "/coe/{coe}/",
    "coe:coe_checklist": "/coe/{coe}/checklist/",
    "coe:coe_similar": "/coe/{coe}/similar/",
    "coe:coe_preview": "/coe/{coe}/preview/",
    "coe:coe_title_save": "/coe/{coe}/title/",
    "coe:coe_text_save": "/coe/{coe}/text/summary/",
    "coe:coe_timeline_add": "/coe/{coe}/timeline/",
    "coe:coe_timeline_copy": "/coe/{coe}/timeline/copy/",
    "coe:coe_timeline_delete": "/coe/{coe}/timeline/1/delete/",
    "coe:coe_factor_add": "/coe/{coe}/factors/",
    "coe:coe_factor_save": "/coe/{coe}/factors/1/",
    "coe:coe_factor_delete": "/coe/{coe}/factors/1/delete/",
    "coe:coe_acknowledge": "/coe/{coe}/acknowledge/",
    "coe:coe_submit": "/coe/{coe}/submit/",
    "coe:coe_review": "/coe/{coe}/review/",
    "coe:coe_history": "/coe/{coe}/history/",
    "coe:coe_action_add": "/coe/{coe}/actions/",
    "actions:action_detail": "/actions/1/",
    "actions:action_start": "/actions/1/start/",
    "actions:action_complete": "/actions/1/complete/",
    "actions:action_wont_do": "/actions/1/wont-do/",
    "actions:action_reopen": "/actions/1/reopen/",
    "actions:incident_item_add": "/actions/new/incident/{incident}/",
    "actions:action_list": "/actions/",
    "reports:report_list": "/reports/",
    "reports:report_preview": "/reports/preview/",
    "reports:report_preview_html": "/reports/preview/html/",
    "reports:report_send_now": "/reports/send/",
    "reports:outbox_list": "/reports/outbox/",
    "reports:outbox_detail": "/reports/outbox/1/",
    "reports:outbox_html": "/reports/outbox/1/html/",
    "meetings:meeting_list": "/meetings/",
    "meetings:meeting_prepare": "/meetings/prepare/",
    "meetings:win_post": "/meetings/wins/",
    "meetings:deep_dive_queue": "/meetings/deep-dives/",
    "meetings:meeting_detail": "/meetings/{meeting}/",
    "meetings:meeting_update": "/meetings/{meeting}/settings/",
    "meetings:meeting_start": "/meetings/{meeting}/start/",
    "meetings:meeting_finish": "/meetings/{meeting}/finish/",
    "meetings:section_save": "/meetings/{meeting}/sections/success/",
    "meetings:meeting_item_add": "/meetings/{meeting}/actions/",
    "meetings:meeting_metric_charts": "/meetings/{meeting}/metrics/",
    "wheel:wheel_list": "/wheel/",
    "logout": "/accounts/logout/",
    "lockout_list": "/accounts/lockouts/",
    "audit_log": "/audit/",
    "inbox": "/inbox/",
    "coe:coe_reviewer_add": "/coe/{coe}/reviewers/",
    "coe:coe_thread_start": "/coe/{coe}/threads/",
    "coe:coe_since_review": "/coe/{coe}/since-my-review/",
    "coe:coe_export_markdown": "/coe/{coe}/export.md",
    "coe:coe_image_upload": "/coe/{coe}/images/",
    "coe:coe_image": "/coe/{coe}/images/1/",
    "coe:coe_image_thumbnail": "/coe/{coe}/images/1/thumbnail/",
    "coe:coe_image_delete": "/coe/{coe}/images/1/delete/",
    "coe:coe_thread_reply": "/coe/{coe}/threads/1/reply/",
    "coe:coe_thread_resolve": "/coe/{coe}/threads/1/resolve/",
    "coe:coe_thread_reopen": "/coe/{coe}/threads/1/reopen/",
    "coe:coe_reviewer_remove": "/coe/{coe}/reviewers/1/remove/",
    "coe:coe_reviewer_reassign": "/coe/{coe}/reviewers/1/reassign/",
    "inbox_read_all": "/inbox/read-all/",
    "notification_read": "/inbox/1/open/",
    "email_settings": "/inbox/email-settings/",
    "profile": "/accounts/profile/",
    "incidents:incident_new": "/incidents/new/",
    "incidents:call_leader_roster": "/incidents/call-leaders/",
    "incidents:incident_detail": "/incidents/{incident}/",
    "incidents:incident_role_assign": "/incidents/{incident}/roles/",
    "incidents:incident_role_remove": "/incidents/{incident}/roles/1/remove/",
    "incidents:incident_edit": "/incidents/{incident}/edit/",
    "incidents:incident_mitigate": "/incidents/{incident}/mitigate/",
    "incidents:incident_resolve": "/incidents/{incident}/resolve/",
    "incidents:incident_reopen": "/incidents/{incident}/reopen/",
    "incidents:incident_engage": "/incidents/{incident}/engage/",
    "incidents:incident_gate": "/incidents/{incident}/gate/",
    "incidents:timeline_add": "/incidents/{incident}/timeline/",
    "incidents:timeline_entry": "/incidents/{incident}/timeline/{entry}/",
    "incidents:timeline_edit": "/incidents/{incident}/timeline/{entry}/edit/",
    "wheel:wheel_create": "/wheel/new/",
    "wheel:wheel_detail": "/wheel/{wheel}/",
    "wheel:wheel_edit": "/wheel/{wheel}/edit/",
    "wheel:wheel_spin": "/wheel/{wheel}/spin/",
    "wheel:wheel_choose": "/wheel/{wheel}/spins/1/choose/",
    "wheel:wheel_rig": "/wheel/{wheel}/rig/",
    "wheel:wheel_unrig": "/wheel/{wheel}/rig/cancel/",
    "wheel:wheel_reset": "/wheel/{wheel}/reset/",
    "wheel:participant_add": "/wheel/{wheel}/participants/",
    "wheel:participant_edit": "/wheel/{wheel}/participants/1/",
    "wheel:participant_delete": "/wheel/{wheel}/participants/1/delete/",
    "meetings:meeting_present": "/meetings/{meeting}/present/",
    "meetings:meeting_spin": "/meetings/{meeting}/spin/",
    "meetings:meeting_spin_choose": "/meetings/{meeting}/spins/1/choose/",
    "meetings:present_notes": "/meetings/{meeting}/present/notes/1/",
    "meetings:present_item_add": "/meetings/{meeting}/present/items/",
    "meetings:present_finish": "/meetings/{meeting}/present/finish/",
}
OPEN_PATHS = {"login", "healthz"}
# Amazon SNS delivers here: it signs its messages, it cannot sign in (tests/cloudwatch/test_sns).
SIGNED_MESSAGE_PATHS = {"cloudwatch:sns_receive": "/integrations/sns/"}
# Polled by pages already open: to someone signed out they answer 401, in words the page shows.
POLLED_PATHS = {
    "incidents:incident_live": "/incidents/{incident}/live/",
    "incidents:banner_live": "/incidents/banner/",
    "coe:coe_live": "/coe/1/live/",
}


def test_every_project_page_is_listed_as_either_open_or_sign_in_only():
    assert project_url_names() == (
        set(SIGNED_IN_PATHS) | OPEN_PATHS | set(POLLED_PATHS) | set(SIGNED_MESSAGE_PATHS)
    )


@pytest.mark.parametrize("path", sorted(SIGNED_MESSAGE_PATHS.values()))
def test_a_signed_message_path_answers_anonymous_posts_itself_not_with_sign_in(client, path):
    response = client.post(path, '{"Type": "Notification"}', content_type="application/json")
    assert response.status_code == 400
    assert client.get(path).status_code == 405


@pytest.mark.parametrize("path", sorted(POLLED_PATHS.values()))
def test_a_poll_from_someone_signed_out_is_told_to_sign_in_again(client, path):
    entry = TimelineEntryFactory()
    response = client.get(path.format(incident=entry.incident_id), headers={"HX-Request": "true"})
    assert response.status_code == 401
    assert response["Content-Type"].startswith("text/plain")
    assert response.text == "You are signed out: sign in again to see changes."


@pytest.mark.parametrize("path", [*sorted(SIGNED_IN_PATHS.values()), "/admin/"])
def test_anonymous_visitors_are_sent_to_sign_in(client, path):
    team = TeamFactory(slug="front-door")
    entry = TimelineEntryFactory()
    wheel = WheelFactory(slug="ops")
    response = client.get(
        path.format(
            slug=team.slug,
            incident=entry.incident_id,
            entry=entry.pk,
            coe=1,
            wheel=wheel.slug,
            meeting=1,
        )
    )
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/") or response["Location"].startswith(
        "/admin/login/"
    )


def test_login_page_is_open_to_anonymous_visitors(client):
    response = client.get("/accounts/login/")
    assert response.status_code == 200
    assert b"Sign in" in response.content


def test_right_password_signs_in_and_lands_on_dashboard(client):
    user = UserFactory(username="eli")
    response = client.post(
        "/accounts/login/", {"username": "eli", "password": DEFAULT_PASSWORD}, follow=True
    )
    assert response.redirect_chain[-1][0] == "/"
    assert response.context["user"] == user
    assert client.session.get("_auth_user_id") == str(user.pk)


def test_wrong_password_shows_a_clear_error_and_starts_no_session(client):
    UserFactory(username="eli")
    response = client.post("/accounts/login/", {"username": "eli", "password": "nope"})
    assert response.status_code == 200
    assert b"Please enter a correct username and password" in response.content
    assert "_auth_user_id" not in client.session


def test_sign_out_ends_the_session(client):
    client.force_login(UserFactory())
    response = client.post("/accounts/logout/")
    assert response.status_code == 302
    assert "_auth_user_id" not in client.session


def test_navigation_links_every_area(client):
    client.force_login(UserFactory())
    html = client.get("/").content.decode()
    for label, path in [
        ("Incidents", "/incidents/"),
        ("COEs", "/coe/"),
        ("Actions", "/actions/"),
        ("Meetings", "/meetings/"),
        ("Wheel", "/wheel/"),
        ("Teams", "/teams/"),
        ("Reports", "/reports/"),
    ]:
        assert f'<a href="{path}">{label}</a>' in html


def test_resolver_knows_the_stable_urls():
    resolver = get_resolver()
    for path in ["/", "/incidents/", "/coe/", "/actions/", "/meetings/", "/wheel/", "/reports/"]:
        assert resolver.resolve(path)
