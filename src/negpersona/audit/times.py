"""Times: outcomes before creation, records too young to have converted (maturity), and records not updated for long (staleness)."""

from __future__ import annotations

import ibis

from negpersona.audit.common import (
    AFTER_OUTCOME_MIN,
    AFTER_OUTCOME_SHARE,
    DAY,
    STALE_WARNING,
    Severity,
    _epoch,
    _iso,
    maturity_window,
)
from negpersona.audit.context import AuditContext
from negpersona.audit.registry import register


@register("times", "Outcomes dated before creation, immature records, stale records.")
def _times(ctx: AuditContext) -> None:
    outcome_time = ctx.settings.outcome_time
    if outcome_time:
        _after_outcome(ctx, outcome_time)
    if ctx.time_column and outcome_time and ctx.now is not None:
        _maturity(ctx, ctx.time_column, outcome_time)
    if ctx.settings.updated and ctx.now is not None:
        _stale(ctx, ctx.settings.updated)


def _after_outcome(ctx: AuditContext, outcome_time: str) -> None:
    dates = [
        name for name in ctx.columns if ctx.schema[name].is_temporal() and name not in ctx.roles
    ]
    if not dates:
        return
    t = ctx.t
    done = _epoch(t[outcome_time])
    converted = (ctx.y == 1) & done.notnull()
    metrics = {}
    for i, name in enumerate(dates):
        own = _epoch(t[name])
        metrics[f"k{i}"] = own.count(where=converted)
        metrics[f"a{i}"] = own.count(where=converted & (own > done))
    row = t.aggregate(**metrics).to_pyarrow().to_pylist()[0]
    for i, name in enumerate(dates):
        both, later = int(row[f"k{i}"] or 0), int(row[f"a{i}"] or 0)
        if both < AFTER_OUTCOME_MIN or later / both <= AFTER_OUTCOME_SHARE:
            continue
        ctx.add(
            "warning",
            "leakage",
            name,
            f"{name} is later than {outcome_time} for {later:,} of {both:,} converted "
            f"records ({later / both:.0%}): it is recorded after the outcome.",
            ctx.leak_suggestion(name),
            rule="after_outcome",
            later=later,
            compared=both,
            share=later / both,
        )


def _maturity(ctx: AuditContext, created_name: str, outcome_time: str) -> None:
    t, now = ctx.t, float(ctx.now)
    created, done = _epoch(t[created_name]), _epoch(t[outcome_time])
    event = (ctx.y == 1) & done.notnull()
    days = event.ifelse(((done - created) / DAY).ceil(), ((now - created) / DAY).floor())
    rows = (
        t.filter(created.notnull())
        .group_by(days=days.cast("float64"), event=event, before=event & (done < created))
        .aggregate(n=ibis._.count())
        .to_pyarrow()
        .to_pylist()
    )
    before = sum(int(r["n"]) for r in rows if r["before"])
    if before:
        ctx.add(
            "warning",
            "time_order",
            outcome_time,
            f"{before:,} records have {outcome_time} before {created_name}.",
            "Check the two time columns (time zones, swapped fields); these records "
            "count as converting on the day they were created.",
            records=before,
        )
    window = maturity_window(
        [r["days"] for r in rows],
        [bool(r["event"]) for r in rows],
        [int(r["n"]) for r in rows],
        ctx.settings.maturity_quantile,
    )
    ctx.summary["maturity_window_days"] = window
    ctx.summary["maturity_quantile"] = ctx.settings.maturity_quantile
    if window is None:
        ctx.summary["immature_records"] = 0
        return
    cutoff = now - window * DAY
    immature = (created > cutoff).fill_null(False)
    counts = (
        t.aggregate(
            n=immature.cast("int64").sum(), pos=(immature & (ctx.y == 1)).cast("int64").sum()
        )
        .to_pyarrow()
        .to_pylist()[0]
    )
    count, positives = int(counts["n"] or 0), int(counts["pos"] or 0)
    ctx.summary["immature_records"] = count
    ctx.summary["immature_positives"] = positives
    ctx.summary["maturity_cutoff"] = _iso(cutoff)
    if not count:
        return
    ctx.immature = (_epoch(ctx.source[created_name]) > cutoff).fill_null(False)
    quantile = ctx.settings.maturity_quantile
    ctx.add(
        "warning",
        "immature",
        created_name,
        f"{count:,} records ({count / ctx.n:.1%}; {positives:,} of them converted) were "
        f"created less than {window:g} days before {_iso(now)}: {quantile:.0%} of "
        f"conversions happen within {window:g} days (Kaplan–Meier), so many of these "
        "may still convert.",
        f"Leave records with {created_name} after {_iso(cutoff)} out of discovery "
        "(the audit's immature expression selects them), or audit again later.",
        records=count,
        positives=positives,
        window_days=window,
        cutoff=_iso(cutoff),
        quantile=quantile,
    )


def _stale(ctx: AuditContext, updated: str) -> None:
    t, now = ctx.t, float(ctx.now)
    stamp = _epoch(t[updated])
    cutoff = now - ctx.settings.stale_days * DAY
    row = (
        t.aggregate(known=stamp.count(), stale=stamp.count(where=stamp < cutoff))
        .to_pyarrow()
        .to_pylist()[0]
    )
    known, stale = int(row["known"] or 0), int(row["stale"] or 0)
    share = stale / known if known else 0.0
    ctx.summary["stale_share"] = share
    if not stale:
        return
    severity: Severity = "warning" if share > STALE_WARNING else "info"
    ctx.add(
        severity,
        "stale",
        updated,
        f"{stale:,} of {known:,} records ({share:.0%}) were not updated in the "
        f"{ctx.settings.stale_days} days before {_iso(now)} ({updated} before "
        f"{_iso(cutoff)}).",
        "Stale records may describe people who changed since; refresh the data or "
        "restrict it to recently active records.",
        records=stale,
        known=known,
        share=share,
        cutoff=_iso(cutoff),
    )
