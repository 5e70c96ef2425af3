"""A page's database queries must not grow with the data: counted at two sizes, the same.

    def test_incident_list_queries(client, ...):
        client.force_login(person)
        assert_query_budget(client, "/incidents/", grow=lambda: make_incidents(40))

`grow` adds rows the page would show (or filter, or count); the page is fetched once to warm
per-process caches, counted, grown, counted again. Both counts must match and stay within
QUERY_BUDGET, the most queries any page may make.
"""

from collections.abc import Callable

from django.db import connection
from django.test.utils import CaptureQueriesContext

QUERY_BUDGET = 15


def count_queries(client, url: str, *, method: str = "get", data=None, status: int = 200) -> int:
    with CaptureQueriesContext(connection) as captured:
        response = getattr(client, method)(url, data or {})
    assert response.status_code == status, (url, response.status_code)
    return len(captured.captured_queries)


def assert_query_budget(
    client,
    url: str,
    *,
    grow: Callable[[], object],
    budget: int = QUERY_BUDGET,
    method: str = "get",
    data=None,
    status: int = 200,
) -> tuple[int, int]:
    """The page makes the same number of queries, at most `budget`, before and after `grow`."""
    count_queries(client, url, method=method, data=data, status=status)  # warm caches
    small = count_queries(client, url, method=method, data=data, status=status)
    grow()
    large = count_queries(client, url, method=method, data=data, status=status)
    assert small == large, f"{url}: {small} queries with little data, {large} with more"
    assert large <= budget, f"{url}: {large} queries, more than the budget of {budget}"
    return small, large
