"""The items panels other apps' pages show, loaded by name ({% load actions %}), so those apps
import nothing from this one."""

from django import template
from django.db.models import Count

from .. import selectors
from ..forms import ShortTermItemForm
from ..models import ActionItem, overdue_q

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
