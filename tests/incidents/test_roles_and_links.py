"""What a call leader needs in the header: the chat channel and bridge, and who holds the call's
other roles (scribe, communications, subject-matter experts)."""

from datetime import timedelta

import pytest
from django.utils import timezone

from incidents.models import Incident, IncidentRole, TimelineEntry
from tests.org.factories import UserFactory

from .factories import IncidentFactory

pytestmark = pytest.mark.django_db

HTMX = {"HX-Request": "true"}


@pytest.fixture
def incident(leader):
    return IncidentFactory(call_leader=leader, declared_by=leader)


def header(html: str) -> str:
    start = html.index('<header id="incident-header"')
    return html[start : html.index("</header>", start)]


def name(client, incident, role, person, **extra):
    return client.post(
        f"/incidents/{incident.pk}/roles/", {"role": role, "person": person.username}, **extra
    )


# Roles


def test_naming_a_scribe_shows_them_in_the_header_and_on_the_timeline(client, incident, leader):
    sam = UserFactory(first_name="Sam", last_name="Scribe")

    response = name(client, incident, "scribe", sam)

    assert response.status_code == 302
    held = IncidentRole.objects.get(incident=incident)
    assert (held.role, held.person, held.assigned_by) == ("scribe", sam, leader)
    top = header(client.get(incident.get_absolute_url()).text)
    assert "<dt>Scribe</dt>" in top and "Sam Scribe" in top
    assert TimelineEntry.objects.filter(incident=incident, text__startswith="Scribe: Sam").exists()


def test_a_new_scribe_takes_over_and_the_timeline_says_from_whom(client, incident):
    first, second = UserFactory(first_name="Ann"), UserFactory(first_name="Bo")
    name(client, incident, "scribe", first)
    name(client, incident, "scribe", second)

    assert list(
        IncidentRole.objects.filter(incident=incident).values_list("person", flat=True)
    ) == [second.pk]
    latest = TimelineEntry.objects.filter(incident=incident).latest("pk").text
    assert latest.startswith("Scribe: Bo") and "was Ann" in latest


def test_many_experts_are_listed_together(client, incident):
    for first in ("Ann", "Bo"):
        name(client, incident, "expert", UserFactory(first_name=first, last_name="X"))
    top = header(client.get(incident.get_absolute_url()).text)
    assert "<dt>Subject-matter experts</dt><dd>Ann X, Bo X</dd>" in top


def test_the_same_person_twice_in_a_role_is_refused_with_a_message(client, incident):
    sam = UserFactory(first_name="Sam")
    name(client, incident, "expert", sam)

    response = name(client, incident, "expert", sam, headers=HTMX)

    assert response.status_code == 422
    assert "is already Subject-matter expert" in response.text
    assert IncidentRole.objects.filter(incident=incident).count() == 1


@pytest.mark.parametrize(
    "data, message",
    [
        ({"role": "pope", "person": "x"}, "Select a valid choice"),
        ({"role": "scribe", "person": "nobody-by-this-name"}, ""),
        ({"role": "scribe", "person": ""}, "This field is required"),
    ],
)
def test_bad_role_input_is_refused_with_a_message_and_nothing_saved(
    client, incident, data, message
):
    response = client.post(f"/incidents/{incident.pk}/roles/", data)
    assert response.status_code == 422
    assert message in response.text
    assert not IncidentRole.objects.exists()


def test_someone_not_working_the_incident_cannot_name_roles(client, incident):
    client.force_login(UserFactory())
    response = name(client, incident, "scribe", UserFactory())
    assert response.status_code == 403
    assert not IncidentRole.objects.exists()


def test_a_resolved_incident_keeps_its_roles_as_they_were(client, leader):
    incident = IncidentFactory(call_leader=leader, resolved=True)
    response = name(client, incident, "scribe", UserFactory())
    assert response.status_code == 422
    assert "reopen it before changing its roles" in response.text
    assert not IncidentRole.objects.exists()


def test_removing_someone_from_a_role(client, incident, leader):
    sam = UserFactory(first_name="Sam", last_name="S")
    name(client, incident, "communications", sam)
    held = IncidentRole.objects.get()

    response = client.post(f"/incidents/{incident.pk}/roles/{held.pk}/remove/")

    assert response.status_code == 302
    assert not IncidentRole.objects.exists()
    assert TimelineEntry.objects.filter(
        incident=incident, text__startswith="Sam S is no longer Communications"
    ).exists()
    other = IncidentFactory()
    assert client.post(f"/incidents/{other.pk}/roles/{held.pk}/remove/").status_code == 403


# Links


def _local(moment) -> str:
    return timezone.localtime(moment).strftime("%Y-%m-%dT%H:%M")


def _edit(client, incident, **links):
    data = {
        "title": incident.title,
        "severity": incident.severity,
        "call_leader": incident.call_leader.username,
        "impact_started_at": _local(incident.impact_started_at),
        "detected_at": _local(incident.detected_at),
        "customer_impact": "",
        **links,
    }
    return client.post(f"/incidents/{incident.pk}/edit/", data)


def test_chat_and_bridge_links_open_in_a_new_tab_from_the_header(client, incident):
    response = _edit(
        client,
        incident,
        chat_url="https://chat.example.com/channels/inc",
        bridge_url="https://meet.example.com/j/123?pwd=abc",
    )
    assert response.status_code == 302
    top = header(client.get(incident.get_absolute_url()).text)
    assert (
        '<a class="button" href="https://chat.example.com/channels/inc" target="_blank" '
        'rel="noopener noreferrer" data-testid="chat-link">'
    ) in top
    assert 'href="https://meet.example.com/j/123?pwd=abc" target="_blank"' in top


@pytest.mark.parametrize(
    "link",
    [
        "javascript:alert(1)",
        "ftp://files.example.com/x",
        "file:///etc/passwd",
        "https://" + "a" * 600 + ".example.com",
        "not a link",
    ],
)
def test_a_link_that_is_not_a_web_address_is_refused(client, incident, link):
    response = _edit(client, incident, chat_url=link)
    assert response.status_code == 422
    assert "Enter a web address that starts with http:// or https://." in response.text or (
        "Keep a link under 500 characters" in response.text
    )
    assert Incident.objects.get(pk=incident.pk).chat_url == ""


def test_links_can_be_given_when_declaring(client, leader):
    client.post(
        "/incidents/new/",
        {
            "title": "Bananas unavailable",
            "severity": 3,
            "call_leader": leader.username,
            "bridge_url": "https://meet.example.com/j/9",
        },
    )
    assert Incident.objects.get().bridge_url == "https://meet.example.com/j/9"


def test_an_edit_that_moves_detection_after_mitigation_is_refused_above_the_form(client, leader):
    started = timezone.now() - timedelta(hours=3)
    incident = IncidentFactory(call_leader=leader, mitigated=True, impact_started_at=started)
    later = incident.mitigated_at + timedelta(minutes=30)

    response = _edit(client, incident, detected_at=_local(later))

    assert response.status_code == 422
    assert "The time mitigated cannot be before the time detected." in response.text
    assert Incident.objects.get(pk=incident.pk).detected_at == incident.detected_at
