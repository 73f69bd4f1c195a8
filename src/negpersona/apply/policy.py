"""The exclusion policy: which personas to exclude, by a stated rule, and what it costs.

Excluding a persona saves what reaching its records costs and loses the conversions it would still
have brought. The trade-off curve (``tradeoff`` in ``personas.json``) adds the personas one by one,
in the selection's order (lowest marginal rate first, see ``frontier.py``), and counts the union exactly on the held-out records, which the
search never saw. A rule picks a point on that curve:

* ``max_conversion_loss`` (default, 5%): the most personas whose union loses at most that share of
  conversions;
* ``break_even``: the point with the largest net value, cost per record × records excluded minus
  value per conversion × conversions lost (only if that is positive);
* ``all`` / ``none``.

Overrides always win: ``exclude:`` lists persona ids to exclude whatever the rule says, ``keep:``
ids never to exclude (and a persona's YAML may say ``action: exclude`` or ``action: target``).

The **exploration holdout** keeps a fixed share (default 5%) of every excluded persona's records
targeted, chosen by a salted SHA-256 of the record id (``engine.hashing.is_holdout``): stable across runs,
machines and row orders. Their conversions, compared later with the persona's expected rate, keep
every exclusion measurable.

``policy.json`` records the rule, the curve with money, the chosen personas and the expected
impact on the held-out records against excluding as many records at random.
"""

from __future__ import annotations

import math
from typing import Any

from negpersona.config.policy import PolicySettings
from negpersona.errors import ConfigError
from negpersona.stats import rate_interval


def choose(
    steps: list[dict[str, Any]],
    settings: PolicySettings,
    *,
    cost: float | None = None,
    value: float | None = None,
    strict: bool = True,
) -> dict[str, Any]:
    """``policy.json``: the curve with money, the chosen step and personas, and the impact.

    ``strict=False`` (discovery) notes persona ids in ``exclude``/``keep`` that are not among the
    personas instead of failing: a new run may not find a persona an earlier one had.
    """
    cost = settings.cost_per_record if settings.cost_per_record is not None else cost
    value = settings.value_per_conversion if settings.value_per_conversion is not None else value
    last = steps[-1] if steps else {}
    has_cost = cost is not None or "cost" in last
    has_value = value is not None or "value_lost" in last
    if settings.rule == "break_even" and not (has_cost and has_value):
        raise ConfigError(
            "The break_even policy needs a cost per record and a value per conversion.",
            "Set policy.cost_per_record and policy.value_per_conversion (or discovery.cost and "
            "discovery.value).",
            code="policy.break_even_needs_money",
            setting="policy.cost_per_record",
        )
    explicit = (settings.cost_per_record is not None, settings.value_per_conversion is not None)
    curve = [_with_money(step, cost, value, explicit) for step in steps]
    chosen = _chosen_step(curve, settings)
    by_rule = [step["id"] for step in curve[1 : chosen + 1]]
    all_ids = [step["id"] for step in curve[1:]]
    unknown = sorted(set(settings.exclude + settings.keep) - set(all_ids))
    notes = []
    if unknown and not strict:  # a rerun that no longer finds a listed persona: say so
        notes.append(f"Listed persona id(s) not among the personas: {', '.join(unknown)}.")
    elif unknown:
        raise ConfigError(
            f"policy lists persona id {unknown[0]!r}, which is not among the personas.",
            f"Known ids: {', '.join(all_ids) or 'none'}.",
        )
    excluded = [
        pid
        for pid in all_ids
        if (pid in by_rule or pid in settings.exclude) and pid not in settings.keep
    ]
    return {
        "rule": settings.rule,
        "summary": summarize(curve, chosen, excluded, settings),
        "settings": settings.model_dump(),
        "cost_per_record": cost,
        "value_per_conversion": value,
        "basis": "held-out records (never seen by the search)",
        "curve": curve,
        "chosen_step": chosen,
        "excluded": excluded,
        "holdout": settings.holdout,
        "salt": settings.salt,
        "impact": expected_impact(curve[chosen], cost, value) if len(curve) > 1 else None,
        "notes": notes,
    }


def summarize(
    curve: list[dict[str, Any]], chosen: int, excluded: list[str], settings: PolicySettings
) -> str:
    """One sentence on what the policy excludes, or why it excludes nothing and what would.

    An empty exclusion audience must never come without its reason.
    """
    if len(curve) <= 1:
        return "No confirmed personas, so nothing is excluded."
    if excluded:
        step = curve[chosen] if chosen else None
        if step is None or set(excluded) != {s["id"] for s in curve[1 : chosen + 1]}:
            return (
                f"Excludes {len(excluded)} persona(s), as the rule and policy.exclude/keep say "
                "(not a prefix of the trade-off curve: see policy.json)."
            )
        return (
            f"Excludes {len(excluded)} persona(s): {step['records_share']:.1%} of held-out records "
            f"for {step['conversions_share']:.1%} of held-out conversions."
        )
    first = curve[1]
    if settings.rule == "none":
        return "Rule none: nothing is excluded."
    if settings.rule == "max_conversion_loss" and chosen == 0:
        needed = math.ceil(first["conversions_share"] * 100) / 100
        return (
            f"Nothing is excluded: excluding persona {first['id']} ({first['name']}) alone would "
            f"lose {first['conversions_share']:.1%} of conversions on held-out records, above "
            f"max_conversion_loss {settings.max_conversion_loss:.0%}; raise max_conversion_loss "
            f"to {needed:.2f} to include it."
        )
    if settings.rule == "break_even" and chosen == 0:
        best = max(curve[1:], key=lambda step: step.get("net_value", -math.inf))
        return (
            f"Nothing is excluded: no step saves more than it loses (best net value "
            f"{best.get('net_value', 0.0):,.0f} at step {best['step']}); check cost_per_record "
            "and value_per_conversion."
        )
    return "Nothing is excluded: policy.keep lists every persona the rule chose."


def _with_money(
    step: dict[str, Any], cost: float | None, value: float | None, explicit: tuple[bool, bool]
) -> dict[str, Any]:
    """The step with ``cost_saved``, ``value_lost`` and ``net_value`` where they can be known.

    Exact sums of the cost and value columns (already in the step) win over per-record and
    per-conversion amounts, unless the policy sets those amounts explicitly.
    """
    step = dict(step)
    if cost is not None and (explicit[0] or "cost" not in step):
        step["cost_saved"] = step["records"] * cost
    elif "cost" in step:
        step["cost_saved"] = step["cost"]
    if value is not None and (explicit[1] or "value_lost" not in step):
        step["value_lost"] = step["conversions"] * value
    if "cost_saved" in step and "value_lost" in step:
        step["net_value"] = step["cost_saved"] - step["value_lost"]
    return step


def _chosen_step(curve: list[dict[str, Any]], settings: PolicySettings) -> int:
    """Index of the chosen point on the curve (0 = exclude nothing)."""
    if settings.rule == "none" or len(curve) <= 1:  # no personas: nothing to exclude
        return 0
    if settings.rule == "all":
        return len(curve) - 1
    if settings.rule == "max_conversion_loss":
        allowed = [
            step["step"]
            for step in curve
            if step["conversions_share"] <= settings.max_conversion_loss + 1e-12
        ]
        # The curve only grows, so the allowed points are a prefix.
        return max(allowed, default=0)
    best = max(range(len(curve)), key=lambda i: (curve[i].get("net_value", 0.0), -i))
    return best if curve[best].get("net_value", 0.0) > 0 else 0


def expected_impact(
    step: dict[str, Any], cost: float | None, value: float | None
) -> dict[str, Any]:
    """The chosen exclusion on the held-out records, and excluding as many at random.

    Random exclusion of ``r`` of ``N`` records loses on average ``r/N`` of the conversions; the
    interval is the hypergeometric spread of that loss (normal approximation). The personas'
    conversions lost have a Wilson interval on their rate within the excluded records.
    """
    records, conversions = int(step["records"]), int(step["conversions"])
    total, total_conversions = int(step["scope_records"]), int(step["scope_conversions"])
    share = records / total if total else 0.0
    random_mean = total_conversions * share
    random_sd = (
        math.sqrt(
            total_conversions * share * (1 - share) * (total - total_conversions) / (total - 1)
        )
        if total > 1
        else 0.0
    )
    low, high = rate_interval(conversions, records)
    impact: dict[str, Any] = {
        "records_excluded": records,
        "records_share": share,
        "conversions_lost": conversions,
        "conversions_lost_ci": [records * low, records * high],
        "conversions_share": conversions / total_conversions if total_conversions else 0.0,
        "random_exclusion": {
            "conversions_lost": random_mean,
            "conversions_lost_ci": [
                max(0.0, random_mean - 1.96 * random_sd),
                random_mean + 1.96 * random_sd,
            ],
        },
        "conversions_kept_vs_random": random_mean - conversions,
    }
    if cost is not None:
        impact["cost_saved"] = records * cost
    if value is not None:
        impact["value_lost"] = conversions * value
        impact["value_lost_ci"] = [records * low * value, records * high * value]
        impact["random_exclusion"]["value_lost"] = random_mean * value
    return impact


def default_money(
    cost: float | None, value: float | None, steps: list[dict[str, Any]]
) -> tuple[float | None, float | None]:
    """Cost per record and value per conversion: the discovery amounts, else the value column's
    average per conversion on the held-out records."""
    if value is None and steps and steps[0].get("scope_value_lost") is not None:
        conversions = steps[0]["scope_conversions"]
        value = steps[0]["scope_value_lost"] / conversions if conversions else None
    return cost, value
