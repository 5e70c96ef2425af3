"""The audit log: who did what, when and from where, for staff to read."""

import logging
from datetime import UTC, datetime, timedelta

import pytest
from django.contrib.auth.models import Group, Permission
from django.test import Client, RequestFactory

from opsreview.org.audit import audit_record
from opsreview.org.models import AuditAction, AuditEvent

from .factories import DEFAULT_PASSWORD, TeamFactory, UserFactory

pytestmark = pytest.mark.django_db

NOW = datetime(2026, 7, 1, 11, 30, tzinfo=UTC)  # 12:30 in London (BST)
ADDRESS = "203.0.113.5"
CRAFTED = "<b hx-get=/x>"


@pytest.fixture
def frozen(time_machine):
    time_machine.move_to(NOW, tick=False)


@pytest.fixture
def ada():
    ada = UserFactory(username="ada", is_staff=True, is_superuser=True)
    AuditEvent.objects.all().delete()  # her creation as superuser: each test starts empty
    return ada


@pytest.fixture
def staff_client(ada):
    client = Client()
    client.force_login(ada)
    return client


def events(action: str) -> list[AuditEvent]:
    return list(AuditEvent.objects.filter(action=action))


def sign_in(username: str, password: str, address: str = ADDRESS):
    client = Client(REMOTE_ADDR=address)
    return client.post("/accounts/login/", {"username": username, "password": password})


# Recording


def test_a_failed_sign_in_is_recorded_with_the_username_tried_and_the_address(frozen):
    UserFactory(username="eli")
    sign_in("eli", "hunter2-is-not-it")
    [event] = events(AuditAction.SIGN_IN_FAILED)
    assert (event.actor, event.actor_label, event.ip_address) == (None, "eli", ADDRESS)
    assert event.when == NOW
    assert event.detail == "Wrong username or password."


def test_the_password_tried_is_never_stored_or_logged(caplog):
    with caplog.at_level(logging.INFO, logger="opsreview.org.audit"):
        sign_in("eli", "hunter2-is-not-it")
    [event] = events(AuditAction.SIGN_IN_FAILED)
    stored = " ".join(str(value) for value in vars(event).values())
    assert "hunter2" not in stored
    assert "hunter2" not in caplog.text
    assert "audit sign_in_failed by 'eli'" in caplog.text


def test_a_crafted_username_is_stored_as_typed_and_shown_escaped(staff_client):
    sign_in(CRAFTED, "wrong")
    assert events(AuditAction.SIGN_IN_FAILED)[0].actor_label == CRAFTED
    response = staff_client.get("/audit/")
    assert "&lt;b hx-get=/x&gt;" in response.text
    assert "<b hx-get" not in response.text


def test_a_username_with_a_line_break_stays_on_one_log_line(caplog):
    with caplog.at_level(logging.INFO, logger="opsreview.org.audit"):
        sign_in("eli\naudit forged entry", "wrong")
    [line] = [
        record.getMessage() for record in caplog.records if record.name == "opsreview.org.audit"
    ]
    assert "\n" not in line


def test_a_lock_out_is_recorded_once_when_it_begins(settings):
    for _ in range(settings.LOGIN_FAILURE_LIMIT + 3):
        sign_in("eli", "wrong")
    [event] = events(AuditAction.LOCKED_OUT)
    assert event.actor_label == "eli"
    assert event.ip_address == ADDRESS
    assert event.detail == (
        "Locked for 15 minutes after 10 failed sign-ins for this account"
        f" and 10 failed sign-ins from {ADDRESS}."
    )
    refused = AuditEvent.objects.filter(detail="Refused: sign-in is locked.")
    assert refused.count() == 3


def test_an_address_lock_out_says_it_is_the_address(settings):
    for n in range(settings.LOGIN_FAILURE_LIMIT):
        sign_in(f"guess{n}", "wrong")
    [event] = events(AuditAction.LOCKED_OUT)
    assert event.detail == f"Locked for 15 minutes after 10 failed sign-ins from {ADDRESS}."


def test_clearing_a_lock_out_is_recorded_with_the_staff_member(settings, staff_client, ada):
    for _ in range(settings.LOGIN_FAILURE_LIMIT):
        sign_in("eli", "wrong")
    staff_client.post("/accounts/lockouts/", {"username": "eli"}, REMOTE_ADDR="192.0.2.8")
    [event] = events(AuditAction.LOCKOUT_CLEARED)
    assert (event.actor, event.actor_label, event.ip_address) == (ada, "ada", "192.0.2.8")
    assert "eli" in event.detail


def test_a_refusal_is_recorded_with_the_person_method_and_path(frozen):
    eli = UserFactory(username="eli")
    team = TeamFactory(slug="front-door")
    client = Client(REMOTE_ADDR=ADDRESS)
    client.force_login(eli)
    response = client.post("/teams/front-door/edit/", {"name": "Mine now"})
    assert response.status_code == 403
    [event] = events(AuditAction.PERMISSION_DENIED)
    assert (event.actor, event.actor_label, event.ip_address, event.when) == (
        eli,
        "eli",
        ADDRESS,
        NOW,
    )
    assert event.detail.startswith("POST /teams/front-door/edit/: Only staff or the team's manager")
    team.refresh_from_db()
    assert team.name != "Mine now"


def test_making_someone_staff_is_recorded_before_and_after():
    eli = UserFactory(username="eli")
    eli.is_staff = True
    eli.is_superuser = True
    eli.save()
    [event] = events(AuditAction.PRIVILEGE_CHANGED)
    assert event.target_label == "eli"
    assert event.detail == "staff: no → yes; superuser: no → yes"


def test_deactivating_someone_is_recorded():
    eli = UserFactory(username="eli")
    eli.is_active = False
    eli.save(update_fields=["is_active"])
    assert events(AuditAction.PRIVILEGE_CHANGED)[0].detail == "active: yes → no"


def test_creating_a_superuser_is_recorded_and_an_ordinary_user_is_not():
    UserFactory(username="eli")
    UserFactory(username="root", is_staff=True, is_superuser=True)
    [event] = events(AuditAction.PRIVILEGE_CHANGED)
    assert (event.target_label, event.detail) == ("root", "created as staff and superuser")


def test_saves_that_change_no_privilege_record_nothing():
    eli = UserFactory(username="eli")
    eli.first_name = "Eli"
    eli.save()
    sign_in("eli", DEFAULT_PASSWORD)  # saves last_login
    assert events(AuditAction.PRIVILEGE_CHANGED) == []


def test_groups_and_permissions_given_and_taken_are_recorded():
    eli = UserFactory(username="eli")
    admins = Group.objects.create(name="ops-admins")
    can_change_user = Permission.objects.get(codename="change_user")
    eli.groups.add(admins)
    admins.user_set.remove(eli)
    eli.user_permissions.add(can_change_user)
    eli.user_permissions.clear()
    admins.permissions.add(can_change_user)
    details = [(e.target_label, e.detail) for e in reversed(events(AuditAction.PRIVILEGE_CHANGED))]
    assert details == [
        ("eli", "groups added: ops-admins"),
        ("eli", "group removed: ops-admins"),
        ("eli", f"permissions added: {can_change_user}"),
        ("eli", f"permissions removed: {can_change_user}"),
        ("ops-admins", f"permissions added: {can_change_user}"),
    ]


def test_a_change_made_in_the_admin_is_recorded_with_who_made_it(staff_client, ada):
    eli = UserFactory(username="eli")
    admins = Group.objects.create(name="ops-admins")
    form = {
        "username": "eli",
        "first_name": eli.first_name,
        "last_name": eli.last_name,
        "email": eli.email,
        "is_active": "on",
        "is_staff": "on",
        "groups": [admins.pk],
        "date_joined_0": "2026-01-01",
        "date_joined_1": "09:00:00",
    }
    response = staff_client.post(
        f"/admin/auth/user/{eli.pk}/change/", form, REMOTE_ADDR="192.0.2.8"
    )
    assert response.status_code == 302, response.context["adminform"].form.errors
    recorded = {e.detail: e for e in events(AuditAction.PRIVILEGE_CHANGED)}
    assert set(recorded) == {"staff: no → yes", "groups added: ops-admins"}
    assert {(e.actor, e.ip_address, e.target_label) for e in recorded.values()} == {
        (ada, "192.0.2.8", "eli")
    }


def test_audit_record_names_the_target_and_links_to_it(frozen):
    eli = UserFactory(username="eli")
    team = TeamFactory(name="Front Door", slug="front-door")
    request = RequestFactory().post("/", REMOTE_ADDR=ADDRESS)
    request.user = eli
    event = audit_record(AuditAction.COE_APPROVED, target=team, detail="Approved.", request=request)
    event.refresh_from_db()
    assert (event.actor, event.actor_label, event.ip_address, event.when) == (
        eli,
        "eli",
        ADDRESS,
        NOW,
    )
    assert (event.target_label, event.target_url, event.target_link) == (
        "Front Door",
        "/teams/front-door/",
        "/teams/front-door/",
    )


def test_audit_record_without_a_request_names_the_actor_given():
    eli = UserFactory(username="eli")
    event = audit_record(AuditAction.WHEEL_RIGGED, actor=eli, detail="x" * 900)
    assert (event.actor, event.actor_label, event.ip_address) == (eli, "eli", None)
    assert len(event.detail) == 500


@pytest.mark.parametrize("url", ["https://evil.example/", "//evil.example/", "javascript:x"])
def test_only_paths_on_this_site_are_linked(url):
    assert AuditEvent(target_url=url).target_link == ""


def test_the_actors_username_is_kept_when_the_account_is_deleted():
    eli = UserFactory(username="eli")
    audit_record(AuditAction.WHEEL_UNRIGGED, actor=eli)
    eli.delete()
    event = AuditEvent.objects.get(action=AuditAction.WHEEL_UNRIGGED)
    assert (event.actor, event.actor_label) == (None, "eli")


def test_every_action_the_other_apps_record_is_defined():
    assert {
        "SIGN_IN_FAILED",
        "LOCKED_OUT",
        "LOCKOUT_CLEARED",
        "PERMISSION_DENIED",
        "PRIVILEGE_CHANGED",
        "WHEEL_RIGGED",
        "WHEEL_UNRIGGED",
        "CALL_LEADER_CHANGED",
        "SEVERITY_CHANGED",
        "COE_APPROVED",
        "COE_CHANGES_REQUESTED",
    } <= set(AuditAction.names)


# Reading


def test_people_who_are_not_staff_are_refused_and_the_refusal_is_recorded():
    client = Client()
    client.force_login(UserFactory(username="mallory"))
    response = client.get("/audit/")
    assert response.status_code == 403
    assert "Only staff can read the audit log." in response.text
    [event] = events(AuditAction.PERMISSION_DENIED)
    assert event.actor_label == "mallory"
    assert event.detail == "GET /audit/: Only staff can read the audit log."


def test_staff_see_the_audit_link_in_the_header_and_others_do_not(staff_client):
    assert '<a href="/audit/">Audit</a>' in staff_client.get("/").text
    client = Client()
    client.force_login(UserFactory())
    assert "/audit/" not in client.get("/").text


def test_the_page_shows_who_what_when_and_where_in_the_site_time_zone(staff_client, frozen):
    audit_record(AuditAction.SEVERITY_CHANGED, actor="eli", detail="Sev 2 → Sev 3")
    html = staff_client.get("/audit/").text
    assert "1 Jul 2026, 12:30:00 BST" in html
    for text in ("eli", "Severity changed", "Sev 2 → Sev 3"):
        assert text in html


def _record_events(count: int, time_machine) -> None:
    for n in range(count):
        time_machine.move_to(NOW + timedelta(minutes=n), tick=False)
        audit_record(AuditAction.WHEEL_RIGGED, actor=f"person{n}")


def test_the_page_shows_fifty_events_a_page_newest_first(staff_client, time_machine):
    _record_events(120, time_machine)
    first = staff_client.get("/audit/").context["page"]
    assert [e.actor_label for e in first.object_list][:2] == ["person119", "person118"]
    assert len(first.object_list) == 50
    second = staff_client.get(f"/audit/?{first.next_query}").context["page"]
    assert second.object_list[0].actor_label == "person69"
    last = staff_client.get(f"/audit/?{second.next_query}").context["page"]
    assert len(last.object_list) == 20
    assert list(last.object_list)[-1].actor_label == "person0"
    assert not last.has_next


def test_older_pages_follow_the_last_event_shown_even_with_equal_times(staff_client):
    for n in range(60):  # all in the same instant: the id breaks the tie
        audit_record(AuditAction.WHEEL_RIGGED, actor=f"person{n}")
    first = staff_client.get("/audit/").context["page"]
    second = staff_client.get(f"/audit/?{first.next_query}").context["page"]
    shown = [e.actor_label for e in [*first.object_list, *second.object_list]]
    assert shown == [f"person{n}" for n in reversed(range(60))]


def test_an_unreadable_cursor_starts_from_the_newest(staff_client):
    audit_record(AuditAction.WHEEL_RIGGED, actor="eli")
    for after in ["nonsense", "2026-01-01T00:00:00~99999999999999999999", "[[[[~1", "x" * 5000]:
        page = staff_client.get("/audit/", {"after": after}).context["page"]
        assert [e.actor_label for e in page.object_list] == ["eli"]


def test_the_page_filters_by_action_and_by_person(staff_client):
    audit_record(AuditAction.WHEEL_RIGGED, actor="eli")
    audit_record(AuditAction.WHEEL_RIGGED, actor="bo")
    audit_record(AuditAction.COE_APPROVED, actor="eli")
    page = staff_client.get("/audit/?action=wheel_rigged&person=eli").context["page"]
    assert [(e.action, e.actor_label) for e in page.object_list] == [("wheel_rigged", "eli")]
    page = staff_client.get("/audit/?person=eli").context["page"]
    assert {e.action for e in page.object_list} == {"wheel_rigged", "coe_approved"}


def test_filters_are_kept_across_pages(staff_client, time_machine):
    _record_events(60, time_machine)
    response = staff_client.get("/audit/?action=wheel_rigged")
    next_query = response.context["page"].next_query
    assert next_query.startswith("action=wheel_rigged&after=")
    assert f'href="?{next_query.replace("&", "&amp;")}"' in response.text
    older = staff_client.get(f"/audit/?{next_query}")
    assert 'href="?action=wheel_rigged" rel="first"' in older.text


def test_an_unknown_action_filter_is_refused_with_a_message(staff_client):
    audit_record(AuditAction.WHEEL_RIGGED, actor="eli")
    response = staff_client.get("/audit/?action=<script>")
    assert response.status_code == 422
    assert "Select a valid choice" in response.text
    assert list(response.context["page"].object_list) == []


def test_the_admin_shows_the_log_read_only(staff_client):
    audit_record(AuditAction.WHEEL_RIGGED, actor="eli")
    event = AuditEvent.objects.get()
    listing = staff_client.get("/admin/org/auditevent/")
    assert listing.status_code == 200
    assert event in listing.context["cl"].result_list
    assert staff_client.get("/admin/org/auditevent/add/").status_code == 403
    assert staff_client.post(f"/admin/org/auditevent/{event.pk}/delete/").status_code == 403
    assert AuditEvent.objects.filter(pk=event.pk).exists()
    response = staff_client.post(
        f"/admin/org/auditevent/{event.pk}/change/", {"actor_label": "someone-else"}
    )
    assert response.status_code == 403
    event.refresh_from_db()
    assert event.actor_label == "eli"


# Decisions that matter later: each is in the log with who, when and what.


def test_rigging_and_cancelling_a_rig_are_audited():
    from tests.wheel.factories import wheel_with_teams
    from wheel.services import wheel_rig, wheel_unrig

    wheel = wheel_with_teams(3)
    admin = UserFactory(is_staff=True)
    participant = wheel.participants.first()

    wheel_rig(wheel=wheel, actor=admin, participant=participant, reason="Demo day", hidden=True)
    wheel_unrig(wheel=wheel, actor=admin)

    rigged, unrigged = AuditEvent.objects.exclude(action=AuditAction.PRIVILEGE_CHANGED).order_by(
        "pk"
    )
    assert (rigged.action, rigged.actor, rigged.target_label) == (
        AuditAction.WHEEL_RIGGED, admin, str(wheel)
    )  # fmt: skip
    assert "hidden" in rigged.detail and "Demo day" in rigged.detail
    assert (unrigged.action, unrigged.actor) == (AuditAction.WHEEL_UNRIGGED, admin)


def test_severity_and_call_leader_changes_are_audited():
    from incidents.models import Severity
    from incidents.services import incident_update
    from tests.incidents.factories import CallLeaderFactory, IncidentFactory

    leader = CallLeaderFactory().user
    successor = CallLeaderFactory().user
    incident = IncidentFactory(severity=Severity.SEV2, call_leader=leader)

    incident_update(
        incident=incident,
        actor=leader,
        changes={"severity": Severity.SEV3, "call_leader": successor},
    )

    events = {event.action: event for event in AuditEvent.objects.all()}
    assert events[AuditAction.SEVERITY_CHANGED].detail == "Sev-2 → Sev-3"
    assert events[AuditAction.SEVERITY_CHANGED].actor == leader
    assert events[AuditAction.CALL_LEADER_CHANGED].target_url == incident.get_absolute_url()


def test_approvals_and_requests_for_changes_are_audited():
    from coe.models import ReviewDecision
    from coe.services import coe_review, coe_submit
    from tests.coe.factories import complete_coe

    coe = complete_coe()
    coe = coe_submit(coe=coe, actor=coe.created_by)
    reviewer = UserFactory()

    coe = coe_review(
        coe=coe, actor=reviewer, decision=ReviewDecision.REQUEST_CHANGES, comment="Why 4?"
    )

    event = AuditEvent.objects.get()
    assert (event.action, event.actor, event.detail) == (
        AuditAction.COE_CHANGES_REQUESTED, reviewer, "Why 4?"
    )  # fmt: skip


def test_a_refused_lowering_of_severity_is_audited(client):
    from incidents.models import Severity
    from tests.incidents.factories import CallLeaderFactory, IncidentFactory

    member = UserFactory()
    team = TeamFactory()
    team.members.add(member)
    incident = IncidentFactory(
        severity=Severity.SEV2, call_leader=CallLeaderFactory().user, teams=[team]
    )
    client.force_login(member)

    client.post(
        f"/incidents/{incident.pk}/edit/",
        {
            "title": incident.title,
            "severity": Severity.SEV4,
            "call_leader": incident.call_leader_id,
            "impact_started_at": incident.impact_started_at.strftime("%Y-%m-%dT%H:%M"),
            "detected_at": incident.detected_at.strftime("%Y-%m-%dT%H:%M"),
        },
    )

    event = AuditEvent.objects.get(action=AuditAction.PERMISSION_DENIED)
    assert event.actor == member
    assert "lower the severity" in event.detail
    incident.refresh_from_db()
    assert incident.severity == Severity.SEV2
