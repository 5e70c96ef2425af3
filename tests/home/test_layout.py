import json
import re
from pathlib import Path

import pytest

from tests.org.factories import UserFactory

pytestmark = pytest.mark.django_db


def test_pages_carry_a_nonce_based_content_security_policy(client):
    client.force_login(UserFactory())
    response = client.get("/")
    policy = response["Content-Security-Policy"]
    nonce = re.search(r"'nonce-([^']+)'", policy).group(1)
    assert "script-src 'self' 'nonce-" in policy
    assert "unsafe-inline" not in policy
    assert "unsafe-eval" not in policy
    # htmx comes from django-htmx's own static file and carries the request's nonce.
    assert re.search(
        rf'<script src="/static/django_htmx/htmx[^"]*"[^>]* nonce="{nonce}"', response.text
    )


def test_no_page_lends_the_csrf_token_to_every_htmx_request(client):
    # A body-wide header would hand the token to markup injected anywhere in the page.
    client.force_login(UserFactory())
    response = client.get("/")
    assert "hx-headers" not in response.text
    assert "X-CSRFToken" not in response.text


def test_htmx_cannot_be_driven_from_page_content(client):
    client.force_login(UserFactory())
    response = client.get("/")
    config = json.loads(re.search(r'name="htmx-config" content=\'([^\']+)\'', response.text)[1])
    assert config["selfRequestsOnly"] is True
    assert config["allowScriptTags"] is False
    assert config["allowEval"] is False
    assert config["historyCacheSize"] == 0  # pages with people's text are never kept locally


def test_page_shows_the_signed_in_user(client):
    client.force_login(UserFactory(first_name="Eli", last_name="Engel"))
    assert "Eli Engel" in client.get("/").text


def test_unknown_page_is_a_friendly_404(client):
    client.force_login(UserFactory())
    response = client.get("/no-such-page/")
    assert response.status_code == 404
    assert "Not found" in response.text


def test_stylesheet_defines_the_normal_and_projector_themes():
    from django.contrib.staticfiles import finders

    css = Path(finders.find("css/opsreview.css")).read_text()
    assert ":root {" in css
    assert ".theme-projector, :root:has(> body.theme-projector) {" in css
    assert "--font-size: 28px;" in css
