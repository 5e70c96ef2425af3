"""A team with a scope and its manager signed in: what the metric query pages start from."""

import pytest

from opsreview.cloudwatch.models import AlarmScope
from tests.org.factories import TeamFactory


@pytest.fixture
def team():
    return TeamFactory(name="API Gateway Front Door", slug="front-door")


@pytest.fixture
def scope(team):
    return AlarmScope.objects.create(team=team, region="us-east-1", alarm_prefixes=["Banana"])


@pytest.fixture
def manager_client(client, team):
    client.force_login(team.manager)
    return client
