"""A scope may name the AWS account its alarms are in: the team's CloudWatch page keeps it, and
an alarm that arrives through SNS then matches the scope only when it is that account's."""

import json
from datetime import UTC, datetime

import pytest

from incidents.models import Incident
from opsreview.cloudwatch.forms import AlarmScopeForm
from opsreview.cloudwatch.models import AlarmIncident, AlarmScope, SnsDelivery
from opsreview.cloudwatch.sns import AlarmChange
from tests.org.factories import TeamFactory

from . import sns_world
from .sns_world import ACCOUNT, alarm_message, deliver, keys, notification, sign

pytestmark = pytest.mark.django_db
local_sns = sns_world.local_sns
sns_settings = sns_world.sns_settings

OTHER_ACCOUNT = "210987654321"
ACCOUNT_MESSAGE = "Give the 12-digit AWS account id, such as 123456789012."


def _form_data(**changes) -> dict:
    return {
        "region": "eu-west-1",
        "account_id": "",
        "alarm_prefixes": "BananaStand-\n",
        "role_arn": "",
        "severity": 3,
    } | changes


def _page_data(prefix: str, **changes) -> dict:
    return {f"{prefix}-{name}": value for name, value in _form_data(**changes).items()}


def _alarm_from(local_sns, account: str, name: str = "BananaStand-Availability") -> dict:
    """A signed CloudWatch alarm of `account`: its ARN and AWSAccountId both say so."""
    body = json.loads(alarm_message(name))
    body["AWSAccountId"] = account
    body["AlarmArn"] = f"arn:aws:cloudwatch:eu-west-1:{account}:alarm:{name}"
    return sign(notification(local_sns, json.dumps(body)), keys().signing)


def _scope(team, account_id: str = "", prefixes=("BananaStand-",)) -> AlarmScope:
    return AlarmScope.objects.create(
        team=team, region="eu-west-1", account_id=account_id, alarm_prefixes=list(prefixes)
    )


# The form and the team's page


@pytest.mark.parametrize("account_id", ["12345", "abcdefghijkl", "1234567890123", "12345678901x"])
def test_the_form_refuses_an_account_that_is_not_twelve_digits(account_id):
    form = AlarmScopeForm(_form_data(account_id=account_id))

    assert not form.is_valid()
    assert ACCOUNT_MESSAGE in form.errors["account_id"]


@pytest.mark.parametrize("account_id", ["", "123456789012", " 123456789012 "])
def test_the_form_takes_no_account_or_twelve_digits(account_id):
    form = AlarmScopeForm(_form_data(account_id=account_id))

    assert form.is_valid(), form.errors
    assert form.changes()["account_id"] == account_id.strip()


def test_the_manager_adds_and_changes_a_scopes_account_on_the_teams_page(client):
    team = TeamFactory(slug="front-door")
    client.force_login(team.manager)

    added = client.post("/teams/front-door/cloudwatch/", _page_data("new", account_id=ACCOUNT))

    assert added.status_code == 302
    scope = AlarmScope.objects.get(team=team)
    assert scope.account_id == ACCOUNT
    page = client.get("/teams/front-door/cloudwatch/").text
    assert f'<span data-testid="scope-account">{ACCOUNT}</span>' in page
    assert f"eu-west-1 · account {ACCOUNT} · BananaStand-" in client.get("/teams/front-door/").text

    changed = client.post(
        f"/teams/front-door/cloudwatch/{scope.pk}/",
        _page_data(f"scope-{scope.pk}", account_id=OTHER_ACCOUNT),
    )
    assert changed.status_code == 302
    scope.refresh_from_db()
    assert scope.account_id == OTHER_ACCOUNT
    cleared = client.post(
        f"/teams/front-door/cloudwatch/{scope.pk}/", _page_data(f"scope-{scope.pk}")
    )
    assert cleared.status_code == 302
    scope.refresh_from_db()
    assert scope.account_id == ""


def test_the_teams_page_refuses_an_account_that_is_not_twelve_digits_and_saves_nothing(client):
    team = TeamFactory(slug="front-door")
    client.force_login(team.manager)

    response = client.post("/teams/front-door/cloudwatch/", _page_data("new", account_id="12345"))

    assert response.status_code == 422
    assert ACCOUNT_MESSAGE in response.context["new_form"].errors["account_id"]
    assert not AlarmScope.objects.exists()


# SNS


def test_the_alarm_change_takes_its_account_from_the_arn_else_from_the_message():
    now = datetime.now(UTC)
    body = json.loads(alarm_message())
    from_arn = AlarmChange.from_notification(
        json.dumps(body | {"AWSAccountId": OTHER_ACCOUNT}), received_at=now
    )
    bare_arn = "arn:aws:cloudwatch:eu-west-1::alarm:BananaStand-Availability"
    from_field = AlarmChange.from_notification(
        json.dumps(body | {"AlarmArn": bare_arn, "AWSAccountId": OTHER_ACCOUNT}), received_at=now
    )
    neither = AlarmChange.from_notification(
        json.dumps(body | {"AlarmArn": bare_arn, "AWSAccountId": "12345"}), received_at=now
    )

    assert (from_arn.account, from_field.account, neither.account) == (
        ACCOUNT,
        OTHER_ACCOUNT,
        "",
    )


def test_an_alarm_goes_to_the_scope_of_its_account_else_to_the_scope_of_no_account(
    client, local_sns
):
    accounts_team = TeamFactory(name="Banana Distributor")
    any_team = TeamFactory(name="API Gateway front door")
    _scope(accounts_team, ACCOUNT)
    _scope(any_team)

    deliver(client, _alarm_from(local_sns, ACCOUNT))
    deliver(client, _alarm_from(local_sns, OTHER_ACCOUNT))

    teams = {
        link.alarm_arn.split(":")[4]: link.incident.teams.get()
        for link in AlarmIncident.objects.select_related("incident")
    }
    assert teams == {ACCOUNT: accounts_team, OTHER_ACCOUNT: any_team}
    assert set(SnsDelivery.objects.values_list("outcome", flat=True)) == {"opened"}


def test_an_alarm_of_another_account_than_the_only_scopes_is_kept_as_ignored_saying_why(
    client, local_sns
):
    _scope(TeamFactory(), ACCOUNT)
    message = _alarm_from(local_sns, OTHER_ACCOUNT)

    deliver(client, message)

    assert not Incident.objects.exists()
    delivery = SnsDelivery.objects.get(message_id=message["MessageId"])
    assert (delivery.outcome, delivery.alarm_name, delivery.detail) == (
        SnsDelivery.Outcome.IGNORED,
        "BananaStand-Availability",
        f"No alarm scope in eu-west-1 holds BananaStand-Availability for account {OTHER_ACCOUNT}.",
    )


def test_the_scope_of_the_alarms_account_wins_over_a_longer_prefix_of_no_account(client, local_sns):
    accounts_team = TeamFactory(name="Banana Distributor")
    _scope(TeamFactory(name="Banana storage"), prefixes=["BananaStand-Distributor-"])
    _scope(accounts_team, ACCOUNT, prefixes=["BananaStand-"])

    deliver(client, _alarm_from(local_sns, ACCOUNT, "BananaStand-Distributor-Errors"))

    assert Incident.objects.get().teams.get() == accounts_team


def test_among_scopes_of_the_alarms_account_the_longest_prefix_wins(client, local_sns):
    storage = TeamFactory(name="Banana storage")
    _scope(TeamFactory(name="Banana Distributor"), ACCOUNT, prefixes=["BananaStand-"])
    _scope(storage, ACCOUNT, prefixes=["BananaStand-S3-"])

    deliver(client, _alarm_from(local_sns, ACCOUNT, "BananaStand-S3-Errors"))

    assert Incident.objects.get().teams.get() == storage
