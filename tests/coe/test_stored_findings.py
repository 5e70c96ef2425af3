"""Blameless findings are worked out when a text is saved and stored beside it; pages read them
from there, and only the submit gate checks again with today's people."""

import io
from datetime import timedelta

import pytest
from django.core.management import call_command
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.utils import timezone

from coe import services
from coe.findings import findings_refresh, stored_findings
from coe.models import (
    BlamelessAcknowledgement,
    Coe,
    CoeText,
    CoeTimelineEntry,
    ContributingFactor,
    Status,
    WhyStep,
)
from tests.incidents.factories import IncidentFactory, TimelineEntryFactory
from tests.org.factories import UserFactory

from .factories import FIVE_WHYS, CoeFactory, add_factor, complete_coe, save_text

pytestmark = pytest.mark.django_db

OPERATOR_ERROR = {
    "section": "lessons",
    "phrase": "operator error",
    "suggestion": (
        "Say what let one action cause the outage: the missing guardrail, check or automation."
    ),
    "kind": "phrase",
}


def _page_findings(client, coe) -> list[tuple[str, str]]:
    response = client.get(coe.get_absolute_url())
    return [
        (item["finding"].section, item["finding"].phrase) for item in response.context["findings"]
    ]


def test_saving_a_text_stores_its_findings():
    coe = CoeFactory()
    save_text(coe, "lessons", "It was operator error.")
    assert CoeText.objects.get(coe=coe, key="lessons").findings == [OPERATOR_ERROR]

    save_text(coe, "lessons", "One command could change every gateway at once.")
    assert CoeText.objects.get(coe=coe, key="lessons").findings == []


def test_the_page_shows_the_stored_findings_without_checking_the_text_again(client):
    coe = CoeFactory()
    save_text(coe, "lessons", "It was operator error.")
    save_text(coe, "summary", "Checkout failed after a gateway change.")
    client.force_login(coe.created_by)
    # Stored rows that disagree with their text: a page that checked again would not show this.
    CoeText.objects.filter(coe=coe, key="lessons").update(findings=[])
    CoeText.objects.filter(coe=coe, key="summary").update(
        findings=[OPERATOR_ERROR | {"section": "summary", "phrase": "stored, not rechecked"}]
    )

    html = client.get(coe.get_absolute_url()).text

    assert "“stored, not rechecked”" in html
    assert "“operator error”" not in html
    assert _page_findings(client, coe) == [("summary", "stored, not rechecked")]


def test_timeline_entries_store_their_findings_when_added_and_lose_them_when_removed(client):
    coe = CoeFactory()
    entry = services.coe_timeline_entry_add(
        coe=coe, actor=coe.created_by, occurred_at=timezone.now(), text="Human error, again."
    )
    assert [f["phrase"] for f in entry.findings] == ["Human error"]
    client.force_login(coe.created_by)
    assert _page_findings(client, coe) == [("timeline", "Human error")]

    services.coe_timeline_entry_delete(entry=entry, actor=coe.created_by)

    assert _page_findings(client, coe) == []


def test_entries_copied_from_the_incident_store_their_findings():
    incident = IncidentFactory()
    TimelineEntryFactory(incident=incident, text="Rolled back; it was operator error.")
    TimelineEntryFactory(incident=incident, text="Error rate back to baseline.")
    coe = CoeFactory(incident=incident, actor=incident.call_leader)

    services.coe_timeline_copy_from_incident(coe=coe, actor=coe.created_by)

    stored = {e.text: e.findings for e in CoeTimelineEntry.objects.filter(coe=coe)}
    assert [f["phrase"] for f in stored["Rolled back; it was operator error."]] == [
        "operator error"
    ]
    assert stored["Error rate back to baseline."] == []


def test_a_factor_stores_the_findings_of_its_steps_and_of_where_its_chain_ends():
    coe = CoeFactory()
    factor = add_factor(
        coe, steps=[*FIVE_WHYS[:4], ("Why did it reach production?", "Someone forgot the check.")]
    )

    stored = ContributingFactor.objects.get(pk=factor.pk).findings
    assert [(f["kind"], f["phrase"]) for f in stored] == [("chain", "Someone forgot the check.")]

    fixed = services.factor_save(
        factor=factor,
        actor=coe.created_by,
        base_version=factor.version,
        title=factor.title,
        category=factor.category,
        steps=FIVE_WHYS,
    )
    assert ContributingFactor.objects.get(pk=fixed.pk).findings == []


def test_a_finding_found_in_two_places_is_listed_once_in_document_order(client):
    coe = CoeFactory()
    save_text(coe, "lessons", "Operator error.")
    save_text(coe, "summary", "Human error. Then operator error.")
    save_text(coe, "detection", "Human  error.")
    client.force_login(coe.created_by)

    assert _page_findings(client, coe) == [
        ("summary", "Human error"),
        ("summary", "operator error"),
        ("detection", "Human  error"),
        ("lessons", "Operator error"),
    ]


def test_someone_named_after_the_save_is_caught_by_the_submit_gate_and_then_shown(client):
    coe = complete_coe()
    save_text(coe, "lessons", "Ridley deleted the node before it was drained.")
    client.force_login(coe.created_by)
    assert _page_findings(client, coe) == []  # nobody called Ridley when it was saved

    UserFactory(first_name="Ridley", last_name="Scott")
    refused = client.post(f"/coe/{coe.pk}/submit/", follow=True)

    assert refused.redirect_chain == [(f"/coe/{coe.pk}/?submit=refused#checklist", 302)]
    assert "1 blameless finding to resolve or acknowledge" in refused.text
    assert "“Ridley deleted”" in refused.text
    coe.refresh_from_db()
    assert coe.status == Status.DRAFT
    assert [f["phrase"] for f in CoeText.objects.get(coe=coe, key="lessons").findings] == [
        "Ridley deleted"
    ]
    assert _page_findings(client, coe) == [("lessons", "Ridley deleted")]


def test_a_stored_finding_is_acknowledged_by_the_same_fingerprint_as_before(client):
    coe = complete_coe()
    save_text(coe, "lessons", "The customer wrote: “operator error”.")
    client.force_login(coe.created_by)
    [finding] = client.get(coe.get_absolute_url()).context["findings"]
    assert finding["finding"].fingerprint == "lessons:phrase:operator error"

    client.post(
        f"/coe/{coe.pk}/acknowledge/",
        {"fingerprint": finding["finding"].fingerprint, "reason": "A customer's words."},
    )

    assert BlamelessAcknowledgement.objects.get(coe=coe).reason == "A customer's words."
    assert client.post(f"/coe/{coe.pk}/submit/").status_code == 302
    coe.refresh_from_db()
    assert coe.status == Status.IN_REVIEW


def _bulk_coe() -> Coe:
    """A COE written as the benchmark seeder writes one: rows inserted in bulk, nothing checked."""
    coe = CoeFactory()
    CoeText.objects.filter(coe=coe, key="lessons").update(body="Sloppy work, human error.")
    CoeTimelineEntry.objects.bulk_create(
        [CoeTimelineEntry(coe=coe, occurred_at=timezone.now(), text="Careless push.")]
    )
    factor = ContributingFactor.objects.create(coe=coe, title="Manual deploy")
    WhyStep.objects.bulk_create(
        [WhyStep(factor=factor, position=1, why="Why?", because="The engineer forgot.")]
    )
    return coe


def test_findings_refresh_fills_rows_inserted_in_bulk_and_then_has_nothing_to_do():
    coes = [_bulk_coe(), _bulk_coe()]
    assert all(stored_findings(coe) == [] for coe in coes)

    changed = findings_refresh(Coe.objects.all())

    assert changed == 6  # per COE: the lessons, the timeline entry, the factor
    for coe in Coe.objects.for_editor():
        assert [(f.section, f.phrase) for f in stored_findings(coe)] == [
            ("timeline", "Careless"),
            ("five_whys", "The engineer forgot."),
            ("lessons", "Sloppy"),
            ("lessons", "human error"),
        ]
    assert findings_refresh(Coe.objects.all()) == 0


@pytest.mark.django_db(transaction=True)
def test_the_migration_fills_the_findings_of_existing_rows():
    executor = MigrationExecutor(connection)
    executor.migrate([("coe", "0001_initial")])
    old_apps = executor.loader.project_state([("coe", "0001_initial")]).apps
    user = old_apps.get_model("auth", "User").objects.create(username="rsmith", first_name="Rae")
    team = old_apps.get_model("org", "Team").objects.create(name="Gateway", slug="gateway")
    old_coe = old_apps.get_model("coe", "Coe").objects.create(
        title="Old", team=team, created_by=user, created_at=timezone.now() - timedelta(days=9)
    )
    old_apps.get_model("coe", "CoeText").objects.create(
        coe=old_coe, key="lessons", body="Rae broke the build."
    )

    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(executor.loader.graph.leaf_nodes())

    lessons = CoeText.objects.get(coe_id=old_coe.pk, key="lessons")
    assert [f["phrase"] for f in lessons.findings] == ["Rae broke"]


def test_the_refresh_command_stores_findings_for_rows_inserted_in_bulk():
    coe = _bulk_coe()
    out = io.StringIO()

    call_command("refresh_findings", stdout=out)

    assert out.getvalue() == "Stored new findings for 3 rows.\n"
    assert [f.phrase for f in stored_findings(Coe.objects.for_editor().get(pk=coe.pk))] == [
        "Careless",
        "The engineer forgot.",
        "Sloppy",
        "human error",
    ]
