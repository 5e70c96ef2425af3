"""Keyset pagination: "Next" and "Previous" from the last and first row shown, never a COUNT.

A page is fetched by `WHERE (a, b) > (last a, last b) ORDER BY a, b LIMIT size + 1`, which an
index on (a, b) serves at any depth; OFFSET pages would read every row before them, and a page
count would count every row that matches.
"""

from dataclasses import dataclass
from datetime import date, datetime

from django.core.exceptions import ValidationError
from django.db.models import Q, QuerySet
from django.http import QueryDict
from django.utils import timezone

CURSOR_PARAMETERS = ("after", "before")
MAX_ID = 2**63 - 1


@dataclass
class KeysetPage:
    object_list: list
    next_query: str = ""  # the query string of the next page, "" on the last
    previous_query: str = ""

    @property
    def has_next(self) -> bool:
        return bool(self.next_query)

    @property
    def has_other_pages(self) -> bool:
        return bool(self.next_query or self.previous_query)


def _field_name(ordering: str) -> str:
    return ordering.removeprefix("-")


def _value_of(row, ordering: str):
    return getattr(row, _field_name(ordering))


def _encode(value) -> str:
    return value.isoformat() if isinstance(value, date | datetime) else str(value)


def _cursor_of(row, ordering: tuple[str, ...]) -> str:
    return "~".join(_encode(_value_of(row, field)) for field in ordering)


def _parse(queryset: QuerySet, ordering: tuple[str, ...], cursor: str) -> list | None:
    """The cursor's values, or None if it is not one this ordering wrote (then page one)."""
    # Only the first field may hold "~" (a name): the others are dates and numbers.
    parts = cursor.rsplit("~", len(ordering) - 1)
    if len(parts) != len(ordering) or len(cursor) > 200:
        return None
    values = []
    for part, field in zip(parts, ordering, strict=True):
        name = _field_name(field)
        model_field = (
            queryset.model._meta.pk if name == "pk" else queryset.model._meta.get_field(name)
        )
        try:
            value = model_field.to_python(part)
        except (ValidationError, ValueError, OverflowError):
            return None
        if value is None or (isinstance(value, int) and not 0 <= value <= MAX_ID):
            return None
        if isinstance(value, datetime) and timezone.is_naive(value):
            return None  # this module writes every time with its offset
        values.append(value)
    return values


def _beyond(ordering: tuple[str, ...], values: list, *, forward: bool) -> Q:
    """Rows after the cursor (before it when not forward), in a form an index range serves:
    `a >= x AND (a > x OR b > y)` rather than `a > x OR (a = x AND b > y)`."""
    first, *rest = ordering
    descending = first.startswith("-") == forward
    name = _field_name(first)
    strict = Q(**{f"{name}__{'lt' if descending else 'gt'}": values[0]})
    if not rest:
        return strict
    bound = Q(**{f"{name}__{'lte' if descending else 'gte'}": values[0]})
    return bound & (strict | _beyond(tuple(rest), values[1:], forward=forward))


def _reversed(ordering: tuple[str, ...]) -> list[str]:
    return [field.removeprefix("-") if field.startswith("-") else f"-{field}" for field in ordering]


def keyset_page(
    queryset: QuerySet, *, ordering: tuple[str, ...], size: int, query: QueryDict
) -> KeysetPage:
    """The page of `queryset` (ordered by `ordering`, whose last field is unique) that the
    request's `after` or `before` cursor asks for; page one without (or with a broken) one."""
    base = query.copy()
    for parameter in (*CURSOR_PARAMETERS, "page"):
        base.pop(parameter, None)
    after, before = query.get("after"), query.get("before")
    cursor = after or before
    values = _parse(queryset, ordering, cursor) if cursor else None
    forward = values is None or not before or bool(after)
    rows = queryset
    if values is not None:
        rows = rows.filter(_beyond(ordering, values, forward=forward))
    rows = list(rows.order_by(*(ordering if forward else _reversed(ordering)))[: size + 1])
    more = len(rows) > size
    rows = rows[:size]
    if not forward:
        rows.reverse()
    has_next = more if forward else True
    has_previous = values is not None if forward else more
    return KeysetPage(
        object_list=rows,
        next_query=_link(base, "after", rows[-1], ordering) if has_next and rows else "",
        previous_query=_link(base, "before", rows[0], ordering) if has_previous and rows else "",
    )


def _link(base: QueryDict, parameter: str, row, ordering: tuple[str, ...]) -> str:
    query = base.copy()
    query[parameter] = _cursor_of(row, ordering)
    return query.urlencode()
