"""Missing and constant columns: a mostly empty column makes 'is missing' segments; a constant one cannot form a condition."""

from __future__ import annotations

from negpersona.audit.common import MISSING_WARNING, Severity
from negpersona.audit.context import AuditContext
from negpersona.audit.registry import register


@register("missing_and_constant", "Columns with many missing values, or one value only.")
def _missing_and_constant(ctx: AuditContext) -> None:
    for name in ctx.columns:
        if ctx.roles.get(name) == "outcome_time":
            continue  # missing for every non-converter by design
        missing = ctx.n - ctx.counts[name]
        if missing:
            share = missing / ctx.n if ctx.n else 0.0
            severity: Severity = "warning" if share > MISSING_WARNING else "info"
            ctx.add(
                severity,
                "missing",
                name,
                f"{name}: {missing:,} of {ctx.n:,} values missing ({share:.1%}).",
                f"Missing values form their own group in conditions; if {name} is mostly "
                f"empty, consider `exclude: [{name}]`."
                if severity == "warning"
                else "No action needed unless the gaps are systematic.",
                missing=missing,
                share=share,
            )
        profile = ctx.profiles.get(name)
        distinct = profile.distinct if profile is not None else None
        if ctx.counts[name] == ctx.n and ctx.n and distinct is not None and distinct <= 1:
            value = profile.top_values[0][0] if profile.top_values else profile.minimum
            ctx.add(
                "info",
                "constant",
                name,
                f"{name} has one value only ({value!r}) in all {ctx.n:,} records.",
                f"It cannot tell segments apart: `exclude: [{name}]`.",
                value=value,
            )
