"""Filters that write out the weekly email's item rows, rather than its templates looping over
them: an email lists about a hundred items, and at a dozen template variables a row, rendering
them was most of the cost of a report. The markup fits the templates around it
(templates/emails/weekly-report-*; tests/reports pin both parts of the email): change the two
together.

Values are escaped as the templates' autoescaping would (html.escape, quotes included) in the
HTML part and left as they are in the text part; numbers are localized as templates do.
"""

from html import escape

from django import template
from django.conf import settings
from django.utils.formats import localize
from django.utils.safestring import SafeString, mark_safe

register = template.Library()

CELL = "border-bottom:1px solid #eaeef2;"
LINK = 'style="color:#0b5cad;"'
NOTE = 'style="color:#59636e;font-size:12px;"'


def _number(number: int) -> str:
    """An integer as a template shows it: localized, which only a thousands separator changes."""
    return str(number) if -1000 < number < 1000 else str(localize(number))


def _source_html(item) -> str:
    if item.coe_id:
        return f"COE: {escape(item.coe_title)}"
    if item.incident_id:
        return f"Incident: {escape(item.incident_title)}"
    return escape(str(item.meeting))


def _source_text(item) -> str:
    if item.coe_id:
        return f'COE "{item.coe_title}"'
    if item.incident_id:
        return f'incident "{item.incident_title}"'
    return str(item.meeting)


@register.filter
def overdue_rows_html(items) -> SafeString:
    """The rows of an overdue table: item and where it came from, owner, due date, days late."""
    site = settings.SITE_URL
    rows = "".join(
        f'\n<tr>\n<td style="{CELL}"><a href="{escape(site + item.path)}" {LINK}>'
        f"{escape(item.title)}</a><br><span {NOTE}>{_source_html(item)}</span></td>\n"
        f'<td style="{CELL}">{escape(item.owner_name)}</td>\n'
        f'<td style="{CELL}white-space:nowrap;">{escape(item.due)}</td>\n'
        f'<td style="{CELL}text-align:right;font-weight:bold;color:#b3261e;">'
        f"{_number(item.days_late)}</td>\n</tr>\n"
        for item in items
    )
    return mark_safe(rows)  # noqa: S308 - every value in the rows is escaped above


@register.filter
def overdue_rows_text(items) -> str:
    site = settings.SITE_URL
    return "".join(
        f"  - {item.title}\n"
        f"      Owner: {item.owner_name} · due {item.due} · {_number(item.days_late)} "
        f"day{'' if item.days_late == 1 else 's'} overdue\n"
        f"      From: {_source_text(item)}\n"
        f"      {site}{item.path}\n"
        for item in items
    )


@register.filter
def due_soon_rows_html(items) -> SafeString:
    """The rows of the due-soon table: item, its team and term, owner, due date."""
    site = settings.SITE_URL
    rows = "".join(
        f'\n<tr><td style="{CELL}"><a href="{escape(site + item.path)}" {LINK}>'
        f"{escape(item.title)}</a><br><span {NOTE}>{escape(item.team.name)} · "
        f"{escape(str(item.get_term_display()))}</span></td>"
        f'<td style="{CELL}">{escape(item.owner_name)}</td>'
        f'<td style="{CELL}white-space:nowrap;">{escape(item.due)}</td></tr>\n'
        for item in items
    )
    return mark_safe(rows)  # noqa: S308 - every value in the rows is escaped above


@register.filter
def due_soon_rows_text(items) -> str:
    site = settings.SITE_URL
    return "".join(
        f"  - {item.title} ({item.team.name}, {str(item.get_term_display()).lower()})\n"
        f"      Owner: {item.owner_name} · due {item.due}\n"
        f"      {site}{item.path}\n"
        for item in items
    )
