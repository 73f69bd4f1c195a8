"""Distributions of columns, then and now, and the PSI between them.

A re-check asks whether the people a persona describes still look the way they did. To answer
without keeping the old data, discovery stores a small *reference*: for each column a persona
uses (its conditions and its card's profile), the bins of that column (the most common values,
or deciles of a number) with the record counts of all records and of each persona's members. A
later batch is counted in the same bins by the engine (one ``GROUP BY`` per column) and compared
with the Population Stability Index, read with the usual bands (0.1 moderate, 0.25 large, as
Evidently and NannyML report it).

Bins: a category column keeps its values seen at discovery (at most :data:`MAX_VALUES`), plus
"other" and "missing"; a number keeps up to nine decile edges, giving up to ten ranges, plus
"missing". Temporal columns are not binned (their values move by definition).
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import ibis
from ibis.expr.types import BooleanValue, Table

from negpersona.data.time_proxy import PSI_EPSILON, PSI_LARGE, PSI_MODERATE

MAX_VALUES = 20
DECILES = [i / 10 for i in range(1, 10)]
OTHER, MISSING = "(other)", "(missing)"
MIN_MOVE = 0.01  # a bin whose share moved less than a point is not listed as moved


@dataclass
class Bins:
    """How one column is cut into bins, with the counts of a reference batch."""

    column: str
    kind: str  # "category" or "number"
    values: list[str] = field(default_factory=list)  # category values (as text)
    edges: list[float] = field(default_factory=list)  # number edges, ascending
    counts: list[int] = field(default_factory=list)  # all records per bin
    members: dict[str, list[int]] = field(default_factory=dict)  # persona id → counts per bin

    @property
    def labels(self) -> list[str]:
        if self.kind == "category":
            return [*self.values, OTHER, MISSING]
        cuts = [_number(edge) for edge in self.edges]
        if not cuts:
            return ["all values", MISSING]
        ranges = [f"under {cuts[0]}"]
        ranges += [f"{low} to under {high}" for low, high in zip(cuts, cuts[1:], strict=False)]
        return [*ranges, f"{cuts[-1]} or more", MISSING]

    def to_dict(self) -> dict[str, Any]:
        data: dict[str, Any] = {"column": self.column, "kind": self.kind}
        data["values" if self.kind == "category" else "edges"] = (
            self.values if self.kind == "category" else self.edges
        )
        data.update(labels=self.labels, counts=self.counts, members=self.members)
        return data

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Bins:
        return cls(
            column=str(data["column"]),
            kind=str(data["kind"]),
            values=[str(v) for v in data.get("values", [])],
            edges=[float(v) for v in data.get("edges", [])],
            counts=[int(v) for v in data.get("counts", [])],
            members={str(k): [int(c) for c in v] for k, v in (data.get("members") or {}).items()},
        )

    def index(self, table: Table) -> Any:
        """The bin number of every record of ``table`` (an Ibis integer expression)."""
        column = table[self.column]
        last = len(self.labels) - 1  # "missing"
        if self.kind == "category":
            text = column.cast("string")
            cases = [(text == value, i) for i, value in enumerate(self.values)]
            return ibis.cases((column.isnull(), last), *cases, else_=len(self.values))
        number = column.cast("float64")
        cases = [(number < edge, i) for i, edge in enumerate(self.edges)]
        return ibis.cases((number.isnull(), last), *cases, else_=len(self.edges))


def reference_bins(
    table: Table, column: str, groups: Mapping[str, BooleanValue] | None = None
) -> Bins | None:
    """The bins of ``column`` as discovery sees it (None for temporal or empty columns).

    A number's edges are the deciles of all records plus, for each of ``groups`` (the members
    of personas whose conditions use the column), the deciles within that group — so a shift
    *inside* a persona's range (members' sizes moving from 1–9 to 7–9) shows in its PSI.
    """
    dtype = table[column].type()
    if dtype.is_temporal():
        return None
    if dtype.is_numeric() and not dtype.is_boolean():
        number = table[column].cast("float64")
        quantiles = {"q": number.approx_quantile(DECILES)}
        for i, flag in enumerate((groups or {}).values()):
            quantiles[f"q{i}"] = number.approx_quantile(DECILES, where=flag)
        row = table.aggregate(**quantiles).to_pyarrow().to_pylist()[0]
        edges = [edge for values in row.values() for edge in values or []]
        kept = sorted({_rounded(e) for e in edges if e is not None and math.isfinite(e)})
        return Bins(column, "number", edges=kept)
    text = table[column].cast("string")
    top = (
        table.filter(text.notnull())
        .group_by(v=text)
        .aggregate(n=ibis._.count())
        .order_by([ibis.desc("n"), "v"])
        .limit(MAX_VALUES)
        .to_pyarrow()
        .to_pylist()
    )
    if not top:
        return None
    return Bins(column, "category", values=[row["v"] for row in top])


def count_bins(table: Table, bins: Bins, flags: Mapping[str, BooleanValue]) -> Bins:
    """``bins`` with the counts of ``table``: all records, and the members of each flag.

    One ``GROUP BY`` in the engine; ``flags`` maps persona ids to membership expressions on
    ``table``.
    """
    names = {key: f"__np_m{i}" for i, key in enumerate(flags)}
    binned = table.mutate(
        __np_bin=bins.index(table), **{names[k]: flag.cast("int64") for k, flag in flags.items()}
    )
    rows = (
        binned.group_by("__np_bin")
        .aggregate(
            __np_n=binned.count(),
            **{name: binned[name].sum() for name in names.values()},
        )
        .to_pyarrow()
        .to_pylist()
    )
    size = len(bins.labels)
    counts = [0] * size
    members = {key: [0] * size for key in flags}
    for row in rows:
        at = int(row["__np_bin"])
        counts[at] = int(row["__np_n"])
        for key, name in names.items():
            members[key][at] = int(row[name] or 0)
    return Bins(bins.column, bins.kind, bins.values, bins.edges, counts, members)


def psi(before: list[int], now: list[int]) -> float | None:
    """Population Stability Index between two count vectors over the same bins.

    PSI = Σ (q − p) · ln(q / p) with ``p``, ``q`` the shares before and now; a share of 0 on one
    side counts as :data:`~negpersona.data.time_proxy.PSI_EPSILON` (Evidently's convention).
    None when either side has no records.
    """
    total_before, total_now = sum(before), sum(now)
    if total_before <= 0 or total_now <= 0:
        return None
    value = 0.0
    for b, n in zip(before, now, strict=True):
        if not b and not n:
            continue
        p = b / total_before or PSI_EPSILON
        q = n / total_now or PSI_EPSILON
        value += (q - p) * math.log(q / p)
    return float(value)


def psi_band(value: float | None) -> str:
    """``stable`` under 0.1, ``moderate`` under 0.25, else ``large`` (the usual PSI reading)."""
    if value is None:
        return "unknown"
    if value >= PSI_LARGE:
        return "large"
    if value >= PSI_MODERATE:
        return "moderate"
    return "stable"


def moved_bins(bins: Bins, before: list[int], now: list[int], limit: int = 3) -> list[dict]:
    """The bins whose share changed most, largest first (for "which values moved")."""
    total_before, total_now = sum(before), sum(now)
    if total_before <= 0 or total_now <= 0:
        return []
    changes = [
        {"value": label, "share_before": b / total_before, "share_now": n / total_now}
        for label, b, n in zip(bins.labels, before, now, strict=True)
    ]
    changes.sort(key=lambda item: -abs(item["share_now"] - item["share_before"]))
    return [
        item
        for item in changes[:limit]
        if abs(item["share_now"] - item["share_before"]) >= MIN_MOVE
    ]


def reference_block(
    table: Table,
    columns: list[str],
    flags: Mapping[str, BooleanValue],
    uses: Mapping[str, list[str]] | None = None,
) -> dict[str, Any]:
    """The ``reference`` discovery stores in ``personas.json`` for later re-checks.

    ``uses`` maps a column to the ids of the personas whose conditions name it (their members'
    deciles refine that column's bins).
    """
    stored = {}
    for column in columns:
        if column not in table.columns:
            continue
        using = {key: flag for key, flag in flags.items() if key in (uses or {}).get(column, ())}
        bins = reference_bins(table, column, using)
        if bins is not None:
            stored[column] = count_bins(table, bins, flags).to_dict()
    return {"columns": stored}


def _rounded(value: float) -> float:
    """An edge to four significant digits (approximate quantiles are not exact anyway)."""
    return float(f"{value:.4g}")


def _number(value: float) -> str:
    return f"{value:g}" if abs(value) < 1e6 else f"{value:,.0f}"
