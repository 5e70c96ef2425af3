"""A team's CloudWatch: where its alarms are (scopes), what they last said (alarms), the metrics
its ops meeting reviews, and the SNS deliveries that open incidents from alarms.

No secret is stored: boto3 finds credentials by its standard chain (environment, profile,
instance role) and, where a scope names a role, assumes it through STS.
"""

import math
import re

from django.core.exceptions import ValidationError
from django.db import models
from django.utils import timezone

from incidents.models import Incident, Severity
from opsreview.org.models import Team

# An AWS region's name: us-east-1, eu-west-2, ap-southeast-3, us-gov-west-1, …
REGION_PATTERN = re.compile(r"[a-z]{2}(?:-[a-z]+)+-[0-9]{1,2}")
# An IAM role to assume: arn:aws:iam::123456789012:role/path/Name (aws, aws-cn, aws-us-gov).
ROLE_ARN_PATTERN = re.compile(r"arn:aws(?:-cn|-us-gov)?:iam::[0-9]{12}:role/[\w+=,.@/-]{1,512}")
ACCOUNT_ID_PATTERN = re.compile(r"[0-9]{12}")
ACCOUNT_ID_MESSAGE = "Give the 12-digit AWS account id, such as 123456789012."
ALARM_NAME_MAX = 255  # CloudWatch's own limit
PREFIXES_MAX = 20
DIMENSIONS_MAX = 30  # CloudWatch's own limit
THRESHOLD_MAX = 1e15  # far beyond any metric a meeting charts; a float keeps every digit below


def arn_account(arn: str) -> str:
    """The account id in an ARN (arn:aws:cloudwatch:region:123456789012:alarm:…), or ""."""
    parts = arn.split(":")
    return parts[4] if len(parts) > 4 and ACCOUNT_ID_PATTERN.fullmatch(parts[4]) else ""


def validate_region(value: str) -> None:
    if not REGION_PATTERN.fullmatch(value or ""):
        raise ValidationError(f"“{value}” is not an AWS region name, such as eu-west-1.")


def validate_role_arn(value: str) -> None:
    if value and not ROLE_ARN_PATTERN.fullmatch(value):
        raise ValidationError(
            "Give a role's ARN, such as arn:aws:iam::123456789012:role/opsreview-read."
        )


def validate_account_id(value: str) -> None:
    if value and not ACCOUNT_ID_PATTERN.fullmatch(value):
        raise ValidationError(ACCOUNT_ID_MESSAGE)


class AlarmScope(models.Model):
    """Where a team's alarms are: one region of one account, the alarms whose names start with
    one of its prefixes, read directly or through a role assumed for the purpose.

    The integration's status is kept here: when the alarms were last read, and the last error
    (throttling, expired credentials, access denied, an unknown region) with when to try next.
    """

    team = models.ForeignKey(Team, on_delete=models.CASCADE, related_name="alarm_scopes")
    region = models.CharField(max_length=32, validators=[validate_region])
    # Blank: the alarms of any account, as SNS matches them.
    account_id = models.CharField(
        "AWS account", max_length=12, blank=True, validators=[validate_account_id]
    )
    alarm_prefixes = models.JSONField(
        default=list, help_text="The beginnings of the team's alarm names, e.g. BananaStand-."
    )
    role_arn = models.CharField(
        "role to assume", max_length=2048, blank=True, validators=[validate_role_arn]
    )
    severity = models.PositiveSmallIntegerField(
        choices=Severity,
        default=Severity.SEV3,
        help_text="The severity of an incident one of these alarms opens, unless a rule says.",
    )
    synced_at = models.DateTimeField("alarms last read", null=True, blank=True)
    error = models.TextField(blank=True)
    error_at = models.DateTimeField(null=True, blank=True)
    failures = models.PositiveIntegerField(default=0)
    next_sync_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["team__name", "region", "pk"]

    def __str__(self) -> str:
        return f"{self.team.name}: {self.region} {', '.join(self.alarm_prefixes)}"

    def clean(self) -> None:
        prefixes = self.alarm_prefixes
        if not isinstance(prefixes, list) or not all(isinstance(p, str) for p in prefixes):
            raise ValidationError({"alarm_prefixes": "Give the prefixes as a list of names."})
        if not prefixes or len(prefixes) > PREFIXES_MAX:
            raise ValidationError(
                {"alarm_prefixes": f"Give between 1 and {PREFIXES_MAX} alarm name prefixes."}
            )
        if any(not p.strip() or len(p) > ALARM_NAME_MAX for p in prefixes):
            raise ValidationError(
                {"alarm_prefixes": f"Each prefix is 1 to {ALARM_NAME_MAX} characters."}
            )

    def holds(self, alarm_name: str) -> bool:
        return any(alarm_name.startswith(prefix) for prefix in self.alarm_prefixes)


class AlarmState(models.TextChoices):
    ALARM = "ALARM", "In alarm"
    INSUFFICIENT_DATA = "INSUFFICIENT_DATA", "Insufficient data"
    OK = "OK", "OK"


# The order a team's alarms are shown in: what needs attention first.
STATE_ORDER = {AlarmState.ALARM: 0, AlarmState.INSUFFICIENT_DATA: 1, AlarmState.OK: 2}


class AlarmKind(models.TextChoices):
    METRIC = "metric", "Metric alarm"
    COMPOSITE = "composite", "Composite alarm"


class Alarm(models.Model):
    """A CloudWatch alarm as it was last read: its state, why, and since when."""

    scope = models.ForeignKey(AlarmScope, on_delete=models.CASCADE, related_name="alarms")
    name = models.CharField(max_length=ALARM_NAME_MAX)
    arn = models.CharField(max_length=1600)
    kind = models.CharField(max_length=10, choices=AlarmKind, default=AlarmKind.METRIC)
    state = models.CharField(max_length=20, choices=AlarmState)
    reason = models.TextField(blank=True)
    state_updated_at = models.DateTimeField()
    description = models.TextField(blank=True)
    # A composite alarm's rule, e.g. ALARM("BananaStand-Distributor") OR ALARM(…).
    rule = models.TextField(blank=True)
    seen_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["scope", "name"]
        constraints = [
            models.UniqueConstraint(fields=["scope", "name"], name="alarm_once_per_scope")
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.state})"


class SeverityRule(models.Model):
    """The severity of the incident an alarm opens: for one alarm (its whole name) or for every
    alarm whose name starts with a prefix (ending in *). The longest match wins."""

    pattern = models.CharField(max_length=ALARM_NAME_MAX + 1, unique=True)
    severity = models.PositiveSmallIntegerField(choices=Severity)

    class Meta:
        ordering = ["pattern"]

    def __str__(self) -> str:
        return f"{self.pattern} → {self.get_severity_display()}"

    def matches(self, alarm_name: str) -> bool:
        if self.pattern.endswith("*"):
            return alarm_name.startswith(self.pattern[:-1])
        return alarm_name == self.pattern


class Statistic(models.TextChoices):
    SUM = "Sum", "Sum"
    AVERAGE = "Average", "Average"
    MAXIMUM = "Maximum", "Maximum"
    MINIMUM = "Minimum", "Minimum"
    SAMPLE_COUNT = "SampleCount", "Sample count"
    P50 = "p50", "p50"
    P90 = "p90", "p90"
    P99 = "p99", "p99"


class MetricQuery(models.Model):
    """A metric the team walks through in the ops meeting, e.g. API Gateway 5XXError Sum."""

    team = models.ForeignKey(Team, on_delete=models.CASCADE, related_name="metric_queries")
    scope = models.ForeignKey(
        AlarmScope,
        on_delete=models.CASCADE,
        related_name="metric_queries",
        help_text="Where the metric is read (its region and role).",
    )
    label = models.CharField(max_length=100)
    namespace = models.CharField(max_length=255)
    metric_name = models.CharField(max_length=255)
    dimensions = models.JSONField(default=dict, blank=True)
    statistic = models.CharField(max_length=20, choices=Statistic, default=Statistic.SUM)
    period_seconds = models.PositiveIntegerField(default=3600)
    threshold = models.FloatField(
        "line at",
        null=True,
        blank=True,
        help_text="Optional: a value to draw across the chart, such as its alarm's threshold.",
    )
    position = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["team", "position", "pk"]
        verbose_name_plural = "metric queries"

    def __str__(self) -> str:
        return f"{self.team.name}: {self.label}"

    def clean(self) -> None:
        errors = {}
        dimensions = self.dimensions
        if not isinstance(dimensions, dict) or not all(
            isinstance(k, str) and isinstance(v, str) and k and v for k, v in dimensions.items()
        ):
            errors["dimensions"] = "Give each dimension as Name=Value."
        elif len(dimensions) > DIMENSIONS_MAX:
            errors["dimensions"] = f"A metric has at most {DIMENSIONS_MAX} dimensions."
        elif any(len(k) > 255 or len(v) > 1024 for k, v in dimensions.items()):
            errors["dimensions"] = "A dimension's name is at most 255 characters, its value 1,024."
        period = self.period_seconds
        if period is not None and (period < 60 or period > 86_400 or period % 60):
            errors["period_seconds"] = "A period is whole minutes, from 60 to 86,400 seconds."
        line = self.threshold
        if line is not None and not (math.isfinite(line) and abs(line) <= THRESHOLD_MAX):
            errors["threshold"] = (
                f"Give a number from -{THRESHOLD_MAX:,.0f} to {THRESHOLD_MAX:,.0f}."
            )
        if errors:
            raise ValidationError(errors)


class SnsDelivery(models.Model):
    """An Amazon SNS message received at /integrations/sns/, once: SNS delivers at least once,
    so a MessageId seen before is acknowledged and ignored."""

    class Outcome(models.TextChoices):
        SUBSCRIBED = "subscribed", "Subscription confirmed"
        OPENED = "opened", "Incident opened"
        NOTED = "noted", "Added to the incident's timeline"
        IGNORED = "ignored", "Ignored"

    message_id = models.CharField(max_length=100, unique=True)
    topic_arn = models.CharField(max_length=1600)
    message_type = models.CharField(max_length=40)
    received_at = models.DateTimeField(default=timezone.now)
    alarm_name = models.CharField(max_length=ALARM_NAME_MAX, blank=True)
    new_state = models.CharField(max_length=20, blank=True)
    outcome = models.CharField(max_length=20, choices=Outcome)
    detail = models.TextField(blank=True)
    incident = models.ForeignKey(
        Incident, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    class Meta:
        ordering = ["-received_at", "-pk"]
        verbose_name_plural = "SNS deliveries"

    def __str__(self) -> str:
        return f"{self.message_id}: {self.get_outcome_display()}"


class AlarmIncident(models.Model):
    """The incident an alarm opened: while it is open, the alarm's later changes go on its
    timeline instead of opening another."""

    alarm_arn = models.CharField(max_length=1600)
    alarm_name = models.CharField(max_length=ALARM_NAME_MAX)
    incident = models.OneToOneField(Incident, on_delete=models.CASCADE, related_name="alarm")
    opened_at = models.DateTimeField(default=timezone.now)

    class Meta:
        indexes = [models.Index(fields=["alarm_arn"], name="alarm_incident_by_arn")]

    def __str__(self) -> str:
        return f"{self.alarm_name} → {self.incident.reference}"
