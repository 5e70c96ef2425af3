"""Email through Amazon SES (EMAIL_TRANSPORT=ses), against moto's SES running as a real server."""

import json
import urllib.request
from email import message_from_string

import boto3
import pytest
from django.core import mail
from django.core.mail import EmailMultiAlternatives
from moto.server import ThreadedMotoServer

from opsreview.settings import MAIL_BACKENDS, ses_mail_options
from tests.opsreview.test_settings import PRODUCTION_ENV, manage

# Not the default region (AWS_DEFAULT_REGION below): the sender is verified only here, so a
# message that reaches moto at all shows the backend took its region from the options.
SES_REGION = "eu-west-2"
CONFIGURATION_SET = "opsreview-transactional"
SENDER = "opsreview@ops.bananastand.example"
RECIPIENT = "oncall@bananastand.example"


def moto_api(endpoint: str, path: str, method: str = "GET") -> bytes:
    """moto's own control API (reset, recorded state) on the loopback server."""
    request = urllib.request.Request(f"{endpoint}/moto-api/{path}", method=method)  # noqa: S310
    with urllib.request.urlopen(request, timeout=10) as response:  # noqa: S310
        return response.read()


@pytest.fixture
def aws_env(monkeypatch, tmp_path):
    """Fake credentials, and nothing from the machine's own AWS configuration."""
    for name in ("AWS_PROFILE", "AWS_SESSION_TOKEN", "AWS_SECURITY_TOKEN"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    monkeypatch.setenv("AWS_DEFAULT_REGION", "us-east-1")
    monkeypatch.setenv("AWS_CONFIG_FILE", str(tmp_path / "aws-config"))
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(tmp_path / "aws-credentials"))
    monkeypatch.setenv("AWS_EC2_METADATA_DISABLED", "true")
    monkeypatch.delenv("AWS_IGNORE_CONFIGURED_ENDPOINT_URLS", raising=False)
    # A client that misses its endpoint_url fails here, on a closed loopback port, not at AWS.
    monkeypatch.setenv("AWS_ENDPOINT_URL", "http://127.0.0.1:9")
    monkeypatch.setenv("NO_PROXY", "127.0.0.1,localhost")
    monkeypatch.setenv("no_proxy", "127.0.0.1,localhost")


@pytest.fixture
def ses_endpoint(aws_env):
    """moto in server mode on a free loopback port; its state is reset before and after."""
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    endpoint = f"http://{host}:{port}"
    moto_api(endpoint, "reset", method="POST")
    try:
        yield endpoint
    finally:
        moto_api(endpoint, "reset", method="POST")
        server.stop()


@pytest.fixture
def ses_mailer(settings, ses_endpoint):
    """Django's default mailer configured as settings.py does for EMAIL_TRANSPORT=ses."""
    sesv2 = boto3.client("sesv2", region_name=SES_REGION, endpoint_url=ses_endpoint)
    sesv2.create_email_identity(EmailIdentity=SENDER)
    sesv2.create_configuration_set(ConfigurationSetName=CONFIGURATION_SET)
    # pytest-django swapped MAILERS for locmem at session start; the mailers handler reads
    # settings.MAILERS on every use, so this override applies to the next send.
    settings.MAILERS = {
        "default": {
            "BACKEND": MAIL_BACKENDS["ses"],
            "OPTIONS": ses_mail_options(SES_REGION, ses_endpoint, CONFIGURATION_SET),
        }
    }
    return ses_endpoint


def sent_through_moto(endpoint: str) -> list[dict]:
    """The raw messages moto's SES accepted, as its own API reports them."""
    data = json.loads(moto_api(endpoint, "data.json"))
    return data["ses"]["RawMessage"]


def test_email_multi_alternatives_reaches_ses_with_text_and_html(ses_mailer):
    text = "COE-42 has 3 overdue action items.\nReview them before Thursday's ops meeting."
    html = "<p><strong>COE-42</strong> has 3 overdue action items.</p>"
    message = EmailMultiAlternatives("Overdue action items", text, SENDER, [RECIPIENT])
    message.attach_alternative(html, "text/html")

    assert message.send() == 1

    [sent] = sent_through_moto(ses_mailer)
    assert sent["source"] == SENDER
    # moto lists each recipient twice (from the Destination param and the To header).
    assert set(sent["destinations"]) == {RECIPIENT}
    assert sent["id"] == message.anymail_status.message_id
    assert mail.outbox == [], "sent through SES, not pytest-django's locmem mailer"

    mime = message_from_string(sent["raw_data"])
    assert mime["Subject"] == "Overdue action items"
    assert mime["To"] == RECIPIENT
    assert mime.get_content_type() == "multipart/alternative"
    parts = {
        part.get_content_type(): part.get_payload(decode=True).decode(part.get_content_charset())
        for part in mime.walk()
        if not part.is_multipart()
    }
    assert parts.keys() == {"text/plain", "text/html"}
    assert parts["text/plain"].replace("\r\n", "\n").strip() == text
    assert parts["text/html"].strip() == html


def test_mailer_built_from_settings_uses_the_ses_options(ses_mailer):
    backend = mail.mailers.default
    assert type(backend).__module__ == "anymail.backends.amazon_ses"
    assert backend.client_params["region_name"] == SES_REGION
    assert backend.client_params["endpoint_url"] == ses_mailer
    assert backend.configuration_set_name == CONFIGURATION_SET


def test_unverified_sender_is_refused_by_ses(ses_mailer):
    from anymail.exceptions import AnymailAPIError

    message = EmailMultiAlternatives("Hi", "text", "stranger@elsewhere.example", [RECIPIENT])
    with pytest.raises(AnymailAPIError, match="Did not have authority"):
        message.send()
    assert sent_through_moto(ses_mailer) == []


def test_ses_options_leave_endpoint_and_configuration_set_to_aws_by_default():
    assert ses_mail_options("eu-west-1") == {
        "client_params": {"region_name": "eu-west-1"},
        "configuration_set_name": None,
    }


SES_PRODUCTION_ENV = {
    **PRODUCTION_ENV,
    "EMAIL_TRANSPORT": "ses",
    "AWS_SES_REGION_NAME": "eu-west-2",
    "AWS_SES_CONFIGURATION_SET": CONFIGURATION_SET,
    "DEFAULT_FROM_EMAIL": f"opsreview <{SENDER}>",
}


def test_deploy_checks_pass_with_ses():
    result = manage("check", "--deploy", "--fail-level", "WARNING", env=SES_PRODUCTION_ENV)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "System check identified no issues (0 silenced)." in result.stdout


def test_production_settings_build_the_ses_mailer():
    """The mailer is built (OPTIONS accepted by the backend) without sending anything."""
    code = (
        "from django.core.mail import mailers; m = mailers.default; "
        "print(type(m).__module__, m.client_params['region_name'], "
        "m.client_params.get('endpoint_url'), m.configuration_set_name)"
    )
    result = manage("shell", "--no-imports", "-c", code, env=SES_PRODUCTION_ENV)
    assert result.returncode == 0, result.stdout + result.stderr
    assert result.stdout.split() == [
        "anymail.backends.amazon_ses",
        "eu-west-2",
        "None",
        CONFIGURATION_SET,
    ]


def test_unknown_email_transport_is_refused_with_the_choices():
    result = manage("check", env={**PRODUCTION_ENV, "EMAIL_TRANSPORT": "pigeon"})
    assert result.returncode != 0
    assert "EMAIL_TRANSPORT='pigeon': use one of outbox, file, smtp, console, ses." in (
        result.stderr
    )
