"""Each text limit is one number: the column, the form, the service's check and the page's
`maxlength` all say the same, and a value past it is refused saying so, never cut short.
"""

from html.parser import HTMLParser

import pytest
from django.core.exceptions import ValidationError
from django.db import models
from django.utils import timezone

from coe import forms as coe_forms
from coe import services as coe_services
from coe.findings import coe_findings
from coe.models import (
    BlamelessAcknowledgement,
    Coe,
    CoeReview,
    CoeTimelineEntry,
    ContributingFactor,
    WhyStep,
)
from incidents import forms as incident_forms
from incidents.models import Incident, Status, TimelineEntry
from incidents.services import incident_reopen, timeline_entry_add
from opsreview.actions import forms as action_forms
from opsreview.actions.models import ActionItem, ItemStatus
from opsreview.actions.services import action_item_wont_do
from opsreview.org import forms as org_forms
from opsreview.org.models import AuditEvent, Team
from tests.coe.factories import CoeFactory, add_factor, add_item, save_text
from tests.incidents.factories import IncidentFactory
from tests.org.factories import TeamFactory, UserFactory
from tests.wheel.factories import wheel_with_teams
from wheel import forms as wheel_forms
from wheel import services as wheel_services
from wheel.models import Participant, Rig, Spin

pytestmark = pytest.mark.django_db

HTMX = {"HTTP_HX_REQUEST": "true"}


def column_limit(model: type[models.Model], name: str) -> int:
    return model._meta.get_field(name).max_length


def form_limit(form_class, name: str) -> int:
    # FactorForm adds its why/because rows when made, so those are read from an instance.
    fields = form_class.base_fields if name in form_class.base_fields else form_class().fields
    return fields[name].max_length


class _Boxes(HTMLParser):
    """Every input and textarea on a page, as its attributes."""

    def __init__(self):
        super().__init__()
        self.boxes: list[dict[str, str | None]] = []

    def handle_starttag(self, tag, attrs):
        if tag in ("input", "textarea"):
            self.boxes.append(dict(attrs))


def maxlengths(html: str, name: str) -> list[str | None]:
    """The maxlength of every box called `name` on the page (None where a box has none)."""
    parser = _Boxes()
    parser.feed(html)
    return [box.get("maxlength") for box in parser.boxes if box.get("name") == name]


# The column and the form agree


@pytest.mark.parametrize(
    ("model", "column", "form_class", "field"),
    [
        pytest.param(Coe, "title", coe_forms.CoeCreateForm, "title", id="coe-title-new"),
        pytest.param(Coe, "title", coe_forms.TitleForm, "title", id="coe-title-rename"),
        pytest.param(
            CoeTimelineEntry, "text", coe_forms.CoeTimelineEntryForm, "text", id="coe-timeline"
        ),
        pytest.param(ContributingFactor, "title", coe_forms.FactorForm, "title", id="factor"),
        pytest.param(WhyStep, "why", coe_forms.FactorForm, "why_1", id="why"),
        pytest.param(WhyStep, "because", coe_forms.FactorForm, "because_1", id="because"),
        pytest.param(
            BlamelessAcknowledgement,
            "fingerprint",
            coe_forms.AcknowledgeForm,
            "fingerprint",
            id="ack-fingerprint",
        ),
        pytest.param(
            BlamelessAcknowledgement, "reason", coe_forms.AcknowledgeForm, "reason", id="ack-reason"
        ),
        pytest.param(Incident, "title", incident_forms.DeclareForm, "title", id="incident-declare"),
        pytest.param(
            Incident, "title", incident_forms.IncidentEditForm, "title", id="incident-edit"
        ),
        pytest.param(
            TimelineEntry, "text", incident_forms.ReopenForm, "reason", id="reopen-reason"
        ),
        pytest.param(
            TimelineEntry, "text", incident_forms.TimelineEntryForm, "text", id="timeline-add"
        ),
        pytest.param(
            TimelineEntry, "text", incident_forms.TimelineEntryEditForm, "text", id="timeline-edit"
        ),
        pytest.param(TimelineEntry, "text", incident_forms.MitigateForm, "note", id="mitigate"),
        pytest.param(ActionItem, "title", action_forms.ActionItemForm, "title", id="item"),
        pytest.param(ActionItem, "title", action_forms.ShortTermItemForm, "title", id="item-short"),
        pytest.param(ActionItem, "title", action_forms.ActionItemEditForm, "title", id="item-edit"),
        pytest.param(Participant, "name", wheel_forms.ParticipantForm, "name", id="participant"),
        pytest.param(
            Participant, "name", wheel_forms.ParticipantEditForm, "name", id="participant-edit"
        ),
        pytest.param(Rig, "reason", wheel_forms.RigForm, "reason", id="rig-reason"),
        pytest.param(Team, "name", org_forms.TeamForm, "name", id="team"),
        pytest.param(AuditEvent, "actor_label", org_forms.AuditFilterForm, "person", id="audit"),
    ],
)
def test_a_form_allows_exactly_what_its_column_holds(model, column, form_class, field):
    assert form_limit(form_class, field) == column_limit(model, column)


def test_the_wont_do_form_allows_exactly_what_the_service_keeps():
    assert form_limit(action_forms.WontDoForm, "reason") == ActionItem.WONT_DO_REASON_MAX


def test_a_review_comment_the_form_allows_fits_its_column():
    assert form_limit(coe_forms.ReviewForm, "comment") == CoeReview.COMMENT_MAX
    assert column_limit(CoeReview, "comment") >= CoeReview.COMMENT_MAX


@pytest.mark.parametrize("model", [Rig, Spin])
def test_a_copied_participant_name_fits_a_participant_or_a_team_name(model):
    assert column_limit(model, "participant_name") >= column_limit(Participant, "name")
    assert column_limit(model, "participant_name") >= column_limit(Team, "name")


# The page's boxes say the same


@pytest.fixture
def author(client):
    user = UserFactory()
    client.force_login(user)
    return user


@pytest.fixture
def coe(author):
    return coe_services.coe_create(title="Gateway outage", team=TeamFactory(), actor=author)


def test_the_coe_title_box_holds_what_the_column_holds(client, coe):
    html = client.get(coe.get_absolute_url()).text
    assert maxlengths(html, "title") == [str(column_limit(Coe, "title"))]


def test_the_box_for_keeping_flagged_wording_holds_what_the_column_holds(client, coe):
    save_text(coe, "lessons", "It was operator error.")
    html = client.get(coe.get_absolute_url()).text
    assert maxlengths(html, "reason") == [str(column_limit(BlamelessAcknowledgement, "reason"))]


def test_the_coe_search_box_holds_what_the_search_form_allows(client, author):
    html = client.get("/coe/").text
    assert maxlengths(html, "q") == [str(form_limit(coe_forms.CoeFilterForm, "q"))]


def test_the_wont_do_box_holds_what_the_service_keeps(client, author):
    item = add_item(CoeFactory(actor=author))
    html = client.get(item.get_absolute_url()).text
    assert maxlengths(html, "reason") == [str(ActionItem.WONT_DO_REASON_MAX)]


# Past the limit is refused, saying so


def test_a_coe_title_of_the_limit_is_kept_and_one_past_it_is_refused(client, coe):
    limit = Coe.TITLE_MAX
    assert client.post(f"/coe/{coe.pk}/title/", {"title": "t" * limit}).status_code == 302

    refused = client.post(f"/coe/{coe.pk}/title/", {"title": "x" * (limit + 1)})

    assert refused.status_code == 422
    assert f"at most {limit} characters (it has {limit + 1})" in refused.text
    coe.refresh_from_db()
    assert coe.title == "t" * limit


def test_the_coe_services_refuse_a_title_past_the_limit_whoever_calls_them(coe):
    with pytest.raises(ValidationError) as refused:
        coe_services.coe_update_title(coe=coe, actor=coe.created_by, title="x" * 201)
    assert refused.value.message_dict == {"title": ["Keep the title under 200 characters."]}


def test_a_why_past_the_limit_is_refused_and_the_chain_kept(coe):
    factor = add_factor(coe)
    steps_before = list(factor.steps.values_list("why", "because"))
    with pytest.raises(ValidationError) as refused:
        coe_services.factor_save(
            factor=factor,
            actor=coe.created_by,
            base_version=factor.version,
            title=factor.title,
            category=factor.category,
            steps=[("w" * (WhyStep.TEXT_MAX + 1), "Because.")],
        )
    assert refused.value.messages == ["Keep each why and because under 2000 characters."]
    assert list(factor.steps.values_list("why", "because")) == steps_before


def test_a_reason_for_keeping_flagged_wording_past_the_limit_says_how_long_it_may_be(client, coe):
    save_text(coe, "lessons", "It was operator error.")
    finding = client.get(coe.get_absolute_url()).context["findings"][0]["finding"]
    limit = BlamelessAcknowledgement.REASON_MAX
    data = {"fingerprint": finding.fingerprint, "reason": "r" * (limit + 1)}

    refused = client.post(f"/coe/{coe.pk}/acknowledge/", data, **HTMX)

    assert refused.status_code == 422
    assert f"at most {limit} characters (it has {limit + 1})" in refused.text
    assert not coe.acknowledgements.exists()


def test_an_incident_timeline_entry_past_the_limit_says_how_long_it_is(client):
    incident = IncidentFactory()
    client.force_login(incident.call_leader)
    limit = TimelineEntry.TEXT_MAX
    entries_before = incident.timeline.count()

    refused = client.post(f"/incidents/{incident.pk}/timeline/", {"text": "e" * (limit + 1)})

    assert refused.status_code == 422
    assert f"Keep an entry under {limit} characters ({limit + 1} now)." in refused.text
    assert incident.timeline.count() == entries_before


def test_the_incident_services_keep_an_entry_of_the_limit_and_refuse_one_past_it():
    incident = IncidentFactory()
    leader = incident.call_leader
    entry = timeline_entry_add(incident=incident, author=leader, text="e" * TimelineEntry.TEXT_MAX)
    assert len(entry.text) == TimelineEntry.TEXT_MAX
    with pytest.raises(ValidationError) as refused:
        timeline_entry_add(incident=incident, author=leader, text="e" * 5001)
    assert refused.value.messages == ["Keep an entry under 5000 characters (5001 now)."]


def test_a_reopen_reason_past_the_timeline_limit_is_refused_and_the_incident_stays_resolved():
    incident = IncidentFactory(resolved=True)
    with pytest.raises(ValidationError) as refused:
        incident_reopen(incident=incident, actor=incident.call_leader, reason="r" * 5001)
    assert refused.value.message_dict == {
        "reason": ["Keep an entry under 5000 characters (5001 now)."]
    }
    incident.refresh_from_db()
    assert incident.status == Status.RESOLVED


def test_a_wont_do_reason_past_the_limit_says_how_long_it_may_be_and_the_item_stays_open(
    client, author
):
    item = add_item(CoeFactory(actor=author))
    limit = ActionItem.WONT_DO_REASON_MAX

    refused = client.post(f"/actions/{item.pk}/wont-do/", {"reason": "r" * (limit + 1)}, **HTMX)

    assert refused.status_code == 422
    assert f"at most {limit} characters (it has {limit + 1})" in refused.text
    item.refresh_from_db()
    assert (item.status, item.wont_do_reason) == (ItemStatus.OPEN, "")


def test_the_wont_do_service_keeps_a_reason_of_the_limit_and_refuses_one_past_it(author):
    refused_item = add_item(CoeFactory(actor=author))
    with pytest.raises(ValidationError) as refused:
        action_item_wont_do(item=refused_item, actor=author, reason="r" * 2001)
    assert refused.value.message_dict == {
        "reason": ["Keep the reason under 2000 characters (2001 now)."]
    }
    refused_item.refresh_from_db()
    assert refused_item.status == ItemStatus.OPEN

    kept = action_item_wont_do(
        item=add_item(CoeFactory(actor=author)), actor=author, reason="r" * 2000
    )
    assert kept.status == ItemStatus.WONT_DO


# Limits a text column cannot enforce are the service's to keep, whoever calls it


def test_the_coe_timeline_service_keeps_an_entry_of_the_limit_and_refuses_one_past_it(coe):
    limit, moment = CoeTimelineEntry.TEXT_MAX, timezone.now()
    with pytest.raises(ValidationError) as refused:
        coe_services.coe_timeline_entry_add(
            coe=coe, actor=coe.created_by, occurred_at=moment, text="t" * (limit + 1)
        )
    kept = coe_services.coe_timeline_entry_add(
        coe=coe, actor=coe.created_by, occurred_at=moment, text="t" * limit
    )

    assert refused.value.message_dict == {
        "text": [f"Keep an entry under {limit} characters ({limit + 1} now)."]
    }
    assert list(coe.timeline_entries.all()) == [kept]


def test_the_acknowledge_service_refuses_a_reason_past_the_limit(coe):
    save_text(coe, "lessons", "It was operator error.")
    [finding] = coe_findings(coe)
    limit = BlamelessAcknowledgement.REASON_MAX
    with pytest.raises(ValidationError, match=f"under {limit} characters"):
        coe_services.blameless_acknowledge(
            coe=coe, actor=coe.created_by, fingerprint=finding.fingerprint, reason="r" * (limit + 1)
        )

    assert not coe.acknowledgements.exists()


def test_the_rig_service_refuses_a_reason_past_the_limit():
    wheel = wheel_with_teams(3)
    participant = wheel.participants.first()
    limit = Rig.REASON_MAX
    with pytest.raises(ValidationError, match=f"under {limit} characters"):
        wheel_services.wheel_rig(
            wheel=wheel,
            actor=UserFactory(is_staff=True),
            participant=participant,
            reason="r" * (limit + 1),
        )

    assert not Rig.objects.exists()
