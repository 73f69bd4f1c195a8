"""Statistics that keep personas honest: intervals, tests against the baseline, corrections.

Thin wrappers over statsmodels and scipy so every number in a persona comes from a well-known
method: Wilson intervals for rates, an exact one-sided binomial test of a segment's rate against
the baseline, Fisher's exact test for "does this extra condition lower the rate?", and Holm or
Benjamini–Hochberg adjustment across all candidates taken to confirmation.
"""

from __future__ import annotations

import numpy as np

# scipy.stats and statsmodels load on first use: importing them costs about a second, which
# every command (``negpersona --help``, ``score``) would otherwise pay.


def rate_interval(positives: int, records: int, alpha: float = 0.05) -> tuple[float, float]:
    """Wilson score interval of a rate (0–1 for an empty segment)."""
    if records <= 0:
        return (0.0, 1.0)
    from statsmodels.stats.proportion import proportion_confint

    low, high = proportion_confint(int(positives), int(records), alpha=alpha, method="wilson")
    return (float(max(low, 0.0)), float(min(high, 1.0)))


def below_baseline_p_value(positives: int, records: int, baseline: float) -> float:
    """One-sided exact binomial p-value for "this segment converts below ``baseline``"."""
    if records <= 0:
        return 1.0
    from scipy import stats

    return float(stats.binomtest(int(positives), int(records), baseline, alternative="less").pvalue)


def refinement_p_value(child: tuple[int, int], parent: tuple[int, int]) -> float:
    """Fisher's exact one-sided p-value that ``child`` (⊂ parent) converts below the rest of parent.

    Arguments are ``(records, positives)``. When the extra condition removes nobody, there is
    no evidence it matters and the p-value is 1.
    """
    child_n, child_pos = child
    rest_n, rest_pos = parent[0] - child_n, parent[1] - child_pos
    if rest_n <= 0:
        return 1.0
    table = [[child_pos, child_n - child_pos], [rest_pos, rest_n - rest_pos]]
    from scipy import stats

    return float(stats.fisher_exact(table, alternative="less").pvalue)


def refinement_p_values(children: np.ndarray, parents: np.ndarray) -> np.ndarray:
    """Vectorized :func:`refinement_p_value` for rows of ``(records, positives)``.

    Fisher's one-sided p-value is the hypergeometric probability of at most the child's fits
    when the parent's fits fall at random between the child and the rest of the parent.
    """
    child_n, child_pos = children[:, 0], children[:, 1]
    parent_n, parent_pos = parents[:, 0], parents[:, 1]
    from scipy import stats

    p_values = stats.hypergeom.cdf(child_pos, parent_n, parent_pos, child_n)
    return np.where(parent_n > child_n, p_values, 1.0)


def adjust(p_values: list[float] | np.ndarray, method: str = "holm") -> list[float]:
    """Adjusted p-values across a family of tests (Holm or Benjamini–Hochberg).

    The same numbers as statsmodels' ``multipletests`` (tested against it), in a few lines of
    NumPy: ``multipletests`` runs a full garbage collection on every call (about 0.1 s), and persona
    cards adjust dozens of small families.
    """
    p = np.clip(np.asarray(p_values, dtype=np.float64), 0.0, 1.0)
    m = p.size
    if m == 0:
        return []
    order = np.argsort(p, kind="stable")
    ranked = p[order]
    if method == "holm":  # step-down: (m - i) × p_(i), made monotone
        adjusted = np.maximum.accumulate((m - np.arange(m)) * ranked)
    elif method == "fdr_bh":  # step-up: min over j ≥ i of m / j × p_(j)
        adjusted = np.minimum.accumulate((m / np.arange(m, 0, -1)) * ranked[::-1])[::-1]
    else:
        raise ValueError(f"unknown correction {method!r}; use holm or fdr_bh")
    result = np.empty(m)
    result[order] = np.minimum(adjusted, 1.0)
    return [float(value) for value in result]


def exact_interval(positives: int, records: int, alpha: float = 0.05) -> tuple[float, float]:
    """Clopper–Pearson ("exact") interval of a rate: never narrower than the coverage it claims,
    which matters for the small exploration holdout (0–1 without records)."""
    if records <= 0:
        return (0.0, 1.0)
    from statsmodels.stats.proportion import proportion_confint

    low, high = proportion_confint(int(positives), int(records), alpha=alpha, method="beta")
    return (float(max(low, 0.0)), float(min(high, 1.0)))


def below_rate_p_value(positives: int, records: int, rate: float) -> float:
    """One-sided exact binomial p-value for "this group converts below ``rate``"
    (1.0 without records or for a rate of 0, which nothing can be below)."""
    if records <= 0 or rate <= 0:
        return 1.0
    if rate >= 1:
        return 0.0 if positives < records else 1.0
    return below_baseline_p_value(positives, records, rate)


def rose_p_value(now: tuple[int, int], before: tuple[int, int]) -> float:
    """Fisher's exact one-sided p-value that the rate ``now`` is above the rate ``before``.

    Arguments are ``(records, positives)`` of two independent groups (a persona's members in a
    new batch and its held-out members at discovery). Comparing with the earlier *counts*, not
    with the earlier rate as if it were exact, keeps false alarms at ``alpha`` when nothing
    changed.
    """
    now_n, now_pos = now
    before_n, before_pos = before
    if now_n <= 0 or before_n <= 0:
        return 1.0
    from scipy import stats

    table = [[now_pos, now_n - now_pos], [before_pos, before_n - before_pos]]
    return float(stats.fisher_exact(table, alternative="greater").pvalue)


def share_shift_p_value(now: tuple[int, int], before: tuple[int, int]) -> float:
    """Two-sided p-value that a group's share of all records changed (two-proportion z-test).

    Arguments are ``(members, records)``; 1.0 when either side has no records or the shares
    cannot differ (0 or 100% on both sides).
    """
    (now_k, now_n), (before_k, before_n) = now, before
    if now_n <= 0 or before_n <= 0:
        return 1.0
    pooled = (now_k + before_k) / (now_n + before_n)
    if pooled in (0.0, 1.0):
        return 1.0
    from statsmodels.stats.proportion import proportions_ztest

    _, p_value = proportions_ztest([now_k, before_k], [now_n, before_n])
    return float(p_value)
