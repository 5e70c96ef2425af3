"""Action items: when they fall due, how they are created and finished, and what they hold up.

Dates are local (Europe/London): "today" is timezone.localdate(), so time is frozen wherever a
due date is compared with today.
"""

from datetime import UTC, date, datetime, timedelta

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction

from coe.models import Coe, Status
from incidents.gate import ResolutionBlocked
from incidents.models import Status as IncidentStatus
from incidents.services import incident_resolve
from opsreview.actions.models import ActionItem, ItemStatus, Term
from opsreview.actions.services import (
    action_item_complete,
    action_item_create,
    action_item_reopen,
    action_item_start,
    action_item_update,
    action_item_wont_do,
    default_due_date,
)
from tests.coe.factories import CoeFactory, add_item
from tests.incidents.factories import IncidentFactory
from tests.org.factories import TeamFactory, UserFactory

pytestmark = pytest.mark.django_db

# A Thursday in November: London is on GMT, so the UTC date and the local date agree.
NOW = datetime(2026, 11, 26, 10, 0, tzinfo=UTC)
TODAY = date(2026, 11, 26)
YESTERDAY = TODAY - timedelta(days=1)
LONG_AGO = date(2025, 1, 6)


@pytest.fixture
def frozen(time_machine):
    time_machine.move_to(NOW, tick=False)
    return time_machine


def item_due(due_date: date, *, coe: Coe | None = None, **fields) -> ActionItem:
    """An item on a fresh COE due on the given date (a past date is confirmed on purpose)."""
    return add_item(coe or CoeFactory(), due_date=due_date, confirm_past_due=True, **fields)


def incident_item(incident, *, term=Term.SHORT, **fields) -> ActionItem:
    """An item raised on the incident by its call leader, who also owns it."""
    leader = incident.call_leader
    defaults = {"title": "Roll back banana-config 4411", "owner": leader, "team": TeamFactory()}
    return action_item_create(actor=leader, term=term, incident=incident, **defaults | fields)


def finish(item: ActionItem, how: str) -> ActionItem:
    actor = item.owner
    if how == "done":
        return action_item_complete(item=item, actor=actor)
    return action_item_wont_do(item=item, actor=actor, reason="Superseded by the new gateway.")


def approved(coe: Coe) -> Coe:
    Coe.objects.filter(pk=coe.pk).update(status=Status.APPROVED)
    return Coe.objects.get(pk=coe.pk)


def status_of(coe: Coe) -> str:
    return Coe.objects.values_list("status", flat=True).get(pk=coe.pk)


# When an item is overdue


def test_an_item_due_today_is_not_overdue(frozen):
    item = item_due(TODAY)

    assert not item.is_overdue()
    assert item.days_overdue() == 0
    assert not ActionItem.objects.overdue().exists()


def test_an_item_due_yesterday_is_one_day_overdue(frozen):
    item = item_due(YESTERDAY)

    assert item.is_overdue()
    assert item.days_overdue() == 1
    assert list(ActionItem.objects.overdue()) == [item]


def test_an_item_in_progress_counts_as_open_and_can_be_overdue(frozen):
    item = action_item_start(item=item_due(YESTERDAY), actor=UserFactory(is_staff=True))

    assert item.is_overdue()
    assert list(ActionItem.objects.overdue()) == [item]


@pytest.mark.parametrize("how", ["done", "wont_do"])
def test_a_finished_item_is_never_overdue_however_long_past_its_date(frozen, how):
    item = finish(item_due(LONG_AGO), how)

    assert not item.is_overdue()
    assert item.days_overdue() == 0
    assert not ActionItem.objects.overdue().exists()


def test_days_overdue_counts_calendar_days_from_the_due_date(frozen):
    item = item_due(TODAY - timedelta(days=10))

    assert item.days_overdue() == 10
    assert item.days_overdue(on=TODAY - timedelta(days=3)) == 7
    assert item.days_overdue(on=TODAY - timedelta(days=30)) == 0


@pytest.mark.parametrize("offset", [-30, -8, -1, 0, 1, 365])
def test_the_overdue_query_agrees_with_is_overdue_on_any_day(frozen, offset):
    coe = CoeFactory()
    due_dates = [LONG_AGO, TODAY - timedelta(days=7), YESTERDAY, TODAY, TODAY + timedelta(days=3)]
    items = [item_due(due, coe=coe) for due in due_dates]
    items.append(action_item_start(item=item_due(YESTERDAY, coe=coe), actor=coe.created_by))
    items.append(finish(item_due(LONG_AGO, coe=coe), "done"))
    items.append(finish(item_due(YESTERDAY, coe=coe), "wont_do"))
    on = TODAY + timedelta(days=offset)

    expected = {item.pk for item in items if item.is_overdue(on=on)}

    assert set(ActionItem.objects.overdue(on=on).values_list("pk", flat=True)) == expected
    flagged = ActionItem.objects.with_overdue_flag(on=on).filter(overdue_rank=0)
    assert set(flagged.values_list("pk", flat=True)) == expected


def test_due_between_includes_both_ends_and_leaves_out_finished_items(frozen):
    coe = CoeFactory()
    first, last = item_due(TODAY, coe=coe), item_due(TODAY + timedelta(days=7), coe=coe)
    item_due(TODAY + timedelta(days=8), coe=coe)
    finish(item_due(TODAY + timedelta(days=1), coe=coe), "done")

    window = ActionItem.objects.due_between(TODAY, TODAY + timedelta(days=7))

    assert list(window) == [first, last]


def test_late_on_a_summer_evening_in_utc_it_is_already_tomorrow_in_london(time_machine):
    # 23:30 UTC on 15 July is 00:30 BST on 16 July: the 15th is yesterday, locally.
    time_machine.move_to(datetime(2026, 7, 15, 23, 30, tzinfo=UTC), tick=False)
    item = item_due(date(2026, 7, 15))

    assert item.is_overdue()
    assert item.days_overdue() == 1
    assert list(ActionItem.objects.overdue()) == [item]
    assert default_due_date(Term.SHORT) == date(2026, 7, 19)
    with pytest.raises(ValidationError) as refused:
        add_item(CoeFactory(), due_date=date(2026, 7, 15))
    assert "due_date" in refused.value.error_dict


def test_an_hour_earlier_the_same_date_is_still_today_in_london(time_machine):
    # 22:59 UTC on 15 July is 23:59 BST on the 15th.
    time_machine.move_to(datetime(2026, 7, 15, 22, 59, tzinfo=UTC), tick=False)
    item = add_item(CoeFactory(), due_date=date(2026, 7, 15))

    assert not item.is_overdue()
    assert not ActionItem.objects.overdue().exists()


# Due dates by term


@pytest.mark.parametrize(
    ("term", "due"),
    [
        (Term.SHORT, date(2026, 11, 29)),  # 3 days
        (Term.MEDIUM, date(2026, 12, 24)),  # 28 days
        (Term.LONG, date(2027, 5, 27)),  # 182 days
    ],
)
def test_an_item_without_a_date_is_due_by_its_terms_default(frozen, term, due):
    item = add_item(CoeFactory(), term=term)

    assert item.due_date == due
    assert default_due_date(term) == due


def test_an_explicit_due_date_is_kept_whatever_the_term(frozen):
    item = add_item(CoeFactory(), term=Term.LONG, due_date=date(2026, 12, 1))

    item.refresh_from_db()
    assert item.due_date == date(2026, 12, 1)


@pytest.mark.parametrize(
    ("term", "due"),
    [
        (Term.SHORT, date(2026, 11, 27)),
        (Term.MEDIUM, date(2026, 12, 10)),
        (Term.LONG, date(2027, 2, 24)),
    ],
)
def test_the_default_due_days_come_from_settings(frozen, settings, term, due):
    settings.ACTION_ITEM_DUE_DAYS = {"short": 1, "medium": 14, "long": 90}

    assert add_item(CoeFactory(), term=term).due_date == due


def test_the_default_counts_from_the_day_given(frozen):
    assert default_due_date(Term.MEDIUM, today=date(2027, 2, 1)) == date(2027, 3, 1)


# Creating an item


def test_a_due_date_already_past_is_refused_unless_confirmed(frozen):
    coe = CoeFactory()

    with pytest.raises(ValidationError) as refused:
        add_item(coe, due_date=YESTERDAY)

    assert "due_date" in refused.value.error_dict
    assert not ActionItem.objects.exists()
    assert add_item(coe, due_date=YESTERDAY, confirm_past_due=True).due_date == YESTERDAY


def test_a_due_date_of_today_needs_no_confirmation(frozen):
    assert add_item(CoeFactory(), due_date=TODAY).due_date == TODAY


def test_an_inactive_owner_is_refused(frozen):
    coe = CoeFactory()

    with pytest.raises(ValidationError) as refused:
        add_item(coe, owner=UserFactory(is_active=False))

    assert "owner" in refused.value.error_dict
    assert not ActionItem.objects.exists()


def test_an_item_must_come_from_a_coe_or_an_incident():
    someone = UserFactory()

    with pytest.raises(IntegrityError), transaction.atomic():
        ActionItem.objects.create(
            title="Orphan",
            owner=someone,
            team=TeamFactory(),
            term=Term.SHORT,
            due_date=date(2026, 12, 1),
            created_by=someone,
        )

    assert not ActionItem.objects.exists()


def test_even_staff_cannot_create_an_item_without_a_source():
    staff = UserFactory(is_staff=True)

    with pytest.raises(ValidationError) as refused:
        action_item_create(
            actor=staff, title="Orphan", owner=staff, team=TeamFactory(), term=Term.SHORT
        )

    assert "An action item comes from a COE, an incident or a meeting." in refused.value.messages
    assert not ActionItem.objects.exists()


def test_anyone_else_is_refused_an_item_without_a_source_before_it_is_checked():
    someone = UserFactory()

    with pytest.raises(PermissionDenied):
        action_item_create(
            actor=someone, title="Orphan", owner=someone, team=TeamFactory(), term=Term.SHORT
        )


@pytest.mark.parametrize("url", ["javascript:alert(1)", "data:text/html,hi", "ftp://x.example"])
def test_a_ticket_url_must_be_a_web_address(frozen, url):
    coe = CoeFactory()

    with pytest.raises(ValidationError) as refused:
        add_item(coe, ticket_url=url)

    assert "ticket_url" in refused.value.error_dict
    assert not ActionItem.objects.exists()


def test_a_ticket_url_cannot_be_changed_to_a_script_either(frozen):
    item = add_item(CoeFactory(), ticket_url="https://tickets.example.com/OPS-1")

    with pytest.raises(ValidationError) as refused:
        action_item_update(
            item=item, actor=item.owner, changes={"ticket_url": "javascript:alert(1)"}
        )

    assert "ticket_url" in refused.value.error_dict
    item.refresh_from_db()
    assert item.ticket_url == "https://tickets.example.com/OPS-1"


@pytest.mark.parametrize("url", ["http://tickets.example.com/OPS-1", "https://x.example/1"])
def test_http_and_https_ticket_urls_are_kept(frozen, url):
    assert add_item(CoeFactory(), ticket_url=url).ticket_url == url


def test_a_blank_title_is_refused(frozen):
    with pytest.raises(ValidationError) as refused:
        add_item(CoeFactory(), title="   ")

    assert "title" in refused.value.error_dict


def test_only_the_editable_fields_can_be_updated(frozen):
    item = add_item(CoeFactory())

    with pytest.raises(ValueError, match="status"):
        action_item_update(item=item, actor=item.owner, changes={"status": ItemStatus.DONE})


def test_an_update_cannot_hand_the_item_to_an_inactive_owner(frozen):
    item = add_item(CoeFactory())
    original_owner = item.owner

    with pytest.raises(ValidationError) as refused:
        action_item_update(
            item=item, actor=item.owner, changes={"owner": UserFactory(is_active=False)}
        )

    assert "owner" in refused.value.error_dict
    item.refresh_from_db()
    assert item.owner == original_owner


# Lifecycle: open → in progress → done / won't do, and back


def test_starting_an_open_item_puts_it_in_progress(frozen):
    item = action_item_start(item=add_item(CoeFactory()), actor=UserFactory(is_staff=True))

    item.refresh_from_db()
    assert item.status == ItemStatus.IN_PROGRESS
    assert item.completed_at is None


@pytest.mark.parametrize("how", ["start", "done", "wont_do"])
def test_only_an_open_item_can_be_started(frozen, how):
    item = add_item(CoeFactory())
    if how == "start":
        action_item_start(item=item, actor=item.owner)
    else:
        finish(item, how)
    before = ActionItem.objects.get(pk=item.pk).status

    with pytest.raises(ValidationError):
        action_item_start(item=item, actor=item.owner)

    assert ActionItem.objects.get(pk=item.pk).status == before


@pytest.mark.parametrize("started", [False, True])
def test_completing_an_open_or_started_item_records_when(frozen, started):
    item = add_item(CoeFactory())
    if started:
        action_item_start(item=item, actor=item.owner)

    action_item_complete(item=item, actor=item.owner)

    item.refresh_from_db()
    assert item.status == ItemStatus.DONE
    assert item.completed_at == NOW


@pytest.mark.parametrize("how", ["done", "wont_do"])
def test_a_finished_item_cannot_be_completed_again(frozen, how):
    item = finish(add_item(CoeFactory()), how)
    frozen.shift(timedelta(hours=1))

    with pytest.raises(ValidationError):
        action_item_complete(item=item, actor=item.owner)

    item.refresh_from_db()
    assert item.status == how
    assert item.completed_at == NOW


@pytest.mark.parametrize("reason", ["", "   \n"])
def test_wont_do_needs_a_reason(frozen, reason):
    item = add_item(CoeFactory())

    with pytest.raises(ValidationError) as refused:
        action_item_wont_do(item=item, actor=item.owner, reason=reason)

    assert "reason" in refused.value.error_dict
    item.refresh_from_db()
    assert item.status == ItemStatus.OPEN
    assert item.completed_at is None


def test_wont_do_keeps_the_reason_and_records_when(frozen):
    item = add_item(CoeFactory())

    action_item_wont_do(item=item, actor=item.owner, reason="  Superseded by OPS-12.  ")

    item.refresh_from_db()
    assert item.status == ItemStatus.WONT_DO
    assert item.wont_do_reason == "Superseded by OPS-12."
    assert item.completed_at == NOW


def test_a_wont_do_item_without_a_reason_cannot_be_stored():
    item = item_due(date(2026, 12, 1))

    with pytest.raises(IntegrityError), transaction.atomic():
        ActionItem.objects.filter(pk=item.pk).update(status=ItemStatus.WONT_DO)


@pytest.mark.parametrize("how", ["done", "wont_do"])
def test_reopening_clears_when_it_finished_and_why_not(frozen, how):
    item = finish(add_item(CoeFactory()), how)

    action_item_reopen(item=item, actor=item.owner)

    item.refresh_from_db()
    assert item.status == ItemStatus.OPEN
    assert item.completed_at is None
    assert item.wont_do_reason == ""


@pytest.mark.parametrize("started", [False, True])
def test_an_open_item_cannot_be_reopened(frozen, started):
    item = add_item(CoeFactory())
    if started:
        action_item_start(item=item, actor=item.owner)

    with pytest.raises(ValidationError):
        action_item_reopen(item=item, actor=item.owner)


def test_every_change_is_in_the_history_with_who_made_it(frozen):
    creator, starter, finisher, reopener, decliner, editor = UserFactory.create_batch(6)
    coe = CoeFactory(actor=creator, authors=[starter, finisher, reopener, decliner, editor])
    item = add_item(coe)

    action_item_start(item=item, actor=starter)
    action_item_complete(item=item, actor=finisher)
    action_item_reopen(item=item, actor=reopener)
    action_item_wont_do(item=item, actor=decliner, reason="Superseded by OPS-12.")
    action_item_update(item=item, actor=editor, changes={"title": "Canary gateway config"})

    records = item.history.order_by("history_id")
    assert [(r.history_type, r.status, r.history_user) for r in records] == [
        ("+", ItemStatus.OPEN, creator),
        ("~", ItemStatus.IN_PROGRESS, starter),
        ("~", ItemStatus.DONE, finisher),
        ("~", ItemStatus.OPEN, reopener),
        ("~", ItemStatus.WONT_DO, decliner),
        ("~", ItemStatus.WONT_DO, editor),
    ]
    assert records.last().title == "Canary gateway config"


def test_an_edit_from_a_copy_loaded_before_the_item_finished_keeps_its_real_status(frozen):
    item = add_item(CoeFactory())
    editors_copy = ActionItem.objects.get(pk=item.pk)
    action_item_complete(item=item, actor=item.owner)

    action_item_update(item=editors_copy, actor=item.owner, changes={"title": "Canary config"})

    stored = ActionItem.objects.get(pk=item.pk)
    assert (stored.title, stored.status, stored.completed_at) == ("Canary config", "done", NOW)
    latest = item.history.order_by("history_id").last()
    assert (latest.title, latest.status, latest.completed_at) == ("Canary config", "done", NOW)


def test_a_refused_change_leaves_no_history(frozen):
    item = add_item(CoeFactory())

    with pytest.raises(ValidationError):
        action_item_wont_do(item=item, actor=item.owner, reason="")
    with pytest.raises(ValidationError):
        action_item_reopen(item=item, actor=item.owner)

    assert item.history.count() == 1


# The resolution gate: open short-term items hold up resolving the incident


def test_an_open_short_term_item_on_the_incident_blocks_resolving_it(frozen):
    incident = IncidentFactory(mitigated=True)
    item = incident_item(incident)

    with pytest.raises(ResolutionBlocked) as blocked:
        incident_resolve(incident=incident, actor=incident.call_leader)

    [blocker] = blocked.value.blockers
    assert blocker.title == "Roll back banana-config 4411"
    assert blocker.url == f"/actions/{item.pk}/"
    assert "Roll back banana-config 4411" in str(blocked.value)
    incident.refresh_from_db()
    assert incident.status == IncidentStatus.MITIGATED


def test_an_open_short_term_item_in_the_incidents_coe_blocks_resolving_it(frozen):
    incident = IncidentFactory(mitigated=True)
    coe = CoeFactory(incident=incident)
    item = add_item(coe, term=Term.SHORT, title="Pin the gateway config version")

    with pytest.raises(ResolutionBlocked) as blocked:
        incident_resolve(incident=incident, actor=incident.call_leader)

    [blocker] = blocked.value.blockers
    assert blocker.title == "Pin the gateway config version"
    assert blocker.url == f"/actions/{item.pk}/"


def test_items_from_both_sources_are_all_named(frozen):
    incident = IncidentFactory(mitigated=True)
    on_incident = incident_item(incident)
    in_coe = add_item(CoeFactory(incident=incident), term=Term.SHORT, title="Pin the version")
    action_item_start(item=in_coe, actor=in_coe.owner)

    with pytest.raises(ResolutionBlocked) as blocked:
        incident_resolve(incident=incident, actor=incident.call_leader)

    assert {(b.title, b.url) for b in blocked.value.blockers} == {
        (on_incident.title, f"/actions/{on_incident.pk}/"),
        (in_coe.title, f"/actions/{in_coe.pk}/"),
    }


@pytest.mark.parametrize("term", [Term.MEDIUM, Term.LONG])
def test_medium_and_long_term_items_do_not_block_resolving(frozen, term):
    incident = IncidentFactory(mitigated=True)
    incident_item(incident, term=term)
    add_item(CoeFactory(incident=incident), term=term)

    incident_resolve(incident=incident, actor=incident.call_leader)

    incident.refresh_from_db()
    assert incident.status == IncidentStatus.RESOLVED


def test_short_term_items_of_another_incident_do_not_block(frozen):
    incident, other = IncidentFactory(mitigated=True), IncidentFactory(mitigated=True)
    incident_item(other)
    add_item(CoeFactory(incident=other), term=Term.SHORT)
    add_item(CoeFactory(), term=Term.SHORT)

    incident_resolve(incident=incident, actor=incident.call_leader)

    incident.refresh_from_db()
    assert incident.status == IncidentStatus.RESOLVED


@pytest.mark.parametrize("how", ["done", "wont_do"])
def test_resolving_succeeds_once_the_short_term_items_are_finished(frozen, how):
    incident = IncidentFactory(mitigated=True)
    items = [incident_item(incident), add_item(CoeFactory(incident=incident), term=Term.SHORT)]
    with pytest.raises(ResolutionBlocked):
        incident_resolve(incident=incident, actor=incident.call_leader)

    for item in items:
        finish(item, how)
    incident_resolve(incident=incident, actor=incident.call_leader)

    incident.refresh_from_db()
    assert incident.status == IncidentStatus.RESOLVED


def test_a_reopened_short_term_item_blocks_again(frozen):
    incident = IncidentFactory(mitigated=True)
    item = finish(incident_item(incident), "done")

    action_item_reopen(item=item, actor=item.owner)

    with pytest.raises(ResolutionBlocked):
        incident_resolve(incident=incident, actor=incident.call_leader)


# A COE closes itself when it is approved and its items are all finished


@pytest.mark.parametrize("how", ["done", "wont_do"])
def test_an_approved_coe_closes_when_its_last_open_item_is_finished(frozen, how):
    coe = CoeFactory()
    first, last = add_item(coe), add_item(coe, term=Term.LONG)
    coe = approved(coe)

    finish(first, "done")
    assert status_of(coe) == Status.APPROVED

    finish(last, how)
    assert status_of(coe) == Status.CLOSED


@pytest.mark.parametrize("status", [Status.DRAFT, Status.IN_REVIEW, Status.CHANGES_REQUESTED])
def test_a_coe_not_yet_approved_never_closes_itself(frozen, status):
    coe = CoeFactory()
    item = add_item(coe)
    Coe.objects.filter(pk=coe.pk).update(status=status)

    finish(item, "done")

    assert status_of(coe) == status


def test_reopening_an_item_of_a_closed_coe_puts_it_back_to_approved(frozen):
    coe = CoeFactory()
    item = add_item(coe)
    approved(coe)
    finish(item, "wont_do")
    assert status_of(coe) == Status.CLOSED

    action_item_reopen(item=item, actor=item.owner)

    assert status_of(coe) == Status.APPROVED


def test_adding_an_item_to_a_closed_coe_reopens_it(frozen):
    coe = CoeFactory()
    finish(add_item(coe), "done")
    approved(coe)
    Coe.objects.filter(pk=coe.pk).update(status=Status.CLOSED)

    add_item(Coe.objects.get(pk=coe.pk), title="Alarm on gateway config drift")

    assert status_of(coe) == Status.APPROVED


def test_adding_an_item_reopens_a_coe_that_closed_after_the_writer_loaded_it(frozen):
    coe = CoeFactory()
    item = add_item(coe)
    writers_copy = approved(coe)
    finish(item, "done")  # the last item finishes while the writer has the page open
    assert status_of(coe) == Status.CLOSED

    add_item(writers_copy, title="Alarm on gateway config drift")

    assert status_of(coe) == Status.APPROVED


def test_adding_an_item_to_an_approved_coe_keeps_it_approved(frozen):
    coe = approved(CoeFactory())

    add_item(coe)

    assert status_of(coe) == Status.APPROVED
