"""The metrics a team reviews in the ops meeting, named on its CloudWatch page by its manager
or staff, each read through one of the team's own scopes."""

import pytest

from opsreview.cloudwatch.models import AlarmScope, MetricQuery
from opsreview.cloudwatch.services import METRICS_PER_TEAM
from tests.org.factories import TeamFactory, UserFactory

from .metric_forms import metric_form

pytestmark = pytest.mark.django_db


def _form(chosen, **changes) -> dict:
    return metric_form(chosen, **({"dimensions": "Stage = prod\nApiName=BananaStand\n"} | changes))


def _add(client, team, data):
    return client.post(f"/teams/{team.slug}/cloudwatch/metrics/", data)


def test_the_manager_names_a_metric_and_the_page_lists_it(manager_client, team, scope):
    response = _add(manager_client, team, _form(scope))

    assert response.status_code == 302
    query = MetricQuery.objects.get()
    assert (query.team, query.scope, query.label) == (team, scope, "Gateway errors")
    assert query.dimensions == {"ApiName": "BananaStand", "Stage": "prod"}
    page = manager_client.get(f"/teams/{team.slug}/cloudwatch/").text
    assert "<strong>Gateway errors</strong>: AWS/ApiGateway 5XXError Sum" in page
    assert "(ApiName=BananaStand, Stage=prod)" in page


@pytest.mark.parametrize(
    "changes, message",
    [
        ({"dimensions": "ApiName"}, "Write each dimension as Name=Value, one a line: “ApiName”."),
        ({"dimensions": "=x"}, "Write each dimension as Name=Value"),
        ({"period_seconds": 90}, "A period is whole minutes, from 60 to 86,400 seconds."),
        ({"period_seconds": 2**63}, "Ensure this value is less than or equal to"),
        ({"statistic": "p42.5x"}, "Select a valid choice."),
        ({"label": ""}, "This field is required."),
        ({"label": "x" * 101}, "Ensure this value has at most 100 characters"),
        ({"namespace": "[[[[" * 100}, "Ensure this value has at most 255 characters"),
        ({"scope": 999999}, "Select a valid choice."),
    ],
)
def test_a_metric_that_cannot_be_read_is_refused_with_a_message(
    manager_client, team, scope, changes, message
):
    response = _add(manager_client, team, _form(scope, **changes))
    assert response.status_code == 422
    assert message in response.text
    assert not MetricQuery.objects.exists()


def test_another_teams_scope_cannot_be_borrowed(manager_client, team, scope):
    elsewhere = AlarmScope.objects.create(
        team=TeamFactory(), region="eu-west-1", alarm_prefixes=["Other"]
    )
    response = _add(manager_client, team, _form(elsewhere))
    assert response.status_code == 422
    assert not MetricQuery.objects.exists()


def test_a_team_reviews_a_few_metrics_at_most(manager_client, team, scope):
    for n in range(METRICS_PER_TEAM):
        assert _add(manager_client, team, _form(scope, label=f"Metric {n}")).status_code == 302
    response = _add(manager_client, team, _form(scope, label="One too many"))
    assert response.status_code == 422
    assert f"A team reviews at most {METRICS_PER_TEAM} metrics" in response.text
    assert MetricQuery.objects.count() == METRICS_PER_TEAM
    assert list(MetricQuery.objects.values_list("position", flat=True)) == list(
        range(METRICS_PER_TEAM)
    )


def test_only_the_manager_or_staff_name_or_remove_metrics(client, team, scope):
    query = MetricQuery.objects.create(
        team=team, scope=scope, label="Latency", namespace="AWS/ApiGateway", metric_name="Latency"
    )
    member = UserFactory()
    team.members.add(member)
    client.force_login(member)

    assert _add(client, team, _form(scope)).status_code == 403
    removed = client.post(f"/teams/{team.slug}/cloudwatch/metrics/{query.pk}/delete/")
    assert removed.status_code == 403
    assert list(MetricQuery.objects.all()) == [query]

    client.force_login(UserFactory(is_staff=True))
    removed = client.post(f"/teams/{team.slug}/cloudwatch/metrics/{query.pk}/delete/")
    assert removed.status_code == 302
    assert not MetricQuery.objects.exists()


def test_a_metric_of_another_team_is_not_found_here(manager_client, team, scope):
    other = TeamFactory()
    other_scope = AlarmScope.objects.create(team=other, region="us-east-1", alarm_prefixes=["X"])
    query = MetricQuery.objects.create(
        team=other, scope=other_scope, label="Theirs", namespace="N", metric_name="M"
    )
    response = manager_client.post(f"/teams/{team.slug}/cloudwatch/metrics/{query.pk}/delete/")
    assert response.status_code == 404
    assert MetricQuery.objects.filter(pk=query.pk).exists()


def test_without_a_scope_the_page_asks_for_one_first(manager_client, team):
    page = manager_client.get(f"/teams/{team.slug}/cloudwatch/").text
    assert "Add a scope first: a metric is read through one" in page
