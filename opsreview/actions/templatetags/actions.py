"""The items panels other apps' pages show, loaded by name ({% load actions %}), so those apps
import nothing from this one."""

from django import template

from .. import selectors
from ..forms import ShortTermItemForm
from ..models import ActionItem

register = template.Library()

TEAM_ITEMS_SHOWN = 50


def short_term_item_form(incident, user, data=None) -> ShortTermItemForm:
    first_team = next(iter(incident.teams.all()), None)
    initial = {"owner": user, "team": first_team}
    return ShortTermItemForm(data, initial=initial, prefix="item")


def incident_items_context(request, incident, *, form=None) -> dict:
    user = request.user
    return {
        "request": request,
        "incident": incident,
        "items": selectors.mark_changeable(selectors.incident_action_items(incident), user),
        "can_add": incident.is_open and ActionItem.can_be_added_by(user, incident=incident),
        "item_form": form or short_term_item_form(incident, user),
    }


@register.inclusion_tag("actions/incident_items.html", takes_context=True)
def incident_items(context, incident) -> dict:
    """An incident's short-term items, and the form to raise one while it is open."""
    return {**context.flatten(), **incident_items_context(context["request"], incident)}


@register.inclusion_tag("actions/team_items.html", takes_context=True)
def team_items(context, team) -> dict:
    """A team's open items, overdue first, with the counts."""
    items = selectors.action_item_list(team=team)
    return {
        **context.flatten(),
        "team": team,
        "items": selectors.mark_changeable(items[:TEAM_ITEMS_SHOWN], context["request"].user),
        "item_count": items.count(),
        "overdue_count": items.overdue().count(),
    }
