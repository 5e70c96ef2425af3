"""Amazon SNS's HTTP(S) messages: what one must hold, and proof that SNS sent it.

A message is believed only when its signature verifies with the certificate its SigningCertURL
names, that URL is https on an SNS host (settings.SNS_CERT_HOST_PATTERN) and the certificate is
valid now. See https://docs.aws.amazon.com/sns/latest/dg/sns-verify-signature-of-message.html
"""

import base64
import binascii
import hashlib
import http.client
import json
import re
import ssl
import urllib.error
import urllib.request
from dataclasses import dataclass
from datetime import datetime
from urllib.parse import urlsplit

from cryptography import x509
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import padding, rsa
from django.conf import settings
from django.utils import timezone

from opsreview.org.caching import cached, keep

from .models import (
    ACCOUNT_ID_PATTERN,
    ALARM_NAME_MAX,
    REGION_PATTERN,
    AlarmState,
    SnsDelivery,
    arn_account,
)

NOTIFICATION = "Notification"
SUBSCRIPTION_CONFIRMATION = "SubscriptionConfirmation"
UNSUBSCRIBE_CONFIRMATION = "UnsubscribeConfirmation"

# The fields SNS signs, in the order it signs them, by message type. Subject only when present.
SIGNED_FIELDS = {
    NOTIFICATION: ("Message", "MessageId", "Subject", "Timestamp", "TopicArn", "Type"),
    SUBSCRIPTION_CONFIRMATION: (
        "Message",
        "MessageId",
        "SubscribeURL",
        "Timestamp",
        "Token",
        "TopicArn",
        "Type",
    ),
}
SIGNED_FIELDS[UNSUBSCRIBE_CONFIRMATION] = SIGNED_FIELDS[SUBSCRIPTION_CONFIRMATION]
OPTIONAL_FIELDS = {"Subject"}
SIGNATURE_HASHES = {"1": hashes.SHA1, "2": hashes.SHA256}

# SNS's largest message is 256 KB; a CloudWatch alarm's is a few.
BODY_MAX = 256 * 1024
CERTIFICATE_MAX = 64 * 1024
CERTIFICATE_CACHE_SECONDS = 60 * 60
FETCH_TIMEOUT_SECONDS = 5
MESSAGE_ID_MAX = SnsDelivery._meta.get_field("message_id").max_length
TOPIC_ARN_MAX = SnsDelivery._meta.get_field("topic_arn").max_length
ALARM_ARN_MAX = 1600


class MalformedMessage(ValueError):
    """Not an SNS message at all: not JSON, or a field it must have is missing."""


class UntrustedMessage(Exception):
    """Not proven to come from SNS for a topic we listen to: unsigned, tampered, a certificate
    from elsewhere or expired, or a topic not in settings.SNS_TOPIC_ARNS."""


class SnsUnavailable(Exception):
    """SNS did not answer (the certificate or the subscription link): worth trying again."""


@dataclass(frozen=True)
class SnsMessage:
    fields: dict[str, str]

    @property
    def type(self) -> str:
        return self.fields["Type"]

    @property
    def message_id(self) -> str:
        return self.fields["MessageId"]

    @property
    def topic_arn(self) -> str:
        return self.fields["TopicArn"]

    @property
    def body(self) -> str:
        return self.fields["Message"]

    @property
    def subscribe_url(self) -> str:
        return self.fields.get("SubscribeURL", "")

    def string_to_sign(self) -> str:
        """What SNS signed: each signed field present, as name and value on lines of their own."""
        return "".join(
            f"{name}\n{self.fields[name]}\n"
            for name in SIGNED_FIELDS[self.type]
            if name in self.fields
        )


def sns_message_parse(body: bytes) -> SnsMessage:
    """The SNS message in a request's body; MalformedMessage says what is wrong with it."""
    try:
        data = json.loads(body)
    except (ValueError, RecursionError):
        raise MalformedMessage("The body is not JSON.") from None
    if not isinstance(data, dict):
        raise MalformedMessage("The body is not a JSON object.")
    kind = data.get("Type")
    if not isinstance(kind, str) or kind not in SIGNED_FIELDS:
        raise MalformedMessage("Type is not an SNS message type.")
    if data.get("Subject") is None:
        data.pop("Subject", None)
    fields = {name: data.get(name) for name in SIGNED_FIELDS[kind] if name in data}
    missing = [
        name
        for name in SIGNED_FIELDS[kind]
        if name not in OPTIONAL_FIELDS and not (isinstance(fields.get(name), str) and fields[name])
    ]
    if missing:
        raise MalformedMessage(f"Missing or not text: {', '.join(missing)}.")
    if not all(isinstance(value, str) for value in fields.values()):
        raise MalformedMessage("Subject is not text.")
    if len(fields["MessageId"]) > MESSAGE_ID_MAX or len(fields["TopicArn"]) > TOPIC_ARN_MAX:
        raise MalformedMessage("MessageId or TopicArn is too long.")
    for name in ("Signature", "SignatureVersion", "SigningCertURL"):
        if isinstance(data.get(name), str):
            fields[name] = data[name]
    return SnsMessage(fields)


def sns_url_allowed(url: str) -> bool:
    """Whether SNS could have named this URL: https, on a host the settings allow, no user."""
    try:
        parts = urlsplit(url)
        parts.port  # noqa: B018 (raises ValueError for a port that is not one)
    except ValueError:
        return False
    host = parts.hostname or ""
    return (
        parts.scheme == "https"
        and parts.username is None
        and bool(host)
        and re.fullmatch(settings.SNS_CERT_HOST_PATTERN, host) is not None
    )


class _NoRedirects(urllib.request.HTTPRedirectHandler):
    """A redirect could lead off SNS's hosts: it is an answer, never followed."""

    def redirect_request(self, *args, **kwargs):
        return None


def sns_https_get(url: str, *, limit: int) -> bytes:
    """GET an SNS URL (checked again here) and return at most `limit` bytes of the answer.

    Raises UntrustedMessage for a URL that is not SNS's or an answer that is not 200, and
    SnsUnavailable when SNS could not be reached in FETCH_TIMEOUT_SECONDS.
    """
    if not sns_url_allowed(url):
        raise UntrustedMessage("The URL is not https on an SNS host.")
    tls = ssl.create_default_context(cafile=settings.SNS_CERT_CA_BUNDLE or None)
    opener = urllib.request.build_opener(_NoRedirects, urllib.request.HTTPSHandler(context=tls))
    try:
        with opener.open(url, timeout=FETCH_TIMEOUT_SECONDS) as response:
            if response.status != 200:
                raise UntrustedMessage(f"SNS answered {response.status}.")
            body = response.read(limit + 1)
    except urllib.error.HTTPError as error:
        raise UntrustedMessage(f"SNS answered {error.code}.") from None
    except urllib.error.URLError as error:
        if isinstance(error.reason, ssl.SSLError):
            raise UntrustedMessage("SNS's https certificate did not verify.") from None
        raise SnsUnavailable(f"SNS could not be reached: {error.reason}") from None
    except (OSError, http.client.HTTPException, ValueError) as error:
        raise SnsUnavailable(f"SNS could not be reached: {error}") from None
    if len(body) > limit:
        raise UntrustedMessage("SNS's answer is too long.")
    return body


def signing_certificate(url: str) -> x509.Certificate:
    """The certificate at an SNS SigningCertURL, fetched once and cached for a while."""
    key = "cloudwatch:sns-certificate:" + hashlib.sha256(url.encode()).hexdigest()
    pem = cached(key)
    if pem is None:
        pem = sns_https_get(url, limit=CERTIFICATE_MAX)
    try:
        certificate = x509.load_pem_x509_certificate(pem)
    except ValueError:
        raise UntrustedMessage("SigningCertURL is not a PEM certificate.") from None
    keep(key, pem, CERTIFICATE_CACHE_SECONDS)
    return certificate


def _signature(message: SnsMessage) -> bytes:
    try:
        return base64.b64decode(message.fields.get("Signature", ""), validate=True)
    except (binascii.Error, ValueError):
        raise UntrustedMessage("The signature is not base64.") from None


def sns_message_verify(message: SnsMessage, *, now: datetime | None = None) -> None:
    """Raise UntrustedMessage unless SNS signed exactly this message with a certificate valid
    now, fetched over https from an SNS host."""
    algorithm = SIGNATURE_HASHES.get(message.fields.get("SignatureVersion", ""))
    if algorithm is None or not message.fields.get("Signature"):
        raise UntrustedMessage("Unsigned, or signed in an unknown SignatureVersion.")
    signature = _signature(message)
    url = message.fields.get("SigningCertURL", "")
    if not sns_url_allowed(url):
        raise UntrustedMessage("SigningCertURL is not https on an SNS host.")
    certificate = signing_certificate(url)
    now = now or timezone.now()
    if not certificate.not_valid_before_utc <= now <= certificate.not_valid_after_utc:
        raise UntrustedMessage("The signing certificate is not valid now.")
    public_key = certificate.public_key()
    if not isinstance(public_key, rsa.RSAPublicKey):
        raise UntrustedMessage("The signing certificate's key is not RSA.")
    try:
        public_key.verify(
            signature, message.string_to_sign().encode(), padding.PKCS1v15(), algorithm()
        )
    except InvalidSignature:
        raise UntrustedMessage("The signature does not match the message.") from None


@dataclass(frozen=True)
class AlarmChange:
    """What a CloudWatch alarm's notification says: which alarm, where (region and account), its
    new state and why."""

    name: str
    arn: str
    region: str
    account: str
    state: str
    reason: str
    changed_at: datetime

    @classmethod
    def from_notification(cls, body: str, *, received_at: datetime) -> "AlarmChange | None":
        """The alarm change a notification's Message holds, or None if it holds none."""
        try:
            data = json.loads(body)
        except (ValueError, RecursionError):
            return None
        if not isinstance(data, dict):
            return None
        name, arn, state = data.get("AlarmName"), data.get("AlarmArn"), data.get("NewStateValue")
        if not (isinstance(name, str) and 0 < len(name) <= ALARM_NAME_MAX):
            return None
        if not (isinstance(arn, str) and 0 < len(arn) <= ALARM_ARN_MAX):
            return None
        if state not in AlarmState.values:
            return None
        reason = data.get("NewStateReason")
        return cls(
            name=name,
            arn=arn,
            region=_region(arn, data.get("Region")),
            account=_account(arn, data.get("AWSAccountId")),
            state=state,
            reason=reason.strip() if isinstance(reason, str) else "",
            changed_at=_changed_at(data.get("StateChangeTime"), received_at),
        )


def _region(arn: str, named) -> str:
    """The alarm's region code, from its ARN (arn:aws:cloudwatch:eu-west-1:…): the message's
    Region is a display name ("EU (Ireland)") unless it is a code already."""
    parts = arn.split(":")
    if len(parts) > 3 and REGION_PATTERN.fullmatch(parts[3]):
        return parts[3]
    return named if isinstance(named, str) and REGION_PATTERN.fullmatch(named) else ""


def _account(arn: str, named) -> str:
    """The alarm's account id, from its ARN (arn:aws:cloudwatch:region:123456789012:…), else
    the message's AWSAccountId; "" when neither is twelve digits."""
    if account := arn_account(arn):
        return account
    return named if isinstance(named, str) and ACCOUNT_ID_PATTERN.fullmatch(named) else ""


def _changed_at(value, received_at: datetime) -> datetime:
    """When the alarm changed, as CloudWatch says (2024-05-01T12:00:00.000+0000); never later
    than the message arrived, whose time stands in for one missing or not understood."""
    try:
        when = datetime.fromisoformat(value) if isinstance(value, str) else None
    except ValueError:
        when = None
    if when is None or timezone.is_naive(when):
        return received_at
    return min(when, received_at)
