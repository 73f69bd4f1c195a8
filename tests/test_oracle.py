"""Oracle tests: negpersona's exact search against pysubgroup's exhaustive search.

Both searches run on exactly the same selectors (negpersona's, converted one by one to pysubgroup
selectors and checked row by row against a pandas evaluation of the conditions), the same target
(the non-converting class, so pysubgroup's WRAcc equals negpersona's), the same minimum segment
size and the same rule that a conjunction never holds two selectors of one column.

Ranking is compared on exact integers: with ``N`` records, ``P`` conversions, and a segment of
``n`` records of which ``pos`` convert, ``WRAcc × N² = n·P − pos·N``. Every segment's ``n`` and
``pos`` are recounted with pandas, so ties are real ties, not float noise. Segments whose score
equals the k-th (boundary) score may legitimately differ between the tools; all segments strictly
above the boundary must be the same.
"""

from __future__ import annotations

import math
import operator
from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pysubgroup as ps
import pytest

from negpersona import discover
from negpersona.discovery import prepare
from negpersona.model.conditions import Condition, segment_filter
from negpersona.search.features import Selector
from negpersona.search.interop import OneSelectorPerColumn, pysubgroup_task, to_pysubgroup

BANK = Path(__file__).parent / "data" / "bank-full.csv.gz"
BANK_OPTIONS: dict[str, Any] = {
    "target": "y",
    "exclude": ["duration"],
    "allow_sensitive": ["age", "marital"],
    "bins": 5,
    "min_support": 0.01,
    "min_records": 30,
}
K = 20
EXTRA = 20  # pysubgroup keeps K + EXTRA segments so that boundary ties can be looked up
REL = 1e-12

COMPARE = {"=": operator.eq, "<": operator.lt, ">=": operator.ge}


# --------------------------------------------------------------------------------------------
# Independent evaluation of conditions (pandas) and conversion to pysubgroup
# --------------------------------------------------------------------------------------------


def condition_mask(frame: pd.DataFrame, condition: Condition) -> np.ndarray:
    """Rows satisfying ``condition``; a missing value satisfies only ``is_missing``."""
    column = frame[condition.column]
    if condition.op == "is_missing":
        return column.isna().to_numpy(dtype=bool)
    present = column.notna().to_numpy(dtype=bool)
    mask = np.zeros(len(frame), dtype=bool)
    hits = COMPARE[condition.op](column[present], condition.value)
    mask[present] = np.asarray(hits, dtype=bool)
    return mask


def selector_mask(frame: pd.DataFrame, selector: Selector) -> np.ndarray:
    mask = np.ones(len(frame), dtype=bool)
    for condition in selector.conditions:
        mask &= condition_mask(frame, condition)
    return mask


def oracle_frame(frame: pd.DataFrame) -> pd.DataFrame:
    """The same values with nullable numeric columns as float64 (NA → NaN) for pysubgroup."""
    out = frame.copy()
    for name in out.columns:
        dtype = out[name].dtype
        if (
            isinstance(dtype, pd.api.extensions.ExtensionDtype)
            and pd.api.types.is_numeric_dtype(dtype)
            and not pd.api.types.is_bool_dtype(dtype)
        ):
            out[name] = out[name].astype("float64")
    return out


# --------------------------------------------------------------------------------------------
# The oracle: pandas counts, pysubgroup search, comparison
# --------------------------------------------------------------------------------------------


@dataclass
class Oracle:
    frame: pd.DataFrame  # what pysubgroup searches (target column "y", bool)
    selectors: list[Selector]
    masks: list[np.ndarray]
    y: np.ndarray
    lookup: dict[tuple[str, frozenset], int]

    @classmethod
    def build(cls, frame: pd.DataFrame, selectors: list[Selector]) -> Oracle:
        frame = oracle_frame(frame)
        lookup = {
            (
                s.column,
                frozenset((d["op"], d["value"]) for d in map(Condition.to_dict, s.conditions)),
            ): i
            for i, s in enumerate(selectors)
        }
        assert len(lookup) == len(selectors), "two selectors with the same conditions"
        masks = [selector_mask(frame, s) for s in selectors]
        y = frame["y"].to_numpy(dtype=bool)
        return cls(frame, selectors, masks, y, lookup)

    @property
    def records(self) -> int:
        return len(self.y)

    @property
    def positives(self) -> int:
        return int(self.y.sum())

    def counts(self, key: frozenset[int]) -> tuple[int, int]:
        mask = np.ones(self.records, dtype=bool)
        for i in key:
            mask &= self.masks[i]
        return int(mask.sum()), int(self.y[mask].sum())

    def score(self, key: frozenset[int]) -> int:
        """Exact WRAcc × N² (an integer)."""
        n, pos = self.counts(key)
        return n * self.positives - pos * self.records

    def quality(self, key: frozenset[int]) -> float:
        n, pos = self.counts(key)
        return (n / self.records) * (self.positives / self.records - pos / n)

    def key_of(self, item: dict[str, Any]) -> frozenset[int]:
        """negpersona result conditions → the set of selector indices they were made of."""
        by_column: dict[str, set] = defaultdict(set)
        for c in item["conditions"]:
            by_column[c["column"]].add((c["op"], c["value"]))
        key = frozenset(self.lookup[(col, frozenset(ops))] for col, ops in by_column.items())
        assert sum(len(self.selectors[i].conditions) for i in key) == len(item["conditions"])
        return key

    def search(self, depth: int, min_count: int, algorithm, size: int = K + EXTRA):
        """pysubgroup's best ``size`` segments as (quality, key), best first; root dropped."""
        task = pysubgroup_task(
            self.frame, "y", self.selectors, depth=depth, min_count=min_count, result_set_size=size
        )
        space = task.search_space
        back = {selector: i for i, selector in enumerate(space)}
        assert len(back) == len(space)
        with np.errstate(divide="ignore", invalid="ignore"):  # empty subgroups: 0/0
            result = algorithm.execute(task)
        found = []
        for quality, subgroup, _stats in result.results:
            key = frozenset(back[selector] for selector in subgroup.selectors)
            if key:  # the empty conjunction (everyone) is not a segment
                found.append((float(quality), key))
        return found


def check_valid(oracle: Oracle, key: frozenset[int], depth: int, min_count: int) -> None:
    columns = [oracle.selectors[i].column for i in key]
    assert 1 <= len(key) <= depth
    assert len(set(columns)) == len(columns), f"two selectors on one column: {columns}"
    assert oracle.counts(key)[0] >= min_count


def compare(
    oracle: Oracle, raw_top: list[dict], found: list, depth: int, min_count: int, top: int = K
) -> dict:
    """Assert that negpersona's raw top-``top`` equals pysubgroup's up to boundary ties.

    ``found`` is pysubgroup's list for ``top + EXTRA`` segments, best first.
    """
    N, P = oracle.records, oracle.positives
    complete = len(found) < top + EXTRA  # pysubgroup listed every eligible segment
    assert len(raw_top) == min(top, len(found))
    k = len(raw_top)
    assert k > 0

    # negpersona's own numbers: counts, quality, order, validity.
    ours = [oracle.key_of(item) for item in raw_top]
    assert len(set(ours)) == len(ours), "a segment is listed twice"
    for item, key in zip(raw_top, ours, strict=True):
        check_valid(oracle, key, depth, min_count)
        n, pos = oracle.counts(key)
        assert (item["records"], item["positives"]) == (n, pos), item
        assert item["quality"] == pytest.approx(oracle.quality(key), rel=REL, abs=1e-15)
    qualities = [item["quality"] for item in raw_top]
    assert qualities == sorted(qualities, reverse=True), "raw_top is not sorted best first"

    # pysubgroup's segments are valid too (the constraints worked).
    for quality, key in found:
        check_valid(oracle, key, depth, min_count)
        assert quality == pytest.approx(oracle.quality(key), rel=REL, abs=1e-15)

    # Same top-K qualities (floats and exact integers).
    theirs = [key for _, key in found[:k]]
    assert sorted(qualities, reverse=True) == pytest.approx(
        [q for q, _ in found[:k]], rel=REL, abs=1e-15
    )
    our_scores = sorted((oracle.score(key) for key in ours), reverse=True)
    their_scores = sorted((oracle.score(key) for key in theirs), reverse=True)
    assert our_scores == their_scores

    # Same segments strictly above the boundary; boundary ties must be real ties.
    boundary = our_scores[-1]
    above_ours = {key for key in ours if oracle.score(key) > boundary}
    above_theirs = {key for key in theirs if oracle.score(key) > boundary}
    assert above_ours == above_theirs
    ties_ours = {key for key in ours if oracle.score(key) == boundary}
    assert len(above_ours) + len(ties_ours) == k
    tied_all = {key for _, key in found if oracle.score(key) == boundary}
    group_complete = complete or oracle.score(found[-1][1]) < boundary
    if group_complete:  # pysubgroup's list holds every segment tied at the boundary
        assert ties_ours <= tied_all
    return {
        "k": k,
        "above": len(above_ours),
        "ties_in_top": len(ties_ours),
        "ties_total": len(tied_all) if group_complete else None,
        "N": N,
        "P": P,
    }


# --------------------------------------------------------------------------------------------
# Bank marketing data
# --------------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def bank_prepared():
    return prepare(str(BANK), confirm=False, depth=2, **BANK_OPTIONS)


@pytest.fixture(scope="module")
def bank_oracle(bank_prepared) -> Oracle:
    frame = bank_prepared.table.to_pandas()
    return Oracle.build(frame, bank_prepared.selectors)


def bank_min_count(oracle: Oracle) -> int:
    return max(math.ceil(BANK_OPTIONS["min_support"] * oracle.records), BANK_OPTIONS["min_records"])


def check_selectors(prepared, oracle: Oracle) -> None:
    """Each selector: pandas conditions = pysubgroup cover = negpersona codes = engine filter."""
    features = [s.feature for s in prepared.selectors]
    assert features == sorted(features)
    frame = oracle.frame
    compressed = prepared.compressed
    assert int(compressed.count.sum()) == oracle.records
    assert int(compressed.positives.sum()) == oracle.positives
    table = prepared.table
    engine = (
        table.aggregate(
            **{
                f"s{i}": segment_filter(table, s.conditions).cast("int64").sum()
                for i, s in enumerate(prepared.selectors)
            }
        )
        .to_pyarrow()
        .to_pylist()[0]
    )
    for i, selector in enumerate(prepared.selectors):
        mask = oracle.masks[i]
        assert mask.any(), f"{selector} selects nothing"
        cover = np.asarray(to_pysubgroup(selector).covers(frame), dtype=bool)
        assert np.array_equal(cover, mask), f"pysubgroup cover differs for {selector}"
        rows = np.isin(compressed.codes[:, selector.feature], selector.codes)
        ours = (int(compressed.count[rows].sum()), int(compressed.positives[rows].sum()))
        assert ours == (int(mask.sum()), int(oracle.y[mask].sum())), selector
        assert int(engine[f"s{i}"] or 0) == int(mask.sum()), selector


def test_distinct_attributes_constraint() -> None:
    a1 = ps.IntervalSelector("a", 0, 5)
    a2 = ps.IntervalSelector("a", 5, math.inf)
    b = ps.EqualitySelector("b", "x")
    constraint = OneSelectorPerColumn()
    assert constraint.is_monotone
    assert constraint.is_satisfied(ps.Conjunction([a1, b]))
    assert not constraint.is_satisfied(ps.Conjunction([a1, a2]))
    assert not constraint.is_satisfied(ps.Conjunction([a1, b, a2]))


def test_bank_selectors_cover_the_same_rows(bank_prepared, bank_oracle) -> None:
    assert bank_oracle.records == 45_211
    assert len(bank_prepared.selectors) > 50
    check_selectors(bank_prepared, bank_oracle)


def test_bank_depth2_matches_pysubgroup(bank_oracle) -> None:
    min_count = bank_min_count(bank_oracle)
    result = discover(str(BANK), raw_top=K, measure="wracc", depth=2, **BANK_OPTIONS)
    assert result.settings["min_segment_records"] == min_count
    assert result.settings["selectors"] == len(bank_oracle.selectors)
    simple = bank_oracle.search(2, min_count, ps.SimpleDFS())  # ~6 s
    bitset = bank_oracle.search(2, min_count, ps.DFS(ps.BitSetRepresentation))
    assert [q for q, _ in simple] == pytest.approx([q for q, _ in bitset], rel=REL)
    compare(bank_oracle, result.raw_top, simple, 2, min_count)
    compare(bank_oracle, result.raw_top, bitset, 2, min_count)


def test_bank_depth3_matches_pysubgroup(bank_oracle) -> None:
    # pysubgroup's SimpleDFS needs ~70 s at depth 3 on the 104 bank selectors (measured on 2
    # cores), so the oracle here is its bitset DFS, which agrees with SimpleDFS at depth 2 (above)
    # and on the random tables at depth 3 (below).
    min_count = bank_min_count(bank_oracle)
    result = discover(str(BANK), raw_top=K, measure="wracc", depth=3, **BANK_OPTIONS)
    found = bank_oracle.search(3, min_count, ps.DFS(ps.BitSetRepresentation))
    compare(bank_oracle, result.raw_top, found, 3, min_count)
    assert any(len(bank_oracle.key_of(item)) == 3 for item in result.raw_top)


# --------------------------------------------------------------------------------------------
# Random tables: numbers with NaN, nullable integers, categories with None, booleans
# --------------------------------------------------------------------------------------------


def random_table(seed: int, n: int, positives: int | None = None) -> pd.DataFrame:
    """Mixed columns with missing values and a planted low-converting segment.

    With ``positives`` the number of conversions is fixed exactly, e.g. a fifth of the records,
    which makes the baseline a simple fraction and exact WRAcc ties frequent.
    """
    rng = np.random.default_rng(seed)
    score = rng.normal(size=n)
    score[rng.random(n) < 0.1] = np.nan
    spend = rng.gamma(2.0, 50.0, n).round(1)
    spend[rng.random(n) < 0.05] = np.nan
    visits = rng.poisson(1.2, n)  # a mass at 0
    tenure = pd.array(rng.integers(0, 60, n), dtype="Int64")
    tenure[rng.random(n) < 0.08] = pd.NA
    channel = rng.choice(
        ["web", "email", "partner", "event", "ads"], n, p=[0.4, 0.25, 0.15, 0.12, 0.08]
    )
    channel = channel.astype(object)
    channel[rng.random(n) < 0.06] = None
    region = rng.choice([f"r{i:02d}" for i in range(24)], n).astype(object)  # > 20: an "other"
    flag = rng.random(n) < 0.3
    opt_in = (rng.random(n) < 0.5).astype(object)
    opt_in[rng.random(n) < 0.1] = None
    mobile = (rng.random(n) < 0.4).astype(np.int64)  # 0/1 integers

    rate = np.full(n, 0.22)
    rate[channel == "ads"] = 0.05
    rate[np.nan_to_num(score, nan=0.0) > 0.8] *= 0.3
    rate[flag & (visits == 0)] = 0.02
    rate[(mobile == 1) & (opt_in == False)] *= 0.5  # noqa: E712 (object array of bools)
    draw = rng.random(n)
    if positives is None:
        y = draw < rate
    else:
        order = np.argsort(draw / rate)  # exactly `positives` conversions, still rate-driven
        y = np.zeros(n, dtype=bool)
        y[order[:positives]] = True
    return pd.DataFrame(
        {
            "score": score,
            "spend": spend,
            "visits": visits,
            "tenure": tenure,
            "channel": channel,
            "region": region,
            "flag": flag,
            "opt_in": opt_in,
            "mobile": mobile,
            "y": y,
        }
    )


RANDOM_CASES = [
    # seed, records, fixed positives, bins, min_support, min_records
    pytest.param(1, 4000, None, 5, 0.01, 30, id="seed1"),
    pytest.param(2, 3000, 600, 4, 0.02, 30, id="seed2-ties"),
    pytest.param(3, 2500, None, 6, 0.005, 40, id="seed3-min-records"),
    pytest.param(4, 3000, 750, 5, 0.05, 30, id="seed4-ties-big-support"),
]


@pytest.mark.parametrize("depth", [1, 2, 3])
@pytest.mark.parametrize(
    ("seed", "n", "positives", "bins", "min_support", "min_records"), RANDOM_CASES
)
def test_random_table_matches_pysubgroup(
    seed, n, positives, bins, min_support, min_records, depth
) -> None:
    data = random_table(seed, n, positives)
    options = {"target": "y", "bins": bins, "min_support": min_support, "min_records": min_records}
    prepared = prepare(data, confirm=False, depth=depth, **options)
    oracle = Oracle.build(data, prepared.selectors)
    # The generator's missing values all reach the search as is_missing selectors.
    missing = {s.column for s in prepared.selectors if s.conditions[0].op == "is_missing"}
    assert missing == {"score", "spend", "tenure", "channel", "opt_in"}
    check_selectors(prepared, oracle)

    min_count = max(math.ceil(min_support * n), min_records)
    result = discover(data, raw_top=K, measure="wracc", depth=depth, **options)
    assert result.settings["min_segment_records"] == min_count

    simple = oracle.search(depth, min_count, ps.SimpleDFS())
    bitset = oracle.search(depth, min_count, ps.DFS(ps.BitSetRepresentation))
    # The two pysubgroup algorithms agree with each other (exactly, up to boundary ties).
    assert [q for q, _ in simple] == pytest.approx([q for q, _ in bitset], rel=REL)
    stats = compare(oracle, result.raw_top, simple, depth, min_count)
    compare(oracle, result.raw_top, bitset, depth, min_count)
    if positives is not None:
        assert stats["P"] == positives


def test_boundary_ties_with_twin_columns() -> None:
    """A copy of a column doubles every segment that uses it: exact ties at the boundary.

    negpersona may pick any of the tied twins; the comparison accepts that. This picks the
    result sizes at which a tie straddles the boundary (tied segments left out of the top) and
    checks that the case arises and the rest still agrees.
    """
    data = random_table(5, 3000, 600)
    data["channel_copy"] = data["channel"]
    data["visits_copy"] = data["visits"]
    options = {"target": "y", "bins": 5, "min_support": 0.01, "min_records": 30}
    prepared = prepare(data, confirm=False, depth=2, **options)
    oracle = Oracle.build(data, prepared.selectors)
    min_count = max(math.ceil(0.01 * len(data)), 30)
    found = oracle.search(2, min_count, ps.DFS(ps.BitSetRepresentation))
    scores = [oracle.score(key) for _, key in found]
    straddling = [top for top in range(1, K + 1) if scores[top - 1] == scores[top]]
    assert straddling, "no tie at any boundary: the twin columns did not work"
    for top in straddling[:3]:
        result = discover(data, raw_top=top, measure="wracc", depth=2, **options)
        found = oracle.search(2, min_count, ps.DFS(ps.BitSetRepresentation), size=top + EXTRA)
        stats = compare(oracle, result.raw_top, found, 2, min_count, top=top)
        assert stats["ties_total"] is not None
        assert stats["ties_total"] > stats["ties_in_top"], stats


def test_support_boundary_on_a_small_table() -> None:
    """Segments of exactly min_count records are eligible, of min_count − 1 are not."""
    rng = np.random.default_rng(11)
    n = 600
    group = rng.choice(["a", "b"], n).astype(object)
    group[:30] = "z"  # exactly min_count records, none converts
    group[30:59] = "w"  # one record short, none converts
    y = rng.random(n) < 0.5
    y[:59] = False
    data = pd.DataFrame(
        {
            "group": group,
            "colour": rng.choice(["red", "green", "blue"], n),
            "size": rng.uniform(0, 10, n).round(2),
            "y": y,
        }
    )
    options = {"target": "y", "bins": 4, "min_support": 0.01, "min_records": 30}
    min_count = 30
    prepared = prepare(data, confirm=False, depth=3, **options)
    oracle = Oracle.build(data, prepared.selectors)
    check_selectors(prepared, oracle)
    result = discover(data, raw_top=K, measure="wracc", depth=3, **options)
    assert result.settings["min_segment_records"] == min_count
    found = oracle.search(3, min_count, ps.SimpleDFS())
    compare(oracle, result.raw_top, found, 3, min_count)
    conditions = [c for item in result.raw_top for c in item["conditions"]]
    assert {"column": "group", "op": "=", "value": "z"} in conditions
    assert {"column": "group", "op": "=", "value": "w"} not in conditions
    assert min(item["records"] for item in result.raw_top) == min_count


def test_parquet_with_nan_matches_pysubgroup(tmp_path) -> None:
    import pyarrow as pa
    import pyarrow.parquet as pq

    data = random_table(6, 2000)
    path = tmp_path / "nan.parquet"
    columns = {
        "score": pa.array(data["score"].to_numpy(), from_pandas=False),  # NaN stays NaN
        "channel": pa.Array.from_pandas(data["channel"]),  # None → null
        "flag": pa.array(data["flag"].to_numpy()),
        "y": pa.array(data["y"].to_numpy()),
    }
    pq.write_table(pa.table(columns), path)
    frame = data[list(columns)]
    options = {"target": "y", "bins": 5, "min_support": 0.01, "min_records": 30}
    prepared = prepare(str(path), confirm=False, depth=2, **options)
    oracle = Oracle.build(frame, prepared.selectors)
    check_selectors(prepared, oracle)
    assert any(
        s.column == "score" and s.conditions[0].op == "is_missing" for s in prepared.selectors
    )
    result = discover(str(path), raw_top=K, measure="wracc", depth=2, **options)
    found = oracle.search(2, max(math.ceil(0.01 * len(frame)), 30), ps.SimpleDFS())
    compare(oracle, result.raw_top, found, 2, max(math.ceil(0.01 * len(frame)), 30))
