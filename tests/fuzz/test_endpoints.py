"""Every form and htmx endpoint, fed hostile data by the people whose pages offer it.

For every example: no 500; a GET changes nothing; a refused request (4xx, a redirect carrying
an error message, or a form shown again with its errors) changes nothing and says why; after
an accepted post that redirects, the page it leads to still works.

The examples are the same on every run (a fixed seed per endpoint rather than derandomize, so
the seed can be printed and changed), so CI is never flaky. To look further, set FUZZ_SEED to
another number (or "random") and FUZZ_EXAMPLES to more; a failure notes the FUZZ_SEED that
reproduces it.
"""

import os
import random
import zlib
from collections import Counter
from urllib.parse import urlencode, urlsplit

import pytest
from django.conf import settings as django_settings
from django.db import transaction
from hypothesis import HealthCheck, given, note, seed, settings
from hypothesis import strategies as st

from tests.opsreview.test_sign_in import SIGNED_IN_PATHS

from .checks import changed_tables, is_refused, refusal_message
from .crawl import NOT_FUZZED, url_name
from .payloads import form_data
from .site import ROLES

pytestmark = pytest.mark.django_db

# Per endpoint that takes a POST; a page that only reads its query string gets half.
EXAMPLES = int(os.environ.get("FUZZ_EXAMPLES", "20"))
SEED = os.environ.get("FUZZ_SEED", "0")
SEED_OFFSET = random.randrange(2**32) if SEED == "random" else int(SEED)
# Requests take tens of milliseconds, more with huge bodies: no deadline. No example database:
# each run is exactly its seed's examples.
settings.register_profile(
    "opsreview-fuzz",
    deadline=None,
    database=None,
    print_blob=True,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
FUZZ = settings.get_profile("opsreview-fuzz")
ENDPOINTS = sorted(name for name in SIGNED_IN_PATHS if name not in NOT_FUZZED)
FORM = "application/x-www-form-urlencoded"


def _role(target) -> st.SearchStrategy[str]:
    """Mostly someone whose page offers the request; sometimes someone else, who is refused."""
    offered = sorted(target.roles)
    others = [role for role in ROLES if role not in target.roles]
    return st.sampled_from(offered * 3 + others)


def _send(client, target, data: dict[str, list[str]], *, htmx: bool):
    headers = {"HTTP_HX_REQUEST": "true"} if htmx else {}
    pairs = [(name, value) for name, values in data.items() for value in values]
    if target.method == "get":
        return client.get(f"{target.path}?{urlencode(pairs)}", **headers)
    return client.post(target.path, urlencode(pairs), content_type=FORM, **headers)


def _page_after(response, target) -> str:
    """Where the person looks next: the redirect's target on this site, else the form's page."""
    location = urlsplit(response.get("Location", ""))
    if 300 <= response.status_code < 400 and not location.netloc and url_name(location.path):
        return response["Location"]
    return min(target.pages)


def _fresh(client):
    """Forget what the previous example left in cookies (flashed messages); keep the session."""
    for name in list(client.cookies):
        if name != django_settings.SESSION_COOKIE_NAME:
            del client.cookies[name]
    return client


def _check(site, client, target, response, *, context: str) -> None:
    assert response.status_code < 500, context
    if target.method == "get" or is_refused(response):
        assert changed_tables(site.fingerprint) == [], f"{context}: a refusal wrote"
    if is_refused(response) and response.get("HX-Reswap") != "none":
        assert refusal_message(response), f"{context}: refused without saying why"
    if target.method == "post" and 300 <= response.status_code < 400 and not is_refused(response):
        page = _page_after(response, target)
        assert _fresh(client).get(page).status_code < 500, f"{context}: then GET {page}"


@pytest.mark.parametrize("name", ENDPOINTS)
def test_hostile_input_is_answered_without_a_server_error_and_a_refusal_changes_nothing(site, name):
    targets = sorted(site.targets.get(name, []), key=lambda t: (t.method, t.path))
    assert targets, f"No page offers {name}: give the demo a state that shows it."
    endpoint_seed = zlib.crc32(name.encode()) ^ SEED_OFFSET
    writes = any(target.method == "post" for target in targets)
    answers = Counter()

    @seed(endpoint_seed)
    @settings(FUZZ, max_examples=EXAMPLES if writes else max(EXAMPLES // 2, 1))
    @given(st.data())
    def example(data):
        target = data.draw(st.sampled_from(targets), label="target")
        role = data.draw(_role(target), label="role")
        htmx = data.draw(st.booleans(), label="htmx")
        fields = data.draw(form_data(target.fields, target.kinds), label="data")
        context = f"{target.method.upper()} {target.path} as {role}{' (htmx)' if htmx else ''}"
        note(f"FUZZ_SEED={SEED_OFFSET} reproduces this ({name}: seed {endpoint_seed})")
        client = _fresh(site.clients[role])
        with transaction.atomic():
            response = _send(client, target, fields, htmx=htmx)
            answers[f"{target.method} {response.status_code}{'*' * is_refused(response)}"] += 1
            _check(site, client, target, response, context=f"{context}: {response.status_code}")
            transaction.set_rollback(True)

    example()
    # With pytest -s: how the examples were answered (* marks a refusal).
    print(f"\n{name}: {', '.join(f'{k} x{n}' for k, n in sorted(answers.items()))}")
