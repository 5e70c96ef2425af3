"""A metric's optional line (its alarm's threshold, say): typed on the team's CloudWatch page,
refused when it is not a number a chart can place, and listed with the metric."""

import pytest

from opsreview.cloudwatch.forms import MetricQueryForm
from opsreview.cloudwatch.models import MetricQuery

from .metric_forms import metric_form

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("typed, kept", [("", None), ("5", 5.0), ("-0.25", -0.25), ("1e6", 1e6)])
def test_a_line_is_optional_and_any_plain_number(team, scope, typed, kept):
    form = MetricQueryForm(metric_form(scope, threshold=typed), team=team, prefix="metric")
    assert form.is_valid(), form.errors
    assert form.cleaned_data["threshold"] == kept


@pytest.mark.parametrize("typed", ["ten", "nan", "inf", "-inf", "1e400", "2e15", "[[[["])
def test_a_line_that_is_not_a_placeable_number_is_refused(team, scope, typed):
    form = MetricQueryForm(metric_form(scope, threshold=typed), team=team, prefix="metric")
    assert not form.is_valid()
    assert list(form.errors) == ["threshold"]


def test_the_team_page_adds_a_metric_with_its_line_and_lists_it(manager_client, team, scope):
    url = f"/teams/{team.slug}/cloudwatch/metrics/"
    response = manager_client.post(url, metric_form(scope, threshold="12.5"))

    assert response.status_code == 302
    assert MetricQuery.objects.get(team=team).threshold == 12.5
    page = manager_client.get(f"/teams/{team.slug}/cloudwatch/").content.decode()
    assert "every 3600 s · line at 12.5" in page


def test_a_refused_line_saves_nothing_and_says_why(manager_client, team, scope):
    url = f"/teams/{team.slug}/cloudwatch/metrics/"
    response = manager_client.post(url, metric_form(scope, threshold="2e15"))

    assert response.status_code == 422
    assert "Give a number from -1,000,000,000,000,000 to 1,000,000,000,000,000." in (
        response.content.decode()
    )
    assert not MetricQuery.objects.exists()
