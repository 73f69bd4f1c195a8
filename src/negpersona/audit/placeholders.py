"""Placeholders: text values that stand for a missing answer, counted per value."""

from __future__ import annotations

import ibis

from negpersona.audit.common import PLACEHOLDER_WARNING, Severity, Y, _value_rows
from negpersona.audit.context import AuditContext
from negpersona.audit.registry import register


def _placeholder_columns(ctx: AuditContext) -> list[str]:
    return [
        name
        for name in ctx.columns
        if ctx.schema[name].is_string() and name not in ctx.text and name not in ctx.roles
    ]


@register("placeholders", "Values that mean 'missing' ('unknown', 'n/a', '').")
def _placeholders(ctx: AuditContext) -> None:
    columns = _placeholder_columns(ctx)
    if not columns or not ctx.string_placeholders:
        return
    t = ctx.t
    parts = []
    for name in columns:
        value = t[name].strip().lower()
        parts.append(
            t.filter(value.isin(ctx.string_placeholders)).select(
                column=ibis.literal(name), value=value, y=t[Y]
            )
        )
    rows = _value_rows(parts)
    found: dict[str, dict[str, dict[str, int]]] = {}
    for item in rows:
        found.setdefault(item["column"], {})[item["value"]] = {
            "records": int(item["n"]),
            "positives": int(item["pos"] or 0),
        }
    for name in columns:
        if name not in found:
            continue
        values = dict(sorted(found[name].items(), key=lambda kv: -kv[1]["records"]))
        total = sum(v["records"] for v in values.values())
        missing = ctx.n - ctx.counts[name]
        share = total / ctx.n
        severity: Severity = (
            "warning" if (total + missing) / ctx.n > PLACEHOLDER_WARNING else "info"
        )
        listed = ", ".join(f"{v!r} ({c['records']:,})" for v, c in values.items())
        ctx.add(
            severity,
            "placeholder",
            name,
            f"{name}: {total:,} values ({share:.1%}) look like placeholders for 'missing': {listed}.",
            f"Personas such as '{name} = {next(iter(values))}' describe missing data; "
            f"clean them upstream (NULLIF) or, if {name} is mostly placeholders, "
            f"`exclude: [{name}]`.",
            values=values,
            records=total,
            share=share,
        )
