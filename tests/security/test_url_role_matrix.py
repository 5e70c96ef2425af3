"""Every URL, every role: the answer and, for writes, the effect, as table.py says.

A cell signs in as the role (or not), reaches any state the write needs, and asks. An allowed
write must leave its effect in the database; a refused request must leave every table as it was.
"""

from urllib.parse import urlsplit

import pytest
from django.contrib import admin
from django.test import Client
from django.urls import NoReverseMatch, reverse

from opsreview.org.models import OutboxMessage
from tests.org.factories import UserFactory
from tests.project import project_url_names

from .fingerprint import changed_tables, database_fingerprint
from .table import (
    ACTOR,
    DENIED,
    IGNORED,
    LOGIN,
    NOT_ALLOWED,
    NOT_FOUND,
    OK,
    SIGNED_OUT,
    TABLE,
    Row,
)
from .world import ROLES, World

pytestmark = pytest.mark.django_db


class PolicyBreach(AssertionError):
    """A request the policy refuses changed the database: the hole itself, not a symptom.

    Cells the code gets wrong today expect exactly this, so a fix that refuses in some other
    way than the table says (a 422 instead of a 403, say) fails loudly instead of staying xfailed.
    """


def _cell(row: Row, role: str):
    marks = []
    if role in row.xfail:
        marks.append(pytest.mark.xfail(strict=True, raises=PolicyBreach, reason=row.xfail[role]))
    return pytest.param(row, role, id=f"{row.label} as {role}", marks=marks)


CELLS = [_cell(row, role) for row in TABLE for role in ROLES]


def _ask(client: Client, world: World, row: Row, person):
    path = reverse(row.name, kwargs=row.args(world))
    if row.method == "GET":
        return client.get(path, row.query(world) if row.query else None)
    data = row.data(world) if row.data else {}
    actor = person.pk if person else ""
    data = {key: actor if value == ACTOR else value for key, value in data.items()}
    if row.json:
        return client.post(path, data, content_type="application/json")
    return client.post(path, data)


def _sign_in_pages() -> set[str]:
    return {reverse("login"), reverse("admin:login")}


@pytest.mark.parametrize(("row", "role"), CELLS)
def test_each_role_gets_what_the_policy_says(client, world, row, role):
    if row.setup:
        row.setup(world)
    person = world.person(role)
    if person is not None:
        client.force_login(person)
    before = database_fingerprint()

    response = _ask(client, world, row, person)

    status = response.status_code
    changed = changed_tables(before, database_fingerprint())
    expected = row.expect[role]
    if expected == OK and row.method == "GET":
        assert status == 200, f"expected 200, got {status}"
        assert changed == [], "a GET wrote to the database"
    elif expected == OK:
        assert 200 <= status < 400, f"expected success, got {status}"
        assert row.effect(world, response), f"answered {status} but the effect is missing"
    elif expected == IGNORED:
        assert 200 <= status < 400, f"expected success, got {status}"
        assert not row.effect(world, response), "the protected field changed"
    else:
        if changed:
            raise PolicyBreach(
                f"should be refused ({expected}), answered {status}, wrote {changed}"
            )
        if expected == LOGIN:
            assert status == 302, f"expected a redirect to sign in, got {status}"
            assert urlsplit(response["Location"]).path in _sign_in_pages()
        else:
            expected_status = {
                DENIED: 403,
                NOT_FOUND: 404,
                NOT_ALLOWED: 405,
                SIGNED_OUT: 401,
            }[expected]
            assert status == expected_status, f"expected {expected_status}, got {status}"


def test_every_url_pattern_is_in_the_table():
    in_table = {row.name for row in TABLE}
    missing = project_url_names() - in_table
    assert sorted(missing) == [], "add these URLs to tests/security/table.py"
    assert "admin:index" in in_table


def test_every_row_names_a_url_that_still_exists(world):
    stale = []
    for row in TABLE:
        try:
            reverse(row.name, kwargs=row.args(world))
        except NoReverseMatch:
            stale.append(row.label)
    assert stale == []


def test_every_url_has_a_get_row_and_every_post_row_an_effect_to_check():
    methods = {}
    for row in TABLE:
        methods.setdefault(row.name, set()).add(row.method)
    assert [name for name, seen in methods.items() if "GET" not in seen] == []
    assert [row.label for row in TABLE if row.method == "POST" and row.effect is None] == []


READ_ONLY_URLS = sorted(
    {row.name for row in TABLE} - {row.name for row in TABLE if row.method == "POST"}
)


@pytest.mark.parametrize("name", READ_ONLY_URLS)
def test_pages_that_are_not_write_paths_change_nothing_when_posted_to(client, world, name):
    """Even for staff, the most allowed role: a URL with no write in the table only reads."""
    client.force_login(world.person("staff"))
    row = next(row for row in TABLE if row.name == name)
    before = database_fingerprint()

    response = client.post(reverse(name, kwargs=row.args(world)), {"title": "x", "page": "2"})

    assert response.status_code < 500
    assert changed_tables(before, database_fingerprint()) == []


@pytest.mark.parametrize("name", ["reports:outbox_detail", "reports:outbox_html"])
def test_staff_only_pages_do_not_tell_others_which_ids_exist(client, world, name):
    client.force_login(world.person("manager"))
    existing = client.get(reverse(name, args=[world.message.pk]))
    missing = client.get(reverse(name, args=[OutboxMessage.objects.order_by("pk").last().pk + 1]))
    assert (existing.status_code, missing.status_code) == (403, 403)


def _model_admin_changelists() -> list[str]:
    return sorted(
        f"admin:{model._meta.app_label}_{model._meta.model_name}_changelist"
        for model in admin.site._registry
    )


@pytest.mark.parametrize("name", _model_admin_changelists())
def test_every_admin_list_is_closed_to_non_staff_and_to_staff_without_permission(client, name):
    path = reverse(name)
    client.force_login(UserFactory())
    response = client.get(path)
    assert response.status_code == 302
    assert urlsplit(response["Location"]).path == reverse("admin:login")

    client.force_login(UserFactory(is_staff=True))
    assert client.get(path).status_code == 403
