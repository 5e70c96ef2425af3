from django.conf import settings
from django.db import models
from django.urls import reverse
from django.utils import timezone
from simple_history.models import HistoricalRecords

from .fields import WebURLField
from .zones import ZONE_NAME_MAX, validate_zone_name


class Team(models.Model):
    """A two-pizza team: it owns services, and its manager receives the weekly report."""

    NAME_MAX = 100

    name = models.CharField(max_length=NAME_MAX, unique=True)
    slug = models.SlugField(max_length=100, unique=True)
    description = models.TextField(blank=True)
    manager = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="managed_teams",
        help_text="Receives the weekly overdue report for this team.",
    )
    members = models.ManyToManyField(settings.AUTH_USER_MODEL, related_name="teams", blank=True)
    dashboard_url = WebURLField(
        "dashboard URL", blank=True, help_text="The operational dashboard the team presents."
    )
    runbook_url = WebURLField("runbook URL", blank=True)
    history = HistoricalRecords(m2m_fields=[members])

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("team_detail", args=[self.slug])

    def can_be_edited_by(self, user) -> bool:
        return user.is_active and (user.is_staff or user.pk == self.manager_id)


class Service(models.Model):
    """Something a team runs and answers for: incidents name the services they affect."""

    name = models.CharField(max_length=100, unique=True)
    team = models.ForeignKey(Team, on_delete=models.PROTECT, related_name="services")
    description = models.TextField(blank=True)
    dashboard_url = WebURLField("dashboard URL", blank=True)
    history = HistoricalRecords()

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class Profile(models.Model):
    """A person's own settings: the time zone they read and type times in. An account the app
    itself acts as (the CloudWatch alarms that declare incidents) is marked so: nobody signs in
    as it, and it is never offered when people are picked."""

    person = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="profile"
    )
    time_zone = models.CharField(
        max_length=ZONE_NAME_MAX,
        blank=True,
        validators=[validate_zone_name],
        help_text="An IANA time zone, such as Europe/London. Empty until the person chooses one: "
        "they see the site's.",
    )
    is_app_account = models.BooleanField(
        "the app's own account",
        default=False,
        help_text="Written by the app itself (e.g. CloudWatch alarms); not offered in pickers.",
    )

    def __str__(self) -> str:
        return f"{self.person}: {self.time_zone or 'the site time zone'}"


class OutboxMessage(models.Model):
    """An email kept in the database instead of sent: the local default, readable at
    /reports/outbox/ by staff, and shared by every process (web, workers, tests)."""

    subject = models.CharField(max_length=998)
    from_email = models.CharField(max_length=320)
    to = models.JSONField(default=list)
    text_body = models.TextField(blank=True)
    html_body = models.TextField(blank=True)
    message_id = models.CharField(max_length=998, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-pk"]

    def __str__(self) -> str:
        return self.subject

    def get_absolute_url(self) -> str:
        return reverse("reports:outbox_detail", args=[self.pk])


class AuditAction(models.TextChoices):
    SIGN_IN_FAILED = "sign_in_failed", "Sign-in failed"
    LOCKED_OUT = "locked_out", "Sign-in locked"
    LOCKOUT_CLEARED = "lockout_cleared", "Sign-in unlocked"
    PERMISSION_DENIED = "permission_denied", "Permission denied"
    PRIVILEGE_CHANGED = "privilege_changed", "Privileges changed"
    WHEEL_RIGGED = "wheel_rigged", "Wheel rigged"
    WHEEL_UNRIGGED = "wheel_unrigged", "Wheel rig cancelled"
    CALL_LEADER_CHANGED = "call_leader_changed", "Call leader changed"
    SEVERITY_CHANGED = "severity_changed", "Severity changed"
    COE_APPROVED = "coe_approved", "COE approved"
    COE_CHANGES_REQUESTED = "coe_changes_requested", "COE changes requested"


class AuditEvent(models.Model):
    """Who did what, when and from where: written only by opsreview.org.audit.audit_record()."""

    ACTOR_LABEL_MAX = 150  # a username
    TARGET_LABEL_MAX = 200
    TARGET_URL_MAX = 500
    DETAIL_MAX = 500

    when = models.DateTimeField(default=timezone.now, db_index=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="audit_events",
    )
    actor_label = models.CharField(
        "who",
        max_length=ACTOR_LABEL_MAX,
        blank=True,
        help_text="The username, as typed; kept if deleted.",
    )
    action = models.CharField(max_length=40, choices=AuditAction.choices)
    target_label = models.CharField("concerning", max_length=TARGET_LABEL_MAX, blank=True)
    target_url = models.CharField(max_length=TARGET_URL_MAX, blank=True)
    detail = models.CharField(max_length=DETAIL_MAX, blank=True)
    ip_address = models.GenericIPAddressField("address", null=True, blank=True)

    class Meta:
        ordering = ["-when", "-pk"]
        indexes = [
            models.Index(fields=["action", "-when"], name="audit_action_when"),
            models.Index(fields=["actor_label", "-when"], name="audit_actor_label_when"),
        ]

    def __str__(self) -> str:
        return f"{self.get_action_display()}: {self.actor_label or 'anonymous'}"

    @property
    def target_link(self) -> str:
        """target_url when it is a path on this site; nothing else is ever linked."""
        url = self.target_url
        return url if url.startswith("/") and not url.startswith("//") else ""


class NotificationKind(models.TextChoices):
    """Each step that needs someone; a person turns off the email of any kind they like."""

    REVIEW_REQUESTED = "review_requested", "Your review is requested"
    CHANGES_REQUESTED = "changes_requested", "Changes are requested on your COE"
    APPROVED = "approved", "Your COE is approved"
    COMMENT = "comment", "A comment or reply in your thread"
    MENTION = "mention", "You are mentioned"
    ITEM_ASSIGNED = "item_assigned", "An action item is assigned to you"
    ITEM_DUE_SOON = "item_due_soon", "An action item of yours is due in 2 days"


class Notification(models.Model):
    """One step that needs one person, in their inbox once (`key` says what it is about: the
    same key never reaches the same person twice) and emailed once unless they opted out."""

    KEY_MAX = 200
    TEXT_MAX = 500
    URL_MAX = 500

    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notifications"
    )
    kind = models.CharField(max_length=30, choices=NotificationKind.choices)
    key = models.CharField(max_length=KEY_MAX)
    text = models.CharField(max_length=TEXT_MAX)  # plain text, escaped wherever it is shown
    url = models.CharField(max_length=URL_MAX)  # a path on this site
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    read_at = models.DateTimeField(null=True, blank=True)
    emailed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.UniqueConstraint(fields=["recipient", "key"], name="notification_once"),
        ]
        indexes = [
            models.Index(fields=["recipient", "-created_at", "-id"], name="notification_inbox"),
            # The header's unread count, read with the signed-in person on every page.
            models.Index(
                fields=["recipient"],
                condition=models.Q(read_at__isnull=True),
                name="notification_unread",
            ),
        ]

    def __str__(self) -> str:
        return self.text

    @property
    def is_read(self) -> bool:
        return self.read_at is not None

    @property
    def link(self) -> str:
        """url when it is a path on this site; nothing else is ever linked."""
        url = self.url
        return url if url.startswith("/") and not url.startswith("//") else ""


class EmailOptOut(models.Model):
    """A person who wants no email of one kind (the inbox still lists it)."""

    person = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="email_opt_outs"
    )
    kind = models.CharField(max_length=30, choices=NotificationKind.choices)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["person", "kind"], name="email_opt_out_once"),
        ]

    def __str__(self) -> str:
        return f"{self.person}: no email for {self.get_kind_display().lower()}"
