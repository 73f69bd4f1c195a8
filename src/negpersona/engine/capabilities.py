"""What an engine can do, by its Ibis backend or SQL dialect name, in one place.

Stages ask here instead of testing engine names inline (as pandera keeps its backend
capabilities as constants), so a new engine is one entry, not a search through the code.
"""

from __future__ import annotations

from dataclasses import dataclass

# Engines whose quantiles are exact (others give approximate ones, which bin as well).
EXACT_QUANTILES = frozenset({"duckdb", "postgres"})
# SQL dialects without a built-in SHA-256: they can tag personas but not compute the holdout.
NO_SHA256 = frozenset({"sqlite"})


@dataclass(frozen=True)
class Capabilities:
    exact_quantiles: bool
    sha256: bool


def capabilities(engine: str) -> Capabilities:
    """The capabilities of ``engine`` (an Ibis backend name such as ``duckdb``)."""
    return Capabilities(exact_quantiles=engine in EXACT_QUANTILES, sha256=engine not in NO_SHA256)
