"""Every write to an action item: who may, the term's default due date, the lifecycle."""

from datetime import date, timedelta

from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.formats import date_format

from incidents.models import Incident
from incidents.services import incident_touch
from opsreview.org.fields import require_at_most
from opsreview.org.models import NotificationKind, Team
from opsreview.org.people import display_name
from opsreview.org.services import notify
from opsreview.org.zones import site_date, site_today

from .counts import counted_as, team_counts_move
from .models import ADD_REFUSED, CHANGE_REFUSED, ActionItem, ItemStatus
from .signals import item_status_changed

# Action items

ITEM_EDITABLE_FIELDS = (
    "title",
    "description",
    "owner",
    "team",
    "term",
    "priority",
    "category",
    "due_date",
    "ticket_url",
)


def default_due_date(term: str, *, today: date | None = None) -> date:
    """Creation day plus the term's default (settings.ACTION_ITEM_DUE_DAYS)."""
    return (today or site_today()) + timedelta(days=settings.ACTION_ITEM_DUE_DAYS[term])


def _require_item_changer(item: ActionItem, actor: AbstractBaseUser) -> None:
    if not item.can_be_changed_by(actor):
        raise PermissionDenied(CHANGE_REFUSED)


def _require_item_creator(*, coe, incident: Incident | None, meeting, actor) -> None:
    if not ActionItem.can_be_added_by(actor, coe=coe, incident=incident, meeting=meeting):
        raise PermissionDenied(ADD_REFUSED)


def _check_owner(owner: AbstractBaseUser) -> None:
    if not owner.is_active:
        raise ValidationError(
            {"owner": f"{owner.get_username()} is not active; choose another owner."}
        )


def _save_item(item: ActionItem, actor: AbstractBaseUser, fields: list[str] | None = None) -> None:
    item._history_user = actor
    item.save(update_fields=fields)
    # The incident's page lists the items raised on it and on its COE: it shows them anew.
    incident_touch(incident_id=item.incident_id, coe_id=item.coe_id)


@transaction.atomic
def action_item_create(
    *,
    actor: AbstractBaseUser,
    title: str,
    owner: AbstractBaseUser,
    team: Team,
    term: str,
    coe=None,
    incident: Incident | None = None,
    meeting=None,
    due_date: date | None = None,
    confirm_past_due: bool = False,
    **details,
) -> ActionItem:
    """Add an item to a COE, an incident or an ops meeting. Its due date defaults by term; a
    date already past is refused unless the writer confirms it on purpose.
    """
    _require_item_creator(coe=coe, incident=incident, meeting=meeting, actor=actor)
    if coe is None and incident is not None and not incident.is_open:
        raise ValidationError(
            "This incident is resolved; reopen it to raise a short-term item, or add the item "
            "to its COE."
        )
    _check_owner(owner)
    due_date = due_date or default_due_date(term)
    if due_date < site_today() and not confirm_past_due:
        raise ValidationError(
            {"due_date": "This date is already past. Confirm it if that is on purpose."}
        )
    item = ActionItem(
        title=(title or "").strip(),
        owner=owner,
        team=team,
        term=term,
        due_date=due_date,
        coe=coe,
        incident=incident,
        meeting=meeting,
        created_by=actor,
        **details,
    )
    item.full_clean()
    _save_item(item, actor)
    team_counts_move(before=None, after=counted_as(item))
    item_status_changed.send(sender=ActionItem, item=item)
    _tell_owner(item, actor)
    return item


def _tell_owner(item: ActionItem, actor: AbstractBaseUser) -> None:
    """The owner hears of an item given to them (never of one they gave themselves)."""
    notify(
        recipient=item.owner,
        kind=NotificationKind.ITEM_ASSIGNED,
        key=f"item:{item.pk}:owner:{item.owner_id}:{timezone.now().isoformat()}",
        text=f"{display_name(actor)} gave you an action item: “{item.title}”, due "
        f"{date_format(item.due_date, 'j M Y')}.",
        url=item.get_absolute_url(),
        actor=actor,
    )


DUE_SOON_DAYS = 2


def items_due_soon_notify(*, today: date | None = None) -> int:
    """Tell each owner of an open item due in DUE_SOON_DAYS days; once per item and due date,
    however often the beat runs. Returns how many were told now."""
    today = today or site_today()
    due = today + timedelta(days=DUE_SOON_DAYS)
    told = 0
    items = ActionItem.objects.open().filter(due_date=due).select_related("owner")
    for item in items.iterator(chunk_size=500):
        with transaction.atomic():
            told += bool(
                notify(
                    recipient=item.owner,
                    kind=NotificationKind.ITEM_DUE_SOON,
                    key=f"item:{item.pk}:due:{item.due_date.isoformat()}",
                    text=f"“{item.title}” is due on {date_format(item.due_date, 'l j M')}.",
                    url=item.get_absolute_url(),
                )
            )
    return told


@transaction.atomic
def action_item_update(*, item: ActionItem, actor: AbstractBaseUser, changes: dict) -> ActionItem:
    """Change an item's details; an emptied due date becomes its term's default."""
    _require_item_changer(item, actor)
    unknown = set(changes) - set(ITEM_EDITABLE_FIELDS)
    if unknown:
        raise ValueError(f"Not editable: {', '.join(sorted(unknown))}")
    item = _locked_item(item)  # the history record copies every field, so start from the row
    before = counted_as(item)
    if "owner" in changes and changes["owner"] != item.owner:
        _check_owner(changes["owner"])
    if "due_date" in changes and changes["due_date"] is None:
        # Emptied: the term's default, counted from the day the item was made.
        made = site_date(item.created_at)
        changes = changes | {
            "due_date": default_due_date(changes.get("term", item.term), today=made)
        }
    owner_before = item.owner_id
    for field, value in changes.items():
        setattr(item, field, value.strip() if isinstance(value, str) else value)
    item.full_clean()
    _save_item(item, actor, list(changes))
    team_counts_move(before=before, after=counted_as(item))
    if item.owner_id != owner_before:
        _tell_owner(item, actor)
    return item


def _locked_item(item: ActionItem) -> ActionItem:
    # Only the item's row: PostgreSQL cannot lock the nullable side of the outer join to coe.
    return ActionItem.objects.select_for_update(of=("self",)).select_related("coe").get(pk=item.pk)


@transaction.atomic
def action_item_start(*, item: ActionItem, actor: AbstractBaseUser) -> ActionItem:
    _require_item_changer(item, actor)
    item = _locked_item(item)
    if item.status != ItemStatus.OPEN:
        raise ValidationError(f"This item is {item.get_status_display().lower()}, not open.")
    item.status = ItemStatus.IN_PROGRESS
    _save_item(item, actor, ["status"])
    return item


@transaction.atomic
def action_item_complete(*, item: ActionItem, actor: AbstractBaseUser) -> ActionItem:
    """Done. An approved COE whose items are now all done or won't-do closes."""
    _require_item_changer(item, actor)
    item = _locked_item(item)
    if not item.is_open:
        raise ValidationError(f"This item is already {item.get_status_display().lower()}.")
    counted = counted_as(item)
    item.status = ItemStatus.DONE
    item.completed_at = timezone.now()
    _save_item(item, actor, ["status", "completed_at"])
    team_counts_move(before=counted, after=None)
    item_status_changed.send(sender=ActionItem, item=item)
    return item


@transaction.atomic
def action_item_wont_do(*, item: ActionItem, actor: AbstractBaseUser, reason: str) -> ActionItem:
    """Decided against, with the reason on record; counts as finished for closing a COE."""
    _require_item_changer(item, actor)
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": "Say why this item won't be done."})
    require_at_most(reason, ActionItem.WONT_DO_REASON_MAX, field="reason", what="the reason")
    item = _locked_item(item)
    if not item.is_open:
        raise ValidationError(f"This item is already {item.get_status_display().lower()}.")
    counted = counted_as(item)
    item.status = ItemStatus.WONT_DO
    item.wont_do_reason = reason
    item.completed_at = timezone.now()
    _save_item(item, actor, ["status", "wont_do_reason", "completed_at"])
    team_counts_move(before=counted, after=None)
    item_status_changed.send(sender=ActionItem, item=item)
    return item


@transaction.atomic
def action_item_reopen(*, item: ActionItem, actor: AbstractBaseUser) -> ActionItem:
    """Back to open; a closed COE it belongs to is approved-but-not-closed again."""
    _require_item_changer(item, actor)
    item = _locked_item(item)
    if item.is_open:
        raise ValidationError("This item is already open.")
    item.status = ItemStatus.OPEN
    item.completed_at = None
    item.wont_do_reason = ""
    _save_item(item, actor, ["status", "completed_at", "wont_do_reason"])
    team_counts_move(before=None, after=counted_as(item))
    item_status_changed.send(sender=ActionItem, item=item)
    return item
