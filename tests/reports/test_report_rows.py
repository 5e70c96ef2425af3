"""The weekly email's item rows, written by filters, are what the template loops they replaced
rendered: the same markup, escaped the same way, for every kind of source and any text."""

from types import SimpleNamespace

import pytest
from django.template import Context, Engine

from opsreview.reports.templatetags import report_rows

SITE_URL = "https://opsreview.example.com"

# The loops of templates/emails/weekly-report-body-{html,text} before the filters took over.
LOOPS = {
    "overdue_rows_html": """{% for item in items %}
<tr>
<td style="border-bottom:1px solid #eaeef2;"><a href="{{ site_url }}{{ item.path }}" style="color:#0b5cad;">{{ item.title }}</a><br><span style="color:#59636e;font-size:12px;">{% if item.coe_id %}COE: {{ item.coe_title }}{% elif item.incident_id %}Incident: {{ item.incident_title }}{% else %}{{ item.meeting }}{% endif %}</span></td>
<td style="border-bottom:1px solid #eaeef2;">{{ item.owner_name }}</td>
<td style="border-bottom:1px solid #eaeef2;white-space:nowrap;">{{ item.due }}</td>
<td style="border-bottom:1px solid #eaeef2;text-align:right;font-weight:bold;color:#b3261e;">{{ item.days_late }}</td>
</tr>
{% endfor %}""",  # noqa: E501
    "overdue_rows_text": """{% for item in items %}  - {{ item.title }}
      Owner: {{ item.owner_name }} · due {{ item.due }} · {{ item.days_late }} day{{ item.days_late|pluralize }} overdue
      From: {% if item.coe_id %}COE "{{ item.coe_title }}"{% elif item.incident_id %}incident "{{ item.incident_title }}"{% else %}{{ item.meeting }}{% endif %}
      {{ site_url }}{{ item.path }}
{% endfor %}""",  # noqa: E501
    "due_soon_rows_html": """{% for item in items %}
<tr><td style="border-bottom:1px solid #eaeef2;"><a href="{{ site_url }}{{ item.path }}" style="color:#0b5cad;">{{ item.title }}</a><br><span style="color:#59636e;font-size:12px;">{{ item.team.name }} · {{ item.get_term_display }}</span></td><td style="border-bottom:1px solid #eaeef2;">{{ item.owner_name }}</td><td style="border-bottom:1px solid #eaeef2;white-space:nowrap;">{{ item.due }}</td></tr>
{% endfor %}""",  # noqa: E501
    "due_soon_rows_text": """{% for item in items %}  - {{ item.title }} ({{ item.team.name }}, {{ item.get_term_display|lower }})
      Owner: {{ item.owner_name }} · due {{ item.due }}
      {{ site_url }}{{ item.path }}
{% endfor %}""",  # noqa: E501
}

HOSTILE = """<script>alert("x")</script> & 'quotes' {{ not a tag }} {% neither %} — ünïcode"""


def item(n: int, *, source: str, days_late: int, **fields) -> SimpleNamespace:
    values = {
        "path": f"/actions/{n}/",
        "title": f"Item {n}: {HOSTILE}",
        "coe_id": n if source == "coe" else None,
        "coe_title": f"COE {n} <b>bold</b> & co" if source == "coe" else None,
        "incident_id": n if source == "incident" else None,
        "incident_title": f"Incident {n} \"quoted\" 'too'" if source == "incident" else None,
        "meeting": f"Ops meeting 2026-W4{n} <i>" if source == "meeting" else None,
        "owner_name": "Seán O'Brien <sean@example.com>",
        "due": "3 Nov 2026",
        "days_late": days_late,
        "team": SimpleNamespace(name="Payments & <Checkout>"),
        "get_term_display": lambda: "Medium-term",
    }
    return SimpleNamespace(**{**values, **fields})


ITEMS = [
    item(1, source="coe", days_late=1),
    item(2, source="incident", days_late=12),
    item(3, source="meeting", days_late=1234),
    item(4, source="none", days_late=2),
]


@pytest.mark.parametrize("name", LOOPS)
@pytest.mark.parametrize("grouping", [False, True], ids=["1234 days", "1,234 days"])
def test_the_filters_write_what_the_loops_they_replaced_rendered(settings, name, grouping):
    autoescape = name.endswith("_html")  # the HTML part is escaped, the text part is not
    settings.SITE_URL, settings.USE_THOUSAND_SEPARATOR = SITE_URL, grouping
    loop = Engine(autoescape=autoescape).from_string(LOOPS[name])
    context = Context({"items": ITEMS, "site_url": SITE_URL}, autoescape=autoescape)

    assert getattr(report_rows, name)(ITEMS) == loop.render(context)


def test_no_items_write_no_rows():
    assert [getattr(report_rows, name)([]) for name in LOOPS] == ["", "", "", ""]
