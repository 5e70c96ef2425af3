"""Earlier COEs like this one, with their lessons and how their action items stand, so a team
reads what another learned before learning it again.

A COE is like an earlier one when their incidents affected the same service, when they name a
contributing factor of the same category, or when their words are alike. On PostgreSQL the words
are this COE's own (title, summary, five whys) made into a full-text query (search.terms_query)
and ranked against the earlier COEs' stored vectors, as the COE search ranks; elsewhere (SQLite)
words alike are words of this title found in an earlier title.

Each signal offers only its newest CANDIDATES earlier COEs, so ranking reads a few hundred
vectors at most however many COEs there are, and the whole list is one query.
"""

import re
from dataclasses import dataclass
from functools import reduce
from operator import add

from django.contrib.auth.models import AbstractBaseUser
from django.contrib.postgres.search import SearchRank
from django.db.models import (
    Case,
    CharField,
    Count,
    Exists,
    Expression,
    F,
    FloatField,
    Func,
    IntegerField,
    JSONField,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Value,
    When,
)
from django.db.models.functions import Coalesce, JSONObject
from django.utils.safestring import SafeString

from incidents.models import Incident
from opsreview.actions.models import ActionItem, ItemStatus, overdue_q

from . import search
from .models import Coe, CoeText, ContributingFactor, FactorCategory

SHOWN = 5
# Each signal's newest matches that are ranked: a few hundred vectors read, whatever the total.
CANDIDATES = 100
# How many of this COE's lexemes make its query: its title's, then those it repeats most.
QUERY_TERMS = 32
# A text score is about how many query words an earlier COE holds, each counted by where: ~0.6
# in its title, ~0.25 in its summary or impact, ~0.12 elsewhere (ts_rank's weights).
SIMILAR_TEXT = 1.0  # about two words of a title in common, or eight of the text
# Sharing a service or a category says as much as SIMILAR_TEXT at least, so every earlier COE
# with a reason to be listed scores SIMILAR_TEXT or more, and none without one does.
SERVICE_BOOST = 2.0
CATEGORY_BOOST = 1.0
# The fallback's words of a title: the longer ones, which say what it is about.
TITLE_WORD = re.compile(r"\w{4,}")
TITLE_WORDS = 8


@dataclass(frozen=True)
class SimilarCoe:
    coe: Coe  # its title, status, creation time and team
    reasons: list[str]  # "Same service: Checkout", "Same category: Configuration", "Similar text"
    lessons_html: SafeString  # as stored: sanitised when saved
    items: str  # "3 of 4 done; 1 overdue"


def similar_coes(coe: Coe, viewer: AbstractBaseUser, limit: int = SHOWN) -> list[SimilarCoe]:
    """Up to `limit` COEs started before `coe` that `viewer` may read (drafts only by the people
    who may read them), the most alike first, then the newest; in one query. `coe` is read as
    for_editor() loads it: its texts and factors come with it."""
    earlier = Coe.objects.readable_by(viewer).filter(created_at__lt=coe.created_at)
    service, category = _shared_service(coe), _shared_category(coe)
    found, text_score = _alike_words(coe)
    conditions = [Exists(rows) for rows in (service, category) if rows is not None]
    if found is not None:
        conditions.append(found)
    if not conditions:
        return []
    pools = [_newest(earlier.filter(condition)) for condition in conditions]
    rows = (
        Coe.objects.filter(pk__in=pools[0].union(*pools[1:]))
        .select_related("team")
        .only("title", "status", "created_at", "team__name")
        .annotate(
            shared_service=_first(service, "service__name"),
            shared_category=_first(category, "category"),
            text_score=text_score,
            lessons_html=Subquery(
                CoeText.objects.filter(coe=OuterRef("pk"), key="lessons").values("body_html")
            ),
            item_counts=_item_counts(),
        )
        .annotate(score=_score())
        .filter(score__gte=SIMILAR_TEXT)
        .order_by("-score", "-created_at", "-pk")[:limit]
    )
    return [
        SimilarCoe(
            coe=row,
            reasons=_reasons(row),
            lessons_html=row.lessons_html,
            items=items_state(row.item_counts),
        )
        for row in rows
    ]


def _newest(coes: QuerySet) -> QuerySet:
    """The keys of the newest CANDIDATES of `coes`, in a query that may join a UNION (SQLite
    takes no LIMIT directly inside one)."""
    newest = coes.order_by("-created_at", "-pk").values("pk")[:CANDIDATES]
    return Coe.objects.filter(pk__in=newest).values("pk")


def items_state(counts: dict | None) -> str:
    """How a COE's items stand, as "3 of 4 done; 1 won't do; 1 overdue" (by the one overdue
    rule, actions.models.overdue_q), or "No action items"."""
    if not counts or not counts["all"]:
        return "No action items"
    state = [f"{counts['done']} of {counts['all']} done"]
    if counts["wont_do"]:
        state.append(f"{counts['wont_do']} won't do")
    if counts["overdue"]:
        state.append(f"{counts['overdue']} overdue")
    return "; ".join(state)


def _shared_service(coe: Coe) -> QuerySet | None:
    """An earlier COE's incident's affected services that this COE's incident affected too."""
    if coe.incident_id is None:
        return None
    affected = Incident.services.through.objects
    mine = affected.filter(incident=coe.incident_id).values("service_id")
    return affected.filter(incident=OuterRef("incident_id"), service__in=mine).order_by(
        "service__name"
    )


def _shared_category(coe: Coe) -> QuerySet | None:
    """An earlier COE's factors of a category this COE's factors have. "Other" is no likeness:
    it is what a factor is until its writer picks a category."""
    categories = {factor.category for factor in coe.factors.all()} - {FactorCategory.OTHER}
    if not categories:
        return None
    return ContributingFactor.objects.filter(
        coe=OuterRef("pk"), category__in=sorted(categories)
    ).order_by("category")


def _first(rows: QuerySet | None, field: str) -> Expression:
    """The `field` of the first of `rows`; NULL where this COE gives no such signal."""
    if rows is None:
        return Value(None, output_field=CharField())
    return Subquery(rows.values(field)[:1])


def _alike_words(coe: Coe) -> tuple[Expression | Q | None, Expression]:
    """Which earlier COEs hold this COE's words, and how many of them each holds (a score)."""
    if search.uses_full_text():
        query = search.terms_query(coe.title, _own_text(coe), most=QUERY_TERMS)
        # ts_rank of an OR is the mean over its terms; times their number, the sum.
        terms = (Func(query, function="numnode", output_field=IntegerField()) + 1) / 2
        score = SearchRank(F("search"), query) * terms
        return search.found_by(query), Coalesce(score, 0.0, output_field=FloatField())
    words = set(TITLE_WORD.findall(coe.title.lower()))
    words = sorted(words, key=lambda word: (-len(word), word))[:TITLE_WORDS]
    if not words:
        return None, Value(0.0)
    found = reduce(Q.__or__, (Q(title__icontains=word) for word in words))
    # Two words of a title in common make texts alike, as on PostgreSQL.
    hit = SIMILAR_TEXT / 2
    hits = (Case(When(title__icontains=word, then=hit), default=0.0) for word in words)
    return found, reduce(add, hits)


def _own_text(coe: Coe) -> str:
    """The words this COE is about besides its title: its summary and its five whys, each cut
    to what the search indexes."""
    whys = "\n".join(
        "\n".join([factor.title, *(f"{s.why}\n{s.because}" for s in factor.steps.all())])
        for factor in coe.factors.all()
    )
    cut = search.INDEXED_CHARS
    return f"{coe.text('summary').body[:cut]}\n{whys[:cut]}"


def _score() -> Expression:
    service = Case(When(shared_service__isnull=False, then=SERVICE_BOOST), default=0.0)
    category = Case(When(shared_category__isnull=False, then=CATEGORY_BOOST), default=0.0)
    return F("text_score") + service + category


def _item_counts() -> Subquery:
    """The COE's items counted in one pass: all, done, won't do and overdue (a JSON object;
    NULL when it has none)."""
    counts = JSONObject(
        all=Count("pk"),
        done=Count("pk", filter=Q(status=ItemStatus.DONE)),
        wont_do=Count("pk", filter=Q(status=ItemStatus.WONT_DO)),
        overdue=Count("pk", filter=overdue_q()),
    )
    items = ActionItem.objects.filter(coe=OuterRef("pk")).order_by().values("coe")
    return Subquery(items.annotate(counts=counts).values("counts"), output_field=JSONField())


def _reasons(row: Coe) -> list[str]:
    reasons = []
    if row.shared_service:
        reasons.append(f"Same service: {row.shared_service}")
    if row.shared_category:
        reasons.append(f"Same category: {FactorCategory(row.shared_category).label}")
    if row.text_score >= SIMILAR_TEXT:
        reasons.append("Similar text")
    return reasons
