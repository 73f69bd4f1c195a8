"""New candidates: segments a discovery on the new batch finds that no current persona covers.

Suggestions only — never added to the personas automatically. A confirmed segment of the new
batch is listed when its members overlap every current persona's members (on the new batch) by a
Jaccard index under :data:`MAX_JACCARD`; the overlaps are counted in the engine in one query.
"""

from __future__ import annotations

from typing import Any

from ibis.expr.types import Table

from negpersona.model.conditions import segment_filter
from negpersona.model.persona import Persona

MAX_JACCARD = 0.5


def new_candidates(
    table: Table, found: list[Persona], current: list[Persona]
) -> list[dict[str, Any]]:
    """The segments of ``found`` unlike every ``current`` persona on ``table`` (see above)."""
    if not found:
        return []
    new_flags = [segment_filter(table, p.conditions) for p in found]
    old_flags = [segment_filter(table, p.conditions) for p in current]
    sums = {}
    for i, new in enumerate(new_flags):
        for j, old in enumerate(old_flags):
            sums[f"b{i}_{j}"] = (new & old).cast("int64").sum()
            sums[f"e{i}_{j}"] = (new | old).cast("int64").sum()
    row = table.aggregate(**sums).to_pyarrow().to_pylist()[0] if sums else {}
    suggestions = []
    for i, persona in enumerate(found):
        overlaps = []
        for j, old in enumerate(current):
            either = int(row.get(f"e{i}_{j}") or 0)
            overlaps.append((int(row.get(f"b{i}_{j}") or 0) / either if either else 0.0, old.id))
        closest = max(overlaps, default=(0.0, None))
        if closest[0] >= MAX_JACCARD:
            continue
        suggestions.append({
            "name": persona.name,
            "description": persona.description,
            "conditions": [c.to_dict() for c in persona.conditions],
            "records": persona.records + (persona.confirmation.records if persona.held_out else 0),
            "rate": persona.expected_rate,
            "rate_ci": list(persona.expected_rate_ci),
            "closest_persona": closest[1],
            "jaccard": closest[0],
        })  # fmt: skip
    return suggestions
