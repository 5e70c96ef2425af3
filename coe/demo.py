"""BananaStand's COEs: the API Gateway outage (complete, in review), a draft with gaps, and an
approved near miss: the inventory store that almost filled its disk."""

import io
from datetime import timedelta

from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone
from PIL import Image, ImageDraw

from incidents.demo import GATEWAY_OUTAGE, LIMIT_EXCEEDED
from incidents.models import Incident
from opsreview.actions import services as item_services

from . import services
from .models import Coe, CoeKind, CoeText, FactorCategory, ItemStatus, ReviewDecision, Term

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

NEAR_MISS_TITLE = "Banana Inventory Store reached 85% disk: log rotation had stopped"
NEAR_MISS_TEXTS = {
    "summary": (
        "The Banana Inventory Store's disk grew from 40% to 85% in six days because its log "
        "rotation job had stopped after an operating-system upgrade. The disk alarm paged the "
        "storage on-call, who rotated the logs by hand; at the rate it was growing the disk "
        "would have been full, and every collection refused, within 30 hours."
    ),
    "impact": (
        "No customer was affected. Had the disk filled, the store would have refused writes and "
        "no banana could have been collected until space was freed."
    ),
    "metrics": (
        "| Day | Disk used |\n|---|---|\n| 1 | 40% |\n| 3 | 58% |\n| 6 | 85% |\n\n"
        "Growth: about 7.5 points a day, steady since the upgrade."
    ),
    "detection": (
        "The 85% disk alarm paged the on-call. A growth-rate alarm would have warned four days "
        "earlier."
    ),
    "diagnosis": "The largest directory was the store's log folder, untouched for six days.",
    "mitigation": "Logs rotated by hand and the rotation job restarted: disk back to 41%.",
    "lessons": (
        "A job that stops running fails silently: jobs we depend on should report that they ran, "
        "and an alarm should notice when they do not."
    ),
}
NEAR_MISS_WHYS = [
    ("Why did the disk fill?", "Logs were no longer rotated."),
    ("Why were logs no longer rotated?", "The rotation job stopped after the OS upgrade."),
    ("Why did the job stop?", "The upgrade replaced its schedule file with the default one."),
    ("Why did the upgrade replace it?", "The schedule file is not kept in configuration."),
    ("Why did nobody notice for six days?", "Nothing alarms when a scheduled job stops running."),
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
NEAR_MISS_ITEMS = [
    ("Alarm when a scheduled job has not reported a run for a day", Term.MEDIUM, "engineer",
     "banana-storage", 14, ItemStatus.OPEN),
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


def _attach_graph(
    coe: Coe, author, caption: str, rates: list[tuple[int, float]], *, placed: bool = True
) -> None:
    """A graph of `rates` attached to the COE's metrics section, as a writer uploads one, and
    `placed` in its text."""
    graph = services.coe_image_add(
        coe=coe,
        actor=author,
        upload=SimpleUploadedFile("graph.png", _rate_graph(rates), "image/png"),
        section="metrics",
        caption=caption,
    )
    if not placed:
        return
    metrics = coe.texts.get(key="metrics")
    services.coe_text_save(
        coe=coe,
        actor=author,
        key="metrics",
        body=f"{metrics.body}\n\n{graph.markdown}",
        base_version=metrics.version,
    )


def _rate_graph(rates: list[tuple[int, float]]) -> bytes:
    """A rate (0 to 1) over three hours from 13:00, drawn from (minute, rate) points."""
    width, height, margin = 720, 260, 40
    image = Image.new("RGB", (width, height), "white")
    draw = ImageDraw.Draw(image)
    draw.line([(margin, margin), (margin, height - margin), (width - 10, height - margin)], "black")
    for label, y in (("100%", margin), ("0%", height - margin)):
        draw.text((4, y - 6), label, fill="black")
    for minute in range(0, 181, 30):
        x = margin + minute * (width - margin - 10) // 180
        draw.text(
            (min(x - 14, width - 36), height - margin + 8),
            f"{13 + minute // 60}:{minute % 60:02}",
            "black",
        )

    def point(minute: int, rate: float) -> tuple[int, int]:
        x = margin + minute * (width - margin - 10) // 180
        return x, round(height - margin - rate * (height - 2 * margin))

    draw.line([point(*p) for p in rates], fill=(200, 30, 30), width=3)
    out = io.BytesIO()
    image.save(out, "PNG")
    return out.getvalue()


def _factor(coe: Coe, author, title: str, category: str, steps: list[tuple[str, str]]) -> None:
    """A contributing factor and its why → because chain, as the editor saves one."""
    factor = services.factor_add(coe=coe, actor=author, title=title, category=category)
    services.factor_save(
        factor=factor,
        actor=author,
        base_version=factor.version,
        title=title,
        category=category,
        steps=steps,
    )


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
    _attach_graph(
        coe,
        author,
        "Gateway 5xx rate, 13:00 to 16:00: 100% for 90 minutes",
        [(0, 0.0002), (40, 0.0002), (41, 1.0), (130, 1.0), (131, 0.0003), (180, 0.0003)],
    )
    services.coe_timeline_copy_from_incident(coe=coe, actor=author)
    _factor(coe, author, "No end-to-end test", FactorCategory.DEPLOYMENT, GATEWAY_WHYS)
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
    _attach_graph(
        coe,
        author,
        "Collections refused by the distribution limit: 40% from 13:40",
        [(0, 0.0), (40, 0.0), (41, 0.4), (180, 0.4)],
        placed=False,  # uploaded, not yet put in the text: the editor lists it
    )
    services.coe_timeline_entry_add(
        coe=coe,
        actor=author,
        occurred_at=incident.impact_started_at + timedelta(minutes=4),
        text="Customers report BananaDistributionLimitExceeded errors.",
    )
    _factor(coe, author, "Shared pool", FactorCategory.CAPACITY, DRAFT_WHYS)
    _items(coe=None, incident=incident, users=users, teams=teams, items=INCIDENT_ITEMS)
    _items(coe=coe, incident=None, users=users, teams=teams, items=DRAFT_ITEMS)
    return coe


def _near_miss_coe(users, teams) -> Coe:
    """An approved near miss: no incident, no customer impact, the same learning."""
    author = users["engineer"]
    coe = services.coe_create(
        title=NEAR_MISS_TITLE, team=teams["banana-storage"], actor=author, kind=CoeKind.NEAR_MISS
    )
    _write(coe, author, NEAR_MISS_TEXTS)
    paged = timezone.now() - timedelta(days=5)
    for occurred_at, text in [
        (paged, "The 85% disk alarm pages the storage on-call."),
        (paged + timedelta(minutes=25), "Logs rotated by hand; disk back to 41%."),
    ]:
        services.coe_timeline_entry_add(coe=coe, actor=author, occurred_at=occurred_at, text=text)
    _factor(coe, author, "Silent job failure", FactorCategory.MONITORING_GAP, NEAR_MISS_WHYS)
    _items(coe=coe, incident=None, users=users, teams=teams, items=NEAR_MISS_ITEMS)
    coe = services.coe_submit(coe=coe, actor=author)
    return services.coe_review(
        coe=coe,
        actor=users["manager"],
        decision=ReviewDecision.APPROVE,
        comment="A near miss written up like an outage: exactly the habit we want.",
    )


def seed_coes(users: dict, teams: dict) -> list[Coe]:
    coes = []
    for title, build in [(GATEWAY_OUTAGE, _gateway_coe), (LIMIT_EXCEEDED, _draft_coe)]:
        existing = Coe.objects.filter(incident__title=title).first()
        coes.append(existing or build(users, teams))
    near_miss = Coe.objects.filter(kind=CoeKind.NEAR_MISS, title=NEAR_MISS_TITLE).first()
    coes.append(near_miss or _near_miss_coe(users, teams))
    return coes
