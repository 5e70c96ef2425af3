"""Every write to a wheel. Weight changes lock the wheel and its participants, then apply the
pure algorithm in `selection`, so two people choosing at once queue instead of corrupting weights.
"""

import random
from collections.abc import Iterable

from django.contrib.auth.models import AbstractBaseUser
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone

from opsreview.org.audit import audit_record
from opsreview.org.fields import require_at_most
from opsreview.org.models import AuditAction, Team
from opsreview.org.people import display_name

from . import selection
from .models import LogEntry, Participant, Rig, Spin, Wheel, can_administer_wheels

WHEEL_SETTINGS = ("show_weights", "proportional_slices", "allow_rigging", "require_rig_reason")
WHEEL_EDITABLE_FIELDS = ("name", "slug", *WHEEL_SETTINGS)

# The wheel's own source of randomness; tests pass a seeded random.Random instead.
_system_random = random.SystemRandom()


def _weight(value: float) -> str:
    return f"{value:.3g}"


def _require_admin(actor: AbstractBaseUser) -> None:
    if not can_administer_wheels(actor):
        raise PermissionDenied("Only wheel admins can change wheels.")


def _log(wheel: Wheel, *, actor: AbstractBaseUser, kind: str, text: str) -> LogEntry:
    return LogEntry.objects.create(wheel=wheel, actor=actor, kind=kind, text=text)


def _locked(wheel: Wheel) -> tuple[Wheel, list[Participant]]:
    """The wheel and its participants, row-locked until the transaction ends."""
    wheel = Wheel.objects.select_for_update().get(pk=wheel.pk)
    participants = list(Participant.objects.select_for_update().filter(wheel=wheel).order_by("pk"))
    return wheel, participants


def _save_weights(participants: list[Participant], weights: list[float]) -> None:
    for participant, weight in zip(participants, weights, strict=True):
        participant.weight = weight
    Participant.objects.bulk_update(participants, ["weight"])


def _last_chosen(participants: list[Participant]) -> Participant | None:
    chosen = [p for p in participants if p.last_selected_at]
    return max(chosen, key=lambda p: p.last_selected_at) if chosen else None


def _active_rig(wheel: Wheel) -> Rig | None:
    return Rig.objects.filter(wheel=wheel, cleared_at__isnull=True).first()


def _clear_rig(wheel: Wheel, because: str) -> Rig | None:
    rig = _active_rig(wheel)
    if rig:
        rig.cleared_at = timezone.now()
        rig.cleared_because = because
        rig.save(update_fields=["cleared_at", "cleared_because"])
    return rig


# Wheels


@transaction.atomic
def wheel_create(
    *, actor: AbstractBaseUser, name: str, slug: str, teams: Iterable[Team] = (), **settings
) -> Wheel:
    """A new wheel, with a participant at weight 1 for each team given. Wheel admins only."""
    _require_admin(actor)
    unknown = set(settings) - set(WHEEL_SETTINGS)
    if unknown:
        raise ValueError(f"Not a wheel setting: {', '.join(sorted(unknown))}")
    wheel = Wheel(name=(name or "").strip(), slug=slug, **settings)
    wheel.full_clean()
    wheel.save()
    _log(wheel, actor=actor, kind=LogEntry.Kind.CREATED, text=f"Created by {display_name(actor)}.")
    for team in teams:
        participant_add(wheel=wheel, actor=actor, team=team)
    return wheel


@transaction.atomic
def wheel_update(*, wheel: Wheel, actor: AbstractBaseUser, changes: dict) -> Wheel:
    """Rename a wheel or change its settings; switching rigging off cancels a pending rig."""
    _require_admin(actor)
    unknown = set(changes) - set(WHEEL_EDITABLE_FIELDS)
    if unknown:
        raise ValueError(f"Not editable: {', '.join(sorted(unknown))}")
    wheel, _ = _locked(wheel)
    changed = [field for field, value in changes.items() if getattr(wheel, field) != value]
    for field in changed:
        setattr(wheel, field, changes[field])
    wheel.full_clean()
    if not changed:
        return wheel
    wheel.save(update_fields=changed)
    labels = ", ".join(str(Wheel._meta.get_field(field).verbose_name) for field in changed)
    _log(
        wheel,
        actor=actor,
        kind=LogEntry.Kind.SETTINGS,
        text=f"{display_name(actor)} changed {labels}.",
    )
    if not wheel.allow_rigging and _clear_rig(wheel, Rig.Cleared.CANCELLED):
        _log(
            wheel,
            actor=actor,
            kind=LogEntry.Kind.UNRIGGED,
            text="Pending rig cancelled: rigging was switched off.",
        )
    return wheel


@transaction.atomic
def wheel_reset(*, wheel: Wheel, actor: AbstractBaseUser) -> Wheel:
    """Every participant back to weight 1 (Σw = N). Spins and selection counts are kept."""
    _require_admin(actor)
    wheel, participants = _locked(wheel)
    _save_weights(participants, selection.reset(len(participants)))
    _log(
        wheel,
        actor=actor,
        kind=LogEntry.Kind.RESET,
        text=f"{display_name(actor)} reset all {len(participants)} weights to 1.",
    )
    return wheel


# Participants


def _check_unique(wheel: Wheel, *, team: Team | None, name: str, exclude: int | None) -> None:
    others = Participant.objects.filter(wheel=wheel).select_related("team").exclude(pk=exclude)
    if team and others.filter(team=team).exists():
        raise ValidationError({"team": f"{team.name} is already on this wheel."})
    label = (team.name if team else name).casefold()
    if any(other.display_name.casefold() == label for other in others):
        field = "team" if team else "name"
        raise ValidationError({field: f"A participant called {label!r} is already on this wheel."})


@transaction.atomic
def participant_add(
    *,
    wheel: Wheel,
    actor: AbstractBaseUser,
    team: Team | None = None,
    name: str = "",
    url: str = "",
) -> Participant:
    """A team, or a free-form name and web address, joins at weight 1. Wheel admins only."""
    _require_admin(actor)
    wheel, _ = _locked(wheel)
    name = (name or "").strip()
    if team and (name or url):
        raise ValidationError("Pick a team, or give a name and URL; not both.")
    participant = Participant(
        wheel=wheel, team=team, name=name, url=url, weight=selection.NEW_PARTICIPANT_WEIGHT
    )
    participant.full_clean(validate_constraints=False)
    _check_unique(wheel, team=team, name=name, exclude=None)
    participant.save()
    _log(
        wheel,
        actor=actor,
        kind=LogEntry.Kind.ADDED,
        text=f"{display_name(actor)} added {participant.display_name} at weight 1.",
    )
    return participant


@transaction.atomic
def participant_update(
    *,
    participant: Participant,
    actor: AbstractBaseUser,
    weight: float,
    name: str | None = None,
    url: str | None = None,
) -> Participant:
    """An admin sets a weight by hand (and renames a free-form participant). The odds follow
    at once; the next selection scales everyone back to Σw = N."""
    _require_admin(actor)
    wheel, participants = _locked(participant.wheel)
    participant = next(p for p in participants if p.pk == participant.pk)
    before = (participant.display_name, participant.weight, participant.url)
    participant.weight = weight
    if not participant.team_id:
        participant.name = participant.name if name is None else name.strip()
        participant.url = participant.url if url is None else url
    participant.full_clean(validate_constraints=False)
    _check_unique(wheel, team=participant.team, name=participant.name, exclude=participant.pk)
    participant.save(update_fields=["weight", "name", "url"])
    changes = []
    if participant.display_name != before[0]:
        changes.append(f"renamed {before[0]} to {participant.display_name}")
    if participant.weight != before[1]:
        changes.append(
            f"set {participant.display_name}'s weight from {_weight(before[1])} "
            f"to {_weight(participant.weight)}"
        )
    if participant.url != before[2]:
        changes.append(f"changed {participant.display_name}'s URL")
    if changes:
        _log(
            wheel,
            actor=actor,
            kind=LogEntry.Kind.EDITED,
            text=f"{display_name(actor)} {'; '.join(changes)}.",
        )
    return participant


@transaction.atomic
def participant_delete(*, participant: Participant, actor: AbstractBaseUser) -> Wheel:
    """A participant leaves; the others are rescaled so their weights sum to the new N.

    Its spins stay in the history under its name; a rig waiting for it is cleared.
    """
    _require_admin(actor)
    wheel, participants = _locked(participant.wheel)
    index = next(i for i, p in enumerate(participants) if p.pk == participant.pk)
    remaining = selection.remove([p.weight for p in participants], index)
    leaving = participants.pop(index)
    rig = _active_rig(wheel)
    if rig and rig.participant_id == leaving.pk:
        _clear_rig(wheel, Rig.Cleared.REMOVED)
    leaving.delete()
    _save_weights(participants, remaining)
    _log(
        wheel,
        actor=actor,
        kind=LogEntry.Kind.REMOVED,
        text=f"{display_name(actor)} removed {leaving.display_name}.",
    )
    return wheel


# Spinning, choosing, rigging


@transaction.atomic
def wheel_spin(*, wheel: Wheel, actor: AbstractBaseUser, rng: random.Random | None = None) -> Spin:
    """The server decides: the rigged participant if a rig is pending, otherwise a draw with
    P(i) = wᵢ / Σw. Weights are unchanged, so anyone may spin again. Every spin is recorded."""
    # The draw needs only the weights; the one participant drawn is then read whole.
    weights = list(wheel.participants.order_by("pk").values_list("pk", "weight"))
    if not weights:
        raise ValidationError("This wheel has no participants yet: a wheel admin adds teams first.")
    rig = _active_rig(wheel)
    if rig and rig.participant_id:
        drawn = rig.participant_id
    else:
        rig = None
        drawn, _ = weights[selection.suggest([w for _, w in weights], rng or _system_random)]
    result = wheel.participants.select_related("team").get(pk=drawn)
    return Spin.objects.create(
        wheel=wheel,
        participant=result,
        participant_name=result.display_name,
        spun_by=actor,
        rig=rig,
    )


@transaction.atomic
def wheel_choose(*, spin: Spin, actor: AbstractBaseUser) -> Spin:
    """Commit a spin's result: its weight goes to 0 and is shared among the others, all scaled so
    Σw = N; its selection count goes up; a pending rig is cleared.

    Refused for a spin already chosen, a participant who has left, and (with N > 1) the
    participant chosen last time: nobody walks through their dashboard twice in a row.
    """
    if not actor.is_active:
        raise PermissionDenied("Only signed-in people can choose.")
    wheel, participants = _locked(spin.wheel)
    spin = Spin.objects.select_for_update().get(pk=spin.pk)
    if spin.was_chosen:
        raise ValidationError("This spin has already been chosen; spin again.")
    index = next((i for i, p in enumerate(participants) if p.pk == spin.participant_id), None)
    if index is None:
        raise ValidationError(f"{spin.participant_name} has left the wheel; spin again.")
    chosen = participants[index]
    last = _last_chosen(participants)
    if len(participants) > 1 and last and last.pk == chosen.pk:
        raise ValidationError(f"{chosen.display_name} was chosen last time; spin again.")
    now = timezone.now()
    _save_weights(participants, selection.select([p.weight for p in participants], index))
    chosen.selection_count += 1
    chosen.last_selected_at = now
    chosen.save(update_fields=["selection_count", "last_selected_at"])
    spin.chosen_at = now
    spin.chosen_by = actor
    spin.save(update_fields=["chosen_at", "chosen_by"])
    _clear_rig(wheel, Rig.Cleared.SELECTED)
    return spin


@transaction.atomic
def wheel_rig(
    *,
    wheel: Wheel,
    actor: AbstractBaseUser,
    participant: Participant,
    reason: str = "",
    hidden: bool = False,
) -> Rig:
    """A wheel admin fixes the next result until a selection is made; it replaces any pending
    rig and goes in the audit log, hidden or not."""
    _require_admin(actor)
    wheel, participants = _locked(wheel)
    if not wheel.allow_rigging:
        raise ValidationError("Rigging is switched off for this wheel.")
    reason = (reason or "").strip()
    if wheel.require_rig_reason and not reason:
        raise ValidationError({"reason": "Say why: this wheel requires a reason for rigging."})
    require_at_most(reason, Rig.REASON_MAX, field="reason", what="the reason")
    if participant.wheel_id != wheel.pk:
        raise ValidationError({"participant": "That participant is not on this wheel."})
    last = _last_chosen(participants)
    if len(participants) > 1 and last and last.pk == participant.pk:
        raise ValidationError(
            {"participant": f"{participant.display_name} was chosen last time; pick another."}
        )
    _clear_rig(wheel, Rig.Cleared.REPLACED)
    rig = Rig(
        wheel=wheel,
        participant=participant,
        participant_name=participant.display_name,
        rigged_by=actor,
        reason=reason,
        hidden=hidden,
    )
    rig.full_clean(validate_constraints=False)
    rig.save()
    visibility = "hidden" if hidden else "visible"
    who, whom = display_name(actor), participant.display_name
    _log(
        wheel,
        actor=actor,
        kind=LogEntry.Kind.RIGGED,
        text=f"{who} rigged the next spin for {whom} ({visibility})"
        + (f": {reason}" if reason else "."),
    )
    audit_record(
        AuditAction.WHEEL_RIGGED,
        actor=actor,
        target=wheel,
        detail=f"For {whom} ({visibility})" + (f": {reason}" if reason else ""),
    )
    return rig


@transaction.atomic
def wheel_unrig(*, wheel: Wheel, actor: AbstractBaseUser) -> Rig | None:
    """Cancel a pending rig; the next spin is a fair draw again."""
    _require_admin(actor)
    wheel, _ = _locked(wheel)
    rig = _clear_rig(wheel, Rig.Cleared.CANCELLED)
    if rig:
        _log(
            wheel,
            actor=actor,
            kind=LogEntry.Kind.UNRIGGED,
            text=f"{display_name(actor)} cancelled the rig for {rig.participant_name}.",
        )
        audit_record(
            AuditAction.WHEEL_UNRIGGED, actor=actor, target=wheel, detail=rig.participant_name
        )
    return rig
