"""The record hash of the exploration holdout: one definition for Python, Ibis and SQL.

A record is held out (kept targeted although its persona is excluded) when the first 8 hex
characters of SHA-256(``salt:id``) fall below ``share × 16**8``. The id is hashed as text, the way
``CAST(id AS text)`` writes it, so the same records are held out in Python (:func:`is_holdout`),
in any engine through Ibis (:func:`holdout_flag`) and in the SQL that ``negpersona sql`` prints
(``apply/sqlgen.py`` renders the same rule per dialect): stable across runs, row orders, machines
and engines.

The discovery/confirmation split and the samples use the same SHA-256 rule on the record's id or
values (``sampling.py``), so they too are the same on every engine.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import numbers
import uuid
from typing import TYPE_CHECKING

from negpersona.errors import ConfigError

if TYPE_CHECKING:
    from ibis.expr.types import BooleanValue, Value

# The holdout bucket is the first 8 hex chars of the digest: 16**8 buckets.
BUCKET_CHARS = 8
BUCKETS = 16**BUCKET_CHARS


def holdout_bucket(record_id: object, salt: str) -> str:
    """The Python reference of the SQL bucket: the first 8 hex chars of the salted SHA-256.

    The id becomes text the way ``CAST(id AS text)`` writes it (see :func:`id_text`).
    """
    text = f"{salt}:{id_text(record_id)}"
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:BUCKET_CHARS]


def is_holdout(record_id: object, fraction: float, salt: str) -> bool:
    """The Python reference of :func:`holdout_expression` for one record id.

    Fraction 0 is never and a fraction that rounds to all buckets is always (like the SQL
    constants); otherwise a missing id (None) is never in the holdout.
    """
    check_fraction(fraction)
    threshold = holdout_threshold(fraction)
    if threshold <= 0:
        return False
    if threshold >= BUCKETS:
        return True
    if record_id is None:
        return False
    return int(holdout_bucket(record_id, salt), 16) < threshold


def id_text(record_id: object) -> str:
    """A record id as ``CAST(id AS text)`` writes it, for hashing.

    Portable in every engine: integers (``123``, numpy integers too) and text (as is, hashed as
    UTF-8; SQL Server hashes VARCHAR in the column's code page, so keep non-ASCII ids to engines
    with UTF-8 text or a UTF-8 collation). Matches DuckDB and PostgreSQL: booleans
    (``true``/``false``), UUIDs (lowercase with hyphens), dates (``2024-01-31``) and timestamps
    (``2024-01-31 12:00:00``). Floats use Python's shortest repr (``1.5``, ``1e+20``), which
    DuckDB shares but other engines may not; decimals print with their scale in most engines.
    Prefer integer or text ids.
    """
    if record_id is None:
        raise ValueError("A missing id has no holdout bucket: it is never in the holdout.")
    if hasattr(record_id, "item") and not isinstance(record_id, str | bytes):
        record_id = record_id.item()  # numpy scalars
    if isinstance(record_id, bool):
        return "true" if record_id else "false"
    if isinstance(record_id, numbers.Integral):
        return str(int(record_id))
    if isinstance(record_id, bytes):
        raise TypeError("Binary ids have no portable text form; cast them to text or hex first.")
    if isinstance(record_id, uuid.UUID):
        return str(record_id)
    if isinstance(record_id, dt.datetime):
        return record_id.isoformat(sep=" ")
    return str(record_id)


def holdout_threshold(fraction: float) -> int:
    """The holdout bound in buckets (0 … 16**8)."""
    return round(fraction * BUCKETS)


def check_fraction(fraction: float) -> None:
    if not isinstance(fraction, numbers.Real) or not 0 <= float(fraction) <= 1:
        raise ConfigError(
            f"The exploration holdout must be a fraction from 0 to 1, not {fraction!r}.",
            "Use e.g. 0.05 for 5% of the excluded records.",
        )


def holdout_flag(record_id: Value, fraction: float, salt: str) -> BooleanValue:
    """The Ibis expression of :func:`is_holdout` for a column of record ids."""
    import ibis  # here: scoring one lead in Python uses this module without the engine

    check_fraction(fraction)
    threshold = holdout_threshold(fraction)
    if threshold <= 0:
        return ibis.literal(False)
    if threshold >= BUCKETS:
        return ibis.literal(True)
    text = ibis.literal(f"{salt}:") + record_id.cast("string")
    bucket = text.hexdigest("sha256").substr(0, BUCKET_CHARS)
    return (bucket < format(threshold, f"0{BUCKET_CHARS}x")).fill_null(False)
