"""Aggregate the data to sufficient statistics in the engine.

One ``GROUP BY`` over the feature codes and the split flag turns millions of records into the
distinct code combinations with their record count, positives (fits), and value and cost sums.
The search then runs in NumPy on this weighted table; nothing loops over records in Python.
"""

from __future__ import annotations

from dataclasses import dataclass

import ibis
import numpy as np
from ibis.expr.types import BooleanValue, NumericValue, Table

from negpersona.features import Feature


@dataclass
class CompressedTable:
    """Distinct code combinations with their statistics (one row per combination and split)."""

    codes: np.ndarray  # (rows, features) int16
    count: np.ndarray  # records per row
    positives: np.ndarray  # fits per row
    confirm: np.ndarray  # bool: row belongs to the confirmation split
    value: np.ndarray | None = None  # sum of value over fits
    cost: np.ndarray | None = None  # sum of cost over all records

    @property
    def rows(self) -> int:
        return int(self.count.shape[0])

    def subset(self, keep: np.ndarray) -> CompressedTable:
        return CompressedTable(
            codes=self.codes[keep],
            count=self.count[keep],
            positives=self.positives[keep],
            confirm=self.confirm[keep],
            value=None if self.value is None else self.value[keep],
            cost=None if self.cost is None else self.cost[keep],
        )


def compress(
    table: Table,
    features: list[Feature],
    label: BooleanValue,
    confirm: BooleanValue,
    value: NumericValue | None = None,
    cost: NumericValue | None = None,
) -> CompressedTable:
    """Run the aggregation query and fetch the result as NumPy arrays."""
    keys = {f"f{i}": feature.code_expr(table) for i, feature in enumerate(features)}
    keys["_confirm"] = confirm
    metrics = {
        "_n": ibis._.count(),
        "_pos": label.cast("int64").sum(),
    }
    if value is not None:
        metrics["_value"] = label.ifelse(value.cast("float64").fill_null(0), 0.0).sum()
    if cost is not None:
        metrics["_cost"] = cost.cast("float64").fill_null(0).sum()
    grouped = table.group_by(**keys).aggregate(**metrics).to_pyarrow()
    rows = grouped.num_rows
    codes = np.empty((rows, len(features)), dtype=np.int16)
    for i in range(len(features)):
        codes[:, i] = grouped.column(f"f{i}").to_numpy(zero_copy_only=False)
    return CompressedTable(
        codes=codes,
        count=grouped.column("_n").to_numpy(zero_copy_only=False).astype(np.int64),
        positives=grouped.column("_pos").to_numpy(zero_copy_only=False).astype(np.int64),
        confirm=grouped.column("_confirm").to_numpy(zero_copy_only=False).astype(bool),
        value=_optional(grouped, "_value"),
        cost=_optional(grouped, "_cost"),
    )


def _optional(grouped, name: str) -> np.ndarray | None:
    if name not in grouped.column_names:
        return None
    return grouped.column(name).to_numpy(zero_copy_only=False).astype(np.float64)
