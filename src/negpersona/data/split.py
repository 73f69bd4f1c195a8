"""Split records into a discovery part the search sees and a confirmation part it never sees.

With a time column the confirmation part is the latest records (out-of-time), which is how
personas will be used: found on the past, applied to the future. Without one, a seeded hash of the
id (or of the whole record) decides, so the split is stable across runs, row orders and machines
running the same engine, and duplicate records always fall on the same side.
"""

from __future__ import annotations

from dataclasses import dataclass

import ibis
from ibis.expr.types import BooleanValue, Table

from negpersona.engine.sampling import keep_fraction
from negpersona.errors import DataError


@dataclass
class Split:
    confirm: BooleanValue
    method: str  # "time" | "random" | "none"
    description: str


def no_split() -> Split:
    return Split(ibis.literal(False), "none", "no confirmation split: all records are searched")


def make_split(
    table: Table, fraction: float, seed: int, time_column: str | None, id_column: str | None
) -> Split:
    """The confirmation flag for each record of ``table``."""
    if time_column:
        return _time_split(table, fraction, time_column)
    columns = [id_column] if id_column else list(table.columns)
    basis = f"seeded hash of {id_column}" if id_column else "seeded hash of each record"
    confirm = keep_fraction(table, columns, fraction, seed, salt="split:")
    return Split(
        confirm, "random", f"random {fraction:.0%} for confirmation ({basis}, seed {seed})"
    )


def _time_split(table: Table, fraction: float, time_column: str) -> Split:
    column = table[time_column]
    dtype = column.type()
    if dtype.is_date():
        column = column.cast("timestamp")
    elif dtype.is_string():
        column = column.try_cast("timestamp")
    elif not (dtype.is_timestamp() or dtype.is_numeric()):
        raise DataError(
            f"Time column {time_column!r} has type {dtype}, not a date or time.",
            "Name a date/timestamp column as time:, or leave it out for a random split.",
            code="split.time_not_a_date",
            setting="time",
        )
    ordinal = column.epoch_seconds() if not dtype.is_numeric() else column.cast("float64")
    cutoff = table.aggregate(c=ordinal.quantile(1 - fraction)).to_pyarrow().to_pylist()[0]["c"]
    if cutoff is None:
        raise DataError(
            f"Time column {time_column!r} has no readable values.",
            "Check its format (ISO dates such as 2024-05-31 work) or leave time: out.",
            code="split.time_unreadable",
            setting="time",
        )
    confirm = (ordinal > cutoff).fill_null(False)
    return Split(
        confirm, "time", f"latest {fraction:.0%} of records by {time_column} for confirmation"
    )
