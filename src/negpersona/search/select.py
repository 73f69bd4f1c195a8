"""From many good segments to a few distinct personas.

Three filters on the candidate pool, in order: a refinement must lower the rate significantly
against every parent (otherwise the extra condition is noise); a broad segment whose negativity
lives in a sharper refinement gives way to it; near-duplicates by member overlap keep only the
better one. Choosing personas among what remains is ``frontier.py``'s job.
"""

from __future__ import annotations

import itertools

import numpy as np

from negpersona.search.bitsets import WeightedBitsets
from negpersona.search.measures import POSITIVES, RECORDS
from negpersona.search.topk import Found
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
    if not found:
        return []
    kept: list[Found] = []
    kept_bits = np.empty((len(found), index.words), dtype=np.uint64)
    kept_sizes = np.empty(len(found), dtype=np.int64)
    for item in found:  # best first; one vectorized overlap count against all kept so far
        bits = index.conjunction(item.selectors)
        size = int(item.sums[RECORDS])
        count = len(kept)
        if count:
            both = index.sums(kept_bits[:count] & bits)[:, RECORDS]
            union = size + kept_sizes[:count] - both
            if (both > threshold * np.maximum(union, 1)).any():
                continue
        kept_bits[count], kept_sizes[count] = bits, size
        kept.append(item)
    return kept


def drop_diluted_generalizations(
    found: list[Found], baseline: float, max_rate_ratio: float
) -> list[Found]:
    """Drop a segment whose negativity lives in one of its refinements.

    When ``budget = none`` converts at half the baseline only because its sub-segment
    ``budget = none ∧ employees < 10`` hardly converts, the records outside the sub-segment are
    not negative (their rate is above ``max_rate_ratio × baseline``): the sharper segment is the
    persona, the broader one would exclude fits for nothing.
    """
    position = {frozenset(item.selectors): i for i, item in enumerate(found)}
    diluted: set[int] = set()
    for child in found:  # each child checks its (at most 2^depth) parents by look-up
        key = child.selectors
        for size in range(1, len(key)):
            for parent_key in itertools.combinations(key, size):
                parent = position.get(frozenset(parent_key))
                if parent is None or parent in diluted:
                    continue
                rest_records = int(found[parent].sums[RECORDS] - child.sums[RECORDS])
                rest_positives = int(found[parent].sums[POSITIVES] - child.sums[POSITIVES])
                if rest_records > 0 and rest_positives > max_rate_ratio * baseline * rest_records:
                    diluted.add(parent)
    return [item for i, item in enumerate(found) if i not in diluted]
