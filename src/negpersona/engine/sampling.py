"""Seeded, row-order independent sampling by hashing record contents, the same on every engine.

Engines' own sampling with a seed is only repeatable single-threaded, and row numbers depend on
the order a file is read. A hash of the record's values (with the seed) is stable across runs and
row orders, and duplicate records always fall on the same side. The hash is the one of the
exploration holdout (``hashing.py``): the first 8 hex characters of SHA-256 of the text
``salt seed : values``, compared with the fraction's threshold as text. Engines with SHA-256 compute
it and compare text the same way, so DuckDB, Spark and warehouses keep the same records: the same
discovery/confirmation split, the same samples, the same personas (``tests/test_spark.py``).
Ibis has no SHA-256 for SQLite, so a random split or sample cannot run there.

The values are joined as ``CAST(value AS text)`` with a separator, a missing value written as
``\\N``. Integers, text and yes/no values are written alike by every engine; floats, dates and
times may be written differently by some (``1e+20`` against ``1.0E20``), so a split keyed on an id
column (an integer or text) is the portable choice.
"""

from __future__ import annotations

import ibis
from ibis.expr.types import BooleanValue, StringValue, Table

BUCKET_CHARS = 8
BUCKETS = 16**BUCKET_CHARS
SEPARATOR = "\x1f"  # the ASCII unit separator: not in ordinary values
MISSING = "\\N"


def record_text(table: Table, columns: list[str]) -> StringValue:
    """The record's ``columns`` as one text: values as text, joined, missing ones marked."""
    parts = [table[name].cast("string").fill_null(MISSING) for name in columns]
    return parts[0] if len(parts) == 1 else ibis.literal(SEPARATOR).join(parts)


def keep_fraction(
    table: Table, columns: list[str], fraction: float, seed: int, salt: str = ""
) -> BooleanValue:
    """True for about ``fraction`` of the records, the same ones in every run and engine."""
    threshold = round(fraction * BUCKETS)
    if threshold <= 0:
        return ibis.literal(False)
    if threshold >= BUCKETS:
        return ibis.literal(True)
    text = ibis.literal(f"{salt}{seed}:") + record_text(table, columns)
    bucket = text.hexdigest("sha256").substr(0, BUCKET_CHARS)
    return bucket < format(threshold, f"0{BUCKET_CHARS}x")


def materialized(table: Table) -> Table:
    """Keep ``table`` in its engine (a temporary table) so later queries skip the big scan."""
    try:
        return table.cache()
    except Exception:  # an engine without temporary tables: query the expression each time
        return table
