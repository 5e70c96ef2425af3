"""Long lists at organisation scale. Keyset pagination for lists that grow without bound: each
page starts after the last row of the one before, so a page costs one indexed query however deep
it is, with no COUNT(*). Excerpts for panels that show a list's first rows and count the rest."""

from dataclasses import dataclass
from datetime import datetime

from django.db.models import F, Func, Q, QuerySet, Subquery
from django.http import QueryDict
from django.utils.dateparse import parse_datetime


@dataclass
class KeysetPage:
    object_list: list
    is_first: bool
    first_query: str  # the query string of the first page: the same filters, no cursor
    next_query: str  # the query string of the next page, "" on the last

    @property
    def has_next(self) -> bool:
        return bool(self.next_query)


def _page(rows: list, size: int, params: QueryDict, *, is_first: bool, cursor) -> KeysetPage:
    """`rows` holds up to size + 1 rows: one more than shown says there is a next page."""
    query = params.copy()
    query.pop("after", None)
    first_query = query.urlencode()
    next_query = ""
    if len(rows) > size:
        query["after"] = cursor(rows[size - 1])
        next_query = query.urlencode()
    return KeysetPage(rows[:size], is_first, first_query, next_query)


def page_by_name(queryset: QuerySet, params: QueryDict, size: int) -> KeysetPage:
    """Rows ordered by their unique `name`, `size` at a time; `?after=<name>` is the cursor."""
    after = params.get("after", "")[:200]
    rows = queryset.order_by("name")
    if after:
        rows = rows.filter(name__gt=after)
    rows = list(rows[: size + 1])
    return _page(rows, size, params, is_first=not after, cursor=lambda row: row.name)


def _newest_cursor(value: str) -> tuple[datetime, int] | None:
    moment, _, pk = value.partition("~")
    when = parse_datetime(moment) if len(moment) <= 40 else None
    if when is None or not pk.isdecimal() or len(pk) > 18:
        return None
    return when, int(pk)


def page_newest_first(
    queryset: QuerySet, params: QueryDict, size: int, *, field: str
) -> KeysetPage:
    """Rows newest first by `field` then pk, `size` at a time; `?after=<iso time>~<pk>` is the
    cursor (an unreadable one starts from the newest)."""
    after = params.get("after", "")
    cursor = _newest_cursor(after)
    rows = queryset.order_by(f"-{field}", "-pk")
    if cursor:
        when, pk = cursor
        rows = rows.filter(Q(**{f"{field}__lt": when}) | Q(**{field: when, "pk__lt": pk}))
    rows = list(rows[: size + 1])
    return _page(
        rows,
        size,
        params,
        is_first=cursor is None,
        cursor=lambda row: f"{getattr(row, field).isoformat()}~{row.pk}",
    )


class Excerpt(list):
    """The first rows of a list too long to show whole, and how many rows there are in all."""

    def __init__(self, rows=(), total: int | None = None):
        super().__init__(rows)
        self.total = len(self) if total is None else total

    @property
    def more(self) -> int:
        return max(self.total - len(self), 0)


def excerpt(queryset: QuerySet, limit: int) -> Excerpt:
    """The first `limit` rows and the count of all of them, in one query: the count is a
    subquery the database runs once, so the rows still come from an index, LIMIT deep."""
    count = queryset.order_by().annotate(n=Func(F("pk"), function="COUNT")).values("n")
    rows = list(queryset.annotate(listed_total=Subquery(count))[:limit])
    return Excerpt(rows, rows[0].listed_total if rows else 0)
