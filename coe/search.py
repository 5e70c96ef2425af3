"""Finding COEs by their words.

On PostgreSQL each COE keeps a weighted full-text vector of its title, sections and five whys
(Coe.search, GIN-indexed), recomputed by refresh_search_vectors() whenever one of them changes;
searches are ranked and their snippets highlighted by the database (ts_headline). Elsewhere
(SQLite) search is a plain case-insensitive substring match over the same texts, newest first.
"""

import re
from functools import cached_property

from django.contrib.postgres.search import (
    SearchQuery,
    SearchQueryField,
    SearchRank,
    SearchVector,
)
from django.db import connection, transaction
from django.db.models import (
    BooleanField,
    Count,
    Exists,
    F,
    Func,
    OuterRef,
    Q,
    QuerySet,
    StringAgg,
    Subquery,
    TextField,
    Value,
    Window,
)
from django.db.models.expressions import RawSQL
from django.db.models.functions import Coalesce, Concat, Left
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

CONFIG = "english"
# Words in the title count most, then the summary and impact, then everything else.
WEIGHTED_TEXTS = {"B": ("summary", "impact")}
OTHER_WEIGHT = "C"
# Only the start of each text is indexed: whatever is pasted, the vector stays far below
# PostgreSQL's 1 MB limit for a tsvector (a real section is a few KB).
INDEXED_CHARS = 20_000
# Highlight markers ts_headline puts around matches; characters no keyboard types, so the
# snippet can be escaped as a whole and only these become <mark> tags.
START, STOP = "\ue000", "\ue001"
# How many matches a search ranks and pages through: 8 pages of 25, more than it counts (100).
RANKED_MATCHES = 200
HEADLINE_CHARS = 800  # of text around the first match, given to ts_headline
HEADLINE_OPTIONS = (
    f'StartSel="{START}", StopSel="{STOP}", MaxWords=30, MinWords=12, MaxFragments=2, '
    'FragmentDelimiter=" … "'
)


def uses_full_text() -> bool:
    return connection.vendor == "postgresql"


def _joined_texts(text_model, keys: tuple[str, ...] | None = None, exclude=()) -> Subquery:
    """The COE's texts (those of `keys`, or all but `exclude`) joined into one, in key order."""
    texts = text_model.objects.filter(coe=OuterRef("pk")).exclude(key__in=exclude)
    if keys is not None:
        texts = texts.filter(key__in=keys)
    joined = StringAgg(Left("body", INDEXED_CHARS), Value("\n\n"), order_by="key")
    return Subquery(texts.values("coe").annotate(joined=joined).values("joined"))


def _joined_five_whys(factor_model) -> Subquery:
    """The COE's contributing factors joined into one text, in the order the page shows them:
    each factor's title, then its why → because steps; cut to INDEXED_CHARS, as a COE may hold
    many long chains. Steps are read per factor (by its index), never scanned across COEs."""
    step_model = factor_model._meta.get_field("steps").related_model
    steps = step_model.objects.filter(factor=OuterRef("pk")).values("factor")
    chain = StringAgg(
        Concat("why", Value("\n"), "because", output_field=TextField()),
        Value("\n"),
        order_by="position",
    )
    chain = Subquery(steps.annotate(chain=chain).values("chain"), output_field=TextField())
    chain = Coalesce(chain, Value(""), output_field=TextField())
    factor = Concat("title", Value("\n"), chain, output_field=TextField())
    factors = factor_model.objects.filter(coe=OuterRef("pk")).values("coe")
    joined = StringAgg(factor, Value("\n\n"), order_by=("created_at", "pk"))
    return Subquery(factors.annotate(joined=Left(joined, INDEXED_CHARS)).values("joined"))


def refresh_search_vectors(coes: QuerySet) -> int:
    """Recompute the search vector of every COE in `coes` with one UPDATE; returns how many.

    Called after every write to a title, a section or a factor, by the migrations that built
    the vectors and by anything that inserts COEs in bulk. Works on historical (migration)
    models too. A no-op where the database has no full-text search.
    """
    if not uses_full_text():
        return 0
    with transaction.atomic():
        # Lock first: the UPDATE then reads (in a snapshot of its own) every text committed by
        # whoever held the lock before, so two sections saved at once both reach the vector.
        list(coes.select_for_update(no_key=True).order_by("pk").values_list("pk"))
        return coes.order_by().update(search=_vector(coes.model))


def _vector(coe_model) -> SearchVector:
    text_model = coe_model._meta.get_field("texts").related_model
    vector = SearchVector("title", config=CONFIG, weight="A")
    weighted = tuple(key for keys in WEIGHTED_TEXTS.values() for key in keys)
    for weight, keys in WEIGHTED_TEXTS.items():
        vector += SearchVector(_joined_texts(text_model, keys), config=CONFIG, weight=weight)
    others = _joined_texts(text_model, exclude=weighted)
    five_whys = _joined_five_whys(coe_model._meta.get_field("factors").related_model)
    return vector + SearchVector(others, five_whys, config=CONFIG, weight=OTHER_WEIGHT)


def search_query(q: str) -> SearchQuery:
    """Words as people type them into a search box: "quoted phrases", or, -excluded.
    websearch_to_tsquery accepts any text without a syntax error."""
    return SearchQuery(q, search_type="websearch", config=CONFIG)


def matches(coes: QuerySet, q: str) -> QuerySet:
    """The COEs among `coes` whose title or sections hold the words of `q` (in any order)."""
    if uses_full_text():
        return coes.filter(search=search_query(q))
    text_model = coes.model._meta.get_field("texts").related_model
    in_texts = text_model.objects.filter(coe=OuterRef("pk"), body__icontains=q)
    return coes.filter(Q(title__icontains=q) | Exists(in_texts))


# A text's own words as a query: its most telling lexemes OR-ed, chosen by the database and
# quoted as a tsvector prints them, so any text makes a valid query of exactly its lexemes.
TERMS_SQL = (
    "(SELECT string_agg(array_to_tsvector(ARRAY[lexeme])::text, ' | ')::tsquery"
    " FROM (SELECT lexeme FROM unnest(%(expressions)s)"
    " ORDER BY 'A' = ANY(weights) DESC, cardinality(positions) DESC, length(lexeme) DESC, lexeme"
    " LIMIT %(most)s) AS terms)"
)


def terms_query(title: str, text: str, *, most: int) -> Func:
    """A query for COEs like `title` and `text`: an OR of their `most` most telling lexemes,
    the title's first, then those the text repeats most. NULL when they hold no words."""
    words = SearchVector(Value(title), config=CONFIG, weight="A") + SearchVector(
        Value(text), config=CONFIG
    )
    return Func(words, template=TERMS_SQL, most=int(most), output_field=SearchQueryField())


def found_by(query: Func) -> Func:
    """`search @@ query` as a condition, served by the GIN index (filter(search=…) takes only
    a SearchQuery)."""
    return Func(
        F("search"),
        query,
        arg_joiner=" @@ ",
        template="(%(expressions)s)",
        output_field=BooleanField(),
    )


class RankedMatches:
    """The newest RANKED_MATCHES matches of `found`, best first, then newest: ranked in the
    same pass that finds them (each match's vector is read once), in one query of ids and
    ranks. Sliced, it loads the COEs of the slice only, as `rows` loads them, each with
    `found_total`: how many were ranked."""

    def __init__(self, rows: QuerySet, found: QuerySet, q: str):
        self.rows, self.found, self.q = rows, found, q

    @cached_property
    def ranked(self) -> list[int]:
        newest = (
            self.found.order_by("-created_at", "-pk")
            .annotate(rank=SearchRank(F("search"), search_query(self.q)))
            .values_list("rank", "created_at", "pk")[:RANKED_MATCHES]
        )
        return [pk for _, _, pk in sorted(newest, reverse=True)]

    def __getitem__(self, part: slice) -> list:
        ids = self.ranked[part]
        loaded = self.rows.in_bulk(ids)
        shown = [loaded[pk] for pk in ids if pk in loaded]
        for coe in shown:
            coe.found_total = len(self.ranked)
        return shown


def best_first(rows: QuerySet, found: QuerySet, q: str) -> QuerySet | RankedMatches:
    """The COEs of `found` (from matches()), loaded as `rows` loads them, best match first and
    then newest; newest first where there is no ranking.

    Ranking reads each match's whole vector, so only the newest RANKED_MATCHES are ranked: a
    word in most COEs ("rollback") costs what a rarer one does. The list shows no more anyway.

    Each row also carries `found_total`: how many matches there are (at most RANKED_MATCHES
    where they are ranked), counted by the query that finds them.
    """
    if not uses_full_text():
        found_total = Window(Count("pk"))
        return found.annotate(found_total=found_total).order_by("-created_at", "-pk")
    return RankedMatches(rows, found, q)


def snippets(coes: list, q: str) -> dict[int, SafeString]:
    """For the COEs shown (one page), a short escaped passage of their text with `q` marked."""
    if not coes:
        return {}
    model = type(coes[0])
    ids = [coe.pk for coe in coes]
    if not uses_full_text():
        return _substring_snippets(model, ids, q)
    texts = _joined_texts(model._meta.get_field("texts").related_model)
    stems = RawSQL("tsvector_to_array(to_tsvector(%s::regconfig, %s))", (CONFIG, q))
    docs = model.objects.filter(pk__in=ids).annotate(doc=texts, stems=stems)
    parts = [
        (pk, _around_a_match(doc or "", stems))
        for pk, doc, stems in docs.values_list("pk", "doc", "stems")
    ]
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT ts_headline(%s::regconfig, part, websearch_to_tsquery(%s::regconfig, %s), %s)"
            " FROM unnest(%s::text[]) WITH ORDINALITY AS t(part, n) ORDER BY n",
            [CONFIG, CONFIG, q, HEADLINE_OPTIONS, [part for _, part in parts]],
        )
        headlines = [headline for (headline,) in cursor.fetchall()]
    return {pk: _marked(text) for (pk, _), text in zip(parts, headlines, strict=True) if text}


def _around_a_match(text: str, stems: list[str]) -> str:
    """The part of `text` around the first place one of the query's stems occurs (or its
    start): ts_headline parses all it is given, and a COE is ten times what a snippet needs."""
    lowered = text.lower()
    places = [at for stem in stems or () if (at := lowered.find(stem)) >= 0]
    start = max(min(places, default=0) - HEADLINE_CHARS // 4, 0)
    return text[start : start + HEADLINE_CHARS]


def _marked(headline: str) -> SafeString:
    """ts_headline's output, escaped, with its match markers (and nothing else) as <mark>."""
    parts = []
    for number, piece in enumerate(" ".join(headline.split()).split(START)):
        inside, _, after = piece.partition(STOP) if number else ("", "", piece)
        if inside:
            parts.append(f"<mark>{escape(inside)}</mark>")
        parts.append(escape(after.replace(STOP, "")))
    return mark_safe("".join(parts))  # noqa: S308 - every piece escaped above


SENTENCE_END = re.compile(r"[.!?]\s|\n")
SNIPPET_CHARS = 240
WHITESPACE = re.compile(r"\s+")


def _substring_snippets(model, ids: list[int], q: str) -> dict[int, SafeString]:
    text_model = model._meta.get_field("texts").related_model
    texts = text_model.objects.filter(coe_id__in=ids, body__icontains=q).order_by("coe_id", "key")
    found = {}
    for coe_id, body in texts.values_list("coe_id", "body"):
        if coe_id not in found and (snippet := sentence_with(body, q)):
            found[coe_id] = snippet
    return found


def sentence_with(text: str, q: str) -> SafeString | None:
    """The sentence of `text` holding `q` (cut to a readable length), escaped, `q` marked."""
    match = re.search(re.escape(q), text, re.IGNORECASE)
    if match is None:
        return None
    start = cut = max(0, match.start() - SNIPPET_CHARS // 2)
    for boundary in SENTENCE_END.finditer(text, cut, match.start()):
        start = boundary.end()  # the last sentence end before the match
    sentence_end = SENTENCE_END.search(text, match.end())
    end = sentence_end.start() + 1 if sentence_end else len(text)
    end = min(end, max(match.end(), start + SNIPPET_CHARS))
    before = WHITESPACE.sub(" ", text[start : match.start()]).lstrip()
    after = WHITESPACE.sub(" ", text[match.end() : end]).rstrip()
    lead = "… " if start == cut > 0 else ""
    tail = " …" if end < len(text) and text[end - 1] not in ".!?\n" else ""
    return mark_safe(  # noqa: S308 - every piece escaped
        f"{lead}{escape(before)}<mark>{escape(match.group())}</mark>{escape(after)}{tail}"
    )
