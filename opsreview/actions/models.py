from datetime import timedelta

from django.conf import settings
from django.db import models
from django.utils import timezone
from simple_history.models import HistoricalRecords

from opsreview.org.fields import WebURLField
from opsreview.org.links import path_for
from opsreview.org.stored_markdown import MarkdownField, RenderedHTMLField, StoresRenderedMarkdown
from opsreview.org.zones import site_today


class Term(models.TextChoices):
    SHORT = "short", "Short term"
    MEDIUM = "medium", "Medium term"
    LONG = "long", "Long term"


TERM_MEANINGS = {
    Term.SHORT: "Done before the incident is resolved; due within days.",
    Term.MEDIUM: "Tracked and reported weekly; due within weeks.",
    Term.LONG: "Funded work, reported monthly; due within months.",
}


class ItemStatus(models.TextChoices):
    OPEN = "open", "Open"
    IN_PROGRESS = "in_progress", "In progress"
    DONE = "done", "Done"
    WONT_DO = "wont_do", "Won't do"


OPEN_ITEM_STATUSES = (ItemStatus.OPEN, ItemStatus.IN_PROGRESS)
# "Due soon" on pages and in the weekly report: the week ahead, today included.
DUE_SOON_DAYS = 7


class Priority(models.IntegerChoices):
    P1 = 1, "P1: urgent"
    P2 = 2, "P2: high"
    P3 = 3, "P3: normal"
    P4 = 4, "P4: low"


class ItemCategory(models.TextChoices):
    TECHNICAL = "technical", "Technical"
    PROCESS = "process", "Process"
    DOCUMENTATION = "documentation", "Documentation"
    ORGANISATIONAL = "organisational", "Organisational"
    OTHER = "other", "Other"


ADD_REFUSED = "Only the people working on the COE, incident or meeting can add its items."
CHANGE_REFUSED = (
    "Only the owner, the item's team, the COE's authors and staff can change this item."
)


# The one overdue rule, for the database and for an item in hand: still open (neither done nor
# won't-do) and its due date has passed. Due today is not overdue. `on` defaults to today.


def overdue_q(on=None) -> models.Q:
    return models.Q(status__in=OPEN_ITEM_STATUSES, due_date__lt=on or site_today())


def is_overdue(status: str, due_date, on=None) -> bool:
    return status in OPEN_ITEM_STATUSES and due_date < (on or site_today())


# Still open: the condition of the partial indexes, written as open() filters so they match.
OPEN_ITEM_Q = models.Q(status__in=OPEN_ITEM_STATUSES)


class ActionItemQuerySet(models.QuerySet):
    def open(self):
        return self.filter(OPEN_ITEM_Q)

    def overdue(self, on=None):
        return self.filter(overdue_q(on))

    def due_between(self, start, end):
        """Open items due from start to end, both included."""
        return self.open().filter(due_date__gte=start, due_date__lte=end)

    def due_soon(self, on=None):
        """Open items due in the next DUE_SOON_DAYS days, today included: not overdue yet."""
        today = on or site_today()
        return self.due_between(today, today + timedelta(days=DUE_SOON_DAYS - 1))

    def overdue_or_due_soon(self, on=None):
        today = on or site_today()
        return self.open().filter(due_date__lt=today + timedelta(days=DUE_SOON_DAYS))

    def with_overdue_flag(self, on=None):
        """overdue_rank 0 for overdue items, 1 for the rest: overdue first when ordered by it."""
        return self.annotate(
            overdue_rank=models.Case(models.When(overdue_q(on), then=0), default=1)
        )


class ActionItem(StoresRenderedMarkdown):
    """Something that will be done, by whom and when: from a COE, an incident or an ops meeting."""

    markdown_fields = ("description",)
    TITLE_MAX = 200
    # Checked by action_item_wont_do: a limit on the column would be a schema change.
    WONT_DO_REASON_MAX = 2000

    title = models.CharField(max_length=TITLE_MAX)
    description = MarkdownField(blank=True, help_text="Markdown.")
    description_html = RenderedHTMLField()
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="action_items"
    )
    team = models.ForeignKey("org.Team", on_delete=models.PROTECT, related_name="action_items")
    term = models.CharField(max_length=10, choices=Term)
    priority = models.PositiveSmallIntegerField(choices=Priority, default=Priority.P3)
    category = models.CharField(max_length=20, choices=ItemCategory, default=ItemCategory.TECHNICAL)
    due_date = models.DateField()
    status = models.CharField(max_length=20, choices=ItemStatus, default=ItemStatus.OPEN)
    completed_at = models.DateTimeField(null=True, blank=True)
    wont_do_reason = models.TextField("reason for not doing it", blank=True)
    ticket_url = WebURLField("ticket URL", blank=True)
    coe = models.ForeignKey(
        "coe.Coe", on_delete=models.PROTECT, null=True, blank=True, related_name="action_items"
    )
    incident = models.ForeignKey(
        "incidents.Incident",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="action_items",
    )
    meeting = models.ForeignKey(
        "meetings.OpsMeeting",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="action_items",
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    history = HistoricalRecords(
        excluded_fields=StoresRenderedMarkdown.rendered_field_names_for("description")
    )

    objects = ActionItemQuerySet.as_manager()

    class Meta:
        ordering = ["due_date", "pk"]
        # The action-items list orders by (due_date, id) whatever the filter: each filter it
        # offers has an index that returns its rows in that order, so a page reads ~50 rows.
        indexes = [
            models.Index(fields=["status", "due_date"]),
            # Items finished in a period (the ops meeting celebrates them).
            models.Index(fields=["status", "completed_at"], name="action_item_status_done_at"),
            # Open items of one term by due date (long-term items due this quarter); with the
            # team, it also covers counting every team's open items without reading the rows.
            models.Index(
                fields=["term", "due_date", "team"],
                condition=models.Q(status__in=OPEN_ITEM_STATUSES),
                name="action_item_open_term_due",
            ),
            models.Index(fields=["due_date", "id"], name="actionitem_due_idx"),
            models.Index(
                fields=["due_date", "id"], condition=OPEN_ITEM_Q, name="actionitem_open_due_idx"
            ),
            # The overdue counts atop the list, read from this index alone.
            models.Index(
                fields=["due_date", "team", "term"],
                condition=OPEN_ITEM_Q,
                name="actionitem_overdue_count_idx",
            ),
            models.Index(
                fields=["team", "due_date", "id"],
                condition=OPEN_ITEM_Q,
                name="actionitem_open_team_due_idx",
            ),
            # Items raised in meetings, in the order the ops meeting lists them, holding what
            # it filters them by: ranking them never reads the rows of the other 90%.
            models.Index(
                fields=["meeting", "due_date", "id", "status", "completed_at"],
                condition=models.Q(meeting__isnull=False),
                name="actionitem_meeting_due_idx",
            ),
            # A team's open items of one term due in a few days: what the stored team counts
            # (TeamItemCounts) are corrected by on a day other than theirs.
            models.Index(
                fields=["team", "term", "due_date"],
                condition=OPEN_ITEM_Q,
                name="actionitem_open_team_term_idx",
            ),
            models.Index(
                fields=["owner", "due_date", "id"],
                condition=OPEN_ITEM_Q,
                name="actionitem_open_owner_due_idx",
            ),
            models.Index(
                fields=["term", "due_date", "id"],
                condition=OPEN_ITEM_Q,
                name="actionitem_open_term_due_idx",
            ),
        ]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(coe__isnull=False)
                | models.Q(incident__isnull=False)
                | models.Q(meeting__isnull=False),
                name="action_item_has_a_source",
                violation_error_message=(
                    "An action item comes from a COE, an incident or a meeting."
                ),
            ),
            models.CheckConstraint(
                condition=~models.Q(status=ItemStatus.WONT_DO) | ~models.Q(wont_do_reason=""),
                name="wont_do_has_a_reason",
                violation_error_message="Say why it won't be done.",
            ),
        ]

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return path_for("actions:action_detail", self.pk)

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_ITEM_STATUSES

    def is_overdue(self, on=None) -> bool:
        return is_overdue(self.status, self.due_date, on)

    def days_overdue(self, on=None) -> int:
        if not self.is_overdue(on):
            return 0
        return ((on or site_today()) - self.due_date).days

    @property
    def source(self):
        return self.coe or self.incident or self.meeting

    @staticmethod
    def can_be_added_by(user, *, coe=None, incident=None, meeting=None) -> bool:
        """Staff and the people working on the source: a COE's authors and its team's members,
        those who can work the incident, or those who run the meeting. The pages offer the form
        on this rule; the service refuses on it."""
        if not user.is_active:
            return False
        if user.is_staff:
            return True
        if coe is not None:
            return coe.is_author_or_team_member(user)
        if meeting is not None:
            return meeting.can_be_run_by(user)
        return incident is not None and incident.can_be_worked_by(user)

    def can_be_changed_by(self, user, *, team_ids=None, authored_coe_ids=None) -> bool:
        """Owner, members of the item's team, the COE's authors and staff change an item.

        Lists pass the user's team and authored-COE ids, looked up once for every row.
        """
        if not user.is_active:
            return False
        if user.is_staff or user.pk == self.owner_id:
            return True
        if team_ids is None:
            team_ids = set(user.teams.values_list("pk", flat=True))
        if self.team_id in team_ids:
            return True
        if authored_coe_ids is None:
            authored_coe_ids = set(user.coes_authored.values_list("pk", flat=True))
        return self.coe_id in authored_coe_ids


class TeamItemCounts(models.Model):
    """A team's open action items by term, kept by the action-item services in the transaction
    of each change, so a page showing every team's counts reads a row per team instead of every
    open item. `overdue_<term>` counts the open items due before `counted_on`; a reader on
    another day adds or takes away the items due in between (see counts.team_counts), and a
    daily recount moves `counted_on` to the day."""

    team = models.OneToOneField(
        "org.Team", on_delete=models.CASCADE, primary_key=True, related_name="item_counts"
    )
    # Signed: a row written around the services (a bulk load) is put right by the recount,
    # never refused on the way.
    open_short = models.IntegerField(default=0)
    open_medium = models.IntegerField(default=0)
    open_long = models.IntegerField(default=0)
    overdue_short = models.IntegerField(default=0)
    overdue_medium = models.IntegerField(default=0)
    overdue_long = models.IntegerField(default=0)
    counted_on = models.DateField()

    class Meta:
        verbose_name_plural = "team item counts"

    def __str__(self) -> str:
        return f"Open items of team {self.team_id}"
