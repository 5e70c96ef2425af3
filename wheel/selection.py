"""The wheel's selection algorithm, after AWS's open-source ops wheel. Pure: weights in and out.

Weights are floats from 0 to MAX_WEIGHT, one per participant, in a fixed order. Every operation that
changes the set of weights (select, remove, reset) leaves them summing to N, the number of
participants, so a newcomer at weight 1 starts on equal terms with everyone who has not been
picked lately.
"""

import math
import random
from collections.abc import Sequence

NEW_PARTICIPANT_WEIGHT = 1.0
# The heaviest weight anyone may set: far beyond any fair use, far below a float's overflow.
MAX_WEIGHT = 1_000_000.0


def _checked(weights: Sequence[float]) -> list[float]:
    """Finite, non-negative weights, scaled down to the cap if any is above it (kept from
    before the cap): the proportions stay and every sum stays finite."""
    values = [float(w) for w in weights]
    for value in values:
        if not math.isfinite(value) or value < 0:
            raise ValueError(f"Weights are finite and non-negative; got {value!r}.")
    heaviest = max(values, default=0.0)
    if heaviest > MAX_WEIGHT:
        values = [value / heaviest * MAX_WEIGHT for value in values]
    return values


def _uniform_if_all_zero(weights: list[float]) -> list[float]:
    return weights if math.fsum(weights) > 0 else [1.0] * len(weights)


def probabilities(weights: Sequence[float]) -> list[float]:
    """P(i) = wᵢ / Σw; uniform when every weight is 0; empty for an empty wheel."""
    values = _uniform_if_all_zero(_checked(weights))
    total = math.fsum(values)
    return [value / total for value in values]


def suggest(weights: Sequence[float], rng: random.Random) -> int:
    """The index of a participant drawn with P(i) = wᵢ / Σw (a cumulative draw). Changes nothing."""
    values = _uniform_if_all_zero(_checked(weights))
    if not values:
        raise ValueError("An empty wheel cannot suggest anyone.")
    draw = rng.random() * math.fsum(values)
    cumulative = 0.0
    for index, value in enumerate(values):
        cumulative += value
        if value > 0 and draw < cumulative:
            return index
    # Rounding can leave the draw a hair above the last cumulative sum: that is the last slice.
    return max(index for index, value in enumerate(values) if value > 0)


def normalised(weights: Sequence[float]) -> list[float]:
    """The same proportions, scaled so Σw = N; all ones if every weight is 0."""
    values = _uniform_if_all_zero(_checked(weights))
    total = math.fsum(values)
    return [value * len(values) / total for value in values]


def select(weights: Sequence[float], chosen: int) -> list[float]:
    """Commit a choice: the chosen weight goes to 0 and is shared equally among the others,
    then all are scaled so Σw = N. With one participant nothing changes."""
    values = _uniform_if_all_zero(_checked(weights))
    if not 0 <= chosen < len(values):
        raise IndexError(f"No participant {chosen} on a wheel of {len(values)}.")
    if len(values) == 1:
        return values
    share = values[chosen] / (len(values) - 1)
    shared = [0.0 if index == chosen else value + share for index, value in enumerate(values)]
    return normalised(shared)


def remove(weights: Sequence[float], removed: int) -> list[float]:
    """Weights of the others once one participant leaves, rescaled so they sum to the new N."""
    values = _checked(weights)
    if not 0 <= removed < len(values):
        raise IndexError(f"No participant {removed} on a wheel of {len(values)}.")
    return normalised(values[:removed] + values[removed + 1 :])


def reset(count: int) -> list[float]:
    """Everyone back to weight 1."""
    return [NEW_PARTICIPANT_WEIGHT] * count
