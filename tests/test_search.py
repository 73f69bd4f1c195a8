"""The exact top-k search against brute-force enumeration written here (the oracle)."""

from __future__ import annotations

import itertools

import numpy as np
import pytest

from negpersona.search.bitsets import WeightedBitsets
from negpersona.search.measures import NetSavings, RateGain, WRAcc
from negpersona.search.topk import top_k


def _random_problem(seed: int):
    rng = np.random.default_rng(seed)
    rows = 400
    features = 5
    codes = rng.integers(0, 4, size=(rows, features))
    count = rng.integers(1, 20, size=rows)
    rate = 0.15 + 0.1 * (codes[:, 0] == 1) - 0.12 * ((codes[:, 1] == 2) & (codes[:, 2] < 2))
    positives = rng.binomial(count, np.clip(rate, 0.01, 0.99))
    # selectors: per feature "= v" for each value and "< 2"
    selectors = []
    for f in range(features):
        for v in range(4):
            selectors.append((f, codes[:, f] == v))
        selectors.append((f, codes[:, f] < 2))
    return codes, count, positives, selectors


def _brute_force(count, positives, selectors, measure, depth, min_records, k, accept=None):
    channels = np.column_stack([count, positives])
    scored = []
    for size in range(1, depth + 1):
        for combo in itertools.combinations(range(len(selectors)), size):
            feats = [selectors[i][0] for i in combo]
            if len(set(feats)) < size:
                continue
            mask = np.logical_and.reduce([selectors[i][1] for i in combo])
            sums = channels[mask].sum(0)
            if sums[0] < min_records:
                continue
            if accept is not None and not accept(sums[None, :])[0]:
                continue
            scored.append((float(measure.evaluate(sums)), combo))
    scored.sort(key=lambda item: -item[0])
    return scored[:k]


@pytest.mark.parametrize("seed", range(4))
@pytest.mark.parametrize("depth", [1, 2, 3])
def test_top_k_equals_brute_force(seed: int, depth: int) -> None:
    codes, count, positives, selectors = _random_problem(seed)
    index = WeightedBitsets([mask for _, mask in selectors], np.column_stack([count, positives]))
    measure = WRAcc(int(count.sum()), int(positives.sum()))
    features = np.array([f for f, _ in selectors])
    found = top_k(index, features, measure, depth=depth, min_records=60, k=15)
    expected = _brute_force(count, positives, selectors, measure, depth, 60, 15)
    assert [round(item.quality, 12) for item in found] == [round(q, 12) for q, _ in expected]
    boundary = expected[-1][0]
    strictly_better = {combo for q, combo in expected if q > boundary + 1e-12}
    assert strictly_better <= {item.selectors for item in found}


@pytest.mark.parametrize("seed", range(3))
def test_top_k_with_filter_and_business_measure(seed: int) -> None:
    codes, count, positives, selectors = _random_problem(seed)
    index = WeightedBitsets([mask for _, mask in selectors], np.column_stack([count, positives]))
    measure = NetSavings(cost_per_record=2.0, value_per_conversion=30.0)
    features = np.array([f for f, _ in selectors])
    baseline = positives.sum() / count.sum()

    def negative(sums):
        return sums[:, 1] <= 0.5 * baseline * sums[:, 0]

    found = top_k(index, features, measure, depth=3, min_records=40, k=10, accept=negative)
    expected = _brute_force(count, positives, selectors, measure, 3, 40, 10, negative)
    assert [round(item.quality, 9) for item in found] == [round(q, 9) for q, _ in expected]
    assert all(item.sums[1] <= 0.5 * baseline * item.sums[0] for item in found)


def test_unsorted_selectors_are_refused() -> None:
    index = WeightedBitsets([np.array([True]), np.array([True])], np.array([[1, 0]]))
    with pytest.raises(ValueError, match="sorted"):
        top_k(index, np.array([1, 0]), WRAcc(1, 0), depth=1, min_records=1, k=1)


@pytest.mark.parametrize("seed", range(3))
@pytest.mark.parametrize(("ratio", "exponent"), [(0.25, 1.0), (0.5, 1.0), (1.0, 0.5)])
def test_top_k_with_rate_gains_equals_brute_force(seed: int, ratio: float, exponent: float) -> None:
    """The candidate pool's measures (issue 9) keep the search exact: their optimistic
    estimates never cut a branch that holds a top-k segment."""
    codes, count, positives, selectors = _random_problem(seed)
    index = WeightedBitsets([mask for _, mask in selectors], np.column_stack([count, positives]))
    measure = RateGain(int(count.sum()), int(positives.sum()), ratio=ratio, exponent=exponent)
    features = np.array([f for f, _ in selectors])
    found = top_k(index, features, measure, depth=3, min_records=50, k=12)
    expected = _brute_force(count, positives, selectors, measure, 3, 50, 12)
    assert [round(item.quality, 12) for item in found] == [round(q, 12) for q, _ in expected]


@pytest.mark.parametrize("seed", range(3))
def test_top_k_within_a_subset_of_rows_equals_brute_force_on_that_subset(seed: int) -> None:
    """``root`` (the records not yet covered, for the selection's refills) searches exactly as
    if only those rows existed."""
    codes, count, positives, selectors = _random_problem(seed)
    index = WeightedBitsets([mask for _, mask in selectors], np.column_stack([count, positives]))
    keep = codes[:, 3] != 0  # the rows outside some chosen segment
    measure = RateGain(int(count.sum()), int(positives.sum()), ratio=0.5)
    features = np.array([f for f, _ in selectors])
    found = top_k(index, features, measure, depth=2, min_records=40, k=10, root=index.pack(keep))
    subset = [(f, mask[keep]) for f, mask in selectors]
    expected = _brute_force(count[keep], positives[keep], subset, measure, 2, 40, 10)
    assert [round(item.quality, 12) for item in found] == [round(q, 12) for q, _ in expected]
