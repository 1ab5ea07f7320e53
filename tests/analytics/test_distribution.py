"""analytics.distribution: quantiles of a histogram agree with the standard library's on the raw
observations (linear interpolation between closest ranks)."""

from __future__ import annotations

import random
import statistics
from collections import Counter

import pytest

from analytics.distribution import describe, quantile


@pytest.mark.parametrize("seed", range(20))
def test_quantiles_of_a_histogram_are_those_of_its_observations(seed):
    rng = random.Random(seed)
    raw = [rng.choice([rng.randint(-3, 90), rng.randint(20, 40)]) for _ in range(rng.randint(2, 400))]
    histogram = Counter(raw)
    deciles = statistics.quantiles(raw, n=10, method="inclusive")
    assert quantile(histogram, 0.5) == statistics.median(raw)
    assert quantile(histogram, 0.9) == pytest.approx(deciles[8])
    assert quantile(histogram, 0.1) == pytest.approx(deciles[0])
    assert (quantile(histogram, 0), quantile(histogram, 1)) == (min(raw), max(raw))


def test_edge_cases():
    assert describe({}) == {"n": 0, "mean": None, "min": None, "median": None, "p90": None, "max": None}
    assert describe({28: 1}) == {"n": 1, "mean": 28, "min": 28, "median": 28, "p90": 28, "max": 28}
    # An even count: the median is the mean of the two middle values; zero counts are no observations.
    assert quantile({10: 1, 20: 1, 99: 0}, 0.5) == 15
    assert describe({10: 1, 20: 1, 99: 0})["max"] == 20
    with pytest.raises(ValueError):
        quantile({1: 1}, 1.5)
