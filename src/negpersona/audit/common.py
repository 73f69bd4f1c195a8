"""Thresholds and small helpers the audit checks share (AUCs, epochs, tidy numbers)."""

from __future__ import annotations

import calendar
import math
from datetime import UTC, date, datetime, time
from typing import Any, Literal

import ibis
import numpy as np
from ibis.expr import operations as ops
from ibis.expr.types import BooleanValue, Table

Severity = Literal["error", "warning", "info"]

SEVERITY_ORDER = {"error": 0, "warning": 1, "info": 2}

POST_OUTCOME_TOKENS = {
    "duration", "length", "last", "close", "closed", "closing", "final", "result", "results",
    "after", "signed", "paid", "payment", "invoice", "invoiced", "won", "lost",
    "converted", "conversion", "churned", "cancelled", "canceled",
}  # fmt: skip

MISSING_WARNING = 0.2

PLACEHOLDER_WARNING = 0.2

SENTINEL_MIN_SHARE = 0.01

LEAKAGE_ERROR_AUC = 0.97

RARE_CATEGORY = 30

MAX_EXACT_VALUES = 10_000

MAX_CATEGORIES = 100_000

CALENDAR_TOP_VALUES = 20  # values per column shown to the calendar check

PURE_SHARE = 0.02

PURE_HIGH = 0.98

PURE_LOW = 0.005

PURE_DISTANCE = 5.0

AFTER_OUTCOME_SHARE = 0.5

AFTER_OUTCOME_MIN = 10

MIN_POSITIVES = 30

EXTREME_RATE = 0.005

STALE_WARNING = 0.5

DAY = 86_400.0

Y = "__negpersona_audit_y"


def _value_rows(parts: list[Table]) -> list[dict[str, Any]]:
    """Records and fits per (column, value), for many columns in one query over their union."""
    return (
        ibis.union(*parts, distinct=False)
        .group_by(["column", "value"])
        .aggregate(n=ibis._.count(), pos=ibis._.y.sum())
        .to_pyarrow()
        .to_pylist()
    )


def maturity_window(
    days: list[float], events: list[bool], counts: list[int], quantile: float
) -> float | None:
    """Days within which ``quantile`` of eventual conversions happen, from a Kaplan–Meier fit.

    ``days`` are times to conversion (events) or to censoring, with frequency ``counts``. The
    eventual conversion share is the KM estimate ``1 - S`` at the last event time; the window is
    the first event time where ``1 - S(t)`` reaches ``quantile`` of it. ``None`` without events.
    """
    times = np.maximum(np.asarray(days, dtype=float), 0.0)
    status = np.asarray(events, dtype=float)
    weights = np.asarray(counts, dtype=float)
    if not len(times) or not (status * weights).sum():
        return None
    from statsmodels.duration.survfunc import SurvfuncRight  # loads when needed

    fit = SurvfuncRight(times, status, freq_weights=weights)
    converted = 1.0 - np.asarray(fit.surv_prob)
    if not len(converted) or converted[-1] <= 0:
        return None
    reached = np.nonzero(converted >= quantile * converted[-1] - 1e-12)[0]
    return float(np.asarray(fit.surv_times)[reached[0]])


def _label_columns(label: BooleanValue) -> set[str]:
    """Columns the label reads directly (its outcome column), not columns of its relations."""
    try:
        fields = label.op().find(ops.Field, filter=lambda node: not isinstance(node, ops.Relation))
    except Exception:
        return set()
    return {node.name for node in fields}


def _split_placeholders(placeholders: list[str]) -> tuple[list[float], list[str]]:
    numeric, text = [], []
    for item in placeholders:
        cleaned = str(item).strip().lower()
        try:
            number = float(cleaned)
        except ValueError:
            number = math.nan
        if math.isfinite(number):
            numeric.append(number)
        else:
            text.append(cleaned)
    return sorted(set(numeric)), sorted(set(text))


def _is_numeric(dtype: Any) -> bool:
    return dtype.is_numeric() and not dtype.is_boolean()


def _kind_of(dtype: Any) -> str:
    if dtype.is_boolean():
        return "boolean"
    if dtype.is_temporal():
        return "date"
    return "numeric" if dtype.is_numeric() else "categorical"


def _epoch(column: Any) -> Any:
    """Seconds since 1970 of a date/timestamp (or ISO string) column, as float64."""
    dtype = column.type()
    if dtype.is_string():
        column = column.try_cast("timestamp")
    elif dtype.is_date():
        column = column.cast("timestamp")
    elif not dtype.is_timestamp():
        return column.cast("float64")
    return column.epoch_seconds().cast("float64")


def _to_epoch(moment: datetime) -> float:
    if moment.tzinfo is None:
        return float(calendar.timegm(moment.timetuple())) + moment.microsecond / 1e6
    return moment.timestamp()


def _iso(epoch: float | None) -> str | None:
    if epoch is None:
        return None
    return datetime.fromtimestamp(epoch, tz=UTC).replace(tzinfo=None).isoformat()


def _significant(value: Any, digits: int) -> Any:
    """``value`` rounded to ``digits`` significant digits (monotone, so ranks are kept)."""
    scale = ibis.literal(10.0).pow(value.abs().nullif(0.0).log10().floor() - (digits - 1))
    return (value == 0).ifelse(0.0, (value / scale).round().cast("float64") * scale)


def _ordered_auc(rows: list[tuple[Any, int, int]]) -> float | None:
    """AUC of a score whose groups are ``rows`` in increasing order (ties within a group).

    With ``(value, records, positives)`` per group: the Mann–Whitney U of positives over
    negatives divided by ``P × N``, each tie counted as one half.
    """
    if not rows:
        return None
    n = np.array([r[1] for r in rows], dtype=float)
    pos = np.array([r[2] for r in rows], dtype=float)
    neg = n - pos
    total_pos, total_neg = pos.sum(), neg.sum()
    if total_pos == 0 or total_neg == 0:
        return None
    below = np.cumsum(neg) - neg
    return float((pos * (below + 0.5 * neg)).sum() / (total_pos * total_neg))


def _category_auc(rows: list[tuple[Any, int, int]]) -> float | None:
    """AUC of categories ranked by their rate; categories under 30 records are pooled."""
    groups = [(r[2] / r[1], r[1], r[2]) for r in rows if r[1] >= RARE_CATEGORY]
    rare_n = sum(r[1] for r in rows if r[1] < RARE_CATEGORY)
    rare_pos = sum(r[2] for r in rows if r[1] < RARE_CATEGORY)
    if rare_n:
        groups.append((rare_pos / rare_n, rare_n, rare_pos))
    if len(groups) < 2:
        return None
    return _ordered_auc(sorted(groups, key=lambda g: g[0]))


def _tidy(value: Any) -> Any:
    if isinstance(value, float) and value == int(value):
        return int(value)
    return value


def _plain(value: Any) -> Any:
    """Python scalars, lists and dicts only (numpy numbers and datetimes converted)."""
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    if isinstance(value, np.generic):
        return value.item()
    if isinstance(value, date | time):
        return value.isoformat()
    return value
