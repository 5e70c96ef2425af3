"""The ops meeting shows the chosen team's CloudWatch alarms: in projector mode once the wheel
has chosen the team, and on the meeting's page; the composite alarm with its children's states."""

import re
from datetime import timedelta

import boto3
import pytest
from axe_playwright_python.sync_playwright import Axe
from django.contrib.auth import get_user_model
from django.core.cache import cache
from playwright.sync_api import expect

from opsreview.cloudwatch.demo import COMPOSITE
from opsreview.cloudwatch.metrics import week_ending
from opsreview.cloudwatch.models import AlarmScope, MetricQuery
from opsreview.meetings.models import OpsMeeting
from opsreview.meetings.services import meeting_prepare
from tests.cloudwatch import aws_server
from tests.e2e.test_meeting_present import OVERFLOW
from wheel.demo import WHEEL_SLUG
from wheel.models import Wheel
from wheel.services import wheel_rig

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

# CloudWatch as a moto server (boto3 is not patched), as settings.AWS_ENDPOINT_URL.
moto_server = aws_server.moto_server
aws_env = aws_server.aws_env
aws_endpoint = aws_server.aws_endpoint

PROJECTOR = {"width": 1920, "height": 1080}
FRONT_DOOR = "API Gateway Front Door"


@pytest.fixture
def meeting(demo, settings):
    settings.MEETING_WHEEL_SLUG = WHEEL_SLUG
    users = get_user_model().objects
    manager = users.get(username="manager")
    meeting = meeting_prepare(actor=manager)[0]
    OpsMeeting.objects.filter(pk=meeting.pk).update(facilitator=manager)
    wheel = Wheel.objects.get(slug=WHEEL_SLUG)
    front_door = wheel.participants.get(team__slug="front-door")
    wheel_rig(wheel=wheel, actor=users.get(username="admin"), participant=front_door, reason="Due.")
    return meeting


def test_the_chosen_teams_alarms_show_in_the_meeting(
    meeting, sign_in, live_server, page, output_path
):
    page.route("https://dashboards.bananastand.example/**", lambda r: r.fulfill(body="ok"))
    _wheel_chooses_front_door(page, sign_in, live_server, meeting)

    alarms = page.get_by_test_id("team-figures").get_by_test_id("team-alarms")
    expect(alarms).to_be_visible()
    _shows_front_doors_alarms(alarms)
    # The projector counts the OK alarms and lists those that need attention.
    expect(alarms.get_by_role("heading")).to_have_text(
        "Alarms: 1 in alarm · 0 insufficient data · 2 ok"
    )
    expect(alarms.get_by_test_id("alarm")).to_have_count(1)
    page.screenshot(path=f"{output_path}/present-metrics-alarms.png")
    assert max(page.evaluate(OVERFLOW).values()) <= 0, "the slide runs off the screen"

    page.goto(f"{live_server.url}/meetings/{meeting.pk}/")
    section = page.locator("#section-metrics")
    expect(section.get_by_role("heading", name=f"{FRONT_DOOR} presents")).to_be_visible()
    alarms = section.get_by_test_id("team-alarms")
    _shows_front_doors_alarms(alarms)
    for name in ("BananaStand-ApiGateway-5XXError", "BananaStand-ApiGateway-Latency-p99"):
        row = alarms.locator(f'[data-alarm="{name}"]')
        expect(row.get_by_test_id("alarm-state")).to_have_text("OK")
    expect(alarms).to_contain_text("Alarms read")
    reason = alarms.locator(".alarm-reason").first
    expect(reason).to_contain_text("is in state ALARM")


def _wheel_chooses_front_door(page, sign_in, live_server, meeting) -> None:
    """In projector mode the facilitator spins (W) the wheel, rigged for Front Door; chooses it."""
    page.set_viewport_size(PROJECTOR)
    sign_in("manager")
    page.goto(f"{live_server.url}/meetings/{meeting.pk}/present/?section=metrics")
    page.keyboard.press("w")
    expect(page.locator("[data-wheel]")).to_have_attribute("data-state", "landed")
    page.get_by_role("button", name=f"Choose {FRONT_DOOR}").click()


def _shows_front_doors_alarms(alarms) -> None:
    rows = alarms.get_by_test_id("alarm")
    expect(rows.first).to_have_attribute("data-alarm", COMPOSITE)
    expect(rows.first.get_by_test_id("alarm-state")).to_have_text("In alarm")
    expect(rows.first.locator(".alarm-since")).to_contain_text(re.compile(r"for \d+"))
    link = rows.first.get_by_role("link", name=re.compile(f"^{COMPOSITE}")).first
    expect(link).to_have_attribute("target", "_blank")
    expect(link).to_have_attribute("rel", re.compile("noopener"))
    expect(link).to_have_attribute("href", re.compile(f"#alarmsV2:alarm/{COMPOSITE}$"))
    children = rows.first.get_by_test_id("rule-ref")
    expect(children).to_have_count(3)
    expect(children.nth(0)).to_contain_text("BananaStand-Distributor-LimitExceeded")
    expect(children.nth(0).get_by_test_id("child-state")).to_have_text("In alarm")
    expect(children.nth(1).get_by_test_id("child-state")).to_have_text("Insufficient data")
    expect(children.nth(2).get_by_test_id("child-state")).to_have_text("OK")


@pytest.fixture
def front_door_metric(meeting, aws_endpoint):
    """Front Door reviews its API's 5XX errors; CloudWatch (moto, over HTTP) holds a week."""
    scope = AlarmScope.objects.filter(team__slug="front-door").first()
    query = MetricQuery.objects.create(
        team=scope.team,
        scope=scope,
        label="Gateway errors",
        namespace="AWS/ApiGateway",
        metric_name="5XXError",
        dimensions={"ApiName": "BananaStand"},
        statistic="Sum",
        threshold=30.0,
    )
    client = boto3.client("cloudwatch", region_name=scope.region, endpoint_url=aws_endpoint)
    end = week_ending()
    for hours_ago, value in [(50, 3.0), (26, 41.0), (3, 2.0)]:
        client.put_metric_data(
            Namespace="AWS/ApiGateway",
            MetricData=[
                {
                    "MetricName": "5XXError",
                    "Dimensions": [{"Name": "ApiName", "Value": "BananaStand"}],
                    "Timestamp": end - timedelta(hours=hours_ago, minutes=30),
                    "Value": value,
                }
            ],
        )
    cache.clear()
    yield query
    cache.clear()


def test_the_chosen_teams_key_metrics_are_drawn_in_the_meeting(
    meeting, front_door_metric, sign_in, live_server, page, output_path
):
    _wheel_chooses_front_door(page, sign_in, live_server, meeting)

    # Beside the dashboard link: the key metrics, full screen over the wheel (M, Esc closes).
    figures = page.get_by_test_id("team-figures")
    expect(figures.get_by_role("link", name="Key metrics M")).to_be_visible()
    page.keyboard.press("m")
    dialog = page.get_by_role("dialog", name=f"{FRONT_DOOR}: key metrics, past 7 days")
    expect(dialog).to_be_visible()
    chart = dialog.get_by_test_id(f"chart-metric-{front_door_metric.pk}")
    expect(chart.locator("polyline.metric-line")).to_have_count(1)
    expect(chart.locator("svg title").first).to_have_text(
        "Gateway errors: 5XXError Sum, past 7 days"
    )
    expect(chart.locator("svg desc")).to_contain_text("highest 41")
    expect(chart.locator("svg desc")).to_contain_text("1 of 3 readings above the line at 30.")
    expect(chart.locator("polyline.threshold-line")).to_have_count(1)
    points = chart.locator("polyline.metric-line").get_attribute("points")
    assert len(points.split()) == 3
    assert not _serious_violations(page), "the key metrics box, for assistive technology"
    page.keyboard.press("Escape")
    expect(dialog).to_be_hidden()
    figures.get_by_role("link", name="Key metrics M").click()
    expect(dialog).to_be_visible()
    page.keyboard.press("Escape")

    # The meeting's own page loads the same chart into its "Review service metrics" section.
    page.set_viewport_size({"width": 1280, "height": 900})
    page.goto(f"{live_server.url}/meetings/{meeting.pk}/")
    section = page.locator("#section-metrics")
    expect(section.get_by_test_id("team-alarms")).to_be_visible()
    chart = section.get_by_test_id(f"chart-metric-{front_door_metric.pk}")
    expect(chart.locator("polyline.metric-line")).to_have_count(1)
    expect(chart.locator("svg desc")).to_contain_text("highest 41")
    box = chart.locator("svg").bounding_box()
    assert box and box["width"] <= 800, "the chart fits the page's column"
    section.screenshot(path=f"{output_path}/meeting-metrics.png")
    assert not _serious_violations(page), "the meeting page with its charts"


def _serious_violations(page) -> list[str]:
    """What axe-core finds serious or critical on the page as it is now."""
    return [
        f"{v['id']}: {v['help']} {[n['target'] for n in v['nodes'][:5]]}"
        for v in Axe().run(page).response["violations"]
        if v["impact"] in ("serious", "critical")
    ]


DIALOG_OVERFLOW = """() => {
  const box = document.querySelector("[data-metrics-dialog]");
  return box.scrollHeight - box.clientHeight;
}"""


def test_eight_key_metrics_fit_the_projector_without_scrolling(
    meeting, aws_endpoint, sign_in, live_server, page
):
    scope = AlarmScope.objects.filter(team__slug="front-door").first()
    client = boto3.client("cloudwatch", region_name=scope.region, endpoint_url=aws_endpoint)
    end = week_ending()
    queries = []
    for n in range(8):
        queries.append(
            MetricQuery.objects.create(
                team=scope.team,
                scope=scope,
                label=f"Metric {n}",
                namespace="BananaStand",
                metric_name=f"M{n}",
                statistic="Sum",
                position=n,
            )
        )
        client.put_metric_data(
            Namespace="BananaStand",
            MetricData=[
                {"MetricName": f"M{n}", "Timestamp": end - timedelta(hours=h), "Value": h % 7}
                for h in range(1, 160, 6)
            ],
        )
    cache.clear()
    _wheel_chooses_front_door(page, sign_in, live_server, meeting)
    expect(page.get_by_role("link", name="Key metrics M")).to_be_visible()
    page.keyboard.press("m")

    dialog = page.locator("[data-metrics-dialog]")
    expect(dialog).to_be_visible()
    expect(dialog.locator("polyline.metric-line")).to_have_count(8)
    assert page.evaluate(DIALOG_OVERFLOW) <= 0, "the charts run off the screen"
    last = dialog.get_by_test_id(f"chart-metric-{queries[-1].pk}")
    expect(last).to_be_in_viewport()
    cache.clear()
