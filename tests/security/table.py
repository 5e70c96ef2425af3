"""Who may do what, URL by URL: the intended policy, one row per URL and method (and per write
action where a URL does more than one thing), one column per role.

Outcomes:
- ``ok``: GET answers 200; POST answers 2xx/3xx and its effect is in the database.
- ``login``: a redirect to sign in (the admin's own sign-in page for /admin/), nothing written.
- ``403``: refused. Every object here is readable by everyone signed in, so a refusal to change
  it is a 403 that reveals nothing a GET would not; ids that do not exist are 404 (tested apart).
- ``404``: someone else's private thing (a notification): as if it did not exist.
- ``405``: a write path asked with GET, nothing written.
- ``ignored``: the request succeeds but the protected field keeps its value (a disabled field).

Amazon SNS's endpoint signs nobody in: a message is believed for its signature alone, so the
same answer goes to every role (an unsigned message: 403; GET: 405). Its signed messages are
tested in tests/cloudwatch/test_sns.py.

A cell the code gets wrong today is listed in the row's ``xfail`` with the reason.
"""

import io
import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from axes.models import AccessAttempt
from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.files.uploadedfile import SimpleUploadedFile
from django.http import HttpResponse
from django.utils import timezone
from PIL import Image

from coe.findings import coe_findings
from coe.models import (
    BlamelessAcknowledgement,
    Coe,
    CoeImage,
    CoeReviewer,
    CoeText,
    CoeThread,
    CoeTimelineEntry,
    ContributingFactor,
    ReviewerState,
    Status,
)
from coe.services import coe_image_add, coe_reviewer_add, coe_thread_resolve, factor_delete
from incidents.models import Incident, IncidentRole, TimelineEntry
from incidents.services import incident_mitigate
from opsreview.actions.models import ActionItem, ItemStatus
from opsreview.actions.services import action_item_complete
from opsreview.cloudwatch.models import AlarmScope, MetricQuery, SnsDelivery
from opsreview.meetings.models import (
    DeepDive,
    MeetingSection,
    MeetingStatus,
    OpsMeeting,
    Win,
    iso_week,
)
from opsreview.meetings.services import meeting_start
from opsreview.org.models import Notification, Profile, Team
from opsreview.reports.builder import week_period
from opsreview.reports.models import ReportDelivery
from tests.cloudwatch.metric_forms import metric_form
from tests.coe.factories import fill_every_section
from wheel.models import LogEntry, Participant, Rig, Spin, Wheel
from wheel.services import wheel_rig

from .world import ROLES, World

OK, LOGIN, DENIED, NOT_FOUND, NOT_ALLOWED, IGNORED = "ok", "login", "403", "404", "405", "ignored"
# A live part of a page, polled: to someone signed out, a 401 the page shows, not a redirect.
SIGNED_OUT = "401"
# Stands in form data for the signed-in person's id.
ACTOR = "<the person asking>"


def _grid(outcomes: str) -> dict[str, str]:
    values = outcomes.split()
    assert len(values) == len(ROLES), outcomes
    return dict(zip(ROLES, values, strict=True))


# Who may, by kind of action; the columns are ROLES (world.py), in order:
# fmt: off
#                         anonymous other  member author reviewer leader manager staff
OPEN = _grid(            "ok        ok     ok     ok     ok       ok     ok      ok")
SIGNED_IN = _grid(       "login     ok     ok     ok     ok       ok     ok      ok")
POLLED = _grid(          "401       ok     ok     ok     ok       ok     ok      ok")
POST_ONLY = _grid(       "login     405    405    405    405      405    405     405")
STAFF = _grid(           "login     403    403    403    403      403    403     ok")
TEAM_EDITORS = _grid(    "login     403    403    403    403      403    ok      ok")
TEAM_MANAGER = _grid(    "login     403    403    403    403      403    ignored ok")
INCIDENT_WORKERS = _grid("login     403    ok     403    403      ok     403     ok")
CALL_LEADER = _grid(     "login     403    403    403    403      ok     403     ok")
NOTE_AUTHOR = _grid(     "login     403    403    403    403      ok     403     403")
COE_EDITORS = _grid(     "login     403    ok     ok     403      403    403     403")
NOBODY = _grid(          "login     403    403    403    403      403    403     403")
ITEM_PEOPLE = _grid(     "login     403    ok     ok     403      403    403     ok")
REVIEWERS = _grid(       "login     ok     403    403    ok       ok     ok      ok")
ADMIN_SITE = _grid(      "login     login  login  login  login    login  login   ok")
ADMIN_MODELS = _grid(    "login     login  login  login  login    login  login   403")
MEETING_RUNNERS = _grid( "login     403    403    403    403      403    ok      ok")
REVIEWER_NAMERS = _grid( "login     403    ok     ok     403      403    403     ok")
THREAD_RESOLVERS = _grid("login     403    403    ok     ok       403    403     403")
RECIPIENT = _grid(       "login     404    404    404    404      404    404     ok")
# A draft is its authors', its team's (and their manager's), its named reviewers' and staff's:
# to anyone else it does not exist.
DRAFT_READERS = _grid(   "login     404    ok     ok     404      404    ok      ok")
DRAFT_POLLED = _grid(    "401       404    ok     ok     404      404    ok      ok")
DRAFT_EDITORS = _grid(   "login     404    ok     ok     404      404    403     403")
DRAFT_ITEM_PEOPLE = _grid("login    404    ok     ok     404      404    403     ok")
SIGNATURE_ONLY = _grid(  "403       403    403    403    403      403    403     403")
ANSWERS_NO_GET = _grid(  "405       405    405    405    405      405    405     405")
# fmt: on
# A topic the world's settings list (tests/security/conftest.py), so a refusal is the signature's.
SNS_TOPIC = "arn:aws:sns:eu-west-1:123456789012:opsreview-alarms"
# Wheel admins are staff or holders of wheel.administer_wheel; no other role here holds it.
WHEEL_ADMINS = STAFF
# A COE goes on a meeting's agenda by its authors, its team, those who reviewed it and staff:
# here the same people as may add its items (nobody has reviewed the world's COE yet).
DEEP_DIVE_QUEUERS = ITEM_PEOPLE

Args = Callable[[World], dict]
Effect = Callable[[World, HttpResponse], bool]


@dataclass(frozen=True)
class Row:
    name: str
    method: str
    expect: Mapping[str, str]
    action: str = ""
    args: Args = lambda world: {}
    query: Args | None = None
    data: Args | None = None
    setup: Callable[[World], None] | None = None
    effect: Effect | None = None
    xfail: Mapping[str, str] = field(default_factory=dict)
    # The data is sent as a JSON body (as Amazon SNS sends), not as a form.
    json: bool = False

    @property
    def label(self) -> str:
        return f"{self.method} {self.name}" + (f" ({self.action})" if self.action else "")


def page(name: str, expect: Mapping[str, str], **fields) -> list[Row]:
    return [Row(name, "GET", expect, **fields)]


def form(name: str, expect: Mapping[str, str], *writes: dict, args: Args = lambda w: {}):
    """A page that shows a form on GET and acts on POST."""
    return [Row(name, "GET", expect, args=args), *_posts(name, expect, writes, args)]


def post_only(name: str, expect: Mapping[str, str], *writes: dict, args: Args = lambda w: {}):
    """A write path: GET is refused with 405 and changes nothing."""
    return [Row(name, "GET", POST_ONLY, args=args), *_posts(name, expect, writes, args)]


def _posts(name: str, expect: Mapping[str, str], writes: tuple[dict, ...], args: Args):
    return [Row(name, "POST", **({"expect": expect, "args": args} | write)) for write in writes]


def write(effect: Effect, data: Args | None = None, **fields) -> dict:
    return {"effect": effect, "data": data, **fields}


# Arguments of the URLs, from the world.
def incident_pk(w):
    return {"pk": w.incident.pk}


def incident_role_pk(w):
    held = w.incident.roles.first()  # named by the row's setup; a GET is refused before
    return {"pk": w.incident.pk, "role_pk": held.pk if held else 1}


def _scribe_named(w) -> IncidentRole:
    return IncidentRole.objects.create(
        incident=w.incident,
        role="scribe",
        person=w.person("team_member"),
        assigned_by=w.person("call_leader"),
    )


def coe_pk(w):
    return {"pk": w.coe.pk}


def draft_pk(w):
    return {"pk": w.draft.pk}


def draft_image_pk(w):
    # The GET of a write path is refused before the image is looked up: any id will do there.
    image = getattr(w, "draft_image", None)
    return {"pk": w.draft.pk, "image_pk": image.pk if image else 1}


def _png_upload() -> SimpleUploadedFile:
    out = io.BytesIO()
    Image.new("RGB", (32, 16), (20, 120, 200)).save(out, "PNG")
    return SimpleUploadedFile("errors.png", out.getvalue(), content_type="image/png")


def _draft_image(w) -> None:
    w.draft_image = coe_image_add(
        coe=w.draft, actor=w.person("author"), upload=_png_upload(), section="metrics"
    )


def item_pk(w):
    return {"pk": w.item.pk}


def meeting_pk(w):
    return {"pk": w.meeting.pk}


def wheel_slug(w):
    return {"slug": w.wheel.slug}


def _notes_section(w: World) -> MeetingSection:
    return w.meeting.sections.get(key="events")


def thread_args(w):
    return {"pk": w.coe.pk, "thread_pk": w.thread.pk}


def _thread_open(w: World) -> bool:
    return CoeThread.objects.get(pk=w.thread.pk).is_open


def _thread_resolved(w: World) -> None:
    coe_thread_resolve(thread=w.thread, actor=w.person("reviewer"), resolved=True)


def _reviewer_named(w: World) -> None:
    coe_reviewer_add(coe=w.coe, actor=w.person("author"), reviewer=w.person("reviewer"))


def _named(w: World, role: str) -> str:
    row = CoeReviewer.objects.filter(coe=w.coe, reviewer=w.person(role)).first()
    return row.state if row else ""


def _everyone_notified(w: World) -> None:
    for person in w.people.values():
        if person is not None:
            Notification.objects.get_or_create(
                recipient=person,
                key="world:everyone",
                defaults={"kind": "mention", "text": "A mention.", "url": "/"},
            )


def ours_slug(w):
    return {"slug": w.ours.slug}


def scope_args(w):
    # The GET of a write path is refused before the scope is looked up: any id will do there.
    scope = getattr(w, "scope", None)
    return {"slug": w.ours.slug, "pk": scope.pk if scope else 1}


def _scope_added(w: World) -> None:
    w.scope = AlarmScope.objects.create(
        team=w.ours, region="us-east-1", alarm_prefixes=["Gateway-"]
    )


def _metric_added(w: World) -> None:
    _scope_added(w)
    w.metric = MetricQuery.objects.create(
        team=w.ours, scope=w.scope, label="Errors", namespace="AWS/ApiGateway", metric_name="5XX"
    )


def _metrics_added(w: World) -> None:
    """Two metrics, the world's first: one to move it past."""
    _metric_added(w)
    MetricQuery.objects.create(
        team=w.ours,
        scope=w.scope,
        label="Latency",
        namespace="AWS/ApiGateway",
        metric_name="Latency",
        position=1,
    )


def metric_args(w):
    metric = getattr(w, "metric", None)
    return {"slug": w.ours.slug, "pk": metric.pk if metric else 1}


def _metric_form(w: World) -> dict:
    return metric_form(w.scope)


def _scope_form(prefix: str, region: str) -> dict:
    fields = {"region": region, "alarm_prefixes": "Gateway-", "role_arn": "", "severity": 3}
    return {f"{prefix}-{name}": value for name, value in fields.items()}


def _local(moment: datetime) -> str:
    return timezone.localtime(moment).strftime("%Y-%m-%dT%H:%M")


def _incident(w: World) -> Incident:
    return Incident.objects.get(pk=w.incident.pk)


def _next_week() -> str:
    return iso_week(timezone.localdate() + timedelta(weeks=1))


def _meeting(w: World) -> OpsMeeting:
    return OpsMeeting.objects.get(pk=w.meeting.pk)


def _meeting_settings(w: World, **changes) -> dict:
    meeting = _meeting(w)
    data = {
        "starts_at": _local(meeting.starts_at),
        "facilitator": meeting.facilitator.username,
        "attendees": meeting.facilitator.username,
        "time_box_success": 10,
        "time_box_events": 25,
        "time_box_metrics": 15,
        "time_box_improvements": 10,
    }
    return data | changes


def _meeting_notes(w: World) -> dict:
    version = MeetingSection.objects.get(meeting=w.meeting, key="events").version
    return {"events-notes": "Two Sev-2s.", "events-decisions": "", "events-version": version}


def _item(w: World) -> ActionItem:
    return ActionItem.objects.get(pk=w.item.pk)


def _coe_status(coe: Coe) -> str:
    return Coe.objects.get(pk=coe.pk).status


def _on_timeline(w: World, text: str) -> bool:
    return TimelineEntry.objects.filter(incident=w.incident, text__contains=text).exists()


def _wheel_logged(w: World, kind: str) -> bool:
    return LogEntry.objects.filter(wheel=w.wheel, kind=kind).exists()


# Form data.


def _team_form(w: World, **changes) -> dict:
    team = Team.objects.get(pk=w.ours.pk)
    return {
        "name": team.name,
        "description": team.description,
        "manager": team.manager.username if team.manager else "",
        "members": ", ".join(team.members.values_list("username", flat=True)),
        "dashboard_url": team.dashboard_url,
        "runbook_url": team.runbook_url,
    } | changes


def _incident_form(w: World, **changes) -> dict:
    incident = _incident(w)
    return {
        "title": incident.title,
        "severity": incident.severity,
        "call_leader": incident.call_leader.username,
        "services": ", ".join(incident.services.values_list("name", flat=True)),
        "impact_started_at": _local(incident.impact_started_at),
        "detected_at": _local(incident.detected_at),
        "customer_impact": incident.customer_impact,
    } | changes


def _text_form(coe: Coe, key: str, body: str) -> dict:
    version = CoeText.objects.get(coe=coe, key=key).version
    return {f"{key}-body": body, f"{key}-version": version}


def _factor_form(w: World) -> dict:
    prefix = f"factor{w.factor.pk}"
    return {
        f"{prefix}-title": "Config pipeline without validation",
        f"{prefix}-category": "configuration",
        f"{prefix}-version": ContributingFactor.objects.get(pk=w.factor.pk).version,
        f"{prefix}-why_1": "Why did the config reach the canary?",
        f"{prefix}-because_1": "The pipeline has no validation stage.",
    }


def _acknowledgement(w: World) -> dict:
    finding = coe_findings(Coe.objects.for_editor().get(pk=w.draft.pk))[0]
    return {"fingerprint": finding.fingerprint, "reason": "Quoted from the customer's ticket."}


def _item_form(w: World, prefix: str, *, short_term: bool = False) -> dict:
    """A new item; one raised during an incident is always short-term and says no more."""
    fields = {"title": "Reject unknown upstreams", "owner": w.person("team_member").username}
    fields["team"] = w.ours.slug
    if not short_term:
        fields |= {"term": "medium", "priority": 3, "category": "technical"}
    return {f"{prefix}{name}": value for name, value in fields.items()}


def _item_edit_form(w: World) -> dict:
    item = _item(w)
    return {
        "title": "Validate gateway configuration before the canary",
        "owner": item.owner.username,
        "team": item.team.slug,
        "term": item.term,
        "due_date": item.due_date.isoformat(),
        "priority": item.priority,
        "category": item.category,
        "ticket_url": "",
        "description": "",
    }


def _preview_query(w: World) -> dict:
    period = week_period(timezone.localdate())
    return {"recipient": w.person("manager").username, "kind": "weekly", "period": period}


def _wheel_form(**changes) -> dict:
    return {
        "name": "Ops review",
        "slug": "ops",
        "show_weights": "on",
        "proportional_slices": "on",
        "allow_rigging": "on",
        "require_rig_reason": "on",
    } | changes


def _unsigned_alarm() -> dict:
    alarm = {
        "AlarmName": "BananaStand-Availability",
        "AlarmArn": "arn:aws:cloudwatch:eu-west-1:123456789012:alarm:BananaStand-Availability",
        "NewStateValue": "ALARM",
        "NewStateReason": "Threshold Crossed.",
    }
    return {
        "Type": "Notification",
        "MessageId": "3f1b8f5e-6d1c-4b8e-9a55-6a0b9c1e2d3f",
        "TopicArn": SNS_TOPIC,
        "Message": json.dumps(alarm),
        "Timestamp": "2024-05-01T12:00:00.000Z",
        "SigningCertURL": "https://sns.eu-west-1.amazonaws.com/SimpleNotificationService.pem",
    }


# Setups: the state a write needs, reached through the services as the people who would.


def _mitigated(w: World) -> None:
    incident_mitigate(incident=w.incident, actor=w.person("call_leader"))


def _submittable(w: World) -> None:
    factor_delete(factor=w.factor, actor=w.person("author"))
    fill_every_section(Coe.objects.get(pk=w.draft.pk))


def _item_done(w: World) -> None:
    action_item_complete(item=w.item, actor=w.person("team_member"))


def _rigged(w: World) -> None:
    wheel_rig(wheel=w.wheel, actor=w.person("staff"), participant=w.participant, reason="Due.")


def _meeting_started(w: World) -> None:
    """Under way already, so opening projector mode as staff writes nothing more."""
    meeting_start(meeting=w.meeting, actor=w.person("staff"))


def _weights_changed(w: World) -> None:
    Participant.objects.filter(pk=w.participant.pk).update(weight=3)


def _incident_without_coe(w: World) -> None:
    Coe.objects.filter(incident=w.incident).update(incident=None)


def _member_locked_out(w: World) -> None:
    AccessAttempt.objects.create(
        username="member",
        ip_address="192.0.2.7",
        failures_since_start=settings.AXES_FAILURE_LIMIT,
        user_agent="",
        http_accept="",
        path_info="/accounts/login/",
        get_data="",
        post_data="",
    )


TABLE: list[Row] = [
    # The organisation.
    *page("dashboard", SIGNED_IN),
    *page("healthz", OPEN),
    *page("login", OPEN),
    *post_only(
        "logout",
        SIGNED_IN,
        write(lambda w, response: not response.wsgi_request.user.is_authenticated),
    ),
    *page("team_list", SIGNED_IN),
    # What a picker suggests: names are no secret from anyone signed in.
    *page("people_search", SIGNED_IN, query=lambda w: {"q": "mem"}),
    *page("team_search", SIGNED_IN, query=lambda w: {"q": w.ours.name[:3]}),
    *page("service_search", SIGNED_IN, query=lambda w: {"q": "a"}),
    *page("team_detail", SIGNED_IN, args=ours_slug),
    *form(
        "team_edit",
        TEAM_EDITORS,
        write(
            lambda w, r: Team.objects.get(pk=w.ours.pk).description == "We run the gateway.",
            lambda w: _team_form(w, description="We run the gateway."),
            action="describe the team",
        ),
        write(
            lambda w, r: Team.objects.get(pk=w.ours.pk).manager == w.backup_leader,
            lambda w: _team_form(w, manager=w.backup_leader.username),
            action="hand the team to another manager",
            expect=TEAM_MANAGER,
        ),
        args=ours_slug,
    ),
    # A team's CloudWatch scopes: its manager and staff change them.
    *form(
        "team_cloudwatch",
        TEAM_EDITORS,
        write(
            lambda w, r: AlarmScope.objects.filter(team=w.ours, region="eu-west-1").exists(),
            lambda w: _scope_form("new", "eu-west-1"),
            action="add a scope",
        ),
        args=ours_slug,
    ),
    *post_only(
        "team_cloudwatch_scope",
        TEAM_EDITORS,
        write(
            lambda w, r: AlarmScope.objects.get(pk=w.scope.pk).region == "eu-west-2",
            lambda w: _scope_form(f"scope-{w.scope.pk}", "eu-west-2"),
            setup=_scope_added,
        ),
        args=scope_args,
    ),
    *post_only(
        "team_cloudwatch_scope_delete",
        TEAM_EDITORS,
        write(
            lambda w, r: not AlarmScope.objects.filter(pk=w.scope.pk).exists(),
            setup=_scope_added,
        ),
        args=scope_args,
    ),
    *post_only(
        "team_cloudwatch_metric_add",
        TEAM_EDITORS,
        write(
            lambda w, r: MetricQuery.objects.filter(team=w.ours, label="Gateway errors").exists(),
            _metric_form,
            setup=_scope_added,
        ),
        args=ours_slug,
    ),
    # The GET needs a metric to show: the row sets one up (form() would not).
    Row("team_cloudwatch_metric", "GET", TEAM_EDITORS, args=metric_args, setup=_metric_added),
    *_posts(
        "team_cloudwatch_metric",
        TEAM_EDITORS,
        (
            write(
                lambda w, r: MetricQuery.objects.get(pk=w.metric.pk).label == "Gateway errors",
                _metric_form,
                setup=_metric_added,
            ),
        ),
        metric_args,
    ),
    *post_only(
        "team_cloudwatch_metric_move",
        TEAM_EDITORS,
        write(
            lambda w, r: MetricQuery.objects.get(pk=w.metric.pk).position == 1,
            lambda w: {"direction": "down"},
            setup=_metrics_added,
        ),
        args=metric_args,
    ),
    *post_only(
        "team_cloudwatch_metric_delete",
        TEAM_EDITORS,
        write(
            lambda w, r: not MetricQuery.objects.filter(pk=w.metric.pk).exists(),
            setup=_metric_added,
        ),
        args=metric_args,
    ),
    *page("audit_log", STAFF),
    # The inbox: each person's own notifications (the world's one is staff's).
    *page("inbox", SIGNED_IN),
    *post_only(
        "inbox_read_all",
        SIGNED_IN,
        write(
            lambda w, r: (
                not Notification.objects.filter(
                    recipient=r.wsgi_request.user, read_at__isnull=True
                ).exists()
            ),
            action="mark every notification read",
            setup=_everyone_notified,
        ),
    ),
    *post_only(
        "notification_read",
        RECIPIENT,
        write(
            lambda w, r: Notification.objects.get(pk=w.notification.pk).read_at is not None,
            action="open a notification",
        ),
        args=lambda w: {"pk": w.notification.pk},
    ),
    *form(
        "email_settings",
        SIGNED_IN,
        write(
            lambda w, r: r.wsgi_request.user.email_opt_outs.filter(kind="mention").exists(),
            lambda w: {"kinds": ["review_requested", "approved"]},
            action="turn some emails off",
        ),
    ),
    *form(
        "profile",
        SIGNED_IN,
        write(
            lambda w, r: Profile.objects.filter(
                person=r.wsgi_request.user, time_zone="America/Los_Angeles"
            ).exists(),
            lambda w: {"time_zone": "America/Los_Angeles"},
            action="choose a time zone",
        ),
    ),
    *form(
        "lockout_list",
        STAFF,
        write(
            lambda w, r: not AccessAttempt.objects.filter(username="member").exists(),
            lambda w: {"username": "member"},
            action="unlock an account",
            setup=_member_locked_out,
        ),
    ),
    # Incidents: open to everyone signed in, run by the call leader, engaged teams and staff.
    *page("incidents:incident_list", SIGNED_IN),
    *form(
        "incidents:incident_new",
        SIGNED_IN,
        write(
            lambda w, r: Incident.objects.filter(title="Checkout slow in the EU").exists(),
            lambda w: {
                "title": "Checkout slow in the EU",
                "severity": 3,
                "call_leader": w.person("call_leader").username,
            },
            action="declare an incident",
        ),
    ),
    *page("incidents:call_leader_roster", SIGNED_IN),
    *page("incidents:incident_detail", SIGNED_IN, args=incident_pk),
    *page("incidents:incident_live", POLLED, args=incident_pk),
    *page("incidents:banner_live", POLLED),
    *post_only(
        "incidents:incident_role_assign",
        INCIDENT_WORKERS,
        write(
            lambda w, r: _incident(w).roles.filter(role="scribe").exists(),
            lambda w: {"role": "scribe", "person": w.person("team_member").username},
        ),
        args=incident_pk,
    ),
    *post_only(
        "incidents:incident_role_remove",
        INCIDENT_WORKERS,
        write(
            lambda w, r: not _incident(w).roles.exists(),
            lambda w: {},
            setup=_scribe_named,
        ),
        args=incident_role_pk,
    ),
    *form(
        "incidents:incident_edit",
        INCIDENT_WORKERS,
        write(
            lambda w, r: _incident(w).title == "Gateway answering 502 in the EU",
            lambda w: _incident_form(w, title="Gateway answering 502 in the EU"),
            action="retitle",
        ),
        write(
            lambda w, r: _incident(w).severity == 3 and _on_timeline(w, "Severity changed"),
            lambda w: _incident_form(w, severity=3),
            action="lower the severity",
            expect=CALL_LEADER,
        ),
        write(
            lambda w, r: (
                _incident(w).call_leader == w.backup_leader
                and _on_timeline(w, "Call leader is now")
            ),
            lambda w: _incident_form(w, call_leader=w.backup_leader.username),
            action="hand over the call",
            expect=CALL_LEADER,
        ),
        write(
            lambda w, r: (
                _incident(w).severity == 3 and _incident(w).call_leader_id == r.wsgi_request.user.pk
            ),
            lambda w: _incident_form(w, severity=3, call_leader=ACTOR),
            action="lower to Sev-3 and take the call",
            expect=CALL_LEADER,
        ),
        args=incident_pk,
    ),
    *post_only(
        "incidents:incident_mitigate",
        INCIDENT_WORKERS,
        write(lambda w, r: _incident(w).status == "mitigated", lambda w: {}),
        args=incident_pk,
    ),
    *post_only(
        "incidents:incident_resolve",
        INCIDENT_WORKERS,
        write(lambda w, r: _incident(w).status == "resolved", lambda w: {}, setup=_mitigated),
        args=incident_pk,
    ),
    *post_only(
        "incidents:incident_reopen",
        INCIDENT_WORKERS,
        write(
            lambda w, r: _incident(w).status == "investigating" and _on_timeline(w, "Reopened"),
            lambda w: {"reason": "Errors are back."},
            setup=_mitigated,
        ),
        args=incident_pk,
    ),
    *post_only(
        "incidents:incident_engage",
        INCIDENT_WORKERS,
        write(
            lambda w, r: _incident(w).teams.filter(pk=w.theirs.pk).exists(),
            lambda w: {"team": w.theirs.slug},
        ),
        args=incident_pk,
    ),
    *post_only(
        "incidents:incident_gate",
        CALL_LEADER,
        write(lambda w, r: _incident(w).gates_production_changes, lambda w: {"gated": "1"}),
        args=incident_pk,
    ),
    *form(
        "actions:incident_item_add",
        INCIDENT_WORKERS,
        write(
            lambda w, r: ActionItem.objects.filter(incident=w.incident, term="short").exists(),
            lambda w: _item_form(w, "item-", short_term=True),
        ),
        args=incident_pk,
    ),
    *post_only(
        "incidents:timeline_add",
        INCIDENT_WORKERS,
        write(
            lambda w, r: _on_timeline(w, "Rolled back the gateway."),
            lambda w: {"text": "Rolled back the gateway."},
        ),
        args=incident_pk,
    ),
    *page(
        "incidents:timeline_entry",
        SIGNED_IN,
        args=lambda w: {"pk": w.incident.pk, "entry_pk": w.entry.pk},
    ),
    *form(
        "incidents:timeline_edit",
        NOTE_AUTHOR,
        write(
            lambda w, r: TimelineEntry.objects.get(pk=w.entry.pk).text == "Paged the DBAs too.",
            lambda w: {"occurred_at": _local(w.entry.occurred_at), "text": "Paged the DBAs too."},
        ),
        args=lambda w: {"pk": w.incident.pk, "entry_pk": w.entry.pk},
    ),
    # COEs: read by everyone signed in, written by their authors and owning team while editable.
    *page("coe:coe_list", SIGNED_IN),
    *form(
        "coe:coe_new",
        SIGNED_IN,
        write(
            lambda w, r: Coe.objects.filter(title="Checkout slow in the EU").exists(),
            lambda w: {"title": "Checkout slow in the EU", "team": w.ours.slug},
            action="start a draft",
        ),
        write(
            lambda w, r: Coe.objects.filter(incident=w.incident, title="Gateway 502s").exists(),
            lambda w: {"title": "Gateway 502s", "team": w.ours.slug, "incident": w.incident.pk},
            action="start the COE of an incident",
            expect=INCIDENT_WORKERS,
            setup=_incident_without_coe,
        ),
    ),
    *page("coe:coe_detail", SIGNED_IN, args=coe_pk),
    *page("coe:coe_detail", DRAFT_READERS, args=draft_pk, action="a draft"),
    *page("coe:coe_history", DRAFT_READERS, args=draft_pk, action="a draft"),
    *post_only(
        "coe:coe_image_upload",
        DRAFT_EDITORS,
        write(
            lambda w, r: CoeImage.objects.filter(coe=w.draft, caption="Canary errors").exists(),
            lambda w: {"image": _png_upload(), "section": "metrics", "caption": "Canary errors"},
        ),
        args=draft_pk,
    ),
    *page("coe:coe_image", DRAFT_READERS, args=draft_image_pk, setup=_draft_image),
    *page("coe:coe_image_thumbnail", DRAFT_READERS, args=draft_image_pk, setup=_draft_image),
    *post_only(
        "coe:coe_image_delete",
        DRAFT_EDITORS,
        write(
            lambda w, r: not CoeImage.objects.filter(pk=w.draft_image.pk).exists(),
            lambda w: {},
            setup=_draft_image,
        ),
        args=draft_image_pk,
    ),
    *page("coe:coe_checklist", SIGNED_IN, args=coe_pk),
    *page("coe:coe_history", SIGNED_IN, args=coe_pk),
    *page("coe:coe_export_markdown", SIGNED_IN, args=coe_pk),
    *page("coe:coe_export_markdown", DRAFT_READERS, args=draft_pk, action="a draft"),
    *page("coe:coe_similar", SIGNED_IN, args=coe_pk),
    *page("coe:coe_similar", DRAFT_READERS, args=draft_pk, action="a draft"),
    *page("coe:coe_live", POLLED, args=coe_pk),
    *page("coe:coe_live", DRAFT_POLLED, args=draft_pk, action="a draft"),
    *post_only(
        "coe:coe_preview",
        DRAFT_EDITORS,
        write(
            lambda w, r: b"<strong>bold</strong>" in r.content,
            lambda w: {"summary-body": "**bold**"},
            action="render, save nothing",
        ),
        args=draft_pk,
    ),
    *post_only(
        "coe:coe_title_save",
        DRAFT_EDITORS,
        write(
            lambda w, r: Coe.objects.get(pk=w.draft.pk).title == "Gateway config near miss",
            lambda w: {"title": "Gateway config near miss"},
        ),
        args=draft_pk,
    ),
    *post_only(
        "coe:coe_text_save",
        DRAFT_EDITORS,
        write(
            lambda w, r: (
                CoeText.objects.get(coe=w.draft, key="summary").body
                == "A canary stopped a bad config."
            ),
            lambda w: _text_form(w.draft, "summary", "A canary stopped a bad config."),
            action="draft",
        ),
        write(
            lambda w, r: CoeText.objects.get(coe=w.coe, key="lessons").body == "Rewritten.",
            lambda w: _text_form(w.coe, "lessons", "Rewritten."),
            action="in review: read-only",
            expect=NOBODY,
            args=lambda w: {"pk": w.coe.pk, "key": "lessons"},
        ),
        args=lambda w: {"pk": w.draft.pk, "key": "summary"},
    ),
    *post_only(
        "coe:coe_timeline_add",
        DRAFT_EDITORS,
        write(
            lambda w, r: w.draft.timeline_entries.filter(text="Config rolled back.").exists(),
            lambda w: {"occurred_at": _local(timezone.now()), "text": "Config rolled back."},
        ),
        args=draft_pk,
    ),
    *post_only(
        "coe:coe_timeline_copy",
        DRAFT_EDITORS,
        write(
            lambda w, r: w.draft.timeline_entries.filter(
                text__startswith="Canary rejected"
            ).exists(),
            lambda w: {},
        ),
        args=draft_pk,
    ),
    *post_only(
        "coe:coe_timeline_delete",
        DRAFT_EDITORS,
        write(
            lambda w, r: not CoeTimelineEntry.objects.filter(pk=w.draft_entry.pk).exists(),
            lambda w: {},
        ),
        args=lambda w: {"pk": w.draft.pk, "entry_pk": w.draft_entry.pk},
    ),
    *post_only(
        "coe:coe_factor_add",
        DRAFT_EDITORS,
        write(lambda w, r: w.draft.factors.count() == 2, lambda w: {}),
        args=draft_pk,
    ),
    *post_only(
        "coe:coe_factor_save",
        DRAFT_EDITORS,
        write(
            lambda w, r: ContributingFactor.objects.get(pk=w.factor.pk).steps.count() == 1,
            _factor_form,
        ),
        args=lambda w: {"pk": w.draft.pk, "factor_pk": w.factor.pk},
    ),
    *post_only(
        "coe:coe_factor_delete",
        DRAFT_EDITORS,
        write(lambda w, r: not w.draft.factors.exists(), lambda w: {}),
        args=lambda w: {"pk": w.draft.pk, "factor_pk": w.factor.pk},
    ),
    *post_only(
        "coe:coe_acknowledge",
        DRAFT_EDITORS,
        write(
            lambda w, r: BlamelessAcknowledgement.objects.filter(coe=w.draft).exists(),
            _acknowledgement,
        ),
        args=draft_pk,
    ),
    *post_only(
        "coe:coe_submit",
        DRAFT_EDITORS,
        write(
            lambda w, r: _coe_status(w.draft) == Status.IN_REVIEW,
            lambda w: {},
            setup=_submittable,
        ),
        args=draft_pk,
    ),
    *post_only(
        "coe:coe_review",
        REVIEWERS,
        write(
            lambda w, r: _coe_status(w.coe) == Status.APPROVED,
            lambda w: {"decision": "approve", "comment": "Clear and blameless."},
            action="approve",
        ),
        write(
            lambda w, r: _coe_status(w.coe) == Status.CHANGES_REQUESTED,
            lambda w: {"decision": "request_changes", "comment": "Add the error-rate graph."},
            action="request changes",
        ),
        args=coe_pk,
    ),
    # Comment threads: anyone who may review a COE in review (here everyone signed in: no
    # reviewers are named) comments; the thread's starter (the reviewer) and the COE's authors
    # resolve and reopen it.
    *page("coe:coe_since_review", SIGNED_IN, args=coe_pk),
    *post_only(
        "coe:coe_thread_start",
        SIGNED_IN,
        write(
            lambda w, r: CoeThread.objects.filter(coe=w.coe, quote="every region").exists(),
            lambda w: {"section": "summary", "quote": "every region", "body": "Why?"},
            action="comment on a passage",
        ),
        args=coe_pk,
    ),
    *post_only(
        "coe:coe_thread_reply",
        SIGNED_IN,
        write(
            lambda w, r: w.thread.comments.filter(body="Because of the pipeline.").exists(),
            lambda w: {f"reply-{w.thread.pk}-body": "Because of the pipeline."},
            action="reply",
        ),
        args=thread_args,
    ),
    *post_only(
        "coe:coe_thread_resolve",
        THREAD_RESOLVERS,
        write(lambda w, r: not _thread_open(w), action="resolve a thread"),
        args=thread_args,
    ),
    *post_only(
        "coe:coe_thread_reopen",
        THREAD_RESOLVERS,
        write(lambda w, r: _thread_open(w), action="reopen a thread", setup=_thread_resolved),
        args=thread_args,
    ),
    *post_only(
        "coe:coe_reviewer_add",
        REVIEWER_NAMERS,
        write(
            lambda w, r: _named(w, "reviewer") == ReviewerState.REQUESTED,
            lambda w: {"reviewer": w.person("reviewer").username},
            action="name a reviewer",
        ),
        args=coe_pk,
    ),
    *post_only(
        "coe:coe_reviewer_remove",
        REVIEWER_NAMERS,
        write(
            lambda w, r: _named(w, "reviewer") == ReviewerState.REMOVED,
            action="take a reviewer off",
            setup=_reviewer_named,
        ),
        args=lambda w: {"pk": w.coe.pk, "user_pk": w.person("reviewer").pk},
    ),
    *post_only(
        "coe:coe_reviewer_reassign",
        STAFF,
        write(
            lambda w, r: (
                _named(w, "other_team") == ReviewerState.REQUESTED
                and _named(w, "reviewer") == ReviewerState.REMOVED
            ),
            lambda w: {f"reassign-{w.person('reviewer').pk}-to": w.person("other_team").username},
            action="reassign a review",
            setup=_reviewer_named,
        ),
        args=lambda w: {"pk": w.coe.pk, "user_pk": w.person("reviewer").pk},
    ),
    *post_only(
        "coe:coe_action_add",
        DRAFT_ITEM_PEOPLE,
        write(
            lambda w, r: w.draft.action_items.filter(title="Reject unknown upstreams").exists(),
            lambda w: _item_form(w, "item-"),
        ),
        args=draft_pk,
    ),
    # Action items: changed by their owner, their team, the COE's authors and staff.
    *page("actions:action_list", SIGNED_IN),
    *form(
        "actions:action_detail",
        SIGNED_IN,
        write(
            lambda w, r: _item(w).title == "Validate gateway configuration before the canary",
            _item_edit_form,
            action="edit",
            expect=ITEM_PEOPLE,
        ),
        args=item_pk,
    ),
    *post_only(
        "actions:action_start",
        ITEM_PEOPLE,
        write(lambda w, r: _item(w).status == ItemStatus.IN_PROGRESS, lambda w: {}),
        args=item_pk,
    ),
    *post_only(
        "actions:action_complete",
        ITEM_PEOPLE,
        write(lambda w, r: _item(w).status == ItemStatus.DONE, lambda w: {}),
        args=item_pk,
    ),
    *post_only(
        "actions:action_wont_do",
        ITEM_PEOPLE,
        write(
            lambda w, r: _item(w).status == ItemStatus.WONT_DO,
            lambda w: {"reason": "The gateway is being retired."},
        ),
        args=item_pk,
    ),
    *post_only(
        "actions:action_reopen",
        ITEM_PEOPLE,
        write(lambda w, r: _item(w).status == ItemStatus.OPEN, lambda w: {}, setup=_item_done),
        args=item_pk,
    ),
    # Reports: each person sees their own deliveries; previews, sending and the outbox are staff's.
    *page("reports:report_list", SIGNED_IN),
    *page("reports:report_preview", STAFF, query=_preview_query),
    *page("reports:report_preview_html", STAFF, query=_preview_query),
    *post_only(
        "reports:report_send_now",
        STAFF,
        write(
            lambda w, r: ReportDelivery.objects.filter(
                recipient=w.person("manager"), period=week_period(timezone.localdate())
            ).exists(),
            lambda w: {"kind": "weekly"},
        ),
    ),
    *page("reports:outbox_list", STAFF),
    *page("reports:outbox_detail", STAFF, args=lambda w: {"pk": w.message.pk}),
    *page("reports:outbox_html", STAFF, args=lambda w: {"pk": w.message.pk}),
    # Ops meetings: read by everyone signed in, who also prepare the week's, post wins and (for a
    # COE's people) queue a deep dive; the facilitator and staff run them.
    *page("meetings:meeting_list", SIGNED_IN),
    *post_only(
        "meetings:meeting_prepare",
        SIGNED_IN,
        write(
            lambda w, r: (
                r["Location"] == w.meeting.get_absolute_url() and OpsMeeting.objects.count() == 1
            ),
            lambda w: {},
            action="this week's exists: open it",
        ),
        write(
            lambda w, r: OpsMeeting.objects.filter(week=_next_week()).exists(),
            lambda w: {"week": _next_week()},
            action="prepare next week's",
        ),
    ),
    *page("meetings:meeting_detail", SIGNED_IN, args=meeting_pk),
    *page("meetings:meeting_metric_charts", SIGNED_IN, args=meeting_pk),
    *post_only(
        "meetings:meeting_update",
        MEETING_RUNNERS,
        write(
            lambda w, r: _meeting(w).length_minutes == 75,
            lambda w: _meeting_settings(w, time_box_events=40),
        ),
        args=meeting_pk,
    ),
    *post_only(
        "meetings:meeting_start",
        MEETING_RUNNERS,
        write(lambda w, r: _meeting(w).status == MeetingStatus.IN_PROGRESS, lambda w: {}),
        args=meeting_pk,
    ),
    *post_only(
        "meetings:meeting_finish",
        MEETING_RUNNERS,
        write(lambda w, r: _meeting(w).status == MeetingStatus.DONE, lambda w: {}),
        args=meeting_pk,
    ),
    *post_only(
        "meetings:section_save",
        MEETING_RUNNERS,
        write(
            lambda w, r: (
                MeetingSection.objects.get(meeting=w.meeting, key="events").notes == "Two Sev-2s."
            ),
            _meeting_notes,
        ),
        args=lambda w: {"pk": w.meeting.pk, "key": "events"},
    ),
    *post_only(
        "meetings:meeting_item_add",
        MEETING_RUNNERS,
        write(
            lambda w, r: w.meeting.action_items.filter(title="Reject unknown upstreams").exists(),
            lambda w: _item_form(w, "item-"),
        ),
        args=meeting_pk,
    ),
    *post_only(
        "meetings:win_post",
        SIGNED_IN,
        write(
            lambda w, r: Win.objects.filter(text="The canary caught a bad config.").exists(),
            lambda w: {"text": "The canary caught a bad config.", "team": w.ours.slug},
        ),
    ),
    *post_only(
        "meetings:deep_dive_queue",
        DEEP_DIVE_QUEUERS,
        write(
            lambda w, r: DeepDive.objects.filter(coe=w.coe).exists(),
            lambda w: {"coe": w.coe.pk, "week": iso_week(timezone.localdate())},
        ),
    ),
    # The wheel: everyone spins and chooses; wheel admins set it up and rig it.
    *page("wheel:wheel_list", SIGNED_IN),
    *form(
        "wheel:wheel_create",
        WHEEL_ADMINS,
        write(
            lambda w, r: Wheel.objects.filter(slug="incident-review").exists(),
            lambda w: _wheel_form(
                name="Incident review", slug="", every_team="", teams=w.ours.slug
            ),
        ),
    ),
    *page("wheel:wheel_detail", SIGNED_IN, args=wheel_slug),
    *form(
        "wheel:wheel_edit",
        WHEEL_ADMINS,
        write(
            lambda w, r: Wheel.objects.get(pk=w.wheel.pk).name == "Weekly ops review",
            lambda w: _wheel_form(name="Weekly ops review"),
        ),
        args=wheel_slug,
    ),
    *post_only(
        "wheel:wheel_spin",
        SIGNED_IN,
        write(lambda w, r: Spin.objects.filter(wheel=w.wheel).count() == 2, lambda w: {}),
        args=wheel_slug,
    ),
    *post_only(
        "wheel:wheel_choose",
        SIGNED_IN,
        write(lambda w, r: Spin.objects.get(pk=w.spin.pk).was_chosen, lambda w: {}),
        args=lambda w: {"slug": w.wheel.slug, "spin_pk": w.spin.pk},
    ),
    *post_only(
        "wheel:wheel_rig",
        WHEEL_ADMINS,
        write(
            lambda w, r: _wheel_logged(w, LogEntry.Kind.RIGGED),
            lambda w: {"participant": w.participant.pk, "reason": "Ours has not presented."},
        ),
        args=wheel_slug,
    ),
    *post_only(
        "wheel:wheel_unrig",
        WHEEL_ADMINS,
        write(
            lambda w, r: not Rig.objects.filter(wheel=w.wheel, cleared_at=None).exists(),
            lambda w: {},
            setup=_rigged,
        ),
        args=wheel_slug,
    ),
    *post_only(
        "wheel:wheel_reset",
        WHEEL_ADMINS,
        write(
            lambda w, r: set(w.wheel.participants.values_list("weight", flat=True)) == {1.0},
            lambda w: {},
            setup=_weights_changed,
        ),
        args=wheel_slug,
    ),
    *post_only(
        "wheel:participant_add",
        WHEEL_ADMINS,
        write(
            lambda w, r: w.wheel.participants.filter(name="Guest").exists(),
            lambda w: {"name": "Guest", "url": "https://dashboards.example.com/guest"},
        ),
        args=wheel_slug,
    ),
    *post_only(
        "wheel:participant_edit",
        WHEEL_ADMINS,
        write(
            lambda w, r: Participant.objects.get(pk=w.participant.pk).weight == 2,
            lambda w: {f"p{w.participant.pk}-weight": "2"},
        ),
        args=lambda w: {"slug": w.wheel.slug, "pk": w.participant.pk},
    ),
    *post_only(
        "wheel:participant_delete",
        WHEEL_ADMINS,
        write(lambda w, r: not Participant.objects.filter(pk=w.participant.pk).exists()),
        args=lambda w: {"slug": w.wheel.slug, "pk": w.participant.pk},
    ),
    # Projector mode: everyone watches; the facilitator and staff spin, choose, take notes, raise
    # items and finish (the world's facilitator is our manager).
    *page("meetings:meeting_present", SIGNED_IN, args=meeting_pk, setup=_meeting_started),
    *post_only(
        "meetings:meeting_spin",
        MEETING_RUNNERS,
        write(lambda w, r: Spin.objects.filter(wheel=w.wheel).count() == 2, lambda w: {}),
        args=meeting_pk,
    ),
    *post_only(
        "meetings:meeting_spin_choose",
        MEETING_RUNNERS,
        write(lambda w, r: _meeting(w).chosen_team_id == w.ours.pk, lambda w: {}),
        args=lambda w: {"pk": w.meeting.pk, "spin_pk": w.spin.pk},
    ),
    *post_only(
        "meetings:present_notes",
        MEETING_RUNNERS,
        write(
            lambda w, r: _notes_section(w).notes == "Paging worked.",
            lambda w: {
                "notes-events-notes": "Paging worked.",
                "notes-events-decisions": "",
                "notes-events-base_version": 0,
            },
        ),
        args=lambda w: {"pk": w.meeting.pk, "section_pk": _notes_section(w).pk},
    ),
    *post_only(
        "meetings:present_item_add",
        MEETING_RUNNERS,
        write(
            lambda w, r: ActionItem.objects.filter(meeting=w.meeting).exists(),
            lambda w: _item_form(w, "item-"),
        ),
        args=meeting_pk,
    ),
    *post_only(
        "meetings:present_finish",
        MEETING_RUNNERS,
        write(lambda w, r: _meeting(w).status == MeetingStatus.DONE, lambda w: {}),
        args=meeting_pk,
    ),
    # Django's admin, as one group: staff get in; changing people needs a model permission,
    # which no role here has (the report-preview takeover of issue 10 aimed at this form).
    # Amazon SNS's deliveries: an alarm that SNS did not sign opens nothing, whoever sends it.
    Row("cloudwatch:sns_receive", "GET", ANSWERS_NO_GET),
    Row(
        "cloudwatch:sns_receive",
        "POST",
        SIGNATURE_ONLY,
        action="an unsigned alarm",
        json=True,
        data=lambda w: _unsigned_alarm(),
        effect=lambda w, r: SnsDelivery.objects.exists(),
    ),
    *page("admin:index", ADMIN_SITE),
    *page("admin:auth_user_changelist", ADMIN_MODELS),
    *form(
        "admin:auth_user_change",
        ADMIN_MODELS,
        write(
            lambda w, r: get_user_model().objects.get(username="member").is_superuser,
            lambda w: {"username": "member", "is_staff": "on", "is_superuser": "on"},
            action="make someone superuser",
        ),
        args=lambda w: {"object_id": w.person("team_member").pk},
    ),
]
