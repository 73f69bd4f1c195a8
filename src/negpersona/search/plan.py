"""Decide which columns may form conditions, and turn them into features.

Columns with a role (id, outcome, time, value, cost), excluded, sensitive, calendar position
(month, weekday, day of month, ...; unless in ``allow_columns``), free text, dates, ids,
constant or empty columns are set aside, each with a reason the user sees. The rest become
features: numeric columns get near-quantile cut points, categorical ones their most frequent
values.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from ibis.expr.types import Table

from negpersona.config.spec import Spec
from negpersona.data.profile import ColumnProfile, nice_cuts
from negpersona.data.sensitive import sensitive_reason
from negpersona.data.time_proxy import calendar_reason
from negpersona.search.features import Feature

INTERNAL_PREFIX = "__"


@dataclass
class ColumnPlan:
    features: list[Feature]
    set_aside: list[dict[str, str]]
    sensitive: list[str]
    calendar: list[str] = field(default_factory=list)


def plan_columns(table: Table, profiles: dict[str, ColumnProfile], spec: Spec) -> ColumnPlan:
    """Features for the search and the columns set aside, with reasons."""
    special = spec.special_columns()
    excluded = set(spec.exclude)
    forced_sensitive = set(spec.sensitive)
    allowed = set(spec.allow_sensitive)
    allowed_columns = set(spec.allow_columns)
    features: list[Feature] = []
    set_aside: list[dict[str, str]] = []
    sensitive: list[str] = []
    calendar: list[str] = []

    def aside(column: str, reason: str) -> None:
        set_aside.append({"column": column, "reason": reason})

    for name, profile in profiles.items():
        if name.startswith(INTERNAL_PREFIX):
            continue
        kind = (
            spec.columns[name].type
            if name in spec.columns and spec.columns[name].type
            else profile.kind
        )
        if name in special:
            aside(name, special[name])
            continue
        if name in excluded:
            aside(name, "excluded in the spec")
            continue
        reason = (
            "marked sensitive in the spec"
            if name in forced_sensitive
            else sensitive_reason(profile)
        )
        if reason and name not in allowed:
            sensitive.append(name)
            aside(name, f"sensitive: {reason}; allow with --allow-sensitive {name}")
            continue
        reason = None if name in allowed_columns else calendar_reason(profile)
        if reason:
            # A persona describes who people are, not when they were seen.
            calendar.append(name)
            aside(name, f"{reason}; allow with --allow-column {name}")
            continue
        if profile.all_missing:
            aside(name, "all values missing")
            continue
        if profile.constant:
            aside(name, "constant (one value)")
            continue
        if kind == "id":
            aside(name, "id-like (a different value in almost every record)")
            continue
        if kind == "text":
            aside(name, "free text (kept for persona cards, not used as a condition)")
            continue
        if kind == "date":
            aside(name, "date or time (not used as a condition)")
            continue
        if kind == "numeric":
            feature = _numeric_feature(table, profile, spec.discovery.bins)
            if feature is None:
                aside(name, "too few distinct values to form ranges")
                continue
            features.append(feature)
        else:
            values = [value for value, _ in profile.top_values]
            if not values:
                aside(name, "no values")
                continue
            features.append(
                Feature(
                    column=name,
                    kind="categorical",
                    values=values,
                    has_missing=profile.missing > 0,
                    has_other=profile.other_count > 0,
                )
            )
    return ColumnPlan(features, set_aside, sensitive, calendar)


def _numeric_feature(table: Table, profile: ColumnProfile, bins: int) -> Feature | None:
    integer = profile.dtype.lstrip("!").startswith(("int", "uint"))
    cuts = nice_cuts(profile.quantiles, profile.minimum, profile.maximum, integer)
    if (
        len(cuts) < bins - 1
        and profile.quantiles
        and profile.quantiles[0] <= float(profile.minimum)
    ):
        # A mass at the minimum (pdays = -1, previous = 0) hides the rest: cut just above it and
        # bin the remaining values by their own quantiles.
        column = table[profile.name].cast("float64")
        rest = table.filter(column > float(profile.minimum))
        rest_column = rest[profile.name].cast("float64")
        stats = (
            rest.aggregate(
                next_value=rest_column.min(),
                **{f"q{j}": rest_column.quantile(j / (bins - 1)) for j in range(1, bins - 1)},
            )
            .to_pyarrow()
            .to_pylist()[0]
        )
        if stats["next_value"] is not None:
            extra = [stats[f"q{j}"] for j in range(1, bins - 1) if stats[f"q{j}"] is not None]
            cuts = nice_cuts(
                [stats["next_value"], *extra], profile.minimum, profile.maximum, integer
            )
            if cuts and cuts[0] > stats["next_value"]:
                cuts[0] = float(stats["next_value"])
                cuts = sorted(set(cuts))
    if not cuts:
        return None
    return Feature(
        column=profile.name,
        kind="numeric",
        cuts=[int(cut) if integer and cut == int(cut) else cut for cut in cuts],
        has_missing=profile.missing > 0,
    )
