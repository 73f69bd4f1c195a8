"""Profile columns with engine queries and infer what each one is.

A handful of aggregate queries (one over all columns, one per categorical column for its top
values) give counts, distinct counts, ranges, quantiles and typical string lengths. From these we
infer each column's kind: numeric, categorical, boolean, date, free text or id-like. Nothing here
loops over rows in Python.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

import ibis
import ibis.expr.datatypes as dt
from ibis.expr.types import Table

from negpersona.engine.sampling import keep_fraction, materialized

TEXT_MIN_AVG_LENGTH = 30
ID_NAME_TOKENS = {"id", "uuid", "guid", "key", "email", "phone", "name", "record"}


@dataclass
class ColumnProfile:
    """What the engine told us about one column."""

    name: str
    dtype: str
    kind: str  # numeric | categorical | boolean | date | text | id
    count: int  # non-null values
    missing: int
    distinct: int  # approximate for large data
    minimum: Any = None
    maximum: Any = None
    quantiles: list[float] = field(default_factory=list)
    top_values: list[tuple[Any, int]] = field(default_factory=list)
    other_count: int = 0
    avg_length: float | None = None

    @property
    def all_missing(self) -> bool:
        return self.count == 0

    @property
    def constant(self) -> bool:
        return self.count > 0 and self.distinct <= 1 and self.missing == 0


def _numeric(dtype: dt.DataType) -> bool:
    return dtype.is_numeric() and not dtype.is_boolean()


def _temporal(dtype: dt.DataType) -> bool:
    return dtype.is_temporal()


def profile_table(
    table: Table,
    *,
    bins: int = 5,
    max_categories: int = 20,
    exact_quantiles: bool = True,
    columns: list[str] | None = None,
    max_rows: int = 1_000_000,
) -> dict[str, ColumnProfile]:
    """Profile ``columns`` (default: all) of ``table`` in a few engine queries.

    Tables over ``max_rows`` records are profiled on a seeded sample of about that size.
    """
    schema = table.schema()
    names = list(columns) if columns is not None else list(schema.names)
    total = int(table.count().to_pyarrow().as_py())
    if not names:
        return {}
    if total > max_rows:
        # Exact quantiles over 10M rows take a minute; a seeded sample gives the same readable
        # cut points (rounded to two digits) in seconds. Counts are scaled estimates then.
        sample = table.filter(
            keep_fraction(table, names, max_rows / total, seed=0, salt="profile:")
        )
        table = materialized(sample)
        total = int(table.count().to_pyarrow().as_py())

    metrics: dict[str, Any] = {}
    for i, name in enumerate(names):
        column = table[name]
        dtype = schema[name]
        metrics[f"c{i}"] = column.count()
        metrics[f"d{i}"] = column.approx_nunique() if total > 100_000 else column.nunique()
        if _numeric(dtype) or _temporal(dtype):
            metrics[f"lo{i}"] = column.min()
            metrics[f"hi{i}"] = column.max()
        if dtype.is_string():
            metrics[f"len{i}"] = column.length().mean()
        if _numeric(dtype):
            numeric = column.cast("float64")
            for j in range(1, bins):
                q = j / bins
                metrics[f"q{i}_{j}"] = (
                    numeric.quantile(q) if exact_quantiles else numeric.approx_quantile(q)
                )
    row = table.aggregate(**metrics).to_pyarrow().to_pylist()[0]

    profiles: dict[str, ColumnProfile] = {}
    for i, name in enumerate(names):
        dtype = schema[name]
        count = int(row[f"c{i}"] or 0)
        profile = ColumnProfile(
            name=name,
            dtype=str(dtype),
            kind="categorical",
            count=count,
            missing=total - count,
            distinct=int(row[f"d{i}"] or 0),
            minimum=row.get(f"lo{i}"),
            maximum=row.get(f"hi{i}"),
            avg_length=_float(row.get(f"len{i}")),
        )
        if _numeric(dtype):
            profile.quantiles = [
                float(row[f"q{i}_{j}"]) for j in range(1, bins) if row[f"q{i}_{j}"] is not None
            ]
        profile.kind = _infer_kind(profile, dtype, total)
        if profile.kind in {"categorical", "boolean"} and count:
            _fill_top_values(table, profile, max_categories)
        profiles[name] = profile
    return profiles


def _infer_kind(profile: ColumnProfile, dtype: dt.DataType, total: int) -> str:
    tokens = name_tokens(profile.name)
    unique_per_row = profile.count > 0 and profile.distinct >= 0.98 * profile.count
    if dtype.is_boolean():
        return "boolean"
    if _temporal(dtype):
        return "date"
    if _numeric(dtype):
        if profile.distinct <= 2:
            return "boolean"
        if unique_per_row and dtype.is_integer() and (tokens & ID_NAME_TOKENS) and total > 20:
            return "id"
        return "numeric"
    if dtype.is_string():
        if unique_per_row and total > 20 and (profile.avg_length or 0) < TEXT_MIN_AVG_LENGTH:
            return "id"
        if (profile.avg_length or 0) >= TEXT_MIN_AVG_LENGTH and profile.distinct > 0.3 * max(
            profile.count, 1
        ):
            return "text"
        return "boolean" if profile.distinct == 2 else "categorical"
    return "categorical"


def _fill_top_values(table: Table, profile: ColumnProfile, max_categories: int) -> None:
    column = table[profile.name]
    counts = (
        table.filter(column.notnull())
        .group_by(value=column)
        .aggregate(n=ibis._.count())
        .order_by([ibis.desc("n"), "value"])
        .limit(max_categories + 1)
        .to_pyarrow()
        .to_pylist()
    )
    top = [(item["value"], int(item["n"])) for item in counts[:max_categories]]
    profile.top_values = top
    profile.other_count = profile.count - sum(n for _, n in top)


def name_tokens(name: str) -> set[str]:
    """Lower-case word tokens of a column name: ``customerAge_years`` → {customer, age, years}."""
    import re

    spaced = re.sub(r"([a-z0-9])([A-Z])", r"\1 \2", name)
    return {token for token in re.split(r"[^A-Za-z0-9]+", spaced.lower()) if token}


def _float(value: Any) -> float | None:
    if value is None:
        return None
    value = float(value)
    return None if math.isnan(value) else value


def nice_cuts(quantiles: list[float], minimum: Any, maximum: Any, integer: bool) -> list[float]:
    """Round quantile cut points to two significant digits so conditions read well.

    ``balance ≥ 1,900`` reads better than ``balance ≥ 1,859.25``; bins stay near-quantile. Cuts
    that fall at or below the minimum or above the maximum would make empty conditions and are
    dropped, as are duplicates.
    """
    cuts: list[float] = []
    for q in quantiles:
        if q is None or math.isnan(q):
            continue
        rounded = _round_significant(q, 2)
        if integer:
            rounded = float(math.ceil(rounded)) if rounded != int(rounded) else rounded
        if minimum is not None and rounded <= float(minimum):
            continue
        if maximum is not None and rounded > float(maximum):
            continue
        if rounded not in cuts:
            cuts.append(rounded)
    return sorted(cuts)


def _round_significant(value: float, digits: int) -> float:
    if value == 0:
        return 0.0
    magnitude = math.floor(math.log10(abs(value)))
    factor = 10 ** (digits - 1 - magnitude)
    return round(value * factor) / factor


__all__ = ["ColumnProfile", "profile_table", "nice_cuts", "name_tokens"]
