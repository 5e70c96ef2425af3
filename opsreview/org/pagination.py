"""Long lists at organisation scale: the keyset orderings the lists use (see keyset.py: a page
costs one indexed query however deep it is, with no COUNT(*)), and excerpts for panels that
show a list's first rows and count the rest."""

from django.db.models import Func, IntegerField, QuerySet, Subquery
from django.db.models.expressions import Star
from django.http import QueryDict

from .keyset import KeysetPage, keyset_page


def page_by_name(queryset: QuerySet, params: QueryDict, size: int) -> KeysetPage:
    """Rows ordered by their unique `name`, `size` at a time."""
    return keyset_page(queryset, ordering=("name",), size=size, query=params)


def page_newest_first(
    queryset: QuerySet, params: QueryDict, size: int, *, field: str
) -> KeysetPage:
    """Rows newest first by `field` then pk, `size` at a time."""
    return keyset_page(queryset, ordering=(f"-{field}", "-pk"), size=size, query=params)


class Excerpt(list):
    """The first rows of a list too long to show whole, and how many rows there are in all."""

    def __init__(self, rows=(), total: int | None = None):
        super().__init__(rows)
        self.total = len(self) if total is None else total

    @property
    def more(self) -> int:
        return max(self.total - len(self), 0)


def count_subquery(rows: QuerySet) -> Subquery:
    """How many `rows` there are, as a subquery: uncorrelated, the database runs it once."""
    # COUNT(*), not COUNT(id): an index without the id (status, completed_at, say) can count
    # the rows alone, without visiting the table.
    return Subquery(
        rows.order_by()
        .annotate(n=Func(Star(), function="COUNT", output_field=IntegerField()))
        .values("n")
    )


def excerpt(queryset: QuerySet, limit: int, *, total=None) -> Excerpt:
    """The first `limit` rows and the count of all of them, in one query: the count is a
    subquery the database runs once, so the rows still come from an index, LIMIT deep.
    `total` counts them another way (an expression), when an index counts them cheaper."""
    total = count_subquery(queryset) if total is None else total
    rows = list(queryset.annotate(listed_total=total)[:limit])
    return Excerpt(rows, rows[0].listed_total if rows else 0)
