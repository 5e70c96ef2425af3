"""An alarm's change through SNS also changes the alarm as stored (state, reason, since when),
so the team page shows it before the next read; a message older than what is stored changes
nothing, and an alarm never read is not added."""

from datetime import UTC, datetime, timedelta

import pytest
from django.utils import timezone

from incidents.models import Incident
from opsreview.cloudwatch.models import Alarm, AlarmScope, SnsDelivery
from tests.org.factories import TeamFactory

from . import sns_world
from .sns_world import ACCOUNT, REGION, alarm_message, deliver, keys, notification, sign

pytestmark = pytest.mark.django_db
local_sns = sns_world.local_sns
sns_settings = sns_world.sns_settings

NAME = "BananaStand-Availability"
ARN = f"arn:aws:cloudwatch:{REGION}:{ACCOUNT}:alarm:{NAME}"
REASON = "Threshold Crossed: 1 datapoint [12.0] was greater than the threshold (5.0)."


@pytest.fixture
def team():
    return TeamFactory(name="API Gateway front door", slug="front-door")


@pytest.fixture
def scope(team):
    return AlarmScope.objects.create(team=team, region=REGION, alarm_prefixes=["BananaStand-"])


def _when(moment: datetime) -> str:
    """A time as CloudWatch writes StateChangeTime: 2024-05-01T12:00:00.000+0000."""
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "+0000"


def _synced(scope, state: str, *, at: datetime, name: str = NAME, arn: str | None = None):
    return Alarm.objects.create(
        scope=scope,
        name=name,
        arn=ARN if arn is None else arn,
        state=state,
        reason="As read by sync.",
        state_updated_at=at,
    )


def _alarm(local_sns, state: str, *, at: datetime, reason: str = REASON, name: str = NAME):
    message = alarm_message(name, state, reason, changed_at=_when(at))
    return sign(notification(local_sns, message), keys().signing)


def _row(alarm: Alarm) -> tuple:
    alarm.refresh_from_db()
    return alarm.state, alarm.reason, alarm.state_updated_at


def test_a_synced_ok_alarm_is_in_alarm_with_the_messages_reason_and_time(client, scope, local_sns):
    now = timezone.now().replace(microsecond=0)
    row = _synced(scope, "OK", at=now - timedelta(hours=2))

    deliver(client, _alarm(local_sns, "ALARM", at=now - timedelta(minutes=1)))

    assert _row(row) == ("ALARM", REASON, now - timedelta(minutes=1))
    delivery = SnsDelivery.objects.get()
    assert delivery.outcome == SnsDelivery.Outcome.OPENED
    assert delivery.detail.endswith("The stored alarm is now ALARM.")
    client.force_login(scope.team.manager)
    page = client.get("/teams/front-door/").text
    assert f'data-alarm="{NAME}"' in page and ">In alarm<" in page and REASON in page


def test_ok_without_an_open_incident_still_changes_the_stored_alarm(client, scope, local_sns):
    now = timezone.now().replace(microsecond=0)
    row = _synced(scope, "ALARM", at=now - timedelta(hours=2))

    deliver(client, _alarm(local_sns, "OK", at=now, reason="Back under 5."))

    assert _row(row) == ("OK", "Back under 5.", now)
    assert SnsDelivery.objects.get().outcome == SnsDelivery.Outcome.IGNORED
    assert not Incident.objects.exists()


@pytest.mark.parametrize("older", [timedelta(minutes=10), timedelta(0)])
def test_a_message_no_newer_than_the_stored_state_leaves_it_alone(client, scope, local_sns, older):
    synced_at = timezone.now().replace(microsecond=0) - timedelta(minutes=1)
    row = _synced(scope, "OK", at=synced_at)

    deliver(client, _alarm(local_sns, "ALARM", at=synced_at - older))

    assert _row(row) == ("OK", "As read by sync.", synced_at)
    delivery = SnsDelivery.objects.get()
    assert "stored alarm" not in delivery.detail


def test_messages_out_of_order_end_at_the_newest_state(client, scope, local_sns):
    now = timezone.now().replace(microsecond=0)
    row = _synced(scope, "OK", at=now - timedelta(hours=1))

    deliver(client, _alarm(local_sns, "OK", at=now - timedelta(minutes=1), reason="Recovered."))
    deliver(client, _alarm(local_sns, "ALARM", at=now - timedelta(minutes=5)))

    assert _row(row) == ("OK", "Recovered.", now - timedelta(minutes=1))
    assert SnsDelivery.objects.count() == 2


def test_an_alarm_never_read_is_not_added(client, scope, local_sns):
    deliver(client, _alarm(local_sns, "ALARM", at=timezone.now()))

    assert not Alarm.objects.exists()
    assert Incident.objects.count() == 1
    assert "stored alarm" not in SnsDelivery.objects.get().detail


def test_only_the_alarm_of_the_messages_arn_changes(client, scope, local_sns):
    then = timezone.now().replace(microsecond=0) - timedelta(hours=1)
    other_account = AlarmScope.objects.create(
        team=TeamFactory(), region=REGION, account_id="210987654321", alarm_prefixes=["Banana"]
    )
    same_name_elsewhere = _synced(
        other_account, "OK", at=then, arn=ARN.replace(ACCOUNT, "210987654321")
    )
    other_alarm = _synced(scope, "OK", at=then, name="BananaStand-Errors", arn=ARN + "-Errors")
    row = _synced(scope, "OK", at=then)

    deliver(client, _alarm(local_sns, "ALARM", at=timezone.now()))

    assert _row(row)[0] == "ALARM"
    assert _row(same_name_elsewhere) == ("OK", "As read by sync.", then)
    assert _row(other_alarm) == ("OK", "As read by sync.", then)


def test_an_alarm_stored_without_an_arn_is_found_by_region_and_name(client, scope, local_sns):
    now = timezone.now().replace(microsecond=0)
    row = _synced(scope, "OK", at=now - timedelta(hours=1), arn="")

    deliver(client, _alarm(local_sns, "ALARM", at=now))

    assert _row(row) == ("ALARM", REASON, now)
