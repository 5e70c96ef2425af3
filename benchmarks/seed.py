"""The benchmark organisation: 500 teams, 5,000 people, 20,000 incidents, 15,000 COEs and
200,000 action items at scale 1.0, with realistic distributions, inserted in bulk.

`seed(scale)` fills the current database (it must be empty of this data: the bench uses a
database of its own, the test a test database). Rows are inserted with bulk_create, which skips
save() and signals, so every stored derived field is filled afterwards by the functions in
DERIVE (see derive()). Markdown is rendered once per distinct text (a pool of a few hundred)
and stored exactly as the app stores it (`<field>_html` and `markdown_policy`).
"""

import random
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import timedelta

from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import make_password
from django.db import transaction
from django.utils import timezone
from django.utils.text import slugify

BATCH = 5000
# Full-scale counts (scale 1.0): the data set of issue 13.
FULL = {
    "teams": 500,
    "people": 5000,
    "incidents": 20_000,
    "coes": 15_000,
    "action_items": 200_000,
}
WEEKS_OF_MEETINGS = 52
BENCH_USERNAME = "bench.member"
BENCH_STAFF_USERNAME = "bench.staff"

FIRST_NAMES = """
Aaliyah Aaron Abigail Adam Adebayo Aditi Adrian Ahmed Aiko Aisha Alan Alba Alejandro Alex Alice
Amara Amelia Amir Ana Andrea Andrew Anika Anna Anthony Arjun Astrid Ava Ayesha Beatriz Ben
Bianca Bilal Bruno Camila Carlos Caroline Catherine Charlotte Chen Chidi Chloe Chris Clara
Daniel Daniela David Deepak Diana Diego Dmitri Elena Eli Elif Elijah Ella Emeka Emily Emma Erik
Ethan Eva Fatima Felix Fernando Fiona Freya Gabriel Georgia Grace Hamza Hana Hannah Harper
Hassan Henry Hiroshi Ian Ibrahim Ines Isaac Isabel Ivan Jack Jade James Javier Jin Joao Johan
Jonas Jorge Joseph Julia Kai Karim Kate Kenji Kwame Laila Lars Laura Leila Leo Liam Lucas Lucia
Luis Maja Malik Marco Maria Mariam Mateo Maya Mei Mia Michael Mohammed Nadia Naomi Nia Nikhil
Noah Nora Olga Oliver Olivia Omar Oscar Pablo Priya Rafael Rahul Ravi Rosa Ruth Sakura Samuel
Sara Sebastian Sofia Sophie Sven Tariq Thomas Tomasz Uma Valentina Victor Wei Yara Yusuf Zara
Zoe
""".split()  # noqa: SIM905
LAST_NAMES = """
Abbott Adeyemi Agarwal Ahmed Alvarez Andersen Anderson Bailey Baker Banerjee Barnes Becker Bell
Bianchi Brown Campbell Castro Chan Chen Clarke Cohen Cooper Costa Cruz Das Davies Diaz Dubois
Edwards Evans Fernandes Fischer Fitzgerald Fontaine Garcia Ghosh Gonzalez Green Gupta Hall
Hansen Harris Hassan Hoffmann Hughes Ibrahim Ito Jackson Jensen Johnson Jones Kaur Khan Kim
Kowalski Kumar Larsen Lee Lewis Li Lopez Martin Martinez Mehta Meyer Miller Mitchell Moreau
Morgan Mueller Murphy Nakamura Nguyen Novak Obi Okafor Olsen Ortiz Park Patel Perez Petrov
Phillips Pereira Quinn Ramirez Rao Reyes Ricci Roberts Rodriguez Rossi Russo Sato Schmidt
Schneider Shah Silva Singh Smith Sokolov Suzuki Tanaka Taylor Thomas Thompson Torres Turner
Volkov Wagner Walker Wang Watson Weber White Williams Wilson Wong Wright Yamamoto Yilmaz Young
Zhang Zimmermann
""".split()  # noqa: SIM905
TEAM_WORDS = """
Banana Checkout Payments Ledger Search Catalog Identity Gateway Edge Storage Queue Streaming
Billing Pricing Inventory Fulfilment Routing Maps Mobile Web Notifications Email Ads Analytics
Metrics Logging Tracing Network DNS Compute Scheduler Cache Database Backup Recovery Security
Fraud Risk Trust Onboarding Profile Reviews Recommendations Media Images Video Audio Translation
Support Returns Shipping Tax Invoicing Wallet Loyalty Partner Vendor
""".split()  # noqa: SIM905
TEAM_KINDS = """
Platform Services API Core Infrastructure Experience Tools Pipeline Data Reliability Operations
Engine
""".split()  # noqa: SIM905
SERVICE_KINDS = """
RequestHandler Worker Router Store Indexer Scheduler Proxy Publisher Consumer Aggregator
Validator Renderer
""".split()  # noqa: SIM905

SENTENCES = [
    "At {time} UTC the {service} error rate rose above {pct}% after a deployment.",
    "The on-call engineer for {team} was paged by the {service} latency alarm.",
    "Customers saw timeouts when collecting bananas from {service}.",
    "A configuration push changed the connection pool size for {service}.",
    "We started a rollback of the {service} deployment at {time} UTC.",
    "The rollback completed and the error rate returned to its baseline.",
    "Traffic shifted to the secondary region while {team} investigated.",
    "The dependency on {service} had no timeout, so threads piled up waiting for it.",
    "A database failover took longer than expected because of replication lag.",
    "Retries without backoff from one client multiplied the load on {service}.",
    "The canary did not catch the defect because it only exercised read paths.",
    "Disk usage on the {service} hosts reached 100% and writes started to fail.",
    "The certificate for the {service} endpoint expired and clients refused the connection.",
    "Capacity planning had not accounted for the seasonal peak in orders.",
    "The dashboard for {team} did not show the queue depth, which delayed diagnosis.",
    "A feature flag was enabled for all customers instead of one percent of them.",
    "Cache invalidation removed every key at once and the database took the full load.",
    "The runbook step to drain the node referred to a command that no longer exists.",
    "We paused the deployment pipeline for {service} until the fix was verified.",
    "Error budgets for {service} were exhausted for the rest of the month.",
    "Support received {count} contacts from affected customers during the event.",
    "The alarm threshold was set at {pct}% for five minutes, which was too lenient.",
    "Manual rollback required four people and a shared terminal session.",
    "Automated rollback on alarm would have cut the impact to a few minutes.",
    "Load tests had not been run against the new instance type before the migration.",
]
# What the blameless check exists to catch: a few texts read like this.
BLAMING = [
    "{person} should have checked the dashboard before pushing the change.",
    "The outage happened because {person} forgot to run the migration first.",
    "{person} made a mistake in the configuration file.",
]
WHYS = [
    ("Why did customers see errors?", "Requests to {service} failed with HTTP 503."),
    ("Why did {service} fail requests?", "Its connection pool to the database was exhausted."),
    ("Why was the pool exhausted?", "A slow query held connections for several seconds each."),
    ("Why was the query slow?", "A new code path filtered on a column without an index."),
    ("Why did the missing index reach production?", "Load tests use a tiny data set."),
    ("Why did the deployment go out everywhere?", "The pipeline has no staged rollout."),
    ("Why was detection slow?", "The alarm watched averages, not the p99 latency."),
    ("Why did the rollback take long?", "The previous version was not retained."),
    ("Why was the change not reviewed?", "Configuration changes bypass code review."),
    ("Why did retries amplify the load?", "The client retried immediately without backoff."),
]
TIMELINE_TEXTS = [
    "Alarm fired for elevated error rate on {service}.",
    "Call leader engaged; bridge opened.",
    "{team} on-call acknowledged the page.",
    "Identified the deployment at {time} UTC as the likely trigger.",
    "Started rollback of {service}.",
    "Rollback complete; error rate recovering.",
    "Customer support notified; status page updated.",
    "Traffic shifted away from the affected zone.",
    "Mitigation confirmed by the canary.",
    "Root cause under investigation; next update in 30 minutes.",
    "Scaled {service} out by 50% to absorb the backlog.",
    "Backlog drained; monitoring for recurrence.",
]
ACTION_TITLES = [
    "Add an alarm on p99 latency for {service}",
    "Retain the last 20 deployment versions of {service} with one-click rollback",
    "Add backoff and jitter to {service} client retries",
    "Index the column used by the new {service} query",
    "Run load tests on a production-sized data set before release",
    "Stage {service} deployments region by region",
    "Show configuration changes on the {team} dashboard",
    "Update the runbook for draining {service} hosts",
    "Automate certificate renewal for the {service} endpoint",
    "Add a synthetic canary for the collection path",
    "Review capacity for the seasonal peak with {team}",
    "Set a timeout on calls from {service} to its dependencies",
]
WIN_TEXTS = [
    "Zero customer-impacting incidents for {team} this week.",
    "{team} cut deployment time for {service} in half.",
    "The new canary for {service} caught a defect before production.",
    "{team} closed every overdue action item.",
]
MEETING_NOTES = [
    "Discussed the week's incidents; {team} will present the {service} dashboard next time.",
    "Agreed to review alarm thresholds across services before the peak.",
    "The deep dive on the {service} outage showed the value of automated rollback.",
]


@dataclass
class Seeded:
    """What seed() made, for the bench to pick its pages from."""

    counts: dict = field(default_factory=dict)
    targets: dict = field(default_factory=dict)
    seconds: dict = field(default_factory=dict)


def scaled(name: str, scale: float, minimum: int = 1) -> int:
    return max(minimum, round(FULL[name] * scale))


class Words:
    """Realistic text made from templates; markdown rendered once per distinct text."""

    def __init__(self, rng, teams: list[str], services: list[str], people: list[str] = ()):
        self.rng, self.teams, self.services = rng, teams, services
        self.people = list(people) or ["the engineer"]

    def fill(self, template: str) -> str:
        rng = self.rng
        return template.format(
            service=rng.choice(self.services),
            team=rng.choice(self.teams),
            time=f"{rng.randint(0, 23):02d}:{rng.randint(0, 59):02d}",
            pct=rng.choice([2, 5, 12, 38, 50, 75]),
            count=rng.randint(10, 900),
            person=rng.choice(self.people),
        )

    def paragraph(self, sentences: int, *, rollback: bool) -> str:
        pool = SENTENCES if rollback else [s for s in SENTENCES if "rollback" not in s]
        return " ".join(self.fill(self.rng.choice(pool)) for _ in range(sentences))

    def section(self, *, rollback: bool, blame: bool = False) -> str:
        """1 to 3 KB of the markdown people write in a COE section; with `blame`, a sentence
        that names a person the way the blameless check flags."""
        rng = self.rng
        target = rng.randint(1000, 3000)
        parts = [self.fill(rng.choice(BLAMING))] if blame else []
        while sum(map(len, parts)) < target:
            kind = rng.random()
            if kind < 0.5:
                parts.append(self.paragraph(rng.randint(2, 5), rollback=rollback))
            elif kind < 0.7:
                parts.append(
                    "\n".join(
                        f"- {self.paragraph(1, rollback=rollback)}"
                        for _ in range(rng.randint(2, 5))
                    )
                )
            elif kind < 0.8:
                rows = "\n".join(
                    f"| {rng.choice(self.services)} | {rng.randint(0, 99)}% "
                    f"| {rng.randint(1, 900)} ms |"
                    for _ in range(rng.randint(2, 5))
                )
                parts.append(f"| service | error rate | p99 |\n|---|---|---|\n{rows}")
            elif kind < 0.9:
                parts.append(f"### {rng.choice(['Context', 'Details', 'Observations', 'Notes'])}")
            else:
                parts.append(f"```\nGET /collect 503 {rng.randint(100, 999)}ms\n```")
        return "\n\n".join(parts)[: max(target, 1000) + 200]


def rendered_pool(texts: list[str]) -> list[tuple[str, str]]:
    from opsreview.org.rendering import render_markdown

    return [(text, render_markdown(text)) for text in texts]


def _bulk(model, rows, batch_size: int = BATCH) -> list:
    created = []
    for start in range(0, len(rows), batch_size):
        created.extend(model.objects.bulk_create(rows[start : start + batch_size]))
    return created


def _policy() -> int:
    from opsreview.org.rendering import RENDER_POLICY

    return RENDER_POLICY


def seed(scale: float = 1.0, *, seed_value: int = 13, log: Callable = print) -> Seeded:
    """Insert the organisation at `scale` into the current (empty) database."""
    from coe.models import TEXTS as COE_TEXT_KEYS
    from coe.models import (
        Coe,
        CoeReview,
        CoeText,
        CoeTimelineEntry,
        ContributingFactor,
        ReviewDecision,
        WhyStep,
    )
    from coe.models import Status as CoeStatus
    from incidents.models import CallLeader, Incident, Severity, Status, TimelineEntry
    from opsreview.actions.models import ActionItem, ItemCategory, ItemStatus, Priority, Term
    from opsreview.meetings.models import (
        DEFAULT_TIME_BOXES,
        DeepDive,
        MeetingSection,
        MeetingStatus,
        OpsMeeting,
        Win,
        iso_week,
    )
    from opsreview.org.models import Service, Team
    from opsreview.reports.models import DeliveryStatus, ReportDelivery, ReportKind
    from wheel.models import Participant, Spin, Wheel

    rng = random.Random(seed_value)
    out = Seeded()
    now = timezone.now()
    today = timezone.localdate()
    policy = _policy()
    User = get_user_model()
    clock = time.perf_counter()

    def stage(name: str) -> None:
        nonlocal clock
        spent = time.perf_counter() - clock
        out.seconds[name] = round(spent, 2)
        log(f"  {name:<16} {spent:6.1f} s")
        clock = time.perf_counter()

    n_teams = scaled("teams", scale, 2)
    n_people = max(scaled("people", scale, 4), n_teams * 2)
    n_incidents = scaled("incidents", scale, 5)
    n_coes = min(scaled("coes", scale, 3), n_incidents)
    n_items = scaled("action_items", scale, 20)

    # People and teams: every team has members, and its first member manages it.
    team_names, seen = [], set()
    while len(team_names) < n_teams:
        name = f"{rng.choice(TEAM_WORDS)} {rng.choice(TEAM_KINDS)}"
        if name in seen:
            name = f"{name} {len(team_names) + 1}"
        seen.add(name)
        team_names.append(name)
    unusable = make_password(None)
    people = []
    for n in range(n_people):
        first, last = rng.choice(FIRST_NAMES), rng.choice(LAST_NAMES)
        people.append(
            User(
                username=f"{first}.{last}.{n}".lower(),
                first_name=first,
                last_name=last,
                email=f"{first}.{last}.{n}@example.com".lower(),
                password=unusable,
                date_joined=now - timedelta(days=rng.randint(30, 2000)),
            )
        )
    # The member the bench signs in as, and a staff member for the staff-only pages.
    # Person n joins team n % n_teams: this one is in the first team (whose COE and open
    # incident the bench opens), neither its manager nor on the call-leader roster.
    member = people[2 * n_teams if 2 * n_teams < n_people else n_teams]
    member.username, member.email = BENCH_USERNAME, "bench.member@example.com"
    staff = User(
        username=BENCH_STAFF_USERNAME,
        first_name="Sam",
        last_name="Staff",
        email="bench.staff@example.com",
        password=unusable,
        is_staff=True,
    )
    with transaction.atomic():
        people = _bulk(User, people)
        staff = User.objects.bulk_create([staff])[0]
        teams = _bulk(
            Team,
            [
                Team(
                    name=name,
                    slug=slugify(name)[:90] + f"-{n}",
                    description=f"{name} owns {rng.randint(1, 6)} services.",
                    manager=people[n],
                    dashboard_url=f"https://dashboards.example.com/{slugify(name)}",
                    runbook_url=f"https://runbooks.example.com/{slugify(name)}",
                )
                for n, name in enumerate(team_names)
            ],
        )
        team_of = {person.pk: teams[n % n_teams] for n, person in enumerate(people)}
        members_of: dict[int, list] = {team.pk: [] for team in teams}
        for person in people:
            members_of[team_of[person.pk].pk].append(person)
        Membership = Team.members.through
        _bulk(Membership, [Membership(team_id=team_of[p.pk].pk, user_id=p.pk) for p in people])
        services = _bulk(
            Service,
            [
                Service(
                    name=f"{team.name.split()[0]} {SERVICE_KINDS[k % len(SERVICE_KINDS)]} {n}",
                    team=team,
                    description="Runs in three regions.",
                )
                for n, team in enumerate(teams)
                for k in range(2)
            ],
        )
        leaders = people[n_teams : n_teams + max(2, n_people // 100)]
        CallLeader.objects.bulk_create([CallLeader(user=p) for p in leaders])
    stage("people, teams")

    names = [f"{p.first_name} {p.last_name}" for p in people]
    words = Words(rng, [t.name for t in teams], [s.name for s in services], names)
    pool = rendered_pool(
        [
            words.section(rollback=n % 12 == 0, blame=n % 15 == 7)
            for n in range(max(30, min(300, n_coes * 9)))
        ]
    )
    short_pool = rendered_pool(
        [words.paragraph(rng.randint(1, 3), rollback=n % 10 == 0) for n in range(120)]
    )
    stage("render pool")

    # Incidents over two years; a few are open, some of those major (the banner).
    severities = [Severity.SEV1] * 3 + [Severity.SEV2] * 12 + [Severity.SEV3] * 35
    severities += [Severity.SEV4] * 35 + [Severity.SEV5] * 15
    n_open = max(2, round(n_incidents * 0.002))
    incidents = []
    for n in range(n_incidents):
        is_open = n < n_open
        detected = now - (
            timedelta(hours=rng.randint(1, 20))
            if is_open
            else timedelta(minutes=rng.randint(60, 730 * 24 * 60))
        )
        started = detected - timedelta(minutes=rng.randint(1, 45))
        severity = Severity.SEV2 if n == 0 else rng.choice(severities)
        if is_open:
            status = Status.INVESTIGATING if n % 2 == 0 else Status.MITIGATED
        else:
            status = Status.RESOLVED
        mitigated = (
            detected + timedelta(minutes=rng.randint(5, 240))
            if status != Status.INVESTIGATING
            else None
        )
        if mitigated and mitigated > now:
            mitigated = now
        resolved = (
            mitigated + timedelta(minutes=rng.randint(10, 600))
            if status == Status.RESOLVED
            else None
        )
        if resolved and resolved > now:
            resolved = now
        impact, impact_html = rng.choice(short_pool)
        leader = rng.choice(leaders)
        incidents.append(
            Incident(
                title=words.fill(
                    rng.choice(
                        [
                            "{service} elevated error rate",
                            "{service} latency above threshold",
                            "Checkout failures in {service}",
                            "{service} unavailable after deployment",
                            "Degraded {service} in one region",
                        ]
                    )
                ),
                severity=severity,
                status=status,
                impact_started_at=started,
                detected_at=detected,
                mitigated_at=mitigated,
                resolved_at=resolved,
                declared_at=detected + timedelta(minutes=2),
                declared_by=rng.choice(people),
                call_leader=leader,
                customer_impact=impact,
                customer_impact_html=impact_html,
                markdown_policy=policy,
                gates_production_changes=is_open and severity == Severity.SEV1,
            )
        )
    with transaction.atomic():
        incidents = _bulk(Incident, incidents)
        IncidentTeam, IncidentService = Incident.teams.through, Incident.services.through
        links, service_links = [], []
        for n, incident in enumerate(incidents):
            engaged = {teams[0].pk} if n == 0 else set()
            engaged |= {t.pk for t in rng.sample(teams, min(len(teams), rng.randint(1, 3)))}
            links += [IncidentTeam(incident_id=incident.pk, team_id=pk) for pk in engaged]
            affected = {s.pk for s in rng.sample(services, min(len(services), rng.randint(1, 3)))}
            service_links += [
                IncidentService(incident_id=incident.pk, service_id=pk) for pk in affected
            ]
        _bulk(IncidentTeam, links)
        _bulk(IncidentService, service_links)
        entries = []
        for n, incident in enumerate(incidents):
            end = incident.resolved_at or now
            span = max(60, int((end - incident.detected_at).total_seconds()))
            count = 12 if n == 0 else rng.randint(2, 9)
            for k in range(count):
                at = incident.detected_at + timedelta(seconds=span * k // count)
                entries.append(
                    TimelineEntry(
                        incident=incident,
                        occurred_at=at,
                        created_at=at + timedelta(seconds=rng.randint(5, 300)),
                        text=words.fill(rng.choice(TIMELINE_TEXTS)),
                        author=rng.choice(people),
                        kind=TimelineEntry.Kind.NOTE if k else TimelineEntry.Kind.EVENT,
                    )
                )
        for entry in entries:
            entry.created_at = min(entry.created_at, now)
        _bulk(TimelineEntry, entries)
    out.counts["timeline_entries"] = len(entries)
    del entries
    stage("incidents")

    # COEs: most follow an incident; the first is the big one the bench opens.
    coe_statuses = [CoeStatus.CLOSED] * 55 + [CoeStatus.APPROVED] * 15
    coe_statuses += [CoeStatus.IN_REVIEW] * 10 + [CoeStatus.CHANGES_REQUESTED] * 5
    coe_statuses += [CoeStatus.DRAFT] * 15
    linked = round(n_coes * 0.85)
    coes = []
    for n in range(n_coes):
        incident = incidents[n + n_open] if n < linked and n + n_open < n_incidents else None
        team = teams[0] if n == 0 else rng.choice(teams)
        created = incident.detected_at if incident else now - timedelta(days=rng.randint(1, 700))
        created += timedelta(hours=rng.randint(1, 48))
        status = CoeStatus.DRAFT if n == 0 else rng.choice(coe_statuses)
        coes.append(
            Coe(
                title=incident.title if incident else words.fill("Near miss: {service} capacity"),
                team=team,
                incident=incident,
                status=status,
                impact_duration_minutes=rng.randint(3, 600),
                customers_affected=rng.randint(0, 100_000),
                requests_affected=rng.randint(0, 5_000_000),
                created_by=rng.choice(members_of[team.pk]),
                created_at=min(created, now),
                submitted_at=None
                if status == CoeStatus.DRAFT
                else min(created + timedelta(days=3), now),
            )
        )
    with transaction.atomic():
        coes = _bulk(Coe, coes)
        Author = Coe.authors.through
        _bulk(
            Author,
            [
                Author(coe_id=coe.pk, user_id=pk)
                for coe in coes
                for pk in {
                    p.pk
                    for p in rng.sample(
                        members_of[coe.team_id], min(2, len(members_of[coe.team_id]))
                    )
                }
            ],
        )
        texts = []
        for coe in coes:
            for key in COE_TEXT_KEYS:
                body, html = rng.choice(pool)
                texts.append(
                    CoeText(
                        coe=coe,
                        key=key,
                        body=body,
                        body_html=html,
                        markdown_policy=policy,
                        version=rng.randint(1, 6),
                        updated_by=coe.created_by,
                        updated_at=coe.created_at + timedelta(hours=rng.randint(1, 72)),
                    )
                )
            if len(texts) >= BATCH * 2:
                _bulk(CoeText, texts, 1000)
                texts = []
        _bulk(CoeText, texts, 1000)
        del texts
        timeline = []
        for n, coe in enumerate(coes):
            for k in range(14 if n == 0 else rng.randint(3, 8)):
                timeline.append(
                    CoeTimelineEntry(
                        coe=coe,
                        occurred_at=coe.created_at - timedelta(minutes=600 - k * 20),
                        text=words.fill(rng.choice(TIMELINE_TEXTS)),
                    )
                )
        _bulk(CoeTimelineEntry, timeline)
        out.counts["coe_timeline_entries"] = len(timeline)
        del timeline
        factors = _bulk(
            ContributingFactor,
            [
                ContributingFactor(
                    coe=coe,
                    title=words.fill(
                        rng.choice(
                            [
                                "{service} had no timeout",
                                "Slow rollback",
                                "Alarm too lenient",
                                "Untested configuration",
                            ]
                        )
                    ),
                    category=rng.choice(
                        [
                            "deployment",
                            "configuration",
                            "capacity",
                            "dependency",
                            "code_defect",
                            "monitoring_gap",
                            "process",
                        ]
                    ),
                    version=1,
                    created_at=coe.created_at,
                )
                for n, coe in enumerate(coes)
                for _ in range(3 if n == 0 else rng.randint(1, 3))
            ],
        )
        steps = []
        for factor in factors:
            for position, (why, because) in enumerate(rng.sample(WHYS, 5), start=1):
                steps.append(
                    WhyStep(
                        factor=factor,
                        position=position,
                        why=words.fill(why),
                        because=words.fill(because),
                    )
                )
        _bulk(WhyStep, steps)
        out.counts["factors"], out.counts["why_steps"] = len(factors), len(steps)
        del steps, factors
        reviewed = (
            CoeStatus.IN_REVIEW,
            CoeStatus.CHANGES_REQUESTED,
            CoeStatus.APPROVED,
            CoeStatus.CLOSED,
        )
        reviews = []
        for coe in coes:
            if coe.status not in reviewed or (
                coe.status == CoeStatus.IN_REVIEW and rng.random() < 0.5
            ):
                continue
            outsiders = [p for p in rng.sample(people, 3) if p.pk not in {coe.created_by_id}]
            decisions = (
                [ReviewDecision.REQUEST_CHANGES]
                if coe.status == CoeStatus.CHANGES_REQUESTED
                else []
            )
            if coe.status in (CoeStatus.APPROVED, CoeStatus.CLOSED):
                decisions = [ReviewDecision.REQUEST_CHANGES] * (rng.random() < 0.3) + [
                    ReviewDecision.APPROVE
                ]
            for k, decision in enumerate(decisions):
                comment, html = rng.choice(short_pool)
                reviews.append(
                    CoeReview(
                        coe=coe,
                        reviewer=outsiders[k % len(outsiders)],
                        decision=decision,
                        comment=comment,
                        comment_html=html,
                        markdown_policy=policy,
                        created_at=min(coe.created_at + timedelta(days=4 + k), now),
                    )
                )
        _bulk(CoeReview, reviews)
        out.counts["reviews"] = len(reviews)
    stage("coes")

    # The organisation's wheel: every team, and a year of weekly spins.
    with transaction.atomic():
        wheel = Wheel.objects.create(name="Ops meeting", slug="ops-meeting")
        participants = _bulk(
            Participant,
            [
                Participant(
                    wheel=wheel,
                    team=team,
                    weight=round(rng.uniform(0.2, 3.0), 2),
                    selection_count=rng.randint(0, 3),
                    added_at=now - timedelta(days=400),
                )
                for team in teams
            ],
        )
        spins = []
        for week in range(WEEKS_OF_MEETINGS, 0, -1):
            participant = rng.choice(participants)
            at = now - timedelta(weeks=week)
            spins.append(
                Spin(
                    wheel=wheel,
                    participant=participant,
                    participant_name=participant.team.name,
                    spun_by=staff,
                    spun_at=at,
                    chosen_at=at + timedelta(seconds=20),
                    chosen_by=staff,
                )
            )
        spins = _bulk(Spin, spins)
    stage("wheel")

    # A year of weekly ops meetings: past ones done, this week's planned.
    with transaction.atomic():
        meetings = []
        for week in range(WEEKS_OF_MEETINGS, -1, -1):
            starts = (now - timedelta(weeks=week)).replace(
                hour=10, minute=0, second=0, microsecond=0
            )
            done = week > 0
            spin = spins[WEEKS_OF_MEETINGS - week] if done else None
            meetings.append(
                OpsMeeting(
                    week=iso_week(timezone.localtime(starts).date()),
                    starts_at=starts,
                    facilitator=staff,
                    status=MeetingStatus.DONE if done else MeetingStatus.PLANNED,
                    chosen_team=spin.participant.team if spin else None,
                    spin=spin,
                    started_at=starts if done else None,
                    finished_at=starts + timedelta(minutes=60) if done else None,
                    created_by=staff,
                    created_at=starts - timedelta(days=6),
                )
            )
        meetings = _bulk(OpsMeeting, meetings)
        sections = []
        for meeting in meetings:
            for position, (key, minutes) in enumerate(DEFAULT_TIME_BOXES.items()):
                notes = ""
                if meeting.status == MeetingStatus.DONE:
                    notes = words.fill(rng.choice(MEETING_NOTES))
                sections.append(
                    MeetingSection(
                        meeting=meeting,
                        key=key,
                        position=position,
                        time_box_minutes=minutes,
                        notes=notes,
                        markdown_policy=0,  # rendered by derive(): a few hundred rows
                        decisions="Keep the current thresholds." if notes else "",
                    )
                )
        _bulk(MeetingSection, sections)
        Attendee = OpsMeeting.attendees.through
        _bulk(
            Attendee,
            [
                Attendee(opsmeeting_id=meeting.pk, user_id=p.pk)
                for meeting in meetings
                for p in rng.sample(people, min(len(people), 30))
            ],
        )
        wins, dives = [], []
        for meeting in meetings:
            for _ in range(5):
                team = rng.choice(teams)
                wins.append(
                    Win(
                        text=words.fill(rng.choice(WIN_TEXTS)),
                        team=team,
                        author=rng.choice(members_of[team.pk]),
                        week=meeting.week,
                        created_at=meeting.starts_at - timedelta(days=2),
                    )
                )
            for coe in rng.sample(coes, min(len(coes), 2)):
                dives.append(DeepDive(coe=coe, week=meeting.week, queued_by=coe.created_by))
        _bulk(Win, wins)
        _bulk(DeepDive, dives)
    stage("meetings")

    # Action items: from COEs, incidents and meetings; ~28% still open, most of those overdue.
    statuses = [ItemStatus.OPEN] * 20 + [ItemStatus.IN_PROGRESS] * 8
    statuses += [ItemStatus.DONE] * 65 + [ItemStatus.WONT_DO] * 7
    terms = [Term.SHORT] * 30 + [Term.MEDIUM] * 45 + [Term.LONG] * 25
    term_days = {Term.SHORT: 3, Term.MEDIUM: 28, Term.LONG: 182}
    descriptions = short_pool
    big_coe = coes[0]
    items = []
    for n in range(n_items):
        source = rng.random()
        coe = incident = meeting = None
        if n < 60:
            coe = big_coe
        elif source < 0.55:
            coe = rng.choice(coes)
        elif source < 0.9:
            incident = rng.choice(incidents)
        else:
            meeting = rng.choice(meetings)
        if n < 10 or rng.random() < 0.7:
            owner = rng.choice(members_of[(coe.team_id if coe else rng.choice(teams).pk)])
        else:
            owner = rng.choice(people)
        team = team_of[owner.pk]
        status = rng.choice(statuses)
        term = rng.choice(terms)
        if status in (ItemStatus.OPEN, ItemStatus.IN_PROGRESS):
            # Open items: 60% overdue (some long overdue), the rest due in the months ahead.
            offset = (
                -rng.choice([rng.randint(1, 14), rng.randint(15, 200)])
                if rng.random() < 0.6
                else rng.randint(0, term_days[term] * 2)
            )
        else:
            offset = -rng.randint(1, 700)
        due = today + timedelta(days=offset)
        created = now - timedelta(days=max(1, term_days[term] - offset))
        description, html = rng.choice(descriptions)
        items.append(
            ActionItem(
                title=words.fill(rng.choice(ACTION_TITLES))[:200],
                description=description,
                description_html=html,
                markdown_policy=policy,
                owner=owner,
                team=team,
                term=term,
                priority=rng.choice(
                    [Priority.P1] + [Priority.P2] * 3 + [Priority.P3] * 5 + [Priority.P4] * 2
                ),
                category=rng.choice(ItemCategory.values),
                due_date=due,
                status=status,
                completed_at=now - timedelta(days=rng.randint(0, 600))
                if status == ItemStatus.DONE
                else None,
                wont_do_reason="Superseded by the platform migration."
                if status == ItemStatus.WONT_DO
                else "",
                ticket_url=f"https://tickets.example.com/OPS-{n + 1000}"
                if rng.random() < 0.5
                else "",
                coe=coe,
                incident=incident,
                meeting=meeting,
                created_by=owner,
                created_at=created,
            )
        )
        if len(items) >= BATCH * 4:
            with transaction.atomic():
                _bulk(ActionItem, items)
            items = []
    with transaction.atomic():
        _bulk(ActionItem, items)
    del items
    stage("action items")

    # Weekly reports already sent: twelve weeks for every manager.
    from opsreview.reports.builder import week_period

    deliveries = [
        ReportDelivery(
            recipient=team.manager,
            kind=ReportKind.WEEKLY,
            period=week_period(today - timedelta(weeks=week)),
            status=DeliveryStatus.SENT,
            claimed_at=now - timedelta(weeks=week),
            sent_at=now - timedelta(weeks=week),
            subject="Weekly overdue report",
            overdue_count=rng.randint(0, 40),
            item_count=rng.randint(0, 80),
        )
        for team in teams
        for week in range(1, 13)
    ]
    with transaction.atomic():
        _bulk(ReportDelivery, deliveries)
    stage("report deliveries")

    derived = derive(log=log)
    out.seconds.update({f"derive: {k}": v for k, v in derived.items()})
    stage("derive")

    out.counts.update(
        teams=n_teams,
        people=n_people + 1,
        services=len(services),
        incidents=n_incidents,
        coes=n_coes,
        action_items=n_items,
        meetings=len(meetings),
    )
    out.targets = {
        "member": BENCH_USERNAME,
        "staff": BENCH_STAFF_USERNAME,
        "team_slug": teams[0].slug,
        "open_incident": incidents[0].pk,
        "big_coe": big_coe.pk,
        "meeting": meetings[-1].pk,
        "wheel_slug": wheel.slug,
        "owner": member.pk,
    }
    return out


# Derived fields -----------------------------------------------------------------------------
#
# bulk_create skips save(), so whatever the app keeps up to date on save is filled here, in bulk,
# once the rows are in. Each function takes no argument, returns how many rows it touched (or None
# when the field it fills does not exist in this code) and must be safe to run twice. To add one:
# write `def derive_something() -> int | None` below (ideally calling the app's own backfill
# function, the one its migration uses) and append it to DERIVE.


def derive_rendered_markdown() -> int:
    """Rows the seeder left unrendered (markdown_policy 0), rendered as the app renders them."""
    from opsreview.org.stored_markdown import render_stale_markdown

    return render_stale_markdown()


def derive_incident_last_update() -> int | None:
    """Incident.last_update_at, by the app's own incidents.models.last_update_recompute."""
    from incidents import models as incident_models

    recompute = getattr(incident_models, "last_update_recompute", None)
    if recompute is None:
        return None
    return recompute(incident_models.Incident.objects.all())


def derive_coe_search_vectors() -> int | None:
    """The COEs' stored full-text vectors, by the app's own coe.search.refresh_search_vectors
    (a no-op on SQLite), a few thousand COEs per UPDATE."""
    try:
        from coe.search import refresh_search_vectors
    except ImportError:
        return None
    from coe.models import Coe

    pks = list(Coe.objects.order_by("pk").values_list("pk", flat=True))
    return sum(
        refresh_search_vectors(Coe.objects.filter(pk__in=pks[start : start + 2000]))
        for start in range(0, len(pks), 2000)
    )


def derive_blameless_findings() -> int | None:
    """The blameless findings stored with each text, by the app's own coe.findings."""
    try:
        from coe.findings import findings_refresh
    except ImportError:
        return None
    from coe.models import Coe

    return findings_refresh(Coe.objects.order_by("pk"))


def derive_team_item_counts() -> int | None:
    """Every team's stored open and overdue item counts, by the app's own recount."""
    try:
        from opsreview.actions.counts import team_item_counts_recount
    except ImportError:
        return None
    return team_item_counts_recount()


DERIVE: list[Callable[[], int | None]] = [
    derive_rendered_markdown,
    derive_incident_last_update,
    derive_coe_search_vectors,
    derive_blameless_findings,
    derive_team_item_counts,
]


def derive(*, log: Callable = print) -> dict[str, float]:
    """Run every DERIVE function; returns seconds per function that applied."""
    spent = {}
    for function in DERIVE:
        started = time.perf_counter()
        with transaction.atomic():
            touched = function()
        seconds = time.perf_counter() - started
        name = function.__name__.removeprefix("derive_")
        if touched is None:
            log(f"    derive {name}: not in this code, skipped")
            continue
        spent[name] = round(seconds, 2)
        log(f"    derive {name}: {touched:,} rows in {seconds:.1f} s")
    return spent
