"""BananaStand's wheel of teams, with last week's pick already made.

Idempotent like the rest of the demo: the wheel is built once; a second run, or a run after
someone edited it, changes nothing.
"""

from datetime import timedelta

from django.utils import timezone

from opsreview.org.models import Team

from . import selection
from .models import LogEntry, Participant, Spin, Wheel

WHEEL_NAME = "BananaStand teams"
WHEEL_SLUG = "bananastand-teams"
DEMO_TEAM_ORDER = [
    "front-door",
    "banana-distributor",
    "banana-requesthandler",
    "banana-orchestrator",
    "banana-storage",
]
LAST_WEEKS_PICK = "banana-storage"


def _last_weeks_meeting(wheel: Wheel, participants: list[Participant], manager) -> None:
    """History, written as it happened: one spin, chosen, and the weights that followed."""
    when = timezone.now() - timedelta(days=7)
    index = next(i for i, p in enumerate(participants) if p.team.slug == LAST_WEEKS_PICK)
    chosen = participants[index]
    weights = selection.select([p.weight for p in participants], index)
    for participant, weight in zip(participants, weights, strict=True):
        participant.weight = weight
    chosen.selection_count = 1
    chosen.last_selected_at = when
    Participant.objects.bulk_update(participants, ["weight", "selection_count", "last_selected_at"])
    Spin.objects.create(
        wheel=wheel,
        participant=chosen,
        participant_name=chosen.display_name,
        spun_by=manager,
        spun_at=when,
        chosen_at=when,
        chosen_by=manager,
    )


def seed_wheel(teams: dict[str, Team]) -> Wheel:
    wheel, created = Wheel.objects.get_or_create(slug=WHEEL_SLUG, defaults={"name": WHEEL_NAME})
    if not created:
        return wheel
    ordered = [teams[slug] for slug in DEMO_TEAM_ORDER if slug in teams]
    participants = [Participant.objects.create(wheel=wheel, team=team) for team in ordered]
    manager = ordered[0].manager if ordered else None
    if manager:
        LogEntry.objects.create(
            wheel=wheel,
            actor=manager,
            kind=LogEntry.Kind.CREATED,
            text=f"Created with {len(participants)} teams for the weekly ops meeting.",
        )
        if len(participants) > 1 and any(t.slug == LAST_WEEKS_PICK for t in ordered):
            _last_weeks_meeting(wheel, participants, manager)
    return wheel
