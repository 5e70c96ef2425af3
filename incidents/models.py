import re
from datetime import datetime, timedelta

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models.functions import Coalesce
from django.utils import timezone

from opsreview.org.fields import WebURLField
from opsreview.org.links import path_for
from opsreview.org.people import display_name
from opsreview.org.stored_markdown import MarkdownField, RenderedHTMLField, StoresRenderedMarkdown
from opsreview.org.zones import TimeToConfirm, apart, clock


class Severity(models.IntegerChoices):
    SEV1 = 1, "Sev-1"
    SEV2 = 2, "Sev-2"
    SEV3 = 3, "Sev-3"
    SEV4 = 4, "Sev-4"
    SEV5 = 5, "Sev-5"


SEVERITY_MEANINGS = {
    Severity.SEV1: "Critical: many customers cannot use a core service, or data is at risk. "
    "All hands; a rostered call leader runs the call.",
    Severity.SEV2: "Major: a core service is unavailable or badly degraded for some customers. "
    "A rostered call leader runs the call.",
    Severity.SEV3: "Moderate: a feature is degraded or a workaround exists; customers notice.",
    Severity.SEV4: "Minor: little or no customer impact; fix within business hours.",
    Severity.SEV5: "Informational: no customer impact; tracked so it is learned from.",
}

# Major incidents: led from the call-leader roster and announced on every page.
MAJOR_SEVERITIES = frozenset({Severity.SEV1, Severity.SEV2})

# Allowance for clocks a little ahead of the server when people type "now".
CLOCK_SKEW = timedelta(minutes=2)


class Status(models.TextChoices):
    INVESTIGATING = "investigating", "Investigating"
    MITIGATED = "mitigated", "Mitigated"
    RESOLVED = "resolved", "Resolved"


OPEN_STATUSES = (Status.INVESTIGATING, Status.MITIGATED)


def in_the_future(when: datetime, now: datetime) -> str:
    """Why a future time is refused, in the reader's zone, which may be the mistake."""
    return (
        f"{clock(when, beside=now)} is {apart(now, when)} from now "
        f"({clock(now, beside=when)}) — check the time zone."
    )


# The order in which an incident's moments happen; clean() holds every incident to it.
MOMENTS = [
    ("impact_started_at", "impact started"),
    ("detected_at", "detected"),
    ("mitigated_at", "mitigated"),
    ("resolved_at", "resolved"),
]


# How an incident is named in titles, emails and links: INC-<id>. The id never changes, so
# neither does the reference. Typed back, "INC-142", "inc-142", "INC142" and "#142" all find it.
REFERENCE_PREFIX = "INC-"
REFERENCE_PATTERN = re.compile(r"(?:INC-?|#)([0-9]{1,19})", re.IGNORECASE | re.ASCII)
# The largest id the column holds (a signed 64-bit integer): a bigger number names no incident.
LARGEST_ID = 2**63 - 1
# A reference is short; anything longer is not one, so no pattern ever reads a pasted page.
REFERENCE_MAX = 32


# A chat channel or bridge link: long enough for any meeting link with its passcode.
LINK_MAX = 500


# The incident list's order; see IncidentQuerySet.open_first.
LIST_ORDER = ("status", "severity", "-detected_at", "-id")


class IncidentQuerySet(models.QuerySet):
    def open(self):
        return self.filter(status__in=OPEN_STATUSES)

    def major(self):
        return self.filter(severity__in=MAJOR_SEVERITIES)

    def open_first(self):
        """Open incidents first (investigating before mitigated), most severe, newest.

        The statuses' values sort in their lifecycle's order, so the plain column orders them
        and the list's index (LIST_ORDER) serves the ordering without sorting every incident.
        """
        return self.order_by(*LIST_ORDER)


class Incident(StoresRenderedMarkdown):
    """An operational event, from the first moment of impact to resolution."""

    markdown_fields = ("customer_impact",)
    TITLE_MAX = 200

    title = models.CharField(max_length=TITLE_MAX)
    severity = models.PositiveSmallIntegerField(choices=Severity)
    status = models.CharField(max_length=20, choices=Status, default=Status.INVESTIGATING)
    impact_started_at = models.DateTimeField("impact started")
    detected_at = models.DateTimeField("detected")
    mitigated_at = models.DateTimeField("mitigated", null=True, blank=True)
    resolved_at = models.DateTimeField("resolved", null=True, blank=True)
    declared_at = models.DateTimeField(default=timezone.now)
    declared_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    call_leader = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="incidents_led"
    )
    teams = models.ManyToManyField("org.Team", related_name="incidents", blank=True)
    services = models.ManyToManyField("org.Service", related_name="incidents", blank=True)
    customer_impact = MarkdownField(
        "customer impact",
        blank=True,
        help_text="Who is affected and how. Markdown.",
    )
    customer_impact_html = RenderedHTMLField()
    # One per declaration form: a form sent twice declares one incident, not two.
    declaration_key = models.UUIDField(null=True, blank=True, unique=True, editable=False)
    gates_production_changes = models.BooleanField(default=False)
    changes_gated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    changes_gated_at = models.DateTimeField(null=True, blank=True)
    # Stored, not aggregated on every read: when the timeline was last written to (an entry
    # added or edited), or the declaration while the timeline is empty. Kept by the timeline
    # writes in services.py (and the admin); last_update_recompute() rebuilds it in bulk.
    last_update_at = models.DateTimeField("last update", default=timezone.now)
    # Where the call happens: opened in a new tab from the incident's header.
    chat_url = WebURLField(
        "chat channel",
        max_length=LINK_MAX,
        blank=True,
        help_text="A link to the incident's chat channel.",
    )
    bridge_url = WebURLField(
        "bridge", max_length=LINK_MAX, blank=True, help_text="A link to join the call."
    )
    # Counts the changes its page shows (incident_touch): a page open on the incident asks
    # whether it moved on from the version it shows, and is answered "no" from this column.
    version = models.PositiveBigIntegerField(default=1, editable=False)

    objects = IncidentQuerySet.as_manager()

    class Meta:
        ordering = ["-detected_at", "-pk"]
        indexes = [
            # The list, unfiltered or by status, and the banner (open Sev-1/2) read this one.
            models.Index(fields=list(LIST_ORDER), name="incident_list_order"),
            # The list filtered by severity, in the same order.
            models.Index(
                fields=["severity", "status", "-detected_at", "-id"], name="incident_by_severity"
            ),
            # The incidents of a period (the ops meeting's week, a team's trend).
            models.Index(fields=["detected_at"], name="incident_detected_at"),
        ]

    def __str__(self) -> str:
        named = f"{self.get_severity_display()}: {self.title}"
        return f"{self.reference} · {named}" if self.pk else named

    @property
    def reference(self) -> str:
        """The incident's short, stable name: INC-<id> (empty until it is saved)."""
        return f"{REFERENCE_PREFIX}{self.pk}" if self.pk else ""

    @staticmethod
    def pk_from_reference(text: str) -> int | None:
        """The id a typed reference names ("INC-142", "inc142", "#142"), or None for any other
        text, including numbers no id can be."""
        text = text.strip() if isinstance(text, str) else ""
        found = REFERENCE_PATTERN.fullmatch(text) if len(text) <= REFERENCE_MAX else None
        if found is None:
            return None
        pk = int(found.group(1))
        return pk if 0 < pk <= LARGEST_ID else None

    def get_absolute_url(self) -> str:
        return path_for("incidents:incident_detail", self.pk)

    def clean(self) -> None:
        errors = {}
        now = timezone.now()
        for field, label in MOMENTS:
            value = getattr(self, field)
            if value and value > now + CLOCK_SKEW:
                errors[field] = (
                    f"The time {label} cannot be in the future. {in_the_future(value, now)}"
                )
        previous = None
        for field, label in MOMENTS:
            value = getattr(self, field)
            if value is None or field in errors:
                continue
            if previous and value < previous[1]:
                errors[field] = (
                    f"The time {label} cannot be before the time {previous[0]}. "
                    f"{clock(value, beside=previous[1])} is {apart(value, previous[1])} before "
                    f"{clock(previous[1], beside=value)} — check the time zone."
                )
            else:
                previous = (label, value)
        if errors:
            raise ValidationError(errors)

    def ask_if_before_impact(self, when: datetime | None, *, field: str) -> None:
        """A time on the record before the impact began may be a cause (a deploy, a change)
        or a time typed in another zone: raises TimeToConfirm, for the writer to confirm it."""
        start = self.impact_started_at
        if when is not None and when < start:
            doubt = (
                f"{clock(when, beside=start)} is {apart(when, start)} before impact began at "
                f"{clock(start, beside=when)}"
            )
            raise TimeToConfirm(field=field, doubt=doubt, instant=when)

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_STATUSES

    @property
    def is_major(self) -> bool:
        return self.severity in MAJOR_SEVERITIES

    @property
    def requires_coe(self) -> bool:
        return self.severity in settings.INCIDENT_COE_SEVERITIES

    @property
    def severity_meaning(self) -> str:
        return SEVERITY_MEANINGS[self.severity]

    # Derived times. Impact ends when it is mitigated; resolution is when the work is done.
    @property
    def time_to_detect(self) -> timedelta:
        return self.detected_at - self.impact_started_at

    @property
    def time_to_mitigate(self) -> timedelta | None:
        return self.mitigated_at - self.detected_at if self.mitigated_at else None

    @property
    def time_to_resolve(self) -> timedelta | None:
        return self.resolved_at - self.detected_at if self.resolved_at else None

    @property
    def impact_duration(self) -> timedelta | None:
        return self.mitigated_at - self.impact_started_at if self.mitigated_at else None

    def open_for(self, now: datetime | None = None) -> timedelta:
        end = self.resolved_at or now or timezone.now()
        return end - self.impact_started_at

    @property
    def pulse_interval(self) -> timedelta | None:
        minutes = settings.INCIDENT_PULSE_MINUTES.get(self.severity)
        return timedelta(minutes=minutes) if minutes else None

    def update_overdue(self, now: datetime | None = None) -> bool:
        """Open, pulse-checked, and nothing written to the timeline for longer than its interval."""
        if not self.is_open or self.pulse_interval is None:
            return False
        return (now or timezone.now()) - self.last_update_at > self.pulse_interval

    def can_make_leader_calls(self, user) -> bool:
        """The call leader's calls (gating changes, lowering the severity, handing over the
        lead) are theirs or staff's, never any engaged team member's."""
        return user.is_active and (user.is_staff or user.pk == self.call_leader_id)

    def can_gate_changes(self, user) -> bool:
        return self.can_make_leader_calls(user)

    def can_be_worked_by(self, user) -> bool:
        """The call leader, members of engaged teams and staff run the incident."""
        if not user.is_active:
            return False
        if user.is_staff or user.pk == self.call_leader_id:
            return True
        return self.teams.filter(members=user).exists()


class TimelineEntry(models.Model):
    class Kind(models.TextChoices):
        NOTE = "note", "Note"
        STATUS = "status", "Status change"
        EVENT = "event", "Recorded by opsreview"

    TEXT_MAX = 5000

    incident = models.ForeignKey(Incident, on_delete=models.CASCADE, related_name="timeline")
    occurred_at = models.DateTimeField("time", help_text="When it happened, not when it was typed.")
    text = models.TextField(max_length=TEXT_MAX)
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    kind = models.CharField(max_length=10, choices=Kind, default=Kind.NOTE)
    created_at = models.DateTimeField(default=timezone.now)
    edited_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["occurred_at", "pk"]
        verbose_name_plural = "timeline entries"
        # An incident's latest entries, for its page.
        indexes = [models.Index(fields=["incident", "occurred_at"], name="timeline_by_incident")]

    def __str__(self) -> str:
        return f"{self.occurred_at:%Y-%m-%d %H:%M} {self.text[:60]}"

    def clean(self) -> None:
        now = timezone.now()
        if self.occurred_at and self.occurred_at > now + CLOCK_SKEW:
            why = in_the_future(self.occurred_at, now)
            raise ValidationError(
                {"occurred_at": f"A timeline entry cannot be in the future. {why}"}
            )

    def can_be_edited_by(self, user) -> bool:
        return self.kind == self.Kind.NOTE and user.is_active and user.pk == self.author_id


class Role(models.TextChoices):
    """The call's roles beyond its leader. One scribe and one communications lead at a time;
    as many subject-matter experts as the call needs."""

    SCRIBE = "scribe", "Scribe"
    COMMUNICATIONS = "communications", "Communications"
    EXPERT = "expert", "Subject-matter expert"


SINGLE_HOLDER_ROLES = frozenset({Role.SCRIBE, Role.COMMUNICATIONS})


class IncidentRole(models.Model):
    """Someone holding one of the call's roles during an incident."""

    incident = models.ForeignKey(Incident, on_delete=models.CASCADE, related_name="roles")
    role = models.CharField(max_length=20, choices=Role)
    person = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    assigned_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    assigned_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["role", "assigned_at", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["incident", "role", "person"], name="incident_role_once_per_person"
            ),
            models.UniqueConstraint(
                fields=["incident", "role"],
                condition=models.Q(role__in=sorted(SINGLE_HOLDER_ROLES)),
                name="incident_role_single_holder",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_role_display()}: {display_name(self.person)}"


class CallLeader(models.Model):
    """A person on the roster who may lead major incidents, and the people shadowing them."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="call_leader_role"
    )
    shadows = models.ManyToManyField(
        settings.AUTH_USER_MODEL,
        related_name="shadowing",
        blank=True,
        help_text="People learning the role by joining this leader's calls.",
    )
    is_active = models.BooleanField("on the roster", default=True)
    added_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["user__first_name", "user__username"]

    def __str__(self) -> str:
        return display_name(self.user)


def last_update_recompute(incidents: models.QuerySet) -> int:
    """Set each incident's `last_update_at` from its timeline, in one UPDATE; returns how many.

    The latest time an entry was written (added, or edited since), or the declaration while
    the timeline is empty. For the migration that adds the field, for rows inserted in bulk
    (seeders) and after entries are removed. Works on historical models too.
    """
    entries = incidents.model._meta.get_field("timeline").related_model._default_manager
    latest = (
        entries.filter(incident=models.OuterRef("pk"))
        .annotate(written_at=Coalesce("edited_at", "created_at"))
        .order_by("-written_at")
        .values("written_at")[:1]
    )
    return incidents.update(
        last_update_at=Coalesce(models.Subquery(latest), models.F("declared_at"))
    )
