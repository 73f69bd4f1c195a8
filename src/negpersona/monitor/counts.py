"""Every count a re-check needs from a new batch, in one engine aggregation.

For each persona: its members, those with an outcome, their fits, and the same three numbers for
its exploration holdout (members the policy keeps targeted, by the record hash of
``engine.hashing``). Plus the batch's totals. One ``SELECT sum(...), sum(...), …`` over the
batch, so 10M records and eight personas cost one scan.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import ibis
from ibis.expr.types import BooleanValue, Table


@dataclass(frozen=True)
class GroupCounts:
    """Records, records with an outcome, and fits among them."""

    records: int = 0
    known: int = 0
    positives: int = 0

    @property
    def rate(self) -> float | None:
        return self.positives / self.known if self.known else None


@dataclass(frozen=True)
class BatchCounts:
    """The batch's totals and, per persona id, its members and its holdout members."""

    total: GroupCounts
    members: dict[str, GroupCounts]
    holdout: dict[str, GroupCounts]


def count_batch(
    table: Table,
    known: BooleanValue,
    label: BooleanValue,
    flags: Mapping[str, BooleanValue],
    holdout: BooleanValue | None = None,
) -> BatchCounts:
    """The counts of ``table`` (see the module docstring) in one aggregation."""
    as_int = lambda value: value.cast("int64")  # noqa: E731 - a one-line helper
    fit = known & label
    sums = {
        "__np_n": table.count(),
        "__np_k": as_int(known).sum(),
        "__np_p": as_int(fit).sum(),
    }
    held = holdout if holdout is not None else ibis.literal(False)
    for i, flag in enumerate(flags.values()):
        sums[f"__np_n{i}"] = as_int(flag).sum()
        sums[f"__np_k{i}"] = as_int(flag & known).sum()
        sums[f"__np_p{i}"] = as_int(flag & fit).sum()
        if holdout is not None:
            sums[f"__np_hn{i}"] = as_int(flag & held).sum()
            sums[f"__np_hk{i}"] = as_int(flag & held & known).sum()
            sums[f"__np_hp{i}"] = as_int(flag & held & fit).sum()
    row = table.aggregate(**sums).to_pyarrow().to_pylist()[0]
    value = lambda key: int(row.get(key) or 0)  # noqa: E731 - a sum over no rows is NULL
    members, held_out = {}, {}
    for i, key in enumerate(flags):
        members[key] = GroupCounts(value(f"__np_n{i}"), value(f"__np_k{i}"), value(f"__np_p{i}"))
        held_out[key] = GroupCounts(
            value(f"__np_hn{i}"), value(f"__np_hk{i}"), value(f"__np_hp{i}")
        )
    total = GroupCounts(value("__np_n"), value("__np_k"), value("__np_p"))
    return BatchCounts(total, members, held_out)
