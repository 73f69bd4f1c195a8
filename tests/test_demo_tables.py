"""Tests for the related demo tables and their planted data-quality problems.

``generate_demo_tables`` is the answer key for audit features (leakage, placeholders,
duplicate ids, immature outcomes, PII in free text) and for joins across tables, so these
tests pin down that every planted problem is really there at its stated size, that the
tables agree with each other, and that ``generate_leads`` did not change.
"""

from __future__ import annotations

import hashlib
import re
import time

import numpy as np
import pandas as pd
import pytest

from negpersona.datasets import (
    COMPETITORS,
    EVENT_TYPES,
    DemoTables,
    PlantedProblem,
    generate_demo_tables,
    generate_leads,
)

N = 50_000
SEED = 7

# sha256 of generate_leads(2000, 7).to_csv(index=False), taken before the demo tables were
# added. Discovery and calibration tests depend on this exact table.
LEADS_2000_7_SHA256 = "0ee12847f19ac28acccb64b9de56a9aa425b016672b298dc61d870aed5fb3e14"

LEAD_COLUMNS = [
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
    "annual_revenue_usd",
    "converted",
    "converted_at",
    "deal_value",
    "onboarding_call_booked",
]
NEW_COLUMNS = ["annual_revenue_usd", "converted_at", "onboarding_call_booked"]
# Columns of generate_leads that generate_demo_tables leaves as they are on first copies.
KEPT_COLUMNS = [
    "lead_id",
    "created_at",
    "company_size",
    "country",
    "lead_source",
    "utm_campaign",
    "email_domain_type",
    "pages_viewed",
    "content_downloads",
    "demo_requested",
    "budget_band",
]
EMAIL = re.compile(r"[\w.]+@example\.(?:com|org)")
URL = re.compile(r"https?://\S+")
PHONE = re.compile(r"\+?\(?\d[\d ()-]{8,}\d")
EDU_WORDS = re.compile(r"student|class|semester|course|thesis", re.I)
PRICE_WORDS = re.compile(r"price|budget|expensive|cheap|fee|cost", re.I)


@pytest.fixture(scope="module")
def tables() -> DemoTables:
    return generate_demo_tables(N, SEED)


@pytest.fixture(scope="module")
def base() -> pd.DataFrame:
    return generate_leads(N, SEED)


@pytest.fixture(scope="module")
def first(tables: DemoTables) -> pd.DataFrame:
    """The lead table without the duplicated copies (originals come first)."""
    leads = tables.leads
    return leads.loc[~leads["lead_id"].duplicated(keep="first")].reset_index(drop=True)


def _problem(tables: DemoTables, kind: str, column: str) -> PlantedProblem:
    return next(p for p in tables.planted_problems if p.kind == kind and p.column == column)


def _end(tables: DemoTables) -> pd.Timestamp:
    return tables.leads["created_at"].max()


# --- determinism and generate_leads unchanged --------------------------------------------


def test_generate_leads_is_unchanged() -> None:
    csv = generate_leads(2000, 7).to_csv(index=False)
    assert hashlib.sha256(csv.encode()).hexdigest() == LEADS_2000_7_SHA256


def test_deterministic_and_seed_dependent() -> None:
    a = generate_demo_tables(3_000, 5)
    b = generate_demo_tables(3_000, 5)
    for name in ("leads", "events", "churn_survey", "deals"):
        pd.testing.assert_frame_equal(getattr(a, name), getattr(b, name))
    assert a.planted_problems == b.planted_problems
    c = generate_demo_tables(3_000, 6)
    assert not a.events["occurred_at"].equals(c.events["occurred_at"])
    assert not a.deals["lead_id"].equals(c.deals["lead_id"])


def test_first_copies_match_generate_leads(base: pd.DataFrame, first: pd.DataFrame) -> None:
    assert len(first) == len(base)
    pd.testing.assert_frame_equal(first[KEPT_COLUMNS], base[KEPT_COLUMNS])
    # Conversions are only ever removed (censoring), never added.
    assert not (first["converted"] & ~base["converted"]).any()
    kept = first["converted"]
    pd.testing.assert_series_equal(first.loc[kept, "deal_value"], base.loc[kept, "deal_value"])
    # Industry and seniority differ from the base only by placeholders.
    for col, token in (("industry", "Select"), ("role_seniority", "N/A")):
        changed = first[col] != base[col]
        assert (first.loc[changed, col] == token).all(), col


@pytest.mark.parametrize("n", [1, 2, 10, 200])
def test_small_tables_work(n: int) -> None:
    t = generate_demo_tables(n, 1)
    assert t.leads["lead_id"].nunique() == n
    assert set(t.events["lead_id"]) <= set(t.leads["lead_id"])


def test_rejects_empty_request() -> None:
    with pytest.raises(ValueError):
        generate_demo_tables(0)


def test_generation_is_fast() -> None:
    start = time.perf_counter()
    generate_demo_tables(N, 123)
    assert time.perf_counter() - start < 5.0


# --- shapes, dtypes and keys ------------------------------------------------------------


def test_lead_schema(tables: DemoTables) -> None:
    leads = tables.leads
    assert list(leads.columns) == LEAD_COLUMNS
    assert pd.api.types.is_datetime64_any_dtype(leads["converted_at"])
    assert leads["onboarding_call_booked"].dtype == np.bool_
    assert leads["converted"].dtype == np.bool_
    assert leads["annual_revenue_usd"].dtype == np.float64
    assert leads["pages_viewed"].dtype == pd.Int64Dtype()
    assert leads["created_at"].is_monotonic_increasing
    assert leads.index.equals(pd.RangeIndex(len(leads)))


def test_related_schemas(tables: DemoTables) -> None:
    assert list(tables.events.columns) == ["lead_id", "event_type", "occurred_at"]
    assert list(tables.churn_survey.columns) == [
        "lead_id",
        "churned",
        "churn_reason",
        "churn_category",
    ]
    assert list(tables.deals.columns) == [
        "deal_id",
        "lead_id",
        "stage",
        "closed_at",
        "amount",
        "loss_reason",
        "loss_category",
        "competitor",
    ]
    assert tables.churn_survey["churned"].dtype == np.bool_
    for frame, cols in (
        (tables.events, ["lead_id", "event_type"]),
        (tables.churn_survey, ["lead_id", "churn_reason", "churn_category"]),
        (tables.deals, ["deal_id", "lead_id", "stage", "loss_reason", "loss_category"]),
    ):
        for col in cols:
            assert pd.api.types.is_string_dtype(frame[col]), col


def test_table_sizes(tables: DemoTables) -> None:
    assert len(tables.leads) == N + round(0.005 * N)
    per_lead = len(tables.events) / N
    assert 10 <= per_lead <= 20
    converted = int(tables.leads.drop_duplicates("lead_id")["converted"].sum())
    assert 0.5 * converted < len(tables.churn_survey) < 0.7 * converted
    assert 0.35 < len(tables.deals) / N < 0.45


def test_foreign_keys_and_unique_keys(tables: DemoTables, first: pd.DataFrame) -> None:
    ids = set(tables.leads["lead_id"])
    for frame in (tables.events, tables.churn_survey, tables.deals):
        assert set(frame["lead_id"]) <= ids
    assert tables.churn_survey["lead_id"].is_unique
    assert tables.deals["deal_id"].is_unique
    assert tables.deals["lead_id"].is_unique
    assert tables.deals["deal_id"].str.fullmatch(r"D\d{7}").all()
    # Every lead has at least one event (the page views alone make that near certain).
    assert tables.events["lead_id"].nunique() > 0.99 * len(first)


def test_survey_and_deals_follow_conversions(tables: DemoTables, first: pd.DataFrame) -> None:
    converted = set(first.loc[first["converted"], "lead_id"])
    assert set(tables.churn_survey["lead_id"]) <= converted
    deals = tables.deals
    assert set(deals.loc[deals["stage"] == "won", "lead_id"]) == converted
    assert set(deals["stage"]) == {"won", "lost"}
    won = deals["stage"] == "won"
    assert (deals.loc[won, "amount"] > 0).all() and deals.loc[~won, "amount"].isna().all()
    by_id = first.set_index("lead_id")
    won_ids = deals.loc[won, "lead_id"]
    closed = deals.loc[won, "closed_at"].to_numpy()
    assert (closed == by_id.loc[won_ids, "converted_at"].to_numpy()).all()
    lost = deals.loc[~won]
    created = by_id.loc[lost["lead_id"], "created_at"].to_numpy()
    assert (lost["closed_at"].to_numpy() >= created).all()
    assert (lost["closed_at"] <= _end(tables)).all()


# --- planted problems -------------------------------------------------------------------


def test_planted_problem_list(tables: DemoTables) -> None:
    kinds = {p.kind for p in tables.planted_problems}
    assert kinds == {"immature", "leakage", "placeholder", "duplicate_id", "missing", "pii"}
    for p in tables.planted_problems:
        frame = getattr(tables, p.table)
        assert p.column in frame.columns, p
        assert p.rows > 0, p
        assert len(p.description) > 40, p


def test_immature_records(tables: DemoTables, base: pd.DataFrame) -> None:
    problem = _problem(tables, "immature", "converted")
    leads = tables.leads
    end = _end(tables)
    window = leads["created_at"] > end - pd.Timedelta(days=60)
    assert problem.rows == int(window.sum())
    assert 0.06 < window.mean() < 0.10
    assert not leads.loc[window, "converted"].any()
    assert leads.loc[window, "converted_at"].isna().all()
    assert not leads.loc[window, "onboarding_call_booked"].all()
    # These leads would convert: the base table has conversions in the same window.
    base_window = base["created_at"] > end - pd.Timedelta(days=60)
    assert base.loc[base_window, "converted"].mean() > 0.08
    # No deals yet for immature would-be conversions, and no won deal in the window.
    deal_leads = set(tables.deals["lead_id"])
    pending = set(base.loc[base_window & base["converted"], "lead_id"])
    assert not (pending & deal_leads)


def test_converted_at_is_consistent(tables: DemoTables) -> None:
    leads = tables.leads
    conv = leads["converted"]
    assert leads.loc[conv, "converted_at"].notna().all()
    assert leads.loc[~conv, "converted_at"].isna().all()
    assert leads.loc[~conv, "deal_value"].isna().all()
    days = (leads.loc[conv, "converted_at"] - leads.loc[conv, "created_at"]).dt.days
    assert (days >= 1).all()
    assert (leads.loc[conv, "converted_at"] <= _end(tables)).all()
    assert 20 <= days.median() <= 30
    assert 60 <= days.quantile(0.9) <= 80
    assert 0.095 <= conv.mean() <= 0.12


def test_leakage(tables: DemoTables) -> None:
    problem = _problem(tables, "leakage", "onboarding_call_booked")
    leads = tables.leads
    flag, conv = leads["onboarding_call_booked"], leads["converted"]
    assert problem.rows == int(flag.sum())
    assert flag[conv].mean() > 0.92
    assert flag[~conv].mean() < 0.006


def test_placeholders(tables: DemoTables) -> None:
    leads = tables.leads
    for column, token, low, high in (
        ("industry", "Select", 0.025, 0.035),
        ("role_seniority", "N/A", 0.015, 0.025),
    ):
        problem = _problem(tables, "placeholder", column)
        share = (leads[column] == token).mean()
        assert problem.value == token
        assert problem.rows == int((leads[column] == token).sum())
        assert low < share < high, column


def test_duplicate_ids(tables: DemoTables) -> None:
    problem = _problem(tables, "duplicate_id", "lead_id")
    leads = tables.leads
    extra = leads["lead_id"].duplicated()
    assert problem.rows == int(extra.sum()) == round(0.005 * N)
    assert leads["lead_id"].value_counts().max() == 2
    pairs = leads.loc[leads["lead_id"].duplicated(keep=False)].groupby("lead_id")
    firsts, seconds = pairs.nth(0).set_index("lead_id"), pairs.nth(1).set_index("lead_id")
    seconds = seconds.loc[firsts.index]
    # Same outcome, slightly different fields.
    assert (firsts["converted"] == seconds["converted"]).all()
    shift = seconds["created_at"] - firsts["created_at"]
    assert (shift >= pd.Timedelta(0)).all() and (shift <= pd.Timedelta(hours=6)).all()
    changed = (
        (shift > pd.Timedelta(0))
        | (firsts["company_size"] != seconds["company_size"])
        | (firsts["pages_viewed"] != seconds["pages_viewed"]).fillna(False)
    )
    assert changed.mean() > 0.9
    ratio = seconds["company_size"] / firsts["company_size"]
    assert ratio.between(0.5, 2.0).all()


def test_missing_column(tables: DemoTables) -> None:
    problem = _problem(tables, "missing", "annual_revenue_usd")
    leads = tables.leads
    missing = leads["annual_revenue_usd"].isna()
    assert problem.rows == int(missing.sum())
    assert 0.5 < missing.mean() < 0.7
    micro = leads["company_size"] < 10
    large = leads["company_size"] >= 200
    assert missing[micro].mean() > missing[large].mean() + 0.2
    assert (leads.loc[~missing, "annual_revenue_usd"] > 0).all()


# --- events -------------------------------------------------------------------------------


def test_event_types_and_times(tables: DemoTables, first: pd.DataFrame) -> None:
    events = tables.events
    assert set(events["event_type"]) == set(EVENT_TYPES)
    created = events["lead_id"].map(first.set_index("lead_id")["created_at"])
    assert (events["occurred_at"] >= created).all()
    assert (events["occurred_at"] <= _end(tables)).all()
    assert events["occurred_at"].is_monotonic_increasing


def test_content_download_without_demo_is_consistent(
    tables: DemoTables, first: pd.DataFrame
) -> None:
    counts = pd.crosstab(tables.events["lead_id"], tables.events["event_type"])
    counts = counts.reindex(first["lead_id"], fill_value=0)
    segment = (first["lead_source"] == "content download") & ~first["demo_requested"]
    seg_ids = first.loc[segment, "lead_id"]
    assert len(seg_ids) > 1_000
    assert (counts.loc[seg_ids, "content_download"] >= 1).all()
    assert (counts.loc[seg_ids, "demo_request"] == 0).all()
    # Demo requests appear exactly for leads with demo_requested.
    has_demo = counts.loc[first["lead_id"], "demo_request"].to_numpy() > 0
    assert (has_demo == first["demo_requested"].to_numpy()).all()
    # Page views match pages_viewed where it is recorded.
    known = first["pages_viewed"].notna()
    views = counts.loc[first.loc[known, "lead_id"], "page_view"].to_numpy()
    assert (views == first.loc[known, "pages_viewed"].to_numpy(dtype=np.int64)).all()


def test_converted_leads_engage_more(tables: DemoTables, base: pd.DataFrame) -> None:
    events = tables.events
    pricing = events.loc[events["event_type"] == "pricing_page_view", "lead_id"].value_counts()
    per_lead = pricing.reindex(base["lead_id"], fill_value=0).to_numpy()
    conv = base["converted"].to_numpy()
    assert per_lead[conv].mean() > 3 * per_lead[~conv].mean()
    # Pricing views and demo requests of converted leads happen before conversion.
    converted_at = events["lead_id"].map(
        tables.leads.drop_duplicates("lead_id").set_index("lead_id")["converted_at"]
    )
    late = events["event_type"].isin(["pricing_page_view", "demo_request"]) & converted_at.notna()
    assert (events.loc[late, "occurred_at"] <= converted_at[late]).all()


# --- churn survey ---------------------------------------------------------------------


def test_churn_rates_and_categories(tables: DemoTables) -> None:
    survey = tables.churn_survey
    assert 0.14 < survey["churned"].mean() < 0.26
    churned = survey["churned"]
    assert survey.loc[churned, "churn_reason"].notna().all()
    assert survey.loc[churned, "churn_category"].notna().all()
    assert survey.loc[~churned, ["churn_reason", "churn_category"]].isna().all().all()
    shares = survey.loc[churned, "churn_category"].value_counts(normalize=True)
    assert 4 <= len(shares) <= 8
    assert shares.max() < 0.5
    assert survey.loc[churned, "churn_reason"].nunique() > 100


def test_churn_reasons_depend_on_persona(tables: DemoTables, first: pd.DataFrame) -> None:
    survey = tables.churn_survey.merge(first, on="lead_id")
    churned = survey[survey["churned"]]
    edu = churned["email_domain_type"] == "education"
    micro = (churned["company_size"] < 10) & ~edu
    other = ~edu & (churned["company_size"] >= 10)
    assert edu.sum() >= 5
    assert churned.loc[edu, "churn_reason"].str.contains(EDU_WORDS).all()
    assert not churned.loc[other, "churn_reason"].str.contains(r"student|semester").any()
    micro_price = churned.loc[micro, "churn_reason"].str.contains(PRICE_WORDS).mean()
    other_price = churned.loc[other, "churn_reason"].str.contains(PRICE_WORDS).mean()
    assert micro_price > 0.5 and micro_price > other_price + 0.15
    # Education customers churn more often than the rest.
    edu_all = survey["email_domain_type"] == "education"
    assert survey.loc[edu_all, "churned"].mean() > 2 * survey.loc[~edu_all, "churned"].mean()


def test_pii_in_free_text(tables: DemoTables) -> None:
    reasons = tables.churn_survey["churn_reason"].dropna()
    for pattern in (EMAIL, PHONE, URL):
        assert reasons.str.contains(pattern).sum() >= 3, pattern.pattern
    with_pii = reasons.str.contains(EMAIL) | reasons.str.contains(PHONE) | reasons.str.contains(URL)
    assert _problem(tables, "pii", "churn_reason").rows == int(with_pii.sum())
    assert 0.01 < with_pii.mean() < 0.06
    # Only reserved example values are used.
    emails = reasons.str.extract(r"([\w.]+@[\w.]+)")[0].dropna()
    assert emails.str.endswith(("@example.com", "@example.org")).all()
    urls = reasons.str.extract(r"(https?://[^\s/]+)")[0].dropna()
    assert urls.str.contains(r"example\.(?:com|org)$").all()
    phones = reasons.str.extract(r"(\+?\(?\d[\d ()-]{8,}\d)")[0].dropna()
    assert phones.str.contains(r"555.01\d\d|7946 0\d{3}").all()
    notes = tables.deals["loss_reason"].dropna()
    assert _problem(tables, "pii", "loss_reason").rows == int(
        (notes.str.contains(EMAIL) | notes.str.contains(PHONE) | notes.str.contains(URL)).sum()
    )


# --- deals ----------------------------------------------------------------------------


def test_loss_categories_and_reasons(tables: DemoTables) -> None:
    deals = tables.deals
    lost = deals[deals["stage"] == "lost"]
    won = deals[deals["stage"] == "won"]
    assert won[["loss_reason", "loss_category"]].isna().all().all()
    assert lost[["loss_reason", "loss_category"]].notna().all().all()
    shares = lost["loss_category"].value_counts(normalize=True)
    assert set(shares.index) == {
        "price",
        "no budget",
        "no decision",
        "chose competitor",
        "timing",
        "missing feature",
    }
    assert shares.between(0.05, 0.35).all()
    chose = lost[lost["loss_category"] == "chose competitor"]
    assert chose["competitor"].notna().all()
    mentions = [c in r for c, r in zip(chose["competitor"], chose["loss_reason"], strict=True)]
    assert all(mentions)


def test_competitors_are_invented_and_persona_dependent(
    tables: DemoTables, first: pd.DataFrame
) -> None:
    deals = tables.deals.merge(first, on="lead_id")
    assert set(deals["competitor"].dropna()) == set(COMPETITORS)
    assert len(COMPETITORS) == 6
    assert 0.2 < deals["competitor"].isna().mean() < 0.45
    named = deals[deals["competitor"].notna()]
    edu = named["email_domain_type"] == "education"
    large = (named["company_size"] >= 1_000) & ~edu
    free_edu = (named.loc[edu, "competitor"] == "Tallysheet").mean()
    free_rest = (named.loc[~edu, "competitor"] == "Tallysheet").mean()
    assert free_edu > 0.4 and free_edu > 3 * free_rest
    suites = named["competitor"].isin(["Vantorra", "Brindlebase"])
    assert suites[large].mean() > 2 * suites[~large & ~edu].mean()


def test_no_budget_losses_concentrate_in_planted_personas(
    tables: DemoTables, first: pd.DataFrame
) -> None:
    lost = tables.deals.merge(first, on="lead_id")
    lost = lost[lost["stage"] == "lost"]
    no_budget = lost["loss_category"] == "no budget"
    micro_none = (lost["company_size"] < 10) & (lost["budget_band"] == "none")
    edu = lost["email_domain_type"] == "education"
    rest = ~micro_none & ~edu
    assert no_budget[micro_none].mean() > 2 * no_budget[rest].mean()
    assert no_budget[edu].mean() > 2 * no_budget[rest].mean()


# --- language -------------------------------------------------------------------------


def test_neutral_language(tables: DemoTables) -> None:
    banned = re.compile(r"\b(bad|worthless|junk|low[- ]quality|garbage|useless|poor)\b", re.I)
    texts = [p.description for p in tables.planted_problems]
    texts += tables.churn_survey["churn_reason"].dropna().unique().tolist()
    texts += tables.deals["loss_reason"].dropna().unique().tolist()
    assert not [t for t in texts if banned.search(t)]
