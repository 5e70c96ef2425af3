import re
from dataclasses import dataclass

from django.conf import settings
from django.db import models
from django.urls import reverse
from django.utils import timezone
from simple_history.models import HistoricalRecords

from incidents.models import Incident
from opsreview.models import Team


class Status(models.TextChoices):
    DRAFT = "draft", "Draft"
    IN_REVIEW = "in_review", "In review"
    CHANGES_REQUESTED = "changes_requested", "Changes requested"
    APPROVED = "approved", "Approved"
    CLOSED = "closed", "Closed"


EDITABLE_STATUSES = (Status.DRAFT, Status.CHANGES_REQUESTED)


class FactorCategory(models.TextChoices):
    DEPLOYMENT = "deployment", "Deployment"
    CONFIGURATION = "configuration", "Configuration"
    CAPACITY = "capacity", "Capacity"
    DEPENDENCY = "dependency", "Dependency"
    CODE_DEFECT = "code_defect", "Code defect"
    MONITORING_GAP = "monitoring_gap", "Monitoring gap"
    PROCESS = "process", "Process"
    OTHER = "other", "Other"


@dataclass(frozen=True)
class Section:
    key: str
    title: str
    prompt: str
    texts: tuple[str, ...] = ()  # the markdown parts (CoeText keys) the section is made of


# The nine sections of a COE, in the order the document reads.
SECTIONS = (
    Section("summary", "Summary: what happened",
            "What happened, in a paragraph a newcomer follows.", ("summary",)),
    Section("impact", "Customer and business impact",
            "Who was affected, how, for how long, and what it cost.", ("impact",)),
    Section("timeline", "Timeline", "What happened when, from first impact to resolution."),
    Section("metrics", "Metrics and supporting data",
            "The graphs and numbers that show the impact and the recovery.", ("metrics",)),
    Section("questions", "Incident questions", "Detection, diagnosis and mitigation, honestly.",
            ("detection", "diagnosis", "mitigation")),
    Section("five_whys", "Contributing factors: five whys",
            "Ask why until you reach causes in the system, not in people."),
    Section("lessons", "Lessons learned", "What did we learn that others should know?",
            ("lessons",)),
    Section("corrective_actions", "Corrective actions",
            "What we will do so this cannot happen again: one item per line.",
            ("corrective_actions",)),
    Section("related", "Related items", "Links to other COEs, incidents and tickets.",
            ("related",)),
)  # fmt: skip
SECTIONS_BY_KEY = {section.key: section for section in SECTIONS}

# Labels and prompts of the markdown parts.
TEXTS = {
    "summary": ("Summary", "What happened, in a paragraph a newcomer follows."),
    "impact": ("Impact", "Who was affected and how; what it cost customers and the business."),
    "metrics": ("Metrics", "Paste numbers, tables and links to graphs."),
    "detection": ("Detection", "How was it detected? How could detection time be halved?"),
    "diagnosis": ("Diagnosis", "How was the cause found? What slowed the diagnosis?"),
    "mitigation": ("Mitigation", "How was it mitigated? How could it be mitigated faster?"),
    "lessons": ("Lessons learned", "What did we learn that others should know?"),
    "corrective_actions": ("Corrective actions", "One action per list item: `- Add a canary …`"),
    "related": ("Related items", "Links to other COEs, incidents, tickets."),
}

# 1 MB of text a section: far beyond any real COE, small enough to keep pages fast.
TEXT_LIMIT_BYTES = 1_000_000

# [ \t], not \s: a bare "-" must not borrow the next line as its text.
LIST_ITEM = re.compile(r"^[ \t]*(?:[-*+]|\d+[.)])[ \t]+(?![-*_ \t]*$)\S", re.MULTILINE)


class CoeTemplateSettings(models.Model):
    """What a complete COE must contain; one row, edited by admins."""

    require_summary = models.BooleanField(default=True)
    require_impact = models.BooleanField(default=True)
    require_timeline = models.BooleanField(default=True)
    require_metrics = models.BooleanField(default=True)
    require_questions = models.BooleanField(default=True)
    require_five_whys = models.BooleanField(default=True)
    require_lessons = models.BooleanField(default=True)
    require_corrective_actions = models.BooleanField(default=True)
    require_related = models.BooleanField(default=False)
    min_why_depth = models.PositiveSmallIntegerField(
        "minimum why depth", default=5, help_text="How many why → because steps each factor needs."
    )
    min_corrective_actions = models.PositiveSmallIntegerField(default=1)
    min_timeline_entries = models.PositiveSmallIntegerField(default=2)

    class Meta:
        verbose_name = verbose_name_plural = "COE template settings"

    def __str__(self) -> str:
        return "COE template settings"

    @classmethod
    def load(cls) -> "CoeTemplateSettings":
        return cls.objects.get_or_create(pk=1)[0]

    def required_sections(self) -> list[str]:
        return [section.key for section in SECTIONS if getattr(self, f"require_{section.key}")]


class CoeQuerySet(models.QuerySet):
    def for_editor(self):
        """Everything the editor and missing_sections() read, in a fixed number of queries."""
        return self.select_related("team", "incident", "created_by").prefetch_related(
            "authors",
            "texts__updated_by",
            "timeline_entries",
            models.Prefetch(
                "factors", queryset=ContributingFactor.objects.prefetch_related("steps")
            ),
            "acknowledgements__acknowledged_by",
        )


class Coe(models.Model):
    """A Correction of Errors document: what happened, why, and what will stop it recurring."""

    title = models.CharField(max_length=200)
    team = models.ForeignKey(
        Team, on_delete=models.PROTECT, related_name="coes", verbose_name="owning team"
    )
    authors = models.ManyToManyField(settings.AUTH_USER_MODEL, related_name="coes_authored")
    incident = models.OneToOneField(
        Incident, on_delete=models.PROTECT, null=True, blank=True, related_name="coe"
    )
    status = models.CharField(max_length=20, choices=Status, default=Status.DRAFT)
    impact_duration_minutes = models.PositiveIntegerField(
        "impact duration (minutes)", null=True, blank=True
    )
    customers_affected = models.PositiveBigIntegerField(null=True, blank=True)
    requests_affected = models.PositiveBigIntegerField(null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    submitted_at = models.DateTimeField(null=True, blank=True)
    history = HistoricalRecords()

    objects = CoeQuerySet.as_manager()

    class Meta:
        verbose_name = "COE"
        ordering = ["-created_at", "-pk"]

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return reverse("coe:coe_detail", args=[self.pk])

    @property
    def is_editable(self) -> bool:
        return self.status in EDITABLE_STATUSES

    def can_be_edited_by(self, user) -> bool:
        """Authors and members of the owning team edit a COE while it is a draft."""
        return self.is_editable and self.is_author_or_team_member(user)

    def is_author_or_team_member(self, user) -> bool:
        if not user.is_active:
            return False
        if any(author.pk == user.pk for author in self.authors.all()):
            return True
        return self.team.members.filter(pk=user.pk).exists()

    def text(self, key: str) -> "CoeText":
        return next(text for text in self.texts.all() if text.key == key)

    def missing_sections(self, template: CoeTemplateSettings | None = None) -> dict[str, list[str]]:
        """Per required section, in document order: what is still missing, in the writer's words."""
        template = template or CoeTemplateSettings.load()
        missing = {}
        for key in template.required_sections():
            gaps = getattr(self, f"_missing_{key}")(template)
            if gaps:
                missing[key] = gaps
        return missing

    def _missing_text(self, key: str, message: str) -> list[str]:
        return [] if self.text(key).body.strip() else [message]

    def _missing_summary(self, template) -> list[str]:
        return self._missing_text("summary", "Write a summary of what happened.")

    def _missing_impact(self, template) -> list[str]:
        gaps = self._missing_text("impact", "Describe who was affected and how.")
        if self.impact_duration_minutes is None:
            gaps.append("Say how long customers were affected (impact duration).")
        if self.customers_affected is None and self.requests_affected is None:
            gaps.append("Say how many customers or requests were affected.")
        return gaps

    def _missing_timeline(self, template) -> list[str]:
        count, needed = len(self.timeline_entries.all()), template.min_timeline_entries
        if count >= needed:
            return []
        noun = "entry" if needed == 1 else "entries"
        return [f"Add at least {needed} timeline {noun} ({count} so far)."]

    def _missing_metrics(self, template) -> list[str]:
        return self._missing_text("metrics", "Add the metrics that show impact and recovery.")

    def _missing_questions(self, template) -> list[str]:
        return [
            f"Answer the {TEXTS[key][0].lower()} questions: {TEXTS[key][1]}"
            for key in ("detection", "diagnosis", "mitigation")
            if not self.text(key).body.strip()
        ]

    def _missing_five_whys(self, template) -> list[str]:
        factors = list(self.factors.all())
        if not factors:
            return ["Add at least one contributing factor and ask why until you reach the cause."]
        gaps = []
        for number, factor in enumerate(factors, start=1):
            name = f"Factor {number} ({factor.title})" if factor.title else f"Factor {number}"
            depth = factor.depth
            if depth < template.min_why_depth:
                gaps.append(
                    f"{name} goes {depth} why{'s' if depth != 1 else ''} deep; "
                    f"keep asking why until at least {template.min_why_depth}."
                )
            if factor.has_unanswered_steps:
                gaps.append(f"{name} has a why without its because (or a because without its why).")
        return gaps

    def _missing_lessons(self, template) -> list[str]:
        return self._missing_text("lessons", "Write down the lessons learned.")

    def _missing_corrective_actions(self, template) -> list[str]:
        count = self.corrective_action_count
        needed = template.min_corrective_actions
        if count >= needed:
            return []
        return [
            f"List at least {needed} corrective action{'s' if needed != 1 else ''}, "
            f"one per list item ({count} so far)."
        ]

    def _missing_related(self, template) -> list[str]:
        return self._missing_text("related", "Link related COEs, incidents or tickets.")

    @property
    def corrective_action_count(self) -> int:
        return len(LIST_ITEM.findall(self.text("corrective_actions").body))


class CoeText(models.Model):
    """One markdown part of a COE. `version` grows with every save, so no edit is lost."""

    coe = models.ForeignKey(Coe, on_delete=models.CASCADE, related_name="texts")
    key = models.CharField(
        max_length=30, choices=[(key, label) for key, (label, _) in TEXTS.items()]
    )
    body = models.TextField(blank=True)
    version = models.PositiveIntegerField(default=0)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    updated_at = models.DateTimeField(null=True, blank=True)
    history = HistoricalRecords()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["coe", "key"], name="one_text_per_coe_key")]

    def __str__(self) -> str:
        return f"{self.coe} · {self.label}"

    @property
    def label(self) -> str:
        return TEXTS[self.key][0]

    @property
    def prompt(self) -> str:
        return TEXTS[self.key][1]


class CoeTimelineEntry(models.Model):
    coe = models.ForeignKey(Coe, on_delete=models.CASCADE, related_name="timeline_entries")
    occurred_at = models.DateTimeField("time")
    text = models.TextField(max_length=5000)

    class Meta:
        ordering = ["occurred_at", "pk"]
        verbose_name_plural = "COE timeline entries"

    def __str__(self) -> str:
        return f"{self.occurred_at:%Y-%m-%d %H:%M} {self.text[:60]}"


class ContributingFactor(models.Model):
    """One chain of why → because, from the symptom down to a cause in the system."""

    coe = models.ForeignKey(Coe, on_delete=models.CASCADE, related_name="factors")
    title = models.CharField(max_length=200, blank=True)
    category = models.CharField(max_length=20, choices=FactorCategory, default=FactorCategory.OTHER)
    version = models.PositiveIntegerField(default=0)
    created_at = models.DateTimeField(default=timezone.now)
    history = HistoricalRecords()

    class Meta:
        ordering = ["created_at", "pk"]

    def __str__(self) -> str:
        return self.title or f"Factor {self.pk}"

    @property
    def depth(self) -> int:
        return sum(1 for step in self.steps.all() if step.why.strip() and step.because.strip())

    @property
    def has_unanswered_steps(self) -> bool:
        return any(bool(s.why.strip()) != bool(s.because.strip()) for s in self.steps.all())

    @property
    def becauses(self) -> list[str]:
        return [step.because for step in self.steps.all() if step.because.strip()]


class WhyStep(models.Model):
    factor = models.ForeignKey(ContributingFactor, on_delete=models.CASCADE, related_name="steps")
    position = models.PositiveSmallIntegerField()
    why = models.TextField(max_length=2000)
    because = models.TextField(max_length=2000)

    class Meta:
        ordering = ["position"]
        constraints = [
            models.UniqueConstraint(fields=["factor", "position"], name="one_step_per_position")
        ]

    def __str__(self) -> str:
        return f"Why {self.position}: {self.why[:60]}"


class BlamelessAcknowledgement(models.Model):
    """A writer's reasoned decision to keep flagged wording (e.g. a quote from a customer)."""

    coe = models.ForeignKey(Coe, on_delete=models.CASCADE, related_name="acknowledgements")
    fingerprint = models.CharField(max_length=500)
    phrase = models.TextField()
    reason = models.TextField(max_length=2000)
    acknowledged_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    acknowledged_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["coe", "fingerprint"], name="one_ack_per_finding")
        ]

    def __str__(self) -> str:
        return f"{self.phrase[:40]}: {self.reason[:40]}"
