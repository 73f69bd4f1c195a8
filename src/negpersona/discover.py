"""Discovery end to end: data → profile → features → compressed table → search → personas.

The engine does the heavy lifting (profiling, binning, one aggregation); the exact search runs on
the compressed table in NumPy; statistics decide what becomes a persona: only segments that are
still clearly below baseline on the confirmation records, after correcting for the number of
candidates tested.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np

from negpersona.bitsets import WeightedBitsets
from negpersona.compress import CompressedTable, compress
from negpersona.errors import ConfigError, DataError
from negpersona.features import Feature, Selector
from negpersona.outcome import resolve_outcome, unknown_column
from negpersona.persona import Confirmation, DiscoveryResult, Persona
from negpersona.plan import INTERNAL_PREFIX, ColumnPlan, plan_columns
from negpersona.profile import profile_table
from negpersona.quality import POSITIVES, RECORDS, NetSavings, WRAcc
from negpersona.search import Found, top_k
from negpersona.select import (
    drop_diluted_generalizations,
    drop_near_duplicates,
    drop_weak_refinements,
    greedy_cover,
)
from negpersona.source import Source, open_source
from negpersona.spec import Spec
from negpersona.split import Split, make_split, no_split
from negpersona.stats import adjust, below_baseline_p_value, rate_interval

Progress = Callable[[str], None]
MIN_RECORDS_TOTAL = 50


@dataclass
class Prepared:
    """Everything computed before the search: data, features, selectors and compressed rows.

    Exposed so tests and benchmarks can run other algorithms on exactly the same conditions.
    """

    spec: Spec
    source: Source
    outcome_description: str
    dropped_missing: int
    plan: ColumnPlan
    split: Split
    compressed: CompressedTable
    discovery_rows: CompressedTable
    confirmation_rows: CompressedTable
    selectors: list[Selector]
    table: Any

    @property
    def features(self) -> list[Feature]:
        return self.plan.features


def prepare(
    data: Any = None,
    spec: Spec | None = None,
    *,
    hold_out: bool = True,
    progress: Progress | None = None,
    **overrides: Any,
) -> Prepared:
    """Open, profile, discretize and aggregate ``data``: all the engine work of a discovery.

    ``hold_out=False`` puts every record in the discovery part (as ``--raw-top`` does).
    """
    say = progress or (lambda _stage: None)
    spec = (spec or Spec()).with_overrides(**overrides)
    settings = spec.discovery
    say("Reading data")
    source = open_source(
        data if data is not None else _source_of(spec), delimiter=spec.delimiter, table=spec.table
    )
    _check_columns(source, spec)
    resolved = resolve_outcome(source.table, spec.outcome, source.dialect)
    table = resolved.table

    say("Profiling columns")
    columns = [name for name in table.columns if not name.startswith(INTERNAL_PREFIX)]
    profiles = profile_table(
        table,
        bins=settings.bins,
        max_categories=settings.max_categories,
        exact_quantiles=source.dialect in {"duckdb", "postgres"},
        columns=columns,
    )
    plan = plan_columns(table, profiles, spec)
    if not plan.features:
        raise DataError(
            f"No usable condition columns in {source.name}.",
            "All columns were set aside (see 'set aside' reasons); include more columns or allow some.",
        )
    split = (
        make_split(table, settings.confirm_fraction, settings.seed, spec.time, spec.id)
        if settings.confirm and hold_out
        else no_split()
    )
    say("Aggregating to sufficient statistics")
    value = table[spec.value] if spec.value else None
    cost = table[spec.cost] if spec.cost else None
    compressed = compress(table, plan.features, resolved.label, split.confirm, value, cost)
    selectors = [s for i, feature in enumerate(plan.features) for s in feature.selectors(i)]
    return Prepared(
        spec=spec,
        source=source,
        outcome_description=resolved.description,
        dropped_missing=resolved.dropped_missing,
        plan=plan,
        split=split,
        compressed=compressed,
        discovery_rows=compressed.subset(~compressed.confirm),
        confirmation_rows=compressed.subset(compressed.confirm),
        selectors=selectors,
        table=table,
    )


def _source_of(spec: Spec) -> str:
    if not spec.source:
        raise ConfigError(
            "No data given.", "Pass a DATA path or URL, or set source: in negpersona.yaml."
        )
    return spec.source


def discover(
    data: Any = None,
    spec: Spec | None = None,
    *,
    raw_top: int | None = None,
    progress: Progress | None = None,
    **overrides: Any,
) -> DiscoveryResult:
    """Find negative personas in ``data`` (path, URL, DataFrame or Ibis table).

    ``spec`` holds the dataset settings (``negpersona.yaml``); keyword ``overrides`` replace
    single settings (``target=``, ``positive=``, ``depth=``, ``max_rate_ratio=``, …). With
    ``raw_top=K`` the search runs on all records and the result also holds its K best segments
    before confirmation and redundancy filtering (for exactness checks against other tools).
    """
    say = progress or (lambda _stage: None)
    prepared = prepare(data, spec, hold_out=raw_top is None, progress=progress, **overrides)
    spec, settings = prepared.spec, prepared.spec.discovery
    source, plan, split, compressed = (
        prepared.source,
        prepared.plan,
        prepared.split,
        prepared.compressed,
    )
    discovery_rows, confirmation_rows = prepared.discovery_rows, prepared.confirmation_rows
    selectors = prepared.selectors

    total_n = int(compressed.count.sum())
    total_pos = int(compressed.positives.sum())
    n_disc = int(discovery_rows.count.sum())
    pos_disc = int(discovery_rows.positives.sum())
    _check_size(total_n, total_pos, n_disc, pos_disc, settings.min_records, source.name)

    measure, channels = _measure(spec, n_disc, pos_disc, discovery_rows)
    say("Building bitsets")
    index = _index(discovery_rows, selectors, channels(discovery_rows))
    min_count = max(math.ceil(settings.min_support * n_disc), settings.min_records)
    baseline = pos_disc / n_disc

    say("Searching segments")
    if raw_top is not None:
        raw = _search(
            index,
            selectors,
            measure,
            settings.depth,
            min_count,
            raw_top,
            None,
            discovery_rows,
            channels,
            settings.max_search_rows,
            settings.seed,
        )
    ratio = settings.max_rate_ratio

    def negative(sums: np.ndarray) -> np.ndarray:
        return (sums[:, POSITIVES] <= ratio * baseline * sums[:, RECORDS]) & (
            measure.evaluate(sums) > 0
        )

    pool = _search(
        index,
        selectors,
        measure,
        settings.depth,
        min_count,
        settings.pool,
        negative,
        discovery_rows,
        channels,
        settings.max_search_rows,
        settings.seed,
    )

    say("Filtering redundant segments")
    candidates = drop_weak_refinements(pool, index, settings.alpha)
    candidates = drop_diluted_generalizations(candidates, baseline, settings.max_rate_ratio)
    candidates = drop_near_duplicates(candidates, index, settings.jaccard)
    candidates = greedy_cover(candidates, index, settings.max_candidates)

    say("Confirming on held-out records")
    notes: list[str] = []
    if prepared.dropped_missing:
        notes.append(f"{prepared.dropped_missing} records with a missing outcome were left out.")
    confirm_index = (
        _index(confirmation_rows, selectors, _channels_basic(confirmation_rows))
        if split.method != "none"
        else None
    )
    personas, unconfirmed = _confirm(
        candidates, selectors, index, confirm_index, spec, n_disc, pos_disc, discovery_rows
    )
    if split.method == "none":
        notes.append("No confirmation split was used: every segment is listed as unconfirmed.")

    result = DiscoveryResult(
        baseline={
            "records": total_n,
            "positives": total_pos,
            "rate": total_pos / total_n,
            "rate_ci": list(rate_interval(total_pos, total_n)),
            "discovery": {"records": n_disc, "positives": pos_disc, "rate": baseline},
            "confirmation": {
                "records": total_n - n_disc,
                "positives": total_pos - pos_disc,
                "rate": (total_pos - pos_disc) / (total_n - n_disc) if total_n > n_disc else None,
            },
        },
        settings={
            **settings.model_dump(),
            "source": source.name,
            "outcome": prepared.outcome_description,
            "outcome_kind": spec.outcome.kind,
            "id": spec.id,
            "time": spec.time,
            "value": spec.value,
            "cost_column": spec.cost,
            "exclude": spec.exclude,
            "allow_sensitive": spec.allow_sensitive,
            "split": split.description,
            "split_method": split.method,
            "min_segment_records": min_count,
            "features": len(plan.features),
            "selectors": len(selectors),
            "compressed_rows": compressed.rows,
            "measure": measure.name,
        },
        set_aside=plan.set_aside,
        personas=personas,
        unconfirmed=unconfirmed,
        notes=notes,
    )
    if raw_top is not None:
        result.raw_top = [_raw_item(item, selectors, n_disc, pos_disc) for item in raw]
    return result


def _check_columns(source: Source, spec: Spec) -> None:
    for role, name in [
        ("id", spec.id),
        ("time", spec.time),
        ("value", spec.value),
        ("cost", spec.cost),
    ]:
        if name and name not in source.table.columns:
            raise unknown_column(name, source.table, role)
    for name in [*spec.exclude, *spec.allow_sensitive, *spec.sensitive]:
        if name not in source.table.columns:
            raise unknown_column(name, source.table, "listed")


def _check_size(
    total_n: int, total_pos: int, n_disc: int, pos_disc: int, min_records: int, name: str
) -> None:
    if total_n < MIN_RECORDS_TOTAL:
        raise DataError(
            f"Too few records in {name}: {total_n} (need at least {MIN_RECORDS_TOTAL}).",
            "Personas need enough records to tell a segment from chance; add data.",
        )
    if n_disc < 2 * min_records:
        raise DataError(
            f"Too few discovery records: {n_disc} (need at least {2 * min_records}).",
            "Add data, lower --min-records, or lower --confirm-fraction.",
        )
    if pos_disc == 0 or total_pos == 0:
        raise DataError(
            f"No positive outcomes among the discovery records of {name}.",
            "Check --target/--positive: a negative persona needs a baseline rate above zero.",
        )


def _channels_basic(rows: CompressedTable) -> np.ndarray:
    return np.column_stack([rows.count, rows.positives])


def _measure(spec: Spec, n: int, pos: int, rows: CompressedTable):
    """The ranking measure and the function that builds its channels for a set of rows."""
    settings = spec.discovery
    business = settings.measure == "savings" or (
        (settings.cost is not None or spec.cost) and (settings.value is not None or spec.value)
    )
    if not business:
        return WRAcc(n, pos), _channels_basic
    if settings.cost is None and not spec.cost:
        raise DataError(
            "Business mode needs a cost per record.",
            "Pass --cost AMOUNT or set cost: COLUMN in the spec.",
        )
    if settings.value is None and not spec.value:
        raise DataError(
            "Business mode needs a value per conversion.",
            "Pass --value AMOUNT or set value: COLUMN in the spec.",
        )
    use_value_column = settings.value is None and spec.value is not None
    use_cost_column = settings.cost is None and spec.cost is not None
    value_channel = 2 if use_value_column else None
    cost_channel = (3 if use_value_column else 2) if use_cost_column else None

    def channels(part: CompressedTable) -> np.ndarray:
        columns = [part.count, part.positives]
        if use_value_column:
            columns.append(np.rint(np.clip(part.value, 0, None)).astype(np.int64))
        if use_cost_column:
            columns.append(np.rint(np.clip(part.cost, 0, None)).astype(np.int64))
        return np.column_stack(columns)

    measure = NetSavings(settings.cost, settings.value, value_channel, cost_channel)
    return measure, channels


def _masks(rows: CompressedTable, selectors: list[Selector]) -> list[np.ndarray]:
    return [np.isin(rows.codes[:, s.feature], s.codes) for s in selectors]


def _index(
    rows: CompressedTable, selectors: list[Selector], channels: np.ndarray
) -> WeightedBitsets:
    return WeightedBitsets(_masks(rows, selectors), channels)


def _search(
    index, selectors, measure, depth, min_count, k, accept, rows, channels, max_rows, seed
) -> list[Found]:
    """Exact top-k, on a sample first when the compressed table is very large.

    Above ``max_rows`` distinct rows, the search runs on a seeded sample of rows (scaled support)
    for 3×k segments, and every one is then recounted exactly on all rows; only exact numbers
    leave this function.
    """
    features = np.array([s.feature for s in selectors])
    if rows.rows <= max_rows:
        return top_k(
            index, features, measure, depth=depth, min_records=min_count, k=k, accept=accept
        )
    rng = np.random.default_rng(seed)
    keep = rng.random(rows.rows) < max_rows / rows.rows
    sample = rows.subset(keep)
    scale = float(sample.count.sum()) / float(rows.count.sum())
    sample_index = _index(sample, selectors, channels(sample))
    rough = top_k(
        sample_index,
        features,
        measure,
        depth=depth,
        min_records=max(1, int(min_count * scale * 0.8)),
        k=3 * k,
        accept=None,
    )
    exact: list[Found] = []
    for item in rough:
        sums = index.sums(index.conjunction(item.selectors))
        if sums[RECORDS] < min_count:
            continue
        if accept is not None and not accept(sums[None, :])[0]:
            continue
        exact.append(Found(item.selectors, sums, float(measure.evaluate(sums))))
    exact.sort(key=lambda item: -item.quality)
    return exact[:k]


def _conditions(item: Found, selectors: list[Selector]):
    return [c for s in item.selectors for c in selectors[s].conditions]


def _raw_item(item: Found, selectors: list[Selector], n: int, pos: int) -> dict[str, Any]:
    return {
        "conditions": [c.to_dict() for c in _conditions(item, selectors)],
        "records": int(item.sums[RECORDS]),
        "positives": int(item.sums[POSITIVES]),
        "quality": item.quality,
    }


def _persona(
    item: Found, selectors, n: int, pos: int, rows: CompressedTable, index: WeightedBitsets
) -> Persona:
    records, positives = int(item.sums[RECORDS]), int(item.sums[POSITIVES])
    rate = positives / records
    persona = Persona(
        conditions=_conditions(item, selectors),
        records=records,
        positives=positives,
        share=records / n,
        rate=rate,
        rate_ci=rate_interval(positives, records),
        rate_ratio=rate / (pos / n),
        conversion_share=positives / pos,
        quality=item.quality,
    )
    if rows.value is not None and rows.value.sum() > 0:
        mask = np.ones(rows.rows, dtype=bool)
        for s in item.selectors:
            mask &= np.isin(rows.codes[:, selectors[s].feature], selectors[s].codes)
        persona.value_share = float(rows.value[mask].sum() / rows.value.sum())
    return persona


def _confirm(candidates, selectors, index, confirm_index, spec: Spec, n, pos, rows):
    settings = spec.discovery
    personas = [_persona(item, selectors, n, pos, rows, index) for item in candidates]
    if confirm_index is None:
        return [], personas
    base = confirm_index.sums(confirm_index.full)
    conf_n, conf_pos = int(base[RECORDS]), int(base[POSITIVES])
    conf_rate = conf_pos / conf_n if conf_n else 0.0
    p_values, counts = [], []
    for item in candidates:
        sums = confirm_index.sums(confirm_index.conjunction(item.selectors))
        records, positives = int(sums[RECORDS]), int(sums[POSITIVES])
        counts.append((records, positives))
        p_values.append(
            below_baseline_p_value(positives, records, conf_rate) if conf_rate > 0 else 1.0
        )
    adjusted = adjust(p_values, settings.correction)
    confirmed_items = []
    for persona, item, (records, positives), p, p_adj in zip(
        personas, candidates, counts, p_values, adjusted, strict=True
    ):
        rate = positives / records if records else 0.0
        confirmed = bool(
            records > 0 and p_adj < settings.alpha and rate <= settings.max_rate_ratio * conf_rate
        )
        persona.confirmation = Confirmation(
            records=records,
            positives=positives,
            rate=rate,
            rate_ci=rate_interval(positives, records),
            p_value=p,
            p_adjusted=p_adj,
            confirmed=confirmed,
            baseline_rate=conf_rate,
        )
        if confirmed:
            confirmed_items.append(item)
    chosen = greedy_cover(confirmed_items, index, settings.max_personas)
    chosen_keys = [item.selectors for item in chosen]
    by_key = {item.selectors: persona for item, persona in zip(candidates, personas, strict=True)}
    final = [by_key[key] for key in chosen_keys]
    chosen_set = set(chosen_keys)
    rest = [
        persona
        for item, persona in zip(candidates, personas, strict=True)
        if item.selectors not in chosen_set and not persona.confirmed
    ]
    return final, rest
