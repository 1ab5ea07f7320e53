"""Exact order statistics of a distribution given as a histogram {value: count}: pure Python.

The engines count days from assignment to decision per distinct day (an exact histogram, not a
percentile sketch), and the quantiles are read from it here. The definition is the common one
(linear interpolation between the closest ranks: numpy's default, R's type 7, Excel's
PERCENTILE.INC, `statistics.quantiles(method="inclusive")`), so the median of an even count is
the mean of the two middle values, as `statistics.median` gives.
"""

from __future__ import annotations

import math
from typing import Mapping


def _ordered(histogram: Mapping[int, int]) -> list[tuple[int, int]]:
    return sorted((int(v), int(c)) for v, c in histogram.items() if c > 0)


def _kth(ordered: list[tuple[int, int]], k: int) -> int:
    """The k-th smallest observation (0-based)."""
    seen = 0
    for value, count in ordered:
        seen += count
        if k < seen:
            return value
    raise IndexError(k)


def quantile(histogram: Mapping[int, int], p: float) -> float | None:
    """The p-quantile (0 <= p <= 1) of the observations, None when there are none."""
    if not 0 <= p <= 1:
        raise ValueError(f"quantile {p} outside [0, 1]")
    ordered = _ordered(histogram)
    n = sum(c for _, c in ordered)
    if not n:
        return None
    position = (n - 1) * p
    below = math.floor(position)
    low = _kth(ordered, below)
    fraction = position - below
    if not fraction:
        return float(low)
    return low + fraction * (_kth(ordered, below + 1) - low)


def describe(histogram: Mapping[int, int]) -> dict:
    """n, mean, min, median, 90th percentile and max (None for an empty distribution)."""
    ordered = _ordered(histogram)
    n = sum(c for _, c in ordered)
    if not n:
        return {"n": 0, "mean": None, "min": None, "median": None, "p90": None, "max": None}
    return {
        "n": n,
        "mean": sum(v * c for v, c in ordered) / n,
        "min": ordered[0][0],
        "median": quantile(histogram, 0.5),
        "p90": quantile(histogram, 0.9),
        "max": ordered[-1][0],
    }
