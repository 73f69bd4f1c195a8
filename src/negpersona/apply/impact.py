"""What applying the policy to a dataset would do, against excluding as many records at random.

For a batch of records (new leads, say) :func:`impact` applies the personas and the policy and
reports records excluded and kept in the holdout, spend saved, and the conversions and revenue put
at risk. Those are *expected* numbers: each excluded record counts with its persona's held-out
rate, and the interval combines the personas' Wilson intervals (independent normal
approximations). Excluding the same number of records at random would lose the held-out baseline
rate on each of them: the comparison says how much the personas beat a blind cut.

When the batch also holds the outcome (a past period, for a back-test), the *observed*
conversions among the excluded, the holdout and everyone else are reported too, and the holdout's
observed rate is compared with the rate the personas expected: a holdout converting well above it
means the exclusion is costing more than planned (or customers have changed).
"""

from __future__ import annotations

import math
from typing import Any

import ibis

from negpersona.apply.personas import Personas
from negpersona.config.spec import Spec
from negpersona.data.outcome import resolve_outcome
from negpersona.stats import rate_interval

Z = 1.959963984540054


def impact(
    personas: Personas,
    data: Any,
    *,
    spec: Spec | None = None,
    frames: dict[str, Any] | None = None,
    id_column: str | None = None,
) -> dict[str, Any]:
    """The policy applied to ``data``: counts, expected losses with intervals, random comparison."""
    matched = personas.match(data, spec=spec, frames=frames, id_column=id_column, keep_columns=True)
    action = matched["negative_persona_action"]
    primary = matched["negative_persona"]
    metrics: dict[str, Any] = {
        "records": action.count(),
        "excluded": (action == "exclude").cast("int64").sum(),
        "holdout": (action == "holdout").cast("int64").sum(),
    }
    for i, persona in enumerate(personas.personas):
        metrics[f"x{i}"] = ((action == "exclude") & (primary == persona.id)).cast("int64").sum()
    cost_column = spec.cost if spec is not None and spec.cost in matched.columns else None
    if cost_column:
        metrics["cost_excluded"] = (action == "exclude").ifelse(matched[cost_column], 0).sum()
    row = matched.aggregate(**metrics).to_pyarrow().to_pylist()[0]
    observed = _observed(matched, spec, personas)
    return _report(personas, row, observed, cost_column is not None)


def _observed(matched, spec: Spec | None, personas: Personas) -> dict[str, Any] | None:
    """Conversions by action where the data holds the outcome (a back-test), else None."""
    if spec is None or not (spec.outcome.column or spec.outcome.expression):
        return None
    if spec.outcome.column and spec.outcome.column not in matched.columns:
        return None  # new records without an outcome yet: expected numbers only
    resolved = resolve_outcome(matched, spec.outcome)
    known = resolved.table.mutate(__np_fit=resolved.label)
    fit, action = known["__np_fit"], known["negative_persona_action"]
    metrics: dict[str, Any] = {"known": fit.count(), "fits": fit.cast("int64").sum()}
    for name in ("exclude", "holdout", "target"):
        metrics[f"n_{name}"] = (action == name).cast("int64").sum()
        metrics[f"fits_{name}"] = ((action == name) & fit).cast("int64").sum()
    holdout_expected = ibis.literal(0.0)
    for persona in personas.personas:
        holdout_expected = holdout_expected + (
            (action == "holdout") & (known["negative_persona"] == persona.id)
        ).ifelse(persona.expected_rate, 0.0)
    metrics["holdout_expected"] = holdout_expected.sum()
    return known.aggregate(**metrics).to_pyarrow().to_pylist()[0]


def _report(
    personas: Personas, row: dict[str, Any], seen: dict[str, Any] | None, cost_column: bool
) -> dict:
    policy = personas.policy
    records, excluded, holdout = (
        int(row["records"]),
        int(row["excluded"] or 0),
        int(row["holdout"] or 0),
    )
    expected, variance = 0.0, 0.0
    by_persona = []
    for i, persona in enumerate(personas.personas):
        n = int(row[f"x{i}"] or 0)
        if not n:
            continue
        rate, (low, high) = persona.expected_rate, persona.expected_rate_ci
        expected += n * rate
        variance += (n * (high - low) / (2 * Z)) ** 2
        by_persona.append(
            {"id": persona.id, "name": persona.name, "excluded": n, "expected_rate": rate}
        )
    spread = Z * math.sqrt(variance)
    baseline = personas.baseline_rate
    cost = policy.get("cost_per_record")
    value = policy.get("value_per_conversion")
    result: dict[str, Any] = {
        "records": records,
        "excluded": excluded,
        "excluded_share": excluded / records if records else 0.0,
        "holdout": holdout,
        "excluded_personas": personas.excluded,
        "by_persona": by_persona,
        "expected_conversions_lost": expected,
        "expected_conversions_lost_ci": [max(0.0, expected - spread), expected + spread],
        "random_exclusion": {
            "baseline_rate": baseline,
            "expected_conversions_lost": excluded * baseline,
        },
        "conversions_kept_vs_random": excluded * baseline - expected,
    }
    if cost_column:
        result["spend_saved"] = float(row["cost_excluded"] or 0.0)
    elif cost is not None:
        result["spend_saved"] = excluded * cost
    if value is not None:
        result["value_at_risk"] = expected * value
        result["value_at_risk_ci"] = [v * value for v in result["expected_conversions_lost_ci"]]
        result["random_exclusion"]["value_lost"] = excluded * baseline * value
    if seen is not None:
        fits, known = int(seen["fits"] or 0), int(seen["known"] or 0)
        n_excluded, lost = int(seen["n_exclude"] or 0), int(seen["fits_exclude"] or 0)
        share = n_excluded / known if known else 0.0
        # Excluding as many records at random: hypergeometric mean and spread of the loss.
        random_sd = (
            math.sqrt(fits * share * (1 - share) * (known - fits) / (known - 1))
            if known > 1
            else 0.0
        )
        result["observed"] = {
            "records_with_outcome": known,
            "conversions": fits,
            "conversions_excluded": lost,
            "conversions_excluded_share": lost / fits if fits else 0.0,
            "conversions_holdout": int(seen["fits_holdout"] or 0),
            "conversions_target": int(seen["fits_target"] or 0),
            "random_exclusion_conversions": fits * share,
            "random_exclusion_conversions_ci": [
                max(0.0, fits * share - Z * random_sd),
                fits * share + Z * random_sd,
            ],
        }
        n_holdout = int(seen["n_holdout"] or 0)
        if n_holdout:
            got = int(seen["fits_holdout"] or 0)
            result["observed"]["holdout_records"] = n_holdout
            result["observed"]["holdout_rate"] = got / n_holdout
            result["observed"]["holdout_rate_ci"] = list(rate_interval(got, n_holdout))
            result["observed"]["holdout_expected_rate"] = (
                float(seen["holdout_expected"] or 0) / n_holdout
            )
    return result
