"""Reading a team's alarms from CloudWatch (moto in server mode; boto3 is not patched)."""

import io
from datetime import timedelta

import pytest
from django.core.management import call_command
from django.utils import timezone

from opsreview.cloudwatch import services, tasks
from opsreview.cloudwatch.models import Alarm, AlarmKind, AlarmScope
from opsreview.cloudwatch.services import BACKOFF_MAX, alarm_scope_sync, backoff
from opsreview.org.demo import seed_people_and_teams

from . import aws_server
from .aws_server import UNREACHABLE, make_scope, put_alarm, put_composite_alarm, refusing_server

# moto in server mode, empty for each test, as settings.AWS_ENDPOINT_URL; fake credentials.
moto_server = aws_server.moto_server
aws_env = aws_server.aws_env
aws_endpoint = aws_server.aws_endpoint
cloudwatch = aws_server.cloudwatch

pytestmark = pytest.mark.django_db

ROLE = "arn:aws:iam::123456789012:role/opsreview-read"


def _states(scope: AlarmScope) -> dict[str, str]:
    return dict(scope.alarms.values_list("name", "state"))


def test_alarms_and_a_composite_are_stored_with_their_states(cloudwatch):
    put_alarm(cloudwatch, "BananaStand-Distributor-Errors", "ALARM", "3 datapoints above 10.")
    put_alarm(cloudwatch, "BananaStand-RequestHandler-QueueDepth", "INSUFFICIENT_DATA")
    put_alarm(cloudwatch, "BananaStand-Orchestrator-Failures", "OK")
    put_alarm(cloudwatch, "Somebody-Elses-Alarm", "ALARM")
    rule = 'ALARM("BananaStand-Distributor-Errors") OR ALARM("BananaStand-Orchestrator-Failures")'
    put_composite_alarm(name="BananaStand-Overall-Health", rule=rule)
    cloudwatch.set_alarm_state(
        AlarmName="BananaStand-Overall-Health", StateValue="ALARM", StateReason="A child is."
    )
    scope = make_scope()

    assert alarm_scope_sync(scope=scope) is True

    assert _states(scope) == {
        "BananaStand-Distributor-Errors": "ALARM",
        "BananaStand-RequestHandler-QueueDepth": "INSUFFICIENT_DATA",
        "BananaStand-Orchestrator-Failures": "OK",
        "BananaStand-Overall-Health": "ALARM",
    }
    errors = scope.alarms.get(name="BananaStand-Distributor-Errors")
    assert errors.reason == "3 datapoints above 10."
    assert errors.arn.endswith(":alarm:BananaStand-Distributor-Errors")
    assert errors.kind == AlarmKind.METRIC
    assert abs(errors.state_updated_at - timezone.now()) < timedelta(minutes=1)
    composite = scope.alarms.get(name="BananaStand-Overall-Health")
    assert composite.kind == AlarmKind.COMPOSITE
    assert composite.rule == rule
    scope.refresh_from_db()
    assert scope.synced_at is not None and scope.error == "" and scope.failures == 0


def test_only_alarms_under_one_of_the_scopes_prefixes_are_the_teams(cloudwatch):
    put_alarm(cloudwatch, "Gateway-5XX")
    put_alarm(cloudwatch, "Storage-Health")
    put_alarm(cloudwatch, "Checkout-Latency")
    scope = make_scope(alarm_prefixes=["Gateway-", "Storage-"])

    alarm_scope_sync(scope=scope)

    assert set(_states(scope)) == {"Gateway-5XX", "Storage-Health"}


def test_every_alarm_is_stored_however_many_pages_aws_answers_in(cloudwatch):
    for n in range(120):
        put_alarm(cloudwatch, f"BananaStand-Shard-{n:03}", "ALARM" if n % 7 == 0 else "OK")
    scope = make_scope()

    alarm_scope_sync(scope=scope)

    assert scope.alarms.count() == 120
    assert scope.alarms.filter(state="ALARM").count() == len(range(0, 120, 7))


def test_a_second_read_updates_states_and_removes_alarms_gone_from_aws(cloudwatch):
    put_alarm(cloudwatch, "BananaStand-Errors", "OK")
    put_alarm(cloudwatch, "BananaStand-Latency", "OK")
    scope = make_scope()
    alarm_scope_sync(scope=scope)

    cloudwatch.set_alarm_state(
        AlarmName="BananaStand-Errors", StateValue="ALARM", StateReason="Up."
    )
    cloudwatch.delete_alarms(AlarmNames=["BananaStand-Latency"])
    alarm_scope_sync(scope=scope)

    assert _states(scope) == {"BananaStand-Errors": "ALARM"}
    assert Alarm.objects.get(name="BananaStand-Errors").reason == "Up."


def test_a_scope_that_names_a_role_is_read_with_the_roles_credentials(cloudwatch):
    put_alarm(cloudwatch, "BananaStand-Errors", "ALARM")
    scope = make_scope(role_arn=ROLE)

    assert alarm_scope_sync(scope=scope) is True

    assert _states(scope) == {"BananaStand-Errors": "ALARM"}


def test_a_role_sts_refuses_is_recorded_on_the_scope_with_a_back_off(aws_env, settings):
    scope = make_scope(role_arn=ROLE)
    with refusing_server(403, "AccessDenied", "Not authorized to perform sts:AssumeRole") as url:
        settings.AWS_ENDPOINT_URL = url
        before = timezone.now()
        assert alarm_scope_sync(scope=scope) is False

    scope.refresh_from_db()
    assert "AccessDenied" in scope.error
    assert ROLE in scope.error and "sts:AssumeRole" in scope.error
    assert scope.failures == 1
    assert scope.error_at >= before
    assert scope.next_sync_at >= before + backoff(1)
    assert not scope.alarms.exists()


def test_throttling_says_so_and_backs_off_further_each_time(aws_env, settings):
    scope = make_scope(role_arn=ROLE)
    with refusing_server(400, "Throttling", "Rate exceeded") as url:
        settings.AWS_ENDPOINT_URL = url
        alarm_scope_sync(scope=scope)
        first_wait = scope.next_sync_at - scope.error_at
        alarm_scope_sync(scope=scope)

    scope.refresh_from_db()
    assert "throttled" in scope.error
    assert scope.failures == 2
    assert scope.next_sync_at - scope.error_at == 2 * first_wait


def test_an_unreachable_endpoint_is_recorded_and_a_read_that_works_clears_it(cloudwatch, settings):
    put_alarm(cloudwatch, "BananaStand-Errors", "OK")
    scope = make_scope()
    working = settings.AWS_ENDPOINT_URL
    settings.AWS_ENDPOINT_URL = UNREACHABLE
    assert alarm_scope_sync(scope=scope) is False
    scope.refresh_from_db()
    assert "Could not reach CloudWatch in us-east-1" in scope.error

    settings.AWS_ENDPOINT_URL = working
    assert alarm_scope_sync(scope=scope) is True

    scope.refresh_from_db()
    assert (scope.error, scope.error_at, scope.failures, scope.next_sync_at) == ("", None, 0, None)
    assert _states(scope) == {"BananaStand-Errors": "OK"}


def test_the_back_off_doubles_and_never_passes_an_hour(settings):
    settings.CLOUDWATCH_SYNC_SECONDS = 300
    assert [backoff(n).total_seconds() for n in (1, 2, 3)] == [600, 1200, 2400]
    assert backoff(4) == backoff(50) == BACKOFF_MAX == timedelta(hours=1)


def test_beat_reads_the_scopes_due_and_leaves_those_backing_off(cloudwatch):
    put_alarm(cloudwatch, "BananaStand-Errors", "ALARM")
    due = make_scope()
    waiting = make_scope(next_sync_at=timezone.now() + timedelta(minutes=20))

    assert tasks.sync_all_alarms.delay().get() == 1

    assert _states(due) == {"BananaStand-Errors": "ALARM"}
    assert not waiting.alarms.exists()


def test_a_scope_is_claimed_once_however_many_beats_ask(settings):
    scope = make_scope()

    assert services.alarm_scopes_claim_due() == [scope.pk]
    assert services.alarm_scopes_claim_due() == []


def test_the_demo_command_serves_bananastands_alarms_from_moto_and_reads_them(aws_env, moto_server):
    teams = seed_people_and_teams()["teams"]
    out = io.StringIO()
    try:
        call_command("cloudwatch_demo", serve=0, once=True, stdout=out, stderr=io.StringIO())
    finally:
        aws_server.moto_reset(moto_server)  # moto's state is the process's, shared by servers

    assert "7 alarms" in out.getvalue() and "5 scopes read" in out.getvalue()
    front_door = AlarmScope.objects.get(team=teams["front-door"])
    assert _states(front_door) == {
        "BananaStand-ApiGateway-5XXError": "OK",
        "BananaStand-ApiGateway-Latency-p99": "OK",
        "BananaStand-Overall-Health": "ALARM",
    }
    assert front_door.alarms.get(kind=AlarmKind.COMPOSITE).rule.count('ALARM("') == 3
    distributor = AlarmScope.objects.get(team=teams["banana-distributor"])
    assert _states(distributor) == {"BananaStand-Distributor-LimitExceeded": "ALARM"}


def test_a_later_change_sns_stored_while_aws_was_read_is_kept(cloudwatch):
    put_alarm(cloudwatch, "BananaStand-Errors", "OK", "Back under the threshold.")
    scope = make_scope()
    assert alarm_scope_sync(scope=scope)
    row = scope.alarms.get()
    # SNS has since said it went to ALARM, later than the OK that CloudWatch's list still shows.
    later = row.state_updated_at + timedelta(minutes=2)
    Alarm.objects.filter(pk=row.pk).update(
        state="ALARM", reason="3 datapoints above 1.", state_updated_at=later
    )

    assert alarm_scope_sync(scope=scope)

    row.refresh_from_db()
    assert (row.state, row.reason, row.state_updated_at) == (
        "ALARM",
        "3 datapoints above 1.",
        later,
    )
    # What AWS says of a later change than the stored one still wins.
    Alarm.objects.filter(pk=row.pk).update(state_updated_at=later - timedelta(hours=1))
    assert alarm_scope_sync(scope=scope)
    row.refresh_from_db()
    assert (row.state, row.reason) == ("OK", "Back under the threshold.")


def test_a_scope_naming_another_account_than_the_credentials_read_says_so(cloudwatch):
    put_alarm(cloudwatch, "BananaStand-Errors", "ALARM")  # in moto's account, 123456789012
    scope = make_scope(account_id="210987654321")

    assert not alarm_scope_sync(scope=scope)

    scope.refresh_from_db()
    assert scope.error == (
        "These credentials read the alarms of account 123456789012, not 210987654321: "
        "check the scope's account, or name the role to assume."
    )
    assert scope.failures == 1 and scope.next_sync_at is not None
    assert not scope.alarms.exists()  # another account's alarms are not this team's
    AlarmScope.objects.filter(pk=scope.pk).update(account_id="123456789012")
    scope.refresh_from_db()
    assert alarm_scope_sync(scope=scope) and _states(scope) == {"BananaStand-Errors": "ALARM"}
