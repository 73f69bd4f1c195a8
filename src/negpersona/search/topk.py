"""Exhaustive top-k search over conjunctions with optimistic-estimate pruning.

Depth-first over conjunctions of selectors of distinct columns (a range on one column is already a
single selector), evaluated in vectorized batches: for a prefix, the ANDs with every later
selector are popcounted at once. A branch is cut only when its optimistic estimate cannot beat the
k-th best quality found so far, or when it is below the minimum support (support only shrinks
when conditions are added), so the result is the exact top-k: complete, not a beam.
"""

from __future__ import annotations

import heapq
import itertools
from collections.abc import Callable
from dataclasses import dataclass
from typing import Protocol

import numpy as np

from negpersona.search.bitsets import WeightedBitsets
from negpersona.search.measures import RECORDS


class Measure(Protocol):
    name: str

    def evaluate(self, sums: np.ndarray) -> np.ndarray: ...

    def optimistic(self, sums: np.ndarray) -> np.ndarray: ...


@dataclass
class Found:
    """A segment found by the search: selector indices, channel sums and quality."""

    selectors: tuple[int, ...]
    sums: np.ndarray
    quality: float


def top_k(
    index: WeightedBitsets,
    selector_features: np.ndarray,
    measure: Measure,
    *,
    depth: int,
    min_records: int,
    k: int,
    accept: Callable[[np.ndarray], np.ndarray] | None = None,
    progress: Callable[[int], None] | None = None,
    root: np.ndarray | None = None,
) -> list[Found]:
    """The ``k`` best accepted segments of at most ``depth`` selectors, best first.

    ``selector_features`` gives each selector's feature; selectors must be sorted by it.
    ``accept`` filters which segments may enter the result (e.g. only rates below a ratio of the
    baseline); it does not affect pruning, which stays valid for any filter. ``root`` restricts
    the search to a subset of rows (a bitset over ``index``), e.g. the records no chosen persona
    covers yet: sums, support and quality are then those of the segment within the subset.
    """
    features = np.asarray(selector_features)
    if features.size and (np.diff(features) < 0).any():
        raise ValueError("selectors must be sorted by feature")
    count = features.size
    # first_after[f + 1] = first selector whose feature is > f (f = -1 for the root)
    first_after = np.searchsorted(
        features, np.arange(-1, int(features.max(initial=-1)) + 1), "right"
    )

    pool: list[tuple[float, int, Found]] = []
    ticket = itertools.count()
    threshold = -np.inf

    start_bits = index.full if root is None else root
    stack: list[tuple[tuple[int, ...], np.ndarray, int, float]] = [((), start_bits, -1, np.inf)]
    buffer = np.empty_like(index.bits)  # reused for every batch of children
    expanded = 0
    while stack:
        prefix, bits, last_feature, bound = stack.pop()
        if not bound > threshold:
            continue
        start = int(first_after[last_feature + 1])
        if start >= count:
            continue
        children = np.bitwise_and(index.bits[start:], bits, out=buffer[: count - start])
        sums = index.sums(children)
        records = sums[:, RECORDS]
        supported = records >= min_records
        quality = measure.evaluate(sums)
        admitted = supported & (quality > threshold)
        if accept is not None:
            admitted &= accept(sums)
        for i in np.flatnonzero(admitted)[np.argsort(-quality[admitted], kind="stable")]:
            value = float(quality[i])
            if len(pool) >= k and not value > pool[0][0]:
                break
            item = (value, -next(ticket), Found((*prefix, start + int(i)), sums[i].copy(), value))
            if len(pool) < k:
                heapq.heappush(pool, item)
            else:
                heapq.heapreplace(pool, item)
            if len(pool) >= k:
                threshold = pool[0][0]
        if len(prefix) + 1 < depth:
            estimate = measure.optimistic(sums)
            grow = np.flatnonzero(supported & (estimate > threshold))
            kept = children[grow].copy() if grow.size else children[:0]
            for j in np.argsort(estimate[grow], kind="stable"):
                i = grow[j]
                stack.append(
                    (
                        (*prefix, start + int(i)),
                        kept[j],
                        int(features[start + i]),
                        float(estimate[i]),
                    )
                )
        expanded += 1
        if progress is not None and expanded % 256 == 0:
            progress(expanded)
    return [found for _, _, found in sorted(pool, key=lambda item: (-item[0], -item[1]))]
