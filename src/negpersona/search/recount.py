"""Exact counts of given segments in the engine, in one scan.

When the search ran on a sample, every segment that reaches the user is counted again on all
records: records, fits and value, on the discovery and the confirmation part, as conditional sums
of one aggregate query.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from ibis.expr.types import Table

from negpersona.model.conditions import Condition, segment_filter
from negpersona.search.compress import CONFIRM, COST, FIT, VALUE


@dataclass
class SegmentCounts:
    """Per segment (rows) and split (column 0 discovery, 1 confirmation)."""

    records: np.ndarray
    positives: np.ndarray
    value: np.ndarray
    cost: np.ndarray
    totals: dict[bool, dict[str, float]] | None = None  # all records per split


def recount(working: Table, segments: list[list[Condition]]) -> SegmentCounts:
    """Records, fits and value of each segment per split, from one aggregate query."""
    shape = (len(segments), 2)
    counts = SegmentCounts(
        np.zeros(shape, np.int64), np.zeros(shape, np.int64), np.zeros(shape), np.zeros(shape)
    )
    fit = working[FIT]
    metrics = {"_n": fit.count(), "_pos": fit.cast("int64").sum()}
    if VALUE in working.columns:
        metrics["_v"] = working[VALUE].sum()
    for i, conditions in enumerate(segments):
        inside = segment_filter(working, conditions)
        metrics[f"n{i}"] = inside.cast("int64").sum()
        metrics[f"p{i}"] = (inside & fit).cast("int64").sum()
        if VALUE in working.columns:
            metrics[f"v{i}"] = inside.ifelse(working[VALUE], 0.0).sum()
        if COST in working.columns:
            metrics[f"c{i}"] = inside.ifelse(working[COST], 0.0).sum()
    rows = working.group_by(split=working[CONFIRM]).aggregate(**metrics).to_pyarrow().to_pylist()
    counts.totals = {flag: {"n": 0, "pos": 0, "value": 0.0} for flag in (False, True)}
    for row in rows:
        column = 1 if row["split"] else 0
        counts.totals[bool(row["split"])] = {
            "n": int(row["_n"]),
            "pos": int(row["_pos"] or 0),
            "value": float(row.get("_v") or 0.0),
        }
        for i in range(len(segments)):
            counts.records[i, column] = int(row[f"n{i}"] or 0)
            counts.positives[i, column] = int(row[f"p{i}"] or 0)
            counts.value[i, column] = float(row.get(f"v{i}") or 0.0)
            counts.cost[i, column] = float(row.get(f"c{i}") or 0.0)
    return counts
