"""Helpers and constants the demo tables share: label lookup, row-wise sampling, text dtype,
float days, and the time-to-convert model (the deal table clips sales cycles to its maximum)."""

from __future__ import annotations

import numpy as np
import pandas as pd

# pandas 3 has a dedicated string dtype ("str", missing as NaN); pandas 2 keeps text in
# object columns. Setting it explicitly keeps dtypes stable even for tiny or all-missing
# columns, where inference would otherwise fall back to object.
_STR_DTYPE: str | type = "str" if int(pd.__version__.split(".")[0]) >= 3 else object


# Maturity: time to convert is lognormal (median 25 days, 90% within ~75 days), and the
# outcome of leads younger than _IMMATURE_DAYS at the data end is not recorded yet.
_IMMATURE_DAYS = 60
_TTC_MEDIAN_DAYS = 25.0
_TTC_SIGMA = 0.857  # log(75 / 25) / z_0.9
_TTC_MIN_DAYS = 1.0
_TTC_MAX_DAYS = 365.0


def _index(labels: np.ndarray, label: str) -> int:
    """Position of ``label`` in a vocabulary, so effects refer to labels, not magic numbers."""
    return int(np.flatnonzero(labels == label)[0])


def _sample_rows(rng: np.random.Generator, probs: np.ndarray) -> np.ndarray:
    """Draw one category index per row from a per-row probability matrix (n x k).

    Vectorized inverse-CDF sampling: one uniform per row, compared with the row's
    cumulative probabilities. Used wherever the mix depends on earlier columns.
    """
    cum = np.cumsum(probs / probs.sum(axis=1, keepdims=True), axis=1)
    u = rng.random(probs.shape[0])[:, None]
    return np.minimum((u > cum).sum(axis=1), probs.shape[1] - 1)


def _text(values: np.ndarray) -> pd.Series:
    """Wrap an object array of labels (``None`` = missing) in the pandas string dtype."""
    return pd.Series(values, dtype=_STR_DTYPE)


def _days(values: np.ndarray) -> np.ndarray:
    """Float days to ``timedelta64[ns]`` (whole seconds)."""
    return (np.floor(values * 86_400.0).astype(np.int64) * 1_000_000_000).astype("timedelta64[ns]")
