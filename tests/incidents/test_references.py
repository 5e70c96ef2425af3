"""Every incident has a short, stable reference (INC-<id>): shown where it is named, and found
by search."""

import pytest
from django.core import mail

from incidents.models import Incident, Severity
from incidents.notifications import incident_notify_team_engaged
from tests.coe.factories import CoeFactory
from tests.org.factories import TeamFactory, UserFactory

from .factories import CallLeaderFactory, IncidentFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def leader(client):
    user = CallLeaderFactory().user
    client.force_login(user)
    return user


# The reference and its parsing


def test_the_reference_is_inc_and_the_id():
    incident = IncidentFactory(title="Checkout down")

    assert incident.reference == f"INC-{incident.pk}"
    assert str(incident).startswith(f"INC-{incident.pk} · ")


def test_an_unsaved_incident_has_no_reference_yet():
    assert Incident(title="Draft").reference == ""


@pytest.mark.parametrize(
    "text", ["INC-142", "inc-142", "Inc-142", "INC142", "inc142", "#142", "  INC-142\n", "\t#142 "]
)
def test_a_reference_is_read_in_any_of_its_typed_forms(text):
    assert Incident.pk_from_reference(text) == 142


@pytest.mark.parametrize(
    "text",
    [
        "",
        "   ",
        "INC-",
        "INC",
        "#",
        "INC-abc",
        "INC-142x",
        "INC--142",
        "INC 142",
        "142",
        "INC-0",
        "#-1",
        "INC-١٤٢",  # digits of another script are not an id
        "INC-99999999999999999999",
        f"INC-{2**63}",
        "[[[[",
        "Checkout down",
        "INC-142 INC-143",
        "INC-" + "1" * 10_000,
        "x" * 10_240,
    ],
)
def test_anything_else_is_not_a_reference(text):
    assert Incident.pk_from_reference(text) is None


def test_the_largest_id_the_column_holds_is_still_a_reference():
    assert Incident.pk_from_reference(f"INC-{2**63 - 1}") == 2**63 - 1


# Where it is shown


def test_the_incident_page_names_it_in_its_title_and_heading(client, leader):
    incident = IncidentFactory(title="Checkout down")

    html = client.get(incident.get_absolute_url()).text

    title = html.split("<title>", 1)[1].split("</title>", 1)[0]
    assert f"INC-{incident.pk}" in title and "Checkout down" in title
    assert f"<h1>INC-{incident.pk} · Checkout down</h1>" in html


def test_the_banner_names_open_major_incidents_by_reference(client, leader):
    incident = IncidentFactory(title="Bananas unavailable", severity=Severity.SEV1)

    html = client.get("/teams/").text

    banner = html.split('aria-label="Open major incidents"', 1)[1].split("</div>", 1)[0]
    assert f"INC-{incident.pk} · Bananas unavailable" in banner


def test_the_list_shows_each_incidents_reference(client, leader):
    incident = IncidentFactory(title="Checkout down")

    assert f"INC-{incident.pk}</span> Checkout down" in client.get("/incidents/").text


def test_the_engaged_email_carries_the_reference_in_its_subject_and_body():
    member = UserFactory(email="ana@example.com")
    team = TeamFactory(name="Payments", members=[member])
    incident = IncidentFactory(title="Checkout down", severity=Severity.SEV2)

    incident_notify_team_engaged(incident=incident, team=team)

    (message,) = mail.outbox
    reference = f"INC-{incident.pk}"
    assert f"{reference} · Checkout down" in message.subject
    assert f"{reference} · Sev-2: Checkout down" in message.body
    html = message.alternatives[0][0]
    assert f"{reference} · Sev-2: Checkout down" in html


def test_the_coe_page_names_its_incident_by_reference(client):
    incident = IncidentFactory(title="Checkout down")
    author = UserFactory()
    coe = CoeFactory(incident=incident, actor=author)
    client.force_login(author)

    html = client.get(coe.get_absolute_url()).text

    assert f"INC-{incident.pk} · Checkout down</a>" in html


# Searching the incident list


def listed(response) -> list[str]:
    return [incident.title for incident in response.context["page"].object_list]


def test_searching_a_reference_goes_straight_to_that_incident(client, leader):
    incident = IncidentFactory(title="Checkout down")
    IncidentFactory(title="Glitch")

    for typed in (incident.reference, f"inc{incident.pk}", f" #{incident.pk} "):
        response = client.get("/incidents/", {"q": typed})
        assert response.status_code == 302
        assert response["Location"] == incident.get_absolute_url()


def test_a_reference_outside_the_other_filters_finds_nothing(client, leader):
    incident = IncidentFactory(title="Checkout down", severity=Severity.SEV3)

    response = client.get("/incidents/", {"q": incident.reference, "severity": 1})

    assert response.status_code == 200
    assert listed(response) == []
    assert "No incidents match this search." in response.text


def test_searching_words_finds_incidents_by_title_with_the_other_filters(client, leader):
    IncidentFactory(title="Checkout down", severity=Severity.SEV2)
    IncidentFactory(title="Checkout slow", severity=Severity.SEV4)
    IncidentFactory(title="Bananas unavailable", severity=Severity.SEV2)

    assert sorted(listed(client.get("/incidents/", {"q": "checkout"}))) == [
        "Checkout down",
        "Checkout slow",
    ]
    assert listed(client.get("/incidents/", {"q": " CHECKOUT ", "severity": 2})) == [
        "Checkout down"
    ]


def test_a_search_pages_through_its_matches_and_keeps_itself_in_the_page_links(client, leader):
    IncidentFactory.create_batch(30, title="Checkout down")
    IncidentFactory(title="Glitch")

    first = client.get("/incidents/", {"q": "checkout"})
    second = client.get("/incidents/", {"q": "checkout", "page": 2})

    assert len(listed(first)) == 25 and len(listed(second)) == 5
    assert "q=checkout" in first.context["query"]


def test_a_reference_to_no_incident_and_unmatched_words_say_nothing_matches(client, leader):
    IncidentFactory(title="Checkout down")

    for q in ("INC-999999", "bananas", "[[[["):
        response = client.get("/incidents/", {"q": q})
        assert response.status_code == 200
        assert listed(response) == []
        assert "No incidents match this search." in response.text


def test_a_search_too_long_to_run_is_refused_with_the_reason(client, leader):
    IncidentFactory(title="Checkout down")

    response = client.get("/incidents/", {"q": "x" * 201})

    assert response.status_code == 400
    assert "Search for at most 200 characters (this is 201)." in response.text
    assert "Checkout down" not in response.text


# Searching COEs by their incident's reference


def test_the_coe_list_finds_the_coe_of_the_incident_a_reference_names(client):
    author = UserFactory()
    incident = IncidentFactory(title="Checkout down")
    coe = CoeFactory(incident=incident, actor=author, title="Checkout outage")
    CoeFactory(incident=IncidentFactory(), actor=author, title="Other outage")
    client.force_login(author)

    response = client.get("/coe/", {"q": f"inc-{incident.pk}"})

    assert response.status_code == 200
    assert [row.pk for row in response.context["rows"]] == [coe.pk]
    assert [row.pk for row in client.get("/coe/", {"q": "INC-999999"}).context["rows"]] == []
