"""What the ops meeting's key-metric charts cost: the chosen team's charts as the meeting's page
and the projector load them (GET /meetings/<id>/metrics/, htmx), read from CloudWatch and from
the cache, and how big they are.

    .venv/bin/python benchmarks/metric_charts.py                 # 1, 4 and 8 metrics
    .venv/bin/python benchmarks/metric_charts.py --metrics 8 --period 300 --repeat 5

A throwaway SQLite database under a temporary folder holds one team with `--metrics` key
metrics; a moto server in this process (a real HTTP endpoint, as the tests use) holds a week of
each at one value per `--period` seconds (3600: the default query, 168 points a chart; 300:
the finest the meeting asks for, 2,016). For each count it prints the median time of a read
from CloudWatch (the cache emptied first: moto's own time is most of it), of a read from the
cache (what every later load in the hour costs), the fragment's size, and the points drawn.
"""

import argparse
import logging
import os
import statistics
import sys
import tempfile
import time
from datetime import timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from benchmarks.reports import setup_django


def put_week(client, metric: str, *, end, period: int) -> None:
    data = [
        {
            "MetricName": metric,
            "Timestamp": end - timedelta(seconds=period * n + 30),
            "Value": float((n * 7919) % 97),
        }
        for n in range(1, 7 * 86_400 // period)
    ]
    for start in range(0, len(data), 1000):
        client.put_metric_data(Namespace="Benchmark", MetricData=data[start : start + 1000])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--metrics", default="1,4,8", help="metric counts to compare")
    parser.add_argument("--period", type=int, default=3600, help="seconds between values")
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--profile", action="store_true", help="profile one read from the cache")
    args = parser.parse_args()
    os.environ.update(AWS_ACCESS_KEY_ID="bench", AWS_SECRET_ACCESS_KEY="bench")  # noqa: S106 (moto)

    with tempfile.TemporaryDirectory() as var_dir:
        setup_django(var_dir)
        import boto3
        from django.conf import settings
        from django.contrib.auth import get_user_model
        from django.core.cache import cache
        from django.test import Client
        from moto.server import ThreadedMotoServer

        from opsreview.cloudwatch.metrics import week_ending
        from opsreview.cloudwatch.models import AlarmScope, MetricQuery
        from opsreview.meetings.models import OpsMeeting
        from opsreview.meetings.services import meeting_prepare
        from opsreview.org.models import Team

        logging.getLogger("werkzeug").setLevel(logging.WARNING)  # moto's: no line per call
        server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
        server.start()
        host, port = server.get_host_and_port()
        settings.AWS_ENDPOINT_URL = endpoint = f"http://{host}:{port}"
        settings.ALLOWED_HOSTS = ["testserver"]
        try:
            people = get_user_model().objects
            staff = people.create_user("bench", is_staff=True)
            team = Team.objects.create(name="Benchmark", slug="benchmark", manager=staff)
            scope = AlarmScope.objects.create(team=team, region="us-east-1", alarm_prefixes=["B"])
            meeting, _ = meeting_prepare(actor=staff)
            OpsMeeting.objects.filter(pk=meeting.pk).update(chosen_team=team)
            cloudwatch = boto3.client("cloudwatch", region_name="us-east-1", endpoint_url=endpoint)
            end = week_ending()
            client = Client()
            client.force_login(staff)
            url = f"/meetings/{meeting.pk}/metrics/"
            print(f"A week at one value per {args.period} s; median of {args.repeat}.")
            print("| metrics | from CloudWatch | from the cache | fragment | points drawn |")
            print("|---|---|---|---|---|")
            for count in [int(n) for n in args.metrics.split(",")]:
                for n in range(MetricQuery.objects.filter(team=team).count(), count):
                    put_week(cloudwatch, f"M{n}", end=end, period=args.period)
                    MetricQuery.objects.create(
                        team=team,
                        scope=scope,
                        label=f"Metric {n}",
                        namespace="Benchmark",
                        metric_name=f"M{n}",
                        statistic="Sum",
                        period_seconds=args.period,
                        position=n,
                    )
                cold, warm = [], []
                for _ in range(args.repeat):
                    cache.clear()
                    started = time.perf_counter()
                    response = client.get(url, HTTP_HX_REQUEST="true", secure=True)
                    cold.append(time.perf_counter() - started)
                    started = time.perf_counter()
                    client.get(url, HTTP_HX_REQUEST="true", secure=True)
                    warm.append(time.perf_counter() - started)
                    assert response.status_code == 200, response
                body = response.content
                if args.profile:
                    import cProfile
                    import pstats

                    profiler = cProfile.Profile()
                    profiler.runcall(client.get, url, HTTP_HX_REQUEST="true", secure=True)
                    pstats.Stats(profiler).sort_stats("cumulative").print_stats(25)
                text = body.decode()
                points = sum(
                    len(part.split('"', 1)[0].split())
                    for part in text.split('class="metric-line" points="')[1:]
                )
                print(
                    f"| {count} | {statistics.median(cold) * 1000:.0f} ms "
                    f"| {statistics.median(warm) * 1000:.1f} ms | {len(body) / 1024:.0f} KB "
                    f"| {points:,} |"
                )
        finally:
            server.stop()


if __name__ == "__main__":
    main()
