"""Aggregate the data to sufficient statistics in the engine.

The working table carries the fit label, the split flag and the value/cost of each record as
columns. One ``GROUP BY`` over the feature codes and the split flag turns millions of records into
the distinct code combinations with their record count, fits, and value and cost sums. The search
then runs in NumPy on this weighted table; nothing loops over records in Python.
"""

from __future__ import annotations

from dataclasses import dataclass

import ibis
import numpy as np
from ibis.expr.types import BooleanValue, NumericValue, Table

from negpersona.search.features import Feature

FIT, CONFIRM, VALUE, COST = "__np_fit", "__np_confirm", "__np_value", "__np_cost"


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


def working_table(
    table: Table,
    label: BooleanValue,
    confirm: BooleanValue,
    value: NumericValue | None = None,
    cost: NumericValue | None = None,
) -> Table:
    """``table`` with the fit label, split flag, value (of fits) and cost as columns."""
    columns = {FIT: label, CONFIRM: confirm}
    if value is not None:
        columns[VALUE] = label.ifelse(value.cast("float64").fill_null(0), 0.0)
    if cost is not None:
        columns[COST] = cost.cast("float64").fill_null(0)
    return table.mutate(**columns)


def compress(working: Table, features: list[Feature]) -> CompressedTable:
    """Run the aggregation query and fetch the result as NumPy arrays."""
    source = working
    keys = {f"f{i}": feature.code_expr(source) for i, feature in enumerate(features)}
    keys["_confirm"] = source[CONFIRM]
    metrics = {"_n": ibis._.count(), "_pos": source[FIT].cast("int64").sum()}
    if VALUE in source.columns:
        metrics["_value"] = source[VALUE].sum()
    if COST in source.columns:
        metrics["_cost"] = source[COST].sum()
    grouped = source.group_by(**keys).aggregate(**metrics).to_pyarrow()
    rows = grouped.num_rows
    codes = np.empty((rows, len(features)), dtype=np.int16)
    for i in range(len(features)):
        codes[:, i] = grouped.column(f"f{i}").to_numpy(zero_copy_only=False)
    return CompressedTable(
        codes=codes,
        count=_array(grouped, "_n", np.int64),
        positives=_array(grouped, "_pos", np.int64),
        confirm=_array(grouped, "_confirm", bool),
        value=_array(grouped, "_value", np.float64) if "_value" in grouped.column_names else None,
        cost=_array(grouped, "_cost", np.float64) if "_cost" in grouped.column_names else None,
    )


def _array(grouped, name: str, dtype) -> np.ndarray:
    return grouped.column(name).to_numpy(zero_copy_only=False).astype(dtype)
