"""CACHE_URL: the meeting's metric charts kept once for every process (Redis), and a cache that
is down costing a fresh read from CloudWatch, never an error."""

import os
import subprocess
import sys
import uuid
from datetime import timedelta
from pathlib import Path

import pytest
from django.core.exceptions import ImproperlyConfigured

from opsreview.cloudwatch.metrics import _cache_key, team_series, week_ending
from opsreview.cloudwatch.models import MetricQuery
from opsreview.settings import cache_settings

from . import aws_server
from .aws_server import make_scope

moto_server = aws_server.moto_server
aws_env = aws_server.aws_env
aws_endpoint = aws_server.aws_endpoint
cloudwatch = aws_server.cloudwatch

PROJECT_DIR = Path(__file__).resolve().parents[2]
# CI's Redis is its Celery broker's; elsewhere the usual local one.
BROKER = os.environ.get("CELERY_BROKER_URL", "")
REDIS = BROKER if BROKER.startswith("redis://") else "redis://127.0.0.1:6379/0"
NOTHING_LISTENS = "redis://127.0.0.1:9/0"


@pytest.mark.parametrize(
    "url, backend",
    [
        ("", "locmem.LocMemCache"),
        ("redis://cache.internal:6379/1", "redis.RedisCache"),
        ("rediss://cache.internal:6380/0", "redis.RedisCache"),
        ("file:///var/cache/opsreview", "filebased.FileBasedCache"),
    ],
)
def test_cache_url_names_the_cache(url, backend):
    default = cache_settings(url)["default"]
    assert default["BACKEND"] == f"django.core.cache.backends.{backend}"
    if url:
        assert default["LOCATION"] in (url, "/var/cache/opsreview")


@pytest.mark.parametrize("url", ["memcached://cache:11211", "file://relative/folder", "redis"])
def test_a_cache_url_it_cannot_use_is_refused_at_start(url):
    with pytest.raises(ImproperlyConfigured, match="CACHE_URL must be"):
        cache_settings(url)


def _redis_cache(settings, url: str) -> str:
    prefix = f"test-{uuid.uuid4().hex[:8]}"
    settings.CACHES = {"default": {**cache_settings(url)["default"], "KEY_PREFIX": prefix}}
    return prefix


def _query() -> MetricQuery:
    scope = make_scope()
    return MetricQuery.objects.create(
        team=scope.team,
        scope=scope,
        label="Gateway errors",
        namespace="AWS/ApiGateway",
        metric_name="5XXError",
        statistic="Sum",
        period_seconds=3600,
    )


@pytest.mark.django_db
def test_charts_read_by_one_process_are_read_from_redis_by_another(cloudwatch, settings):
    prefix = _redis_cache(settings, REDIS)
    query = _query()
    end = week_ending()
    cloudwatch.put_metric_data(
        Namespace="AWS/ApiGateway",
        MetricData=[{"MetricName": "5XXError", "Timestamp": end - timedelta(hours=2), "Value": 7}],
    )
    assert [v for _, v in team_series([query], end=end)[0].points] == [7.0]

    # Another process (a second web worker, say), with the same CACHE_URL, finds the week kept.
    script = (
        "import sys, django; django.setup(); from django.core.cache import cache; "
        "cache.key_prefix = sys.argv[2]; print(cache.get(sys.argv[1])['points'][0][1])"
    )
    result = subprocess.run(
        [sys.executable, "-c", script, _cache_key(query, end), prefix],
        cwd=PROJECT_DIR,
        env={**os.environ, "CACHE_URL": REDIS, "DJANGO_SETTINGS_MODULE": "opsreview.settings"},
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "7.0"


@pytest.mark.django_db
def test_a_cache_that_is_down_costs_a_fresh_read_not_an_error(cloudwatch, settings, caplog):
    _redis_cache(settings, NOTHING_LISTENS)
    query = _query()
    end = week_ending()
    cloudwatch.put_metric_data(
        Namespace="AWS/ApiGateway",
        MetricData=[{"MetricName": "5XXError", "Timestamp": end - timedelta(hours=2), "Value": 3}],
    )

    [series] = team_series([query], end=end)

    assert series.error == "" and [v for _, v in series.points] == [3.0]
    assert "The cache could not be read" in caplog.text
    assert "The cache could not be written" in caplog.text
