"""The bitset counting engine against plain NumPy sums (the oracle)."""

from __future__ import annotations

import numpy as np
import pytest

from negpersona.search.bitsets import WeightedBitsets


@pytest.mark.parametrize("seed", range(5))
@pytest.mark.parametrize("max_weight", [1, 7, 100_000])
def test_channel_sums_equal_weighted_numpy_sums(seed: int, max_weight: int) -> None:
    rng = np.random.default_rng(seed)
    rows = int(rng.integers(1, 500))
    channels = rng.integers(0, max_weight + 1, size=(rows, 3))
    masks = [rng.random(rows) < p for p in (0.1, 0.5, 0.9)]
    index = WeightedBitsets(masks, channels)
    for selector, mask in enumerate(masks):
        assert index.sums(index.bits[selector]).tolist() == channels[mask].sum(0).tolist()
    both = masks[0] & masks[2]
    assert index.sums(index.conjunction([0, 2])).tolist() == channels[both].sum(0).tolist()
    assert index.sums(index.full).tolist() == channels.sum(0).tolist()
    batch = index.sums(index.bits & index.bits[1])
    expected = [channels[mask & masks[1]].sum(0).tolist() for mask in masks]
    assert batch.tolist() == expected


def test_zero_weights_and_empty_masks() -> None:
    channels = np.array([[0, 0], [3, 1], [0, 0]])
    index = WeightedBitsets([np.array([True, False, True])], channels)
    assert index.sums(index.bits[0]).tolist() == [0, 0]
    assert index.sums(index.full).tolist() == [3, 1]


def test_negative_weights_are_refused() -> None:
    with pytest.raises(ValueError, match="non-negative"):
        WeightedBitsets([np.array([True])], np.array([[-1, 0]]))
