"""Indexes that let the people picker's prefix search (UPPER(column) LIKE 'TEXT%') and its
exact, case-insensitive lookups read an index on PostgreSQL instead of scanning every person.
auth_user belongs to Django, so they are made here, where people are searched. SQLite scans
(cheap at its sizes)."""

from django.db import migrations

COLUMNS = ["username", "first_name", "last_name", "email"]


def _index(column: str) -> str:
    return f"org_person_upper_{column}"


def create(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for column in COLUMNS:
        schema_editor.execute(
            f"CREATE INDEX IF NOT EXISTS {_index(column)} "
            f"ON auth_user (UPPER({column}::text) text_pattern_ops)"
        )


def drop(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for column in COLUMNS:
        schema_editor.execute(f"DROP INDEX IF EXISTS {_index(column)}")


class Migration(migrations.Migration):
    dependencies = [
        ("org", "0001_initial"),
        ("auth", "0012_alter_user_first_name_max_length"),
    ]

    operations = [migrations.RunPython(create, drop)]
