"""Tests for the synthetic lead generator.

The demo data is the answer key for discovery tests, so these tests pin down the
properties those tests rely on: determinism, schema, the planted segments' size and
strength in both time windows, and the red herrings' look-alike behaviour.
"""

from __future__ import annotations

import re
import time

import numpy as np
import pandas as pd
import pytest
from scipy.stats import chi2_contingency

import negpersona.datasets as datasets
from negpersona.datasets import (
    PLANTED_SEGMENTS,
    RED_HERRINGS,
    PlantedSegment,
    generate_demo_tables,
    generate_leads,
)

N = 50_000
SEED = 7
EARLY_FRACTION = 0.7

EXPECTED_COLUMNS = [
    "lead_id",
    "created_at",
    "company_size",
    "industry",
    "country",
    "role_seniority",
    "lead_source",
    "utm_campaign",
    "email_domain_type",
    "pages_viewed",
    "content_downloads",
    "demo_requested",
    "budget_band",
    "converted",
    "deal_value",
]
STRING_COLUMNS = [
    "lead_id",
    "industry",
    "country",
    "role_seniority",
    "lead_source",
    "utm_campaign",
    "email_domain_type",
    "budget_band",
]


@pytest.fixture(scope="module")
def leads() -> pd.DataFrame:
    return generate_leads(N, SEED)


@pytest.fixture(scope="module")
def early(leads: pd.DataFrame) -> np.ndarray:
    """Mask of the first 70% of rows by created_at (the discovery window)."""
    return np.arange(len(leads)) < int(EARLY_FRACTION * len(leads))


def _herring(name: str) -> PlantedSegment:
    return next(s for s in RED_HERRINGS if s.name == name)


def _rate(y: np.ndarray, mask: np.ndarray) -> float:
    assert mask.sum() > 0
    return float(y[mask].mean())


# --- determinism and schema -----------------------------------------------------------


def test_same_seed_same_table_and_other_seed_differs() -> None:
    a = generate_leads(5_000, 11)
    b = generate_leads(5_000, 11)
    pd.testing.assert_frame_equal(a, b)
    c = generate_leads(5_000, 12)
    assert not a["converted"].equals(c["converted"])
    assert not a["created_at"].equals(c["created_at"])


def test_rejects_empty_request() -> None:
    with pytest.raises(ValueError):
        generate_leads(0)


def test_columns_and_dtypes(leads: pd.DataFrame) -> None:
    assert list(leads.columns) == EXPECTED_COLUMNS
    assert len(leads) == N
    for col in STRING_COLUMNS:
        assert pd.api.types.is_string_dtype(leads[col]), col
    assert pd.api.types.is_datetime64_any_dtype(leads["created_at"])
    assert leads["company_size"].dtype == np.int64
    assert leads["content_downloads"].dtype == np.int64
    assert leads["pages_viewed"].dtype == pd.Int64Dtype()
    assert leads["demo_requested"].dtype == np.bool_
    assert leads["converted"].dtype == np.bool_
    assert leads["deal_value"].dtype == np.float64


def test_ids_and_time_order(leads: pd.DataFrame) -> None:
    assert leads["lead_id"].is_unique
    assert leads["lead_id"].iloc[0] == "L0000001"
    assert all(re.fullmatch(r"L\d{7}", x) for x in leads["lead_id"].iloc[:: N // 50])
    assert leads["created_at"].is_monotonic_increasing
    assert leads["created_at"].min() >= pd.Timestamp("2024-01-01")
    assert leads["created_at"].max() < pd.Timestamp("2026-01-01")
    # Spread over the whole period, not bunched: both years carry a real share.
    share_2024 = (leads["created_at"] < pd.Timestamp("2025-01-01")).mean()
    assert 0.45 < share_2024 < 0.55


def test_value_domains(leads: pd.DataFrame) -> None:
    assert leads["company_size"].between(1, 50_000).all()
    assert leads["industry"].nunique() == 12
    assert 20 <= leads["country"].nunique() <= 30
    assert leads["country"].value_counts(normalize=True).iloc[0] > 0.3  # US-heavy head
    assert set(leads["role_seniority"]) == {
        "intern",
        "individual contributor",
        "manager",
        "director",
        "vp",
        "c-level",
    }
    assert set(leads["lead_source"]) == {
        "organic search",
        "paid search",
        "paid social",
        "webinar",
        "content download",
        "referral",
        "partner",
        "event",
        "outbound",
    }
    assert set(leads["email_domain_type"]) == {"business", "personal", "education"}
    assert set(leads["budget_band"].dropna()) == {"none", "under 10k", "10k-50k", "50k+"}
    assert 0.08 < leads["budget_band"].isna().mean() < 0.12
    assert 0.02 < leads["pages_viewed"].isna().mean() < 0.04
    pages = leads["pages_viewed"].dropna()
    assert pages.min() >= 0 and pages.max() <= 60
    assert leads["content_downloads"].between(0, 15).all()
    assert 0.1 < leads["demo_requested"].mean() < 0.5


def test_deal_value_only_for_converted(leads: pd.DataFrame) -> None:
    conv = leads["converted"]
    assert leads.loc[~conv, "deal_value"].isna().all()
    assert (leads.loc[conv, "deal_value"] > 0).all()
    # Larger companies close larger deals.
    big = leads.loc[conv & (leads["company_size"] >= 1_000), "deal_value"].median()
    small = leads.loc[conv & (leads["company_size"] < 50), "deal_value"].median()
    assert big > 1.5 * small


def test_generation_is_fast() -> None:
    start = time.perf_counter()
    generate_leads(N, 123)
    assert time.perf_counter() - start < 2.0


# --- outcome and planted segments -------------------------------------------------------


def test_baseline_rate(leads: pd.DataFrame) -> None:
    assert 0.10 <= leads["converted"].mean() <= 0.13


def test_segment_queries_are_valid(leads: pd.DataFrame) -> None:
    for seg in PLANTED_SEGMENTS + RED_HERRINGS:
        selected = leads.query(seg.query, engine="python")
        mask = seg.members(leads)
        assert mask.dtype == bool
        assert len(selected) == int(mask.sum()) > 0, seg.name
    assert {s.kind for s in PLANTED_SEGMENTS} == {"negative"}
    assert {s.kind for s in RED_HERRINGS} == {"red_herring"}
    assert len(PLANTED_SEGMENTS) == 3 and len(RED_HERRINGS) == 3


@pytest.mark.parametrize("segment", PLANTED_SEGMENTS, ids=lambda s: s.name)
def test_planted_segment_is_strong_in_both_windows(
    leads: pd.DataFrame, early: np.ndarray, segment: PlantedSegment
) -> None:
    y = leads["converted"].to_numpy()
    mask = segment.members(leads).to_numpy()
    assert 0.04 <= mask.mean() <= 0.12
    for window in (early, ~early):
        baseline = _rate(y, window)
        assert _rate(y, mask & window) <= 0.2 * baseline, segment.name


def test_planted_segments_overlap_little(leads: pd.DataFrame) -> None:
    masks = {s.name: s.members(leads).to_numpy() for s in PLANTED_SEGMENTS}
    names = list(masks)
    for i, a in enumerate(names):
        for b in names[i + 1 :]:
            jaccard = (masks[a] & masks[b]).sum() / (masks[a] | masks[b]).sum()
            assert jaccard < 0.2, (a, b, jaccard)


def test_micro_company_threshold_is_natural(leads: pd.DataFrame) -> None:
    size = leads["company_size"]
    assert 0.12 < (size < 10).mean() < 0.25
    none_below = (leads.loc[size < 10, "budget_band"] == "none").mean()
    none_above = (leads.loc[size >= 10, "budget_band"] == "none").mean()
    assert none_below > 2 * none_above


def test_conjunction_needed_for_content_download(leads: pd.DataFrame) -> None:
    """The content-download source alone must not be a strong segment; the
    no-demo conjunction is what makes it one."""
    y = leads["converted"].to_numpy()
    source = (leads["lead_source"] == "content download").to_numpy()
    with_demo = source & leads["demo_requested"].to_numpy()
    assert _rate(y, source) > 0.5 * y.mean()
    assert _rate(y, with_demo) > y.mean()


def test_background_effects_are_milder_than_planted(leads: pd.DataFrame, early: np.ndarray) -> None:
    """No single-column level outside the planted segments reaches planted strength."""
    y = leads["converted"].to_numpy()
    planted = np.any([s.members(leads).to_numpy() for s in PLANTED_SEGMENTS], axis=0)
    late = ~early
    late_rate = y[late].mean()
    columns = [
        "industry",
        "country",
        "role_seniority",
        "lead_source",
        "budget_band",
        "demo_requested",
    ]
    for col in columns:
        for value, mask in leads.groupby(col, dropna=True).groups.items():
            m = leads.index.isin(mask)
            if m.mean() < 0.01 or (m & planted).sum() > 0.5 * m.sum():
                continue
            assert _rate(y, m & late) > 0.3 * late_rate, (col, value)


# --- red herrings ---------------------------------------------------------------------


def test_retail_drift_low_early_not_low_late(leads: pd.DataFrame, early: np.ndarray) -> None:
    y = leads["converted"].to_numpy()
    retail = _herring("retail_2024_drift").members(leads).to_numpy()
    in_2024 = (leads["created_at"] < pd.Timestamp("2025-01-01")).to_numpy()
    assert _rate(y, retail & in_2024) <= 0.35 * _rate(y, in_2024)
    # Looks negative in the discovery window ...
    assert _rate(y, retail & early) < 0.6 * _rate(y, early)
    # ... but not in the confirmation window, nor during 2025 as a whole.
    assert _rate(y, retail & ~early) > 0.75 * _rate(y, ~early)
    assert _rate(y, retail & ~in_2024) > 0.75 * _rate(y, ~in_2024)


def test_tiny_country_below_minimum_support(leads: pd.DataFrame) -> None:
    mask = _herring("tiny_country_no_conversions").members(leads).to_numpy()
    assert 0 < mask.mean() < 0.003
    assert not leads["converted"].to_numpy()[mask].any()
    # It is the only country this small: the rest of the long tail has real support.
    shares = leads["country"].value_counts(normalize=True)
    assert (shares < 0.003).sum() == 1


def test_utm_campaign_independent_of_conversion(leads: pd.DataFrame, early: np.ndarray) -> None:
    assert 250 <= leads["utm_campaign"].nunique() <= 300
    assert leads["utm_campaign"].str.fullmatch(r"cmp-\d{4}").all()
    table = pd.crosstab(leads["utm_campaign"], leads["converted"])
    p_value = chi2_contingency(table)[1]
    assert p_value > 0.01
    # The long tail selected by the herring query is made of small cells at a normal rate.
    y = leads["converted"].to_numpy()
    tail = _herring("utm_campaign_noise").members(leads).to_numpy()
    tail_shares = leads.loc[tail, "utm_campaign"].value_counts() / len(leads)
    assert (tail_shares < 0.002).all()
    assert _rate(y, tail & ~early) > 0.75 * _rate(y, ~early)


def test_names_and_descriptions_use_neutral_language() -> None:
    banned = re.compile(r"\b(bad|worthless|junk|low[- ]quality|garbage|useless|poor)\b", re.I)
    for seg in PLANTED_SEGMENTS + RED_HERRINGS:
        assert not banned.search(seg.name), seg.name
        assert not banned.search(seg.description), seg.name
        assert len(seg.description) > 40, seg.name


# --- relation to the demo tables (details in test_demo_tables.py) -----------------------


def test_public_api() -> None:
    for name in datasets.__all__:
        assert hasattr(datasets, name), name
    assert {"generate_demo_tables", "DemoTables", "PlantedProblem"} <= set(datasets.__all__)


def test_demo_tables_leave_generate_leads_alone() -> None:
    """Building the demo tables neither changes nor depends on a shared random state."""
    before = generate_leads(3_000, 21)
    tables = generate_demo_tables(3_000, 21)
    pd.testing.assert_frame_equal(generate_leads(3_000, 21), before)
    assert set(tables.leads["lead_id"]) == set(before["lead_id"])
    kept = ["lead_source", "demo_requested", "email_domain_type", "budget_band"]
    unique = tables.leads.drop_duplicates("lead_id", keep="first").reset_index(drop=True)
    pd.testing.assert_frame_equal(unique[kept], before[kept])


def test_planted_segments_survive_in_demo_tables() -> None:
    """The planted segments stay strong in the demo lead table once immature rows are
    left out (the audit is expected to drop them)."""
    tables = generate_demo_tables(N, SEED)
    leads = tables.leads.drop_duplicates("lead_id")
    end = leads["created_at"].max()
    mature = leads[leads["created_at"] <= end - pd.Timedelta(days=60)]
    y = mature["converted"].to_numpy()
    for segment in PLANTED_SEGMENTS:
        mask = segment.members(mature).to_numpy()
        assert _rate(y, mask) <= 0.2 * y.mean(), segment.name
