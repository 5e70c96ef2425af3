"""Reads the team page and the ops meeting share: a team's alarms, what needs attention first."""

from dataclasses import dataclass, field
from urllib.parse import quote

from django.db.models import Case, Count, IntegerField, Q, QuerySet, Value, When

from opsreview.org.models import Team

from .models import STATE_ORDER, Alarm, AlarmKind, AlarmScope, AlarmState
from .rules import Op, Ref, RuleNotUnderstood, parse_rule, references

# A team's scopes with their counts of alarms by state; its first alarms; composites' children.
TEAM_ALARMS_QUERIES = 3


def console_url(region: str, name: str) -> str:
    """The alarm's page in the CloudWatch console."""
    return (
        f"https://{region}.console.aws.amazon.com/cloudwatch/home?region={region}"
        f"#alarmsV2:alarm/{quote(name, safe='')}"
    )


def alarms_by_urgency(alarms: QuerySet[Alarm]) -> QuerySet[Alarm]:
    """In alarm first, then insufficient data, then OK; by name within each."""
    rank = Case(
        *(When(state=state, then=Value(order)) for state, order in STATE_ORDER.items()),
        default=Value(len(STATE_ORDER)),
        output_field=IntegerField(),
    )
    return alarms.annotate(urgency=rank).order_by("urgency", "name", "pk")


@dataclass
class TeamAlarms:
    scopes: list[AlarmScope]
    alarms: list[Alarm]
    counts: dict[str, int] = field(default_factory=dict)

    @property
    def total(self) -> int:
        return sum(self.counts.values())

    @property
    def more(self) -> int:
        return self.total - len(self.alarms)


def _child_arn(composite: Alarm, name: str) -> str:
    """A child's ARN: the composite's, account and region alike, with the child's name."""
    base, _, _ = composite.arn.rpartition(":alarm:")
    return f"{base}:alarm:{name}" if base else ""


def _attach_rules(composites: list[Alarm]) -> None:
    """Give each composite its `rule_tree` (None when not understood) and `rule_refs`, each
    reference knowing its alarm (`ref.alarm`, None when not read here): one query for all."""
    wanted: dict[str, list[Ref]] = {}
    for alarm in composites:
        try:
            alarm.rule_tree = parse_rule(alarm.rule)
        except RuleNotUnderstood:
            alarm.rule_tree = None
        alarm.rule_refs = references(alarm.rule)
        for ref in _tree_refs(alarm.rule_tree) if alarm.rule_tree else alarm.rule_refs:
            ref.alarm = None
            if arn := _child_arn(alarm, ref.name):
                wanted.setdefault(arn, []).append(ref)
    if not wanted:
        return
    for child in Alarm.objects.filter(arn__in=list(wanted)).select_related("scope"):
        for ref in wanted.get(child.arn, []):
            ref.alarm = child
            child.console = console_url(child.scope.region, child.name)


def _tree_refs(node) -> list[Ref]:
    if isinstance(node, Ref):
        return [node]
    return [ref for part in node.parts for ref in _tree_refs(part)] if isinstance(node, Op) else []


def team_alarms(team: Team, *, shown: int) -> TeamAlarms:
    """The team's scopes (with their status), its first `shown` alarms by urgency, how many
    alarms it has in each state, and for each composite shown its rule with its children's
    states. At most TEAM_ALARMS_QUERIES queries, however many alarms and scopes."""
    counts = {state: Count("alarms", filter=Q(alarms__state=state)) for state in AlarmState.values}
    scopes = list(AlarmScope.objects.filter(team=team).annotate(**counts).order_by("region", "pk"))
    totals = {state: sum(getattr(scope, state) for scope in scopes) for state in counts}
    if not any(totals.values()):
        return TeamAlarms(scopes=scopes, alarms=[], counts=totals)
    regions = {scope.pk: scope.region for scope in scopes}
    alarms = list(alarms_by_urgency(Alarm.objects.filter(scope__team=team))[:shown])
    for alarm in alarms:
        alarm.console = console_url(regions[alarm.scope_id], alarm.name)
    _attach_rules([alarm for alarm in alarms if alarm.kind == AlarmKind.COMPOSITE])
    return TeamAlarms(scopes=scopes, alarms=alarms, counts=totals)
