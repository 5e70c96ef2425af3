from collections.abc import Sequence

from django import template
from django.utils.safestring import SafeString

from wheel import drawing

register = template.Library()


@register.simple_tag
def wheel_disc(slices: Sequence[drawing.Slice], labels: bool = True) -> SafeString:
    """`{% wheel_disc slices %}`: every slice of the wheel, drawn in one pass."""
    return drawing.disc(slices, labels=labels)
