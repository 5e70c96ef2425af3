"""The selection algorithm on its own: plain weights in, plain weights out."""

import math
import random

import pytest

from wheel import selection

SEED = 20261126
DRAWS = 100_000
# Chi-square critical values at alpha = 0.001, by degrees of freedom.
CHI_SQUARE_CRITICAL_0_001 = {1: 10.828, 2: 13.816, 3: 16.266, 4: 18.467, 5: 20.515, 6: 22.458}


def assert_sums_to_n(weights):
    assert math.fsum(weights) == pytest.approx(len(weights), abs=1e-9)


# suggest


def test_probability_is_weight_over_total():
    assert selection.probabilities([1, 3, 0, 4]) == [0.125, 0.375, 0.0, 0.5]


def test_probabilities_are_uniform_when_every_weight_is_zero():
    assert selection.probabilities([0, 0, 0, 0]) == [0.25] * 4


def test_suggest_draws_in_proportion_to_weight_over_many_seeded_draws():
    weights = [0.5, 1.0, 1.5, 2.0, 0.0, 3.0]
    rng = random.Random(SEED)
    counts = [0] * len(weights)
    for _ in range(DRAWS):
        counts[selection.suggest(weights, rng)] += 1

    expected = [p * DRAWS for p in selection.probabilities(weights)]
    assert counts[4] == 0, "a participant at weight 0 never comes up"
    positive = [(c, e) for c, e in zip(counts, expected, strict=True) if e > 0]
    chi_square = sum((c - e) ** 2 / e for c, e in positive)
    assert chi_square < CHI_SQUARE_CRITICAL_0_001[len(positive) - 1]
    for count, p in zip(counts, selection.probabilities(weights), strict=True):
        sigma = math.sqrt(DRAWS * p * (1 - p))
        assert abs(count - p * DRAWS) <= 4 * sigma


def test_suggest_is_uniform_when_every_weight_is_zero():
    rng = random.Random(SEED)
    counts = [0, 0, 0]
    for _ in range(30_000):
        counts[selection.suggest([0, 0, 0], rng)] += 1
    for count in counts:
        assert abs(count - 10_000) <= 4 * math.sqrt(30_000 * (1 / 3) * (2 / 3))


def test_suggest_changes_no_weight():
    weights = [0.5, 2.5, 1.0]
    selection.suggest(weights, random.Random(SEED))
    assert weights == [0.5, 2.5, 1.0]


def test_suggest_lands_on_the_last_slice_when_the_draw_is_at_the_very_top():
    class TopOfTheRange(random.Random):
        def random(self):
            return 1 - 1e-17

    assert selection.suggest([1.0, 1.0, 0.0], TopOfTheRange()) == 1


def test_an_empty_wheel_cannot_suggest():
    with pytest.raises(ValueError):
        selection.suggest([], random.Random(SEED))


@pytest.mark.parametrize("bad", [-0.1, float("nan"), float("inf")])
def test_weights_are_finite_and_not_negative(bad):
    with pytest.raises(ValueError):
        selection.probabilities([1.0, bad])


# select


def test_select_zeroes_the_chosen_and_shares_its_weight_equally():
    assert selection.select([1, 1, 1, 1], 0) == pytest.approx([0, 4 / 3, 4 / 3, 4 / 3])
    # Already summing to N, so sharing is all there is: 4/3 split three ways onto the others.
    assert selection.select([0, 4 / 3, 4 / 3, 4 / 3], 1) == pytest.approx(
        [4 / 9, 0, 16 / 9, 16 / 9]
    )


def test_select_scales_to_n_after_weights_were_set_by_hand():
    weights = selection.select([2.0, 6.0, 0.0, 2.0], 1)
    assert weights[1] == 0
    assert_sums_to_n(weights)
    # Shared 6/3 = 2 each first: [4, 0, 2, 4], then scaled by 4/10.
    assert weights == pytest.approx([1.6, 0, 0.8, 1.6])


def test_select_with_one_participant_changes_nothing():
    assert selection.select([1.0], 0) == [1.0]


def test_select_on_an_all_zero_wheel_starts_from_equal_weights():
    weights = selection.select([0.0, 0.0, 0.0], 2)
    assert weights == pytest.approx([1.5, 1.5, 0.0])


@pytest.mark.parametrize("seed", range(20))
def test_select_keeps_the_sum_at_n_for_any_weights(seed):
    rng = random.Random(seed)
    weights = [rng.choice([0.0, rng.uniform(0, 5)]) for _ in range(rng.randint(2, 12))]
    chosen = rng.randrange(len(weights))
    after = selection.select(weights, chosen)
    assert after[chosen] == 0
    assert_sums_to_n(after)


def test_nobody_is_chosen_twice_in_a_row_over_many_spin_and_select_rounds():
    rng = random.Random(SEED)
    weights = selection.reset(7)
    previous = None
    chosen_counts = [0] * 7
    for _ in range(20_000):
        chosen = selection.suggest(weights, rng)
        assert chosen != previous
        weights = selection.select(weights, chosen)
        assert_sums_to_n(weights)
        chosen_counts[chosen] += 1
        previous = chosen
    # Fair in the long run too: everyone gets about a seventh of the turns.
    for count in chosen_counts:
        assert abs(count / 20_000 - 1 / 7) < 0.01


# add, remove, reset


def test_remove_rescales_the_others_so_the_sum_is_the_new_n():
    weights = selection.remove([0.0, 2.0, 1.0, 1.0], 1)
    assert weights == pytest.approx([0.0, 1.5, 1.5])
    assert_sums_to_n(weights)


def test_remove_keeps_the_others_proportions():
    before = [0.4, 0.0, 1.2, 2.4]
    after = selection.remove(before, 0)
    assert after[1] / after[2] == pytest.approx(before[2] / before[3])
    assert_sums_to_n(after)


def test_removing_the_only_one_with_any_weight_puts_the_others_back_to_one():
    assert selection.remove([0.0, 3.0, 0.0], 1) == [1.0, 1.0]


def test_removing_the_last_participant_leaves_an_empty_wheel():
    assert selection.remove([1.0], 0) == []


def test_reset_puts_everyone_at_weight_one():
    assert selection.reset(4) == [1.0, 1.0, 1.0, 1.0]
    assert_sums_to_n(selection.reset(4))


@pytest.mark.parametrize("seed", range(10))
def test_any_mix_of_adds_selects_and_removes_keeps_the_sum_at_n(seed):
    rng = random.Random(seed)
    weights = selection.reset(3)
    for _ in range(300):
        move = rng.random()
        if move < 0.2:
            weights = [*weights, selection.NEW_PARTICIPANT_WEIGHT]
        elif move < 0.35 and len(weights) > 1:
            weights = selection.remove(weights, rng.randrange(len(weights)))
        else:
            weights = selection.select(weights, selection.suggest(weights, rng))
        assert_sums_to_n(weights)
