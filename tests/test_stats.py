"""Statistics helpers against the library functions they stand for."""

from __future__ import annotations

import numpy as np
import pytest
from scipy import stats as scipy_stats

from negpersona.stats import (
    adjust,
    below_baseline_p_value,
    rate_interval,
    refinement_p_value,
    refinement_p_values,
)


def test_vectorized_refinement_p_values_equal_fisher_exact() -> None:
    rng = np.random.default_rng(0)
    children, parents, expected = [], [], []
    for _ in range(300):
        parent_n = int(rng.integers(2, 3000))
        parent_pos = int(rng.integers(0, parent_n + 1))
        child_n = int(rng.integers(1, parent_n + 1))
        low, high = max(0, parent_pos - (parent_n - child_n)), min(parent_pos, child_n)
        child_pos = int(rng.integers(low, high + 1))
        children.append((child_n, child_pos))
        parents.append((parent_n, parent_pos))
        table = [
            [child_pos, child_n - child_pos],
            [parent_pos - child_pos, parent_n - child_n - (parent_pos - child_pos)],
        ]
        expected.append(
            1.0
            if child_n == parent_n
            else scipy_stats.fisher_exact(table, alternative="less").pvalue
        )
    got = refinement_p_values(np.array(children), np.array(parents))
    assert np.allclose(got, expected, rtol=1e-9, atol=1e-12)
    assert refinement_p_value(children[0], parents[0]) == pytest.approx(expected[0])


def test_interval_and_tests_match_their_definitions() -> None:
    low, high = rate_interval(5, 100)
    assert low < 0.05 < high
    assert rate_interval(0, 0) == (0.0, 1.0)
    p = below_baseline_p_value(2, 200, 0.1)
    assert p == pytest.approx(scipy_stats.binom.cdf(2, 200, 0.1))
    assert below_baseline_p_value(20, 200, 0.1) > 0.5
    holm = adjust([0.01, 0.02, 0.5])
    assert holm == pytest.approx([0.03, 0.04, 0.5])


@pytest.mark.parametrize("method", ["holm", "fdr_bh"])
def test_adjust_matches_statsmodels(method) -> None:
    from statsmodels.stats.multitest import multipletests

    rng = np.random.default_rng(11)
    for size in (1, 2, 7, 50, 500):
        p = rng.random(size) ** 3  # many small p-values, some ties below
        p[: size // 5] = p[0]
        expected = multipletests(p, method=method)[1]
        assert adjust(p, method) == pytest.approx(expected, abs=1e-12)
    with pytest.raises(ValueError):
        adjust([0.1], "bonferonni")
