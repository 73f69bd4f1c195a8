"""Redundancy filters on constructed segments, and the business (net savings) ranking."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from negpersona import discover
from negpersona.search.bitsets import WeightedBitsets
from negpersona.search.frontier import Candidates, greedy_sequence
from negpersona.search.measures import RateGain
from negpersona.search.select import (
    drop_diluted_generalizations,
    drop_near_duplicates,
    drop_weak_refinements,
)
from negpersona.search.topk import Found
from tests.helpers import members


def _index(masks: list[np.ndarray], fits: np.ndarray) -> WeightedBitsets:
    return WeightedBitsets(masks, np.column_stack([np.ones(fits.size, dtype=np.int64), fits]))


def _found(index: WeightedBitsets, selectors: tuple[int, ...]) -> Found:
    sums = index.sums(index.conjunction(selectors))
    return Found(selectors, sums, float(sums[0] - sums[1]))


def test_weak_refinement_and_diluted_parent_are_dropped() -> None:
    rng = np.random.default_rng(0)
    n = 20_000
    a = rng.random(n) < 0.3  # broad segment
    core = a & (rng.random(n) < 0.3)  # its sharp core (separate selector b restricted to a)
    b = core | (~a & (rng.random(n) < 0.3))
    noise = rng.random(n) < 0.5  # irrelevant selector
    rate = np.where(core, 0.01, 0.12)
    fits = (rng.random(n) < rate).astype(np.int64)
    index = _index([a, b, noise], fits)
    parent, sharp, weak = _found(index, (0,)), _found(index, (0, 1)), _found(index, (0, 2))
    kept = drop_weak_refinements([sharp, weak, parent], index, alpha=0.05)
    assert sharp in kept and parent in kept and weak not in kept
    baseline = fits.mean()
    kept = drop_diluted_generalizations([parent, sharp], baseline, max_rate_ratio=0.5)
    assert kept == [sharp], "outside its core the broad segment converts at baseline"


def test_near_duplicates_and_distinct_sequence() -> None:
    rng = np.random.default_rng(1)
    n = 10_000
    a = rng.random(n) < 0.2
    twin = a.copy()
    twin[np.flatnonzero(a)[:50]] = False  # 97% overlap
    other = ~a & (rng.random(n) < 0.1)
    fits = np.zeros(n, dtype=np.int64)
    index = _index([a, twin, other], fits)
    items = [_found(index, (0,)), _found(index, (1,)), _found(index, (2,))]
    unique = drop_near_duplicates(items, index, threshold=0.8)
    assert [item.selectors for item in unique] == [(0,), (2,)]
    gain = RateGain(n, 1, ratio=1.0)  # every record is a non-fit here: any new record gains
    pool = Candidates(items, index)
    chosen = greedy_sequence(pool, [gain], limit=5, min_new_share=0.5, min_records=1)
    assert chosen == [0, 2]  # the twin adds nothing new


@pytest.fixture(scope="module")
def leads(demo_leads) -> pd.DataFrame:
    return demo_leads.iloc[:20_000].reset_index(drop=True)


def test_business_mode_ranks_by_net_savings(leads) -> None:
    cost, value = 40.0, 900.0
    result = discover(
        leads, target="converted", time="created_at", id="lead_id", cost=cost, value=value,
        depth=2, exclude=["deal_value"],
    )  # fmt: skip
    assert result.settings["measure"] == "savings"
    assert result.personas
    early = leads[~(leads["created_at"] > leads["created_at"].quantile(0.7)).to_numpy()]
    for persona in result.personas + result.unconfirmed:
        inside = members(early, persona.conditions)
        fits = int(early["converted"].to_numpy()[inside].sum())
        assert persona.quality == pytest.approx(cost * inside.sum() - value * fits)
        assert persona.quality > 0


def test_business_mode_with_a_value_column(leads) -> None:
    frame = leads.assign(deal_value=leads["deal_value"].fillna(0.0))
    result = discover(
        frame, target="converted", time="created_at", id="lead_id", value_column="deal_value",
        cost=60.0, depth=2,
    )  # fmt: skip
    assert result.settings["measure"] == "savings"
    early = frame[~(frame["created_at"] > frame["created_at"].quantile(0.7)).to_numpy()]
    for persona in result.personas:
        inside = members(early, persona.conditions)
        lost_value = early["deal_value"].to_numpy()[inside].sum()
        # Values are summed in whole currency units.
        assert persona.quality == pytest.approx(
            60.0 * inside.sum() - lost_value, abs=float(inside.sum())
        )
        assert persona.value_share == pytest.approx(
            lost_value / early["deal_value"].sum(), rel=1e-6
        )


def test_business_mode_needs_both_numbers(leads) -> None:
    from negpersona.errors import DataError

    with pytest.raises(DataError, match="value per conversion"):
        discover(leads, target="converted", measure="savings", cost=10.0, depth=1, run_audit=False)
