"""BananaStand's COEs: the API Gateway outage (complete, in review) and a draft with gaps."""

from datetime import timedelta

from django.utils import timezone

from incidents.demo import GATEWAY_OUTAGE, LIMIT_EXCEEDED
from incidents.models import Incident
from opsreview.actions import services as item_services

from . import services
from .models import Coe, CoeText, FactorCategory, ItemStatus, ReviewDecision, Term

GATEWAY_TEXTS = {
    "summary": (
        "On the afternoon of the outage a route-table change to the BananaStand API Gateway "
        "removed the integration for Banana RequestHandler. For 90 minutes every request to "
        "BananaStand failed with HTTP 502 and customers could not collect their bananas. The "
        "previous configuration version had not been retained, so the rollback took 38 minutes "
        "longer than it should have."
    ),
    "impact": (
        "- **Customers:** every customer trying to collect a banana got an error.\n"
        "- **Requests:** about 41,000 collection attempts failed.\n"
        "- **Business:** 90 minutes of zero banana distribution; support received 312 contacts."
    ),
    "metrics": (
        "| Metric | Before | During | After |\n|---|---|---|---|\n"
        "| Gateway 5xx rate | 0.02% | 100% | 0.03% |\n"
        "| Collections per minute | 460 | 0 | 470 |\n\n"
        "The 5xx alarm fired 7 minutes after impact began (threshold 50% for 5 minutes)."
    ),
    "detection": (
        "The API Gateway 5xx alarm paged the Front Door on-call after 7 minutes. Detection could "
        "be halved with a 1-minute synthetic collection canary that alarms on the first failure."
    ),
    "diagnosis": (
        "Banana RequestHandler was healthy and idle, which pointed at the gateway. Finding the "
        "dropped integration took 36 minutes because gateway configuration changes are not shown "
        "on the service dashboards."
    ),
    "mitigation": (
        "The previous configuration was rebuilt from pipeline artefacts and redeployed. With "
        "retained configuration versions a one-click rollback would have mitigated in under "
        "5 minutes."
    ),
    "lessons": (
        "Better end-to-end testing across all of BananaStand's infrastructure: each component's "
        "tests passed, but nothing tested a banana collection through the gateway before the "
        "change reached production."
    ),
    "corrective_actions": (
        "We considered freezing gateway changes for a month and ruled it out: the gap is "
        "testing, not the rate of change."
    ),
    "related": "- Incident: BananaStand unavailable: API Gateway misconfiguration",
}

GATEWAY_WHYS = [
    ("Why could customers not collect bananas?",
     "Every request to BananaStand failed with HTTP 502 at the API Gateway."),
    ("Why did the gateway answer 502?",
     "The route table no longer had an integration for Banana RequestHandler."),
    ("Why was the integration missing?",
     "A route-table change was generated from a template that omitted it."),
    ("Why did the change reach production?",
     "The deployment pipeline validates the configuration's syntax, not its behaviour."),
    ("Why does the pipeline not test behaviour?",
     "There is no end-to-end test that collects a banana through the gateway before release."),
]  # fmt: skip

DRAFT_TEXTS = {
    "summary": (
        "About 40% of banana collections failed with BananaDistributionLimitExceeded while one "
        "large customer's retries used up the shared distribution pool."
    ),
    "lessons": "The on-call should have known the distribution pool is shared across customers.",
}

DRAFT_WHYS = [
    ("Why did collections fail?", "The distributor rejected them as over the limit."),
    ("Why were they over the limit?", "The shared pool was exhausted."),
    ("Why was the pool exhausted?", "One customer's client retried without backoff."),
]


# title, term, owner, team, days from today until due, final status
GATEWAY_ITEMS = [
    (
        "Restore the previous gateway configuration",
        Term.SHORT,
        "callleader",
        "front-door",
        -9,
        ItemStatus.DONE,
    ),
    (
        "Add an end-to-end collection test to the gateway deployment pipeline",
        Term.MEDIUM,
        "engineer",
        "front-door",
        -10,
        ItemStatus.IN_PROGRESS,
    ),
    (
        "Show gateway configuration changes on every service dashboard",
        Term.MEDIUM,
        "callleader",
        "banana-requesthandler",
        -3,
        ItemStatus.OPEN,
    ),
    (
        "Retain the last 20 gateway configuration versions with one-click rollback",
        Term.MEDIUM,
        "engineer",
        "front-door",
        4,
        ItemStatus.OPEN,
    ),
    (
        "Run a synthetic collection canary across all of BananaStand's infrastructure",
        Term.LONG,
        "engineer",
        "banana-orchestrator",
        150,
        ItemStatus.OPEN,
    ),
]
INCIDENT_ITEMS = [
    (
        "Ask the large customer to add backoff to their client's retries",
        Term.SHORT,
        "callleader",
        "banana-distributor",
        1,
        ItemStatus.DONE,
    ),
]
DRAFT_ITEMS = [
    ("Give each customer a bounded share of the distribution pool", Term.MEDIUM, "callleader",
     "banana-distributor", 20, ItemStatus.OPEN),
]  # fmt: skip


def _items(*, coe, incident, users, teams, items) -> None:
    today = timezone.localdate()
    for title, term, owner, team, due_in, status in items:
        actor = users["callleader"]
        item = item_services.action_item_create(
            actor=actor,
            title=title,
            owner=users[owner],
            team=teams[team],
            term=term,
            coe=coe,
            incident=incident,
            due_date=today + timedelta(days=due_in),
            confirm_past_due=True,
        )
        if status == ItemStatus.IN_PROGRESS:
            item_services.action_item_start(item=item, actor=actor)
        elif status == ItemStatus.DONE:
            item_services.action_item_complete(item=item, actor=actor)


def _write(coe: Coe, author, texts: dict[str, str]) -> None:
    for key, body in texts.items():
        version = CoeText.objects.get(coe=coe, key=key).version
        services.coe_text_save(coe=coe, key=key, body=body, base_version=version, actor=author)


def _gateway_coe(users, teams) -> Coe:
    author = users["engineer"]
    incident = Incident.objects.get(title=GATEWAY_OUTAGE)
    coe = services.coe_create(
        title="BananaStand unavailable for 90 minutes: API Gateway misconfiguration",
        team=teams["front-door"],
        actor=author,
        incident=incident,
        authors=[users["callleader"]],
    )
    _write(coe, author, {k: v for k, v in GATEWAY_TEXTS.items() if k != "impact"})
    services.coe_impact_save(
        coe=coe,
        actor=author,
        body=GATEWAY_TEXTS["impact"],
        base_version=0,
        impact_duration_minutes=90,
        customers_affected=12_400,
        requests_affected=41_000,
    )
    services.coe_timeline_copy_from_incident(coe=coe, actor=author)
    factor = services.factor_add(
        coe=coe, actor=author, title="No end-to-end test", category=FactorCategory.DEPLOYMENT
    )
    services.factor_save(
        factor=factor,
        actor=author,
        base_version=factor.version,
        title=factor.title,
        category=factor.category,
        steps=GATEWAY_WHYS,
    )
    _items(coe=coe, incident=None, users=users, teams=teams, items=GATEWAY_ITEMS)
    # Morgan, who wrote none of it, is its bar raiser: asked (in the inbox) once it is submitted.
    services.coe_reviewer_add(coe=coe, actor=author, reviewer=users["manager"])
    coe = services.coe_submit(coe=coe, actor=author)
    # Morgan's review so far: one question still open, one answered and resolved.
    reviewer = users["manager"]
    services.coe_thread_start(
        coe=coe,
        actor=reviewer,
        section="summary",
        quote="The previous configuration version had not been retained",
        body="Which mechanism keeps it now, and who would notice if it stopped?",
    )
    answered = services.coe_thread_start(
        coe=coe,
        actor=reviewer,
        section="lessons",
        body="Is there a lesson about testing the route table end to end?",
    )
    services.coe_thread_reply(
        thread=answered, actor=author, body="Yes: added as the second lesson, with its item."
    )
    services.coe_thread_resolve(thread=answered, actor=reviewer, resolved=True)
    # Sent back once and resubmitted: Morgan sees what changed since his review.
    coe = services.coe_review(
        coe=coe,
        actor=reviewer,
        decision=ReviewDecision.REQUEST_CHANGES,
        comment="Say how the previous configuration is kept from now on.",
    )
    summary = coe.texts.get(key="summary")
    services.coe_text_save(
        coe=coe,
        actor=author,
        key="summary",
        body=summary.body + " The gateway now keeps its last ten configurations.",
        base_version=summary.version,
    )
    return services.coe_submit(coe=coe, actor=author)


def _draft_coe(users, teams) -> Coe:
    author = users["callleader"]
    incident = Incident.objects.get(title=LIMIT_EXCEEDED)
    coe = services.coe_create(
        title="Distribution limit exceeded for 40% of collections",
        team=teams["banana-distributor"],
        actor=author,
        incident=incident,
    )
    _write(coe, author, DRAFT_TEXTS)
    services.coe_timeline_entry_add(
        coe=coe,
        actor=author,
        occurred_at=incident.impact_started_at + timedelta(minutes=4),
        text="Customers report BananaDistributionLimitExceeded errors.",
    )
    factor = services.factor_add(
        coe=coe, actor=author, title="Shared pool", category=FactorCategory.CAPACITY
    )
    services.factor_save(
        factor=factor,
        actor=author,
        base_version=factor.version,
        title=factor.title,
        category=factor.category,
        steps=DRAFT_WHYS,
    )
    _items(coe=None, incident=incident, users=users, teams=teams, items=INCIDENT_ITEMS)
    _items(coe=coe, incident=None, users=users, teams=teams, items=DRAFT_ITEMS)
    return coe


def seed_coes(users: dict, teams: dict) -> list[Coe]:
    coes = []
    for title, build in [(GATEWAY_OUTAGE, _gateway_coe), (LIMIT_EXCEEDED, _draft_coe)]:
        existing = Coe.objects.filter(incident__title=title).first()
        coes.append(existing or build(users, teams))
    return coes
