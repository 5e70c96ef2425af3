"""A declaration form sent twice (a double click, a retry) declares one incident."""

import uuid

import pytest
from django.core import mail
from django.test import Client

from incidents.models import Incident
from tests.concurrency import run_at_once
from tests.org.factories import TeamFactory, UserFactory


@pytest.fixture
def team_of_two():
    team = TeamFactory()
    team.members.add(UserFactory(email="one@example.com"), UserFactory(email="two@example.com"))
    return team


def _form(team, key) -> dict:
    return {
        "declaration_key": str(key),
        "title": "Banana collection fails",
        "severity": 3,
        "call_leader": "",
        "teams": [team.pk],
    }


@pytest.mark.django_db
def test_the_same_form_sent_again_shows_the_incident_it_declared(
    client, team_of_two, django_capture_on_commit_callbacks
):
    declarer = UserFactory()
    client.force_login(declarer)
    form = _form(team_of_two, uuid.uuid4()) | {"call_leader": declarer.pk}

    with django_capture_on_commit_callbacks(execute=True):
        first = client.post("/incidents/new/", form)
        again = client.post("/incidents/new/", form, follow=True)

    incident = Incident.objects.get()
    assert first.url == incident.get_absolute_url()
    assert again.redirect_chain[-1][0] == incident.get_absolute_url()
    assert "sent twice; the incident was declared once" in again.text
    assert len(mail.outbox) == 2  # one email to each member, not two


@pytest.mark.django_db
def test_each_new_form_carries_its_own_key(client):
    client.force_login(UserFactory())

    keys = [client.get("/incidents/new/").context["form"]["declaration_key"].value()
            for _ in range(2)]  # fmt: skip

    assert keys[0] != keys[1]


@pytest.mark.django_db(transaction=True)
def test_two_simultaneous_identical_declarations_create_one_incident_and_one_round_of_email(
    team_of_two,
):
    declarer = UserFactory()
    form = _form(team_of_two, uuid.uuid4()) | {"call_leader": declarer.pk}

    def declare():
        client = Client()
        client.force_login(declarer)
        return client.post("/incidents/new/", form)

    answers, errors = run_at_once(declare, declare)

    assert errors == []
    incident = Incident.objects.get()
    assert sorted(answer.status_code for answer in answers) == [302, 302]
    assert {answer.url for answer in answers} == {incident.get_absolute_url()}
    assert sorted(message.to[0] for message in mail.outbox) == [
        "one@example.com",
        "two@example.com",
    ]


@pytest.mark.django_db
def test_a_damaged_declaration_key_is_refused_with_a_reason(client):
    client.force_login(declarer := UserFactory())

    response = client.post(
        "/incidents/new/",
        {"declaration_key": "not-a-key", "title": "Banana collection fails", "severity": 3,
         "call_leader": declarer.pk},
    )  # fmt: skip

    assert response.status_code == 422
    assert "reload the page and declare" in response.text
    assert not Incident.objects.exists()
