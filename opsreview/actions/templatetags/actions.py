"""The items panels other apps' pages show, loaded by name ({% load actions %}), so those apps
import nothing from this one."""

from django import template
from django.db.models import Count

from .. import selectors
from ..forms import ShortTermItemForm
from ..models import ActionItem, overdue_q

register = template.Library()

TEAM_ITEMS_SHOWN = 10


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
