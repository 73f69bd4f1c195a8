"""Shared fixtures: the real bank data shipped in tests/data and the seeded demo leads."""

from __future__ import annotations

from pathlib import Path

import pytest

DATA = Path(__file__).parent / "data"
BANK = DATA / "bank-full.csv.gz"


@pytest.fixture(scope="session")
def bank_path() -> Path:
    return BANK


@pytest.fixture(scope="session")
def demo_leads():
    from negpersona.datasets import generate_leads

    return generate_leads(50_000, 7)
