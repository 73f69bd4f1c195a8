"""Who moved since discovery: graduates, late converters and leavers, by record id.

Needs the records as they were at discovery (``previous``, by default the discovery's source) and
ids in both. Per persona, among the records that were members then and had not converted:

* **late converters**: still members now, and converted since — the persona's "never" is a
  "not yet" for them (complex journeys);
* **graduates**: no longer members (a value changed, e.g. the company grew) and converted since;
* **leavers**: no longer members, with how many fail each of the persona's conditions now.

Counts in the engine (the previous members are copied into the new batch's engine as one small
table of ids and flags); examples are a few ids, never other columns.
"""

from __future__ import annotations

from typing import Any

import ibis
from ibis.expr.types import BooleanValue, Table

from negpersona.model.conditions import Condition, describe, segment_filter
from negpersona.model.persona import Persona

EXAMPLES = 5


def movement(
    previous: Table,
    previous_fit: BooleanValue,
    batch: Table,
    batch_fit: BooleanValue,
    personas: list[Persona],
    id_column: str,
    backend: Any,
) -> dict[str, dict[str, Any]]:
    """Per persona id: late converters, graduates and leavers (see the module docstring)."""
    flags = {f"__np_was{i}": segment_filter(previous, p.conditions) for i, p in enumerate(personas)}
    was_member = ibis.literal(False)
    for flag in flags.values():
        was_member = was_member | flag
    before = (
        previous.mutate(
            __np_id=previous[id_column].cast("string"), __np_was_fit=previous_fit, **flags
        )
        .filter(was_member)
        .select("__np_id", "__np_was_fit", *flags)
        .distinct(on="__np_id", keep="first")
        .to_pyarrow()
    )
    name = "__np_previous_members"
    raw = getattr(backend, "con", None)
    if raw is not None and hasattr(raw, "register"):
        raw.register(name, before)
    else:
        backend.create_table(name, obj=before, temp=True, overwrite=True)
    then = backend.table(name)
    now = batch.mutate(
        __np_now_id=batch[id_column].cast("string"),
        __np_now_fit=batch_fit,
        **{f"__np_is{i}": segment_filter(batch, p.conditions) for i, p in enumerate(personas)},
        **{
            f"__np_c{i}_{j}": segment_filter(batch, [condition])
            for i, p in enumerate(personas)
            for j, condition in enumerate(p.conditions)
        },
    )
    joined = then.join(now, then["__np_id"] == now["__np_now_id"])
    result: dict[str, dict[str, Any]] = {}
    for i, persona in enumerate(personas):
        was = joined[f"__np_was{i}"] & ~joined["__np_was_fit"].fill_null(False)
        still = joined[f"__np_is{i}"]
        converted = joined["__np_now_fit"]
        groups = {
            "late_converters": was & still & converted,
            "graduates": was & ~still & converted,
            "leavers": was & ~still,
        }
        sums = {key: group.cast("int64").sum() for key, group in groups.items()}
        sums["seen_again"] = was.cast("int64").sum()
        failing = {
            f"fails{j}": (was & ~still & ~joined[f"__np_c{i}_{j}"]).cast("int64").sum()
            for j in range(len(persona.conditions))
        }
        row = joined.aggregate(**sums, **failing).to_pyarrow().to_pylist()[0]
        entry: dict[str, Any] = {"seen_again": int(row["seen_again"] or 0)}
        for key, group in groups.items():
            examples = (
                joined.filter(group).select(v=joined["__np_id"]).order_by("v").limit(EXAMPLES)
            )
            entry[key] = {
                "records": int(row[key] or 0),
                "examples": [r["v"] for r in examples.to_pyarrow().to_pylist()],
            }
        entry["leavers"]["conditions_no_longer_met"] = _failing(persona.conditions, row)
        result[persona.id] = entry
    return result


def _failing(conditions: list[Condition], row: dict[str, Any]) -> list[dict[str, Any]]:
    words = describe(conditions)
    return [
        {"condition": words[j], "records": int(row[f"fails{j}"] or 0)}
        for j in range(len(conditions))
        if row[f"fails{j}"]
    ]
