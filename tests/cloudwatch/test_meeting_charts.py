"""The chosen team's key metrics in the ops meeting: its page and projector load them after the
page, from /meetings/<id>/metrics/, read from CloudWatch (moto in server mode over HTTP)."""

from datetime import timedelta

import pytest
from django.core.cache import cache
from django.utils import timezone

from opsreview.cloudwatch.metrics import week_ending
from opsreview.cloudwatch.models import MetricQuery
from opsreview.meetings.models import MeetingStatus, OpsMeeting
from opsreview.meetings.services import meeting_prepare
from tests.org.factories import UserFactory

from . import aws_server
from .aws_server import UNREACHABLE, make_scope

moto_server = aws_server.moto_server
aws_env = aws_server.aws_env
aws_endpoint = aws_server.aws_endpoint
cloudwatch = aws_server.cloudwatch

pytestmark = pytest.mark.django_db
HTMX = {"HTTP_HX_REQUEST": "true"}


@pytest.fixture(autouse=True)
def fresh_cache():
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def scope():
    return make_scope()


@pytest.fixture
def meeting(scope):
    meeting, _ = meeting_prepare(actor=UserFactory(is_staff=True))
    OpsMeeting.objects.filter(pk=meeting.pk).update(chosen_team=scope.team)
    meeting.refresh_from_db()
    return meeting


@pytest.fixture
def viewer(client):
    user = UserFactory()
    client.force_login(user)
    return user


def _query(scope, label="Gateway errors") -> MetricQuery:
    return MetricQuery.objects.create(
        team=scope.team,
        scope=scope,
        label=label,
        namespace="AWS/ApiGateway",
        metric_name="5XXError",
        dimensions={"ApiName": "BananaStand"},
        statistic="Sum",
        period_seconds=3600,
    )


def _put(cloudwatch, points):
    for moment, value in points:
        cloudwatch.put_metric_data(
            Namespace="AWS/ApiGateway",
            MetricData=[
                {
                    "MetricName": "5XXError",
                    "Dimensions": [{"Name": "ApiName", "Value": "BananaStand"}],
                    "Timestamp": moment,
                    "Value": value,
                }
            ],
        )


def _lines(html: str) -> list[str]:
    """The points of each metric line drawn in the page."""
    found = []
    for part in html.split('class="metric-line" points="')[1:]:
        found.append(part.split('"', 1)[0])
    return found


def test_the_meeting_page_loads_the_chosen_teams_charts_after_itself(
    client, viewer, meeting, scope
):
    _query(scope)

    html = client.get(meeting.get_absolute_url()).content.decode()

    url = f"/meetings/{meeting.pk}/metrics/"
    assert f'hx-get="{url}" hx-trigger="load"' in html
    assert f'<a href="{url}">Open the charts on their own page</a>' in html
    assert "metric-line" not in html  # nothing is read from AWS while the page is drawn


def test_a_team_that_names_no_metrics_has_no_charts_to_load(client, viewer, meeting):
    html = client.get(meeting.get_absolute_url()).content.decode()
    assert "Key metrics" not in html and f"/meetings/{meeting.pk}/metrics/" not in html


def test_the_charts_are_drawn_from_cloudwatchs_data(client, viewer, meeting, scope, cloudwatch):
    query = _query(scope)
    end = week_ending()
    _put(cloudwatch, [(end - timedelta(hours=h, minutes=30), v) for h, v in [(40, 6), (3, 2)]])

    fragment = client.get(f"/meetings/{meeting.pk}/metrics/", **HTMX).content.decode()

    assert fragment.startswith('<div class="team-metrics"') and "<html" not in fragment
    assert f'data-testid="chart-metric-{query.pk}"' in fragment
    [line] = _lines(fragment)
    assert len(line.split()) == 2
    assert "Gateway errors: 5XXError Sum, past 7 days" in fragment
    assert "highest 6" in fragment  # the text alternative

    page = client.get(f"/meetings/{meeting.pk}/metrics/").content.decode()  # without JavaScript
    assert "<html" in page and f"{scope.team.name}: key metrics" in page
    assert len(_lines(page)) == 1


def test_a_finished_meetings_charts_show_the_week_before_it_ended(
    client, viewer, meeting, scope, cloudwatch
):
    _query(scope)
    finished = timezone.now() - timedelta(days=3)
    OpsMeeting.objects.filter(pk=meeting.pk).update(
        status=MeetingStatus.DONE, started_at=finished - timedelta(hours=1), finished_at=finished
    )
    _put(
        cloudwatch,
        [
            (finished - timedelta(days=2), 5.0),  # the room saw this
            (finished - timedelta(hours=2), 7.0),  # and this
            (finished + timedelta(days=1), 900.0),  # after the meeting ended
        ],
    )

    fragment = client.get(f"/meetings/{meeting.pk}/metrics/", **HTMX).content.decode()

    [line] = _lines(fragment)
    assert len(line.split()) == 2
    assert "highest 7" in fragment and "900" not in fragment


def test_an_unreachable_cloudwatch_is_a_chart_that_says_so(
    client, viewer, meeting, scope, aws_env, settings
):
    settings.AWS_ENDPOINT_URL = UNREACHABLE
    _query(scope)

    response = client.get(f"/meetings/{meeting.pk}/metrics/", **HTMX)

    assert response.status_code == 200
    html = response.content.decode()
    assert "Not read from CloudWatch:" in html and not _lines(html)


def test_with_no_team_chosen_the_charts_say_so(client, viewer, meeting):
    OpsMeeting.objects.filter(pk=meeting.pk).update(chosen_team=None)
    html = client.get(f"/meetings/{meeting.pk}/metrics/", **HTMX).content.decode()
    assert "No team has been chosen to present yet." in html


def test_charts_of_a_meeting_that_does_not_exist_are_not_found(client, viewer):
    assert client.get("/meetings/987654/metrics/", **HTMX).status_code == 404
