"""`seed_demo --cloudwatch URL` loads BananaStand's alarms and two weeks of its teams' key metrics
into a moto server (a real HTTP endpoint), so the demo's ops meetings chart them without AWS."""

import io
import socket

import pytest
from django.core.cache import cache
from django.core.management import CommandError, call_command

from opsreview.cloudwatch.demo import COMPOSITE, DEMO_METRICS, demo_metric_points
from opsreview.cloudwatch.metrics import team_metric_charts, week_ending
from opsreview.cloudwatch.models import Alarm, AlarmState, MetricQuery
from opsreview.meetings.models import MeetingStatus, OpsMeeting
from opsreview.org.demo import seed_people_and_teams
from opsreview.org.models import Team
from tests.org.factories import UserFactory

from . import aws_server
from .aws_server import UNREACHABLE

moto_server = aws_server.moto_server
aws_env = aws_server.aws_env
aws_endpoint = aws_server.aws_endpoint

pytestmark = pytest.mark.django_db


@pytest.fixture
def seeded(aws_endpoint):
    cache.clear()
    out, err = io.StringIO(), io.StringIO()
    call_command("seed_demo", cloudwatch=aws_endpoint, stdout=out, stderr=err)
    yield out.getvalue(), err.getvalue()
    cache.clear()


def _drawn(chart) -> int:
    """How many points the chart's line has."""
    lines = [points for css_class, points in chart.polylines if css_class == "metric-line"]
    return len(lines[0].split()) if lines else 0


def test_the_demo_teams_metrics_are_charted_from_moto(seeded):
    out, err = seeded

    assert "BananaStand demo ready" in out
    assert "6 alarms and 1344 metric values" in out and "5 scopes read" in out
    # A moto server started elsewhere has no PutCompositeAlarm: said, not hidden.
    assert f"{COMPOSITE} was not made" in err
    distributor = Alarm.objects.get(name="BananaStand-Distributor-LimitExceeded")
    assert distributor.state == AlarmState.ALARM and distributor.scope.synced_at is not None
    for slug, queries in DEMO_METRICS.items():
        team = Team.objects.get(slug=slug)
        charts = team_metric_charts(team)
        assert [chart.title.split(":")[0] for chart in charts] == [q[0] for q in queries]
        for chart in charts:
            assert 167 <= _drawn(chart) <= 169, chart.summary  # a week of hourly values
        for chart, query in zip(charts, queries, strict=True):
            line = query[5]
            said = f"above the line at {line:g}." if line is not None else "above the line"
            assert (said in chart.summary) == (line is not None), chart.summary


def test_last_weeks_meeting_charts_the_week_before_it(client, seeded):
    last = OpsMeeting.objects.get(status=MeetingStatus.DONE)
    assert last.chosen_team.slug == "banana-storage"
    client.force_login(UserFactory())

    html = client.get(f"/meetings/{last.pk}/metrics/", HTTP_HX_REQUEST="true").content.decode()

    assert html.count('class="metric-line"') == 2
    assert "Health checks failed: InventoryHealthCheckFailed Sum, past 7 days" in html
    assert "No data points" not in html and "Not read from CloudWatch" not in html


def test_a_second_run_adds_no_queries(aws_endpoint, seeded):
    before = MetricQuery.objects.count()
    call_command("seed_demo", stdout=io.StringIO())
    assert MetricQuery.objects.count() == before == 4


def test_the_demo_values_have_a_daily_rhythm_and_a_spike_each_week():
    end = week_ending()
    points = demo_metric_points("LimitExceeded", end=end)
    assert len(points) == 14 * 24
    assert max(value for _, value in points[-7 * 24 :]) == 42.0  # this week's spike
    assert max(value for _, value in points[: 7 * 24]) == 25.0  # last week's
    assert min(value for _, value in points) >= 1.0


def test_a_busy_port_is_said_at_once_rather_than_waited_on(db):
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        seed_people_and_teams()
        with pytest.raises(CommandError, match=f"Port {port} is in use"):
            call_command("cloudwatch_demo", serve=port, once=True, stdout=io.StringIO())


def test_an_endpoint_that_cannot_be_reached_is_said_in_a_line(db, aws_env):
    seed_people_and_teams()
    with pytest.raises(CommandError, match=f"Nothing loaded into {UNREACHABLE}: Could not reach"):
        call_command("cloudwatch_demo", endpoint=UNREACHABLE, stdout=io.StringIO())
