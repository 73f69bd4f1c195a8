"""From many good segments to a few distinct personas.

Three filters, in order: a refinement must lower the rate significantly against every parent
(otherwise the extra condition is noise); near-duplicates by member overlap keep only the better
one; and a greedy cover picks the segments that together reach the most non-converting records.
"""

from __future__ import annotations

import numpy as np

from negpersona.bitsets import WeightedBitsets
from negpersona.quality import POSITIVES, RECORDS
from negpersona.search import Found
from negpersona.stats import refinement_p_values


def drop_weak_refinements(found: list[Found], index: WeightedBitsets, alpha: float) -> list[Found]:
    """Keep segments whose every condition lowers the rate significantly against its parent."""
    owners: list[int] = []
    children: list[tuple[int, int]] = []
    parents: list[np.ndarray] = []
    for position, item in enumerate(found):
        if len(item.selectors) < 2:
            continue
        for drop in range(len(item.selectors)):
            parent = item.selectors[:drop] + item.selectors[drop + 1 :]
            owners.append(position)
            children.append((int(item.sums[RECORDS]), int(item.sums[POSITIVES])))
            parents.append(index.conjunction(parent))
    weak: set[int] = set()
    if parents:
        sums = index.sums(np.vstack(parents))
        p_values = refinement_p_values(
            np.array(children), sums[:, [RECORDS, POSITIVES]].astype(np.int64)
        )
        weak = {owner for owner, p in zip(owners, p_values, strict=True) if p >= alpha}
    return [item for position, item in enumerate(found) if position not in weak]


def drop_near_duplicates(
    found: list[Found], index: WeightedBitsets, threshold: float
) -> list[Found]:
    """Drop a segment whose members overlap a better one's by Jaccard > ``threshold``."""
    kept: list[Found] = []
    kept_bits: list[np.ndarray] = []
    for item in found:  # best first
        bits = index.conjunction(item.selectors)
        size = int(item.sums[RECORDS])
        duplicate = False
        for other, other_bits in zip(kept, kept_bits, strict=True):
            both = int(index.sums(bits & other_bits)[RECORDS])
            union = size + int(other.sums[RECORDS]) - both
            if union and both / union > threshold:
                duplicate = True
                break
        if not duplicate:
            kept.append(item)
            kept_bits.append(bits)
    return kept


def greedy_cover(found: list[Found], index: WeightedBitsets, limit: int) -> list[Found]:
    """Up to ``limit`` segments chosen one by one for the most newly covered non-fits."""
    if not found:
        return []
    bits = np.vstack([index.conjunction(item.selectors) for item in found])
    covered = np.zeros(index.words, dtype=np.uint64)
    chosen: list[int] = []
    remaining = list(range(len(found)))
    while remaining and len(chosen) < limit:
        sums = index.sums(bits[remaining] & ~covered)
        gain = sums[:, RECORDS] - sums[:, POSITIVES]
        best = int(np.argmax(gain))
        if gain[best] <= 0:
            break
        pick = remaining.pop(best)
        chosen.append(pick)
        covered |= bits[pick]
    return [found[i] for i in chosen]


def drop_diluted_generalizations(
    found: list[Found], baseline: float, max_rate_ratio: float
) -> list[Found]:
    """Drop a segment whose negativity lives in one of its refinements.

    When ``budget = none`` converts at half the baseline only because its sub-segment
    ``budget = none ∧ employees < 10`` hardly converts, the records outside the sub-segment are
    not negative (their rate is above ``max_rate_ratio × baseline``): the sharper segment is the
    persona, the broader one would exclude fits for nothing.
    """
    keys = [frozenset(item.selectors) for item in found]
    kept: list[Found] = []
    for parent, parent_key in zip(found, keys, strict=True):
        diluted = False
        for child, child_key in zip(found, keys, strict=True):
            if not parent_key < child_key:
                continue
            rest_records = int(parent.sums[RECORDS] - child.sums[RECORDS])
            rest_positives = int(parent.sums[POSITIVES] - child.sums[POSITIVES])
            if rest_records > 0 and rest_positives > max_rate_ratio * baseline * rest_records:
                diluted = True
                break
        if not diluted:
            kept.append(parent)
    return kept
