"""A team's manager or staff change a metric the ops meeting charts in place, and set the order
the meeting charts them in, on the team's CloudWatch page."""

import re

import pytest

from opsreview.cloudwatch.models import AlarmScope, MetricQuery
from tests.org.factories import TeamFactory, UserFactory

from .metric_forms import metric_form

pytestmark = pytest.mark.django_db


def _query(team, scope, label, position, **fields) -> MetricQuery:
    fields = {"namespace": "AWS/ApiGateway", "metric_name": "5XXError"} | fields
    return MetricQuery.objects.create(
        team=team, scope=scope, label=label, position=position, **fields
    )


@pytest.fixture
def errors(team, scope):
    return _query(team, scope, "Gateway errors", 0, dimensions={"ApiName": "BananaStand"})


def _edit_path(team, query) -> str:
    return f"/teams/{team.slug}/cloudwatch/metrics/{query.pk}/"


def _move(client, team, query, direction):
    return client.post(
        f"/teams/{team.slug}/cloudwatch/metrics/{query.pk}/move/", {"direction": direction}
    )


def _stored(query) -> tuple:
    row = MetricQuery.objects.get(pk=query.pk)
    fields = ("scope_id", "label", "namespace", "metric_name", "dimensions", "statistic")
    return tuple(getattr(row, name) for name in (*fields, "period_seconds", "position"))


def _listed_labels(client, team) -> list[str]:
    page = client.get(f"/teams/{team.slug}/cloudwatch/").text
    return re.findall(r'<li data-testid="metric-query">\s*<strong>([^<]*)</strong>', page)


def test_the_edit_form_is_filled_in_with_the_metric_as_the_add_form_takes_it(
    manager_client, team, scope
):
    query = _query(
        team, scope, "Gateway latency", 0, dimensions={"Stage": "prod", "ApiName": "BananaStand"}
    )
    response = manager_client.get(_edit_path(team, query))

    assert response.status_code == 200
    assert 'value="Gateway latency"' in response.text
    dimensions = re.search(
        r'<textarea name="metric-dimensions"[^>]*>(.*?)</textarea>', response.text, re.S
    )
    assert sorted(dimensions.group(1).split()) == ["ApiName=BananaStand", "Stage=prod"]
    assert f'<option value="{scope.pk}" selected>' in response.text


def test_the_manager_changes_a_metric_in_place(manager_client, team, scope, errors):
    second = AlarmScope.objects.create(team=team, region="eu-west-1", alarm_prefixes=["Peel"])
    changes = {
        "scope": second.pk,
        "label": "Gateway latency",
        "metric_name": "Latency",
        "dimensions": "ApiName = BananaStand\nStage=prod",
        "statistic": "p99",
        "period_seconds": 300,
    }

    response = manager_client.post(_edit_path(team, errors), metric_form(scope, **changes))

    assert response.status_code == 302
    assert response["Location"] == f"/teams/{team.slug}/cloudwatch/#metrics"
    assert MetricQuery.objects.count() == 1
    assert _stored(errors) == (
        second.pk,
        "Gateway latency",
        "AWS/ApiGateway",
        "Latency",
        {"ApiName": "BananaStand", "Stage": "prod"},
        "p99",
        300,
        0,
    )
    page = manager_client.get(response["Location"]).text
    assert "Saved the metric Gateway latency." in page
    assert "<strong>Gateway latency</strong>: AWS/ApiGateway Latency p99" in page


def test_editing_keeps_the_metrics_place_in_the_order(manager_client, team, scope, errors):
    latency = _query(team, scope, "Latency", 1)
    edited = manager_client.post(_edit_path(team, errors), metric_form(scope, label="Errors (5XX)"))

    assert edited.status_code == 302
    assert list(MetricQuery.objects.order_by("position").values_list("pk", flat=True)) == [
        errors.pk,
        latency.pk,
    ]
    assert _listed_labels(manager_client, team) == ["Errors (5XX)", "Latency"]


@pytest.mark.parametrize(
    "changes, message",
    [
        ({"dimensions": "ApiName"}, "Write each dimension as Name=Value, one a line: “ApiName”."),
        ({"statistic": "p42.5x"}, "Select a valid choice."),
        ({"period_seconds": 90}, "A period is whole minutes, from 60 to 86,400 seconds."),
        ({"label": ""}, "This field is required."),
    ],
)
def test_a_change_that_cannot_be_read_is_refused_and_nothing_is_saved(
    manager_client, team, scope, errors, changes, message
):
    before = _stored(errors)
    response = manager_client.post(
        _edit_path(team, errors), metric_form(scope, **{"label": "Renamed"} | changes)
    )

    assert response.status_code == 422
    assert message in response.text
    assert "<h1>Edit the metric Gateway errors</h1>" in response.text
    assert _stored(errors) == before
    assert MetricQuery.objects.count() == 1


def test_another_teams_scope_cannot_be_borrowed_by_an_edit(manager_client, team, scope, errors):
    elsewhere = AlarmScope.objects.create(
        team=TeamFactory(), region="eu-west-1", alarm_prefixes=["Other"]
    )
    before = _stored(errors)
    response = manager_client.post(_edit_path(team, errors), metric_form(elsewhere))

    assert response.status_code == 422
    assert "Select a valid choice." in response.text
    assert _stored(errors) == before


def test_a_metric_of_another_team_is_not_found_here(manager_client, team, scope):
    other = TeamFactory()
    other_scope = AlarmScope.objects.create(team=other, region="us-east-1", alarm_prefixes=["X"])
    theirs = _query(other, other_scope, "Theirs", 0)
    before = _stored(theirs)

    assert manager_client.get(_edit_path(team, theirs)).status_code == 404
    assert manager_client.post(_edit_path(team, theirs), metric_form(scope)).status_code == 404
    assert _move(manager_client, team, theirs, "down").status_code == 404
    assert _stored(theirs) == before


def test_only_the_manager_or_staff_edit_or_reorder_metrics(client, team, scope, errors):
    latency = _query(team, scope, "Latency", 1)
    member = UserFactory()
    team.members.add(member)
    client.force_login(member)
    before = _stored(errors)

    assert client.get(_edit_path(team, errors)).status_code == 403
    assert (
        client.post(_edit_path(team, errors), metric_form(scope, label="Mine")).status_code == 403
    )
    assert _move(client, team, errors, "down").status_code == 403
    assert _stored(errors) == before
    assert MetricQuery.objects.get(pk=latency.pk).position == 1

    client.force_login(UserFactory(is_staff=True))
    assert (
        client.post(_edit_path(team, errors), metric_form(scope, label="Staff's")).status_code
        == 302
    )
    assert MetricQuery.objects.get(pk=errors.pk).label == "Staff's"


def test_moving_a_metric_swaps_it_with_its_neighbour_and_the_page_follows(
    manager_client, team, scope, errors
):
    latency = _query(team, scope, "Latency", 1)
    count = _query(team, scope, "Requests", 2)
    assert _listed_labels(manager_client, team) == ["Gateway errors", "Latency", "Requests"]

    response = _move(manager_client, team, count, "up")

    assert response.status_code == 302
    assert response["Location"] == f"/teams/{team.slug}/cloudwatch/#metrics"
    positions = dict(MetricQuery.objects.values_list("pk", "position"))
    assert positions == {errors.pk: 0, count.pk: 1, latency.pk: 2}
    assert _listed_labels(manager_client, team) == ["Gateway errors", "Requests", "Latency"]

    assert _move(manager_client, team, errors, "down").status_code == 302
    assert _listed_labels(manager_client, team) == ["Requests", "Gateway errors", "Latency"]
    assert MetricQuery.objects.count() == 3


def test_at_either_end_a_move_changes_nothing(manager_client, team, scope, errors):
    latency = _query(team, scope, "Latency", 1)

    assert _move(manager_client, team, errors, "up").status_code == 302
    assert _move(manager_client, team, latency, "down").status_code == 302

    positions = dict(MetricQuery.objects.values_list("pk", "position"))
    assert positions == {errors.pk: 0, latency.pk: 1}
    page = manager_client.get(f"/teams/{team.slug}/cloudwatch/").text
    assert "The metric Latency is already last." in page


def test_moving_past_a_metric_added_after_removals_keeps_every_place_distinct(
    manager_client, team, scope
):
    """Positions left equal by removals (two metrics at 1) are numbered afresh by a move."""
    first = _query(team, scope, "First", 1)
    second = _query(team, scope, "Second", 1)
    third = _query(team, scope, "Third", 3)

    assert _move(manager_client, team, third, "up").status_code == 302

    assert list(MetricQuery.objects.order_by("position").values_list("pk", "position")) == [
        (first.pk, 0),
        (third.pk, 1),
        (second.pk, 2),
    ]


def test_a_move_in_no_direction_is_refused_with_a_message(manager_client, team, scope, errors):
    latency = _query(team, scope, "Latency", 1)
    for direction in ["sideways", ""]:
        response = _move(manager_client, team, latency, direction)
        assert response.status_code == 400
        assert response.text == "Move a metric up or down."
    assert dict(MetricQuery.objects.values_list("pk", "position")) == {errors.pk: 0, latency.pk: 1}


def test_each_metric_offers_edit_and_moves_named_for_it(manager_client, team, scope, errors):
    _query(team, scope, "Latency", 1)
    page = manager_client.get(f"/teams/{team.slug}/cloudwatch/").text

    assert (
        f'href="{_edit_path(team, errors)}">Edit<span class="visually-hidden"> Gateway errors'
        in page
    )
    down = 'name="direction" value="down" class="button-link">Move<span class="visually-hidden"> '
    assert down + "Gateway errors</span> down</button>" in page
    up = 'name="direction" value="up" class="button-link">Move<span class="visually-hidden"> '
    assert up + "Latency</span> up</button>" in page
    # Nothing to move past at the ends.
    assert up + "Gateway errors" not in page
    assert down + "Latency" not in page


def test_a_new_metric_goes_last_even_after_removals(manager_client, team, scope):
    """Positions 2 and 3 left by removals: a count (2) would put the new one between them."""
    kept = _query(team, scope, "Kept", 2)
    last = _query(team, scope, "Last", 3)

    added = manager_client.post(
        f"/teams/{team.slug}/cloudwatch/metrics/", metric_form(scope, label="Added")
    )

    assert added.status_code == 302
    assert _listed_labels(manager_client, team) == [kept.label, last.label, "Added"]
