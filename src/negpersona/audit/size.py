"""Sample size: the smallest segment the held-out records could confirm at the settings' power."""

from __future__ import annotations

import math

import numpy as np

from negpersona.audit.context import AuditContext
from negpersona.audit.registry import register


@register("sample_size", "Whether the confirmation part can confirm a segment of the minimum size.")
def _sample_size(ctx: AuditContext) -> None:
    if ctx.pos == 0 or ctx.neg == 0:
        return
    ratio, alpha = ctx.options["max_rate_ratio"], ctx.options["alpha"]
    power = ctx.settings.power
    target = ratio * ctx.baseline
    from statsmodels.stats.power import NormalIndPower  # statsmodels loads when needed
    from statsmodels.stats.proportion import proportion_effectsize

    effect = abs(float(proportion_effectsize(target, ctx.baseline)))
    if effect == 0:
        return
    tested = NormalIndPower().solve_power(
        effect_size=effect,
        nobs1=None,
        alpha=alpha,
        power=power,
        ratio=0.0,
        alternative="larger",
    )
    tested = math.ceil(float(np.squeeze(tested)))
    fraction = ctx.options["confirm_fraction"]
    needed = math.ceil(tested / fraction) if fraction else tested
    support = math.ceil(ctx.options["min_support"] * ctx.n)
    ctx.summary["min_confirmable_segment"] = needed
    details = dict(
        segment_records=needed,
        tested_records=tested,
        share=needed / ctx.n if ctx.n else None,
        target_rate=target,
        baseline_rate=ctx.baseline,
        power=power,
        alpha=alpha,
        min_support_records=support,
    )
    what = (
        f"a segment converting at {ratio:g}× baseline ({target:.2%} vs {ctx.baseline:.2%}) "
        f"needs at least {needed:,} records"
        + (f" ({tested:,} in the confirmation part)" if fraction else "")
        + f" to be told from baseline with {power:.0%} power at α = {alpha:g} (one-sided)"
    )
    if needed > ctx.n / 2:
        ctx.add(
            "error",
            "sample_size",
            None,
            f"Too little data for personas: {what}, more than half of the {ctx.n:,} "
            "records. Any persona found would be too weak to trust.",
            "Add records (a longer period or more sources), or relax max_rate_ratio.",
            **details,
        )
    else:
        note = (
            f" Segments between min_support ({support:,} records) and that size can be "
            "found but rarely confirmed."
            if needed > support
            else ""
        )
        ctx.add(
            "info",
            "sample_size",
            None,
            f"Smallest confirmable segment: {what} ({needed / ctx.n:.1%} of records).{note}",
            "",
            **details,
        )
