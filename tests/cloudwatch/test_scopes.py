"""A team's CloudWatch scopes, edited at /teams/<slug>/cloudwatch/, and its alarms as the team
page and the ops meeting show them."""

from datetime import timedelta

import pytest
from django.utils import timezone

from opsreview.cloudwatch.models import Alarm, AlarmKind, AlarmScope
from opsreview.cloudwatch.rules import Op, Ref, parse_rule, references
from opsreview.cloudwatch.selectors import console_url
from opsreview.meetings.models import OpsMeeting
from opsreview.meetings.services import meeting_prepare
from tests.org.factories import TeamFactory, UserFactory
from tests.query_budget import assert_query_budget

pytestmark = pytest.mark.django_db

ACCOUNT = "123456789012"


def _form(prefix: str = "new", **changes) -> dict:
    fields = {
        "region": "eu-west-1",
        "alarm_prefixes": "BananaStand-Distributor-\nBananaStand-Overall-\n",
        "role_arn": "",
        "severity": 3,
    } | changes
    return {f"{prefix}-{name}": value for name, value in fields.items()}


def _alarm(scope, name, state="OK", *, minutes=10, **fields) -> Alarm:
    return Alarm.objects.create(
        scope=scope,
        name=name,
        arn=f"arn:aws:cloudwatch:{scope.region}:{ACCOUNT}:alarm:{name}",
        state=state,
        state_updated_at=timezone.now() - timedelta(minutes=minutes),
        **fields,
    )


@pytest.fixture
def team():
    return TeamFactory(name="Banana Distributor", slug="distributor")


@pytest.fixture
def manager_client(client, team):
    client.force_login(team.manager)
    return client


def _scope(team, **fields) -> AlarmScope:
    fields = {"region": "us-east-1", "alarm_prefixes": ["BananaStand-"]} | fields
    return AlarmScope.objects.create(team=team, **fields)


# Editing scopes


def test_the_manager_adds_a_scope_with_one_prefix_a_line(manager_client, team):
    role = "arn:aws:iam::123456789012:role/opsreview-read"
    response = manager_client.post(
        "/teams/distributor/cloudwatch/", _form(role_arn=f" {role} ", severity=2)
    )

    assert response.status_code == 302
    scope = AlarmScope.objects.get(team=team)
    assert scope.region == "eu-west-1"
    assert scope.alarm_prefixes == ["BananaStand-Distributor-", "BananaStand-Overall-"]
    assert (scope.role_arn, scope.severity) == (role, 2)


@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [
        ({"region": "Ireland"}, "region", "is not an AWS region name"),
        ({"region": ""}, "region", "This field is required."),
        (
            {"role_arn": "arn:aws:iam::12:user/me"},
            "role_arn",
            "such as arn:aws:iam::123456789012:role/opsreview-read",
        ),
        ({"alarm_prefixes": "\n  \n"}, "alarm_prefixes", "Give between 1 and 20"),
        ({"alarm_prefixes": "\n".join(f"P{n}-" for n in range(21))}, "alarm_prefixes", "20"),
        ({"alarm_prefixes": "x" * 256}, "alarm_prefixes", "1 to 255 characters"),
        ({"severity": 9}, "severity", "Select a valid choice."),
    ],
)
def test_a_scope_that_is_not_right_is_refused_with_a_message(
    manager_client, team, changes, field, message
):
    response = manager_client.post("/teams/distributor/cloudwatch/", _form(**changes))

    assert response.status_code == 422
    errors = response.context["new_form"].errors[field]
    assert any(message in error for error in errors), errors
    assert message in response.text
    assert not AlarmScope.objects.exists()


def test_a_scope_is_changed_in_its_own_form_and_its_failures_forgotten(manager_client, team):
    scope = _scope(team, failures=3, next_sync_at=timezone.now() + timedelta(hours=1))
    path = f"/teams/distributor/cloudwatch/{scope.pk}/"

    refused = manager_client.post(path, _form(f"scope-{scope.pk}", region="moon-base"))
    assert refused.status_code == 422
    assert "is not an AWS region name" in refused.text
    response = manager_client.post(path, _form(f"scope-{scope.pk}", region="eu-west-2"))

    assert response.status_code == 302
    scope.refresh_from_db()
    assert (scope.region, scope.failures, scope.next_sync_at) == ("eu-west-2", 0, None)


def test_removing_a_scope_removes_its_alarms(manager_client, team):
    scope = _scope(team)
    _alarm(scope, "BananaStand-Errors")

    response = manager_client.post(f"/teams/distributor/cloudwatch/{scope.pk}/delete/")

    assert response.status_code == 302
    assert not AlarmScope.objects.exists() and not Alarm.objects.exists()


def test_only_the_manager_and_staff_may_change_a_teams_scopes(client, team):
    scope = _scope(team)
    client.force_login(UserFactory())

    assert client.get("/teams/distributor/cloudwatch/").status_code == 403
    assert client.post("/teams/distributor/cloudwatch/", _form()).status_code == 403
    assert client.post(f"/teams/distributor/cloudwatch/{scope.pk}/delete/").status_code == 403
    assert AlarmScope.objects.count() == 1


def test_another_teams_scope_is_not_found_under_this_team(manager_client, team):
    theirs = _scope(TeamFactory())

    response = manager_client.post(f"/teams/distributor/cloudwatch/{theirs.pk}/delete/")

    assert response.status_code == 404
    assert AlarmScope.objects.filter(pk=theirs.pk).exists()


# Showing alarms


def test_the_team_page_lists_alarms_in_alarm_first_with_how_long_and_a_console_link(
    manager_client, team
):
    scope = _scope(team)
    _alarm(scope, "BananaStand-A-Ok", "OK", minutes=600)
    _alarm(scope, "BananaStand-B-Unknown", "INSUFFICIENT_DATA", minutes=5)
    _alarm(scope, "BananaStand-C-Errors", "ALARM", minutes=125, reason="3 datapoints above 10.")

    html = manager_client.get("/teams/distributor/").text

    order = [html.index(name) for name in ("C-Errors", "B-Unknown", "A-Ok")]
    assert order == sorted(order)
    assert "for <time" in html and "2\xa0hours, 5\xa0minutes" in html
    assert "3 datapoints above 10." in html
    link = console_url("us-east-1", "BananaStand-C-Errors")
    assert link == (
        "https://us-east-1.console.aws.amazon.com/cloudwatch/home?region=us-east-1"
        "#alarmsV2:alarm/BananaStand-C-Errors"
    )
    assert f'href="{link}" target="_blank" rel="noopener noreferrer"' in html
    assert all(f">1 {state}<" in html for state in ("in alarm", "insufficient data", "ok"))


def test_the_console_link_quotes_the_alarms_name():
    assert console_url("eu-west-1", "Gateway 5XX/p99 #1").endswith(
        "#alarmsV2:alarm/Gateway%205XX%2Fp99%20%231"
    )


def test_a_composite_alarm_shows_its_rule_with_each_childs_state(manager_client, team):
    front_door = _scope(team, alarm_prefixes=["BananaStand-Overall-"])
    others = _scope(TeamFactory(), alarm_prefixes=["BananaStand-"])
    _alarm(others, "BananaStand-Distributor-Errors", "ALARM")
    _alarm(others, "BananaStand-Orchestrator-Failures", "OK")
    rule = (
        'ALARM("BananaStand-Distributor-Errors") OR '
        '(ALARM("BananaStand-Orchestrator-Failures") AND NOT OK("BananaStand-Missing"))'
    )
    _alarm(front_door, "BananaStand-Overall-Health", "ALARM", kind=AlarmKind.COMPOSITE, rule=rule)

    html = manager_client.get("/teams/distributor/").text

    rule_html = html[html.index('data-testid="alarm-rule"') :]
    assert "Any of" in rule_html and "All of" in rule_html and "Not" in rule_html
    assert '<code>ALARM("BananaStand-Distributor-Errors")</code>' in rule_html
    distributor = rule_html[rule_html.index("Distributor-Errors") :]
    assert "alarm-state-alarm" in distributor[:300] and "(holds)" in distributor[:800]
    orchestrator = rule_html[rule_html.index("Orchestrator-Failures") :]
    assert "alarm-state-ok" in orchestrator[:300] and "(does not hold)" in orchestrator[:800]
    missing = rule_html[rule_html.index("BananaStand-Missing") :]
    assert "not read here" in missing[:200]


def test_alarm_text_from_aws_is_escaped_inside_an_hx_disable_container(manager_client, team):
    scope = _scope(team, alarm_prefixes=["<"])
    hostile = '<img src=x onerror=alert(1) hx-get="/admin/">'
    _alarm(scope, hostile, "ALARM", reason='<script>alert("reason")</script>')
    _alarm(
        scope,
        "<composite>",
        "ALARM",
        kind=AlarmKind.COMPOSITE,
        rule=f'ALARM("{hostile.replace(chr(34), "")}")',
    )

    html = manager_client.get("/teams/distributor/").text

    assert "<img src=x" not in html and "<script>alert" not in html and "<composite>" not in html
    assert "&lt;img src=x onerror=alert(1) hx-get=&quot;/admin/&quot;&gt;" in html
    marker = html.index('data-testid="team-alarms"')
    start = html.rindex("<section", 0, marker)
    assert "hx-disable" in html[start : html.index(">", marker)]


def test_an_integration_error_is_shown_on_the_team_page_in_words(client, team):
    _scope(
        team,
        error="AWS refused access to CloudWatch in us-east-1 (AccessDenied: nope).",
        error_at=timezone.now() - timedelta(minutes=3),
        failures=2,
        next_sync_at=timezone.now() + timedelta(minutes=17),
    )
    client.force_login(UserFactory())

    response = client.get("/teams/distributor/")

    assert response.status_code == 200
    assert "Alarms could not be read" in response.text
    assert "AWS refused access to CloudWatch in us-east-1 (AccessDenied: nope)." in response.text
    assert "2 times in a row" in response.text and "Next try" in response.text


def test_a_team_without_scopes_says_so_and_its_manager_is_shown_where_to_add_one(
    manager_client, team
):
    html = manager_client.get("/teams/distributor/").text

    assert "No CloudWatch alarms are linked to Banana Distributor." in html
    assert 'href="/teams/distributor/cloudwatch/"' in html


def test_the_team_page_makes_the_same_queries_however_many_alarms(manager_client, team):
    def grow():
        for region in ("us-east-1", "eu-west-1"):
            scope = _scope(team, region=region)
            for n in range(30):
                _alarm(scope, f"BananaStand-{n}", "ALARM" if n % 3 else "OK")
            _alarm(
                scope,
                "BananaStand-Overall",
                "ALARM",
                kind=AlarmKind.COMPOSITE,
                rule='ALARM("BananaStand-1") OR ALARM("BananaStand-2")',
            )

    # A composite among the first alarms shown, so its children are asked for before the growth.
    first = _scope(team, region="ap-south-1", alarm_prefixes=["A-"])
    _alarm(first, "A-Child", "ALARM")
    _alarm(first, "A-Health", "ALARM", kind=AlarmKind.COMPOSITE, rule='ALARM("A-Child")')
    assert_query_budget(manager_client, "/teams/distributor/", grow=grow)


def test_the_meeting_shows_the_chosen_teams_alarms(client, team):
    facilitator = UserFactory(is_staff=True)
    meeting, _ = meeting_prepare(actor=facilitator)
    scope = _scope(team)
    _alarm(scope, "BananaStand-Distributor-LimitExceeded", "ALARM")
    _alarm(_scope(TeamFactory()), "BananaStand-Someone-Elses", "ALARM")
    client.force_login(facilitator)
    assert "LimitExceeded" not in client.get(meeting.get_absolute_url()).text

    OpsMeeting.objects.filter(pk=meeting.pk).update(chosen_team=team)

    detail = client.get(meeting.get_absolute_url()).text
    present = client.get(f"/meetings/{meeting.pk}/present/?section=metrics").text
    for html in (detail, present):
        assert "BananaStand-Distributor-LimitExceeded" in html
        assert "BananaStand-Someone-Elses" not in html


# Reading rules


def test_a_rule_is_read_as_a_tree_of_and_or_not_over_references():
    tree = parse_rule(
        'ALARM("A") OR (ALARM(B) AND NOT OK("arn:aws:cloudwatch:us-east-1:1:alarm:C x"))'
    )

    assert tree == Op(
        "OR",
        [Ref("ALARM", "A"), Op("AND", [Ref("ALARM", "B"), Op("NOT", [Ref("OK", "C x")])])],
    )


def test_a_rule_not_understood_still_names_its_alarms():
    rule = 'AT_LEAST(2, ALARM, (ALARM("A"), INSUFFICIENT_DATA("B")))'

    assert references(rule) == [Ref("ALARM", "A"), Ref("INSUFFICIENT_DATA", "B")]
