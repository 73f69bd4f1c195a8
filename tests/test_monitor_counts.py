"""The re-check's one-scan counts against a pandas recount, on DuckDB and on SQLite.

``count_batch`` packs outcome, fit, holdout and persona membership into one integer code per
record and counts codes (per column and bin, unpivoted, for drift). Every number it returns is
checked here against a plain pandas count of the same records: totals, members, holdout
members, and the records per bin over all records and over each persona's members, including
missing values, values unseen at discovery ("other") and personas that overlap. SQLite cannot
unpivot, so it takes the one-``GROUP BY``-per-column path; both paths must agree exactly.
"""

from __future__ import annotations

import ibis
import numpy as np
import pandas as pd
import pytest

from negpersona.data.drift import Bins
from negpersona.monitor import counts as counts_module
from negpersona.monitor.counts import GroupCounts, count_batch

ROWS = 3000


@pytest.fixture(scope="module")
def frame() -> pd.DataFrame:
    rng = np.random.default_rng(7)
    plan = rng.choice(["basic", "pro", "team", "enterprise"], ROWS, p=[0.4, 0.3, 0.2, 0.1])
    size = rng.integers(1, 500, ROWS).astype(float)
    size[rng.random(ROWS) < 0.05] = np.nan
    known = rng.random(ROWS) < 0.8
    converted = np.where(known, rng.random(ROWS) < 0.15, None)
    return pd.DataFrame(
        {
            "plan": np.where(rng.random(ROWS) < 0.03, None, plan),
            "size": size,
            "region": rng.choice(["north", "south", "east", "west"], ROWS),
            "converted": pd.array(converted, dtype="boolean"),
            "held": rng.random(ROWS) < 0.1,
        }
    )


BINS = [
    Bins("plan", "category", values=["basic", "pro", "team"]),  # "enterprise" is other
    Bins("size", "number", edges=[10.0, 50.0, 200.0]),
    Bins("region", "category", values=["north", "south", "east", "west"]),
]
PERSONAS = {  # overlapping on purpose
    "small": lambda t: t["size"] < 50,
    "basic-north": lambda t: (t["plan"] == "basic") & (t["region"] == "north"),
    "large-team": lambda t: (t["plan"] == "team") & (t["size"] >= 200),
}


def _expected_bin(bins: Bins, column: pd.Series) -> np.ndarray:
    if bins.kind == "category":
        index = {value: i for i, value in enumerate(bins.values)}
        other, missing = len(bins.values), len(bins.values) + 1
        return np.array([missing if pd.isna(v) else index.get(v, other) for v in column])
    values = column.to_numpy(dtype=float)
    found = np.searchsorted(np.asarray(bins.edges), values, side="right")
    return np.where(np.isnan(values), len(bins.edges) + 1, found)


def _oracle(frame: pd.DataFrame) -> dict:
    known = frame["converted"].notna().to_numpy()
    fit = frame["converted"].fillna(False).to_numpy(dtype=bool)
    held = frame["held"].to_numpy()
    group = lambda mask: GroupCounts(int(mask.sum()), int((mask & known).sum()),  # noqa: E731
                                     int((mask & fit).sum()))  # fmt: skip
    members = {
        key: rule(frame).fillna(False).to_numpy(dtype=bool) for key, rule in PERSONAS.items()
    }
    bins = {}
    for b in BINS:
        at = _expected_bin(b, frame[b.column])
        size = len(b.labels)
        bins[b.column] = (
            np.bincount(at, minlength=size).tolist(),
            {key: np.bincount(at[mask], minlength=size).tolist() for key, mask in members.items()},
        )
    return {
        "total": group(np.ones(len(frame), dtype=bool)),
        "members": {key: group(mask) for key, mask in members.items()},
        "holdout": {key: group(mask & held) for key, mask in members.items()},
        "bins": bins,
    }


def _counted(table, holdout: bool = True, bins=BINS):
    flags = {key: rule(table) for key, rule in PERSONAS.items()}
    known = table["converted"].notnull()
    label = table["converted"].fill_null(False)
    return count_batch(table, known, label, flags, table["held"] if holdout else None, bins)


@pytest.mark.parametrize("engine", ["duckdb", "sqlite"])
def test_counts_equal_a_pandas_recount(frame, engine) -> None:
    con = ibis.duckdb.connect() if engine == "duckdb" else ibis.sqlite.connect()
    if engine == "sqlite":  # its driver binds None, not pandas' NA
        frame = frame.astype({"converted": object}).replace({pd.NA: None})
    table = con.create_table("batch", frame)
    result = _counted(table)
    expected = _oracle(frame)
    assert result.total == expected["total"]
    assert result.members == expected["members"]
    assert result.holdout == expected["holdout"]
    assert set(result.bins) == {b.column for b in BINS}
    for column, (everyone, members) in expected["bins"].items():
        assert result.bins[column].counts == everyone, column
        assert result.bins[column].members == members, column
        assert sum(everyone) == ROWS  # every record lands in exactly one bin


def test_the_per_column_path_gives_the_same_counts(frame, monkeypatch) -> None:
    table = ibis.duckdb.connect().create_table("batch", frame)
    unpivoted = _counted(table)

    def cannot_unpivot(*args, **kwargs):
        raise ibis.common.exceptions.UnsupportedOperationError("no unpivot here")

    monkeypatch.setattr(ibis.expr.types.Table, "pivot_longer", cannot_unpivot)
    assert _counted(table) == unpivoted


def test_without_bins_or_holdout(frame) -> None:
    table = ibis.duckdb.connect().create_table("batch", frame)
    result = _counted(table, holdout=False, bins=())
    expected = _oracle(frame)
    assert result.members == expected["members"] and result.bins == {}
    assert all(group == GroupCounts() for group in result.holdout.values())


def test_more_personas_than_one_code_holds(frame, monkeypatch) -> None:
    monkeypatch.setattr(counts_module, "PERSONAS_PER_CODE", 2)  # 3 personas: two scans
    table = ibis.duckdb.connect().create_table("batch", frame)
    result = _counted(table)
    expected = _oracle(frame)
    assert result.members == expected["members"] and result.holdout == expected["holdout"]
    for column, (everyone, members) in expected["bins"].items():
        assert result.bins[column].counts == everyone
        assert result.bins[column].members == members
