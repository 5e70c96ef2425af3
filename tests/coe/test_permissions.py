"""Who may change a COE, and when: the matrix, checked where the rule lives, in the services."""

import html

import pytest
from django.core.exceptions import PermissionDenied
from django.utils import timezone

from coe.findings import unacknowledged_findings
from coe.models import Coe, CoeText, Status
from coe.services import (
    blameless_acknowledge,
    coe_impact_save,
    coe_submit,
    coe_text_save,
    coe_timeline_copy_from_incident,
    coe_timeline_entry_add,
    coe_timeline_entry_delete,
    coe_update_title,
    factor_add,
    factor_delete,
    factor_save,
)
from tests.incidents.factories import IncidentFactory, TimelineEntryFactory
from tests.org.factories import TeamFactory, UserFactory

from .factories import complete_coe, save_text

pytestmark = pytest.mark.django_db

# Actions on a COE, each with what it needs set up (as the COE's creator) beforehand.


def _nothing(coe):
    pass


def _write_operator_error(coe):
    save_text(coe, "lessons", "It was operator error.")


def _add_an_incident_entry(coe):
    TimelineEntryFactory(incident=coe.incident, text="Gateway config changed.")


def _save_text(coe, actor):
    version = CoeText.objects.get(coe=coe, key="summary").version
    coe_text_save(coe=coe, key="summary", body="Rewritten.", base_version=version, actor=actor)


def _update_title(coe, actor):
    coe_update_title(coe=coe, actor=actor, title="Renamed")


def _save_impact(coe, actor):
    coe_impact_save(
        coe=coe,
        actor=actor,
        body="EU checkout down.",
        base_version=CoeText.objects.get(coe=coe, key="impact").version,
        impact_duration_minutes=7,
        customers_affected=None,
        requests_affected=9000,
    )


def _add_timeline_entry(coe, actor):
    coe_timeline_entry_add(coe=coe, actor=actor, occurred_at=timezone.now(), text="Paged.")


def _delete_timeline_entry(coe, actor):
    coe_timeline_entry_delete(entry=coe.timeline_entries.first(), actor=actor)


def _copy_incident_timeline(coe, actor):
    coe_timeline_copy_from_incident(coe=coe, actor=actor)


def _add_factor(coe, actor):
    factor_add(coe=coe, actor=actor, title="Alarm thresholds")


def _save_factor(coe, actor):
    factor = coe.factors.first()
    factor_save(
        factor=factor,
        actor=actor,
        base_version=factor.version,
        title="Renamed factor",
        category="process",
        steps=[("Why?", "Because.")],
    )


def _delete_factor(coe, actor):
    factor_delete(factor=coe.factors.first(), actor=actor)


def _acknowledge(coe, actor):
    [finding] = unacknowledged_findings(coe)
    blameless_acknowledge(
        coe=coe, actor=actor, fingerprint=finding.fingerprint, reason="Quoting the customer."
    )


def _submit(coe, actor):
    coe_submit(coe=coe, actor=actor)


ACTIONS = {
    "save text": (_nothing, _save_text),
    "update title": (_nothing, _update_title),
    "save impact": (_nothing, _save_impact),
    "add timeline entry": (_nothing, _add_timeline_entry),
    "delete timeline entry": (_nothing, _delete_timeline_entry),
    "copy incident timeline": (_add_an_incident_entry, _copy_incident_timeline),
    "add factor": (_nothing, _add_factor),
    "save factor": (_nothing, _save_factor),
    "delete factor": (_nothing, _delete_factor),
    "acknowledge finding": (_write_operator_error, _acknowledge),
    "submit": (_nothing, _submit),
}

# People, in relation to a COE.


def _the_creator(coe):
    return coe.created_by


def _a_co_author(coe):
    author = UserFactory()
    coe.authors.add(author)
    return author


def _a_member_of_the_owning_team(coe):
    member = UserFactory()
    coe.team.members.add(member)
    return member


def _an_unrelated_user(coe):
    return UserFactory()


def _staff(coe):
    return UserFactory(is_staff=True)


def _a_superuser(coe):
    return UserFactory(is_staff=True, is_superuser=True)


def _a_member_of_another_team(coe):
    member = UserFactory()
    TeamFactory(members=[member])
    return member


def _the_owning_teams_manager(coe):
    return coe.team.manager


def _deactivated(person):
    def deactivated(coe):
        user = person(coe)
        user.is_active = False
        user.save(update_fields=["is_active"])
        return user

    deactivated.__name__ = f"{person.__name__}_deactivated"
    return deactivated


EDITORS = [_the_creator, _a_co_author, _a_member_of_the_owning_team]
NOT_EDITORS = [
    _an_unrelated_user,
    _staff,
    _a_superuser,
    _a_member_of_another_team,
    _the_owning_teams_manager,
    _deactivated(_the_creator),
    _deactivated(_a_co_author),
    _deactivated(_a_member_of_the_owning_team),
]


def _label(person):
    return person.__name__.strip("_").replace("_", " ")


def _coe_ready_for(action, status=Status.DRAFT):
    setup, perform = ACTIONS[action]
    coe = complete_coe(incident=IncidentFactory(mitigated=True))
    setup(coe)
    Coe.objects.filter(pk=coe.pk).update(status=status)
    coe.refresh_from_db()
    return coe, perform


def _snapshot(coe):
    coe = Coe.objects.get(pk=coe.pk)
    return (
        coe.status,
        coe.submitted_at,
        coe.title,
        (coe.impact_duration_minutes, coe.customers_affected, coe.requests_affected),
        sorted(coe.texts.values_list("key", "body", "version")),
        list(coe.timeline_entries.values_list("occurred_at", "text")),
        list(coe.factors.values_list("title", "category", "version")),
        list(coe.factors.values_list("steps__why", "steps__because")),
        list(coe.acknowledgements.values_list("fingerprint", "reason")),
    )


@pytest.mark.parametrize("person", EDITORS, ids=_label)
@pytest.mark.parametrize("action", ACTIONS)
def test_authors_and_members_of_the_owning_team_may_edit_a_draft(action, person):
    coe, perform = _coe_ready_for(action)
    actor = person(coe)
    before = _snapshot(coe)

    perform(coe, actor)

    assert _snapshot(coe) != before


@pytest.mark.parametrize("person", NOT_EDITORS, ids=_label)
@pytest.mark.parametrize("action", ACTIONS)
def test_nobody_else_may_edit_a_coe_not_even_staff(action, person):
    coe, perform = _coe_ready_for(action)
    actor = person(coe)
    before = _snapshot(coe)

    with pytest.raises(PermissionDenied):
        perform(coe, actor)

    assert _snapshot(coe) == before


@pytest.mark.parametrize("status", [Status.IN_REVIEW, Status.APPROVED, Status.CLOSED])
@pytest.mark.parametrize("action", ACTIONS)
def test_once_submitted_not_even_the_authors_may_edit(action, status):
    coe, perform = _coe_ready_for(action, status)
    before = _snapshot(coe)

    with pytest.raises(PermissionDenied, match="can be edited as a draft or when changes are req"):
        perform(coe, coe.created_by)

    assert _snapshot(coe) == before


@pytest.mark.parametrize("action", ACTIONS)
def test_a_coe_with_changes_requested_is_editable_again(action):
    coe, perform = _coe_ready_for(action, Status.CHANGES_REQUESTED)
    before = _snapshot(coe)

    perform(coe, coe.created_by)

    assert _snapshot(coe) != before


def test_the_refusal_names_the_status_the_coe_is_in():
    coe, perform = _coe_ready_for("save text", Status.APPROVED)

    with pytest.raises(PermissionDenied) as refused:
        perform(coe, coe.created_by)

    assert str(refused.value) == (
        "This COE is approved; it can be edited as a draft or when changes are requested."
    )


@pytest.mark.parametrize("status", [Status.DRAFT, Status.APPROVED])
def test_the_page_and_the_service_refuse_with_the_same_words(client, status):
    coe, perform = _coe_ready_for("save text", status)
    outsider = UserFactory()
    for person in (outsider, coe.created_by):
        refusal = coe.edit_refusal(person)
        if not refusal:
            continue
        with pytest.raises(PermissionDenied) as refused:
            perform(coe, person)
        client.force_login(person)
        page = client.post(f"/coe/{coe.pk}/title/", {"title": "Renamed"})

        assert str(refused.value) == refusal
        if not coe.can_be_read_by(person):  # someone else's draft: not there for them
            assert page.status_code == 404
            continue
        assert page.status_code == 403
        assert html.escape(refusal) in page.text
    assert Coe.objects.get(pk=coe.pk).title == coe.title


def test_staff_become_editors_only_by_being_made_authors():
    coe, perform = _coe_ready_for("save text")
    staff = UserFactory(is_staff=True)
    with pytest.raises(PermissionDenied):
        perform(coe, staff)

    coe.authors.add(staff)
    perform(coe, staff)

    assert CoeText.objects.get(coe=coe, key="summary").updated_by == staff


def test_an_author_who_left_the_owning_team_still_edits():
    member = UserFactory()
    coe, perform = _coe_ready_for("save text")
    coe.team.members.add(member)
    coe.authors.add(member)
    coe.team.members.remove(member)

    perform(coe, member)

    assert CoeText.objects.get(coe=coe, key="summary").updated_by == member
