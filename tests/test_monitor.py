"""Re-checks on planted drift: statuses, false alarms, the holdout read-out, movers, bad input."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

from negpersona.engine.hashing import is_holdout
from negpersona.errors import DataError
from negpersona.model.persona import DiscoveryResult
from negpersona.monitor import recheck
from negpersona.monitor.counts import GroupCounts
from negpersona.monitor.status import holdout_readout
from tests import monitor_data as md


@pytest.fixture(scope="module")
def old() -> pd.DataFrame:
    return md.batch(20_000, 1)


@pytest.fixture(scope="module")
def folder(tmp_path_factory, old):
    return md.make_folder(tmp_path_factory.mktemp("planted") / "out", old)


@pytest.fixture(scope="module")
def planted(folder, old):
    new = md.batch(20_000, 2, fade=True, shift=True, start=100_000)
    new = md.with_graduates(new, old, 60)
    result = recheck(folder, new, basis="members", candidates=False, previous=old)
    return {item["name"]: item for item in result.personas}, result


def test_planted_changes_get_the_right_status(planted) -> None:
    items, _ = planted
    assert items["Plan is free"]["verdict"]["status"] == "holds"
    assert items["Plan is free"]["verdict"]["action"] == "keep"
    assert items["Channel is webinar"]["verdict"]["status"] == "broken"
    assert items["Channel is webinar"]["verdict"]["action"] == "stop excluding"
    shifted = items["Employees under 10"]
    assert shifted["size"]["shifted"] is True
    assert shifted["size"]["share"] < 0.6 * shifted["size"]["share_at_discovery"]
    drift = {d["column"]: d for d in shifted["drift"]}
    assert drift["employees"]["band"] == "large"
    # The personas whose members did not move show no drift in their own columns.
    assert {d["band"] for d in items["Plan is free"]["drift"]} == {"stable"}
    assert items["Plan is free"]["size"]["shifted"] is False


def test_graduates_are_followed_by_id(planted, old) -> None:
    items, _ = planted
    moved = items["Plan is free"]["movement"]
    assert moved["graduates"]["records"] == 60
    assert moved["leavers"]["records"] == 60
    assert moved["late_converters"]["records"] == 0
    expected = sorted(
        str(i) for i in old[(old["plan"] == "free") & ~old["converted"]].head(60)["lead_id"]
    )
    assert moved["graduates"]["examples"] == expected[:5]
    assert moved["leavers"]["conditions_no_longer_met"] == [
        {"condition": "plan is free", "records": 60}
    ]


def test_unchanged_batches_raise_few_false_alarms(folder) -> None:
    broken = weakening = 0
    runs = 30
    for seed in range(100, 100 + runs):
        result = recheck(folder, md.batch(6_000, seed), basis="members", candidates=False)
        statuses = [item["verdict"]["status"] for item in result.personas]
        broken += "broken" in statuses
        weakening += "weakening" in statuses
    assert broken / runs <= 0.05
    assert weakening / runs <= 0.2


def test_holdout_readout_equals_a_pandas_recount(folder) -> None:
    new = md.batch(20_000, 7, start=500_000)
    result = recheck(folder, new, candidates=False)
    personas = DiscoveryResult.read(folder).personas
    for item, persona in zip(
        result.personas, sorted(personas, key=lambda p: (p.expected_rate, p.id)), strict=True
    ):
        assert item["id"] == persona.id
        mask = md._mask(new, persona.conditions)
        held = new[mask & new["lead_id"].map(lambda i: is_holdout(i, 0.05, "negpersona"))]
        readout = item["holdout"]
        assert readout["known"] == len(held)
        assert readout["conversions"] == int(held["converted"].sum())
        assert readout["expected_conversions"] == pytest.approx(len(held) * persona.expected_rate)
        assert item["verdict"]["basis"] == ("holdout" if len(held) >= 30 else "members")


def test_holdout_interval_covers_the_true_rate() -> None:
    rng = np.random.default_rng(0)
    true_rate, size = 0.04, 150
    persona = type("P", (), {"expected_rate": true_rate})()
    covered = 0
    for _ in range(200):
        conversions = int(rng.binomial(size, true_rate))
        low, high = holdout_readout(persona, GroupCounts(size, size, conversions), 0.2)["rate_ci"]
        covered += low <= true_rate <= high
    assert covered >= 0.93 * 200


def test_a_batch_without_outcomes_reports_sizes_and_drift_only(folder) -> None:
    new = md.batch(5_000, 3, shift=True).drop(columns="converted")
    result = recheck(folder, new, candidates=True)
    assert result.document["outcome_available"] is False
    assert {item["verdict"]["status"] for item in result.personas} == {"awaiting outcomes"}
    assert all(item["size"]["records"] > 0 for item in result.personas)
    assert any(d["band"] == "large" for item in result.personas for d in item["drift"])
    assert any("need outcomes" in note for note in result.document["notes"])


def test_a_batch_missing_a_persona_column_is_a_clear_error(folder) -> None:
    with pytest.raises(DataError, match="'channel'"):
        recheck(folder, md.batch(1_000, 4).drop(columns="channel"), candidates=False)


def test_an_empty_batch_is_a_clear_error(folder) -> None:
    with pytest.raises(DataError, match="no records"):
        recheck(folder, md.batch(1_000, 4).head(0), candidates=False)


def test_commit_writes_a_valid_document_and_moves_review_dates(tmp_path, old) -> None:
    folder = md.make_folder(tmp_path / "out", old)
    result = recheck(folder, md.batch(20_000, 5, fade=True), basis="members", candidates=False)
    changes = result.commit(tmp_path / "rc", apply_policy=True)
    document = json.loads((tmp_path / "rc" / "recheck.json").read_text())
    assert document["schema_version"] == 1 and document["run_id"] == changes["run_id"]
    ids = md.ids(folder)
    assert changes["paused"] == [ids["webinar"]]
    policy = json.loads((folder / "policy.json").read_text())
    assert ids["webinar"] not in policy["excluded"]
    assert policy["paused"][0]["id"] == ids["webinar"]
    holds = set(changes["review_moved"])
    assert ids["free"] in holds and ids["webinar"] not in holds
    stored = {p.id: p.extra["review_by"] for p in DiscoveryResult.read(folder).personas}
    assert stored[ids["webinar"]] == "2020-01-01"
    assert stored[ids["free"]] > "2026-01-01"
    assert (
        f"review_by: '{stored[ids['free']]}'"
        in (folder / "personas" / f"{ids['free']}.yaml").read_text()
    )


def test_new_candidates_are_segments_unlike_every_persona(folder) -> None:
    changed = recheck(folder, md.batch(20_000, 2, new_segment=True), basis="members")
    names = [c["name"] for c in changed.document["candidates"]]
    assert names == ["Region is east"]
    assert changed.document["candidates"][0]["jaccard"] < 0.5
    unchanged = recheck(folder, md.batch(20_000, 3), basis="members")
    assert unchanged.document["candidates"] == []  # the same segments again: no suggestion
