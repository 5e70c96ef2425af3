"""Reads of wheels that pages (and the weekly ops meeting) share."""

from dataclasses import dataclass
from datetime import datetime, timedelta

from django.db.models import Count, OuterRef, QuerySet, Subquery
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.timesince import timesince

from opsreview.org.models import Team

from . import drawing, selection
from .models import LogEntry, Participant, Rig, Spin, Wheel

HISTORY_LENGTH = 12
LOG_LENGTH = 50


def wheel_list() -> QuerySet[Wheel]:
    """Every wheel with its participant count and when it last spun: two subqueries, not a
    join of every participant with every spin (500 teams by 2,000 spins is a million rows)."""
    participants = Participant.objects.filter(wheel=OuterRef("pk")).order_by()
    last_spin = Spin.objects.filter(wheel=OuterRef("pk")).order_by("-spun_at")
    return Wheel.objects.annotate(
        participant_count=Coalesce(
            Subquery(participants.values("wheel").annotate(n=Count("pk")).values("n")), 0
        ),
        last_spun_at=Subquery(last_spin.values("spun_at")[:1]),
    )


@dataclass
class ParticipantOdds:
    """A participant as the wheel page shows it: read as plain values, since a wheel of 500 teams
    built as 1,000 model instances (participants and their teams) cost more than the page."""

    pk: int
    team_id: int | None
    display_name: str
    target_url: str
    weight: float
    selection_count: int
    last_selected_at: datetime | None
    colour: int
    probability: float = 0.0

    # Worked out only for the rows shown, not 500 times over.
    @property
    def chance(self) -> str:
        return format_chance(self.probability)

    @property
    def last_chosen(self) -> str:
        return format_ago(self.last_selected_at)


def participants_with_odds(wheel: Wheel) -> list[ParticipantOdds]:
    """The wheel's participants in wheel order, each with `probability` = wᵢ / Σw."""
    rows = wheel.participants.order_by("pk").values(
        "pk", "team_id", "team__name", "name", "team__dashboard_url", "url", "weight",
        "selection_count", "last_selected_at",
    )  # fmt: skip
    participants = [
        ParticipantOdds(
            pk=row["pk"],
            team_id=row["team_id"],
            display_name=row["team__name"] if row["team_id"] else row["name"],
            target_url=row["team__dashboard_url"] if row["team_id"] else row["url"],
            weight=row["weight"],
            selection_count=row["selection_count"],
            last_selected_at=row["last_selected_at"],
            colour=drawing.colour(index),
        )
        for index, row in enumerate(rows)
    ]
    odds = selection.probabilities([p.weight for p in participants])
    for participant, probability in zip(participants, odds, strict=True):
        participant.probability = probability
    return participants


@dataclass
class Odds:
    """The likeliest participants, and the others counted with their chance between them."""

    shown: list[ParticipantOdds]
    others: int
    others_chance: str


def likeliest(participants: list[ParticipantOdds], count: int) -> Odds:
    """All participants in wheel order when they fit; otherwise the `count` likeliest."""
    if len(participants) <= count:
        return Odds(participants, 0, "")
    ranked = sorted(participants, key=lambda p: -p.probability)
    rest = ranked[count:]
    return Odds(ranked[:count], len(rest), format_chance(sum(p.probability for p in rest)))


def format_ago(moment: datetime | None) -> str:
    """“3 days ago”, or “just now” inside a minute (where timesince would say “0 minutes”)."""
    if moment is None:
        return ""
    if timezone.now() - moment < timedelta(minutes=1):
        return "just now"
    return f"{timesince(moment)} ago"


def format_chance(probability: float) -> str:
    """18.2%, never a rounded-away 0% for someone who can still come up."""
    if probability == 0:
        return "0%"
    if probability < 0.001:
        return "<0.1%"
    return f"{probability:.1%}"


def recent_spins(wheel: Wheel, limit: int = HISTORY_LENGTH) -> list[Spin]:
    """The history: who spun, what came up, whether it was chosen and (for its badge) rigged."""
    return list(wheel.spins.select_related("spun_by", "rig")[:limit])


def participants_to_edit(wheel: Wheel, *, after: int, limit: int) -> list[Participant]:
    """A screen of participants for a wheel admin to edit: `limit` in wheel order after `after`."""
    return list(
        wheel.participants.select_related("team").filter(pk__gt=after).order_by("pk")[:limit]
    )


def active_rig(wheel: Wheel) -> Rig | None:
    return wheel.rigs.filter(cleared_at__isnull=True).select_related("rigged_by").first()


def audit_log(wheel: Wheel, limit: int = LOG_LENGTH) -> QuerySet[LogEntry]:
    return wheel.log.select_related("actor")[:limit]


def teams_not_on_wheel(wheel: Wheel) -> QuerySet[Team]:
    return Team.objects.exclude(wheel_places__wheel=wheel).order_by("name")
