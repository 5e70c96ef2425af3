"""Find every request the pages offer, as the people who see them: where it goes, whether it
is a GET or a POST, and the names (and shown values) of the fields it sends.

The crawl reads links, iframes, forms and htmx attributes, so the fuzzer sends the field
names a browser would, prefixes included, and learns real ids from the options on offer (and
real names from what a picker's box suggests).
"""

import html
import json
import re
from collections import deque
from dataclasses import dataclass, field
from html.parser import HTMLParser
from urllib.parse import parse_qsl, urlencode, urlsplit

from django.test import Client
from django.urls import Resolver404, resolve

# Enough instances of one page to see its states (open and resolved incidents, say; the demo's
# three COEs: in review with a named reviewer, a draft and an approved near miss).
PAGES_PER_NAME = 3
TEXT_KEPT = 200
NOT_FUZZED = {"logout", "login"}


@dataclass
class Target:
    """One endpoint as a page offers it: a path, a method and the fields sent there."""

    url_name: str
    path: str
    method: str
    pages: set[str] = field(default_factory=set)
    roles: set[str] = field(default_factory=set)
    # Each field's values as the pages showed them, in page order, without repeats, and the
    # kind of box it is (text, date, select, hidden…).
    fields: dict[str, dict[str, None]] = field(default_factory=dict)
    kinds: dict[str, str] = field(default_factory=dict)

    def add_fields(self, fields: dict[str, dict[str, None]], kinds: dict[str, str]) -> None:
        for name, values in fields.items():
            self.fields.setdefault(name, {}).update(values)
        self.kinds |= kinds


@dataclass
class _Form:
    requests: list[tuple[str, str]] = field(default_factory=list)
    fields: dict[str, dict[str, None]] = field(default_factory=dict)
    kinds: dict[str, str] = field(default_factory=dict)


class _PageReader(HTMLParser):
    def __init__(self, page: str):
        super().__init__(convert_charrefs=True)
        self.page = page
        self.links: list[str] = []
        self.forms: list[_Form] = []
        self._form: _Form | None = None
        self._options: dict[str, None] | None = None  # the open <select>'s values
        self._text: dict[str, None] | None = None  # the open <textarea>'s
        self.suggested: list[tuple[dict[str, None], str]] = []  # a picker's values, its search

    def handle_starttag(self, tag, attrs):
        attrs = {name: value or "" for name, value in attrs}
        if tag in ("a", "iframe", "img") and (attrs.get("href") or attrs.get("src")):
            self.links.append(attrs.get("href") or attrs["src"])
        if attrs.get("hx-get"):
            self.links.append(attrs["hx-get"])
        if tag == "form":
            self._form = _Form()
            method = attrs.get("method", "get").lower()
            self._form.requests.append((method, attrs.get("action") or self.page))
            self.forms.append(self._form)
        if attrs.get("hx-post"):
            self._htmx_post(attrs)
        if self._form is not None and attrs.get("name"):
            self._field(tag, attrs)
        if tag == "option" and self._options is not None:
            self._options[attrs.get("value", "")] = None

    def _htmx_post(self, attrs: dict) -> None:
        form = self._form
        if form is None:
            form = _Form()
            self.forms.append(form)
        form.requests.append(("post", attrs["hx-post"]))
        for name, value in json.loads(attrs.get("hx-vals") or "{}").items():
            form.fields.setdefault(name, {})[str(value)] = None

    def _field(self, tag: str, attrs: dict) -> None:
        values = self._form.fields.setdefault(attrs["name"], {})
        kind = {"input": attrs.get("type", "text"), "button": "submit"}.get(tag, tag)
        self._form.kinds[attrs["name"]] = kind
        if tag in ("input", "button"):
            default = "on" if kind in ("checkbox", "radio") else ""
            values[attrs.get("value", default)] = None
            if "data-picker" in attrs and attrs.get("hx-get"):
                self.suggested.append((values, attrs["hx-get"]))
        elif tag == "select":
            self._options = values
        elif tag == "textarea":
            self._text = values

    def handle_data(self, data):
        if self._text is not None and data.strip():
            self._text[data[:TEXT_KEPT]] = None

    def handle_endtag(self, tag):
        if tag == "form":
            self._form = None
        if tag == "select":
            self._options = None
        if tag == "textarea":
            self._text = None


def url_name(path: str) -> str | None:
    """The URL pattern's name (namespace:name) of a path on this site, or None."""
    try:
        match = resolve(path)
    except Resolver404:
        return None
    name = match.view_name
    if not match.url_name or name.startswith("admin:") or name in NOT_FUZZED:
        return None
    return name


def _same_site(link: str) -> tuple[str, dict[str, str]] | None:
    parts = urlsplit(link)
    if parts.scheme or parts.netloc or not parts.path.startswith("/"):
        return None
    return parts.path, dict(parse_qsl(parts.query))


class Crawl:
    """Every target reachable from the start pages, merged over the roles that see it."""

    def __init__(self):
        self.targets: dict[tuple[str, str], Target] = {}

    def by_name(self) -> dict[str, list[Target]]:
        grouped: dict[str, list[Target]] = {}
        for target in self.targets.values():
            grouped.setdefault(target.url_name, []).append(target)
        return grouped

    def _target(self, method: str, link: str, *, page: str, role: str) -> Target | None:
        found = _same_site(link)
        name = found and url_name(found[0])
        if not name:
            return None
        path, query = found
        target = self.targets.setdefault((method, path), Target(name, path, method))
        target.pages.add(page)
        target.roles.add(role)
        target.add_fields({key: {value: None} for key, value in query.items()}, {})
        return target

    def visit(self, role: str, client: Client, start: list[str]) -> None:
        seen_per_name: dict[str, int] = {}
        queue, visited = deque(start), set()
        while queue:
            link = queue.popleft()
            found = _same_site(link)
            name = found and url_name(found[0])
            if not name or link in visited or seen_per_name.get(name, 0) >= PAGES_PER_NAME:
                continue
            visited.add(link)
            seen_per_name[name] = seen_per_name.get(name, 0) + 1
            queue.extend(self._read(role, client, link))

    def _read(self, role: str, client: Client, link: str) -> list[str]:
        """Record the page and what it offers; return the links to follow from it."""
        response = client.get(link)
        page = _same_site(link)[0]
        if response.status_code != 200:
            return []
        self._target("get", link, page=page, role=role)
        if "html" not in response.get("Content-Type", ""):
            return []
        reader = _PageReader(page)
        reader.feed(response.text)
        for values, search in reader.suggested:
            values.update(_suggestions(client, search))
        follow = list(reader.links)
        for form in reader.forms:
            for method, action in form.requests:
                target = self._target(method, action, page=page, role=role)
                if target is None:
                    continue
                target.add_fields(form.fields, form.kinds)
                if method == "get":
                    follow.append(_submitted(action, form.fields))
        return follow


def _suggestions(client: Client, search: str) -> dict[str, None]:
    """What a picker suggests before anything is typed: the values a person would pick."""
    found = re.findall(r'data-value="([^"]*)"', client.get(search).text)
    return {html.unescape(value): None for value in found}


def _submitted(action: str, fields: dict[str, dict[str, None]]) -> str:
    """A GET form sent with the first real choice of each field, as a person might."""
    chosen = {name: next((v for v in values if v), "") for name, values in fields.items()}
    query = urlencode(sorted((name, value) for name, value in chosen.items() if value))
    return f"{action}?{query}" if query else action
