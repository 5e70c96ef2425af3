"""BananaStand's incidents: the 90-minute API Gateway outage and an open distribution-limit event.

These are history, so they are written as they happened (no emails, no "declared now");
live incidents go through the services.
"""

from datetime import timedelta

from django.utils import timezone

from opsreview.org.models import Service, Team

from .models import (
    CallLeader,
    Incident,
    IncidentRole,
    Role,
    Severity,
    Status,
    TimelineEntry,
    last_update_recompute,
)

GATEWAY_OUTAGE = "BananaStand unavailable: API Gateway misconfiguration"
LIMIT_EXCEEDED = "BananaDistributionLimitExceeded errors for customers collecting bananas"


def _timeline(incident, start, author, entries):
    for minutes, kind, text in entries:
        TimelineEntry.objects.create(
            incident=incident,
            occurred_at=start + timedelta(minutes=minutes),
            created_at=start + timedelta(minutes=minutes),
            author=author,
            kind=kind,
            text=text,
        )
    last_update_recompute(Incident.objects.filter(pk=incident.pk))


def _gateway_outage(users, teams):
    leader, engineer = users["callleader"], users["engineer"]
    start = (timezone.now() - timedelta(days=9)).replace(hour=14, minute=2, second=0, microsecond=0)
    incident = Incident(
        title=GATEWAY_OUTAGE,
        severity=Severity.SEV2,
        status=Status.RESOLVED,
        impact_started_at=start,
        detected_at=start + timedelta(minutes=7),
        declared_at=start + timedelta(minutes=9),
        mitigated_at=start + timedelta(minutes=90),
        resolved_at=start + timedelta(minutes=148),
        declared_by=engineer,
        call_leader=leader,
        customer_impact=(
            "For **90 minutes** every request to BananaStand failed with HTTP 502: customers could "
            "not collect their bananas. About 41,000 collection attempts failed."
        ),
    )
    incident.full_clean()
    incident.save()
    incident.teams.set([teams["front-door"], teams["banana-requesthandler"]])
    incident.services.set(Service.objects.filter(name="BananaStand API Gateway"))
    note, status, event = (
        TimelineEntry.Kind.NOTE,
        TimelineEntry.Kind.STATUS,
        TimelineEntry.Kind.EVENT,
    )
    _timeline(incident, start, engineer, [
        (0, event, "Customer impact started."),
        (7, note, "Alarm: API Gateway 5xx rate above 50% for 5 minutes. Paged Front Door on-call."),
        (9, status, "Declared Sev-2 by Eli Engel; call leader Cleo Carter. Investigating."),
        (11, event, "Engaged API Gateway Front Door (Eli Engel)."),
        (14, note, "Every route to Banana RequestHandler answers 502 'no integration defined'."),
        (16, event, "Engaged Banana RequestHandler (Cleo Carter)."),
        (31, note, "RequestHandler healthy and idle: requests never reach it."),
        (52, note, "The route-table change deployed at 14:00 dropped the RequestHandler "
                   "integration. Decision: roll back rather than patch forward."),
        (74, note, "Rollback blocked: the previous configuration version was not retained. "
                   "Rebuilding it from the deployment pipeline's artefacts."),
        (90, status, "Impact mitigated (recorded by Cleo Carter). Previous gateway configuration "
                     "restored; 5xx back to baseline."),
        (148, status, "Resolved by Cleo Carter. Traffic normal for 45 minutes; "
                      "configuration versions now retained."),
    ])  # fmt: skip
    return incident


def _limit_exceeded(users, teams):
    leader, engineer = users["callleader"], users["engineer"]
    start = timezone.now() - timedelta(minutes=25)
    incident = Incident(
        title=LIMIT_EXCEEDED,
        severity=Severity.SEV2,
        status=Status.INVESTIGATING,
        impact_started_at=start,
        detected_at=start + timedelta(minutes=4),
        declared_at=start + timedelta(minutes=6),
        declared_by=engineer,
        call_leader=leader,
        customer_impact="About 40% of collections fail with `BananaDistributionLimitExceeded`.",
        chat_url="https://chat.example.com/bananastand/channels/inc-distributor-limits",
        bridge_url="https://meet.example.com/j/4155550142",
    )
    incident.full_clean()
    incident.save()
    incident.teams.set([teams["banana-distributor"]])
    for role, person in [(Role.SCRIBE, engineer), (Role.COMMUNICATIONS, users["manager"])]:
        IncidentRole.objects.create(
            incident=incident, role=role, person=person, assigned_by=leader, assigned_at=start
        )
    incident.services.set(Service.objects.filter(name="Banana Distributor"))
    note, status = TimelineEntry.Kind.NOTE, TimelineEntry.Kind.STATUS
    _timeline(incident, start, engineer, [
        (4, note, "Customers report BananaDistributionLimitExceeded when collecting bananas."),
        (6, status, "Declared Sev-2 by Eli Engel; call leader Cleo Carter. Investigating."),
        (12, note, "Distributor rejects 40% of requests; per-customer limits unchanged in 7 days."),
        (19, note, "Suspect: a retry storm from one large customer is using up the shared pool."),
    ])  # fmt: skip
    return incident


def seed_incidents(users: dict, teams: dict[str, Team]) -> list[Incident]:
    leader, _ = CallLeader.objects.get_or_create(user=users["callleader"])
    if not leader.shadows.exists():
        leader.shadows.set([users["engineer"]])
    incidents = []
    for title, build in [(GATEWAY_OUTAGE, _gateway_outage), (LIMIT_EXCEEDED, _limit_exceeded)]:
        incident = Incident.objects.filter(title=title).first()
        incidents.append(incident or build(users, teams))
    return incidents
