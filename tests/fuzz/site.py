"""The demo organisation as the fuzzer meets it: seeded, put in the states some forms need,
signed in as each role and crawled."""

import io
from dataclasses import dataclass
from datetime import timedelta

from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.test import Client
from django.utils import timezone

from incidents import services as incidents
from incidents.models import Severity
from opsreview.meetings.models import iso_week
from opsreview.meetings.services import meeting_prepare
from opsreview.org.models import OutboxMessage, Team
from tests.opsreview.test_sign_in import SIGNED_IN_PATHS
from wheel.models import Wheel
from wheel.services import wheel_rig

from .checks import fingerprint
from .crawl import Crawl, Target

# Who the pages are read and the requests sent as: staff, a manager of every team, a call
# leader who authored the draft COE, and an engineer who authored the one in review.
ROLES = ("admin", "manager", "callleader", "engineer")


@dataclass
class Site:
    clients: dict[str, Client]
    targets: dict[str, list[Target]]
    fingerprint: dict[str, int]


def _prepare_states(users: dict, clients: dict[str, Client]) -> list[str]:
    """States the demo lacks that some forms appear only in: a kept email, a team off the
    wheel, a spin to choose and a rig to cancel, a mitigated incident to resolve, this week's
    meeting in projector mode with a spin to choose, next week's still planned. Returns pages to
    start from that no link leads to."""
    OutboxMessage.objects.create(
        subject="Weekly report", from_email="ops@bananastand.example", to=["m@example.com"],
        text_body="Nothing overdue.", html_body="<p>Nothing overdue.</p>",
    )  # fmt: skip
    Team.objects.create(
        name="Banana Peel", slug="banana-peel", manager=users["manager"],
        dashboard_url="https://dashboards.bananastand.example/banana-peel",
    )  # fmt: skip
    incident = incidents.incident_declare(
        title="Peel slippage", severity=Severity.SEV3, declared_by=users["callleader"],
        call_leader=users["callleader"], teams=Team.objects.filter(slug="banana-storage"),
    )  # fmt: skip
    incidents.incident_mitigate(incident=incident, actor=users["callleader"])
    wheel = Wheel.objects.get()
    spun = clients["engineer"].post(f"/wheel/{wheel.slug}/spin/")
    wheel_rig(
        wheel=wheel, actor=users["admin"], participant=wheel.participants.filter(weight__gt=0)[0],
        reason="The room asked for it.",
    )  # fmt: skip
    meeting, _ = meeting_prepare(actor=users["manager"])
    present = f"/meetings/{meeting.pk}/present/"
    clients["admin"].get(present)  # opened by staff: the meeting is under way
    spun_in_meeting = clients["admin"].post(f"/meetings/{meeting.pk}/spin/")
    # Next week's meeting, still planned: the only state whose page offers Start.
    upcoming, _ = meeting_prepare(
        actor=users["manager"], week=iso_week(timezone.localdate() + timedelta(weeks=1))
    )
    return [spun["Location"], present, spun_in_meeting["Location"], upcoming.get_absolute_url()]


def build_site() -> Site:
    call_command("seed_demo", stdout=io.StringIO())
    users = get_user_model().objects.in_bulk(ROLES, field_name="username")
    clients = {}
    for role in ROLES:
        clients[role] = Client()
        clients[role].force_login(users[role])
    start = [path for path in SIGNED_IN_PATHS.values() if "{" not in path]
    start += _prepare_states(users, clients)
    crawl = Crawl()
    for role, client in clients.items():
        crawl.visit(role, client, start)
    return Site(clients, crawl.by_name(), fingerprint())
