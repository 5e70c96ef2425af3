"""A stand-in for Amazon SNS on this machine: keys and certificates made here, an https server
on 127.0.0.1 (its certificate issued by a test authority the intake is told to trust) serving
the signing certificates and answering subscription links, and messages signed as SNS signs.

Nothing of the intake is bypassed: certificates are fetched over https, from an allowed host,
and signatures checked as in production; only the host pattern and CA bundle differ.
"""

import base64
import ipaddress
import json
import ssl
import threading
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from functools import cache
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, padding, rsa
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID
from django.core.cache import cache as django_cache

TOPIC = "arn:aws:sns:eu-west-1:123456789012:opsreview-alarms"
OTHER_TOPIC = "arn:aws:sns:eu-west-1:123456789012:someone-elses"
ACCOUNT = "123456789012"
REGION = "eu-west-1"
LOOPBACK = ipaddress.ip_address("127.0.0.1")


def _name(common_name: str) -> x509.Name:
    return x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, common_name)])


def _certificate(subject, key, *, issuer=None, issuer_key=None, days=(-1, 365), extensions=()):
    now = datetime.now(UTC)
    builder = (
        x509.CertificateBuilder()
        .subject_name(_name(subject))
        .issuer_name(_name(issuer or subject))
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now + timedelta(days=days[0]))
        .not_valid_after(now + timedelta(days=days[1]))
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), False)
    )
    signer = issuer_key or key
    builder = builder.add_extension(
        x509.AuthorityKeyIdentifier.from_issuer_public_key(signer.public_key()), False
    )
    for extension, critical in extensions:
        builder = builder.add_extension(extension, critical)
    return builder.sign(signer, hashes.SHA256())


def _pem(certificate: x509.Certificate) -> bytes:
    return certificate.public_bytes(serialization.Encoding.PEM)


@dataclass(frozen=True)
class Keys:
    """SNS's signing key and certificates for it (valid, expired), and another party's."""

    signing: rsa.RSAPrivateKey
    certificate: bytes
    expired: bytes
    other: rsa.RSAPrivateKey
    other_certificate: bytes
    authority: bytes
    server_chain: bytes
    server_key: bytes


@cache
def keys() -> Keys:
    signing = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    other = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    authority_key = ec.generate_private_key(ec.SECP256R1())
    authority = _certificate(
        "opsreview test authority",
        authority_key,
        extensions=[
            (x509.BasicConstraints(ca=True, path_length=0), True),
            (
                x509.KeyUsage(
                    digital_signature=False, content_commitment=False, key_encipherment=False,
                    data_encipherment=False, key_agreement=False, key_cert_sign=True,
                    crl_sign=True, encipher_only=False, decipher_only=False,
                ),
                True,
            ),
        ],
    )  # fmt: skip
    server_key = ec.generate_private_key(ec.SECP256R1())
    server = _certificate(
        "127.0.0.1",
        server_key,
        issuer="opsreview test authority",
        issuer_key=authority_key,
        extensions=[
            (x509.SubjectAlternativeName([x509.IPAddress(LOOPBACK)]), False),
            (x509.BasicConstraints(ca=False, path_length=None), True),
            (x509.ExtendedKeyUsage([ExtendedKeyUsageOID.SERVER_AUTH]), False),
        ],
    )  # fmt: skip
    return Keys(
        signing=signing,
        certificate=_pem(_certificate("sns.amazonaws.com", signing)),
        expired=_pem(_certificate("sns.amazonaws.com", signing, days=(-400, -1))),
        other=other,
        other_certificate=_pem(_certificate("sns.amazonaws.com", other)),
        authority=_pem(authority),
        server_chain=_pem(server),
        server_key=server_key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        ),
    )


@dataclass
class LocalSns:
    """The https server's address, what it serves (path → body) and every path it was asked."""

    base: str
    ca_bundle: str
    routes: dict[str, bytes]
    requested: list[str] = field(default_factory=list)

    def url(self, path: str) -> str:
        return f"{self.base}{path}"


def local_sns_serve(folder: Path):
    """Start the server; returns (LocalSns, stop)."""
    k = keys()
    (folder / "ca.pem").write_bytes(k.authority)
    (folder / "server.pem").write_bytes(k.server_chain)
    (folder / "server.key").write_bytes(k.server_key)
    routes = {
        "/SimpleNotificationService-test.pem": k.certificate,
        "/expired.pem": k.expired,
        "/other.pem": k.other_certificate,
        "/not-a-certificate.pem": b"hello",
        "/": b"<ConfirmSubscriptionResponse/>",  # a SubscribeURL: ?Action=ConfirmSubscription&…
    }
    requested: list[str] = []

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self):
            requested.append(self.path)
            body = routes.get(self.path.split("?")[0])
            self.send_response(200 if body is not None else 404)
            self.send_header("Content-Length", str(len(body or b"")))
            self.end_headers()
            self.wfile.write(body or b"")

        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    tls = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    tls.load_cert_chain(folder / "server.pem", folder / "server.key")
    server.socket = tls.wrap_socket(server.socket, server_side=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    local = LocalSns(
        base=f"https://127.0.0.1:{server.server_address[1]}",
        ca_bundle=str(folder / "ca.pem"),
        routes=routes,
        requested=requested,
    )

    def stop():
        server.shutdown()
        server.server_close()

    return local, stop


SIGNED = {
    "Notification": ("Message", "MessageId", "Subject", "Timestamp", "TopicArn", "Type"),
    "SubscriptionConfirmation": (
        "Message", "MessageId", "SubscribeURL", "Timestamp", "Token", "TopicArn", "Type",
    ),
}  # fmt: skip


def sign(fields: dict, key: rsa.RSAPrivateKey, *, version: str = "1") -> dict:
    """The message with SignatureVersion and Signature set, as SNS computes them."""
    order = SIGNED[
        "Notification" if fields["Type"] == "Notification" else "SubscriptionConfirmation"
    ]
    text = "".join(f"{name}\n{fields[name]}\n" for name in order if name in fields)
    algorithm = hashes.SHA1() if version == "1" else hashes.SHA256()  # noqa: S303 (SNS's v1)
    signature = key.sign(text.encode(), padding.PKCS1v15(), algorithm)
    return fields | {"SignatureVersion": version, "Signature": base64.b64encode(signature).decode()}


def alarm_message(
    name: str = "BananaStand-Availability",
    state: str = "ALARM",
    reason: str = "Threshold Crossed: 1 datapoint [12.0] was greater than the threshold (5.0).",
    *,
    region: str = REGION,
    changed_at: str = "",
) -> str:
    """A CloudWatch alarm's Message, as CloudWatch writes it to SNS."""
    when = changed_at or datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "+0000"
    return json.dumps(
        {
            "AlarmName": name,
            "AlarmDescription": "Customers cannot collect their bananas.",
            "AWSAccountId": ACCOUNT,
            "AlarmConfigurationUpdatedTimestamp": "2024-05-01T09:00:00.000+0000",
            "NewStateValue": state,
            "NewStateReason": reason,
            "StateChangeTime": when,
            "Region": "EU (Ireland)",
            "AlarmArn": f"arn:aws:cloudwatch:{region}:{ACCOUNT}:alarm:{name}",
            "OldStateValue": "OK" if state == "ALARM" else "ALARM",
            "OKActions": [],
            "AlarmActions": [TOPIC],
            "InsufficientDataActions": [],
            "Trigger": {
                "MetricName": "5XXError",
                "Namespace": "AWS/ApiGateway",
                "StatisticType": "Statistic",
                "Statistic": "SUM",
                "Unit": None,
                "Dimensions": [{"value": "BananaStand", "name": "ApiName"}],
                "Period": 60,
                "EvaluationPeriods": 1,
                "ComparisonOperator": "GreaterThanThreshold",
                "Threshold": 5.0,
                "TreatMissingData": "missing",
                "EvaluateLowSampleCountPercentile": "",
            },
        }
    )


# The intake's side: its URL, and fixtures a test module takes by naming them
# (`local_sns = sns_world.local_sns`; `sns_settings` then applies to each of its tests).

ENDPOINT = "/integrations/sns/"
CERTIFICATE = "/SimpleNotificationService-test.pem"


@pytest.fixture(scope="module")
def local_sns(tmp_path_factory):
    local, stop = local_sns_serve(tmp_path_factory.mktemp("sns"))
    yield local
    stop()


@pytest.fixture(autouse=True)
def sns_settings(settings, local_sns):
    """The intake trusts the local SNS's topic, host and authority; nothing cached between tests."""
    settings.SNS_TOPIC_ARNS = [TOPIC]
    settings.SNS_CERT_HOST_PATTERN = r"127\.0\.0\.1"
    settings.SNS_CERT_CA_BUNDLE = local_sns.ca_bundle
    django_cache.clear()
    local_sns.requested.clear()
    yield
    django_cache.clear()


def notification(local_sns, message: str, *, topic=TOPIC, certificate=CERTIFICATE, **fields):
    return {
        "Type": "Notification",
        "MessageId": str(uuid.uuid4()),
        "TopicArn": topic,
        "Subject": 'ALARM: "BananaStand-Availability" in EU (Ireland)',
        "Message": message,
        "Timestamp": datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ"),
        "SigningCertURL": local_sns.url(certificate),
        "UnsubscribeURL": local_sns.url("/unsubscribe"),
    } | fields


def deliver(client, message: dict | str | bytes):
    body = message if isinstance(message, bytes | str) else json.dumps(message)
    return client.post(
        ENDPOINT,
        body,
        # SNS sends text/plain; charset=UTF-8, which the test client would re-encode.
        content_type="text/plain",
        headers={"x-amz-sns-message-type": "Notification"},
    )
