"""Discovery end to end: data → profile → features → compressed table → search → personas.

The engine does the heavy lifting (profiling, binning, one aggregation); the exact search runs on
the compressed table in NumPy; statistics decide what becomes a persona: only segments that are
still clearly below baseline on the confirmation records, after correcting for the number of
candidates tested.

Large data: above ``max_search_rows`` records the aggregation runs on a seeded sample of records
and the search, redundancy filters and cover work there; every segment that reaches the user is
then recounted exactly on all records by the engine (``recount.py``), so all reported numbers and
tests are exact and only the choice of candidates comes from the sample.
"""

from __future__ import annotations

from typing import Any

from negpersona.apply.policy import choose, default_money
from negpersona.config.spec import Spec
from negpersona.data.drift import reference_block
from negpersona.discovery.prepare import Progress, prepare
from negpersona.discovery.run import _Run
from negpersona.model.conditions import segment_filter
from negpersona.model.persona import DiscoveryResult, Persona
from negpersona.search.frontier import shortlist
from negpersona.search.select import (
    drop_diluted_generalizations,
    drop_near_duplicates,
    drop_weak_refinements,
)

PROFILE_COLUMNS = 4  # profile columns kept in the reference besides the condition columns


def discover(
    data: Any = None,
    spec: Spec | None = None,
    *,
    raw_top: int | None = None,
    progress: Progress | None = None,
    frames: dict[str, Any] | None = None,
    **overrides: Any,
) -> DiscoveryResult:
    """Find negative personas in ``data`` (path, URL, DataFrame or Ibis table).

    ``spec`` holds the dataset settings (``negpersona.yaml``); keyword ``overrides`` replace
    single settings (``target=``, ``positive=``, ``depth=``, ``max_rate_ratio=``, …). With
    ``raw_top=K`` the search runs on all records and the result also holds its K best segments
    before confirmation and redundancy filtering (for exactness checks against other tools).
    """
    say = progress or (lambda _stage: None)
    prepared = prepare(
        data, spec, hold_out=raw_top is None, progress=progress, frames=frames, **overrides
    )
    run = _Run(prepared)

    say("Searching segments")
    raw = None
    if raw_top:  # unfiltered top-k; on a sample, 3×k candidates recounted exactly
        wanted = 3 * raw_top if prepared.sampled else raw_top
        raw = run.exact(run.search(wanted, None))[:raw_top]
    pool = run.pool()

    say("Filtering redundant segments")
    candidates = drop_weak_refinements(pool, run.index, run.settings.alpha)
    candidates = drop_diluted_generalizations(
        candidates, run.sample_baseline, run.settings.max_rate_ratio
    )
    candidates = drop_near_duplicates(candidates, run.index, run.settings.jaccard)
    candidates = shortlist(
        candidates,
        run.index,
        run.gains(),
        limit=run.settings.max_candidates,
        per_sequence=run.settings.max_personas,
        min_new_share=run.settings.min_new_share,
        min_records=run.sample_min_count,
        refill=run.refill,
    )

    say("Confirming on held-out records")
    personas, unconfirmed = run.confirm(candidates)
    say("Writing persona cards")
    cards = run.cards(personas, frames or {})
    result = run.result(personas, unconfirmed)
    result.extra.update(cards)
    if run.selection is not None:
        result.extra["selection"] = {
            "gain": run.selection.gain,
            "step": run.selection.step,
            "sequences": run.selection.tried,
        }
    if personas or not raw_top:  # without personas the policy excludes nothing, and says so
        settings = run.spec.discovery
        cost, value = default_money(settings.cost, settings.value, cards["tradeoff"])
        result.policy = choose(
            cards["tradeoff"], run.spec.policy, cost=cost, value=value, strict=False
        )
    if raw is not None:
        result.raw_top = [run.raw_item(item) for item in raw]
    if personas:
        say("Storing the reference for re-checks")
        result.extra["reference"] = _reference(prepared.table, personas)
    return result


def _reference(table: Any, personas: list[Persona]) -> dict[str, Any]:
    """Bins and counts of the columns the personas use (their conditions, then the columns of
    their cards' profiles): what ``recheck`` compares a new batch with, so the old data need not
    be kept."""
    columns = list(dict.fromkeys(c.column for p in personas for c in p.conditions))
    profiled = [
        entry["column"]
        for p in personas
        for entries in ((p.extra.get("card") or {}).get("profile") or {}).values()
        for entry in entries
        if entry.get("column")
    ]
    extra = [c for c in dict.fromkeys(profiled) if c not in columns][:PROFILE_COLUMNS]
    flags = {p.id: segment_filter(table, p.conditions) for p in personas}
    uses: dict[str, list[str]] = {}
    for persona in personas:
        for condition in persona.conditions:
            uses.setdefault(condition.column, []).append(persona.id)
    return reference_block(table, columns + extra, flags, uses)
