"""Leakage: columns that predict the outcome almost perfectly are usually written after it (a call's duration, a deal stage); personas on them would not apply to new records."""

from __future__ import annotations

from typing import Any

from negpersona.audit.common import (
    LEAKAGE_ERROR_AUC,
    MAX_CATEGORIES,
    POST_OUTCOME_TOKENS,
    PURE_DISTANCE,
    PURE_HIGH,
    PURE_LOW,
    PURE_SHARE,
    Severity,
    _category_auc,
    _is_numeric,
    _ordered_auc,
    _tidy,
)
from negpersona.audit.context import AuditContext
from negpersona.audit.registry import register
from negpersona.data.profile import name_tokens


@register("leakage", "Columns that predict the outcome too well (known only after it).")
def _leakage(ctx: AuditContext) -> None:
    if ctx.pos == 0 or ctx.neg == 0:
        return
    columns = ctx.condition_columns()
    numeric = [n for n in columns if _is_numeric(ctx.schema[n])]
    categorical = [
        n
        for n in columns
        if (ctx.schema[n].is_string() or ctx.schema[n].is_boolean())
        and ctx.distinct(n) <= MAX_CATEGORIES
    ]
    dates = [n for n in columns if ctx.schema[n].is_temporal()]
    values = ctx.value_counts(numeric, categorical)
    ctx.values = values
    for name in numeric:
        rows = values.get(name, [])
        known = [(v, n, p) for v, n, p in rows if v is not None]
        auc = _ordered_auc(sorted(known, key=lambda r: r[0]))
        auc = max(auc, 1 - auc) if auc is not None else None
        _judge_auc(ctx, name, auc, "values")
        _judge_missingness(ctx, name)
        _judge_pure_values(ctx, name, rows)
    for name in categorical:
        rows = values.get(name, [])
        _judge_auc(ctx, name, _category_auc(rows), "categories ordered by rate")
        _judge_pure_values(ctx, name, rows)
    for name in dates:
        _judge_missingness(ctx, name)
        missing = ctx.n - ctx.counts[name]
        pos_missing = ctx.pos - ctx.count_pos[name]
        _judge_pure_values(ctx, name, [(None, missing, pos_missing)])


def _judge_auc(
    ctx: AuditContext, name: str, auc: float | None, basis: str, via: str = "values"
) -> None:
    if auc is None:
        return
    suspicious = bool(name_tokens(name) & POST_OUTCOME_TOKENS)
    if auc >= LEAKAGE_ERROR_AUC:
        severity: Severity = "error"
        why = f"an AUC of {auc:.3f} (≥ {LEAKAGE_ERROR_AUC}) is implausibly good"
    elif auc >= ctx.settings.leakage_auc:
        severity = "warning"
        why = f"an AUC of {auc:.3f} (≥ {ctx.settings.leakage_auc}) is suspiciously good"
    elif suspicious and auc >= ctx.settings.leakage_name_auc:
        severity = "warning"
        why = (
            f"an AUC of {auc:.3f} (≥ {ctx.settings.leakage_name_auc}) and a name that "
            "suggests a measurement taken after the outcome"
        )
    else:
        return
    ctx.add(
        severity,
        "leakage",
        name,
        f"{name} alone predicts the outcome ({basis}): {why}.",
        ctx.leak_suggestion(name),
        rule="auc",
        auc=auc,
        via=via,
        basis=basis,
        name_suggests_post_outcome=suspicious,
    )


def _judge_missingness(ctx: AuditContext, name: str) -> None:
    missing = ctx.n - ctx.counts[name]
    if not missing or missing == ctx.n:
        return
    share_pos = (ctx.pos - ctx.count_pos[name]) / ctx.pos
    share_neg = (missing - (ctx.pos - ctx.count_pos[name])) / ctx.neg
    auc = 0.5 + 0.5 * abs(share_pos - share_neg)
    _judge_auc(ctx, name, auc, "whether it is missing", via="missingness")


def _judge_pure_values(ctx: AuditContext, name: str, rows: list[tuple[Any, int, int]]) -> None:
    """One finding per column listing every near-pure value (perfect separators first)."""
    pure = []
    for value, records, positives in rows:
        if not records or records < PURE_SHARE * ctx.n:
            continue
        rate = positives / records
        high = rate >= PURE_HIGH and (1 - ctx.baseline) > PURE_DISTANCE * (1 - PURE_HIGH)
        low = rate <= PURE_LOW and ctx.baseline > PURE_DISTANCE * PURE_LOW
        if not (high or low):
            continue
        perfect = (high and positives == records and positives >= ctx.pos / 2) or (
            low and positives == 0 and records >= ctx.neg / 2
        )
        pure.append(
            {
                "value": _tidy(value),
                "records": records,
                "positives": positives,
                "rate": rate,
                "perfect": perfect,
            }
        )
    if not pure:
        return
    pure.sort(key=lambda item: (not item["perfect"], -item["records"]))
    first = pure[0]

    def shown(item: dict[str, Any]) -> str:
        value = "missing" if item["value"] is None else repr(item["value"])
        return (
            f"{name} = {value} covers {item['records']:,} records "
            f"({item['records'] / ctx.n:.1%}) and converts at {item['rate']:.1%}"
            + (" (a perfect separator)" if item["perfect"] else "")
        )

    ctx.add(
        "error" if first["perfect"] else "warning",
        "leakage",
        name,
        "; ".join(shown(item) for item in pure) + f", against a baseline of {ctx.baseline:.1%}.",
        ctx.leak_suggestion(name)
        + " A group that truly never (or always) converts can stay as a persona.",
        rule="pure_value",
        baseline_rate=ctx.baseline,
        values=pure,
        **first,
    )
