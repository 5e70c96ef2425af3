"""BananaStand's CloudWatch alarms: one scope per team, in us-east-1 of moto's default account.

`seed_alarms` stores the scopes and the alarms as last read, without asking AWS, so the team
pages and the ops meeting show them offline. `put_demo_alarms` creates the same alarms, and
`put_demo_metric_data` two weeks of the metrics the teams chart, in an AWS-compatible server (a moto
server: `manage.py cloudwatch_demo`, or `seed_demo --cloudwatch`), where sync and the meeting
read them.
Idempotent like the rest of the demo: a team that has a scope already is left alone.
"""

import math
from datetime import datetime, timedelta

from botocore.exceptions import ClientError
from django.utils import timezone

from opsreview.org.models import Team

from .models import Alarm, AlarmKind, AlarmScope, AlarmState, MetricQuery

REGION = "us-east-1"
ACCOUNT = "123456789012"  # moto's default account, so the seeded ARNs match what sync reads
COMPOSITE = "BananaStand-Overall-Health"

# team slug: alarm name prefixes
DEMO_SCOPES = {
    "front-door": ["BananaStand-ApiGateway-", "BananaStand-Overall-"],
    "banana-distributor": ["BananaStand-Distributor-"],
    "banana-requesthandler": ["BananaStand-RequestHandler-"],
    "banana-orchestrator": ["BananaStand-Orchestrator-"],
    "banana-storage": ["BananaStand-Storage-"],
}

DISTRIBUTOR = "BananaDistributor"
STORAGE = "BananaStorage"
# team slug: the metrics its ops meeting charts (label, namespace, metric, dimensions, statistic,
# the line drawn across: its alarm's threshold, or None); read from CloudWatch (or the moto
# demo) when the team presents. moto computes no percentiles, so the demo's latencies are
# averages.
DEMO_METRICS = {
    "banana-distributor": [
        (
            "Collections refused",
            "BananaStand",
            "LimitExceeded",
            {"Service": DISTRIBUTOR},
            "Sum",
            10.0,  # BananaStand-Distributor-LimitExceeded's threshold
        ),
        ("Collection latency", "BananaStand", "Latency", {"Service": DISTRIBUTOR}, "Average", None),
    ],
    "banana-storage": [
        (
            "Health checks failed",
            "BananaStand",
            "InventoryHealthCheckFailed",
            {"Service": STORAGE},
            "Sum",
            3.0,  # BananaStand-Storage-HealthCheck's threshold
        ),
        ("Inventory read latency", "BananaStand", "Latency", {"Service": STORAGE}, "Average", None),
    ],
}
# metric: (the usual hourly value, how much it swings over a day, {hours ago: a spike's value})
DEMO_METRIC_SHAPES = {
    "LimitExceeded": (4.0, 3.0, {40: 42.0, 230: 25.0}),
    "Latency": (180.0, 60.0, {30: 640.0, 260: 410.0}),
    "InventoryHealthCheckFailed": (0.0, 0.0, {100: 6.0, 200: 2.0}),
}
# Two weeks: this week's meeting charts the past seven days, last week's the seven before.
DEMO_METRIC_HOURS = 14 * 24

# name, namespace, metric, threshold, state, minutes in that state, reason
DEMO_METRIC_ALARMS = [
    (
        "BananaStand-ApiGateway-5XXError",
        "AWS/ApiGateway",
        "5XXError",
        5,
        AlarmState.OK,
        95,
        "Threshold Crossed: 1 datapoint [0.0] was not greater than the threshold (5.0).",
    ),
    (
        "BananaStand-ApiGateway-Latency-p99",
        "AWS/ApiGateway",
        "Latency",
        1500,
        AlarmState.OK,
        300,
        "Threshold Crossed: 1 datapoint [412.0] was not greater than the threshold (1500.0).",
    ),
    (
        "BananaStand-Distributor-LimitExceeded",
        "BananaStand",
        "BananaDistributionLimitExceeded",
        10,
        AlarmState.ALARM,
        40,
        "Threshold Crossed: 3 datapoints [42.0, 37.0, 29.0] were greater than the threshold "
        "(10.0).",
    ),
    (
        "BananaStand-RequestHandler-QueueDepth",
        "BananaStand",
        "RequestQueueDepth",
        1000,
        AlarmState.INSUFFICIENT_DATA,
        12,
        "Insufficient Data: 1 datapoint was unknown.",
    ),
    (
        "BananaStand-Orchestrator-WorkflowFailures",
        "BananaStand",
        "WorkflowFailures",
        1,
        AlarmState.OK,
        720,
        "Threshold Crossed: 1 datapoint [0.0] was not greater than the threshold (1.0).",
    ),
    (
        "BananaStand-Storage-HealthCheck",
        "BananaStand",
        "InventoryHealthCheckFailed",
        3,
        AlarmState.OK,
        2880,
        "Threshold Crossed: 3 datapoints [0.0, 0.0, 0.0] were not greater than the threshold "
        "(3.0).",
    ),
]
COMPOSITE_CHILDREN = [
    "BananaStand-Distributor-LimitExceeded",
    "BananaStand-RequestHandler-QueueDepth",
    "BananaStand-Orchestrator-WorkflowFailures",
]
COMPOSITE_RULE = " OR ".join(f'ALARM("{name}")' for name in COMPOSITE_CHILDREN)
COMPOSITE_DESCRIPTION = "BananaStand is unhealthy: bananas are not reaching customers."


def alarm_arn(name: str) -> str:
    return f"arn:aws:cloudwatch:{REGION}:{ACCOUNT}:alarm:{name}"


def _composite_reason() -> str:
    return f'ALARM("{COMPOSITE_CHILDREN[0]}") is in state ALARM.'


def _demo_alarms(now) -> list[dict]:
    alarms = [
        {
            "name": name,
            "kind": AlarmKind.METRIC,
            "state": state,
            "reason": reason,
            "state_updated_at": now - timedelta(minutes=minutes),
        }
        for name, _namespace, _metric, _threshold, state, minutes, reason in DEMO_METRIC_ALARMS
    ]
    alarms.append(
        {
            "name": COMPOSITE,
            "kind": AlarmKind.COMPOSITE,
            "state": AlarmState.ALARM,
            "reason": _composite_reason(),
            "state_updated_at": now - timedelta(minutes=40),
            "description": COMPOSITE_DESCRIPTION,
            "rule": COMPOSITE_RULE,
        }
    )
    return alarms


def demo_scopes(teams: dict[str, Team]) -> list[AlarmScope]:
    """Each demo team's scope, created when it has none."""
    scopes = []
    for slug, prefixes in DEMO_SCOPES.items():
        if slug not in teams:
            continue
        scope = AlarmScope.objects.filter(team=teams[slug]).order_by("pk").first()
        if scope is None:
            scope = AlarmScope.objects.create(
                team=teams[slug], region=REGION, account_id=ACCOUNT, alarm_prefixes=prefixes
            )
        scopes.append(scope)
    return scopes


def seed_alarms(teams: dict[str, Team]) -> list[AlarmScope]:
    """The demo teams' scopes and their alarms as if just read; no network."""
    now = timezone.now()
    fresh = [
        slug for slug in DEMO_SCOPES if slug in teams and not teams[slug].alarm_scopes.exists()
    ]
    scopes = demo_scopes(teams)
    for scope in scopes:
        if scope.team.slug not in fresh:
            continue
        for alarm in _demo_alarms(now):
            if scope.holds(alarm["name"]):
                Alarm.objects.create(
                    scope=scope, arn=alarm_arn(alarm["name"]), seen_at=now, **alarm
                )
        AlarmScope.objects.filter(pk=scope.pk).update(synced_at=now)
    for scope in scopes:
        if scope.team.slug in DEMO_METRICS and not scope.team.metric_queries.exists():
            for position, (label, namespace, metric, dimensions, statistic, line) in enumerate(
                DEMO_METRICS[scope.team.slug]
            ):
                MetricQuery.objects.create(
                    team=scope.team,
                    scope=scope,
                    label=label,
                    namespace=namespace,
                    metric_name=metric,
                    dimensions=dimensions,
                    statistic=statistic,
                    threshold=line,
                    position=position,
                )
    return scopes


def put_demo_alarms(client, *, moto_in_process: bool = False) -> list[str]:
    """Create the demo's metric alarms and the composite over them, in the states above, in the
    CloudWatch `client` speaks to; returns the names of the alarms made. `moto_in_process`: the
    server is a moto server in this process, whose backend takes the composite its API will
    not; a moto server elsewhere gets the metric alarms only."""
    made = []
    for name, namespace, metric, threshold, state, _minutes, reason in DEMO_METRIC_ALARMS:
        client.put_metric_alarm(
            AlarmName=name,
            Namespace=namespace,
            MetricName=metric,
            Statistic="Sum",
            Period=60,
            EvaluationPeriods=3,
            Threshold=float(threshold),
            ComparisonOperator="GreaterThanThreshold",
        )
        client.set_alarm_state(AlarmName=name, StateValue=state, StateReason=reason)
        made.append(name)
    try:
        client.put_composite_alarm(
            AlarmName=COMPOSITE, AlarmRule=COMPOSITE_RULE, AlarmDescription=COMPOSITE_DESCRIPTION
        )
    except ClientError as error:
        status = error.response.get("ResponseMetadata", {}).get("HTTPStatusCode", 0)
        if status < 500:
            raise
        if not moto_in_process:
            return made
        put_composite_alarm_in_moto(
            region=client.meta.region_name,
            name=COMPOSITE,
            rule=COMPOSITE_RULE,
            description=COMPOSITE_DESCRIPTION,
        )
    client.set_alarm_state(
        AlarmName=COMPOSITE, StateValue=AlarmState.ALARM, StateReason=_composite_reason()
    )
    return [*made, COMPOSITE]


def demo_metric_points(metric: str, *, end: datetime) -> list[tuple[datetime, float]]:
    """Two weeks of hourly values for one demo metric: a daily rhythm and a spike a week to talk
    about."""
    usual, swing, spikes = DEMO_METRIC_SHAPES[metric]
    points = []
    for hours_ago in range(DEMO_METRIC_HOURS, 0, -1):
        moment = end - timedelta(hours=hours_ago, minutes=30)
        value = round(usual + swing * math.sin(2 * math.pi * moment.hour / 24), 1)
        points.append((moment, spikes.get(hours_ago, value)))
    return points


def put_demo_metric_data(client, *, end: datetime | None = None) -> int:
    """The past two weeks of each demo metric, put in the CloudWatch `client` speaks to, so the ops
    meeting charts them; returns how many values were put."""
    end = end or timezone.now()
    put = 0
    for queries in DEMO_METRICS.values():
        for _label, namespace, metric, dimensions, _statistic, _line in queries:
            data = [
                {
                    "MetricName": metric,
                    "Dimensions": [{"Name": k, "Value": v} for k, v in dimensions.items()],
                    "Timestamp": moment,
                    "Value": value,
                }
                for moment, value in demo_metric_points(metric, end=end)
            ]
            for start in range(0, len(data), 500):  # PutMetricData takes 1,000 at most
                client.put_metric_data(Namespace=namespace, MetricData=data[start : start + 500])
            put += len(data)
    return put


def put_composite_alarm_in_moto(*, region: str, name: str, rule: str, description: str) -> None:
    """moto (5.2) answers PutCompositeAlarm with a 500; in the process that runs the moto
    server, its backend takes a composite alarm as an alarm with a rule."""
    from moto.cloudwatch.models import cloudwatch_backends  # a dev dependency: demos only

    cloudwatch_backends[ACCOUNT][region].put_metric_alarm(
        name=name,
        namespace="",
        metric_name="",
        comparison_operator="",
        evaluation_periods=0,
        period=0,
        threshold=0.0,
        statistic="",
        description=description,
        dimensions=[],
        alarm_actions=[],
        rule=rule,
    )
