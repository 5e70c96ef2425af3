"""What other apps' pages show of the meetings, loaded by name ({% load meetings %}), so those
apps import nothing from this one."""

from django import template

from ..forms import DeepDiveForm
from ..services import can_queue_deep_dive

register = template.Library()


@register.inclusion_tag("meetings/deep_dive_box.html", takes_context=True)
def deep_dive_box(context, coe) -> dict:
    """The "Queue for a meeting" form on a COE's page, for those who may queue it."""
    request = context["request"]
    allowed = can_queue_deep_dive(coe, request.user)
    return {
        **context.flatten(),
        "show": allowed,
        "form": DeepDiveForm(initial={"coe": coe.pk}) if allowed else None,
        "queued": list(coe.deep_dives.order_by("week")) if allowed else [],
    }
