"""The items panels other apps' pages show, loaded by name ({% load actions %}), so those apps
import nothing from this one."""

from html import escape

from django import template
from django.db.models import Count
from django.template.defaultfilters import pluralize
from django.utils.dateformat import format as date_format
from django.utils.html import conditional_escape
from django.utils.safestring import SafeString, mark_safe

from opsreview.org.links import path_for
from opsreview.org.people import display_name
from opsreview.org.zones import site_today

from .. import selectors
from ..forms import ShortTermItemForm
from ..models import ActionItem, ItemStatus, Term, overdue_q

register = template.Library()

TEAM_ITEMS_SHOWN = 10
# An incident's panel shows this many items at most (open ones first), however many it has.
INCIDENT_ITEMS_SHOWN = 100


def short_term_item_form(incident, user, data=None) -> ShortTermItemForm:
    first_team = next(iter(incident.teams.all()), None)
    initial = {"owner": user, "team": first_team}
    return ShortTermItemForm(data, initial=initial, prefix="item")


def incident_items_context(request, incident, *, form=None, can_work=None) -> dict:
    """`can_work`: whether the user works the incident, when the page knows it already."""
    user = request.user
    if can_work is None:
        can_work = ActionItem.can_be_added_by(user, incident=incident)
    items = selectors.with_changeable(selectors.incident_action_items(incident), user)
    items = list(items[: INCIDENT_ITEMS_SHOWN + 1])
    return {
        "request": request,
        "incident": incident,
        "items": items[:INCIDENT_ITEMS_SHOWN],
        "more_items": len(items) > INCIDENT_ITEMS_SHOWN,
        "can_add": incident.is_open and can_work,
        "item_form": form or short_term_item_form(incident, user),
    }


@register.inclusion_tag("actions/incident_items.html", takes_context=True)
def incident_items(context, incident) -> dict:
    """An incident's short-term items, and the form to raise one while it is open."""
    context = context.flatten()
    # The incident's page has asked who works it; the same rule says who adds its items.
    can_work = context.get("can_work")
    return {**context, **incident_items_context(context["request"], incident, can_work=can_work)}


@register.inclusion_tag("actions/team_items.html", takes_context=True)
def team_items(context, team) -> dict:
    """A team's open items, overdue first: the first few, and the counts of them all, in two
    queries whatever the team's size."""
    items = selectors.action_item_list(team=team)
    user = context["request"].user
    counts = items.order_by().aggregate(total=Count("pk"), overdue=Count("pk", filter=overdue_q()))
    return {
        **context.flatten(),
        "team": team,
        "items": list(selectors.with_changeable(items, user)[:TEAM_ITEMS_SHOWN]),
        "item_count": counts["total"],
        "overdue_count": counts["overdue"],
    }


# One item as a row of a list (actions/action_item.html is where pages include it). Written here in
# one pass rather than by the template language, which cost 0.3 ms a row: lists show fifty rows,
# each with up to three forms for those who may change the item. Every value written into the
# markup goes through `escape` (the standard library's, which Django's escape is).

TERM_LABELS = dict(Term.choices)
STATUS_LABELS = dict(ItemStatus.choices)
# The links of a row (see opsreview.org.links).
ROW_LINKS = {
    "item": "actions:action_detail",
    "start": "actions:action_start",
    "complete": "actions:action_complete",
    "wont_do": "actions:action_wont_do",
    "reopen": "actions:action_reopen",
    "coe": "coe:coe_detail",
    "incident": "incidents:incident_detail",
    "meeting": "meetings:meeting_detail",
}
SOURCES = (("coe", "COE"), ("incident", "incident"), ("meeting", "ops meeting"))


def _link(key: str, pk: int) -> str:
    """The link ROW_LINKS names for the row with this id, escaped for an attribute."""
    return escape(path_for(ROW_LINKS[key], pk))


def _hidden_inputs(context) -> str:
    """The CSRF token and the page to come back to, which every control of a row sends."""
    token = str(context.get("csrf_token") or "")
    request = context.get("request")
    next_path = request.get_full_path() if request is not None else ""
    csrf = ""
    if token and token != "NOTPROVIDED":  # noqa: S105 - what {% csrf_token %} skips too
        csrf = f'<input type="hidden" name="csrfmiddlewaretoken" value="{escape(token)}">'
    return f'{csrf}<input type="hidden" name="next" value="{escape(next_path)}">'


def _control(item: ActionItem, key: str, hidden: str, fields: str, form_class: str = "") -> str:
    url = _link(key, item.pk)
    return (
        f'<form method="post" action="{url}" hx-post="{url}" hx-target="#item-{item.pk}" '
        f'hx-swap="outerHTML"{form_class}>\n{hidden}{fields}\n</form>\n'
    )


def _controls(item: ActionItem, hidden: str) -> str:
    """Start, done, won't do (with the reason) or reopen: what the item's status allows."""
    controls = []
    if item.status == ItemStatus.OPEN:
        start = '<button type="submit" class="button">Start</button>'
        controls.append(_control(item, "start", hidden, start))
    if item.is_open:
        done = '<button type="submit" class="button primary">Done</button>'
        controls.append(_control(item, "complete", hidden, done))
        reason = f"reason-{item.pk}"
        fields = (
            f'\n<label for="{reason}" class="visually-hidden">Why not?</label>\n'
            f'<input type="text" name="reason" id="{reason}" placeholder="Why not?" '
            f'maxlength="{ActionItem.WONT_DO_REASON_MAX}" required>\n'
            '<button type="submit" class="button">Won\'t do</button>'
        )
        form = _control(item, "wont_do", hidden, fields, ' class="inline-form"')
        controls.append(
            f'<details class="wont-do">\n<summary>Won\'t do</summary>\n{form}</details>\n'
        )
    else:
        reopen = '<button type="submit" class="button">Reopen</button>'
        controls.append(_control(item, "reopen", hidden, reopen))
    return f'<div class="item-actions">\n{"".join(controls)}</div>\n'


def _meta(item: ActionItem) -> str:
    """Owner, team, due date, a link to where the item comes from, why it won't be done."""
    meta = (
        f"{escape(display_name(item.owner))} · {escape(item.team.name)} · "
        f"due {escape(date_format(item.due_date, 'j M Y'))}"
    )
    for source, label in SOURCES:
        if source_id := getattr(item, f"{source}_id"):
            meta += f' · <a href="{_link(source, source_id)}">{label}</a>'
            break
    if item.status == ItemStatus.WONT_DO:
        meta += f" · won't do: {escape(item.wont_do_reason)}"
    return meta


@register.simple_tag(takes_context=True)
def action_item_row(context, item: ActionItem, error: str = "") -> SafeString:
    """The item's title, term, status and lateness; owner, team, due date and source; an error
    to show; and, for those who may change it (`item.can_change`), its controls."""
    days_late = item.days_overdue(site_today())
    classes = "action-item"
    late = ""
    if days_late:
        classes += " action-overdue"
        days = f"{days_late} day{pluralize(days_late)}"
        late = f' <span class="badge badge-danger">{days} overdue</span>'
    if not item.is_open:
        classes += " action-closed"
    term, status = escape(item.term), escape(item.status)
    alert = (
        f'<p class="field-error" role="alert">{conditional_escape(error)}</p>\n' if error else ""
    )
    can_change = getattr(item, "can_change", False)
    controls = _controls(item, _hidden_inputs(context)) if can_change else ""
    return mark_safe(  # noqa: S308 - every value is escaped above or here
        f'<li id="item-{item.pk}" class="{classes}" data-testid="action-item">\n'
        '<div class="item-main">\n'
        f'<p class="item-title">\n<a href="{_link("item", item.pk)}">{escape(item.title)}</a>\n'
        f'<span class="term term-{term}">{escape(TERM_LABELS.get(item.term, item.term))}</span>\n'
        f'<span class="status item-status-{status}" data-testid="item-status">'
        f"{escape(STATUS_LABELS.get(item.status, item.status))}</span>{late}\n</p>\n"
        f'<p class="muted item-meta">\n{_meta(item)}\n</p>\n'
        f"{alert}</div>\n{controls}</li>\n"
    )
