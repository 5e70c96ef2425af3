"""A team's CloudWatch alarms, for pages of other apps to show by name ({% load cloudwatch %}),
so those apps import nothing from this one."""

from django import template
from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString
from django.utils.timesince import timesince

from ..models import AlarmKind, AlarmState
from ..rules import Op, Ref
from ..selectors import team_alarms as team_alarms_read

register = template.Library()

# How many alarms a team page lists (the urgent first), and a projector slide.
ALARMS_SHOWN = 25
ALARMS_SHOWN_COMPACT = 5
STATE_LABELS = dict(AlarmState.choices)
OP_LABELS = {"AND": "All of", "OR": "Any of", "NOT": "Not", "TRUE": "TRUE", "FALSE": "FALSE"}


@register.inclusion_tag("cloudwatch/team_alarms.html", takes_context=True)
def team_alarms(context, team, compact: bool = False, heading: int = 2) -> dict:
    """The team's alarms, in alarm first, with how long each has been so, each composite's rule
    with its children's states, and each scope's status: four queries at most."""
    request = context.get("request")
    user = getattr(request, "user", None)
    read = team_alarms_read(team, shown=ALARMS_SHOWN_COMPACT if compact else ALARMS_SHOWN)
    return {
        "team": team,
        "read": read,
        "states": [
            (state, label, read.counts.get(state, 0)) for state, label in STATE_LABELS.items()
        ],
        "compact": compact,
        "heading": heading,
        "can_edit": user is not None and team.can_be_edited_by(user),
    }


@register.filter
def state_age(since, compact: bool = False) -> str:
    """How long an alarm has been in its state: "2 hours, 5 minutes"; compact, "2 hours"."""
    return timesince(since, depth=1 if compact else 2)


def _state_badge(state: str) -> SafeString:
    return format_html(
        '<span class="alarm-state alarm-state-{}" data-testid="child-state">{}</span>',
        state.lower(),
        STATE_LABELS.get(state, state),
    )


def _child(ref: Ref, compact: bool = False) -> SafeString:
    child = getattr(ref, "alarm", None)
    if compact:
        state = _state_badge(child.state) if child else format_html("{}", "not read")
        return format_html(
            '<li class="rule-ref" data-testid="rule-ref">{} {}</li>', state, ref.name
        )
    call = format_html('<code>{}("{}")</code>', ref.state, ref.name)
    if child is None:
        return format_html(
            '<li class="rule-ref" data-testid="rule-ref">{} <span class="muted">'
            "not read here</span></li>",
            call,
        )
    holds = "holds" if child.state == ref.state else "does not hold"
    return format_html(
        '<li class="rule-ref" data-testid="rule-ref">{} {} '
        '<a href="{}" target="_blank" rel="noopener noreferrer">{}<span class="visually-hidden">'
        " in the CloudWatch console (opens a new tab)</span></a> "
        '<span class="muted">({})</span></li>',
        call,
        _state_badge(child.state),
        child.console,
        child.name,
        holds,
    )


def _node(node, compact: bool) -> SafeString:
    if isinstance(node, Ref):
        return _child(node, compact)
    parts = format_html_join("", "{}", ((_node(part, compact),) for part in node.parts))
    inner = format_html("<ul>{}</ul>", parts) if node.parts else ""
    return format_html(
        '<li class="rule-op"><span class="rule-op-name">{}</span>{}</li>',
        OP_LABELS.get(node.op, node.op),
        inner,
    )


@register.simple_tag
def alarm_rule(alarm, compact: bool = False) -> SafeString:
    """A composite alarm's rule as a tree of its children and their states; a rule not
    understood, as the list of the alarms it names. `compact`: each child's state and name
    alone, for the projector."""
    if alarm.kind != AlarmKind.COMPOSITE:
        return SafeString("")
    tree = getattr(alarm, "rule_tree", None)
    if isinstance(tree, Op | Ref):
        items = _node(tree, compact)
    else:
        refs = alarm.rule_refs
        items = format_html_join("", "{}", ((_child(ref, compact),) for ref in refs))
    return format_html(
        '<div class="alarm-rule" data-testid="alarm-rule"><ul class="rule-tree">{}</ul></div>',
        items,
    )
