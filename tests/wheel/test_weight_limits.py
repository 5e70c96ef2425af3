"""Weights stay between 0 and a million: refused above it with a message, never a 500, and
weights stored before the cap existed can neither break the page nor a choice."""

import math

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from tests.org.factories import UserFactory
from wheel import selection, services
from wheel.models import LogEntry, Participant

from .factories import SpinFactory, wheel_with_teams

pytestmark = pytest.mark.django_db

HTMX = {"HTTP_HX_REQUEST": "true"}
UNPROCESSABLE = 422
TOO_HEAVY = "A weight can be at most 1,000,000."
NOT_A_NUMBER = "Enter a number, like 1 or 0.5."


@pytest.fixture
def admin(client):
    user = UserFactory(is_staff=True)
    client.force_login(user)
    return user


@pytest.fixture
def wheel():
    return wheel_with_teams(3, name="Ops meeting", slug="ops")


def _weights(wheel) -> list[float]:
    return list(wheel.participants.order_by("pk").values_list("weight", flat=True))


def _post_weight(client, participant, weight, **headers):
    path = f"/wheel/{participant.wheel.slug}/participants/{participant.pk}/"
    return client.post(path, {f"p{participant.pk}-weight": weight}, **headers)


def test_the_cap_is_a_million():
    assert selection.MAX_WEIGHT == 1_000_000


@pytest.mark.parametrize(
    ("weight", "message"),
    [
        ("1e308", TOO_HEAVY),
        ("1000000.5", TOO_HEAVY),
        ("1e309", NOT_A_NUMBER),
        ("inf", NOT_A_NUMBER),
        ("-inf", NOT_A_NUMBER),
        ("nan", NOT_A_NUMBER),
        ("-1e308", "A weight cannot be negative."),
    ],
)
@pytest.mark.parametrize("headers", [{}, HTMX], ids=["page", "htmx"])
def test_a_weight_outside_zero_to_a_million_is_refused_with_a_message(
    client, admin, wheel, weight, message, headers
):
    participant = wheel.participants.first()
    log_before = LogEntry.objects.count()

    response = _post_weight(client, participant, weight, **headers)

    assert response.status_code == UNPROCESSABLE
    assert message in response.text
    assert _weights(wheel) == [1.0, 1.0, 1.0]
    assert LogEntry.objects.count() == log_before


def test_a_weight_of_exactly_a_million_is_kept(client, admin, wheel):
    participant = wheel.participants.first()

    response = _post_weight(client, participant, "1000000")

    assert response.status_code == 302
    assert _weights(wheel) == [1_000_000.0, 1.0, 1.0]


def test_two_refused_weights_of_1e308_leave_the_page_and_choosing_working(client, admin, wheel):
    first, second, _ = wheel.participants.order_by("pk")
    _post_weight(client, first, "1e308")
    _post_weight(client, second, "1e308")
    spin = SpinFactory(participant=first, spun_by=admin)

    page = client.get("/wheel/ops/")
    response = client.post(f"/wheel/ops/spins/{spin.pk}/choose/")

    assert page.status_code == 200
    assert page.text.count('data-testid="chance">33.3%<') == 3
    assert response.status_code == 302
    spin.refresh_from_db()
    assert spin.chosen_by == admin
    assert math.fsum(_weights(wheel)) == pytest.approx(3)


@pytest.mark.parametrize("weight", [1e308, 1_000_001, math.inf, math.nan, -1e-9])
def test_participant_update_refuses_a_weight_outside_the_cap_whoever_calls_it(admin, wheel, weight):
    participant = wheel.participants.first()

    with pytest.raises(ValidationError) as refused:
        services.participant_update(participant=participant, actor=admin, weight=weight)

    assert "weight" in refused.value.message_dict
    assert _weights(wheel) == [1.0, 1.0, 1.0]


@pytest.mark.parametrize("weight", [1_000_000.5, 1e308, math.inf])
def test_the_database_refuses_a_weight_above_the_cap(wheel, weight):
    with pytest.raises(IntegrityError), transaction.atomic():
        Participant.objects.filter(wheel=wheel).update(weight=weight)


# Weights stored before the cap


def test_huge_weights_keep_their_proportions_and_finite_odds():
    assert selection.probabilities([1e308, 1e308, 1e308]) == pytest.approx([1 / 3] * 3)
    assert selection.probabilities([1e308, 0.0]) == [1.0, 0.0]


def test_choosing_among_huge_weights_brings_them_back_to_a_sum_of_n():
    after = selection.select([1e308, 1e308, 1.0], 0)

    assert after[0] == 0
    assert all(math.isfinite(weight) for weight in after)
    assert math.fsum(after) == pytest.approx(3)


def test_removing_one_of_several_huge_weights_keeps_the_sum_at_the_new_n():
    after = selection.remove([1e308, 1e308, 1e308], 1)

    assert after == pytest.approx([1.0, 1.0])
