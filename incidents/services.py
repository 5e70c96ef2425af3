"""Every write to an incident: each checks who may, keeps the lifecycle, is on the timeline."""

from collections.abc import Iterable
from datetime import datetime
from uuid import UUID

from django.contrib.auth.models import AbstractBaseUser
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import F, Q, Value
from django.db.models.functions import Greatest
from django.utils import timezone

from opsreview.org.audit import audit_record
from opsreview.org.fields import require_at_most
from opsreview.org.models import AuditAction, Service, Team
from opsreview.org.people import display_name

from .gate import ResolutionBlocked, resolution_blockers
from .models import (
    MAJOR_SEVERITIES,
    SINGLE_HOLDER_ROLES,
    CallLeader,
    Incident,
    IncidentRole,
    Role,
    Severity,
    Status,
    TimelineEntry,
    last_update_recompute,
)
from .tasks import notify_team_engaged

INCIDENT_EDITABLE_FIELDS = (
    "title",
    "severity",
    "call_leader",
    "impact_started_at",
    "detected_at",
    "customer_impact",
    "chat_url",
    "bridge_url",
)


def _require_worker(incident: Incident, actor: AbstractBaseUser) -> None:
    if not incident.can_be_worked_by(actor):
        raise PermissionDenied(
            "Only the call leader, members of engaged teams and staff can change this incident."
        )


def _locked(incident: Incident) -> Incident:
    """The incident's row, locked until the transaction ends, so two changes cannot interleave."""
    return Incident.objects.select_for_update().get(pk=incident.pk)


def _check_call_leader(severity: int, call_leader: AbstractBaseUser) -> None:
    if (
        severity in MAJOR_SEVERITIES
        and not CallLeader.objects.filter(
            user=call_leader, is_active=True, user__is_active=True
        ).exists()
    ):
        raise ValidationError(
            {
                "call_leader": f"{Severity(severity).label} incidents are led by someone on the "
                f"call-leader roster; {display_name(call_leader)} is not on it."
            }
        )


def incident_touch(*, incident_id: int | None = None, coe_id: int | None = None) -> None:
    """Something an incident's page shows changed (the incident, or an item raised on it or on
    its COE): move its version on, so the pages open on it fetch it again."""
    which = Q()
    if incident_id is not None:
        which |= Q(pk=incident_id)
    if coe_id is not None:
        which |= Q(coe=coe_id)
    if which:
        Incident.objects.filter(which).update(version=F("version") + 1)


def _timeline_written(incident: Incident, at: datetime) -> None:
    """The timeline changed at `at`: move the incident's stored last update forward to it, and
    its version on.

    One UPDATE that never moves the time back, so concurrent writes each leave the latest.
    """
    Incident.objects.filter(pk=incident.pk).update(
        last_update_at=Greatest("last_update_at", Value(at)), version=F("version") + 1
    )
    incident.last_update_at = max(incident.last_update_at, at)


def _record(
    incident: Incident,
    *,
    author: AbstractBaseUser,
    text: str,
    occurred_at: datetime | None = None,
    kind: str = TimelineEntry.Kind.EVENT,
) -> TimelineEntry:
    entry = TimelineEntry.objects.create(
        incident=incident,
        author=author,
        text=text,
        kind=kind,
        occurred_at=occurred_at or timezone.now(),
    )
    _timeline_written(incident, entry.created_at)
    return entry


class AlreadyDeclared(ValidationError):
    """The same declaration form was sent again: the incident it declared is `incident`."""

    def __init__(self, incident: Incident):
        self.incident = incident
        super().__init__(f"This incident was already declared: {incident}.")


def _clean_text(text: str, *, field: str = "text") -> str:
    text = (text or "").strip()
    if not text:
        raise ValidationError({field: "Write what happened."})
    require_at_most(text, TimelineEntry.TEXT_MAX, field=field, what="an entry")
    return text


@transaction.atomic
def incident_declare(
    *,
    title: str,
    severity: int,
    declared_by: AbstractBaseUser,
    call_leader: AbstractBaseUser | None = None,
    teams: Iterable[Team] = (),
    services: Iterable[Service] = (),
    impact_started_at: datetime | None = None,
    detected_at: datetime | None = None,
    customer_impact: str = "",
    chat_url: str = "",
    bridge_url: str = "",
    declaration_key: UUID | None = None,
) -> Incident:
    """Open an incident. Anyone signed in may; Sev-1/2 take their call leader from the roster.

    A declaration key makes a repeated form (a double click, a retry) declare one incident:
    the repeat raises AlreadyDeclared naming it, and nobody is emailed twice.
    """
    if declaration_key and (done := Incident.objects.filter(declaration_key=declaration_key)):
        raise AlreadyDeclared(done.get())
    now = timezone.now()
    call_leader = call_leader or declared_by
    detected_at = detected_at or now
    incident = Incident(
        title=(title or "").strip(),
        severity=severity,
        declared_by=declared_by,
        declared_at=now,
        last_update_at=now,
        call_leader=call_leader,
        detected_at=detected_at,
        impact_started_at=impact_started_at or detected_at,
        customer_impact=customer_impact,
        chat_url=(chat_url or "").strip(),
        bridge_url=(bridge_url or "").strip(),
        declaration_key=declaration_key,
    )
    incident.full_clean(validate_unique=False)
    _check_call_leader(severity, call_leader)
    try:
        with transaction.atomic():
            incident.save()
    except IntegrityError:  # the same form, declared by a concurrent request a moment ago
        raise AlreadyDeclared(Incident.objects.get(declaration_key=declaration_key)) from None
    incident.services.set(services)
    if impact_started_at and impact_started_at < now:
        _record(
            incident,
            author=declared_by,
            occurred_at=incident.impact_started_at,
            text="Customer impact started.",
        )
    _record(
        incident,
        author=declared_by,
        occurred_at=now,
        kind=TimelineEntry.Kind.STATUS,
        text=f"Declared {incident.get_severity_display()} by {display_name(declared_by)}; "
        f"call leader {display_name(call_leader)}. Investigating.",
    )
    for team in teams:
        _engage(incident, team=team, actor=declared_by)
    return incident


@transaction.atomic
def incident_mitigate(
    *,
    incident: Incident,
    actor: AbstractBaseUser,
    mitigated_at: datetime | None = None,
    note: str = "",
) -> Incident:
    """Investigating → mitigated: customer impact has stopped, even if the cause is not fixed."""
    _require_worker(incident, actor)
    incident = _locked(incident)
    if incident.status != Status.INVESTIGATING:
        raise ValidationError(f"This incident is already {incident.get_status_display().lower()}.")
    incident.mitigated_at = mitigated_at or timezone.now()
    incident.status = Status.MITIGATED
    incident.full_clean()
    incident.save(update_fields=["status", "mitigated_at"])
    text = f"Impact mitigated (recorded by {display_name(actor)})."
    if note.strip():
        text += f" {_clean_text(note, field='note')}"
    _record(
        incident,
        author=actor,
        occurred_at=incident.mitigated_at,
        kind=TimelineEntry.Kind.STATUS,
        text=text,
    )
    return incident


@transaction.atomic
def incident_resolve(
    *, incident: Incident, actor: AbstractBaseUser, resolved_at: datetime | None = None
) -> Incident:
    """Mitigated → resolved, refused while the resolution gate names anything not done.

    Raises ResolutionBlocked listing the blockers (open short-term action items).
    """
    _require_worker(incident, actor)
    incident = _locked(incident)
    if incident.status == Status.INVESTIGATING:
        raise ValidationError("Mitigate impact first: record when customer impact stopped.")
    if incident.status == Status.RESOLVED:
        raise ValidationError("This incident is already resolved.")
    blockers = resolution_blockers(incident)
    if blockers:
        raise ResolutionBlocked(blockers)
    incident.resolved_at = resolved_at or timezone.now()
    incident.status = Status.RESOLVED
    incident.full_clean()
    fields = ["status", "resolved_at"]
    if incident.gates_production_changes:
        incident.gates_production_changes = False
        incident.changes_gated_by = actor
        incident.changes_gated_at = incident.resolved_at
        fields += ["gates_production_changes", "changes_gated_by", "changes_gated_at"]
    incident.save(update_fields=fields)
    text = f"Resolved by {display_name(actor)}."
    if "gates_production_changes" in fields:
        text += " Production changes are no longer gated."
    _record(
        incident,
        author=actor,
        occurred_at=incident.resolved_at,
        kind=TimelineEntry.Kind.STATUS,
        text=text,
    )
    return incident


@transaction.atomic
def incident_reopen(*, incident: Incident, actor: AbstractBaseUser, reason: str) -> Incident:
    """Mitigated or resolved → investigating, with a reason; earlier times stay on the timeline."""
    _require_worker(incident, actor)
    incident = _locked(incident)
    if incident.status == Status.INVESTIGATING:
        raise ValidationError("This incident is already being investigated.")
    reason = _clean_text(reason, field="reason")
    incident.status = Status.INVESTIGATING
    incident.mitigated_at = None
    incident.resolved_at = None
    incident.save(update_fields=["status", "mitigated_at", "resolved_at"])
    _record(
        incident,
        author=actor,
        kind=TimelineEntry.Kind.STATUS,
        text=f"Reopened by {display_name(actor)}: {reason}",
    )
    return incident


@transaction.atomic
def incident_update(
    *,
    incident: Incident,
    actor: AbstractBaseUser,
    changes: dict,
    services: Iterable[Service] | None = None,
) -> Incident:
    """Change an incident's details; severity and call-leader changes go on the timeline."""
    _require_worker(incident, actor)
    unknown = set(changes) - set(INCIDENT_EDITABLE_FIELDS)
    if unknown:
        raise ValueError(f"Not editable: {', '.join(sorted(unknown))}")
    incident = _locked(incident)
    before = {
        "severity": incident.get_severity_display(),
        "severity_value": incident.severity,
        "call_leader": incident.call_leader,
    }
    _require_leader_for_leader_calls(incident, actor, changes)
    for field, value in changes.items():
        setattr(incident, field, value.strip() if isinstance(value, str) else value)
    incident.full_clean()
    if (incident.severity, incident.call_leader) != (
        before["severity_value"],
        before["call_leader"],
    ):
        _check_call_leader(incident.severity, incident.call_leader)
    incident.save(update_fields=list(changes))
    if services is not None:
        incident.services.set(services)
    incident_touch(incident_id=incident.pk)
    if incident.get_severity_display() != before["severity"]:
        change = f"{before['severity']} → {incident.get_severity_display()}"
        _record(
            incident,
            author=actor,
            text=f"Severity changed from {before['severity']} to "
            f"{incident.get_severity_display()} by {display_name(actor)}.",
        )
        audit_record(AuditAction.SEVERITY_CHANGED, actor=actor, target=incident, detail=change)
    if incident.call_leader != before["call_leader"]:
        _record(
            incident,
            author=actor,
            text=f"Call leader is now {display_name(incident.call_leader)} "
            f"(was {display_name(before['call_leader'])}; changed by {display_name(actor)}).",
        )
        audit_record(
            AuditAction.CALL_LEADER_CHANGED,
            actor=actor,
            target=incident,
            detail=f"{display_name(before['call_leader'])} → {display_name(incident.call_leader)}",
        )
    return incident


def _require_leader_for_leader_calls(incident: Incident, actor, changes: dict) -> None:
    """Anyone working the incident may raise its severity; only the call leader or staff may
    lower it or hand the lead to someone else."""
    lowers = "severity" in changes and int(changes["severity"]) > incident.severity
    hands_over = "call_leader" in changes and changes["call_leader"] != incident.call_leader
    if (lowers or hands_over) and not incident.can_make_leader_calls(actor):
        raise PermissionDenied(
            "Only the call leader or staff can lower the severity or change the call leader."
        )


def _engage(incident: Incident, *, team: Team, actor: AbstractBaseUser) -> None:
    incident.teams.add(team)
    _record(incident, author=actor, text=f"Engaged {team.name} ({display_name(actor)}).")
    transaction.on_commit(
        lambda: notify_team_engaged.delay(incident_id=incident.pk, team_id=team.pk)
    )


@transaction.atomic
def incident_engage_team(*, incident: Incident, team: Team, actor: AbstractBaseUser) -> Incident:
    """Bring a team into the incident; its members are emailed once the change is committed."""
    _require_worker(incident, actor)
    incident = _locked(incident)
    if not incident.is_open:
        raise ValidationError("This incident is resolved; reopen it before engaging more teams.")
    if incident.teams.filter(pk=team.pk).exists():
        raise ValidationError({"team": f"{team.name} is already engaged."})
    _engage(incident, team=team, actor=actor)
    return incident


@transaction.atomic
def incident_role_assign(
    *, incident: Incident, actor: AbstractBaseUser, role: str, person: AbstractBaseUser
) -> IncidentRole:
    """Give `person` one of the call's roles. A scribe or communications lead takes over from
    the one before; experts are added. On the timeline, so the record says who did what."""
    _require_worker(incident, actor)
    incident = _locked(incident)
    role = Role(role)
    if not incident.is_open:
        raise ValidationError("This incident is resolved; reopen it before changing its roles.")
    if not person.is_active:
        raise ValidationError({"person": f"{display_name(person)} is not active."})
    holders = IncidentRole.objects.filter(incident=incident, role=role)
    if holders.filter(person=person).exists():
        raise ValidationError({"person": f"{display_name(person)} is already {role.label}."})
    replaced = [display_name(row.person) for row in holders.select_related("person")]
    if role in SINGLE_HOLDER_ROLES:
        holders.delete()
    held = IncidentRole.objects.create(
        incident=incident, role=role, person=person, assigned_by=actor
    )
    text = f"{role.label}: {display_name(person)} (named by {display_name(actor)}"
    if role in SINGLE_HOLDER_ROLES and replaced:
        text += f"; was {', '.join(replaced)}"
    _record(incident, author=actor, text=f"{text}).")
    return held


@transaction.atomic
def incident_role_remove(*, held: IncidentRole, actor: AbstractBaseUser) -> None:
    """Someone no longer holds a role (they left the call, or handed it on)."""
    incident = held.incident
    _require_worker(incident, actor)
    incident = _locked(incident)
    if not incident.is_open:
        raise ValidationError("This incident is resolved; reopen it before changing its roles.")
    held.delete()
    _record(
        incident,
        author=actor,
        text=f"{display_name(held.person)} is no longer {held.get_role_display()} "
        f"({display_name(actor)}).",
    )


@transaction.atomic
def incident_gate_changes(*, incident: Incident, actor: AbstractBaseUser, gated: bool) -> Incident:
    """Stop (or allow again) production changes during the incident: the call leader's call."""
    if not incident.can_gate_changes(actor):
        raise PermissionDenied("Only the call leader can gate production changes.")
    incident = _locked(incident)
    if gated and not incident.is_open:
        raise ValidationError("A resolved incident cannot gate production changes.")
    if incident.gates_production_changes == gated:
        return incident
    incident.gates_production_changes = gated
    incident.changes_gated_by = actor
    incident.changes_gated_at = timezone.now()
    incident.save(
        update_fields=["gates_production_changes", "changes_gated_by", "changes_gated_at"]
    )
    text = "Production changes gated" if gated else "Production change gate lifted"
    _record(incident, author=actor, text=f"{text} by {display_name(actor)}.")
    return incident


@transaction.atomic
def timeline_entry_add(
    *,
    incident: Incident,
    author: AbstractBaseUser,
    text: str,
    occurred_at: datetime | None = None,
    ask_about_time: bool = False,
) -> TimelineEntry:
    """A note on the timeline, back-dated to when it happened if the author says so. With
    `ask_about_time` (a form, for the person typing), a time before the impact began raises
    TimeToConfirm instead of being saved."""
    _require_worker(incident, author)
    entry = TimelineEntry(
        incident=incident,
        author=author,
        text=_clean_text(text),
        occurred_at=occurred_at or timezone.now(),
        kind=TimelineEntry.Kind.NOTE,
    )
    entry.full_clean()
    if ask_about_time:
        incident.ask_if_before_impact(entry.occurred_at, field="occurred_at")
    entry.save()
    _timeline_written(incident, entry.created_at)
    return entry


@transaction.atomic
def timeline_event_record(
    *,
    incident: Incident,
    author: AbstractBaseUser,
    text: str,
    occurred_at: datetime | None = None,
) -> TimelineEntry:
    """A fact an integration saw (an alarm changing state), put on the timeline by its own
    user: an event, which nobody edits, so no person's right to work the incident is asked."""
    return _record(incident, author=author, text=_clean_text(text), occurred_at=occurred_at)


@transaction.atomic
def timeline_entry_edit(
    *,
    entry: TimelineEntry,
    actor: AbstractBaseUser,
    text: str,
    occurred_at: datetime,
    ask_about_time: bool = False,
) -> TimelineEntry:
    """Only the author edits their own note; status entries are the record and never change.
    A time moved before the impact began is asked about, as when the note is added."""
    if not entry.can_be_edited_by(actor):
        raise PermissionDenied("Only the author can edit this timeline entry.")
    moved = occurred_at != entry.occurred_at
    entry.text = _clean_text(text)
    entry.occurred_at = occurred_at
    entry.edited_at = timezone.now()
    entry.full_clean()
    if moved and ask_about_time:
        entry.incident.ask_if_before_impact(occurred_at, field="occurred_at")
    entry.save(update_fields=["text", "occurred_at", "edited_at"])
    _timeline_written(entry.incident, entry.edited_at)
    return entry


@transaction.atomic
def incident_last_update_refresh(*, incident: Incident) -> None:
    """The timeline was changed outside these services (entries removed or added in the
    admin): the incident's last update is recomputed from what is on it now."""
    last_update_recompute(Incident.objects.filter(pk=incident.pk))
    incident.refresh_from_db(fields=["last_update_at"])
