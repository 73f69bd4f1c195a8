"""Every count a re-check needs from a new batch, in one engine scan.

For each persona: its members, those with an outcome, their fits, and the same three numbers for
its exploration holdout (members the policy keeps targeted, by the record hash of
``engine.hashing``). Plus the batch's totals and, for drift, the records of every stored bin of
the reference columns, over all records and over each persona's members.

How it stays one scan: each record gets one integer *code* whose bits say whether it has an
outcome, is a fit, is held out, and which personas it belongs to. The engine then only counts
records per code (and, with bins, per column, bin and code: the bin columns are unpivoted, so
the batch is still read once), and NumPy adds the codes up. The compressed table has at most a
few thousand rows whatever the batch's size. Two details matter for speed: the record hash of
the holdout is computed once per record and only for members of some persona (it is the most
expensive expression), and every per-persona number comes from the same code instead of its own
conditional sum. Engines that cannot unpivot (SQLite) get one ``GROUP BY`` per column instead.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

import ibis
import ibis.common.exceptions as ibis_errors
import numpy as np
from ibis.expr.types import BooleanValue, Table

from negpersona.data.drift import Bins

KNOWN, FIT, HELD = 1, 2, 4
FIRST_PERSONA_BIT = 3
PERSONAS_PER_CODE = 60  # a code is an int64: personas beyond this are counted in another scan


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
    """The batch's totals, per persona id its members and holdout members, and the bins counted.

    ``bins`` maps each column of the ``bins`` passed to :func:`count_batch` to the same
    :class:`Bins` with this batch's counts (all records, and each persona's members).
    """

    total: GroupCounts
    members: dict[str, GroupCounts]
    holdout: dict[str, GroupCounts]
    bins: dict[str, Bins] = field(default_factory=dict)


def count_batch(
    table: Table,
    known: BooleanValue,
    label: BooleanValue,
    flags: Mapping[str, BooleanValue],
    holdout: BooleanValue | None = None,
    bins: Sequence[Bins] = (),
) -> BatchCounts:
    """The counts of ``table`` (see the module docstring).

    ``flags`` maps persona ids to membership expressions on ``table``; ``holdout`` says which
    records the policy keeps targeted (None: no holdout); ``bins`` are the reference bins whose
    counts drift compares (columns missing from ``table`` must be left out by the caller).
    """
    keys = list(flags)
    chunks = [keys[i : i + PERSONAS_PER_CODE] for i in range(0, len(keys), PERSONAS_PER_CODE)]
    members: dict[str, GroupCounts] = {}
    held_out: dict[str, GroupCounts] = {}
    bin_members: dict[str, dict[str, list[int]]] = {b.column: {} for b in bins}
    bin_totals: dict[str, list[int]] = {}
    total = GroupCounts()
    for chunk in chunks or [[]]:
        codes, per_bin = _count_codes(
            table, known, label, {k: flags[k] for k in chunk}, holdout, bins
        )
        code, n = codes
        total = GroupCounts(int(n.sum()), _sum(n, code, KNOWN), _sum(n, code, FIT))
        for i, key in enumerate(chunk):
            bit = 1 << (FIRST_PERSONA_BIT + i)
            members[key] = GroupCounts(
                _sum(n, code, bit), _sum(n, code, bit | KNOWN), _sum(n, code, bit | FIT)
            )
            held_out[key] = GroupCounts(
                _sum(n, code, bit | HELD),
                _sum(n, code, bit | HELD | KNOWN),
                _sum(n, code, bit | HELD | FIT),
            )
        for bins_, (bin_index, bin_code, bin_n) in zip(bins, per_bin, strict=True):
            size = len(bins_.labels)
            bin_totals[bins_.column] = _per_bin(bin_index, bin_n, size)
            for i, key in enumerate(chunk):
                mine = (bin_code & (1 << (FIRST_PERSONA_BIT + i))) != 0
                bin_members[bins_.column][key] = _per_bin(bin_index[mine], bin_n[mine], size)
    counted = {
        b.column: Bins(
            b.column, b.kind, b.values, b.edges, bin_totals[b.column], bin_members[b.column]
        )
        for b in bins
    }
    return BatchCounts(total, members, held_out, counted)


def _count_codes(
    table: Table,
    known: BooleanValue,
    label: BooleanValue,
    flags: Mapping[str, BooleanValue],
    holdout: BooleanValue | None,
    bins: Sequence[Bins],
) -> tuple[tuple[np.ndarray, np.ndarray], list[tuple[np.ndarray, np.ndarray, np.ndarray]]]:
    """Records per code, and per (bin, code) for each of ``bins``, as NumPy arrays."""
    as_code = lambda value, bit: value.fill_null(False).cast("int64") * bit  # noqa: E731
    code = as_code(known, KNOWN) + as_code(known & label, FIT)
    for i, flag in enumerate(flags.values()):
        code = code + as_code(flag, 1 << (FIRST_PERSONA_BIT + i))
    if holdout is not None and flags:
        # The hash only for members: a CASE evaluates it on the rows that reach it.
        any_member = ibis.or_(*(flag.fill_null(False) for flag in flags.values()))
        code = code + as_code(ibis.ifelse(any_member, holdout, False), HELD)
    names = [f"__np_b{j}" for j in range(len(bins))]
    coded = table.select(
        __np_code=code,
        **{name: b.index(table).cast("int16") for name, b in zip(names, bins, strict=True)},
    )
    if not bins:
        rows = coded.group_by("__np_code").aggregate(__np_n=coded.count()).to_pyarrow()
        return _arrays(rows, "__np_code", "__np_n"), []
    try:
        long = coded.pivot_longer(names, names_to="__np_col", values_to="__np_bin")
        grouped = long.group_by(["__np_col", "__np_bin", "__np_code"]).aggregate(
            __np_n=long.count()
        )
        grouped.compile()
    except (ibis_errors.TranslationError, ibis_errors.UnsupportedOperationError):
        return _count_per_column(coded, names)
    rows = grouped.to_pyarrow()
    column = np.asarray(rows["__np_col"].to_pylist(), dtype=object)
    bin_index, bin_code, n = _arrays(rows, "__np_bin", "__np_code", "__np_n")
    first = column == names[0]  # every record has one bin per column: the codes from any one
    totals = _merge(bin_code[first], n[first])
    per_bin = [(bin_index[column == name], bin_code[column == name], n[column == name])
               for name in names]  # fmt: skip
    return totals, per_bin


def _count_per_column(
    coded: Table, names: list[str]
) -> tuple[tuple[np.ndarray, np.ndarray], list[tuple[np.ndarray, np.ndarray, np.ndarray]]]:
    """The same counts with one ``GROUP BY`` per bin column (engines without unpivot)."""
    per_bin = []
    for name in names:
        rows = coded.group_by([name, "__np_code"]).aggregate(__np_n=coded.count()).to_pyarrow()
        per_bin.append(_arrays(rows, name, "__np_code", "__np_n"))
    _, code, n = per_bin[0]
    return _merge(code, n), per_bin


def _arrays(rows, *columns: str) -> tuple[np.ndarray, ...]:
    return tuple(
        np.asarray(rows[name].fill_null(0).to_numpy(zero_copy_only=False), dtype=np.int64)
        for name in columns
    )


def _merge(code: np.ndarray, n: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Records per distinct code (the same code may come from several bins)."""
    unique, inverse = np.unique(code, return_inverse=True)
    return unique, np.bincount(inverse, weights=n, minlength=len(unique)).astype(np.int64)


def _sum(n: np.ndarray, code: np.ndarray, bits: int) -> int:
    """Records whose code has every one of ``bits`` set."""
    return int(n[(code & bits) == bits].sum())


def _per_bin(bin_index: np.ndarray, n: np.ndarray, size: int) -> list[int]:
    return [int(v) for v in np.bincount(bin_index, weights=n, minlength=size)[:size]]
