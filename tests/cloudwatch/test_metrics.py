"""A team's key metrics read from CloudWatch (moto in server mode; boto3 is not patched), kept
for the meeting's hour, and an AWS error said in the chart instead of raised."""

from datetime import UTC, timedelta

import pytest
from django.core.cache import cache

from opsreview.cloudwatch.metrics import line_chart, team_series, week_ending
from opsreview.cloudwatch.models import MetricQuery

from . import aws_server
from .aws_server import UNREACHABLE, make_scope

moto_server = aws_server.moto_server
aws_env = aws_server.aws_env
aws_endpoint = aws_server.aws_endpoint
cloudwatch = aws_server.cloudwatch

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def fresh_cache():
    cache.clear()
    yield
    cache.clear()


def _query(scope, **fields) -> MetricQuery:
    return MetricQuery.objects.create(
        team=scope.team,
        scope=scope,
        label=fields.pop("label", "Gateway errors"),
        namespace="AWS/ApiGateway",
        metric_name="5XXError",
        dimensions={"ApiName": "BananaStand"},
        statistic=fields.pop("statistic", "Sum"),
        period_seconds=3600,
        **fields,
    )


def _put(cloudwatch, end, values, dimensions=(("ApiName", "BananaStand"),)):
    for hours_ago, value in values:
        cloudwatch.put_metric_data(
            Namespace="AWS/ApiGateway",
            MetricData=[
                {
                    "MetricName": "5XXError",
                    "Dimensions": [{"Name": k, "Value": v} for k, v in dimensions],
                    "Timestamp": end - timedelta(hours=hours_ago, minutes=30),
                    "Value": value,
                }
            ],
        )


def test_metric_data_put_in_cloudwatch_is_read_and_drawn(cloudwatch):
    scope = make_scope()
    query = _query(scope)
    end = week_ending()
    _put(cloudwatch, end, [(30, 4.0), (20, 9.0), (2, 1.0)])
    _put(cloudwatch, end, [(5, 500.0)], dimensions=(("ApiName", "Other"),))  # not this API

    [series] = team_series([query], end=end)

    assert series.error == ""
    assert [value for _, value in series.points] == [4.0, 9.0, 1.0]
    assert all(moment.tzinfo is UTC for moment, _ in series.points)  # not botocore's tzlocal
    chart = line_chart(series, end=end)
    assert len(chart.polylines[0][1].split()) == 3
    assert "highest 9" in chart.summary and "Latest 1" in chart.summary


def test_the_week_is_read_once_for_the_meetings_hour(cloudwatch):
    scope = make_scope()
    query = _query(scope)
    end = week_ending()
    _put(cloudwatch, end, [(3, 2.0)])
    assert [v for _, v in team_series([query], end=end)[0].points] == [2.0]

    _put(cloudwatch, end, [(1, 7.0)])  # arrives after the meeting read the week

    assert [v for _, v in team_series([query], end=end)[0].points] == [2.0]
    later = end + timedelta(hours=1)
    assert [v for _, v in team_series([query], end=later)[0].points] == [2.0, 7.0]


def test_an_unreachable_cloudwatch_is_a_chart_that_says_so(aws_env, settings):
    settings.AWS_ENDPOINT_URL = UNREACHABLE
    query = _query(make_scope())

    [series] = team_series([query])

    assert series.points == [] and series.error
    chart = line_chart(series, end=week_ending())
    assert chart.is_empty and chart.summary.startswith("Not read from CloudWatch: ")
