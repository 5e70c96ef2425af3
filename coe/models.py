import uuid
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings
from django.contrib.postgres.search import SearchVectorField
from django.core.exceptions import PermissionDenied
from django.db import models
from django.db.models.functions import JSONObject
from django.urls import reverse
from django.utils import timezone
from simple_history.models import HistoricalRecords

from opsreview.actions.models import ActionItem, ItemStatus, Term
from opsreview.org.images import IMAGE_FORMATS
from opsreview.org.links import path_for
from opsreview.org.models import Team
from opsreview.org.stored_markdown import MarkdownField, RenderedHTMLField, StoresRenderedMarkdown


def stored_findings_field() -> models.JSONField:
    """The blameless findings of a row's text, worked out when it is saved (coe.findings)."""
    return models.JSONField(default=list, blank=True, editable=False)


class Status(models.TextChoices):
    DRAFT = "draft", "Draft"
    IN_REVIEW = "in_review", "In review"
    CHANGES_REQUESTED = "changes_requested", "Changes requested"
    APPROVED = "approved", "Approved"
    CLOSED = "closed", "Closed"


EDITABLE_STATUSES = (Status.DRAFT, Status.CHANGES_REQUESTED)


class CoeKind(models.TextChoices):
    INCIDENT = "incident", "Customer impact"
    NEAR_MISS = "near_miss", "Near miss (no customer impact)"


NEAR_MISS_WITH_INCIDENT = (
    "A near miss has no incident: it is written about an event that did not reach customers. "
    "Leave the incident number empty, or start a COE with customer impact."
)


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
            "What we will do so this cannot happen again: each an item with an owner and a date.",
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
    "corrective_actions": ("Notes", "Optional: context for the items, e.g. what was ruled out."),
    "related": ("Related items", "Links to other COEs, incidents, tickets."),
}


# What each kind of COE requires until an admin says otherwise: a near miss had no customer
# impact to describe, and is otherwise learned from as an incident is.
TEMPLATE_DEFAULTS = {CoeKind.INCIDENT: {}, CoeKind.NEAR_MISS: {"require_impact": False}}


class CoeTemplateSettings(models.Model):
    """What a complete COE must contain; one row per kind of COE, edited by admins."""

    kind = models.CharField(
        "for", max_length=20, choices=CoeKind, default=CoeKind.INCIDENT, unique=True
    )
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
        return f"COE template settings: {self.get_kind_display()}"

    @classmethod
    def load(cls, kind: str = CoeKind.INCIDENT) -> "CoeTemplateSettings":
        """The settings of a kind of COE, made with that kind's defaults on first use."""
        return cls.objects.get_or_create(kind=kind, defaults=TEMPLATE_DEFAULTS[kind])[0]

    @classmethod
    def from_row(cls, row: dict) -> "CoeTemplateSettings":
        """The settings as a JSON object of their columns holds them (Coe.template_settings)."""
        fields = cls._meta.concrete_fields
        return cls(**{f.attname: f.to_python(row[f.name]) for f in fields if f.name in row})

    def required_sections(self) -> list[str]:
        return [section.key for section in SECTIONS if getattr(self, f"require_{section.key}")]


def _item_counts() -> models.Subquery:
    """The COE's items counted in one pass: all of them, those not dropped as won't do, and
    those of them that are medium or long term (a JSON object; NULL when it has none)."""
    live = ~models.Q(status=ItemStatus.WONT_DO)
    counts = JSONObject(
        all=models.Count("pk"),
        live=models.Count("pk", filter=live),
        lasting=models.Count("pk", filter=live & models.Q(term__in=(Term.MEDIUM, Term.LONG))),
    )
    items = ActionItem.objects.filter(coe=models.OuterRef("pk")).order_by().values("coe")
    return models.Subquery(
        items.annotate(counts=counts).values("counts"), output_field=models.JSONField()
    )


def _template_row() -> models.Subquery:
    """The settings of the COE's own kind, as a JSON object of their columns."""
    fields = {field.name: field.name for field in CoeTemplateSettings._meta.concrete_fields}
    row = CoeTemplateSettings.objects.filter(kind=models.OuterRef("kind")).values(
        row=JSONObject(**fields)
    )
    return models.Subquery(row, output_field=models.JSONField())


class SearchVectorColumn(SearchVectorField):
    """A full-text vector: tsvector on PostgreSQL; elsewhere an unused, empty text column (search
    there reads the texts themselves), so one model and one migration serve both."""

    def __init__(self, *args, **kwargs):
        kwargs.update(null=True, editable=False)
        super().__init__(*args, **kwargs)

    def db_type(self, connection):
        return "tsvector" if connection.vendor == "postgresql" else "text"

    def _check_postgres_installed(self, *args):
        return []  # uses none of django.contrib.postgres's lookups or type handlers


class CoeManager(models.Manager):
    def get_queryset(self):
        # The vector is written and read only in SQL (coe/search.py): not loaded with a COE, so
        # a COE saved without update_fields never writes back a stale copy.
        return super().get_queryset().defer("search")


class CoeQuerySet(models.QuerySet):
    def readable_by(self, user):
        """The COEs `user` may read (Coe.read_refusal, as a filter): drafts only by their
        authors, their team and its manager, their named reviewers and staff; every other COE
        by everyone signed in."""
        if not (user.is_authenticated and user.is_active):
            return self.none()
        if user.is_staff:
            return self
        member = Team.members.through.objects.filter(team=models.OuterRef("team_id"), user=user.pk)
        named = CoeReviewer.objects.filter(
            coe=models.OuterRef("pk"), reviewer=user.pk, state__in=ACTIVE_REVIEWER_STATES
        )
        author = Coe.authors.through.objects.filter(coe=models.OuterRef("pk"), user=user.pk)
        # The teams they manage as a subquery, not a join: joined, the planner reads every
        # match of a common word before taking the newest (a search 25 times slower).
        managed = Team.objects.filter(manager=user.pk).values("pk")
        return self.filter(
            ~models.Q(status=Status.DRAFT)
            | models.Q(team__in=managed)
            | models.Exists(author)
            | models.Exists(member)
            | models.Exists(named)
        )

    def for_editor(self, viewer=None):
        """Everything the editor and missing_sections() read, in a fixed number of queries
        whatever the COE holds. Its action items are counted, not loaded: a page shows a few.
        The template settings come in the same query; so does whether `viewer` is in the team.
        """
        coes = self.select_related("team", "incident", "created_by").annotate(
            item_counts=_item_counts(),
            template_row=_template_row(),
        )
        if viewer is not None and viewer.pk is not None:
            member = Team.members.through.objects.filter(
                team=models.OuterRef("team_id"), user=viewer.pk
            )
            mine = {"coe_id": models.OuterRef("pk"), "history_user_id": viewer.pk}
            wrote = models.Exists(CoeText.history.filter(**mine)) | models.Exists(
                ContributingFactor.history.filter(**mine)
            )
            coes = coes.annotate(
                viewer_pk=models.Value(viewer.pk),
                viewer_is_member=models.Exists(member),
                viewer_wrote=models.ExpressionWrapper(wrote, output_field=models.BooleanField()),
            )
        return coes.prefetch_related(
            "authors",
            models.Prefetch("texts", queryset=CoeText.objects.select_related("updated_by")),
            "timeline_entries",
            models.Prefetch(
                "factors", queryset=ContributingFactor.objects.prefetch_related("steps")
            ),
            models.Prefetch(
                "acknowledgements",
                queryset=BlamelessAcknowledgement.objects.select_related("acknowledged_by"),
            ),
            models.Prefetch("reviews", queryset=CoeReview.objects.select_related("reviewer")),
            models.Prefetch("reviewers", queryset=CoeReviewer.objects.select_related("reviewer")),
        )


class Coe(models.Model):
    """A Correction of Errors document: what happened, why, and what will stop it recurring."""

    TITLE_MAX = 200

    title = models.CharField(max_length=TITLE_MAX)
    team = models.ForeignKey(
        "org.Team", on_delete=models.PROTECT, related_name="coes", verbose_name="owning team"
    )
    authors = models.ManyToManyField(settings.AUTH_USER_MODEL, related_name="coes_authored")
    incident = models.OneToOneField(
        "incidents.Incident", on_delete=models.PROTECT, null=True, blank=True, related_name="coe"
    )
    kind = models.CharField(
        max_length=20,
        choices=CoeKind,
        default=CoeKind.INCIDENT,
        help_text="A near miss almost hurt customers: it has no incident, and its own required "
        "sections.",
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
    # Title and section words for full-text search, kept by coe.search.refresh_search_vectors.
    search = SearchVectorColumn()
    history = HistoricalRecords(excluded_fields=["search"])

    objects = CoeManager.from_queryset(CoeQuerySet)()

    class Meta:
        verbose_name = "COE"
        ordering = ["-created_at", "-pk"]
        # The list's orderings and filters (keyset pages, newest first); the GIN index on
        # `search` is PostgreSQL-only, made by migration 0002.
        indexes = [
            models.Index(fields=["-created_at", "-id"], name="coe_newest_first"),
            models.Index(fields=["status", "-created_at", "-id"], name="coe_status_newest_first"),
            models.Index(fields=["team", "-created_at", "-id"], name="coe_team_newest_first"),
            models.Index(
                fields=["-created_at", "-id"],
                condition=models.Q(kind=CoeKind.NEAR_MISS),
                name="coe_near_miss_newest_first",
            ),
        ]
        constraints = [
            models.CheckConstraint(
                condition=~models.Q(kind=CoeKind.NEAR_MISS) | models.Q(incident__isnull=True),
                name="near_miss_has_no_incident",
                violation_error_message=NEAR_MISS_WITH_INCIDENT,
            ),
        ]

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return path_for("coe:coe_detail", self.pk)

    @property
    def is_editable(self) -> bool:
        return self.status in EDITABLE_STATUSES

    @property
    def is_near_miss(self) -> bool:
        return self.kind == CoeKind.NEAR_MISS

    def edit_refusal(self, user) -> str:
        """Why `user` may not edit this COE now, or "" if they may: authors and members of the
        owning team edit it while it is a draft or changes are requested. The one rule the pages
        and every service ask."""
        if not self.is_author_or_team_member(user):
            return "Only the COE's authors and its team's members can edit it."
        if not self.is_editable:
            return (
                f"This COE is {self.get_status_display().lower()}; it can be edited as a draft or "
                "when changes are requested."
            )
        return ""

    def can_be_edited_by(self, user) -> bool:
        return not self.edit_refusal(user)

    def read_refusal(self, user) -> str:
        """Why `user` may not read this COE, or "": a draft is read by its authors, its team
        and its manager, its named reviewers and staff; once submitted, a COE is read by
        everyone signed in so its lessons spread (CoeQuerySet.readable_by: the same rule as a
        filter)."""
        if not (user.is_authenticated and user.is_active):
            return "Sign in with an active account to read COEs."
        if self.status != Status.DRAFT or user.is_staff or self.team.manager_id == user.pk:
            return ""
        if self.is_author_or_team_member(user):
            return ""
        if any(row.reviewer_id == user.pk and row.is_active for row in self.reviewers.all()):
            return ""
        return (
            "This COE is a draft: its authors, its team and its reviewers read it until it is "
            "submitted."
        )

    def can_be_read_by(self, user) -> bool:
        return not self.read_refusal(user)

    def require_editor(self, user) -> None:
        if refusal := self.edit_refusal(user):
            raise PermissionDenied(refusal)

    def is_independent_reviewer(self, user) -> bool:
        """A bar raiser is an active person who wrote none of the COE: not a listed author, and
        no saved text or five whys of theirs anywhere in its history."""
        if not user.is_active or any(author.pk == user.pk for author in self.authors.all()):
            return False
        return not self.has_writing_by(user)

    def require_reviewer(self, user) -> None:
        if not self.is_independent_reviewer(user):
            raise PermissionDenied(
                "A COE is reviewed by an active person who wrote none of it: not its authors, "
                "nor anyone who saved its text or five whys."
            )

    def has_writing_by(self, user) -> bool:
        """Whether `user` ever saved a text or five whys of this COE: asked with the COE when
        for_editor(viewer=user) loaded it, else one query."""
        if getattr(self, "viewer_pk", None) == user.pk:
            return self.viewer_wrote
        mine = {"coe_id": self.pk, "history_user_id": user.pk}
        texts = models.Exists(CoeText.history.filter(**mine))
        factors = models.Exists(ContributingFactor.history.filter(**mine))
        return Coe.objects.filter(texts | factors, pk=self.pk).exists()

    def is_reviewer(self, user) -> bool:
        """A named reviewer; or, while none is named, anyone who reviewed it or, in review,
        any bar raiser."""
        named = [row.reviewer_id for row in self.reviewers.all() if row.is_active]
        if named:
            return user.pk in named
        if any(review.reviewer_id == user.pk for review in self.reviews.all()):
            return True
        return self.status == Status.IN_REVIEW and self.is_independent_reviewer(user)

    def comment_refusal(self, user) -> str:
        """Why `user` may not comment on this COE, or "": while it is written and reviewed,
        its authors, its team, its reviewers and staff; once approved, its reviewers and staff."""
        if not user.is_active:
            return "Sign in with an active account to comment."
        if user.is_staff:
            return ""
        if self.status in (Status.APPROVED, Status.CLOSED):
            if self.is_reviewer(user):
                return ""
            return "An approved COE takes comments from its reviewers and staff."
        if self.is_author_or_team_member(user) or self.is_reviewer(user):
            return ""
        return "Comments on this COE come from its authors, its team, its reviewers and staff."

    def is_author_or_team_member(self, user) -> bool:
        if not user.is_active:
            return False
        if any(author.pk == user.pk for author in self.authors.all()):
            return True
        if getattr(self, "viewer_pk", None) == user.pk:  # for_editor(viewer=user) asked
            return self.viewer_is_member
        members = self.__dict__.setdefault("_known_members", {})  # asked often on one page
        if user.pk not in members:
            members[user.pk] = self.team.members.filter(pk=user.pk).exists()
        return members[user.pk]

    def template_settings(self) -> CoeTemplateSettings:
        """The template a complete COE follows: read with the COE by for_editor()."""
        row = getattr(self, "template_row", None)
        return CoeTemplateSettings.from_row(row) if row else CoeTemplateSettings.load(self.kind)

    def text(self, key: str) -> "CoeText":
        return next(text for text in self.texts.all() if text.key == key)

    def missing_sections(self, template: CoeTemplateSettings | None = None) -> dict[str, list[str]]:
        """Per required section, in document order: what is still missing, in the writer's words."""
        template = template or self.template_settings()
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
        if self.is_near_miss:  # no customer was affected: there is nothing to count
            return self._missing_text("impact", "Describe who would have been affected and how.")
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

    def item_count_of(self, kind: str) -> int:
        """for_editor()'s count of the items: "all", "live" (not won't do) or "lasting"."""
        return (self.item_counts or {}).get(kind, 0)

    def _live_item_counts(self) -> tuple[int, int]:
        """Items not dropped as won't do, and how many of them are medium or long term."""
        if hasattr(self, "item_counts"):  # counted by for_editor()
            return self.item_count_of("live"), self.item_count_of("lasting")
        items = [item for item in self.action_items.all() if item.status != ItemStatus.WONT_DO]
        return len(items), sum(item.term in (Term.MEDIUM, Term.LONG) for item in items)

    def _missing_corrective_actions(self, template) -> list[str]:
        live, lasting = self._live_item_counts()
        needed = template.min_corrective_actions
        gaps = []
        if live < needed:
            gaps.append(
                f"Add at least {needed} corrective action item{'s' if needed != 1 else ''} "
                f"({live} so far)."
            )
        if self.incident is not None and self.incident.is_major and not lasting:
            gaps.append(
                f"A {self.incident.get_severity_display()} COE needs at least one medium- or "
                "long-term item: short-term fixes alone rarely prevent a recurrence."
            )
        return gaps

    def _missing_related(self, template) -> list[str]:
        return self._missing_text("related", "Link related COEs, incidents or tickets.")


class CoeText(StoresRenderedMarkdown):
    """One markdown part of a COE. `version` grows with every save, so no edit is lost."""

    markdown_fields = ("body",)

    coe = models.ForeignKey(Coe, on_delete=models.CASCADE, related_name="texts")
    key = models.CharField(
        max_length=30, choices=[(key, label) for key, (label, _) in TEXTS.items()]
    )
    body = MarkdownField(blank=True)
    body_html = RenderedHTMLField()
    version = models.PositiveIntegerField(default=0)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    updated_at = models.DateTimeField(null=True, blank=True)
    findings = stored_findings_field()
    history = HistoricalRecords(
        excluded_fields=[*StoresRenderedMarkdown.rendered_field_names_for("body"), "findings"]
    )

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
    TEXT_MAX = 5000

    coe = models.ForeignKey(Coe, on_delete=models.CASCADE, related_name="timeline_entries")
    occurred_at = models.DateTimeField("time")
    text = models.TextField(max_length=TEXT_MAX)
    findings = stored_findings_field()

    class Meta:
        ordering = ["occurred_at", "pk"]
        verbose_name_plural = "COE timeline entries"

    def __str__(self) -> str:
        return f"{self.occurred_at:%Y-%m-%d %H:%M} {self.text[:60]}"


class ContributingFactor(models.Model):
    """One chain of why → because, from the symptom down to a cause in the system."""

    TITLE_MAX = 200

    coe = models.ForeignKey(Coe, on_delete=models.CASCADE, related_name="factors")
    title = models.CharField(max_length=TITLE_MAX, blank=True)
    category = models.CharField(max_length=20, choices=FactorCategory, default=FactorCategory.OTHER)
    version = models.PositiveIntegerField(default=0)
    created_at = models.DateTimeField(default=timezone.now)
    findings = stored_findings_field()  # of its steps and of where its chain ends
    history = HistoricalRecords(excluded_fields=["findings"])

    class Meta:
        ordering = ["created_at", "pk"]
        # The COE list filters by category.
        indexes = [models.Index(fields=["category", "coe"], name="factor_category_coe")]

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
    TEXT_MAX = 2000  # each of why and because

    factor = models.ForeignKey(ContributingFactor, on_delete=models.CASCADE, related_name="steps")
    position = models.PositiveSmallIntegerField()
    why = models.TextField(max_length=TEXT_MAX)
    because = models.TextField(max_length=TEXT_MAX)

    class Meta:
        ordering = ["position"]
        constraints = [
            models.UniqueConstraint(fields=["factor", "position"], name="one_step_per_position")
        ]

    def __str__(self) -> str:
        return f"Why {self.position}: {self.why[:60]}"


class BlamelessAcknowledgement(models.Model):
    """A writer's reasoned decision to keep flagged wording (e.g. a quote from a customer)."""

    FINGERPRINT_MAX = 500
    REASON_MAX = 2000

    coe = models.ForeignKey(Coe, on_delete=models.CASCADE, related_name="acknowledgements")
    fingerprint = models.CharField(max_length=FINGERPRINT_MAX)
    phrase = models.TextField()
    reason = models.TextField(max_length=REASON_MAX)
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


class ReviewDecision(models.TextChoices):
    APPROVE = "approve", "Approved"
    REQUEST_CHANGES = "request_changes", "Changes requested"


class CoeReview(StoresRenderedMarkdown):
    """A reviewer's ("bar raiser's") decision on a COE in review, with what they asked for."""

    markdown_fields = ("comment",)
    # What a reviewer may write: well inside what the markdown column holds (MARKDOWN_MAX_CHARS).
    COMMENT_MAX = 10_000

    coe = models.ForeignKey(Coe, on_delete=models.CASCADE, related_name="reviews")
    reviewer = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    decision = models.CharField(max_length=20, choices=ReviewDecision)
    comment = MarkdownField(blank=True)
    comment_html = RenderedHTMLField()
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["created_at", "pk"]
        indexes = [
            # The ops meeting's "COEs approved this week".
            models.Index(
                fields=["created_at"],
                condition=models.Q(decision=ReviewDecision.APPROVE),
                name="coereview_approved_at_idx",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_decision_display()} by {self.reviewer}"


class ReviewerState(models.TextChoices):
    REQUESTED = "requested", "Review requested"
    APPROVED = "approved", "Approved"
    CHANGES_REQUESTED = "changes_requested", "Changes requested"
    REMOVED = "removed", "Removed"


# A named reviewer still holding the COE back from approval, or who approved it.
ACTIVE_REVIEWER_STATES = (
    ReviewerState.REQUESTED,
    ReviewerState.APPROVED,
    ReviewerState.CHANGES_REQUESTED,
)


class CoeReviewer(models.Model):
    """A bar raiser the authors asked to review the COE: once a COE has any, only they decide,
    and it is approved when every one of them has approved or been removed."""

    coe = models.ForeignKey(Coe, on_delete=models.CASCADE, related_name="reviewers")
    reviewer = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="coe_review_requests"
    )
    state = models.CharField(
        max_length=20, choices=ReviewerState.choices, default=ReviewerState.REQUESTED
    )
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    requested_at = models.DateTimeField(default=timezone.now)
    decided_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["requested_at", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["coe", "reviewer"], name="coe_reviewer_once"),
        ]
        indexes = [
            # "Waiting for your review".
            models.Index(fields=["reviewer", "state"], name="coe_reviewer_waiting"),
        ]

    def __str__(self) -> str:
        return f"{self.reviewer} on {self.coe_id}: {self.get_state_display()}"

    @property
    def is_active(self) -> bool:
        return self.state != ReviewerState.REMOVED


class CoeThread(models.Model):
    """A conversation on one text of a COE, or on a passage of it (the quoted words are kept):
    its comments in order; resolved by whoever started it or the COE's authors, and reopened."""

    QUOTE_MAX = 1_000

    coe = models.ForeignKey(Coe, on_delete=models.CASCADE, related_name="threads")
    section = models.CharField(
        max_length=30, choices=[(key, label) for key, (label, _) in TEXTS.items()]
    )
    quote = models.TextField(blank=True, max_length=QUOTE_MAX)
    # The text's version when the thread began: a later one means "the text has changed since".
    text_version = models.PositiveIntegerField(default=0)
    started_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    resolved_at = models.DateTimeField(null=True, blank=True)
    resolved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    class Meta:
        ordering = ["created_at", "pk"]
        indexes = [models.Index(fields=["coe", "resolved_at"], name="coe_thread_open")]

    def __str__(self) -> str:
        return f"Thread on {self.get_section_display()} of {self.coe_id}"

    def get_absolute_url(self) -> str:
        return f"{path_for('coe:coe_detail', self.coe_id)}#thread-{self.pk}"

    @property
    def is_open(self) -> bool:
        return self.resolved_at is None


class CoeComment(StoresRenderedMarkdown):
    """One comment of a thread, in markdown (sanitised like the sections)."""

    markdown_fields = ("body",)
    BODY_MAX = 10_000

    thread = models.ForeignKey(CoeThread, on_delete=models.CASCADE, related_name="comments")
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    body = MarkdownField()
    body_html = RenderedHTMLField()
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["created_at", "pk"]

    def __str__(self) -> str:
        return f"Comment by {self.author} on {self.thread}"


IMAGE_FOLDER = "coe-images"  # in the default storage: <coe id>/<random name>


def _image_name(image: "CoeImage", filename: str) -> str:
    return f"{IMAGE_FOLDER}/{image.coe_id}/{uuid.uuid4().hex}{Path(filename).suffix.lower()}"


class CoeImage(models.Model):
    """A graph or screenshot attached to a COE's section: stored through Django's storage
    (local files or S3), checked and re-encoded by org.images (no metadata kept), and served
    only to people who may read the COE. Sections refer to it by its URL in markdown."""

    CAPTION_MAX = 300

    coe = models.ForeignKey(Coe, on_delete=models.CASCADE, related_name="images")
    section = models.CharField(
        max_length=30, choices=[(key, label) for key, (label, _) in TEXTS.items()]
    )
    caption = models.CharField(max_length=CAPTION_MAX, blank=True)
    file = models.FileField(upload_to=_image_name, max_length=200)
    thumbnail = models.FileField(upload_to=_image_name, max_length=200)
    content_type = models.CharField(max_length=20, choices=[(t, t) for t in IMAGE_FORMATS.values()])
    width = models.PositiveIntegerField()
    height = models.PositiveIntegerField()
    size = models.PositiveIntegerField(help_text="bytes, as stored")
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["created_at", "pk"]

    def __str__(self) -> str:
        return self.caption or f"Image {self.pk}"

    def get_absolute_url(self) -> str:
        return reverse("coe:coe_image", args=[self.coe_id, self.pk])

    def thumbnail_url(self) -> str:
        return reverse("coe:coe_image_thumbnail", args=[self.coe_id, self.pk])

    @property
    def markdown(self) -> str:
        """How a section shows it: the caption is its alternative text and its caption."""
        caption = " ".join(self.caption.replace("[", "(").replace("]", ")").split())
        return f"![{caption}]({self.get_absolute_url()})"
