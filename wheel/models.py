import math

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models.functions import Lower
from django.urls import reverse
from django.utils import timezone

from opsreview.org.fields import WebURLField
from opsreview.org.models import Team

from .selection import MAX_WEIGHT, NEW_PARTICIPANT_WEIGHT

# Paths under /wheel/ that a wheel's slug may not take.
RESERVED_SLUGS = frozenset({"new"})
WEIGHT_NEGATIVE = "A weight cannot be negative."
WEIGHT_TOO_HEAVY = f"A weight can be at most {MAX_WEIGHT:,.0f}."


def validate_weight(value: float) -> None:
    """From 0 to MAX_WEIGHT; NaN passes every comparison, so it is named first."""
    if math.isnan(value):
        raise ValidationError("Enter a number, like 1 or 0.5.")
    if value < 0:
        raise ValidationError(WEIGHT_NEGATIVE)
    if value > MAX_WEIGHT:
        raise ValidationError(WEIGHT_TOO_HEAVY)


def can_administer_wheels(user) -> bool:
    """Staff, or anyone given the wheel-admin permission: they create, edit, rig and reset."""
    return bool(user.is_active and (user.is_staff or user.has_perm("wheel.administer_wheel")))


class Wheel(models.Model):
    """A named wheel that picks, fairly, which participant goes next."""

    name = models.CharField(max_length=100, unique=True)
    slug = models.SlugField(max_length=100, unique=True)
    show_weights = models.BooleanField(
        default=True, help_text="Show everyone the weights, not just the probabilities."
    )
    proportional_slices = models.BooleanField(
        "slices proportional to weight",
        default=True,
        help_text="Otherwise every participant gets an equal slice; the odds are the same.",
    )
    allow_rigging = models.BooleanField(
        default=True, help_text="Wheel admins may fix the next result. Every rig is recorded."
    )
    require_rig_reason = models.BooleanField("require a reason for rigging", default=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["name"]
        permissions = [("administer_wheel", "Can create, edit, rig and reset wheels")]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("wheel:wheel_detail", args=[self.slug])

    def clean(self) -> None:
        if self.slug in RESERVED_SLUGS:
            raise ValidationError({"slug": f"“{self.slug}” is taken by a page; choose another."})


class Participant(models.Model):
    """A team (its dashboard URL is opened) or a free-form name and web address, with a weight."""

    NAME_MAX = 100
    # A display name is the participant's name or its team's; copies of it hold either.
    DISPLAY_NAME_MAX = max(NAME_MAX, Team.NAME_MAX)

    wheel = models.ForeignKey(Wheel, on_delete=models.CASCADE, related_name="participants")
    team = models.ForeignKey(
        "org.Team", on_delete=models.PROTECT, null=True, blank=True, related_name="wheel_places"
    )
    name = models.CharField(
        max_length=NAME_MAX, blank=True, help_text="For a participant not a team."
    )
    url = WebURLField("URL", blank=True, help_text="Opened when this participant is chosen.")
    weight = models.FloatField(default=NEW_PARTICIPANT_WEIGHT, validators=[validate_weight])
    selection_count = models.PositiveIntegerField(default=0)
    last_selected_at = models.DateTimeField(null=True, blank=True)
    added_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["pk"]
        constraints = [
            models.CheckConstraint(condition=models.Q(weight__gte=0), name="wheel_weight_gte_0"),
            models.CheckConstraint(
                condition=models.Q(weight__lte=MAX_WEIGHT), name="wheel_weight_lte_max"
            ),
            models.CheckConstraint(
                condition=models.Q(team__isnull=False, name="", url="")
                | models.Q(team__isnull=True) & ~models.Q(name="") & ~models.Q(url=""),
                name="wheel_participant_team_or_name_and_url",
            ),
            models.UniqueConstraint(
                fields=["wheel", "team"],
                condition=models.Q(team__isnull=False),
                name="wheel_team_once_per_wheel",
            ),
            models.UniqueConstraint(
                "wheel",
                Lower("name"),
                condition=~models.Q(name=""),
                name="wheel_name_once_per_wheel",
            ),
        ]

    def __str__(self) -> str:
        return self.display_name

    @property
    def display_name(self) -> str:
        return self.team.name if self.team_id else self.name

    @property
    def target_url(self) -> str:
        """Where choosing this participant takes the room: the team's dashboard, or its URL."""
        return self.team.dashboard_url if self.team_id else self.url

    def clean(self) -> None:
        if self.team_id and (self.name or self.url):
            raise ValidationError("A team participant takes its name and URL from the team.")
        if not self.team_id:
            errors = {}
            if not self.name.strip():
                errors["name"] = "Name the participant, or pick a team."
            if not self.url:
                errors["url"] = "Give the web address opened when this participant is chosen."
            if errors:
                raise ValidationError(errors)


class Rig(models.Model):
    """A wheel admin fixing the next result: who, when, why, and whether the room is told."""

    class Cleared(models.TextChoices):
        SELECTED = "selected", "a selection was made"
        REPLACED = "replaced", "replaced by another rig"
        CANCELLED = "cancelled", "cancelled"
        REMOVED = "removed", "the participant left the wheel"

    REASON_MAX = 1000

    wheel = models.ForeignKey(Wheel, on_delete=models.CASCADE, related_name="rigs")
    participant = models.ForeignKey(
        Participant, on_delete=models.SET_NULL, null=True, related_name="rigs"
    )
    participant_name = models.CharField(max_length=Participant.DISPLAY_NAME_MAX)
    rigged_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    rigged_at = models.DateTimeField(default=timezone.now)
    reason = models.TextField(blank=True, max_length=REASON_MAX)
    hidden = models.BooleanField(
        default=False, help_text="Hidden rigs are shown only to wheel admins, in the audit log."
    )
    cleared_at = models.DateTimeField(null=True, blank=True)
    cleared_because = models.CharField(max_length=20, choices=Cleared, blank=True)

    class Meta:
        ordering = ["-rigged_at", "-pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["wheel"],
                condition=models.Q(cleared_at__isnull=True),
                name="wheel_one_active_rig",
            )
        ]

    def __str__(self) -> str:
        return f"{self.wheel} rigged for {self.participant_name}"

    @property
    def is_active(self) -> bool:
        return self.cleared_at is None

    def is_shown(self, *, can_admin: bool, present: bool) -> bool:
        """A visible rig is shown to everyone; a hidden one to wheel admins, never on the
        projector."""
        return not self.hidden or (can_admin and not present)


class Spin(models.Model):
    """One spin: who spun, what the server decided, whether it was rigged and whether chosen."""

    wheel = models.ForeignKey(Wheel, on_delete=models.CASCADE, related_name="spins")
    participant = models.ForeignKey(
        Participant, on_delete=models.SET_NULL, null=True, related_name="spins"
    )
    # Kept so the history still reads after a participant leaves the wheel.
    participant_name = models.CharField(max_length=Participant.DISPLAY_NAME_MAX)
    spun_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    spun_at = models.DateTimeField(default=timezone.now)
    # A rig is never deleted on its own; it goes only with its wheel (and the wheel's spins).
    rig = models.ForeignKey(
        Rig, on_delete=models.RESTRICT, null=True, blank=True, related_name="spins"
    )
    chosen_at = models.DateTimeField(null=True, blank=True)
    chosen_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )

    class Meta:
        ordering = ["-spun_at", "-pk"]
        indexes = [models.Index(fields=["wheel", "-spun_at"])]

    def __str__(self) -> str:
        return f"{self.wheel}: {self.participant_name} ({self.spun_at:%Y-%m-%d %H:%M})"

    @property
    def was_chosen(self) -> bool:
        return self.chosen_at is not None


class LogEntry(models.Model):
    """The wheel's audit log: every change an admin makes, hidden rigs included."""

    class Kind(models.TextChoices):
        CREATED = "created", "Created"
        SETTINGS = "settings", "Settings changed"
        ADDED = "added", "Participant added"
        EDITED = "edited", "Participant edited"
        REMOVED = "removed", "Participant removed"
        RESET = "reset", "Weights reset"
        RIGGED = "rigged", "Rigged"
        UNRIGGED = "unrigged", "Rig cancelled"

    wheel = models.ForeignKey(Wheel, on_delete=models.CASCADE, related_name="log")
    kind = models.CharField(max_length=20, choices=Kind)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    at = models.DateTimeField(default=timezone.now)
    text = models.TextField()

    class Meta:
        ordering = ["-at", "-pk"]
        verbose_name_plural = "log entries"

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M} {self.text[:60]}"
