"""What pages of other apps ask of a COE, loaded by name ({% load coe %}) so that those apps
never import this one."""

from django import template

register = template.Library()


@register.filter
def readable_by(coe, user) -> bool:
    """Whether `user` may read `coe` (a draft is its writers' until submitted)."""
    return coe is not None and coe.can_be_read_by(user)
