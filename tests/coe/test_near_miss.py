"""A near miss: a COE about an event that almost hurt customers, written without an incident and
held to its own required sections (an admin setting of its own)."""

import io

import pytest
from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.db import IntegrityError, transaction
from django.utils import timezone

from coe import services
from coe.models import Coe, CoeKind, CoeTemplateSettings, Status
from opsreview.meetings.models import OpsMeeting, iso_week
from tests.incidents.factories import IncidentFactory
from tests.org.factories import TeamFactory, UserFactory
from tests.query_budget import count_queries

from .factories import CoeFactory, complete_coe, fill_every_section, save_impact, save_text

pytestmark = pytest.mark.django_db

NEAR_MISS = CoeKind.NEAR_MISS
REFUSAL = "A near miss has no incident"


@pytest.fixture
def author(client):
    user = UserFactory()
    client.force_login(user)
    return user


def near_miss(**fields) -> Coe:
    return CoeFactory(kind=NEAR_MISS, **fields)


def complete_near_miss(**fields) -> Coe:
    return fill_every_section(near_miss(**fields))


def without_impact(coe: Coe) -> Coe:
    save_impact(coe, body="", impact_duration_minutes=None, customers_affected=None)
    return coe


def admin_sets(client, kind: str, **changes) -> None:
    """An admin changes the template settings of `kind` on its admin page."""
    row = CoeTemplateSettings.load(kind)
    values = {
        field.name: getattr(row, field.name)
        for field in CoeTemplateSettings._meta.concrete_fields
        if field.name not in ("id", "kind")
    } | changes
    data = {name: ("on" if value is True else value) for name, value in values.items()}
    data = {name: value for name, value in data.items() if value is not False}
    client.force_login(UserFactory(is_staff=True, is_superuser=True))
    response = client.post(f"/admin/coe/coetemplatesettings/{row.pk}/change/", data)
    assert response.status_code == 302, response.context["adminform"].form.errors


# Starting one


def test_starting_a_coe_offers_a_near_miss(client, author):
    page = client.get("/coe/new/").text

    assert "Near miss (no customer impact)" in page
    assert 'name="kind" value="near_miss"' in page


def test_a_near_miss_started_from_the_page_has_no_incident_and_says_so(client, author):
    team = TeamFactory()

    response = client.post(
        "/coe/new/", {"title": "Disk almost full", "team": team.pk, "kind": "near_miss"}
    )

    coe = Coe.objects.get()
    assert response["Location"] == f"/coe/{coe.pk}/"
    assert (coe.kind, coe.incident, coe.status) == (NEAR_MISS, None, Status.DRAFT)
    assert 'data-testid="near-miss">Near miss</span>' in client.get(f"/coe/{coe.pk}/").text


def test_a_coe_started_without_choosing_is_not_a_near_miss(client, author):
    client.post("/coe/new/", {"title": "Gateway outage", "team": TeamFactory().pk})

    coe = Coe.objects.get()
    assert coe.kind == CoeKind.INCIDENT
    assert 'data-testid="near-miss"' not in client.get(f"/coe/{coe.pk}/").text


def test_a_near_miss_with_an_incident_is_refused_with_a_message(client, author):
    incident = IncidentFactory(declared_by=author)  # its call leader

    response = client.post(
        "/coe/new/",
        {"title": "Both", "team": TeamFactory().pk, "kind": "near_miss", "incident": incident.pk},
    )

    assert response.status_code == 422
    assert REFUSAL in response.context["form"].errors["incident"][0]
    assert REFUSAL in response.text
    assert not Coe.objects.exists()


def test_a_near_miss_with_an_incident_it_could_not_work_is_refused_the_same_way(client, author):
    incident = IncidentFactory()  # someone else's: the near-miss refusal comes first, not a 403

    response = client.post(
        "/coe/new/",
        {"title": "Both", "team": TeamFactory().pk, "kind": "near_miss", "incident": incident.pk},
    )

    assert response.status_code == 422
    assert REFUSAL in response.text
    assert not Coe.objects.exists()


def test_the_service_and_the_database_refuse_a_near_miss_with_an_incident():
    incident = IncidentFactory()
    with pytest.raises(ValidationError, match=REFUSAL):
        services.coe_create(
            title="Both",
            team=TeamFactory(),
            actor=incident.call_leader,
            incident=incident,
            kind=NEAR_MISS,
        )
    coe = near_miss()

    with pytest.raises(IntegrityError), transaction.atomic():
        Coe.objects.filter(pk=coe.pk).update(incident=incident)


# Its own required sections


def test_a_near_miss_needs_no_impact_section_but_an_incidents_coe_does():
    assert without_impact(complete_near_miss()).missing_sections() == {}
    assert list(without_impact(complete_coe()).missing_sections()) == ["impact"]


def test_the_near_miss_settings_start_as_the_incidents_without_the_impact():
    incident, near = CoeTemplateSettings.load(), CoeTemplateSettings.load(NEAR_MISS)

    assert near.required_sections() == [s for s in incident.required_sections() if s != "impact"]
    assert (near.min_why_depth, near.min_corrective_actions, near.min_timeline_entries) == (
        incident.min_why_depth,
        incident.min_corrective_actions,
        incident.min_timeline_entries,
    )


def test_the_impact_numbers_are_never_required_of_a_near_miss(client):
    admin_sets(client, NEAR_MISS, require_impact=True)
    coe = without_impact(complete_near_miss())
    assert coe.missing_sections() == {"impact": ["Describe who would have been affected and how."]}

    save_text(coe, "impact", "Had the disk filled, no banana could have been collected.")

    assert (coe.impact_duration_minutes, coe.customers_affected) == (None, None)
    assert coe.missing_sections() == {}


def test_submit_follows_the_near_miss_settings_an_admin_changes(client):
    coe = complete_near_miss()
    incidents_coe = complete_coe()
    admin_sets(client, NEAR_MISS, require_related=True, min_why_depth=6)

    client.force_login(coe.created_by)
    response = client.post(f"/coe/{coe.pk}/submit/", follow=True)
    assert response.redirect_chain == [(f"/coe/{coe.pk}/?submit=refused#checklist", 302)]
    assert "Link related COEs, incidents or tickets." in response.text
    assert "keep asking why until at least 6" in response.text
    coe.refresh_from_db()
    assert coe.status == Status.DRAFT
    # The incidents' settings are their own: the same changes do not touch their COEs.
    client.force_login(incidents_coe.created_by)
    assert client.post(f"/coe/{incidents_coe.pk}/submit/").status_code == 302
    incidents_coe.refresh_from_db()
    assert incidents_coe.status == Status.IN_REVIEW

    admin_sets(client, NEAR_MISS, require_related=False, min_why_depth=5)
    client.force_login(coe.created_by)
    assert client.post(f"/coe/{coe.pk}/submit/")["Location"] == f"/coe/{coe.pk}/"
    coe.refresh_from_db()
    assert coe.status == Status.IN_REVIEW


def test_the_admin_edits_one_row_per_kind_and_adds_no_third(client):
    CoeTemplateSettings.load()
    client.force_login(UserFactory(is_staff=True, is_superuser=True))

    page = client.get("/admin/coe/coetemplatesettings/").text

    assert "COE template settings: Customer impact" in page
    assert "COE template settings: Near miss (no customer impact)" in page
    assert client.get("/admin/coe/coetemplatesettings/add/").status_code == 403


# Finding them


def test_the_list_filters_near_misses(client, author):
    almost = near_miss(title="Disk almost full", actor=author)
    outage = CoeFactory(title="Gateway outage", actor=author)

    def listed(query: str) -> list[str]:
        return [coe.title for coe in client.get(f"/coe/{query}").context["rows"]]

    assert listed("?kind=near_miss") == [almost.title]
    assert listed("?kind=incident") == [outage.title]
    assert listed("") == [outage.title, almost.title]
    assert '<span class="badge">Near miss</span>' in client.get("/coe/?kind=near_miss").text


def test_the_page_of_a_near_miss_takes_the_queries_that_of_any_coe_takes(client):
    almost, other = complete_near_miss(), complete_coe()
    client.force_login(UserFactory(is_staff=True))

    counts = []
    for coe in (almost, other):
        count_queries(client, coe.get_absolute_url())  # warm per-process caches
        counts.append(count_queries(client, coe.get_absolute_url()))

    assert counts[0] == counts[1]


# The demo


def test_the_demo_has_an_approved_near_miss_shown_on_the_ops_meeting(client):
    call_command("seed_demo", stdout=io.StringIO())
    coe = Coe.objects.get(kind=NEAR_MISS)
    client.force_login(UserFactory(is_staff=True))

    assert (coe.status, coe.incident) == (Status.APPROVED, None)
    assert 'data-testid="near-miss"' in client.get(coe.get_absolute_url()).text
    meeting = OpsMeeting.objects.get(week=iso_week(timezone.localdate()))
    for page in (meeting.get_absolute_url(), f"{meeting.get_absolute_url()}present/"):
        response = client.get(page)
        assert response.status_code == 200
    assert coe.title in client.get(meeting.get_absolute_url()).text
