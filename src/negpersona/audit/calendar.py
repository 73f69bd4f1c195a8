"""Calendar columns: values that describe a period, not people; set aside unless allowed."""

from __future__ import annotations

from dataclasses import replace

from negpersona.audit.common import CALENDAR_TOP_VALUES, MAX_CATEGORIES, _is_numeric
from negpersona.audit.context import AuditContext
from negpersona.audit.registry import register
from negpersona.data.profile import ColumnProfile
from negpersona.data.time_proxy import calendar_reason


@register("calendar", "Columns that only say when a record was seen (month, weekday).")
def _calendar(ctx: AuditContext) -> None:
    columns = [name for name in ctx.condition_columns() if not ctx.schema[name].is_temporal()]
    strings = [
        name
        for name in columns
        if (ctx.schema[name].is_string() or ctx.schema[name].is_boolean())
        and name not in ctx.values
        and ctx.distinct(name) <= MAX_CATEGORIES
    ]
    if strings:  # the leakage check did not run (one class only): one query for all
        ctx.values.update(ctx.value_counts([], strings))
    allowed = ctx.options.get("allow_columns") or set()
    found = []
    for name in columns:
        reason = calendar_reason(_calendar_profile(ctx, name))
        if not reason:
            continue
        found.append(name)
        detail = reason.removeprefix("calendar position").strip(" ()")
        what = (
            f"{name} encodes calendar position ({detail}): a persona on it describes when "
            "records were seen, not who they are, and need not hold on later records."
        )
        if name in allowed:
            ctx.add(
                "info",
                "calendar",
                name,
                what + " It is allowed in conditions (allow_columns).",
                f"Check that personas on {name} hold on the latest records (a --time split).",
                reason=reason,
                allowed=True,
            )
            continue
        ctx.add(
            "warning",
            "calendar",
            name,
            what + " Discovery keeps it out of conditions.",
            f"If {name} does describe people, allow it with `--allow-column {name}` "
            f"(`allow_columns: [{name}]` in the spec).",
            reason=reason,
            allowed=False,
        )
    ctx.summary["calendar_columns"] = found


def _calendar_profile(ctx: AuditContext, name: str) -> ColumnProfile:
    """The column's profile with its most frequent values from the leakage value counts."""
    i = ctx.index[name]
    profile = ctx.profiles.get(name) or ColumnProfile(
        name=name,
        dtype=str(ctx.schema[name]),
        kind=ctx.kinds[name],
        count=ctx.counts[name],
        missing=ctx.n - ctx.counts[name],
        distinct=0,
        minimum=ctx.row.get(f"lo{i}"),
        maximum=ctx.row.get(f"hi{i}"),
    )
    rows = ctx.values.get(name)
    if rows is None or _is_numeric(ctx.schema[name]):
        return profile
    known = sorted(
        ((value, records) for value, records, _ in rows if value is not None),
        key=lambda item: -item[1],
    )
    top = known[:CALENDAR_TOP_VALUES]
    return replace(
        profile,
        count=ctx.counts[name],
        top_values=top,
        other_count=ctx.counts[name] - sum(records for _, records in top),
    )
