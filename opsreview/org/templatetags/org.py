from datetime import UTC, datetime, timedelta

from django import template
from django.utils import timezone
from django.utils.html import format_html

from opsreview.org.people import display_name

register = template.Library()


@register.simple_tag
def moment(value: datetime | None, fmt: str = "j M Y, H:i"):
    """A timestamp in the viewer's time zone (the current one: see TimeZoneMiddleware), with
    its abbreviation, UTC on hover and a machine-readable datetime."""
    if value is None:
        return "—"
    local = timezone.localtime(value)
    utc = value.astimezone(UTC)
    return format_html(
        '<time datetime="{}" title="{} UTC">{} {}</time>',
        utc.isoformat(),
        utc.strftime("%Y-%m-%d %H:%M:%S"),
        template.defaultfilters.date(local, fmt),
        local.tzname(),
    )


@register.filter
def duration(value: timedelta | None) -> str:
    """1 d 2 h, 1 h 30 min, 12 min, 40 s: the two largest units, for people, not machines."""
    if value is None:
        return "—"
    seconds = int(value.total_seconds())
    if seconds < 0:
        return "—"
    days, rest = divmod(seconds, 86400)
    hours, rest = divmod(rest, 3600)
    minutes, secs = divmod(rest, 60)
    if days:
        return f"{days} d {hours} h" if hours else f"{days} d"
    if hours:
        return f"{hours} h {minutes} min" if minutes else f"{hours} h"
    if minutes:
        return f"{minutes} min"
    return f"{secs} s"


@register.filter
def editable_by(obj, user) -> bool:
    """`{% if entry|editable_by:user %}`: asks the object's own can_be_edited_by rule."""
    return obj.can_be_edited_by(user)


@register.filter
def get_item(mapping: dict, key):
    return mapping.get(key)


@register.filter
def days_overdue_on(item, on) -> int:
    """`{{ item|days_overdue_on:report.on }}`: days overdue as of the report's day."""
    return item.days_overdue(on)


@register.filter
def person(user) -> str:
    """`{{ item.owner|person }}`: the one way a person is named on every page and email."""
    return display_name(user) if user else ""
