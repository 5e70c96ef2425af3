"""Similar past COEs: the earlier COEs a writer (or a reader) of a COE is shown, so lessons are
not learned twice. Alike by service, by contributing-factor category or by their words; only
COEs the viewer may read; with their lessons and how their action items stand.

Words are compared by full-text search on PostgreSQL, by title words on SQLite: tests that hold
for one only say so with a skip.
"""

from datetime import date, timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from coe import services, similar
from coe.models import Coe, CoeText, FactorCategory, Status
from coe.search import matches
from coe.similar import SHOWN, items_state, similar_coes
from opsreview.actions import services as item_services
from tests.incidents.factories import IncidentFactory
from tests.org.factories import ServiceFactory, TeamFactory, UserFactory

from .factories import CoeFactory, add_item, save_text

pytestmark = pytest.mark.django_db

postgresql_only = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="full-text search is PostgreSQL's"
)

TODAY = date(2027, 3, 10)

CERTIFICATE_WHYS = [
    ("Why did the payment callbacks fail?", "The partner rejected our expired TLS certificate."),
    ("Why had the certificate expired?", "Its renewal job silently skipped the wildcard domain."),
    ("Why was the wildcard domain skipped?", "The renewal job reads a hard-coded domain list."),
    ("Why is the domain list hard-coded?", "Certificate renewal predates the inventory service."),
    ("Why did nobody notice the expiry?", "No alarm watches certificate expiry dates."),
]


@pytest.fixture
def reader():
    """Someone from another team: reads every submitted COE, no one else's drafts."""
    return UserFactory()


def _coe(
    title, *, days_ago=0, status=Status.IN_REVIEW, category=None, whys=(), lessons="", **fields
) -> Coe:
    """A COE started `days_ago` days ago (submitted unless `status` says otherwise), with one
    factor of `category` whose chain is `whys` when either is given."""
    coe = CoeFactory(title=title, **fields)
    if lessons:
        save_text(coe, "lessons", lessons)
    if category or whys:
        actor = coe.created_by
        factor = services.factor_add(coe=coe, actor=actor, category=category or "other")
        services.factor_save(
            factor=factor,
            actor=actor,
            base_version=factor.version,
            title=factor.title,
            category=factor.category,
            steps=whys,
        )
    started = timezone.now() - timedelta(days=days_ago)
    Coe.objects.filter(pk=coe.pk).update(created_at=started, status=status)
    return Coe.objects.for_editor().get(pk=coe.pk)


def _titles(coe, viewer) -> list[str]:
    return [entry.coe.title for entry in similar_coes(coe, viewer)]


def _service_coe(title, service, *, days_ago=0, **fields) -> Coe:
    incident = IncidentFactory()
    incident.services.add(service)
    return _coe(title, incident=incident, days_ago=days_ago, **fields)


# Why an earlier COE is listed


@postgresql_only
def test_an_earlier_coe_is_found_by_its_five_whys_alone(reader):
    earlier = _coe("Partner callbacks failing", days_ago=30, whys=CERTIFICATE_WHYS)
    _coe("Disk full on the build hosts", days_ago=20, whys=[("Why?", "Logs were not rotated.")])
    now = _coe(
        "Mobile login outage",
        whys=[
            ("Why did login fail?", "The identity provider rejected our expired certificate."),
            ("Why had it expired?", "The renewal job skipped the wildcard domain."),
            ("Why?", "No alarm watches certificate expiry; the domain list is hard-coded."),
        ],
    )
    assert "certificate" not in (earlier.title + earlier.text("summary").body).lower()

    [found] = similar_coes(now, reader)

    assert found.coe.title == "Partner callbacks failing"
    assert found.reasons == ["Similar text"]


@postgresql_only
def test_the_coe_search_finds_five_whys_and_follows_their_edits(reader):
    coe = _coe("Partner callbacks failing", whys=CERTIFICATE_WHYS, status=Status.DRAFT)
    assert list(matches(Coe.objects.all(), "wildcard")) == [coe]
    factor = coe.factors.get()
    services.factor_save(
        factor=factor,
        actor=coe.created_by,
        base_version=factor.version,
        title="Renewal",
        category=factor.category,
        steps=[("Why?", "A quota was reached.")],
    )
    assert list(matches(Coe.objects.all(), "wildcard")) == []
    assert list(matches(Coe.objects.all(), "quota")) == [coe]
    assert list(matches(Coe.objects.all(), "renewal")) == [coe]  # the factor's title
    services.factor_delete(factor=factor, actor=coe.created_by)
    assert list(matches(Coe.objects.all(), "quota")) == []


def test_an_earlier_coe_with_a_factor_of_the_same_category_is_listed(reader):
    _coe("Cache stampede", days_ago=10, category=FactorCategory.CAPACITY)
    _coe("Wrong feature flag", days_ago=5, category=FactorCategory.CONFIGURATION)
    now = _coe("Queue backlog", category=FactorCategory.CAPACITY)

    [found] = similar_coes(now, reader)

    assert found.coe.title == "Cache stampede"
    assert found.reasons == ["Same category: Capacity"]


def test_other_is_no_category_to_share(reader):
    _coe("Cache stampede", days_ago=10, category=FactorCategory.OTHER)
    assert similar_coes(_coe("Queue backlog", category=FactorCategory.OTHER), reader) == []


def test_an_earlier_coe_whose_incident_affected_the_same_service_is_listed(reader):
    checkout, search = ServiceFactory(name="Checkout"), ServiceFactory(name="Search")
    _service_coe("Payments timing out", checkout, days_ago=10)
    _service_coe("Index rebuild stalled", search, days_ago=5)
    now = _service_coe("Basket emptied", checkout)

    [found] = similar_coes(now, reader)

    assert found.coe.title == "Payments timing out"
    assert found.reasons == ["Same service: Checkout"]


def test_title_words_alike_are_similar_text(reader):
    _coe("Gateway configuration rolled out to every region", days_ago=10)
    _coe("Disk full on build hosts", days_ago=5)
    [found] = similar_coes(_coe("Gateway configuration broke checkout"), reader)
    assert found.coe.title == "Gateway configuration rolled out to every region"
    assert found.reasons == ["Similar text"]


def test_one_word_in_common_is_not_enough(reader):
    _coe("Checkout slow for everyone", days_ago=5)
    assert similar_coes(_coe("Checkout outage"), reader) == []


def test_nothing_alike_lists_nothing(reader):
    _coe("Disk full on build hosts", days_ago=5)
    assert similar_coes(_coe("Queue backlog"), reader) == []


# Which earlier COEs may be listed


def test_a_draft_is_listed_only_to_those_who_may_read_it(reader):
    member = UserFactory()
    team = TeamFactory(members=[member])
    _coe("Cache stampede", team=team, days_ago=10, status=Status.DRAFT, category="capacity")
    now = _coe("Queue backlog", category="capacity")

    assert _titles(now, reader) == []
    assert _titles(now, member) == ["Cache stampede"]
    assert _titles(now, UserFactory(is_staff=True)) == ["Cache stampede"]


def test_neither_the_coe_itself_nor_a_later_one_is_listed(reader):
    _coe("Cache stampede", days_ago=10, category="capacity")
    now = _coe("Queue backlog", days_ago=5, category="capacity")
    _coe("Connection pool exhausted", days_ago=1, category="capacity")
    assert _titles(now, reader) == ["Cache stampede"]


def test_at_most_five_are_listed_the_most_alike_first_then_the_newest(reader):
    checkout = ServiceFactory(name="Checkout")
    for n in range(7):
        _coe(f"Capacity {n}", days_ago=10 + n, category="capacity")
    _service_coe("Checkout and capacity", checkout, days_ago=40, category="capacity")
    now = _service_coe("Queue backlog", checkout, category="capacity")

    found = similar_coes(now, reader)

    assert len(found) == SHOWN
    assert [entry.coe.title for entry in found] == [
        "Checkout and capacity",
        *(f"Capacity {n}" for n in range(4)),
    ]
    assert found[0].reasons == ["Same service: Checkout", "Same category: Capacity"]


# What each lists


@pytest.fixture
def today(time_machine):
    time_machine.move_to(TODAY, tick=False)
    return TODAY


def _items(coe, *statuses_and_due):
    actor = coe.created_by
    for status, due in statuses_and_due:
        item = add_item(coe, due_date=due, confirm_past_due=True)
        if status == "done":
            item_services.action_item_complete(item=item, actor=actor)
        elif status == "wont_do":
            item_services.action_item_wont_do(item=item, actor=actor, reason="Superseded.")


def test_each_says_how_its_items_stand_by_the_overdue_rule(reader, today):
    earlier = _coe("Cache stampede", days_ago=10, category="capacity")
    yesterday, tomorrow = today - timedelta(days=1), today + timedelta(days=1)
    _items(earlier, ("done", yesterday), ("done", tomorrow), ("done", yesterday), ("open", today))
    now = _coe("Queue backlog", category="capacity")
    assert similar_coes(now, reader)[0].items == "3 of 4 done"

    _items(earlier, ("open", yesterday))
    assert similar_coes(now, reader)[0].items == "3 of 5 done; 1 overdue"

    _items(earlier, ("wont_do", yesterday))
    assert similar_coes(now, reader)[0].items == "3 of 6 done; 1 won't do; 1 overdue"


def test_the_items_state_of_a_coe_without_items():
    assert items_state(None) == "No action items"
    assert items_state({"all": 4, "done": 3, "wont_do": 0, "overdue": 1}) == (
        "3 of 4 done; 1 overdue"
    )


def test_each_carries_its_lessons_as_stored(reader):
    lessons = "Load-test **every** cache before launch."
    earlier = _coe("Cache stampede", days_ago=10, category="capacity", lessons=lessons)
    now = _coe("Queue backlog", category="capacity")

    [found] = similar_coes(now, reader)

    assert found.lessons_html == CoeText.objects.get(coe=earlier, key="lessons").body_html
    assert "<strong>every</strong>" in found.lessons_html


# The COE page and its panel


def test_the_coe_page_loads_similar_coes_after_it_is_shown_and_links_to_them(client, reader):
    now = _coe("Queue backlog", category="capacity")
    client.force_login(reader)

    html = client.get(now.get_absolute_url()).text

    panel = html[html.index('data-testid="similar-coes"') :]
    panel = panel[: panel.index("</section>")]
    similar_url = f"/coe/{now.pk}/similar/"
    assert f'hx-get="{similar_url}" hx-trigger="load"' in panel
    assert f'<a href="{similar_url}">' in panel  # without JavaScript, a link


def test_similar_coes_come_with_lessons_in_an_hx_disable_container(client, reader):
    hostile = 'Load-test **every** cache <span hx-get="/steal">first</span>. ' + "word " * 100
    earlier = _coe("Cache stampede", days_ago=10, category="capacity", lessons=hostile)
    add_item(earlier, due_date=timezone.localdate() - timedelta(days=1), confirm_past_due=True)
    now = _coe("Queue backlog", category="capacity")
    client.force_login(reader)

    panel = client.get(f"/coe/{now.pk}/similar/", headers={"HX-Request": "true"}).text

    assert panel.startswith('<section class="panel similar-coes"')
    assert "<html" not in panel
    assert f'<a href="{earlier.get_absolute_url()}">Cache stampede</a>' in panel
    assert earlier.team.name in panel and "In review" in panel
    assert "Same category: Capacity" in panel
    assert "0 of 1 done; 1 overdue" in panel
    lessons = panel[panel.index('<div class="prose similar-lessons" hx-disable>') :]
    assert lessons.startswith(
        '<div class="prose similar-lessons" hx-disable><p>Load-test <strong>every</strong> cache'
    )
    assert "hx-get" not in panel
    assert "word …</p>" in lessons and "word " * 60 not in lessons  # cut short


def test_without_javascript_similar_coes_are_a_page_of_their_own(client, reader):
    _coe("Cache stampede", days_ago=10, category="capacity")
    now = _coe("Queue backlog", category="capacity")
    client.force_login(reader)

    html = client.get(f"/coe/{now.pk}/similar/").text

    assert "<html" in html and f'<a href="{now.get_absolute_url()}">' in html
    assert "Cache stampede" in html and "Same category: Capacity" in html


def test_the_panel_says_when_there_is_nothing_similar(client, reader):
    now = _coe("Queue backlog", category="capacity")
    client.force_login(reader)
    html = client.get(f"/coe/{now.pk}/similar/", headers={"HX-Request": "true"}).text
    assert "Similar past COEs" in html
    assert "No similar earlier COEs yet." in html


def test_similar_coes_of_a_draft_are_not_there_for_those_who_may_not_read_it(client, reader):
    _coe("Cache stampede", days_ago=10, category="capacity")
    draft = _coe("Queue backlog", status=Status.DRAFT, category="capacity")
    client.force_login(reader)
    assert client.get(f"/coe/{draft.pk}/similar/").status_code == 404
    assert client.get("/coe/999999/similar/").status_code == 404


def test_the_parts_htmx_swaps_in_look_up_no_similar_coes(client, monkeypatch):
    now = _coe("Queue backlog", status=Status.DRAFT, category="capacity")
    client.force_login(now.created_by)

    def refuse(*args, **kwargs):
        raise AssertionError("similar COEs looked up for a part of the page")

    monkeypatch.setattr(similar, "similar_coes", refuse)
    assert client.get(now.get_absolute_url()).status_code == 200
    assert client.get(f"/coe/{now.pk}/checklist/").status_code == 200


# Cost


def _queries(coe, viewer) -> tuple[int, list]:
    coe = Coe.objects.for_editor(viewer=viewer).get(pk=coe.pk)
    with CaptureQueriesContext(connection) as captured:
        found = similar_coes(coe, viewer)
    return len(captured.captured_queries), found


def test_the_list_is_one_query_however_many_coes_there_are(reader):
    checkout = ServiceFactory(name="Checkout")
    now = _service_coe("Checkout capacity", checkout, category="capacity")
    Coe.objects.filter(pk=now.pk).update(created_at=timezone.now() + timedelta(days=1))
    few, listed = _queries(now, reader)
    assert listed == []

    for n in range(12):
        earlier = _service_coe(
            f"Checkout capacity {n}", checkout, days_ago=n, category="capacity", lessons=f"L{n}"
        )
        add_item(earlier)
    _coe("A draft", status=Status.DRAFT, category="capacity")
    many, listed = _queries(now, reader)

    assert few == many == 1
    assert len(listed) == SHOWN
