"""Sentinels: numeric codes (999, -1) that look like a code rather than a measurement."""

from __future__ import annotations

from negpersona.audit.common import SENTINEL_MIN_SHARE, _is_numeric
from negpersona.audit.context import AuditContext
from negpersona.audit.registry import register


@register("sentinels", "Numeric codes such as 999 or -1 standing alone at the edge.")
def _sentinels(ctx: AuditContext) -> None:
    for name in ctx.columns:
        if not _is_numeric(ctx.schema[name]) or name in ctx.roles:
            continue
        i, known = ctx.index[name], ctx.counts[name]
        if not known:
            continue
        low, high = ctx.row.get(f"lo{i}"), ctx.row.get(f"hi{i}")
        for j, value in enumerate(ctx.numeric_sentinels):
            count = int(ctx.row.get(f"s{i}_{j}") or 0)
            if not count or count / known < SENTINEL_MIN_SHARE or count == known:
                continue
            other = ctx.row.get(f"sn{i}_{j}")
            if value < 0:
                isolated = float(low) == value and other is not None and float(other) >= 0
            else:
                isolated = float(high) == value and other is not None and float(other) <= value / 2
            if not isolated:
                continue
            shown = int(value) if value == int(value) else value
            edge = "only negative value" if value < 0 else f"far above the next value ({other:g})"
            ctx.add(
                "info",
                "placeholder",
                name,
                f"{name} = {shown} in {count:,} records ({count / known:.1%}), the "
                f"{edge}: probably a code for 'none' or 'unknown', not a measurement.",
                f"Fine if {name} = {shown} has a meaning (e.g. 'never'); otherwise "
                f"replace it with NULL upstream.",
                values={str(shown): {"records": count}},
                records=count,
                share=count / known,
                sentinel=True,
            )
