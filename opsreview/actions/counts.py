"""Every team's open and overdue items by term, read from a stored row per team (TeamItemCounts)
instead of counted from every open item on each page that shows them.

The services move an item in and out of its team's counts in the transaction that changes it;
`overdue_<term>` is kept as of the row's `counted_on`, so a reader on another day corrects it by
the items due in between, and a daily recount (also the migration's backfill) moves the rows to
the day and puts right anything written around the services.
"""

from collections import defaultdict
from datetime import date

from django.apps import apps as global_apps
from django.db import connection, transaction
from django.db.models import Case, Count, F, OuterRef, Q, QuerySet, Subquery, Sum, Value, When
from django.db.models.functions import Coalesce, Greatest, Least

from opsreview.org.models import Team
from opsreview.org.zones import site_today

from .models import OPEN_ITEM_STATUSES, ActionItem, TeamItemCounts, Term

KINDS = ("open", "overdue")
COUNT_FIELDS = [f"{kind}_{term}" for kind in KINDS for term in Term.values]

CountedAs = tuple[int, str, date]  # team, term, due date


def counted_as(item: ActionItem) -> CountedAs | None:
    """What an item adds to its team's counts: its team, term and due date while it is open."""
    return (item.team_id, item.term, item.due_date) if item.is_open else None


def team_counts_move(*, before: CountedAs | None, after: CountedAs | None) -> None:
    """Take an item out of the counts as it was and into them as it is (both from counted_as),
    in the caller's transaction. Rows change in team order, so writers never wait crosswise."""
    if before == after:
        return
    steps = [(state, step) for state, step in ((before, -1), (after, 1)) if state is not None]
    for (team_id, term, due_date), step in sorted(steps, key=lambda pair: pair[0][0]):
        late = Case(When(counted_on__gt=due_date, then=Value(step)), default=Value(0))
        change = {
            f"open_{term}": F(f"open_{term}") + step,
            f"overdue_{term}": F(f"overdue_{term}") + late,
        }
        row = TeamItemCounts.objects.filter(team_id=team_id)
        if not row.update(**change):  # the team's first item: its row starts empty, today
            TeamItemCounts.objects.get_or_create(
                team_id=team_id, defaults={"counted_on": site_today()}
            )
            row.update(**change)


def _moved_into_overdue(term: str, on: date) -> Coalesce:
    """A team's open items of `term` overdue on `on` but not on its row's day, less those the
    other way round: one probe of an index on (team, term, due_date), empty when the days meet."""
    day = OuterRef("item_counts__counted_on")
    between = ActionItem.objects.open().filter(
        team=OuterRef("pk"),
        term=term,
        due_date__gte=Least(day, Value(on)),
        due_date__lt=Greatest(day, Value(on)),
    )
    sign = Case(When(due_date__lt=on, then=Value(1)), default=Value(-1))
    moved = between.order_by().values("team").annotate(moved=Sum(sign)).values("moved")
    return Coalesce(Subquery(moved), 0)


def _corrected_counts(teams: QuerySet[Team], fields: tuple[str, ...], on: date) -> list[dict]:
    """The stored rows corrected by the items due between their day and `on`, in one query."""
    counts = {}
    for term in Term.values:
        counts[f"open_{term}"] = Coalesce(F(f"item_counts__open_{term}"), 0)
        counts[f"overdue_{term}"] = Coalesce(
            F(f"item_counts__overdue_{term}"), 0
        ) + _moved_into_overdue(term, on)
    rows = list(teams.annotate(**counts).values("pk", *fields, *counts))
    terms = Term.values  # worked out anew on each read: once, not twice a team
    for row in rows:
        for kind in KINDS:
            row[kind] = {term: row.pop(f"{kind}_{term}") for term in terms}
    return rows


def _stored_counts(teams: QuerySet[Team], fields: tuple[str, ...], on: date) -> list[dict] | None:
    """The stored rows as they are, or None if one of them was not counted on `on`."""
    stored = [f"item_counts__{name}" for name in ("counted_on", *COUNT_FIELDS)]
    terms, width = Term.values, len(fields)
    rows = []
    for pk, *values in teams.values_list("pk", *fields, *stored):
        named, (day, *numbers) = values[:width], values[width:]
        if day is not None and day != on:
            return None
        numbers = [n or 0 for n in numbers]
        rows.append(
            {
                "pk": pk,
                **dict(zip(fields, named, strict=True)),
                "open": dict(zip(terms, numbers[: len(terms)], strict=True)),
                "overdue": dict(zip(terms, numbers[len(terms) :], strict=True)),
            }
        )
    return rows


def team_counts(teams: QuerySet[Team], *fields: str, on: date) -> list[dict]:
    """`fields` of each team, with "open" and "overdue" ({term: count}) as of `on`, in one
    query: today, once the daily recount has run, the stored rows as they are; on another day
    (the minutes of a past week, a meeting later this week), the stored rows corrected by the
    items due between their day and `on`. Before the recount, today's rows are read twice."""
    if on == site_today():
        rows = _stored_counts(teams, fields, on)
        if rows is not None:
            return rows
    return _corrected_counts(teams, fields, on)


def team_item_counts_recount(*, on: date | None = None, apps=global_apps) -> int:
    """Count every team's open items again, overdue as of `on` (today); returns the teams.

    For the migration that adds the counts (historical models, through `apps`), the daily task
    that moves them to the day, and items written around the services (bulk loads).
    """
    on = on or site_today()
    counts = apps.get_model("actions", "TeamItemCounts")
    items = apps.get_model("actions", "ActionItem")
    teams = apps.get_model("org", "Team")
    with transaction.atomic():
        if connection.vendor == "postgresql":
            # Writers wait until the new counts are in, and those under way finish first, so
            # the count below sees every change made before it and none is applied twice.
            with connection.cursor() as cursor:
                table = connection.ops.quote_name(counts._meta.db_table)
                cursor.execute(f"LOCK TABLE {table} IN SHARE ROW EXCLUSIVE MODE")
        found = (
            items.objects.filter(status__in=OPEN_ITEM_STATUSES)
            .values_list("team_id", "term")
            .annotate(open=Count("pk"), overdue=Count("pk", filter=Q(due_date__lt=on)))
            .order_by()
        )
        values = defaultdict(dict)
        for team_id, term, open_items, overdue in found:
            values[team_id] |= {f"open_{term}": open_items, f"overdue_{term}": overdue}
        rows = [
            counts(team_id=pk, counted_on=on, **dict.fromkeys(COUNT_FIELDS, 0) | values[pk])
            for pk in teams.objects.values_list("pk", flat=True)
        ]
        counts.objects.bulk_create(
            rows,
            batch_size=1000,
            update_conflicts=True,
            unique_fields=["team"],
            update_fields=[*COUNT_FIELDS, "counted_on"],
        )
    return len(rows)
