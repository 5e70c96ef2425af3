from django.conf import settings
from django.db import models
from django.utils import timezone


class ReportKind(models.TextChoices):
    WEEKLY = "weekly", "Weekly overdue report"
    MONTHLY = "monthly", "Monthly long-term report"
    ANNIVERSARY = "anniversary", "Anniversary digest"


class DeliveryStatus(models.TextChoices):
    CLAIMED = "claimed", "Sending"
    SENT = "sent", "Sent"
    FAILED = "failed", "Failed"


class ReportDelivery(models.Model):
    """One report to one person for one period. The unique constraint is what makes each email
    go out once, whatever the retries, duplicate schedules or number of workers."""

    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="report_deliveries"
    )
    kind = models.CharField(max_length=20, choices=ReportKind)
    period = models.CharField(max_length=10, help_text="2026-W48 for a week, 2026-11 for a month.")
    status = models.CharField(max_length=10, choices=DeliveryStatus, default=DeliveryStatus.CLAIMED)
    attempts = models.PositiveSmallIntegerField(default=1)
    claimed_at = models.DateTimeField(default=timezone.now)
    sent_at = models.DateTimeField(null=True, blank=True)
    error = models.TextField(blank=True)
    subject = models.CharField(max_length=300, blank=True)
    overdue_count = models.PositiveIntegerField(default=0)
    item_count = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["-claimed_at", "-pk"]
        verbose_name_plural = "report deliveries"
        indexes = [
            # The reports page lists deliveries newest first, a page at a time, and counts the
            # failed ones.
            models.Index(fields=["claimed_at", "id"], name="delivery_claimed_idx"),
            models.Index(
                fields=["status"],
                condition=models.Q(status=DeliveryStatus.FAILED),
                name="delivery_failed_idx",
            ),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["recipient", "kind", "period"], name="one_report_per_person_and_period"
            )
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.period} to {self.recipient}"
