from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date

from django.contrib.auth import get_user_model
from django.contrib.auth.models import AbstractBaseUser
from django.core.exceptions import ObjectDoesNotExist
from django.db.models import (
    BooleanField,
    Case,
    CharField,
    Count,
    Exists,
    ExpressionWrapper,
    OuterRef,
    Q,
    QuerySet,
    StringAgg,
    Subquery,
    Value,
    When,
)
from django.db.models.functions import Cast

from opsreview.org.models import Team
from opsreview.org.pagination import excerpt
from opsreview.org.zones import site_today

from .models import OPEN_ITEM_STATUSES, ActionItem, Term

# What a row of actions/action_item.html shows besides the item: the owner's name, the team's.
# It links to the source by the item's own ids, so a list never joins the COE, incident or
# meeting (a COE's search vector alone is kilobytes a row).
ITEM_ROW_RELATED = ("owner", "team")
# Long texts a row never shows: not read for a list.
ROW_UNSHOWN = ("description", "description_html")
# Unique, and served by an index for every filter of the list (see ActionItem.Meta.indexes).
ACTION_LIST_ORDER = ("due_date", "pk")


@dataclass(frozen=True)
class ChangerScope:
    """What ActionItem.can_be_changed_by asks of a user beyond the item: their teams and the
    COEs they wrote."""

    team_ids: frozenset[int]
    authored_coe_ids: frozenset[int]

    @classmethod
    def parse(cls, team_ids: str | None, authored_coe_ids: str | None) -> "ChangerScope":
        """From the two annotations of changer_scope_annotations()."""
        return cls(_parse_ids(team_ids), _parse_ids(authored_coe_ids))


def _parse_ids(joined: str | None) -> frozenset[int]:
    return frozenset(int(pk) for pk in joined.split(",")) if joined else frozenset()


def _joined_ids(links, column: str, user: AbstractBaseUser) -> Subquery:
    rows = links.objects.filter(user_id=user.pk).order_by().values("user_id")
    joined = rows.annotate(ids=StringAgg(Cast(column, CharField()), Value(",")))
    return Subquery(joined.values("ids"))


def changer_scope_annotations(user: AbstractBaseUser) -> dict[str, Subquery]:
    """The user's ChangerScope as two annotations that any query can carry (no query of their
    own), read back with ChangerScope.parse(row.changer_team_ids, row.changer_coe_ids)."""
    authors = ActionItem._meta.get_field("coe").related_model.authors.through
    return {
        "changer_team_ids": _joined_ids(Team.members.through, "team_id", user),
        "changer_coe_ids": _joined_ids(authors, "coe_id", user),
    }


def changer_scope(user: AbstractBaseUser) -> ChangerScope:
    """The user's teams and authored COEs, in one query."""
    row = get_user_model().objects.filter(pk=user.pk).annotate(**changer_scope_annotations(user))
    team_ids, coe_ids = row.values_list("changer_team_ids", "changer_coe_ids").get()
    return ChangerScope.parse(team_ids, coe_ids)


def mark_changeable(
    items: Iterable[ActionItem], user: AbstractBaseUser, scope: ChangerScope | None = None
) -> list[ActionItem]:
    """Set `can_change` on each item with one query in all (none given `scope`), not two a row."""
    items = list(items)
    scope = scope or changer_scope(user)
    for item in items:
        item.can_change = item.can_be_changed_by(
            user, team_ids=scope.team_ids, authored_coe_ids=scope.authored_coe_ids
        )
    return items


def with_changeable(items: QuerySet[ActionItem], user: AbstractBaseUser) -> QuerySet[ActionItem]:
    """`can_change` on each row, computed by the database with the rule of
    ActionItem.can_be_changed_by: no query of its own, so a page can add it to any list."""
    if not user.is_active or user.is_staff:
        return items.annotate(can_change=Value(user.is_active, output_field=BooleanField()))
    membership = Team.members.through.objects.filter(team_id=OuterRef("team_id"), user_id=user.pk)
    authors = ActionItem._meta.get_field("coe").related_model.authors.through
    authorship = authors.objects.filter(coe_id=OuterRef("coe_id"), user_id=user.pk)
    rule = Q(owner_id=user.pk) | Q(Exists(membership)) | Q(Exists(authorship))
    return items.annotate(can_change=ExpressionWrapper(rule, output_field=BooleanField()))


def action_item_list(
    *,
    status: str = "",
    team: Team | None = None,
    owner: AbstractBaseUser | None = None,
    term: str = "",
    overdue: bool = False,
    due_before: date | None = None,
) -> QuerySet[ActionItem]:
    """By due date, so among open items the overdue ones come first. Status "" means still open;
    "all" means any. Ordered by stored columns that the indexes on ActionItem serve."""
    items = (
        ActionItem.objects.select_related(*ITEM_ROW_RELATED)
        .defer(*ROW_UNSHOWN)
        .order_by(*ACTION_LIST_ORDER)
    )
    if status == "":
        items = items.open()
    elif status != "all":
        items = items.filter(status=status)
    if team:
        items = items.filter(team=team)
    if owner:
        items = items.filter(owner=owner)
    if term:
        items = items.filter(term=term)
    if overdue:
        items = items.overdue()
    if due_before:
        items = items.filter(due_date__lt=due_before)
    return items


# How long a process keeps the overdue figures at most, should a change ever go uncounted (a
# process that stops between a commit and its count): the count is what keeps them current.
def overdue_by_team(*, on: date | None = None) -> dict[int, dict[str, int]]:
    """Every team with overdue items, its overdue items by term, by team id: counted from an
    index of open items by team, term and due date alone (a row per team and term)."""
    rows = (
        ActionItem.objects.overdue(on=on or site_today())
        .values_list("team_id", "term")
        .annotate(count=Count("*"))  # not Count("pk"): the counts come from the index alone
        .order_by()
    )
    teams = {}
    terms = Term.values
    for team_id, term, count in rows:
        teams.setdefault(team_id, dict.fromkeys(terms, 0))[term] = count
    return teams


def overdue_counts(*, on: date | None = None, most: int | None = None) -> dict:
    """Overdue items per team and term, with totals: the top of the action-items page.

    With `most`, only that many teams are listed, those with the most overdue items (by name);
    `others` says how many teams and items the list leaves out. The totals count them all."""
    by_team = overdue_by_team(on=on)
    totals = {term: sum(counts[term] for counts in by_team.values()) for term in Term.values}
    total = sum(totals.values())
    sums = {team_id: sum(counts.values()) for team_id, counts in by_team.items()}
    listed = set(sums)
    if most is not None and len(sums) > most:
        # Ties at the cut are settled by name: only the teams in reach of it are named.
        cut = sorted(sums.values(), reverse=True)[most - 1]
        listed = {team_id for team_id, n in sums.items() if n >= cut}
    names = dict(Team.objects.filter(pk__in=listed).values_list("pk", "name"))
    ranked = sorted(names, key=lambda team_id: (-sums[team_id], names[team_id]))
    if most is not None:
        ranked = ranked[:most]
    teams = {names[team_id]: by_team[team_id] for team_id in sorted(ranked, key=names.get)}
    shown = sum(sums[team_id] for team_id in ranked)
    others = {"teams": len(sums) - len(ranked), "items": total - shown}
    return {"teams": teams, "totals": totals, "total": total, "others": others}


ATTENTION_SHOWN = 10  # items of each kind on the dashboard; the rest are counted


def items_needing_attention(user: AbstractBaseUser, *, on: date | None = None) -> dict:
    """The signed-in person's overdue items and those due in the next 7 days (today included),
    the same window as the weekly report: the first few of each, and how many in all."""
    today = on or site_today()
    # Their owner may change them while active (ActionItem.can_be_changed_by): nobody else need
    # be looked up, and each row is given the owner in hand rather than joined to it.
    mine = (
        ActionItem.objects.filter(owner=user)
        .select_related("team")
        .defer(*ROW_UNSHOWN)
        .annotate(can_change=Value(user.is_active, output_field=BooleanField()))
    )
    attention = {
        "overdue": excerpt(mine.overdue(on=today).order_by("due_date", "pk"), ATTENTION_SHOWN),
        "due_this_week": excerpt(
            mine.due_soon(on=today).order_by("due_date", "pk"), ATTENTION_SHOWN
        ),
    }
    for item in [*attention["overdue"], *attention["due_this_week"]]:
        item.owner = user
    return attention


def incident_coe_ids(incident) -> list[int]:
    """The id of the incident's COE, if it has one (read from `incident.coe` when the page
    selected it already), so items are found by their own indexed columns, never by a join."""
    try:
        return [incident.coe.pk]
    except ObjectDoesNotExist:
        return []


def incident_items_q(incident, *, coe_terms: Iterable[str] | None = None) -> Q:
    """Items raised on the incident, or in its COE (of `coe_terms` only, if given).

    Each side is one indexed column (incident_id, coe_id): an OR across a join to the COE
    would make PostgreSQL read every item to find one incident's.
    """
    q = Q(incident=incident)
    coe_ids = incident_coe_ids(incident)
    if coe_ids:
        coe_q = Q(coe_id__in=coe_ids)
        if coe_terms is not None:
            coe_q &= Q(term__in=list(coe_terms))
        q |= coe_q
    return q


def incident_action_items(incident) -> QuerySet[ActionItem]:
    """Items raised on the incident and the short-term items of its COE: what the call sees.

    Open items first, then by due date."""
    return (
        ActionItem.objects.filter(incident_items_q(incident, coe_terms=[Term.SHORT]))
        .select_related(*ITEM_ROW_RELATED)
        .defer(*ROW_UNSHOWN)
        .annotate(closed=Case(When(status__in=OPEN_ITEM_STATUSES, then=0), default=1))
        .order_by("closed", "due_date", "pk")
    )
