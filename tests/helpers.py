"""Independent (pandas) evaluation of persona conditions, used as an oracle by several tests."""

from __future__ import annotations

import numpy as np
import pandas as pd


def members(frame: pd.DataFrame, conditions) -> np.ndarray:
    """Rows matching a persona's conditions, computed with pandas (independent of the engine)."""
    mask = np.ones(len(frame), dtype=bool)
    for c in conditions:
        column = frame[c.column]
        if c.op == "is_missing":
            mask &= column.isna().to_numpy()
            continue
        known = column.notna().to_numpy()
        values = column.to_numpy()
        if c.op == "=":
            hit = known & (column.astype(object).to_numpy() == c.value)
        elif c.op == "<":
            hit = known & (np.where(known, values, 0).astype(float) < c.value)
        elif c.op == ">=":
            hit = known & (np.where(known, values, 0).astype(float) >= c.value)
        else:
            raise AssertionError(f"unexpected op {c.op}")
        mask &= hit
    return mask


def jaccard(a: np.ndarray, b: np.ndarray) -> float:
    return (a & b).sum() / max((a | b).sum(), 1)
