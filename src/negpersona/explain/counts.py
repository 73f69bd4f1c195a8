"""The engine work behind persona cards: one aggregate query (two with late converters).

Cards need, on all records: each persona's records, conversions, value and cost per split
(exclusion numbers); the union of the personas added one by one on the held-out records (the
trade-off curve); the first and last record time (the data window); and per persona its
conversions with a known time to convert and how many came late. All of these are conditional
sums, so they run as **one** ``GROUP BY split`` over the working table: on 10M records one scan
instead of five. Only the "late" threshold (a quantile of all times to convert) needs its own
query first, over the converters alone.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import ibis
import numpy as np
from ibis.expr.types import Table

from negpersona.model.conditions import Condition, segment_filter
from negpersona.search.compress import CONFIRM, COST, FIT, VALUE
from negpersona.stats import rate_interval

SECONDS_PER_DAY = 86_400


@dataclass
class CardCounts:
    """What the one query found (see the module docstring)."""

    records: np.ndarray  # (personas, 2): per split, 0 = discovery, 1 = held out
    positives: np.ndarray
    value: np.ndarray
    cost: np.ndarray
    totals: dict[str, float]  # all records: n, pos, value
    tradeoff: list[dict[str, Any]] = field(default_factory=list)
    window: dict[str, Any] | None = None
    late: list[dict[str, Any]] | None = None


def count_for_cards(
    working: Table,
    segments: list[list[Condition]],
    *,
    names: list[tuple[str, str]],
    split: bool,
    time: str | None,
    outcome_time: str | None,
    late_quantile: float,
) -> CardCounts:
    """Run the card query. Personas join the trade-off curve in the order of ``segments`` (the
    selection's order); ``names`` are their (id, name) pairs."""
    fit = working[FIT]
    sums = {
        key: working[column] for key, column in (("v", VALUE), ("c", COST)) if column in working
    }
    metrics: dict[str, Any] = {"_n": fit.count(), "_pos": fit.cast("int64").sum()}
    metrics.update({f"_{key}": column.sum() for key, column in sums.items()})
    inside = [segment_filter(working, conditions) for conditions in segments]
    for i, member in enumerate(inside):
        metrics[f"n{i}"] = member.cast("int64").sum()
        metrics[f"p{i}"] = (member & fit).cast("int64").sum()
        for key, column in sums.items():
            metrics[f"{key}{i}"] = member.ifelse(column, 0.0).sum()
    union = ibis.literal(False)
    for step, member in enumerate(inside, start=1):
        union = union | member
        metrics[f"un{step}"] = union.cast("int64").sum()
        metrics[f"up{step}"] = (union & fit).cast("int64").sum()
        for key, column in sums.items():
            metrics[f"u{key}{step}"] = union.ifelse(column, 0.0).sum()
    if time and time in working.columns:
        moment = working[time].cast("timestamp")
        metrics["_first"], metrics["_last"] = moment.min(), moment.max()
    days, threshold = _late_threshold(working, time, outcome_time, late_quantile)
    if threshold is not None:
        known = fit & days.notnull() & (days >= 0)
        late = known & (days > threshold)
        metrics["_known"], metrics["_late"] = known.cast("int64").sum(), late.cast("int64").sum()
        for i, member in enumerate(inside):
            metrics[f"k{i}"] = (member & known).cast("int64").sum()
            metrics[f"l{i}"] = (member & late).cast("int64").sum()
    rows = working.group_by(_split=working[CONFIRM]).aggregate(**metrics).to_pyarrow().to_pylist()
    return _parse(rows, len(segments), names, split, list(sums), threshold, late_quantile)


def _late_threshold(
    working: Table, time: str | None, outcome_time: str | None, quantile: float
) -> tuple[Any, float | None]:
    """Days to convert (an expression) and the quantile of it among converters (None if n/a)."""
    if not (time and outcome_time and outcome_time in working.columns):
        return None, None
    start = working[time].cast("timestamp").epoch_seconds()
    end = working[outcome_time].cast("timestamp").epoch_seconds()
    days = (end - start) / SECONDS_PER_DAY
    converters = working.filter(working[FIT] & days.notnull() & (days >= 0))
    converter_days = (
        converters[outcome_time].cast("timestamp").epoch_seconds()
        - converters[time].cast("timestamp").epoch_seconds()
    ) / SECONDS_PER_DAY
    try:
        value = converters.aggregate(q=converter_days.quantile(quantile)).to_pyarrow()
    except Exception:  # engines without exact quantiles (BigQuery, Trino)
        value = converters.aggregate(q=converter_days.approx_quantile(quantile)).to_pyarrow()
    threshold = value.to_pylist()[0]["q"]
    return days, None if threshold is None else float(threshold)


def _parse(
    rows: list[dict[str, Any]],
    count: int,
    names: list[tuple[str, str]],
    split: bool,
    sums: list[str],
    threshold: float | None,
    quantile: float,
) -> CardCounts:
    shape = (count, 2)
    found = CardCounts(
        np.zeros(shape, np.int64), np.zeros(shape, np.int64), np.zeros(shape), np.zeros(shape), {}
    )

    def total(key: str, part: list[dict[str, Any]]) -> float:
        return float(sum(row.get(key) or 0 for row in part))

    for row in rows:
        column = 1 if row["_split"] else 0
        for i in range(count):
            found.records[i, column] = int(row[f"n{i}"] or 0)
            found.positives[i, column] = int(row[f"p{i}"] or 0)
            found.value[i, column] = float(row.get(f"v{i}") or 0.0)
            found.cost[i, column] = float(row.get(f"c{i}") or 0.0)
    found.totals = {"n": total("_n", rows), "pos": total("_pos", rows), "value": total("_v", rows)}
    # The curve counts the held-out records (all records when there is no split).
    scope = [row for row in rows if row["_split"]] if split else rows
    found.tradeoff = _curve(scope, names, sums, total)
    firsts = [row["_first"] for row in rows if row.get("_first") is not None]
    if firsts:
        found.window = {
            "start": min(firsts).isoformat(),
            "end": max(row["_last"] for row in rows if row.get("_last") is not None).isoformat(),
        }
    if threshold is not None:
        found.late = _late(rows, count, threshold, quantile, total)
    return found


def _curve(scope, names, sums, total) -> list[dict[str, Any]]:
    n, pos = int(total("_n", scope)), int(total("_pos", scope))
    labels = {"v": "value_lost", "c": "cost"}
    start = {"step": 0, "id": None, "name": "No exclusion", "records": 0, "conversions": 0,
             "records_share": 0.0, "conversions_share": 0.0}  # fmt: skip
    start.update({labels[key]: 0.0 for key in sums})
    steps = [start]
    for step, (persona_id, name) in enumerate(names, start=1):
        records, positives = int(total(f"un{step}", scope)), int(total(f"up{step}", scope))
        item = {
            "step": step,
            "id": persona_id,
            "name": name,
            "records": records,
            "conversions": positives,
            "records_share": records / n if n else 0.0,
            "conversions_share": positives / pos if pos else 0.0,
        }
        item.update({labels[key]: total(f"u{key}{step}", scope) for key in sums})
        steps.append(item)
    for before, item in zip(steps, steps[1:], strict=False):  # what each step adds
        item["records_added"] = item["records"] - before["records"]
        item["conversions_added"] = item["conversions"] - before["conversions"]
        if "value_lost" in item:
            item["value_added"] = item["value_lost"] - before["value_lost"]
    for item in steps:  # the scope's totals, so a policy can scale the numbers
        item["scope_records"], item["scope_conversions"] = n, pos
        item.update({f"scope_{labels[key]}": total(f"_{key}", scope) for key in sums})
    return steps


def _late(rows, count, threshold, quantile, total) -> list[dict[str, Any]]:
    known_all, late_all = total("_known", rows), total("_late", rows)
    overall = late_all / known_all if known_all else 0.0
    found = []
    for i in range(count):
        known, late = int(total(f"k{i}", rows)), int(total(f"l{i}", rows))
        share = late / known if known else 0.0
        found.append(
            {
                "threshold_days": threshold,
                "quantile": quantile,
                "conversions_with_time": known,
                "late": late,
                "late_share": share,
                "late_share_ci": list(rate_interval(late, known)),
                "overall_late_share": overall,
                "text": (
                    f"{late:,} of the {known:,} conversions with a known time came after "
                    f"{threshold:.0f} days ({share:.0%} vs {overall:.0%} of all conversions)"
                ),
            }
        )
    return found
