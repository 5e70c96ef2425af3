"""POST /integrations/sns/: Amazon SNS delivers CloudWatch alarms; signed messages of listed
topics act once, everything else is refused and changes nothing."""

import json
import uuid
from datetime import UTC, datetime, timedelta

import pytest
from django.db import transaction
from django.test import Client
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from incidents.models import Incident, Severity, Status, TimelineEntry
from opsreview.cloudwatch.models import AlarmIncident, AlarmScope, SeverityRule, SnsDelivery
from opsreview.cloudwatch.sns import signing_certificate
from tests.concurrency import run_at_once
from tests.incidents.factories import CallLeaderFactory, IncidentFactory
from tests.org.factories import TeamFactory, UserFactory

from . import sns_world
from .sns_world import (
    CERTIFICATE,
    ENDPOINT,
    OTHER_TOPIC,
    TOPIC,
    alarm_message,
    deliver,
    keys,
    notification,
    sign,
)

pytestmark = pytest.mark.django_db
local_sns = sns_world.local_sns
sns_settings = sns_world.sns_settings


@pytest.fixture
def scope():
    team = TeamFactory(name="API Gateway front door", slug="front-door")
    return AlarmScope.objects.create(team=team, region="eu-west-1", alarm_prefixes=["BananaStand-"])


def confirmation(local_sns, *, topic=TOPIC):
    return {
        "Type": "SubscriptionConfirmation",
        "MessageId": str(uuid.uuid4()),
        "Token": "2336412f37fb687f5d51e6e2425c464de",
        "TopicArn": topic,
        "Message": f"You have chosen to subscribe to the topic {topic}.",
        "SubscribeURL": local_sns.url("/?Action=ConfirmSubscription&Token=2336412f"),
        "Timestamp": datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ"),
        "SigningCertURL": local_sns.url(CERTIFICATE),
    }


def alarm(local_sns, *args, **kwargs) -> dict:
    return sign(notification(local_sns, alarm_message(*args, **kwargs)), keys().signing)


def timeline(incident: Incident) -> list[str]:
    return list(TimelineEntry.objects.filter(incident=incident).values_list("text", flat=True))


def nothing_stored() -> bool:
    return not (SnsDelivery.objects.exists() or Incident.objects.exists())


# Signatures.


@pytest.mark.parametrize("version", ["1", "2"])
def test_a_signed_alarm_of_a_listed_topic_opens_an_incident(client, local_sns, scope, version):
    message = sign(notification(local_sns, alarm_message()), keys().signing, version=version)

    response = deliver(client, message)

    assert response.status_code == 200
    incident = Incident.objects.get()
    assert incident.teams.get() == scope.team
    assert (incident.severity, incident.status) == (Severity.SEV3, Status.INVESTIGATING)
    assert AlarmIncident.objects.get().incident == incident
    delivery = SnsDelivery.objects.get(message_id=message["MessageId"])
    assert (delivery.outcome, delivery.incident) == (SnsDelivery.Outcome.OPENED, incident)


@pytest.mark.parametrize("field", ["Message", "Subject", "MessageId", "Timestamp"])
def test_a_message_changed_after_signing_is_refused(client, local_sns, scope, field):
    message = alarm(local_sns)
    if field == "Message":
        message["Message"] = message["Message"].replace("12.0", "13.0")
    else:
        message[field] = message[field][:-1] + ("x" if message[field][-1] != "x" else "y")

    response = deliver(client, message)

    assert response.status_code == 403
    assert nothing_stored()


def test_a_message_signed_for_another_topic_cannot_be_moved_to_a_listed_one(
    client, local_sns, scope
):
    message = sign(notification(local_sns, alarm_message(), topic=OTHER_TOPIC), keys().signing)

    assert deliver(client, message | {"TopicArn": TOPIC}).status_code == 403
    assert nothing_stored()


def test_a_message_signed_by_a_key_other_than_the_certificates_is_refused(client, local_sns, scope):
    message = sign(notification(local_sns, alarm_message()), keys().other)

    assert deliver(client, message).status_code == 403
    assert nothing_stored()


def test_an_unsigned_message_is_refused(client, local_sns, scope):
    message = alarm(local_sns)
    del message["Signature"]

    assert deliver(client, message).status_code == 403
    assert nothing_stored()


@pytest.mark.parametrize("version", ["", "3", "0"])
def test_an_unknown_signature_version_is_refused(client, local_sns, scope, version):
    message = alarm(local_sns) | {"SignatureVersion": version}

    assert deliver(client, message).status_code == 403
    assert nothing_stored()


def test_a_signature_that_is_not_base64_is_refused(client, local_sns, scope):
    message = alarm(local_sns) | {"Signature": "not base64 at all!"}

    assert deliver(client, message).status_code == 403
    assert nothing_stored()


@pytest.mark.parametrize(
    "url",
    [
        "https://localhost:{port}/SimpleNotificationService-test.pem",  # a host not allowed
        "https://sns.eu-west-1.amazonaws.com.evil.example/cert.pem",
        "https://evil.example/?sns.eu-west-1.amazonaws.com",
        "https://user@127.0.0.1:{port}/SimpleNotificationService-test.pem",
        "http://127.0.0.1:{port}/SimpleNotificationService-test.pem",  # not https
        "ftp://127.0.0.1/cert.pem",
        "file:///etc/passwd",
        "https://127.0.0.1:99999/cert.pem",
    ],
)
def test_a_certificate_from_anywhere_but_an_sns_host_over_https_is_never_fetched(
    client, local_sns, scope, url
):
    port = local_sns.base.rsplit(":", 1)[1]
    fields = notification(local_sns, alarm_message())
    message = sign(fields | {"SigningCertURL": url.format(port=port)}, keys().signing)

    assert deliver(client, message).status_code == 403
    assert local_sns.requested == []
    assert nothing_stored()


def test_an_expired_certificate_is_refused(client, local_sns, scope):
    message = sign(
        notification(local_sns, alarm_message(), certificate="/expired.pem"), keys().signing
    )

    assert deliver(client, message).status_code == 403
    assert nothing_stored()


@pytest.mark.parametrize("path", ["/not-a-certificate.pem", "/missing.pem"])
def test_a_certificate_url_that_serves_no_certificate_is_refused(client, local_sns, scope, path):
    message = sign(notification(local_sns, alarm_message(), certificate=path), keys().signing)

    assert deliver(client, message).status_code == 403
    assert nothing_stored()


def test_a_certificate_server_whose_https_is_not_trusted_is_refused(
    client, local_sns, scope, settings
):
    settings.SNS_CERT_CA_BUNDLE = ""  # the system's authorities, which never issued this one

    assert deliver(client, alarm(local_sns)).status_code == 403
    assert nothing_stored()


def test_an_unreachable_certificate_host_is_answered_try_again(client, local_sns, scope):
    message = sign(
        notification(local_sns, alarm_message()) | {"SigningCertURL": "https://127.0.0.1:1/c.pem"},
        keys().signing,
    )

    assert deliver(client, message).status_code == 503
    assert nothing_stored()


def test_the_signing_certificate_is_fetched_once_and_cached(client, local_sns, scope):
    deliver(client, alarm(local_sns, "BananaStand-Latency", "OK"))
    deliver(client, alarm(local_sns, "BananaStand-Errors", "OK"))

    assert local_sns.requested == [CERTIFICATE]
    assert SnsDelivery.objects.count() == 2


def test_a_message_of_a_topic_not_listed_is_refused_without_fetching_anything(
    client, local_sns, scope
):
    message = sign(notification(local_sns, alarm_message(), topic=OTHER_TOPIC), keys().signing)

    assert deliver(client, message).status_code == 403
    assert local_sns.requested == []
    assert nothing_stored()


def test_a_replayed_message_id_is_acknowledged_and_changes_nothing(client, local_sns, scope):
    message = alarm(local_sns)
    first = deliver(client, message)
    stored = (Incident.objects.count(), TimelineEntry.objects.count())

    again = deliver(client, message)

    assert (first.status_code, again.status_code) == (200, 200)
    assert again.text == "Already received."
    assert (Incident.objects.count(), TimelineEntry.objects.count()) == stored == (1, 3)
    assert SnsDelivery.objects.count() == 1


# Alarms.


def test_alarm_then_ok_is_one_incident_with_the_reason_first_and_then_alarm_recovered(
    client, local_sns, scope
):
    deliver(client, alarm(local_sns, reason="5XXError above 5 for 1 minute."))
    deliver(client, alarm(local_sns, state="OK", reason="5XXError back under 5."))

    incident = Incident.objects.get()
    texts = timeline(incident)
    assert (
        texts[0]
        == "CloudWatch alarm BananaStand-Availability is in ALARM: 5XXError above 5 for 1 minute."
    )
    assert texts[-1] == "Alarm recovered: BananaStand-Availability is OK. 5XXError back under 5."
    assert [t for t in texts if "BananaStand-Availability" in t and "alarm" in t.lower()] == [
        texts[0],
        texts[-1],
    ]
    assert incident.status == Status.INVESTIGATING  # people, not the alarm, say it is mitigated
    outcomes = SnsDelivery.objects.order_by("pk").values_list("outcome", flat=True)
    assert list(outcomes) == [SnsDelivery.Outcome.OPENED, SnsDelivery.Outcome.NOTED]


def test_the_incident_is_declared_by_the_alarm_user_who_cannot_sign_in(client, local_sns, scope):
    deliver(client, alarm(local_sns))

    incident = Incident.objects.get()
    assert incident.declared_by == incident.call_leader
    assert incident.declared_by.username == "cloudwatch-alarms"
    assert not incident.declared_by.has_usable_password()
    assert incident.title == "BananaStand-Availability in ALARM"


def test_the_incident_is_detected_when_the_alarm_changed(client, local_sns, scope):
    deliver(client, alarm(local_sns, changed_at="2020-03-04T05:06:07.000+0000"))

    incident = Incident.objects.get()
    assert incident.detected_at == datetime(2020, 3, 4, 5, 6, 7, tzinfo=UTC)
    assert (
        TimelineEntry.objects.filter(incident=incident)
        .earliest("occurred_at")
        .text.startswith("CloudWatch alarm BananaStand-Availability is in ALARM")
    )


def test_a_second_alarm_while_the_incident_is_open_adds_an_entry_not_an_incident(
    client, local_sns, scope
):
    deliver(client, alarm(local_sns, reason="First breach."))
    deliver(client, alarm(local_sns, reason="Second breach."))

    incident = Incident.objects.get()
    assert (
        timeline(incident)[-1]
        == "CloudWatch alarm BananaStand-Availability is in ALARM again: Second breach."
    )
    assert AlarmIncident.objects.count() == 1


def test_an_alarm_after_its_incident_is_resolved_opens_a_new_one(client, local_sns, scope):
    deliver(client, alarm(local_sns))
    Incident.objects.update(
        status=Status.RESOLVED,
        mitigated_at=datetime.now(UTC),
        resolved_at=datetime.now(UTC),
    )

    deliver(client, alarm(local_sns))

    assert Incident.objects.count() == 2
    assert AlarmIncident.objects.count() == 2


def test_ok_or_insufficient_data_without_an_open_incident_is_ignored(client, local_sns, scope):
    deliver(client, alarm(local_sns, state="OK"))
    deliver(client, alarm(local_sns, state="INSUFFICIENT_DATA"))

    assert not Incident.objects.exists()
    assert set(SnsDelivery.objects.values_list("outcome", flat=True)) == {"ignored"}


def test_insufficient_data_while_open_is_noted_on_the_timeline(client, local_sns, scope):
    deliver(client, alarm(local_sns))
    deliver(client, alarm(local_sns, state="INSUFFICIENT_DATA", reason="No datapoints."))

    assert timeline(Incident.objects.get())[-1] == (
        "CloudWatch alarm BananaStand-Availability has insufficient data: No datapoints."
    )


def test_the_severity_comes_from_the_longest_matching_rule(client, local_sns, scope):
    SeverityRule.objects.create(pattern="BananaStand-*", severity=Severity.SEV4)
    SeverityRule.objects.create(pattern="BananaStand-Avail*", severity=Severity.SEV5)
    SeverityRule.objects.create(pattern="BananaStand-Latency", severity=Severity.SEV2)

    deliver(client, alarm(local_sns))
    deliver(client, alarm(local_sns, "BananaStand-Errors"))

    severities = dict(Incident.objects.values_list("title", "severity"))
    assert severities == {
        "BananaStand-Availability in ALARM": Severity.SEV5,
        "BananaStand-Errors in ALARM": Severity.SEV4,
    }


def test_without_a_rule_the_scopes_severity_is_used(client, local_sns, scope):
    scope.severity = Severity.SEV4
    scope.save()

    deliver(client, alarm(local_sns))

    assert Incident.objects.get().severity == Severity.SEV4


def test_a_major_alarm_is_led_by_a_rostered_call_leader_of_the_team(client, local_sns, scope):
    SeverityRule.objects.create(pattern="BananaStand-Availability", severity=Severity.SEV1)
    CallLeaderFactory(user=UserFactory(first_name="Aaron"))
    ours = CallLeaderFactory(user=UserFactory(first_name="Zoe"))
    scope.team.members.add(ours.user)

    response = deliver(client, alarm(local_sns))

    assert response.status_code == 200
    incident = Incident.objects.get()
    assert (incident.severity, incident.call_leader) == (Severity.SEV1, ours.user)
    assert incident.declared_by.username == "cloudwatch-alarms"
    assert timeline(incident)[0].startswith("CloudWatch alarm BananaStand-Availability is in ALARM")


def test_a_major_alarm_without_any_rostered_leader_opens_a_sev3_and_says_why(
    client, local_sns, scope
):
    SeverityRule.objects.create(pattern="BananaStand-*", severity=Severity.SEV2)

    response = deliver(client, alarm(local_sns))

    assert response.status_code == 200
    incident = Incident.objects.get()
    assert incident.severity == Severity.SEV3
    assert any("the roster is empty: declared Sev-3" in text for text in timeline(incident))


def test_an_alarm_outside_every_scope_is_ignored_and_says_so(client, local_sns, scope):
    AlarmScope.objects.create(team=scope.team, region="us-east-1", alarm_prefixes=["Peel-"])

    deliver(client, alarm(local_sns, "Peel-Errors"))  # the prefix is us-east-1's, not eu-west-1's
    deliver(client, alarm(local_sns, "Mango-Errors"))

    assert not Incident.objects.exists()
    details = list(SnsDelivery.objects.values_list("outcome", "detail"))
    assert sorted(details) == [
        ("ignored", "No alarm scope in eu-west-1 holds Mango-Errors."),
        ("ignored", "No alarm scope in eu-west-1 holds Peel-Errors."),
    ]


def test_the_longest_prefix_chooses_the_team(client, local_sns, scope):
    storage = TeamFactory(name="Banana storage")
    AlarmScope.objects.create(team=storage, region="eu-west-1", alarm_prefixes=["BananaStand-S3-"])

    deliver(client, alarm(local_sns, "BananaStand-S3-Errors"))

    assert Incident.objects.get().teams.get() == storage


def test_an_incident_opened_by_hand_is_not_the_alarms(client, local_sns, scope):
    IncidentFactory(title="BananaStand-Availability in ALARM")

    deliver(client, alarm(local_sns, state="OK"))

    assert SnsDelivery.objects.get().outcome == "ignored"


def test_a_notification_that_is_not_an_alarm_is_acknowledged_and_ignored(client, local_sns, scope):
    message = sign(notification(local_sns, "Hello from SNS."), keys().signing)

    assert deliver(client, message).status_code == 200
    assert SnsDelivery.objects.get().detail == "Not a CloudWatch alarm's change of state."
    assert not Incident.objects.exists()


# Subscriptions.


def test_a_listed_topics_subscription_is_confirmed_by_fetching_its_link(client, local_sns):
    message = sign(confirmation(local_sns), keys().signing)

    response = deliver(client, message)

    assert response.status_code == 200
    assert "/?Action=ConfirmSubscription&Token=2336412f" in local_sns.requested
    delivery = SnsDelivery.objects.get()
    assert (delivery.outcome, delivery.topic_arn) == (SnsDelivery.Outcome.SUBSCRIBED, TOPIC)


def test_a_subscription_to_a_topic_not_listed_is_never_confirmed(client, local_sns):
    message = sign(confirmation(local_sns, topic=OTHER_TOPIC), keys().signing)

    assert deliver(client, message).status_code == 403
    assert local_sns.requested == []
    assert nothing_stored()


def test_an_unsubscribe_confirmation_is_kept_and_never_resubscribes(client, local_sns):
    message = sign(confirmation(local_sns) | {"Type": "UnsubscribeConfirmation"}, keys().signing)

    assert deliver(client, message).status_code == 200
    assert local_sns.requested == [CERTIFICATE]
    assert SnsDelivery.objects.get().outcome == SnsDelivery.Outcome.IGNORED


def test_a_subscribe_link_off_the_sns_hosts_is_never_fetched(client, local_sns):
    port = local_sns.base.rsplit(":", 1)[1]
    fields = confirmation(local_sns) | {"SubscribeURL": f"https://localhost:{port}/confirm"}

    assert deliver(client, sign(fields, keys().signing, version="2")).status_code == 403
    assert local_sns.requested == [CERTIFICATE]
    assert nothing_stored()


# Bad input.


def test_a_body_that_is_not_json_is_a_400_in_words(client):
    response = deliver(client, b"Type=Notification&Message=hi")

    assert (response.status_code, response.text) == (400, "The body is not JSON.")
    assert nothing_stored()


def test_a_body_over_256_kb_is_a_413(client, local_sns, scope):
    message = alarm(local_sns) | {"Padding": "x" * 300_000}

    assert deliver(client, message).status_code == 413
    assert nothing_stored()


@pytest.mark.parametrize("field", ["Type", "MessageId", "TopicArn", "Message", "Timestamp"])
def test_a_message_missing_a_field_is_a_400_naming_it(client, local_sns, scope, field):
    message = alarm(local_sns)
    del message[field]

    response = deliver(client, message)

    assert response.status_code == 400
    assert field in response.text or "Type" in response.text
    assert nothing_stored()


@pytest.mark.parametrize(
    "body", ["[]", "null", '"text"', '{"Type": 1}', '{"Type": "Notification", "Message": []}']
)
def test_json_that_is_not_an_sns_message_is_a_400(client, body):
    assert deliver(client, body).status_code == 400
    assert nothing_stored()


def test_deeply_nested_json_is_a_400_not_a_crash(client):
    assert deliver(client, "[" * 100_000 + "]" * 100_000).status_code == 400


def test_get_is_not_allowed(client):
    assert client.get(ENDPOINT).status_code == 405


def test_signed_in_or_not_the_endpoint_needs_no_csrf_token(local_sns, scope):
    strict = Client(enforce_csrf_checks=True)

    assert deliver(strict, alarm(local_sns)).status_code == 200
    assert Incident.objects.count() == 1


def test_future_state_change_times_are_taken_as_received(client, local_sns, scope):
    later = (datetime.now(UTC) + timedelta(days=2)).strftime("%Y-%m-%dT%H:%M:%S.000+0000")

    assert deliver(client, alarm(local_sns, changed_at=later)).status_code == 200
    assert Incident.objects.get().detected_at <= datetime.now(UTC)


# Whatever arrives: never a server error, and nothing written unless SNS signed it.

FIELD_NAMES = [
    "Type", "MessageId", "TopicArn", "Message", "Subject", "Timestamp", "Token", "SubscribeURL",
    "Signature", "SignatureVersion", "SigningCertURL",
]  # fmt: skip
JSON_VALUES = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(),
    lambda inner: st.one_of(
        st.lists(inner, max_size=3), st.dictionaries(st.text(max_size=12), inner, max_size=3)
    ),
    max_leaves=8,
)


@st.composite
def near_messages(draw, local_sns):
    """A message as SNS would send it (listed topic, this certificate), some fields replaced."""
    kind = draw(st.sampled_from(["Notification", "SubscriptionConfirmation", "Other"]))
    message = confirmation(local_sns) if kind == "SubscriptionConfirmation" else (
        notification(local_sns, alarm_message(state=draw(st.sampled_from(["ALARM", "OK"]))))
    )  # fmt: skip
    message = sign(message, keys().signing, version=draw(st.sampled_from(["1", "2"])))
    for name in draw(st.lists(st.sampled_from(FIELD_NAMES), max_size=3, unique=True)):
        choice = draw(st.sampled_from(["drop", "text", "json"]))
        if choice == "drop":
            message.pop(name, None)
        else:
            message[name] = draw(st.text(max_size=40) if choice == "text" else JSON_VALUES)
    return message


@st.composite
def bodies(draw, local_sns):
    kind = draw(st.sampled_from(["near", "json", "bytes"]))
    if kind == "near":
        return json.dumps(draw(near_messages(local_sns))).encode()
    if kind == "json":
        return json.dumps(draw(JSON_VALUES)).encode()
    return draw(st.binary(max_size=200))


def test_any_body_is_answered_without_a_server_error_and_only_signed_ones_write(
    client, local_sns, scope
):
    @settings(
        max_examples=60,
        deadline=None,
        database=None,
        derandomize=True,
        suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
    )
    @given(body=bodies(local_sns))
    def example(body):
        with transaction.atomic():
            response = deliver(client, body)
            assert response.status_code in {200, 400, 403, 503}, response.status_code
            if response.status_code != 200:
                assert nothing_stored()
                assert response.text
            transaction.set_rollback(True)

    example()


@pytest.mark.django_db(transaction=True)
def test_the_same_message_delivered_twice_at_once_acts_once(local_sns, scope):
    message = alarm(local_sns)
    signing_certificate(local_sns.url(CERTIFICATE))  # fetched before, as by an earlier message

    def post():
        return deliver(Client(), message).status_code

    answers, errors = run_at_once(post, post)

    assert (sorted(answers), errors) == ([200, 200], [])
    assert SnsDelivery.objects.count() == 1
    assert Incident.objects.count() == 1
    assert AlarmIncident.objects.count() == 1


@pytest.mark.django_db(transaction=True)
def test_two_alarms_of_one_alarm_at_once_open_one_incident(local_sns, scope):
    first, second = alarm(local_sns, reason="First."), alarm(local_sns, reason="Second.")
    signing_certificate(local_sns.url(CERTIFICATE))

    answers, errors = run_at_once(
        lambda: deliver(Client(), first).status_code,
        lambda: deliver(Client(), second).status_code,
    )

    assert (sorted(answers), errors) == ([200, 200], [])
    assert Incident.objects.count() == 1
    outcomes = sorted(SnsDelivery.objects.values_list("outcome", flat=True))
    assert outcomes == [SnsDelivery.Outcome.NOTED, SnsDelivery.Outcome.OPENED]
