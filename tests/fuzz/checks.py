"""What every answer to hostile input must hold, and how the fuzzer tells."""

import re
import zlib
from functools import cache

from django.apps import apps
from django.contrib.messages import ERROR, get_messages
from django.db import connection
from django.http import HttpResponse

from tests.project import project_app_configs

# Every table a request to the project can write, with users (whose sign-in time is left out).
USER_COLUMNS_SKIPPED = {"last_login"}
# Tables that record requests rather than hold state (an audit trail written on refusals, say)
# belong here, by db_table; sessions and sign-in throttling live outside the project's apps.
RECORDS_OF_REQUESTS: set[str] = {
    "org_auditevent",
    "axes_accessattempt",
    "axes_accessfailurelog",
}

ALERT = re.compile(r'role="alert"[^>]*>(.*?)</(?:p|div|li|span|section)>', re.S)
FORM_ERROR = re.compile(r'class="(?:field-error|form-errors)"')
ERROR_MESSAGE = re.compile(r'class="message message-error[^"]*">(.*?)</li>', re.S)
MAIN = re.compile(r"<main\b[^>]*>(.*?)</main>", re.S)
TAG = re.compile(r"<[^>]+>")
# Error pages whose words are the whole answer: bad request, not allowed, not found.
ERROR_PAGES = {400, 403, 404}


@cache
def _tables() -> list[tuple[str, str, list[str]]]:
    tables = []
    models = [m for config in project_app_configs() for m in config.get_models(True)]
    for model in [*models, apps.get_model("auth", "User")]:
        if model._meta.db_table in RECORDS_OF_REQUESTS:
            continue
        columns = [f.column for f in model._meta.concrete_fields]
        columns = [c for c in columns if c not in USER_COLUMNS_SKIPPED]
        tables.append((model._meta.db_table, model._meta.pk.column, columns))
    return tables


def fingerprint() -> dict[str, int]:
    """A checksum of every row of every table the project writes, by table (plain SQL: this
    runs after most examples)."""
    prints = {}
    with connection.cursor() as cursor:
        for table, pk, columns in _tables():
            quote = connection.ops.quote_name
            selected = ", ".join(quote(c) for c in columns)
            # Names from the models' own metadata, quoted: nothing here comes from a request.
            cursor.execute(f"SELECT {selected} FROM {quote(table)} ORDER BY {quote(pk)}")  # noqa: S608
            prints[table] = zlib.crc32(repr(cursor.fetchall()).encode())
    return prints


def changed_tables(before: dict[str, int]) -> list[str]:
    after = fingerprint()
    return sorted(table for table, value in after.items() if before.get(table) != value)


def flashed_errors(response: HttpResponse) -> list[str]:
    """Error messages queued for the next page, as a refused plain-form post leaves them."""
    request = getattr(response, "wsgi_request", None)
    if request is None:
        return []
    return [str(m) for m in get_messages(request) if m.level >= ERROR]


def _text(html: str) -> str:
    return " ".join(TAG.sub(" ", html).split())


def refusal_message(response: HttpResponse) -> str:
    """The words telling the person why their request was refused ("" when there are none)."""
    content_type = response.get("Content-Type", "")
    body = response.content.decode(errors="replace")
    if content_type.startswith("text/plain"):
        return body.strip()
    found = [_text(m) for m in ALERT.findall(body) + ERROR_MESSAGE.findall(body)]
    found += flashed_errors(response)
    if response.status_code in ERROR_PAGES:
        main = MAIN.search(body)
        found.append(_text(main.group(1) if main else body))
    return " ".join(text for text in found if text)


def is_refused(response: HttpResponse) -> bool:
    """4xx, a redirect carrying an error message instead of doing the thing, or a form shown
    again with its errors (some forms answer those with 200)."""
    status = response.status_code
    if status >= 400:
        return True
    if 300 <= status < 400:
        return bool(flashed_errors(response))
    return bool(FORM_ERROR.search(response.content.decode(errors="replace")))
