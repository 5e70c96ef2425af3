"""The weekly ops meeting: one per ISO week, its four sections, the wins and the COEs queued for
a deep dive. The agenda itself is built from the week's data (agenda.py), never stored."""

from datetime import date, datetime, timedelta

from django.conf import settings
from django.db import models
from django.utils import timezone
from simple_history.models import HistoricalRecords

from opsreview.org.links import path_for
from opsreview.org.stored_markdown import MarkdownField, RenderedHTMLField, StoresRenderedMarkdown


class MeetingStatus(models.TextChoices):
    PLANNED = "planned", "Planned"
    IN_PROGRESS = "in_progress", "In progress"
    DONE = "done", "Done"


class SectionKey(models.TextChoices):
    """The agenda, in the order Amazon runs it."""

    SUCCESS = "success", "Share and celebrate success"
    EVENTS = "events", "Review operational events"
    METRICS = "metrics", "Review service metrics"
    IMPROVEMENTS = "improvements", "Org-wide improvements"


# Minutes per section by default, in agenda order: they add up to DEFAULT_LENGTH_MINUTES.
DEFAULT_TIME_BOXES = {
    SectionKey.SUCCESS: 10,
    SectionKey.EVENTS: 25,
    SectionKey.METRICS: 15,
    SectionKey.IMPROVEMENTS: 10,
}
DEFAULT_LENGTH_MINUTES = sum(DEFAULT_TIME_BOXES.values())
MAX_LENGTH_MINUTES = 240


def iso_week(day: date) -> str:
    """2026-W48: the week a meeting, a win or a deep dive belongs to."""
    year, week, _ = day.isocalendar()
    return f"{year}-W{week:02d}"


def week_monday(week: str) -> date:
    return date.fromisoformat(f"{week}-1")


class OpsMeeting(models.Model):
    """This week's operational review. Planned until it starts; done once its leader finishes it."""

    WEEK_MAX = 8

    week = models.CharField(max_length=WEEK_MAX, help_text="The ISO week, e.g. 2026-W48.")
    starts_at = models.DateTimeField("starts")
    length_minutes = models.PositiveSmallIntegerField(
        "length (minutes)", default=DEFAULT_LENGTH_MINUTES
    )
    facilitator = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="meetings_facilitated"
    )
    attendees = models.ManyToManyField(
        settings.AUTH_USER_MODEL, related_name="meetings_attended", blank=True
    )
    status = models.CharField(max_length=20, choices=MeetingStatus, default=MeetingStatus.PLANNED)
    chosen_team = models.ForeignKey(
        "org.Team",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="meetings_presented",
        help_text="The team the wheel picked to present its dashboard.",
    )
    spin = models.ForeignKey(
        "wheel.Spin", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    history = HistoricalRecords(m2m_fields=[attendees])

    class Meta:
        ordering = ["-week"]
        constraints = [
            models.UniqueConstraint(fields=["week"], name="one_ops_meeting_per_week"),
            models.CheckConstraint(
                condition=models.Q(length_minutes__gte=5)
                & models.Q(length_minutes__lte=MAX_LENGTH_MINUTES),
                name="ops_meeting_length_in_range",
            ),
        ]

    def __str__(self) -> str:
        return f"Ops meeting {self.week}"

    def get_absolute_url(self) -> str:
        return path_for("meetings:meeting_detail", self.pk)

    @property
    def is_done(self) -> bool:
        return self.status == MeetingStatus.DONE

    def can_be_run_by(self, user) -> bool:
        """The facilitator and staff prepare, run and finish a meeting; everyone else reads it."""
        return user.is_active and (user.is_staff or user.pk == self.facilitator_id)

    def previous(self) -> "OpsMeeting | None":
        return OpsMeeting.objects.filter(week__lt=self.week).order_by("-week").first()

    def period(self) -> tuple[datetime, datetime]:
        """What the agenda covers: since the previous meeting began (or the week before this
        one, for the first) until this one begins, or until now if it is still to come."""
        if hasattr(self, "previous_starts_at"):  # annotated by meetings_with_sections()
            previous_start = self.previous_starts_at
        else:
            previous = self.previous()
            previous_start = previous.starts_at if previous else None
        start = previous_start or self.starts_at - timedelta(days=7)
        end = max(self.starts_at, timezone.now()) if not self.is_done else self.starts_at
        return start, end


class MeetingSection(StoresRenderedMarkdown):
    """One part of the agenda: its time box, the notes taken and the decisions made."""

    markdown_fields = ("notes",)
    DECISIONS_MAX = 10_000

    meeting = models.ForeignKey(OpsMeeting, on_delete=models.CASCADE, related_name="sections")
    key = models.CharField(max_length=20, choices=SectionKey)
    position = models.PositiveSmallIntegerField()
    time_box_minutes = models.PositiveSmallIntegerField("time box (minutes)")
    notes = MarkdownField(blank=True)
    notes_html = RenderedHTMLField()
    decisions = models.TextField(blank=True, max_length=DECISIONS_MAX)
    version = models.PositiveIntegerField(default=0)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    updated_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["meeting", "position"]
        constraints = [
            models.UniqueConstraint(fields=["meeting", "key"], name="one_section_per_key"),
        ]

    def __str__(self) -> str:
        return self.get_key_display()


class Win(models.Model):
    """Something that went well this week, posted by anyone: the meeting opens with these."""

    TEXT_MAX = 500

    text = models.CharField(max_length=TEXT_MAX)
    team = models.ForeignKey(
        "org.Team", on_delete=models.SET_NULL, null=True, blank=True, related_name="wins"
    )
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    week = models.CharField(max_length=OpsMeeting.WEEK_MAX, db_index=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["created_at", "pk"]

    def __str__(self) -> str:
        return self.text


class DeepDive(models.Model):
    """A COE an author or reviewer wants the room to go through, in the meeting of `week`."""

    coe = models.ForeignKey("coe.Coe", on_delete=models.CASCADE, related_name="deep_dives")
    week = models.CharField(max_length=OpsMeeting.WEEK_MAX, db_index=True)
    queued_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["created_at", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["coe", "week"], name="one_deep_dive_per_coe_and_week"),
        ]

    def __str__(self) -> str:
        return f"{self.coe} in {self.week}"


class MeetingEmailKind(models.TextChoices):
    REMINDER = "reminder", "Reminder"
    MINUTES = "minutes", "Minutes"


class MeetingEmail(models.Model):
    """One email of one kind about one meeting to one person: the unique constraint is what makes
    the reminder and the minutes go out once, whatever the retries or number of workers."""

    meeting = models.ForeignKey(OpsMeeting, on_delete=models.CASCADE, related_name="emails")
    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+"
    )
    kind = models.CharField(max_length=10, choices=MeetingEmailKind)
    sent_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["meeting", "recipient", "kind"],
                name="one_meeting_email_per_person_and_kind",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} of {self.meeting} to {self.recipient}"
