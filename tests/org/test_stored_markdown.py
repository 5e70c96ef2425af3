"""Markdown is rendered when it is saved; pages show the stored, sanitised HTML."""

import io

import cmarkgfm
import pytest
from django.core import mail
from django.core.management import call_command

from coe.models import CoeReview, CoeText
from incidents.models import Incident
from incidents.notifications import incident_notify_team_engaged
from opsreview.actions.models import ActionItem
from opsreview.org.rendering import RENDER_POLICY
from opsreview.org.stored_markdown import MARKDOWN_MAX_CHARS, render_stale_markdown
from tests.coe.factories import CoeFactory, add_item, save_text
from tests.incidents.factories import IncidentFactory

from .factories import TeamFactory, UserFactory

pytestmark = pytest.mark.django_db

# Brackets that once took seconds a page to render, and the text a reader should see.
HOSTILE = "[" * 500 + "![" * 200 + "[a](" * 200


def _refuse_to_parse(*args, **kwargs):
    raise AssertionError("markdown was parsed")


def test_saving_a_text_stores_its_sanitised_html_and_the_policy_it_was_rendered_under():
    coe = CoeFactory()

    text = save_text(coe, "summary", "**Bold** <span hx-get=/x>move</span>")

    stored = CoeText.objects.get(pk=text.pk)
    assert stored.body_html == "<p><strong>Bold</strong> move</p>"
    assert stored.markdown_policy == RENDER_POLICY


def test_saving_other_fields_does_not_render_again(monkeypatch):
    incident = IncidentFactory(customer_impact="")
    incident.title = "Renamed"
    monkeypatch.setattr(cmarkgfm, "github_flavored_markdown_to_html", _refuse_to_parse)

    incident.save(update_fields=["title"])  # would fail the test if it rendered

    assert Incident.objects.get(pk=incident.pk).title == "Renamed"


def test_a_changed_text_saved_by_name_refreshes_its_html():
    incident = IncidentFactory(customer_impact="old")
    incident.customer_impact = "*new*"

    incident.save(update_fields=["customer_impact"])

    assert Incident.objects.get(pk=incident.pk).customer_impact_html == "<p><em>new</em></p>"


@pytest.fixture
def hostile_world():
    coe = CoeFactory()
    save_text(coe, "summary", HOSTILE)
    item = add_item(coe, description=HOSTILE)
    incident = IncidentFactory(customer_impact=HOSTILE)
    CoeReview.objects.create(coe=coe, reviewer=UserFactory(), decision="approve", comment=HOSTILE)
    return coe, item, incident


def test_every_page_with_stored_hostile_text_renders_without_parsing_markdown(
    client, hostile_world, monkeypatch
):
    coe, item, incident = hostile_world
    client.force_login(coe.authors.first())
    monkeypatch.setattr(cmarkgfm, "github_flavored_markdown_to_html", _refuse_to_parse)

    for path in (coe.get_absolute_url(), item.get_absolute_url(), incident.get_absolute_url()):
        response = client.get(path)
        assert response.status_code == 200, path
        assert "[[[[[" in response.text, path  # the brackets are shown as written


def test_rows_rendered_under_an_older_policy_are_rendered_again():
    coe = CoeFactory()
    text = save_text(coe, "lessons", "*Test end to end.*")
    CoeText.objects.filter(pk=text.pk).update(body_html="<p>stale</p>", markdown_policy=1)
    untouched = add_item(coe, description="Fine as it is")

    changed = render_stale_markdown()

    refreshed = CoeText.objects.get(pk=text.pk)
    assert refreshed.body_html == "<p><em>Test end to end.</em></p>"
    assert refreshed.markdown_policy == RENDER_POLICY
    assert changed >= 1
    assert ActionItem.objects.get(pk=untouched.pk).description_html == "<p>Fine as it is</p>"


def test_the_render_markdown_command_can_render_every_row_again():
    coe = CoeFactory()
    text = save_text(coe, "summary", "Plain")
    CoeText.objects.filter(pk=text.pk).update(body_html="<p>tampered</p>")
    out = io.StringIO()

    call_command("render_markdown", "--all", stdout=out)

    assert CoeText.objects.get(pk=text.pk).body_html == "<p>Plain</p>"
    assert "Re-rendered" in out.getvalue()


def test_markdown_columns_refuse_more_than_the_limit():
    from django.core.exceptions import ValidationError

    incident = IncidentFactory()
    incident.customer_impact = "x" * (MARKDOWN_MAX_CHARS + 1)

    with pytest.raises(ValidationError) as refused:
        incident.full_clean()

    assert "customer_impact" in refused.value.message_dict


def test_the_team_engaged_subject_is_plain_text(settings):
    team = TeamFactory(name="R&D <eu-west>")
    member = UserFactory(email="member@example.com")
    team.members.add(member)
    incident = IncidentFactory(title="Bananas & <apples>")

    incident_notify_team_engaged(incident=incident, team=team)

    [message] = mail.outbox
    assert f"R&D <eu-west> engaged: {incident.reference} · Bananas & <apples>" in message.subject
    assert "&amp;" not in message.subject and "&lt;" not in message.subject
    assert "R&D <eu-west> has been engaged" in message.body
