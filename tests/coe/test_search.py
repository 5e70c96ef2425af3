"""COE search and the COE list: what people find, in what order, a page at a time.

PostgreSQL searches a stored, weighted full-text vector (ranked, stemmed, highlighted by the
database); SQLite a plain substring. Tests that hold for one only say so with a skip.
"""

import re

import pytest
from django.db import connection

from coe import search, services
from coe import views as coe_views
from coe.models import TEXTS, Coe, CoeText, Status
from tests.coe.factories import save_text
from tests.incidents.factories import IncidentFactory
from tests.org.factories import TeamFactory, UserFactory

pytestmark = pytest.mark.django_db

postgresql_only = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="full-text search is PostgreSQL's"
)
sqlite_only = pytest.mark.skipif(
    connection.vendor == "postgresql", reason="the substring fallback is for other databases"
)


@pytest.fixture
def author(client):
    user = UserFactory(first_name="Eli", last_name="Engel")
    client.force_login(user)
    return user


def _coe(author, title, **texts) -> Coe:
    coe = services.coe_create(title=title, team=TeamFactory(), actor=author)
    for key, body in texts.items():
        save_text(coe, key, body, author)
    return coe


def _found(client, query: str) -> list[str]:
    response = client.get(f"/coe/?{query}")
    assert response.status_code == 200, response.text[:500]
    return [coe.title for coe in response.context["rows"]]


SNIPPET = re.compile(r'<p class="snippet muted">(.*?)</p>', re.S)


def _snippets(html: str) -> tuple[list[str], list[str]]:
    """Every tag inside the search snippets, and the text of each <mark>."""
    inner = "".join(SNIPPET.findall(html))
    return re.findall(r"<[^>]*>", inner), re.findall(r"<mark>(.*?)</mark>", inner)


# Finding


def test_search_finds_a_word_in_a_section_and_the_title_and_nothing_else(client, author):
    _coe(author, "Gateway outage", lessons="Rehearse the rollback before every change.")
    _coe(author, "Rollback took an hour")
    _coe(author, "Storage latency", summary="Disks filled up.")
    assert sorted(_found(client, "q=rollback")) == ["Gateway outage", "Rollback took an hour"]


def test_a_search_follows_edits_to_a_section_and_to_the_title(client, author):
    coe = _coe(author, "Gateway outage", diagnosis="The canary alarm stayed silent.")
    assert _found(client, "q=canary") == ["Gateway outage"]
    save_text(coe, "diagnosis", "The throttling limit was reached.", author)
    assert _found(client, "q=canary") == []
    assert _found(client, "q=throttling") == ["Gateway outage"]
    services.coe_update_title(coe=coe, actor=author, title="Distributor brownout")
    assert _found(client, "q=brownout") == ["Distributor brownout"]
    assert _found(client, "q=gateway") == []


def test_filters_narrow_a_search(client, author):
    team = TeamFactory(slug="front-door")
    incident = IncidentFactory(severity=2, declared_by=author)
    sev2 = services.coe_create(title="Sev-2", team=team, actor=author, incident=incident)
    save_text(sev2, "summary", "A rollback fixed it.", author)
    _coe(author, "Elsewhere", summary="A rollback fixed it too.")
    _coe(author, "Unrelated", summary="Nothing to see.")
    Coe.objects.filter(pk=sev2.pk).update(status=Status.IN_REVIEW)
    assert _found(client, "q=rollback&team=front-door") == ["Sev-2"]
    assert _found(client, "q=rollback&severity=2") == ["Sev-2"]
    assert _found(client, "q=rollback&status=draft") == ["Elsewhere"]
    assert _found(client, "q=rollback&status=approved") == []


def test_a_coe_with_two_factors_of_a_category_is_listed_once(client, author):
    coe = _coe(author, "Twice configuration")
    for _ in range(2):
        services.factor_add(coe=coe, actor=author, category="configuration")
    assert _found(client, "category=configuration") == ["Twice configuration"]


# Hostile and odd searches


@pytest.mark.parametrize(
    "q", ["[[[[", "&|!:*()", "'", '"unclosed', "-", "a:* | !b", "<->", "∑ Ünïcödé 🍌", "or or"]
)
def test_any_search_text_is_answered_without_an_error(client, author, q):
    _coe(author, "Gateway outage", summary="∑ Ünïcödé 🍌 and [[[[ brackets")
    response = client.get("/coe/", {"q": q})
    assert response.status_code == 200
    assert "form-errors" not in response.text and "field-error" not in response.text


def test_a_search_that_is_too_long_says_so_and_lists_nothing(client, author):
    _coe(author, "Gateway outage")
    response = client.get("/coe/", {"q": "x" * 100_000})
    assert response.status_code == 400
    assert "Search for at most 200 characters (this is 100000)." in response.text
    assert response.context["rows"] == []
    assert "Gateway outage" not in response.text


def test_a_search_with_a_nul_character_is_refused_with_a_reason(client, author):
    response = client.get("/coe/", {"q": "roll\x00back"})
    assert response.status_code == 400
    assert "Null characters are not allowed." in response.text


def test_a_snippet_shows_hostile_text_as_text_with_only_the_match_marked(client, author):
    hostile = (
        '<script>alert(1)</script> <b hx-post="/admin/" hx-trigger="load">bold</b> '
        "We did a rollback of the gateway. &amp; done"
    )
    _coe(author, "Gateway outage", lessons=hostile)
    html = client.get("/coe/", {"q": "rollback"}).text
    assert _snippets(html) == (["<mark>", "</mark>"], ["rollback"])
    assert "<script>" not in html and 'hx-post="/admin/"' not in html
    assert "We did a <mark>rollback</mark> of the gateway." in html
    assert re.search(r"<div hx-disable>\s*<table", html)


def test_search_markers_typed_into_a_section_become_no_markup(author):
    text = f"a {search.START}rollback{search.STOP} b {search.STOP}<i>{search.START}"
    marked = search._marked(text)
    assert "<i>" not in marked and marked.count("<mark>") == marked.count("</mark>")


# Order


@postgresql_only
def test_a_title_match_ranks_above_a_newer_section_match(client, author):
    _coe(author, "Rollback took an hour")
    _coe(author, "Gateway outage", metrics="One rollback, late.")
    assert _found(client, "q=rollback") == ["Rollback took an hour", "Gateway outage"]


@postgresql_only
def test_english_stemming_finds_other_forms_of_a_word_but_not_a_compound(client, author):
    _coe(author, "Rolling back", summary="We were rolling back the release.")
    _coe(author, "Rollbacks", summary="Three rollbacks in a week.")
    _coe(author, "One rollback", summary="A single rollback.")
    assert _found(client, "q=rolled back") == ["Rolling back"]
    assert sorted(_found(client, "q=rollback")) == ["One rollback", "Rollbacks"]


@postgresql_only
def test_search_understands_quotes_and_exclusions(client, author):
    _coe(author, "Gateway", summary="The gateway timed out; the cache was cold.")
    _coe(author, "Cache", summary="The cache timed out.")
    assert _found(client, 'q="cache timed out"') == ["Cache"]
    assert _found(client, "q=timed out -gateway") == ["Cache"]


@postgresql_only
def test_a_search_of_common_words_alone_finds_nothing_and_says_so(client, author):
    _coe(author, "The outage", summary="It was the one.")
    response = client.get("/coe/", {"q": "the"})
    assert response.context["rows"] == []
    assert "No COEs match these filters." in response.text


@postgresql_only
def test_a_postgresql_snippet_comes_from_where_the_word_is(client, author):
    filler = " ".join(f"word{n}" for n in range(1500))  # about 12 KB
    _coe(author, "Gateway outage", lessons=f"{filler} then a rollback fixed it.")
    html = client.get("/coe/", {"q": "rollback"}).text
    assert _snippets(html)[1] == ["rollback"]


@postgresql_only
def test_coes_inserted_in_bulk_are_found_once_their_vectors_are_refreshed(client, author):
    team = TeamFactory()
    coes = Coe.objects.bulk_create(
        # In review: read by everyone signed in (a bulk-made draft has no authors to read it).
        [
            Coe(title=f"Bulk {n}", team=team, created_by=author, status=Status.IN_REVIEW)
            for n in range(3)
        ]
    )
    CoeText.objects.bulk_create(
        CoeText(coe=coe, key=key, body="A rollback." if key == "lessons" else "")
        for coe in coes
        for key in TEXTS
    )
    assert _found(client, "q=rollback") == []
    assert search.refresh_search_vectors(Coe.objects.filter(title__startswith="Bulk")) == 3
    assert sorted(_found(client, "q=rollback")) == ["Bulk 0", "Bulk 1", "Bulk 2"]


@sqlite_only
def test_without_full_text_search_the_fallback_finds_substrings_newest_first(client, author):
    _coe(author, "Older", lessons="The rollbacks were slow.")
    _coe(author, "Newer", summary="Rollback. Then more.")
    response = client.get("/coe/", {"q": "rollback"})
    assert [coe.title for coe in response.context["rows"]] == ["Newer", "Older"]
    assert "newest first" in response.text
    assert _snippets(response.text)[1] == ["Rollback", "rollback"]


@sqlite_only
def test_the_fallback_snippet_is_the_sentence_holding_the_word():
    text = "First sentence here. The <b>rollback</b> took an hour! Last one."
    assert search.sentence_with(text, "ROLLBACK") == (
        "The &lt;b&gt;<mark>rollback</mark>&lt;/b&gt; took an hour!"
    )
    assert search.sentence_with("x" * 500 + " rollback", "rollback").startswith("… ")
    assert search.sentence_with("nothing here", "rollback") is None


# Pages


def _many(author, count: int, **texts) -> list[Coe]:
    return [_coe(author, f"COE {n:02}", **texts) for n in range(count)]


def test_the_list_pages_newest_first_with_next_and_previous(client, author, monkeypatch):
    monkeypatch.setattr(coe_views, "PAGE_SIZE", 2)
    _many(author, 5)
    first = client.get("/coe/")
    assert [c.title for c in first.context["rows"]] == ["COE 04", "COE 03"]
    assert 'rel="prev"' not in first.text
    older = re.search(r'href="\?(before=[\d-]+)" rel="next"', first.text).group(1)
    second = client.get(f"/coe/?{older}")
    assert [c.title for c in second.context["rows"]] == ["COE 02", "COE 01"]
    newer = re.search(r'href="\?(after=[\d-]+)" rel="prev"', second.text).group(1)
    older = re.search(r'href="\?(before=[\d-]+)" rel="next"', second.text).group(1)
    third = client.get(f"/coe/?{older}")
    assert [c.title for c in third.context["rows"]] == ["COE 00"]
    assert 'rel="next"' not in third.text
    assert [c.title for c in client.get(f"/coe/?{newer}").context["rows"]] == ["COE 04", "COE 03"]


def test_pages_keep_the_filters(client, author, monkeypatch):
    monkeypatch.setattr(coe_views, "PAGE_SIZE", 1)
    team = TeamFactory(slug="front-door")
    for n in range(3):
        services.coe_create(title=f"Front door {n}", team=team, actor=author)
    _coe(author, "Elsewhere")
    first = client.get("/coe/?team=front-door")
    older = re.search(r'href="\?(team=front-door&amp;before=[\d-]+)"', first.text).group(1)
    second = client.get("/coe/?" + older.replace("&amp;", "&"))
    assert [c.title for c in second.context["rows"]] == ["Front door 1"]


def test_coes_started_at_the_same_moment_are_each_listed_once(client, author, monkeypatch):
    monkeypatch.setattr(coe_views, "PAGE_SIZE", 2)
    coes = _many(author, 5)
    Coe.objects.filter(pk__in=[c.pk for c in coes]).update(created_at=coes[0].created_at)
    seen, query = [], ""
    for _ in range(5):
        response = client.get(f"/coe/?{query}")
        seen += [c.title for c in response.context["rows"]]
        link = re.search(r'href="\?(before=[\d-]+)" rel="next"', response.text)
        if link is None:
            break
        query = link.group(1)
    assert sorted(seen) == [f"COE {n:02}" for n in range(5)]


@pytest.mark.parametrize(
    "position", ["before=nonsense", "after=99999999999999999999-1", "before=-"]
)
def test_a_broken_page_link_shows_the_newest_coes_and_says_so(client, author, position):
    _coe(author, "Gateway outage")
    response = client.get(f"/coe/?{position}")
    assert response.status_code == 200
    assert [c.title for c in response.context["rows"]] == ["Gateway outage"]
    assert "That page link is not one this list made" in response.text


def test_search_results_come_a_page_at_a_time_and_say_how_many(client, author, monkeypatch):
    monkeypatch.setattr(coe_views, "PAGE_SIZE", 2)
    _many(author, 5, summary="A rollback.")
    first = client.get("/coe/?q=rollback")
    assert "5 COEs match" in first.text
    assert 'href="?q=rollback&amp;page=2" rel="next"' in first.text
    third = client.get("/coe/?q=rollback&page=3")
    assert len(third.context["rows"]) == 1
    assert 'href="?q=rollback&amp;page=2" rel="prev"' in third.text
    assert 'rel="next"' not in third.text
    titles = [c.title for page in (1, 2, 3) for c in _page(client, page)]
    assert sorted(titles) == [f"COE {n:02}" for n in range(5)]


def _page(client, number):
    return client.get(f"/coe/?q=rollback&page={number}").context["rows"]


def test_a_page_past_the_last_still_counts_the_matches(client, author, monkeypatch):
    monkeypatch.setattr(coe_views, "PAGE_SIZE", 2)
    _many(author, 3, summary="A rollback.")
    response = client.get("/coe/?q=rollback&page=5")
    assert response.context["rows"] == []
    assert "3 COEs match" in response.text


def test_a_search_counts_only_up_to_a_limit(client, author, monkeypatch):
    monkeypatch.setattr(coe_views, "COUNTED_MATCHES", 2)
    _many(author, 4, summary="A rollback.")
    assert "More than 2 COEs match" in client.get("/coe/?q=rollback").text


@pytest.mark.parametrize("page", ["0", "-1", "abc", "99999999999999999999", "9" * 5])
def test_odd_search_page_numbers_show_a_page(client, author, page):
    _coe(author, "Gateway outage", summary="A rollback.")
    response = client.get("/coe/", {"q": "rollback", "page": page})
    assert response.status_code == 200


def test_sections_at_their_largest_save_and_are_found_by_their_first_words(client, author):
    coe = _coe(author, "Huge")
    for key in TEXTS:
        words = " ".join(f"{key}{n:06x}q" for n in range(12_000))[: 100_000 - 12]
        save_text(coe, key, f"rollback {words}", author)
    assert _found(client, "q=rollback") == ["Huge"]


@postgresql_only
def test_equal_matches_list_newest_first_and_only_the_newest_are_ranked(
    client, author, monkeypatch
):
    monkeypatch.setattr(search, "RANKED_MATCHES", 3)
    _many(author, 5, summary="A rollback.")  # COE 00 is the oldest, COE 04 the newest

    response = client.get("/coe/?q=rollback")

    assert [c.title for c in response.context["rows"]] == ["COE 04", "COE 03", "COE 02"]
    assert "3 COEs match" in response.text
