import io
import math

import pytest
from django.core.management import call_command

from opsreview.org.models import Team
from wheel.demo import WHEEL_SLUG, seed_wheel
from wheel.models import Participant, Wheel

pytestmark = pytest.mark.django_db


@pytest.fixture
def demo_teams():
    call_command("seed_demo", stdout=io.StringIO())
    return {team.slug: team for team in Team.objects.all()}


def test_the_demo_wheel_has_every_bananastand_team(demo_teams):
    wheel = seed_wheel(demo_teams)
    assert wheel.name == "BananaStand teams"
    assert wheel.slug == WHEEL_SLUG
    assert {p.team.slug for p in wheel.participants.all()} == set(demo_teams)


def test_the_demo_wheel_remembers_last_weeks_pick_with_consistent_weights(demo_teams):
    wheel = seed_wheel(demo_teams)
    storage = wheel.participants.get(team__slug="banana-storage")
    assert (storage.weight, storage.selection_count) == (0, 1)
    assert wheel.spins.get().chosen_at == storage.last_selected_at
    weights = wheel.participants.values_list("weight", flat=True)
    assert math.fsum(weights) == pytest.approx(len(weights), abs=1e-9)


def test_seeding_the_wheel_again_leaves_it_and_edits_to_it_alone(demo_teams):
    seed_wheel(demo_teams)
    before = list(Participant.objects.order_by("pk").values())
    Participant.objects.filter(team__slug="front-door").delete()
    seed_wheel(demo_teams)
    assert Wheel.objects.count() == 1
    assert Participant.objects.count() == len(before) - 1
