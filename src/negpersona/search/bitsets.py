"""Selector bitsets over a weighted table, summed exactly with popcounts.

Each selector becomes a packed bitset (uint64 words) over the rows of the compressed table. A
segment's statistics are popcounts of the AND of its selectors' bitsets. Rows carry integer
weights (records, fits, value units) in several *channels*; to keep counting a popcount, each
channel's weights are split into bit-planes: a row whose weight has bit ``b`` set appears once in
that channel's plane ``b``, and that plane's popcount is multiplied by ``2**b``. Uncompressed data
(all weights 1) needs a single plane, highly compressed data a few more, and the sums stay exact.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

import numpy as np


class WeightedBitsets:
    """Bitsets of selectors over weighted rows, with per-channel sums.

    ``channels`` is a ``(rows, C)`` array of non-negative integer weights; ``masks`` yields one
    boolean row mask per selector.
    """

    def __init__(self, masks: Iterable[np.ndarray], channels: np.ndarray) -> None:
        channels = np.asarray(channels, dtype=np.int64)
        if channels.ndim != 2:
            raise ValueError("channels must be a (rows, channels) array")
        if (channels < 0).any():
            raise ValueError("channel weights must be non-negative")
        self.rows, self.channel_count = channels.shape
        gather: list[np.ndarray] = []
        starts: list[int] = []
        plane_weights: list[np.ndarray] = []
        position = 0
        for channel in range(self.channel_count):
            weights = channels[:, channel]
            top = int(weights.max()).bit_length() if self.rows else 0
            for bit in range(top):
                rows = np.flatnonzero((weights >> bit) & 1)
                if rows.size == 0:
                    continue
                padded = -(-rows.size // 64) * 64
                segment = np.full(padded, self.rows, dtype=np.int64)  # pad → an always-false row
                segment[: rows.size] = rows
                gather.append(segment)
                starts.append(position // 64)
                weight = np.zeros(self.channel_count, dtype=np.int64)
                weight[channel] = 1 << bit
                plane_weights.append(weight)
                position += padded
        if not gather:  # no weight at all: one empty word keeps shapes valid
            gather.append(np.full(64, self.rows, dtype=np.int64))
            starts.append(0)
            plane_weights.append(np.zeros(self.channel_count, dtype=np.int64))
        self._gather = np.concatenate(gather)
        self._starts = np.asarray(starts, dtype=np.intp)
        self._plane_weights = np.vstack(plane_weights)
        self.words = self._gather.size // 64
        ends = [*self._starts[1:].tolist(), self.words]
        self._bounds = list(zip(self._starts.tolist(), ends, strict=True))
        self.full = self.pack(np.ones(self.rows, dtype=bool))
        packed = [self.pack(mask) for mask in masks]  # masks may be a generator: one at a time
        self.bits = np.vstack(packed) if packed else np.zeros((0, self.words), dtype=np.uint64)

    def pack(self, mask: np.ndarray) -> np.ndarray:
        """The bitset (uint64 words) of a boolean row mask."""
        extended = np.append(np.asarray(mask, dtype=bool), False)
        return np.packbits(extended[self._gather], bitorder="little").view(np.uint64)

    def sums(self, bits: np.ndarray) -> np.ndarray:
        """Channel sums for bitsets ``bits`` of shape ``(k, words)`` (or one bitset)."""
        single = bits.ndim == 1
        bits = np.atleast_2d(bits)
        counts = np.bitwise_count(bits)
        # Per-plane slice sums: several times faster than np.add.reduceat here.
        planes = np.empty((counts.shape[0], self._starts.size), dtype=np.int64)
        for plane, (start, end) in enumerate(self._bounds):
            planes[:, plane] = counts[:, start:end].sum(axis=1, dtype=np.int64)
        result = planes @ self._plane_weights
        return result[0] if single else result

    def conjunction(self, selectors: Sequence[int]) -> np.ndarray:
        """The bitset of the AND of ``selectors`` (the full set when empty)."""
        bits = self.full.copy()
        for selector in selectors:
            bits &= self.bits[selector]
        return bits
