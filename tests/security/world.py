"""One small organisation in which every URL of the project has something real to point at.

Two teams, ours and theirs, each with a manager; a Sev-2 incident led by a rostered call
leader with our team engaged; our COE about it, in review; a draft COE for the editing paths;
an overdue action item; a wheel; a sent report and its outbox copy; this week's ops meeting,
facilitated by our manager. The people are the roles
the URL-by-role matrix asks as.
"""

from dataclasses import dataclass, field
from datetime import timedelta

from django.contrib.auth.models import AbstractBaseUser
from django.utils import timezone

from coe.models import Coe, CoeThread, CoeTimelineEntry, ContributingFactor
from coe.services import coe_submit, coe_thread_start, coe_timeline_entry_add, factor_add
from incidents.models import Incident, Severity, TimelineEntry
from opsreview.actions.models import ActionItem
from opsreview.meetings.models import OpsMeeting
from opsreview.meetings.services import meeting_prepare
from opsreview.org.models import Notification, NotificationKind, OutboxMessage, Service, Team
from opsreview.reports.models import ReportDelivery
from tests.coe.factories import CoeFactory, add_item, complete_coe, save_text
from tests.incidents.factories import CallLeaderFactory, IncidentFactory, TimelineEntryFactory
from tests.org.factories import ServiceFactory, TeamFactory, UserFactory
from tests.wheel.factories import ParticipantFactory, SpinFactory, WheelFactory
from wheel.models import Participant, Spin, Wheel

# Each role holds one relation to the world and no other, so a cell shows what that one grants.
ROLES = (
    "anonymous",  # not signed in
    "other_team",  # a member of theirs, which has no part in the incident or the COEs
    "team_member",  # a member of ours (engaged): wrote part of our COE, not a listed author
    "author",  # the COEs' listed author, in no team
    "reviewer",  # a bar raiser: in no team, wrote none of it
    "call_leader",  # the incident's call leader, on the roster, in no team
    "manager",  # our team's manager, not one of its members
    "staff",  # is_staff without model permissions, in no team
)

# Wording the blameless check flags, so the draft has a finding to acknowledge.
FLAGGED_SUMMARY = "The gateway went down because of operator error during a change."


@dataclass
class World:
    ours: Team
    theirs: Team
    service: Service
    incident: Incident
    entry: TimelineEntry
    coe: Coe
    thread: CoeThread
    near_miss: Incident
    draft: Coe
    draft_entry: CoeTimelineEntry
    factor: ContributingFactor
    item: ActionItem
    wheel: Wheel
    participant: Participant
    spin: Spin
    delivery: ReportDelivery
    message: OutboxMessage
    notification: Notification
    meeting: OpsMeeting
    backup_leader: AbstractBaseUser
    people: dict[str, AbstractBaseUser | None] = field(default_factory=dict)

    def person(self, role: str) -> AbstractBaseUser | None:
        return self.people[role]


def _person(username: str, first_name: str, **fields) -> AbstractBaseUser:
    # Fixed, unusual names: the blameless check flags people's names found in a COE's text.
    return UserFactory(username=username, first_name=first_name, last_name="Quillfeather", **fields)


def build_world() -> World:
    people = {
        "anonymous": None,
        "other_team": _person("other", "Odalys"),
        "team_member": _person("member", "Marisol"),
        "author": _person("author", "Aurelio"),
        "reviewer": _person("reviewer", "Rosalind"),
        "call_leader": _person("leader", "Leocadia"),
        "manager": _person("manager", "Magnolia"),
        "staff": _person("staff", "Saoirse", is_staff=True),
    }
    backup_leader = _person("backup", "Bartholomew")
    their_manager = _person("their-manager", "Thaddeus")
    ours = TeamFactory(
        name="Ours", slug="ours", manager=people["manager"], members=[people["team_member"]]
    )
    theirs = TeamFactory(
        name="Theirs", slug="theirs", manager=their_manager, members=[people["other_team"]]
    )
    service = ServiceFactory(name="Gateway", team=ours)
    leader = people["call_leader"]
    CallLeaderFactory(user=leader)
    CallLeaderFactory(user=backup_leader)
    incident = IncidentFactory(
        title="Gateway answering 502",
        severity=Severity.SEV2,
        declared_by=leader,
        call_leader=leader,
        teams=[ours],
    )
    incident.services.add(service)
    entry = TimelineEntryFactory(incident=incident, author=leader, text="Paged the gateway team.")

    author = people["author"]
    # Linked directly: the author's one link is authorship; starting an incident's COE takes
    # working the incident.
    coe = complete_coe(title="Gateway answering 502", team=ours, actor=author)
    Coe.objects.filter(pk=coe.pk).update(incident=incident)
    coe.refresh_from_db()
    # The team member wrote part of it, so is not an independent reviewer.
    save_text(coe, "related", "See the gateway runbook.", actor=people["team_member"])
    coe = coe_submit(coe=coe, actor=author)
    # A bar raiser's question on the summary, open.
    thread = coe_thread_start(
        coe=coe, actor=people["reviewer"], section="summary", body="Why every region at once?"
    )

    near_miss = IncidentFactory(
        title="Gateway config almost shipped", declared_by=leader, teams=[ours], resolved=True
    )
    TimelineEntryFactory(incident=near_miss, author=leader, text="Canary rejected the config.")
    draft = CoeFactory(title="Gateway near miss", team=ours, actor=author)
    Coe.objects.filter(pk=draft.pk).update(incident=near_miss)
    draft.refresh_from_db()
    save_text(draft, "summary", FLAGGED_SUMMARY)
    draft_entry = coe_timeline_entry_add(
        coe=draft, actor=author, occurred_at=timezone.now(), text="Canary caught the config."
    )
    factor = factor_add(coe=draft, actor=author, title="Config pipeline")
    item = add_item(
        draft,
        owner=people["team_member"],
        title="Validate gateway configuration",
        due_date=timezone.localdate() - timedelta(days=3),
        confirm_past_due=True,
    )

    wheel = WheelFactory(name="Ops review", slug="ops")
    participant = ParticipantFactory(wheel=wheel, team=ours)
    ParticipantFactory(wheel=wheel, team=theirs)
    spin = SpinFactory(participant=participant, spun_by=people["staff"])

    delivery = ReportDelivery.objects.create(
        recipient=people["manager"],
        kind="weekly",
        period="2020-W01",
        status="sent",
        subject="Ours: 1 overdue item",
    )
    message = OutboxMessage.objects.create(
        subject="Ours: 1 overdue item",
        from_email="opsreview@example.com",
        to=[people["manager"].email],
        text_body="Validate gateway configuration is 3 days overdue.",
        html_body="<p>Validate gateway configuration is 3 days overdue.</p>",
    )
    # A notification of staff's own: nobody else may open it, nor learn that it exists.
    notification = Notification.objects.create(
        recipient=people["staff"],
        kind=NotificationKind.MENTION,
        key="world:mention",
        text="Someone mentioned you on the gateway COE.",
        url=coe.get_absolute_url(),
    )
    # This week's ops meeting, prepared (and so facilitated) by our manager.
    meeting, _ = meeting_prepare(actor=people["manager"])
    return World(
        ours=ours,
        theirs=theirs,
        service=service,
        incident=incident,
        entry=entry,
        coe=coe,
        thread=thread,
        near_miss=near_miss,
        draft=draft,
        draft_entry=draft_entry,
        factor=factor,
        item=item,
        wheel=wheel,
        participant=participant,
        spin=spin,
        delivery=delivery,
        message=message,
        notification=notification,
        meeting=meeting,
        backup_leader=backup_leader,
        people=people,
    )
