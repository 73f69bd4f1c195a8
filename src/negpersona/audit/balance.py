"""Class balance: a segment can only sit far below a baseline that has room below it."""

from __future__ import annotations

from negpersona.audit.common import EXTREME_RATE, MIN_POSITIVES
from negpersona.audit.context import AuditContext
from negpersona.audit.registry import register


@register("class_balance", "Enough fits and non-fits, and a baseline rate far from 0 and 1.")
def _class_balance(ctx: AuditContext) -> None:
    low, high = ctx.summary["baseline_ci"]
    facts = dict(positives=ctx.pos, records=ctx.n, rate=ctx.baseline, rate_ci=[low, high])
    text = (
        f"Baseline: {ctx.pos:,} of {ctx.n:,} records are fits ({ctx.baseline:.2%}, "
        f"95% Wilson CI {low:.2%}–{high:.2%})."
    )
    if ctx.pos == 0 or ctx.neg == 0:
        ctx.add(
            "error",
            "class_balance",
            None,
            text + " One class only.",
            "Check the outcome definition: personas need fits and non-fits.",
            **facts,
        )
        return
    problems = []
    if ctx.pos < MIN_POSITIVES:
        problems.append(f"only {ctx.pos} fits (fewer than {MIN_POSITIVES})")
    if ctx.neg < MIN_POSITIVES:
        problems.append(f"only {ctx.neg} non-fits (fewer than {MIN_POSITIVES})")
    if ctx.baseline < EXTREME_RATE or ctx.baseline > 1 - EXTREME_RATE:
        problems.append(f"a rate outside {EXTREME_RATE:.1%}–{1 - EXTREME_RATE:.1%}")
    if problems:
        ctx.add(
            "warning",
            "class_balance",
            None,
            text + " " + "; ".join(problems).capitalize() + ".",
            "Add data or a longer period; rates this extreme make segments hard to tell from chance.",
            **facts,
        )
    else:
        ctx.add("info", "class_balance", None, text, "", **facts)
