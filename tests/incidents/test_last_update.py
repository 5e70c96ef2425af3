"""An incident's stored last update follows every write to its timeline, and the pages read it.

`last_update_at` is when the timeline was last written (an entry added, or edited since), or the
declaration while the timeline is empty. The list shows it, the pulse and the banner read it.
"""

from datetime import UTC, datetime, timedelta
from html.parser import HTMLParser

import pytest
from django.apps import apps
from django.utils import timezone
from time_machine import travel

from incidents.models import Incident, Severity, Status, TimelineEntry, last_update_recompute
from incidents.services import (
    incident_declare,
    incident_engage_team,
    incident_gate_changes,
    incident_mitigate,
    incident_reopen,
    incident_resolve,
    incident_update,
    timeline_entry_add,
)
from tests.org.factories import TeamFactory, UserFactory

from .factories import CallLeaderFactory, IncidentFactory, TimelineEntryFactory

pytestmark = pytest.mark.django_db

NOW = datetime(2026, 11, 26, 10, 0, tzinfo=UTC)


def stored(incident) -> datetime:
    return Incident.objects.values_list("last_update_at", flat=True).get(pk=incident.pk)


def shown_on_the_list(client) -> list[tuple[str, str]]:
    """(title, last update as the list shows it) for each row, in the list's order."""
    page = client.get("/incidents/")
    return [
        (incident.title, timezone.localtime(incident.last_update_at).strftime("%d %b %H:%M"))
        for incident in page.context["page"].object_list
    ], page.text


def at(minutes: int) -> datetime:
    return NOW + timedelta(minutes=minutes)


@pytest.fixture
def leader(client):
    user = CallLeaderFactory().user
    client.force_login(user)
    return user


@pytest.fixture
def declared(leader):
    """A Sev-2 declared at NOW through the service, as the declare page does."""
    with travel(NOW, tick=False):
        return incident_declare(
            title="Bananas unavailable", severity=Severity.SEV2, declared_by=leader
        )


def test_a_declared_incident_was_last_updated_when_it_was_declared(client, declared):
    assert stored(declared) == NOW
    with travel(at(5), tick=False):
        rows, html = shown_on_the_list(client)
    assert rows == [("Bananas unavailable", "26 Nov 10:00")]
    cell = '<td data-testid="last-update" data-label="Last update">'
    assert f'{cell}<time datetime="2026-11-26T10:00:00+00:00"' in html


def test_adding_an_entry_on_the_page_moves_the_last_update_to_when_it_was_written(client, declared):
    with travel(at(12), tick=False):
        response = client.post(
            f"/incidents/{declared.pk}/timeline/",
            # Back-dated to what it describes: the last update is when it was written.
            {"text": "Distributor rejects 40% of requests.", "occurred_at": "2026-11-26T10:05"},
        )
    assert response.status_code == 302
    assert stored(declared) == at(12)
    with travel(at(13), tick=False):
        assert 'datetime="2026-11-26T10:12:00+00:00"' in shown_on_the_list(client)[1]


def test_editing_an_entry_on_the_page_moves_the_last_update_to_the_edit(client, declared, leader):
    with travel(at(3), tick=False):
        entry = timeline_entry_add(incident=declared, author=leader, text="Retry storm?")
    with travel(at(20), tick=False):
        response = client.post(
            f"/incidents/{declared.pk}/timeline/{entry.pk}/edit/",
            {"text": "A retry storm from one customer.", "occurred_at": "2026-11-26T10:03"},
        )
    assert response.status_code == 302
    assert stored(declared) == at(20)


class _FormReader(HTMLParser):
    """The fields one form sends as a browser would: inputs, checked boxes, selected options,
    textareas (what Django's admin change form needs sent back)."""

    def __init__(self, form_id: str):
        super().__init__(convert_charrefs=True)
        self.form_id, self.inside, self.data = form_id, False, []
        self._select = self._textarea = None

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "form":
            self.inside = attrs.get("id") == self.form_id
        if not self.inside:
            return
        name = attrs.get("name")
        if tag == "input" and name and attrs.get("type") not in ("submit", "button", "file"):
            if attrs.get("type") in ("checkbox", "radio") and "checked" not in attrs:
                return
            self.data.append((name, attrs.get("value") or ""))
        elif tag == "select" and name:
            self._select = name
        elif tag == "option" and self._select and "selected" in attrs:
            self.data.append((self._select, attrs.get("value") or ""))
        elif tag == "textarea" and name:
            self._textarea = name
            self.data.append((name, ""))

    def handle_data(self, data):
        if self._textarea:
            self.data[-1] = (self._textarea, self.data[-1][1] + data)

    def handle_endtag(self, tag):
        if tag == "select":
            self._select = None
        elif tag == "textarea":
            self._textarea = None
        elif tag == "form":
            self.inside = False


def _admin_form(client, incident) -> dict:
    reader = _FormReader("incident_form")
    reader.feed(client.get(f"/admin/incidents/incident/{incident.pk}/change/").text)
    data: dict = {}
    for name, value in reader.data:
        data.setdefault(name, []).append(value.removeprefix("\n"))
    return data


def test_removing_the_latest_entry_in_the_admin_takes_the_last_update_back_to_the_one_before(
    client, declared, leader
):
    with travel(at(3), tick=False):
        timeline_entry_add(incident=declared, author=leader, text="Distributor rejects requests.")
    with travel(at(9), tick=False):
        mistake = timeline_entry_add(incident=declared, author=leader, text="Wrong incident.")
    assert stored(declared) == at(9)
    client.force_login(UserFactory(is_staff=True, is_superuser=True))
    data = _admin_form(client, declared)
    [index] = [
        key.split("-")[1]
        for key, value in data.items()
        if key.startswith("timeline-") and key.endswith("-id") and value == [str(mistake.pk)]
    ]
    data[f"timeline-{index}-DELETE"] = ["on"]

    with travel(at(30), tick=False):
        response = client.post(f"/admin/incidents/incident/{declared.pk}/change/", data)

    assert response.status_code == 302, response.context["adminform"].form.errors
    assert not TimelineEntry.objects.filter(pk=mistake.pk).exists()
    assert stored(declared) == at(3)


def test_an_incident_whose_timeline_is_emptied_was_last_updated_when_declared(leader):
    incident = IncidentFactory(declared_at=NOW, call_leader=leader, declared_by=leader)
    entry = TimelineEntryFactory(incident=incident, created_at=at(10))
    assert stored(incident) == at(10)

    entry.delete()
    last_update_recompute(Incident.objects.filter(pk=incident.pk))

    assert stored(incident) == NOW


def _engage(incident, actor):
    incident_engage_team(incident=incident, team=TeamFactory(), actor=actor)


def _raise_severity(incident, actor):
    incident_update(incident=incident, actor=actor, changes={"severity": Severity.SEV1})


def _mitigate_resolve_reopen(incident, actor):
    incident_mitigate(incident=incident, actor=actor)
    incident_resolve(incident=incident, actor=actor)
    incident_reopen(incident=incident, actor=actor, reason="Impact came back.")


@pytest.mark.parametrize(
    "write",
    [
        _engage,
        _raise_severity,
        _mitigate_resolve_reopen,
        lambda incident, actor: incident_gate_changes(incident=incident, actor=actor, gated=True),
    ],
    ids=["engage", "raise severity", "mitigate, resolve, reopen", "gate changes"],
)
def test_every_change_the_timeline_records_is_a_last_update(declared, leader, write):
    with travel(at(40), tick=False):
        write(declared, leader)

    assert stored(declared) == at(40)
    assert TimelineEntry.objects.filter(incident=declared, created_at=at(40)).exists()


def test_an_entry_back_dated_before_the_last_update_never_moves_it_back(declared, leader):
    with travel(at(15), tick=False):
        timeline_entry_add(incident=declared, author=leader, text="Alarm fired.")
    Incident.objects.filter(pk=declared.pk).update(last_update_at=at(30))  # a later write won

    with travel(at(16), tick=False):
        timeline_entry_add(incident=declared, author=leader, text="Paged the distributor team.")

    assert stored(declared) == at(30)


def test_the_list_order_is_open_first_most_severe_newest_whatever_the_last_updates(client, leader):
    def incident(title, minutes, **fields):
        with travel(at(minutes), tick=False):
            made = IncidentFactory(title=title, **fields)
        TimelineEntryFactory(incident=made, created_at=at(100 - minutes))
        return made

    incident("old sev2", 0, severity=2)
    incident("new sev2", 10, severity=2)
    incident("sev1", 5, severity=1)
    incident("mitigated sev1", 20, severity=1, mitigated=True)
    incident("resolved sev1", 30, severity=1, resolved=True)

    with travel(at(200), tick=False):
        rows, _ = shown_on_the_list(client)

    assert rows == [
        ("sev1", "26 Nov 11:35"),
        ("new sev2", "26 Nov 11:30"),
        ("old sev2", "26 Nov 11:40"),
        ("mitigated sev1", "26 Nov 11:20"),
        ("resolved sev1", "26 Nov 11:10"),
    ]


def test_status_values_sort_in_lifecycle_order_which_the_list_and_its_index_rely_on():
    assert sorted(Status.values) == [Status.INVESTIGATING, Status.MITIGATED, Status.RESOLVED]


# The bulk recompute: for the migration that added the field and for rows inserted in bulk


def test_recompute_sets_every_incident_from_its_latest_written_entry(leader):
    declared_only, with_entries, edited = (
        IncidentFactory(declared_at=NOW, last_update_at=at(999)) for _ in range(3)
    )
    TimelineEntry.objects.bulk_create(
        [
            TimelineEntry(incident=with_entries, author=leader, text="a", occurred_at=NOW,
                          created_at=at(5)),
            TimelineEntry(incident=with_entries, author=leader, text="b", occurred_at=NOW,
                          created_at=at(25)),
            TimelineEntry(incident=edited, author=leader, text="c", occurred_at=NOW,
                          created_at=at(5), edited_at=at(50)),
        ]
    )  # fmt: skip

    assert last_update_recompute(Incident.objects.all()) == 3

    assert [stored(i) for i in (declared_only, with_entries, edited)] == [NOW, at(25), at(50)]


def test_the_migration_fills_last_update_with_the_same_function(leader):
    migration = __import__(
        "incidents.migrations.0003_last_update_at_and_list_indexes", fromlist=["fill_last_update"]
    )
    incident = IncidentFactory(declared_at=NOW, last_update_at=at(999))
    TimelineEntry.objects.bulk_create(
        [TimelineEntry(incident=incident, author=leader, text="a", occurred_at=NOW,
                       created_at=at(7))]
    )  # fmt: skip

    migration.fill_last_update(apps, None)

    assert stored(incident) == at(7)
