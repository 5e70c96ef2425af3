"""A fingerprint of every row the project stores: equal fingerprints mean nothing was written."""

import hashlib

from django.apps import apps
from django.db import connection

IGNORED_TABLES = {
    # Sessions change on every sign-in and sign-out: who is signed in, not what is stored.
    "django_session",
    # The audit log records every refusal: a refused request writes there by design.
    "org_auditevent",
}


def _tables() -> list[tuple[str, str]]:
    models = apps.get_models(include_auto_created=True)
    return sorted(
        {
            (model._meta.db_table, model._meta.pk.column)
            for model in models
            if model._meta.managed and model._meta.db_table not in IGNORED_TABLES
        }
    )


def database_fingerprint() -> dict[str, str]:
    """Per table, a digest of all its rows in primary-key order."""
    quote = connection.ops.quote_name
    digests = {}
    with connection.cursor() as cursor:
        for table, pk in _tables():
            cursor.execute(f"SELECT * FROM {quote(table)} ORDER BY {quote(pk)}")  # noqa: S608
            digests[table] = hashlib.sha256(repr(cursor.fetchall()).encode()).hexdigest()
    return digests


def changed_tables(before: dict[str, str], after: dict[str, str]) -> list[str]:
    return sorted(
        table for table in before.keys() | after.keys() if before.get(table) != after.get(table)
    )
