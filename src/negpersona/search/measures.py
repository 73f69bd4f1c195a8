"""Quality measures for negative segments and their optimistic estimates.

The search ranks segments and prunes with an optimistic estimate: an upper bound on the quality of
any refinement (a segment with more conditions is a subset). Both work on vectors of channel sums:
column 0 is records, column 1 is fits (positives), then optional value and cost sums.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

RECORDS, POSITIVES = 0, 1


@dataclass
class WRAcc:
    """Weighted relative accuracy on the non-converting class.

    ``q = share × (baseline_rate − segment_rate) = baseline_rate × (share of records − share of
    conversions)``: large when a segment is big and converts far below baseline. The best
    refinement keeps every non-converting record and drops every conversion, which bounds
    ``q ≤ non_converting × baseline_rate / N``.
    """

    records: int
    positives: int
    name: str = "wracc"

    @property
    def baseline(self) -> float:
        return self.positives / self.records if self.records else 0.0

    def evaluate(self, sums: np.ndarray) -> np.ndarray:
        n, pos = sums[..., RECORDS], sums[..., POSITIVES]
        return (n * self.baseline - pos) / self.records

    def optimistic(self, sums: np.ndarray) -> np.ndarray:
        n, pos = sums[..., RECORDS], sums[..., POSITIVES]
        return (n - pos) * self.baseline / self.records


@dataclass
class NetSavings:
    """Money saved by excluding a segment: its cost minus the value of its conversions.

    Cost is ``cost_per_record × records`` or a summed cost column; value is
    ``value_per_conversion × fits`` or a summed value column. Dropping every conversion is the best
    any refinement can do, so the optimistic estimate is the cost of the non-converting records
    (or the whole cost when cost is a column).
    """

    cost_per_record: float | None
    value_per_conversion: float | None
    value_channel: int | None = None
    cost_channel: int | None = None
    name: str = "savings"

    def _cost(self, sums: np.ndarray) -> np.ndarray:
        if self.cost_channel is not None:
            return sums[..., self.cost_channel].astype(float)
        return sums[..., RECORDS] * float(self.cost_per_record or 0.0)

    def _value(self, sums: np.ndarray) -> np.ndarray:
        if self.value_channel is not None:
            return sums[..., self.value_channel].astype(float)
        return sums[..., POSITIVES] * float(self.value_per_conversion or 0.0)

    def evaluate(self, sums: np.ndarray) -> np.ndarray:
        return self._cost(sums) - self._value(sums)

    def optimistic(self, sums: np.ndarray) -> np.ndarray:
        if self.cost_channel is not None:
            return self._cost(sums)
        return (sums[..., RECORDS] - sums[..., POSITIVES]) * float(self.cost_per_record or 0.0)


@dataclass
class RateGain:
    """``(share of records)^a × (threshold − segment rate)``, threshold = ``ratio × baseline``.

    The family behind the candidate pool. WRAcc is ``a = 1, ratio = 1``: it ranks a big segment
    moderately below baseline first. A lower ``ratio`` only rewards records converting below
    ``ratio × baseline``, so sharper segments rank first; ``a = 0.5`` trades size for sharpness
    the other way. Excluding is about both, so the pool collects the top segments of several
    members of the family. With ``a ≤ 1`` the best refinement keeps every non-converting record
    and no conversion, so ``((N − P)/N)^a × threshold`` bounds every refinement of a segment
    with ``N − P`` non-converting records (the same argument as for WRAcc).
    """

    records: int
    positives: int
    ratio: float = 1.0
    exponent: float = 1.0
    name: str = "rate_gain"

    @property
    def threshold(self) -> float:
        return self.ratio * (self.positives / self.records if self.records else 0.0)

    def evaluate(self, sums: np.ndarray) -> np.ndarray:
        n, pos = sums[..., RECORDS].astype(float), sums[..., POSITIVES].astype(float)
        if self.exponent == 1.0:
            return (n * self.threshold - pos) / self.records
        rate = np.divide(pos, n, out=np.zeros_like(n), where=n > 0)
        return (n / self.records) ** self.exponent * (self.threshold - rate)

    def optimistic(self, sums: np.ndarray) -> np.ndarray:
        negatives = (sums[..., RECORDS] - sums[..., POSITIVES]).astype(float)
        return (negatives / self.records) ** self.exponent * self.threshold
