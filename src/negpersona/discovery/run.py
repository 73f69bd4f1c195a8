"""One discovery after preparation: the search, the selection and the confirmation.

:class:`_Run` holds the index of the compressed discovery records (bitsets per selector), the
ranking measure and the exact totals; it searches the pool of segments, selects the sequence of
personas on the trade-off, confirms each on the held-out records (one-sided tests, corrected for
the number of candidates) and recounts on all records when the search ran on a sample.
"""

from __future__ import annotations

import math
from collections.abc import Iterator
from typing import Any

import numpy as np

from negpersona.config.spec import Spec
from negpersona.discovery.prepare import MIN_RECORDS_TOTAL, Prepared
from negpersona.errors import DataError
from negpersona.explain.cards import CardContext, build_cards
from negpersona.model.conditions import Condition
from negpersona.model.persona import Confirmation, DiscoveryResult, Persona
from negpersona.search.bitsets import WeightedBitsets
from negpersona.search.compress import (
    CompressedTable,
)
from negpersona.search.features import Selector
from negpersona.search.frontier import Gain, Selection, best_net, select, within_budget
from negpersona.search.measures import POSITIVES, RECORDS, NetSavings, RateGain, WRAcc
from negpersona.search.recount import recount
from negpersona.search.select import (
    drop_weak_refinements,
)
from negpersona.search.topk import Found, top_k
from negpersona.stats import adjust, below_baseline_p_value, rate_interval

SAMPLE_SUPPORT_SLACK = 0.8  # search the sample with a lower support so borderline segments survive
# Rate thresholds of the pool measures and selection gains, as fractions of max_rate_ratio.
RATIO_STEPS = (1.0, 0.5, 0.25, 0.125)
REFILL_K = 10  # segments a selection's search of the uncovered records returns


class _Run:
    """The state of one discovery after preparation: index, measure and exact totals."""

    def __init__(self, prepared: Prepared) -> None:
        self.prepared = prepared
        self.spec = prepared.spec
        self.settings = prepared.spec.discovery
        self.selectors = prepared.selectors
        self.chosen: dict[str, tuple[int, ...]] = {}  # persona id → its selectors
        self.not_chosen = 0  # confirmed candidates the selection did not take
        self.features = np.array([s.feature for s in self.selectors])
        rows = prepared.discovery_rows
        sample_n, sample_pos = int(rows.count.sum()), int(rows.positives.sum())
        self.sample_n, self.sample_pos = sample_n, sample_pos
        self.sample_baseline = sample_pos / sample_n if sample_n else 0.0
        self.measure, channels = _measure(self.spec, sample_n, sample_pos)
        self.index = _index(rows, self.selectors, channels(rows))
        held_out = prepared.confirmation_rows
        self.confirm_index = (
            _index(held_out, self.selectors, channels(held_out)) if held_out.rows else None
        )
        self.selection: Selection | None = None
        self._refills: dict[tuple, list[Found]] = {}
        self._set_totals(prepared.totals or self._estimated_totals())
        self.sample_min_count = (
            max(1, math.floor(self.min_count * prepared.fraction * SAMPLE_SUPPORT_SLACK))
            if prepared.sampled
            else self.min_count
        )

    def _estimated_totals(self) -> dict[bool, dict[str, float]]:
        """Totals scaled up from the sample, until the first exact recount replaces them."""
        rows, fraction = self.prepared.compressed, self.prepared.fraction
        return {
            flag: {
                "n": round(rows.count[rows.confirm == flag].sum() / fraction),
                "pos": round(rows.positives[rows.confirm == flag].sum() / fraction),
                "value": 0.0,
            }
            for flag in (False, True)
        }

    def _set_totals(self, totals: dict[bool, dict[str, float]]) -> None:
        self.totals = totals
        self.n, self.pos = int(totals[False]["n"]), int(totals[False]["pos"])
        self.conf_n, self.conf_pos = int(totals[True]["n"]), int(totals[True]["pos"])
        _check_size(
            self.n + self.conf_n,
            self.pos + self.conf_pos,
            self.n,
            self.pos,
            self.settings.min_records,
            self.prepared.source.name,
        )
        self.baseline = self.pos / self.n
        self.min_count = max(
            math.ceil(self.settings.min_support * self.n), self.settings.min_records
        )
        self.exact_measure, _ = _measure(self.spec, self.n, self.pos)

    def negative(self, sums: np.ndarray) -> np.ndarray:
        """Segments that may become personas: far enough below baseline and not too large."""
        ratio, records = self.settings.max_rate_ratio, sums[:, RECORDS]
        return (
            (sums[:, POSITIVES] <= ratio * self.sample_baseline * records)
            & (records <= self.settings.max_share * self.sample_n)
            & (self.measure.evaluate(sums) > 0)
        )

    def search(self, k: int, accept, measure=None, root=None) -> list[Found]:
        return top_k(
            self.index,
            self.features,
            measure or self.measure,
            depth=self.settings.depth,
            min_records=self.sample_min_count,
            k=k,
            accept=accept,
            root=root,
        )

    def pool_measures(self) -> list[Any]:
        """The measures whose top segments form the candidate pool (see ``frontier.py``).

        The run's own measure (WRAcc or net savings) favours large segments; the rate gains with
        lower thresholds favour sharper ones, and the square-root size weight sits between.
        """
        ratio = self.settings.max_rate_ratio
        return [
            self.measure,
            self._rate_gain(1.0, exponent=0.5),
            *(self._rate_gain(ratio * step) for step in RATIO_STEPS),
        ]

    def _rate_gain(self, ratio: float, exponent: float = 1.0) -> RateGain:
        """A rate gain on the searched (discovery, maybe sampled) records."""
        return RateGain(self.sample_n, self.sample_pos, ratio=ratio, exponent=exponent)

    def pool(self) -> list[Found]:
        """The best negative segments under each pool measure, merged rank by rank."""
        measures = self.pool_measures()
        per_measure = self.settings.pool
        lists = [self.search(per_measure, self.negative, measure) for measure in measures]
        merged: dict[tuple[int, ...], Found] = {}
        for rank in range(per_measure):
            for found in lists:
                if rank < len(found):
                    item = found[rank]
                    if item.selectors not in merged:
                        # One quality scale for every candidate: the run's measure.
                        quality = float(self.measure.evaluate(item.sums))
                        merged[item.selectors] = Found(item.selectors, item.sums, quality)
        return list(merged.values())

    def refill(self, covered: np.ndarray, gain: Any) -> list[Found]:
        """The best negative segments by ``gain`` among the records not yet ``covered``.

        Sums from the search are those of the uncovered part; candidates carry their whole
        segment's sums, and must be negative as a whole and pass the refinement test.
        """
        key = (covered.tobytes(), getattr(gain, "ratio", None), getattr(gain, "exponent", None))
        if key not in self._refills:  # sequences from different thresholds often meet
            self._refills[key] = self._refill(covered, gain)
        return self._refills[key]

    def _refill(self, covered: np.ndarray, gain: Any) -> list[Found]:
        root = self.index.full & ~covered
        found = self.search(REFILL_K, None, gain, root=root)
        if not found:
            return []
        sums = self.index.sums(np.vstack([self.index.conjunction(f.selectors) for f in found]))
        negative = self.negative(sums)
        items = [
            Found(item.selectors, sums[i], float(self.measure.evaluate(sums[i])))
            for i, item in enumerate(found)
            if negative[i]
        ]
        return drop_weak_refinements(items, self.index, self.settings.alpha)

    def gains(self) -> list[Gain]:
        """Gain ladders for the selection's sequences (see ``frontier.py``).

        Thresholds run from a small fraction of ``max_rate_ratio × baseline`` up to the
        baseline; each sequence starts at one of them, so one begins with the sharpest
        segments and another with the broadest, and the held-out trade-off decides.
        """
        ratio = self.settings.max_rate_ratio
        levels = sorted({ratio * step for step in RATIO_STEPS} | {1.0})
        gains = [
            Gain(f"from {level:.3g} x baseline rate", [self._rate_gain(r) for r in levels[start:]])
            for start, level in enumerate(levels)
        ]
        if isinstance(self.measure, NetSavings):
            gains.insert(0, Gain("net savings", [self.measure]))
        return gains

    def conditions(self, item: Found) -> list[Condition]:
        return [c for s in item.selectors for c in self.selectors[s].conditions]

    def exact(self, found: list[Found]) -> list[Found]:
        """``found`` with exact sums and quality (a no-op unless the search ran on a sample)."""
        if not self.prepared.sampled:
            return found
        counts = recount(self.prepared.working, [self.conditions(item) for item in found])
        self._set_totals(counts.totals)
        exact = []
        for i, item in enumerate(found):
            sums = self._channel_sums(
                counts.records[i, 0], counts.positives[i, 0], counts.value[i, 0], counts.cost[i, 0]
            )
            if sums[RECORDS] >= self.min_count:
                exact.append(Found(item.selectors, sums, float(self.exact_measure.evaluate(sums))))
        exact.sort(key=lambda item: -item.quality)
        return exact

    def _channel_sums(self, records, positives, value, cost) -> np.ndarray:
        """Channel sums in the order the measure reads them (records, fits, value?, cost?)."""
        sums = [int(records), int(positives)]
        if getattr(self.measure, "value_channel", None) is not None:
            sums.append(int(round(value)))
        if getattr(self.measure, "cost_channel", None) is not None:
            sums.append(int(round(cost)))
        return np.array(sums)

    def _counts(self, candidates: list[Found]):
        """Per candidate: discovery (n, pos, value) and confirmation (n, pos), exactly."""
        if self.prepared.sampled:
            counts = recount(self.prepared.working, [self.conditions(c) for c in candidates])
            self._set_totals(counts.totals)
            return [
                (
                    self._channel_sums(
                        counts.records[i, 0],
                        counts.positives[i, 0],
                        counts.value[i, 0],
                        counts.cost[i, 0],
                    ),
                    float(counts.value[i, 0]),
                    (int(counts.records[i, 1]), int(counts.positives[i, 1])),
                )
                for i in range(len(candidates))
            ]
        rows = self.prepared.discovery_rows
        confirm_index = self.confirm_index
        found = []
        for item in candidates:
            value = 0.0
            if rows.value is not None:
                chosen = [self.selectors[s] for s in item.selectors]
                mask = np.logical_and.reduce(
                    [np.ones(rows.rows, dtype=bool), *_masks(rows, chosen)]
                )
                value = float(rows.value[mask].sum())
            conf = (
                confirm_index.sums(confirm_index.conjunction(item.selectors))
                if confirm_index is not None
                else np.zeros(2, dtype=np.int64)
            )
            found.append((item.sums, value, (int(conf[RECORDS]), int(conf[POSITIVES]))))
        return found

    def confirm(self, candidates: list[Found]) -> tuple[list[Persona], list[Persona]]:
        settings = self.settings
        counts = self._counts(candidates)
        kept = []
        for item, (sums, value, conf) in zip(candidates, counts, strict=True):
            records, positives = int(sums[RECORDS]), int(sums[POSITIVES])
            # Exact numbers must still describe a negative segment of the minimum size.
            ratio = settings.max_rate_ratio
            if records >= self.min_count and positives <= ratio * self.baseline * records:
                kept.append((item, (sums, value), conf))
        personas = [self._persona(item, *disc) for item, disc, _ in kept]
        if self.prepared.split.method == "none":
            return [], personas
        conf_rate = self.conf_pos / self.conf_n if self.conf_n else 0.0
        p_values = [
            below_baseline_p_value(conf[1], conf[0], conf_rate) if conf_rate > 0 else 1.0
            for _, _, conf in kept
        ]
        adjusted = adjust(p_values, settings.correction)
        confirmed_items = []
        for persona, (item, _, conf), p, p_adj in zip(
            personas, kept, p_values, adjusted, strict=True
        ):
            records, positives = conf
            rate = positives / records if records else 0.0
            confirmed = bool(
                records > 0
                and p_adj < settings.alpha
                and rate <= settings.max_rate_ratio * conf_rate
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
        by_key = {
            item.selectors: persona for (item, _, _), persona in zip(kept, personas, strict=True)
        }
        self.selection = select(
            confirmed_items,
            self.index,
            self.confirm_index,
            self.gains(),
            self._objective(),
            limit=settings.max_personas,
            min_new_share=settings.min_new_share,
            min_records=self.sample_min_count,
        )
        chosen = [confirmed_items[i] for i in self.selection.order]
        final = [by_key[item.selectors] for item in chosen]
        self.chosen = {by_key[item.selectors].id: item.selectors for item in chosen}
        self.not_chosen = len(confirmed_items) - len(chosen)
        rest = [persona for persona in personas if not persona.confirmed]
        return final, rest

    def _objective(self):
        """What the selection maximizes on the held-out records (see ``frontier.py``).

        The policy's: by default the most records excluded within its conversion-loss budget;
        in business mode the largest net savings within that budget (any, with ``break_even``).
        """
        policy = self.spec.policy
        held_out = self.confirm_index is not None  # else the choice uses the discovery records
        rows = self.prepared.confirmation_rows if held_out else self.prepared.discovery_rows
        budget = policy.max_conversion_loss * float(rows.positives.sum())
        if isinstance(self.measure, NetSavings):  # business mode: money decides
            return best_net(self.measure.evaluate, None if policy.rule == "break_even" else budget)
        return within_budget(budget)

    def cards(self, personas: list[Persona], frames: dict[str, Any]) -> dict[str, Any]:
        """Persona cards (into each persona) and the run-level card data (see ``cards.py``)."""
        rows = self.prepared.compressed
        masks, skips = [], []
        for persona in personas:
            chosen = [self.selectors[s] for s in self.chosen[persona.id]]
            masks.append(
                np.logical_and.reduce([np.ones(rows.rows, dtype=bool), *_masks(rows, chosen)])
            )
            skips.append({selector.feature for selector in chosen})
        prepared = self.prepared
        context = CardContext(
            spec=self.spec,
            working=prepared.working,
            compressed=rows,
            features=prepared.features,
            roles=prepared.roles,
            text_columns=[
                item["column"]
                for item in prepared.plan.set_aside
                if item["reason"].startswith("free text")
            ],
            backend=prepared.source.backend,
            fraction=prepared.fraction,
            split=prepared.split.method != "none",
            frames=frames,
        )
        return build_cards(context, personas, masks, skips)

    def _persona(self, item: Found, sums: np.ndarray, value: float) -> Persona:
        records, positives = int(sums[RECORDS]), int(sums[POSITIVES])
        rate = positives / records
        persona = Persona(
            conditions=self.conditions(item),
            records=records,
            positives=positives,
            share=records / self.n,
            rate=rate,
            rate_ci=rate_interval(positives, records),
            rate_ratio=rate / self.baseline,
            conversion_share=positives / self.pos,
            quality=float(self.exact_measure.evaluate(sums)),
        )
        total_value = self.totals[False]["value"]
        if total_value > 0:
            persona.value_share = value / total_value
        return persona

    def raw_item(self, item: Found) -> dict[str, Any]:
        return {
            "conditions": [c.to_dict() for c in self.conditions(item)],
            "records": int(item.sums[RECORDS]),
            "positives": int(item.sums[POSITIVES]),
            "quality": item.quality,
        }

    def result(self, personas: list[Persona], unconfirmed: list[Persona]) -> DiscoveryResult:
        prepared, settings, spec = self.prepared, self.settings, self.spec
        total_n, total_pos = self.n + self.conf_n, self.pos + self.conf_pos
        notes: list[str] = []
        if prepared.dropped_missing:
            notes.append(
                f"{prepared.dropped_missing} records with a missing outcome were left out."
            )
        if prepared.split.method == "none":
            notes.append("No confirmation split was used: every segment is listed as unconfirmed.")
        if prepared.immature:
            window = (prepared.audit.summary if prepared.audit else {}).get("maturity_window_days")
            within = f" ({window:.0f} days)" if window else ""
            notes.append(
                f"{prepared.immature:,} records too recent to have converted (younger than the "
                f"maturity window{within}, see audit.json) were left out; --keep-immature keeps them."
            )
        if prepared.audit is not None and prepared.audit.errors():
            notes.append(
                f"The audit found {len(prepared.audit.errors())} error(s); discovery ran with --force."
            )
        if self.not_chosen:
            notes.append(
                f"{self.not_chosen} confirmed candidate(s) were not chosen: each would add too few "
                f"new records (under {settings.min_new_share:.0%} of its own) or no better "
                "trade-off than the chosen personas."
            )
        if prepared.sampled:
            notes.append(
                f"The search ran on a {prepared.fraction:.1%} sample of the records; every reported "
                "number was recounted exactly on all records."
            )
        return DiscoveryResult(
            baseline={
                "records": total_n,
                "positives": total_pos,
                "rate": total_pos / total_n,
                "rate_ci": list(rate_interval(total_pos, total_n)),
                "discovery": {"records": self.n, "positives": self.pos, "rate": self.baseline},
                "confirmation": {
                    "records": self.conf_n,
                    "positives": self.conf_pos,
                    "rate": self.conf_pos / self.conf_n if self.conf_n else None,
                },
            },
            settings={
                **settings.model_dump(),
                "source": prepared.source.name,
                "outcome": prepared.outcome_description,
                "outcome_kind": spec.outcome.kind,
                # The outcome as a later 'recheck' rebuilds it on a new batch.
                "outcome_spec": {
                    **spec.outcome.model_dump(mode="json"),
                    "positive": prepared.outcome_positive,
                },
                "id": spec.id,
                "time": spec.time,
                "value_column": spec.value,  # "value" and "cost" stay the per-unit amounts
                "cost_column": spec.cost,
                "exclude": spec.exclude,
                "allow_sensitive": spec.allow_sensitive,
                "allow_columns": spec.allow_columns,
                "split": prepared.split.description,
                "split_method": prepared.split.method,
                "min_segment_records": self.min_count,
                "features": len(prepared.features),
                "selectors": len(self.selectors),
                "compressed_rows": prepared.compressed.rows,
                "search_fraction": prepared.fraction,
                "roles": prepared.roles,
                "derived_columns": prepared.origins,
                "measure": self.measure.name,
            },
            audit=None if prepared.audit is None else prepared.audit.to_dict(),
            set_aside=prepared.plan.set_aside,
            personas=personas,
            unconfirmed=unconfirmed,
            notes=notes,
        )


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
            "Add data, lower discovery.min_records, or lower discovery.confirm_fraction.",
            code="data.too_few_discovery_records",
            setting="discovery.min_records",
        )
    if pos_disc == 0 or total_pos == 0:
        raise DataError(
            f"No positive outcomes among the discovery records of {name}.",
            "Check outcome.column and outcome.positive: a negative persona needs a baseline "
            "rate above zero.",
            code="outcome.no_positives",
            setting="outcome.positive",
        )


def _measure(spec: Spec, n: int, pos: int):
    """The ranking measure and the function that builds its channels for a set of rows."""
    settings = spec.discovery
    business = settings.measure == "savings" or (
        (settings.cost is not None or spec.cost) and (settings.value is not None or spec.value)
    )
    if not business:
        return WRAcc(n, pos), _basic_channels
    if settings.cost is None and not spec.cost:
        raise DataError(
            "Business mode needs a cost per record.",
            "Set discovery.cost (an amount) or cost: COLUMN in the spec.",
            code="business.no_cost",
            setting="discovery.cost",
        )
    if settings.value is None and not spec.value:
        raise DataError(
            "Business mode needs a value per conversion.",
            "Set discovery.value (an amount) or value: COLUMN in the spec.",
            code="business.no_value",
            setting="discovery.value",
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


def _basic_channels(rows: CompressedTable) -> np.ndarray:
    return np.column_stack([rows.count, rows.positives])


def _index(
    rows: CompressedTable, selectors: list[Selector], channels: np.ndarray
) -> WeightedBitsets:
    return WeightedBitsets(_masks(rows, selectors), channels)


def _masks(rows: CompressedTable, selectors: list[Selector]) -> Iterator[np.ndarray]:
    """Row masks of the selectors, one at a time, by table look-up on each feature's codes."""
    columns: dict[int, np.ndarray] = {}
    for selector in selectors:
        if selector.feature not in columns:  # contiguous copy, shifted so missing (-1) is 0
            columns[selector.feature] = rows.codes[:, selector.feature].astype(np.intp) + 1
        codes = columns[selector.feature]
        size = max(int(codes.max(initial=0)), max(selector.codes) + 1) + 1
        lookup = np.zeros(size, dtype=bool)
        lookup[np.asarray(selector.codes, dtype=np.intp) + 1] = True
        yield lookup[codes]
