"""Over-represented values and exceptions on a persona's card: known answers, nulls, edges."""

from __future__ import annotations

import itertools
import time

import numpy as np
import pytest
from scipy import stats as sps
from statsmodels.stats.contingency_tables import Table2x2

from negpersona.explain.members import (
    Exceptions,
    code_labels,
    exception_lifts,
    overrepresented,
)
from negpersona.search.compress import CompressedTable
from negpersona.search.features import Feature


def table_from(rows: list[tuple[tuple[int, ...], int, int]]) -> CompressedTable:
    """A CompressedTable from ``(codes, records, positives)`` rows written by hand."""
    return CompressedTable(
        codes=np.array([r[0] for r in rows], dtype=np.int16),
        count=np.array([r[1] for r in rows], dtype=np.int64),
        positives=np.array([r[2] for r in rows], dtype=np.int64),
        confirm=np.zeros(len(rows), dtype=bool),
    )


def compress_records(codes: np.ndarray, fits: np.ndarray) -> CompressedTable:
    """Group record-level codes and fits the way the engine does (distinct combinations)."""
    keys = np.column_stack([codes, fits]).astype(np.int64) + 1  # codes >= -1, so keys >= 0
    packed = np.ravel_multi_index(keys.T, keys.max(axis=0) + 1)
    _, first, inverse = np.unique(packed, return_index=True, return_inverse=True)
    return CompressedTable(
        codes=codes[first].astype(np.int16),
        count=np.bincount(inverse),
        positives=np.bincount(inverse, weights=fits).astype(np.int64),
        confirm=np.zeros(len(first), dtype=bool),
    )


SEGMENT = Feature("in_segment", "categorical", values=[False, True])
EMAIL = Feature("emailDomainType", "categorical", values=["personal", "work"], has_other=True)
REGION = Feature("region", "categorical", values=["north", "south"])
SIZE = Feature("company_size", "numeric", cuts=[10, 50], has_missing=True)


# --------------------------------------------------------------------------------------------
# code_labels


def test_numeric_labels_match_the_bins():
    assert code_labels(SIZE) == {
        -1: "missing",
        0: "under 10",
        1: "10 to under 50",
        2: "50 or more",
    }
    fractional = Feature("score", "numeric", cuts=[0.5, 2.25, 12000])
    labels = code_labels(fractional)
    assert [labels[c] for c in range(4)] == [
        "under 0.5",
        "0.5 to under 2.25",
        "2.25 to under 12,000",
        "12,000 or more",
    ]


def test_categorical_labels_and_the_pooled_other_code():
    assert code_labels(EMAIL) == {-1: "missing", 0: "personal", 1: "work", 2: "other values"}
    assert code_labels(REGION) == {-1: "missing", 0: "north", 1: "south"}
    assert code_labels(SEGMENT)[1] == "yes"


# --------------------------------------------------------------------------------------------
# overrepresented: known answer


def planted_table() -> CompressedTable:
    """1,000 members (segment yes) and 4,000 others; region and size independent of membership.

    Email among members: 700 personal, 240 work, 60 other; among the rest: 700, 3,000, 300.
    So personal is 70% of members vs 1,400 / 5,000 = 28% overall. Region is split 50/50 and
    size 20/50/30 in both groups, so neither differs at all.
    """
    email = {True: [700, 240, 60], False: [700, 3000, 300]}
    size_tenths = [2, 5, 3]
    rows = []
    for member, email_code, region, size in itertools.product(
        [True, False], range(3), range(2), range(3)
    ):
        records, remainder = divmod(email[member][email_code] * size_tenths[size], 20)
        assert remainder == 0
        rows.append(((int(member), email_code, region, size), records, 0))
    return table_from(rows)


def test_planted_value_found_with_exact_shares():
    table = planted_table()
    member = table.codes[:, 0] == 1
    found = overrepresented(
        table.codes, table.count, member, features=[SEGMENT, EMAIL, REGION, SIZE], skip={0}
    )
    assert len(found) == 1
    share = found[0]
    assert (share.feature, share.code, share.column, share.label) == (
        1,
        0,
        "emailDomainType",
        "personal",
    )
    assert share.member_records == 700
    assert share.member_share == pytest.approx(0.70)
    assert share.overall_share == pytest.approx(0.28)
    assert share.lift == pytest.approx(2.5)
    assert share.member_ci[0] < 0.70 < share.member_ci[1]
    assert share.member_ci == pytest.approx((0.6710, 0.7275), abs=1e-3)  # Wilson, 700 of 1,000
    # Odds ratio members vs rest: (700 * 3300) / (300 * 700) = 11; its 95% lower bound agrees
    # with statsmodels' (uncorrected) Woolf interval to within the half-record correction.
    reference_low = Table2x2(np.array([[700, 300], [700, 3300]])).oddsratio_confint()[0]
    assert share.odds_ratio_low == pytest.approx(reference_low, rel=0.01)
    assert 1 < share.odds_ratio_low < 11
    raw = sps.fisher_exact([[700, 300], [700, 3300]], alternative="greater").pvalue
    assert raw <= share.p_adjusted < 1e-100
    assert share.text == "70% with email domain type personal vs 28% overall"
    assert share.to_dict()["member_ci"] == list(share.member_ci)


def test_skipped_defining_feature_is_not_reported_but_would_be():
    table = planted_table()
    member = table.codes[:, 0] == 1
    features = [SEGMENT, EMAIL, REGION, SIZE]
    unskipped = overrepresented(table.codes, table.count, member, features=features)
    assert (0, 1) in {(s.feature, s.code) for s in unskipped}  # 100% of members vs 20% overall
    skipped = overrepresented(table.codes, table.count, member, features=features, skip={0})
    assert all(s.feature != 0 for s in skipped)
    assert all(s.feature not in (2, 3) for s in unskipped)  # independent features never shown


def test_small_value_with_huge_lift_ranks_below_a_large_clear_one():
    """Plan: 2,000 members, 8,000 others.

    Feature "plan" = pro for 40% of members vs 10% of the rest (lift 0.4 / 0.16 = 2.5, odds
    ratio 6 measured on thousands). Feature "referrer" = partner for 6 members and nobody else
    (lift 0.003 / 0.0006 = 5, but the odds ratio rests on six records).
    """
    plan = Feature("plan", "categorical", values=["basic", "pro"])
    referrer = Feature("referrer", "categorical", values=["direct", "partner"])
    rows = [
        ((1, 1, 1), 6, 0),
        ((1, 1, 0), 794, 0),
        ((1, 0, 0), 1200, 0),
        ((0, 1, 0), 800, 0),
        ((0, 0, 0), 7200, 0),
    ]
    table = table_from(rows)
    member = table.codes[:, 0] == 1
    found = overrepresented(
        table.codes, table.count, member, features=[SEGMENT, plan, referrer], skip={0}
    )
    keys = [(s.column, s.label) for s in found]
    assert keys == [("plan", "pro"), ("referrer", "partner")]
    big, tiny = found
    assert tiny.lift > big.lift  # the raw lift would have put the tiny one first
    assert tiny.member_records == 6 and tiny.lift == pytest.approx(5.0)
    assert big.odds_ratio_low > tiny.odds_ratio_low
    top_one = overrepresented(
        table.codes, table.count, member, features=[SEGMENT, plan, referrer], skip={0}, top=1
    )
    assert [(s.column, s.label) for s in top_one] == [("plan", "pro")]
    # With fewer than min_records member records the tiny value is not shown at all.
    strict = overrepresented(
        table.codes,
        table.count,
        member,
        features=[SEGMENT, plan, referrer],
        skip={0},
        min_records=7,
    )
    assert [(s.column, s.label) for s in strict] == [("plan", "pro")]


def test_significant_but_small_effect_is_not_shown():
    """Personal: 33% of 20,000 members vs 30% of 80,000 others — significant, lift only 1.08."""
    rows = [
        ((1, 0, 0, 0), 6600, 0),
        ((1, 1, 0, 0), 13400, 0),
        ((0, 0, 0, 0), 24000, 0),
        ((0, 1, 0, 0), 56000, 0),
    ]
    table = table_from(rows)
    member = table.codes[:, 0] == 1
    features = [SEGMENT, EMAIL, REGION, SIZE]
    assert overrepresented(table.codes, table.count, member, features=features, skip={0}) == []
    loose = overrepresented(
        table.codes, table.count, member, features=features, skip={0}, min_lift=1.0
    )
    assert [(s.label, round(s.lift, 3)) for s in loose] == [("personal", round(0.33 / 0.306, 3))]


def test_at_most_two_codes_per_feature():
    """Members skew to the three lowest bins of a five-bin numeric feature."""
    visits = Feature("visits", "numeric", cuts=[1, 2, 5, 10])
    member_counts, rest_counts = [300, 300, 300, 50, 50], [400, 400, 400, 2400, 2400]
    rows = [((1, b), n, 0) for b, n in enumerate(member_counts)]
    rows += [((0, b), n, 0) for b, n in enumerate(rest_counts)]
    table = table_from(rows)
    member = table.codes[:, 0] == 1
    everything = overrepresented(
        table.codes, table.count, member, features=[SEGMENT, visits], skip={0}, per_feature=5
    )
    assert {s.code for s in everything} == {0, 1, 2}
    capped = overrepresented(table.codes, table.count, member, features=[SEGMENT, visits], skip={0})
    assert len(capped) == 2
    assert {s.label for s in capped} <= {"under 1", "1 to under 2", "2 to under 5"}
    assert capped[0].text.startswith("30% with visits ")


# --------------------------------------------------------------------------------------------
# overrepresented: null and edges


def random_records(seed: int, records: int = 20_000, features: int = 8, rate=None):
    """Independent random codes per record (membership feature 0 among them) and fits."""
    rng = np.random.default_rng(seed)
    codes = np.column_stack(
        [rng.integers(0, 2, size=records)]
        + [rng.choice(5, p=[0.4, 0.3, 0.15, 0.1, 0.05], size=records) for _ in range(features)]
    )
    fits = rng.random(records) < (0.05 if rate is None else rate)
    return compress_records(codes, fits)


NULL_FEATURES = [SEGMENT] + [Feature(f"f{i}", "numeric", cuts=[1, 2, 3, 4]) for i in range(8)]


def test_no_findings_when_membership_is_independent_of_everything():
    """Membership (feature 0) is drawn independently of the 8 features for every record.

    Holm keeps the chance of even one false report at or below alpha = 5% per seed, so over
    ten seeds we expect about half a report; allowing at most 2 leaves room for chance while
    failing a method that reports noise (without Holm, these seeds give 11 reports in total).
    """
    reported = 0
    for seed in range(10):
        table = random_records(seed)
        member = table.codes[:, 0] == 1
        found = overrepresented(
            table.codes, table.count, member, features=NULL_FEATURES, skip={0}, min_lift=1.0
        )
        reported += len(found)
    assert reported <= 2


def test_empty_and_full_member_masks_give_no_values():
    table = planted_table()
    features = [SEGMENT, EMAIL, REGION, SIZE]
    none = np.zeros(table.rows, dtype=bool)
    everyone = np.ones(table.rows, dtype=bool)
    assert overrepresented(table.codes, table.count, none, features=features) == []
    assert overrepresented(table.codes, table.count, everyone, features=features) == []
    empty = table.subset(none)
    assert overrepresented(empty.codes, empty.count, none[:0], features=features) == []


def test_mismatched_shapes_are_refused():
    table = planted_table()
    with pytest.raises(ValueError):
        overrepresented(table.codes, table.count, np.zeros(3, dtype=bool), features=[SEGMENT])


# --------------------------------------------------------------------------------------------
# exception_lifts


def exceptions_table() -> CompressedTable:
    """1,000 members; size 50+ (200 records) convert at 10%, the other 800 members at 1%.

    Region is split evenly within both size groups, conversions too, so region has no effect.
    Non-members (2,000 records, 30% conversion) must not affect anything.
    """
    rows = []
    for region in range(2):
        rows.append(((1, 0, region, 2), 100, 10))
        rows.append(((1, 0, region, 1), 250, 3))
        rows.append(((1, 0, region, 0), 150, 1))
        rows.append(((0, 0, region, 2), 1000, 300))
    return table_from(rows)


def test_planted_exception_is_the_best_lift_with_the_right_rate():
    table = exceptions_table()
    member = table.codes[:, 0] == 1
    result = exception_lifts(
        table.codes,
        table.count,
        table.positives,
        member,
        features=[SEGMENT, EMAIL, REGION, SIZE],
        skip={0},
    )
    assert isinstance(result, Exceptions)
    assert (result.records, result.positives) == (1000, 28)
    assert result.rate == pytest.approx(0.028)
    best = result.best
    assert best is not None
    assert (best.column, best.label, best.code) == ("company_size", "50 or more", 2)
    assert (best.records, best.positives) == (200, 20)
    assert best.rate == pytest.approx(0.10)
    assert best.rest_rate == pytest.approx(8 / 800)
    assert best.rate_ci == pytest.approx((0.0657, 0.1494), abs=1e-3)  # Wilson, 20 of 200
    raw = sps.fisher_exact([[20, 180], [8, 792]], alternative="greater").pvalue
    assert raw <= best.p_adjusted < 0.05
    assert [lift.label for lift in result.lifts] == ["50 or more"]  # region: no effect
    assert "10.0%" in best.text and "1.0%" in best.text
    assert best.text == (
        "Members with company size 50 or more convert at 10.0%"
        " (vs 1.0% for the rest of the persona)"
    )
    assert result.to_dict()["lifts"][0]["records"] == 200


def test_lifts_rank_by_lower_wilson_bound_not_raw_rate():
    """Members: 10 with source = event (4 convert, 40%), 400 with plan = pro (100 convert, 25%).

    The rest of the 5,000 members convert at 1%. 40% of 10 could well be 17%; 25% of 400 is
    surely above 21%, so plan = pro comes first.
    """
    source = Feature("source", "categorical", values=["web", "event"])
    plan = Feature("plan", "categorical", values=["basic", "pro"])
    rows = [
        ((1, 1, 0), 10, 4),
        ((1, 0, 1), 400, 100),
        ((1, 0, 0), 4590, 46),
    ]
    table = table_from(rows)
    member = table.codes[:, 0] == 1
    result = exception_lifts(
        table.codes,
        table.count,
        table.positives,
        member,
        features=[SEGMENT, source, plan],
        skip={0},
        min_records=10,
    )
    assert [(lift.column, lift.label) for lift in result.lifts] == [
        ("plan", "pro"),
        ("source", "event"),
    ]
    pro, event = result.lifts
    assert event.rate > pro.rate
    assert pro.rate_ci[0] > event.rate_ci[0]


def test_min_records_is_respected():
    """15 members with source = event, 10 of them convert: clear, but below 20 records."""
    source = Feature("source", "categorical", values=["web", "event"])
    rows = [((1, 1), 15, 10), ((1, 0), 985, 10)]
    table = table_from(rows)
    member = np.ones(table.rows, dtype=bool)
    kwargs = {"features": [SEGMENT, source], "skip": {0}}
    default = exception_lifts(table.codes, table.count, table.positives, member, **kwargs)
    assert default.lifts == [] and default.best is None
    loose = exception_lifts(
        table.codes, table.count, table.positives, member, min_records=15, **kwargs
    )
    assert [(lift.label, lift.records, lift.positives) for lift in loose.lifts] == [
        ("event", 15, 10)
    ]


def test_no_lifts_when_conversion_is_independent_of_everything():
    """Conversion drawn at 5% for every record regardless of its codes; Holm bounds the noise."""
    reported = 0
    for seed in range(10):
        table = random_records(100 + seed)
        member = table.codes[:, 0] == 1
        result = exception_lifts(
            table.codes,
            table.count,
            table.positives,
            member,
            features=NULL_FEATURES,
            skip={0},
        )
        assert 0.03 < result.rate < 0.07
        reported += len(result.lifts)
    assert reported <= 2


def test_exceptions_with_no_members_or_no_conversions():
    table = exceptions_table()
    features = [SEGMENT, EMAIL, REGION, SIZE]
    none = np.zeros(table.rows, dtype=bool)
    empty = exception_lifts(table.codes, table.count, table.positives, none, features=features)
    assert (empty.records, empty.positives, empty.lifts, empty.best) == (0, 0, [], None)
    assert empty.to_dict()["rate_ci"] == [0.0, 1.0]
    everyone = np.ones(table.rows, dtype=bool)
    whole = exception_lifts(table.codes, table.count, table.positives, everyone, features=features)
    assert whole.records == int(table.count.sum())  # no crash; members are simply everyone
    zero = exception_lifts(
        table.codes, table.count, np.zeros_like(table.positives), everyone, features=features
    )
    assert zero.positives == 0 and zero.lifts == []


# --------------------------------------------------------------------------------------------
# Speed


def test_thousands_of_rows_and_fifty_features_are_fast():
    rng = np.random.default_rng(3)
    rows, width = 5000, 50
    features = [Feature(f"c{i}", "numeric", cuts=[1, 2, 3, 4, 5, 6, 7, 8]) for i in range(width)]
    codes = rng.integers(-1, 9, size=(rows, width)).astype(np.int16)
    count = rng.integers(1, 500, size=rows)
    positives = rng.binomial(count, 0.05)
    member = codes[:, 0] <= 2
    start = time.perf_counter()
    overrepresented(codes, count, member, features=features, skip={0})
    exception_lifts(codes, count, positives, member, features=features, skip={0})
    assert time.perf_counter() - start < 1.0
