"""Choosing personas for the exclusion job: the most records for the fewest conversions lost.

A team excludes personas to stop spending on records that will not convert, within a budget of
conversions it accepts to lose. So the personas are chosen as an exclusion problem, not as the
best-ranked segments:

1. **Sequences.** A greedy walk adds, at each step, the candidate with the largest *marginal*
   gain on the records not yet excluded: records newly excluded × threshold − new conversions
   lost (or net savings in business mode). The threshold climbs a ladder, from a fraction of
   ``max_rate_ratio × baseline`` up to the baseline: the walk stays at a threshold while some
   candidate gains there, so sharp segments come first and broader ones fill in after. Before it
   climbs, it may search the records not yet covered for new candidates (sequential covering, as
   rule learners do). A candidate qualifies only if at least ``min_new_share`` of its records are
   new (personas are distinct segments, not variations of one) and its new records are at least
   the minimum segment size. One sequence starts at each rung. Marginal gains use the discovery
   records, where the candidates were found.
2. **Order.** The chosen personas are then ordered lowest marginal rate first (a greedy walk on
   the same records), so the trade-off curve bends the right way and every prefix is a sensible
   exclusion.
3. **Choice.** Each sequence's curve is counted on the confirmation records (exact unions of
   bitsets) and the objective picks the sequence: by default the most records excluded on
   average over every budget up to the policy's share of conversions lost; in business mode the
   largest net savings within that budget (with the ``break_even`` rule, without a budget). Using held-out
   records for this choice among a handful of sequences costs little optimism; every persona
   also passed its own test on those records before it could be chosen.

Greedy selection for budgeted coverage is the standard approximation (Khuller, Moss and Naor
1999); running it from several thresholds and keeping the best on held-out records covers
budgets where one gain alone would favour a large, mild segment (WRAcc) or many tiny sharp ones.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from negpersona.search.bitsets import WeightedBitsets
from negpersona.search.measures import POSITIVES, RECORDS
from negpersona.search.topk import Found

Objective = Callable[[np.ndarray], tuple[float, int]]


@dataclass
class Gain:
    """A ladder of marginal gains (see :func:`greedy_sequence`), applied to the sums of a
    candidate's new records; one ladder gives one sequence."""

    name: str
    ladder: list[Any]


@dataclass
class Selection:
    """The chosen personas (indices into the candidates) in exclusion order, and why."""

    order: list[int]
    gain: str | None
    step: int  # the prefix the objective chose (0 = exclude nothing)
    score: float
    tried: list[dict[str, Any]] = field(default_factory=list)


class Candidates:
    """The candidates of a selection with their bitsets over one index; new ones can be added
    (segments found by a search on the records not yet covered)."""

    def __init__(self, items: list[Found], index: WeightedBitsets) -> None:
        self.index = index
        self.items: list[Found] = []
        self._keys: set[tuple[int, ...]] = set()
        self.bits = np.zeros((0, index.words), dtype=np.uint64)
        self.sizes = np.zeros(0, dtype=np.int64)
        self.add(items)

    def add(self, items: list[Found]) -> list[int]:
        """Add the items not yet present; their positions."""
        fresh = [item for item in items if item.selectors not in self._keys]
        if not fresh:
            return []
        start = len(self.items)
        self.items.extend(fresh)
        self._keys.update(item.selectors for item in fresh)
        self.bits = np.vstack([self.bits, *(self.index.conjunction(i.selectors) for i in fresh)])
        self.sizes = np.append(self.sizes, [int(item.sums[RECORDS]) for item in fresh])
        return list(range(start, len(self.items)))


Refill = Callable[[np.ndarray, Any], list[Found]]


def greedy_sequence(
    candidates: Candidates,
    ladder: Sequence[Any],
    *,
    limit: int,
    min_new_share: float,
    min_records: int,
    refill: Refill | None = None,
) -> list[int]:
    """Up to ``limit`` candidates, each the best marginal gain among those that qualify.

    A candidate qualifies when its new records (not in an earlier choice) are at least
    ``min_records`` and at least ``min_new_share`` of its records. ``ladder`` lists gains from
    the sharpest to the broadest: the walk uses the first until no qualifying candidate has a
    positive gain, then the next, so sharp segments come first and broader ones fill in after
    them. Before moving up, ``refill(covered, gain)`` may search the records not yet covered for
    new candidates (sequential covering, as rule learners do); what it finds joins
    ``candidates``.
    """
    index = candidates.index
    remaining = list(range(len(candidates.items)))
    covered = np.zeros(index.words, dtype=np.uint64)
    chosen: list[int] = []
    level, refilled = 0, False
    while len(chosen) < limit and level < len(ladder):
        best, value = -1, -np.inf
        if remaining:
            new = index.sums(candidates.bits[remaining] & ~covered)
            records = new[:, RECORDS]
            sizes = candidates.sizes[remaining]
            qualifies = (records >= min_records) & (records >= min_new_share * sizes)
            values = np.where(qualifies, ladder[level].evaluate(new), -np.inf)
            best = int(np.argmax(values))
            value = values[best]
        if not value > 0:
            if refill is not None and not refilled:
                refilled = True
                remaining.extend(candidates.add(refill(covered, ladder[level])))  # new ones only
                continue
            level, refilled = level + 1, False
            continue
        pick = remaining.pop(best)
        chosen.append(pick)
        covered |= candidates.bits[pick]
        refilled = False
    return chosen


def by_marginal_rate(chosen: list[int], bits: np.ndarray, index: WeightedBitsets) -> list[int]:
    """``chosen`` reordered so each next persona adds the lowest rate among the rest."""
    remaining = list(chosen)
    covered = np.zeros(index.words, dtype=np.uint64)
    order: list[int] = []
    while remaining:
        new = index.sums(bits[remaining] & ~covered)
        records = new[:, RECORDS].astype(float)
        rate = np.divide(
            new[:, POSITIVES], records, out=np.full(records.shape, np.inf), where=records > 0
        )
        # Ties (often 0%): the larger addition first.
        best = min(range(len(remaining)), key=lambda i: (rate[i], -records[i], remaining[i]))
        pick = remaining.pop(best)
        order.append(pick)
        covered |= bits[pick]
    return order


def union_curve(order: list[int], bits: np.ndarray, index: WeightedBitsets) -> np.ndarray:
    """Channel sums of the union after each step (row 0: nothing excluded)."""
    curve = np.zeros((len(order) + 1, index.channel_count), dtype=np.int64)
    union = np.zeros(index.words, dtype=np.uint64)
    for step, pick in enumerate(order, start=1):
        union |= bits[pick]
        curve[step] = index.sums(union)
    return curve


def within_budget(max_positives: float, grid: int = 200) -> Objective:
    """Records excluded, on average over every budget up to ``max_positives`` conversions lost.

    A team may cut the curve anywhere up to its budget (the policy can be changed later without
    a new discovery), so a sequence is judged by the whole curve below the budget, not by its
    value at the budget alone: between two steps the curve is read as excluding part of the
    next persona (linear interpolation). The step returned is the longest prefix within the
    budget.
    """

    def objective(curve: np.ndarray) -> tuple[float, int]:
        records = curve[:, RECORDS].astype(float)
        positives = curve[:, POSITIVES].astype(float)
        budgets = np.linspace(0.0, max_positives, grid + 1)
        last = np.searchsorted(positives, budgets, side="right") - 1  # the prefix within b
        nxt = np.minimum(last + 1, len(curve) - 1)
        span = positives[nxt] - positives[last]
        part = np.divide(
            budgets - positives[last], span, out=np.zeros_like(budgets), where=span > 0
        )
        reached = records[last] + np.clip(part, 0.0, 1.0) * (records[nxt] - records[last])
        step = int(last[-1])
        return float(reached.mean()), step

    return objective


def best_net(
    net: Callable[[np.ndarray], np.ndarray], max_positives: float | None = None
) -> Objective:
    """The prefix with the largest net value (``net`` of the curve's sums), if positive; with
    ``max_positives``, among the prefixes that lose at most that many conversions."""

    def objective(curve: np.ndarray) -> tuple[float, int]:
        values = np.asarray(net(curve), dtype=float)
        if max_positives is not None:
            values = np.where(curve[:, POSITIVES] <= max_positives + 1e-9, values, -np.inf)
        step = int(np.argmax(values))
        return (float(values[step]), step) if values[step] > 0 else (0.0, 0)

    return objective


def select(
    candidates: list[Found],
    discovery: WeightedBitsets,
    confirmation: WeightedBitsets | None,
    gains: list[Gain],
    objective: Objective,
    *,
    limit: int,
    min_new_share: float,
    min_records: int,
) -> Selection:
    """The best sequence (see the module docstring); with no confirmation records, the choice
    is made on the discovery records."""
    if not candidates:
        return Selection([], None, 0, 0.0)
    pool = Candidates(candidates, discovery)
    judge = confirmation or discovery
    judge_bits = (
        pool.bits
        if confirmation is None
        else np.vstack([judge.conjunction(item.selectors) for item in candidates])
    )
    best: Selection | None = None
    tried = []
    for gain in gains:
        chosen = greedy_sequence(
            pool, gain.ladder, limit=limit, min_new_share=min_new_share, min_records=min_records
        )
        order = by_marginal_rate(chosen, pool.bits, discovery)
        score, step = objective(union_curve(order, judge_bits, judge))
        tried.append({"gain": gain.name, "personas": len(order), "score": score, "step": step})
        # Better score wins; on a tie, fewer personas to reach it, then more records in all.
        key = (score, -step, len(order))
        if best is None or key > (best.score, -best.step, len(best.order)):
            best = Selection(order, gain.name, step, score)
    assert best is not None
    best.tried = tried
    return best


def shortlist(
    candidates: list[Found],
    index: WeightedBitsets,
    gains: list[Gain],
    *,
    limit: int,
    per_sequence: int,
    min_new_share: float,
    min_records: int,
    refill: Refill | None = None,
) -> list[Found]:
    """Candidates worth confirming: the members of every gain's sequence, taken in turns.

    Confirmation corrects for every candidate it tests, so only the segments some sequence would
    choose go there (at most ``limit``), not the whole pool. ``refill`` (see
    :func:`greedy_sequence`) lets the sequences search the records they have not covered.
    """
    pool = Candidates(candidates, index)
    sequences = [
        greedy_sequence(
            pool,
            gain.ladder,
            limit=per_sequence,
            min_new_share=min_new_share,
            min_records=min_records,
            refill=refill,
        )
        for gain in gains
    ]
    picked: list[int] = []
    for rank in range(max((len(s) for s in sequences), default=0)):
        for sequence in sequences:
            if rank < len(sequence) and sequence[rank] not in picked:
                picked.append(sequence[rank])
    return [pool.items[i] for i in picked[:limit]]
