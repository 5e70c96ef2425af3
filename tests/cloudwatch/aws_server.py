"""CloudWatch and STS as real servers on the loopback: moto in server mode (boto3 is not
patched: every call goes over HTTP), and a server that refuses every request as AWS does."""

import threading
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import boto3
import pytest
from moto.server import ThreadedMotoServer

from opsreview.cloudwatch.demo import put_composite_alarm_in_moto
from opsreview.cloudwatch.models import AlarmScope
from tests.org.factories import TeamFactory

REGION = "us-east-1"
# An address nothing listens on: a client sent there fails to connect at once.
UNREACHABLE = "http://127.0.0.1:9"


def moto_reset(endpoint: str) -> None:
    request = urllib.request.Request(f"{endpoint}/moto-api/reset", method="POST")  # noqa: S310
    with urllib.request.urlopen(request, timeout=10):  # noqa: S310
        pass


@pytest.fixture
def aws_env(monkeypatch, tmp_path):
    """Fake credentials, and nothing from the machine's own AWS configuration."""
    for name in ("AWS_PROFILE", "AWS_SESSION_TOKEN", "AWS_SECURITY_TOKEN", "AWS_ENDPOINT_URL"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    monkeypatch.setenv("AWS_DEFAULT_REGION", REGION)
    monkeypatch.setenv("AWS_CONFIG_FILE", str(tmp_path / "aws-config"))
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(tmp_path / "aws-credentials"))
    monkeypatch.setenv("AWS_EC2_METADATA_DISABLED", "true")
    monkeypatch.setenv("NO_PROXY", "127.0.0.1,localhost")
    monkeypatch.setenv("no_proxy", "127.0.0.1,localhost")


@pytest.fixture(scope="module")
def moto_server() -> Iterator[str]:
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    try:
        yield f"http://{host}:{port}"
    finally:
        server.stop()


@pytest.fixture
def aws_endpoint(moto_server, aws_env, settings) -> Iterator[str]:
    """The moto server, empty, as settings.AWS_ENDPOINT_URL."""
    moto_reset(moto_server)
    settings.AWS_ENDPOINT_URL = moto_server
    yield moto_server
    moto_reset(moto_server)


@pytest.fixture
def cloudwatch(aws_endpoint):
    return boto3.client("cloudwatch", region_name=REGION, endpoint_url=aws_endpoint)


def put_alarm(cloudwatch, name: str, state: str = "OK", reason: str = "Testing.") -> None:
    cloudwatch.put_metric_alarm(
        AlarmName=name,
        Namespace="BananaStand",
        MetricName="Errors",
        Statistic="Sum",
        Period=60,
        EvaluationPeriods=1,
        Threshold=1.0,
        ComparisonOperator="GreaterThanThreshold",
    )
    cloudwatch.set_alarm_state(AlarmName=name, StateValue=state, StateReason=reason)


def put_composite_alarm(*, name: str, rule: str) -> None:
    """A composite alarm in the moto server this process runs (see put_composite_alarm_in_moto:
    moto 5.2's API has no PutCompositeAlarm)."""
    put_composite_alarm_in_moto(region=REGION, name=name, rule=rule, description="")


def make_scope(**fields) -> AlarmScope:
    fields.setdefault("team", fields.get("team") or TeamFactory())
    fields.setdefault("region", REGION)
    fields.setdefault("alarm_prefixes", ["BananaStand-"])
    return AlarmScope.objects.create(**fields)


def _refusing_handler(status: int, code: str, message: str):
    body = (
        "<ErrorResponse><Error><Type>Sender</Type>"
        f"<Code>{code}</Code><Message>{message}</Message></Error>"
        "<RequestId>0</RequestId></ErrorResponse>"
    ).encode()

    class Refuse(BaseHTTPRequestHandler):
        def do_POST(self):
            self.rfile.read(int(self.headers.get("Content-Length") or 0))
            self.send_response(status)
            self.send_header("Content-Type", "text/xml")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args):
            pass

    return Refuse


@contextmanager
def refusing_server(status: int, code: str, message: str) -> Iterator[str]:
    """An endpoint that answers every request with AWS's error `code` (in STS's XML)."""
    server = ThreadingHTTPServer(("127.0.0.1", 0), _refusing_handler(status, code, message))
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()
