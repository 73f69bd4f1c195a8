"""Draft a ``negpersona.yaml`` from the data (what ``negpersona init`` writes).

The draft is a starting point a person reviews: inferred column types, a guessed outcome column
(binary columns and names like converted/churn/won/y), id-like, date and free-text columns that
cannot be conditions, sensitive columns set aside, and value/cost columns recognized by name.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from negpersona.data.profile import ColumnProfile, name_tokens, profile_table
from negpersona.data.sensitive import sensitive_reason
from negpersona.data.source import open_source
from negpersona.model.atomic import to_yaml

OUTCOME_TOKENS = {
    "converted": "conversion", "conversion": "conversion", "convert": "conversion",
    "y": "conversion", "target": "conversion", "label": "conversion", "outcome": "conversion",
    "subscribed": "conversion", "purchased": "conversion", "won": "win_loss", "win": "win_loss",
    "iswon": "win_loss", "churn": "churn", "churned": "churn", "isconverted": "conversion",
}  # fmt: skip
TIME_TOKENS = {
    "created",
    "createdate",
    "created_at",
    "date",
    "time",
    "timestamp",
    "signup",
    "createddate",
}
VALUE_TOKENS = {"value", "amount", "revenue", "arr", "mrr", "acv"}
COST_TOKENS = {"cost", "spend", "cpl", "cac"}


def draft_spec(
    data: str,
    *,
    target: str | None = None,
    delimiter: str | None = None,
    spec_path: str | Path | None = None,
) -> dict[str, Any]:
    """A draft spec (as a plain mapping, ready to dump as YAML) for ``data``.

    A file path is written relative to the folder of ``spec_path`` (where ``load_spec`` resolves
    it), so the spec keeps working wherever it is saved.
    """
    source = open_source(data, delimiter=delimiter)
    profiles = profile_table(source.table)
    outcome = _guess_outcome(profiles, target)
    location = str(data)
    if spec_path is not None and "://" not in location:
        location = os.path.relpath(Path(location).resolve(), Path(spec_path).resolve().parent)
    spec: dict[str, Any] = {"source": location}
    if delimiter:
        spec["delimiter"] = delimiter
    ids = [p.name for p in profiles.values() if p.kind == "id"]
    if ids:
        spec["id"] = ids[0]
    spec["outcome"] = outcome
    dates = [p.name for p in profiles.values() if p.kind == "date"]
    time = next((d for d in dates if name_tokens(d) & TIME_TOKENS), dates[0] if dates else None)
    if time:
        spec["time"] = time
    value = _by_tokens(profiles, VALUE_TOKENS, outcome.get("column"))
    if value:
        spec["value"] = value
    cost = _by_tokens(profiles, COST_TOKENS, outcome.get("column"))
    if cost:
        spec["cost"] = cost
    spec["exclude"] = []
    spec["sensitive"] = sorted(name for name, p in profiles.items() if sensitive_reason(p))
    spec["allow_sensitive"] = []
    spec["columns"] = {
        name: {"type": p.kind, "description": _describe(p)} for name, p in profiles.items()
    }
    spec["discovery"] = {"depth": 3, "min_support": 0.01, "max_rate_ratio": 0.5, "max_personas": 8}
    return spec


def draft_yaml(spec: dict[str, Any]) -> str:
    header = (
        "# negpersona dataset spec, drafted by 'negpersona init'. Review every line:\n"
        "# - outcome: the column and the value(s) that mean a conversion (kind: conversion|churn|win_loss)\n"
        "# - exclude: columns recorded after the outcome (leakage) or otherwise unfit as conditions\n"
        "# - sensitive columns are never used unless listed under allow_sensitive\n"
    )
    return header + to_yaml(spec)


def _guess_outcome(profiles: dict[str, ColumnProfile], target: str | None) -> dict[str, Any]:
    if target:
        return {"column": target, "kind": _kind_of(target)}
    candidates = []
    for name, profile in profiles.items():
        tokens = name_tokens(name) | {name.lower().replace("_", "")}
        binary = profile.kind == "boolean" or profile.distinct == 2
        if tokens & set(OUTCOME_TOKENS) and binary:
            candidates.append((0, name))
        elif binary and profile.kind == "boolean":
            candidates.append((1, name))
    if not candidates:
        return {"column": None, "kind": "conversion"}
    name = sorted(candidates)[0][1]
    outcome: dict[str, Any] = {"column": name, "kind": _kind_of(name)}
    values = [value for value, _ in profiles[name].top_values]
    if values and not all(isinstance(v, bool) for v in values):
        from negpersona.data.outcome import POSITIVE_WORDS

        hits = [v for v in values if str(v).strip().lower() in POSITIVE_WORDS]
        if len(hits) == 1:
            outcome["positive"] = hits
    return outcome


def _kind_of(name: str) -> str:
    tokens = name_tokens(name) | {name.lower().replace("_", "")}
    for token in sorted(tokens):
        if token in OUTCOME_TOKENS:
            return OUTCOME_TOKENS[token]
    return "conversion"


def _by_tokens(
    profiles: dict[str, ColumnProfile], tokens: set[str], outcome: str | None
) -> str | None:
    for name, profile in profiles.items():
        if name != outcome and profile.kind == "numeric" and name_tokens(name) & tokens:
            return name
    return None


def _describe(profile: ColumnProfile) -> str:
    parts = [profile.dtype]
    if profile.missing:
        parts.append(f"{profile.missing} missing")
    parts.append(f"{profile.distinct} distinct")
    reason = sensitive_reason(profile)
    if reason:
        parts.append(f"sensitive: {reason}")
    return ", ".join(parts)
