from django.conf import settings
from django.db import models
from django.urls import reverse
from simple_history.models import HistoricalRecords

from .fields import WebURLField


class Team(models.Model):
    """A two-pizza team: it owns services, and its manager receives the weekly report."""

    name = models.CharField(max_length=100, unique=True)
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
        return reverse("coe:outbox_detail", args=[self.pk])
