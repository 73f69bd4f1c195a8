"""Seeded synthetic B2B SaaS lead table with known answers.

Why this module exists
----------------------
``negpersona demo`` needs data that looks like a real lead export, and the statistical
tests need data where the right answer is known in advance. This generator serves both:
it produces a lead table whose conversion outcome depends *mildly* on many columns (so
nothing is trivially clean) and *strongly* on three planted segments (the answer key in
:data:`PLANTED_SEGMENTS`), plus three look-alikes (:data:`RED_HERRINGS`) that a careful
discovery procedure must not confirm.

Design
------
* **Generative order.** Columns are drawn in a causal order, each from the ones before it:
  time -> email domain -> industry -> company size -> seniority -> lead source ->
  engagement (pages, downloads, demo request) -> budget -> conversion -> deal value.
  This gives realistic correlations (micro-companies are mostly run by founders, education
  addresses arrive through content downloads, engaged leads request demos) without any
  per-row Python loop.
* **Background conversion model.** A logistic model with small additive effects for
  seniority, company size, pages viewed, downloads, demo request, lead source, email
  domain, budget and industry. Single-column levels outside the planted segments stay
  above about 45% of baseline; two-condition cells of 1%-5% of rows can reach 30%-40%
  from stacked mild effects plus noise, still far from the planted ~10%.
* **Planted segments.** Members of a planted segment get a fixed, time-independent
  conversion probability (1%-1.5%, i.e. at most about 20% of the ~12% baseline), so the
  effect is the same in the discovery window and in the out-of-time confirmation window.
  The company-size threshold is natural: 18% of companies come from a separate
  "micro-company" component with 1-9 employees, the rest start at 10 employees.
* **Red herrings.** A drift segment (retail converts at about a quarter of its usual rate
  during 2024 only), a tiny country with no conversions (below any sensible minimum
  support), and a 300-level campaign code that is drawn independently of everything else.
* **Time.** ``created_at`` spans 2024-01-01 to 2025-12-31 with fewer leads on weekends;
  rows are sorted by time and ``lead_id`` follows that order, because callers split the
  table by time (the latest ~30% of rows is used for out-of-time confirmation).
* **Determinism.** Everything is drawn from one ``numpy.random.default_rng(seed)`` in a
  fixed order, so ``(n, seed)`` fully determines the table.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from negpersona.datasets.common import _index, _sample_rows, _text

# --- Vocabularies and marginal frequencies -------------------------------------------

_START = np.datetime64("2024-01-01")
_END = np.datetime64("2026-01-01")  # exclusive: last lead is on 2025-12-31
_DRIFT_END = np.datetime64("2025-01-01")  # retail drift applies before this instant

_EMAIL_TYPES = np.array(["business", "personal", "education"], dtype=object)
_EMAIL_P = np.array([0.765, 0.175, 0.06])

_INDUSTRIES = np.array(
    [
        "software",
        "finance",
        "healthcare",
        "retail",
        "manufacturing",
        "education",
        "government",
        "media",
        "consulting",
        "logistics",
        "nonprofit",
        "energy",
    ],
    dtype=object,
)
_INDUSTRY_P = np.array([0.22, 0.10, 0.09, 0.09, 0.10, 0.05, 0.04, 0.05, 0.10, 0.06, 0.04, 0.03])
# Median company size multiplier per industry (government and energy skew large).
_INDUSTRY_SIZE_MULT = np.array([1.0, 1.6, 1.4, 1.2, 1.5, 1.3, 3.0, 0.7, 0.6, 1.1, 0.5, 2.0])
_INDUSTRY_EFFECT = np.array(
    [0.15, 0.05, -0.05, 0.0, 0.0, -0.15, -0.25, -0.05, 0.10, 0.0, -0.20, 0.05]
)

_COUNTRIES = np.array(
    [
        "US",
        "GB",
        "DE",
        "FR",
        "CA",
        "AU",
        "NL",
        "IN",
        "BR",
        "ES",
        "IT",
        "SE",
        "JP",
        "SG",
        "MX",
        "IE",
        "CH",
        "PL",
        "BE",
        "DK",
        "NO",
        "ZA",
        "AT",
        "NZ",
        "IS",
    ],
    dtype=object,
)
_COUNTRY_P = np.array(
    [
        0.380,
        0.090,
        0.070,
        0.050,
        0.050,
        0.040,
        0.030,
        0.050,
        0.030,
        0.025,
        0.020,
        0.020,
        0.020,
        0.015,
        0.015,
        0.012,
        0.012,
        0.012,
        0.010,
        0.008,
        0.008,
        0.008,
        0.007,
        0.006,
        0.0015,
    ]
)
_TINY_COUNTRY = "IS"

_SENIORITY = np.array(
    ["intern", "individual contributor", "manager", "director", "vp", "c-level"], dtype=object
)
_SENIORITY_P_DEFAULT = np.array([0.04, 0.38, 0.27, 0.15, 0.08, 0.08])
_SENIORITY_P_MICRO = np.array([0.03, 0.20, 0.12, 0.07, 0.05, 0.53])  # founders answer
_SENIORITY_P_EDU = np.array([0.25, 0.55, 0.10, 0.05, 0.02, 0.03])  # students, researchers
_SENIORITY_EFFECT = np.array([-0.6, -0.2, 0.0, 0.25, 0.35, 0.2])

_SOURCES = np.array(
    [
        "organic search",
        "paid search",
        "paid social",
        "webinar",
        "content download",
        "referral",
        "partner",
        "event",
        "outbound",
    ],
    dtype=object,
)
_SOURCE_P = np.array([0.23, 0.15, 0.10, 0.08, 0.12, 0.07, 0.05, 0.06, 0.14])
# Education addresses find the product through search and whitepapers, rarely via sales.
_SOURCE_EDU_TILT = np.array([1.5, 0.8, 1.0, 1.2, 2.0, 0.5, 0.3, 0.6, 0.1])
_SOURCE_EFFECT = np.array([0.0, -0.05, -0.35, 0.10, -0.15, 0.50, 0.35, 0.15, -0.30])
_SOURCE_DEMO_SHIFT = np.array([0.0, 0.1, -0.3, 0.2, -0.2, 0.5, 0.3, 0.2, 0.3])

_BUDGETS = np.array(["none", "under 10k", "10k-50k", "50k+"], dtype=object)
_BUDGET_P_MICRO = np.array([0.40, 0.42, 0.13, 0.05])
_BUDGET_P_SMALL = np.array([0.15, 0.40, 0.33, 0.12])  # 10-199 employees
_BUDGET_P_LARGE = np.array([0.08, 0.17, 0.40, 0.35])  # 200+ employees
_BUDGET_EFFECT = np.array([-0.35, -0.10, 0.15, 0.30])
_BUDGET_MISSING_EFFECT = -0.05
_BUDGET_DEAL_MULT = np.array([0.6, 0.8, 1.2, 2.0])

_EMAIL_EFFECT = np.array([0.0, -0.45, 0.0])  # education is set by its planted rate

_N_CAMPAIGNS = 300


_RETAIL = _index(_INDUSTRIES, "retail")
_EDUCATION_INDUSTRY = _index(_INDUSTRIES, "education")
_CONTENT_DOWNLOAD = _index(_SOURCES, "content download")
_WEBINAR = _index(_SOURCES, "webinar")
_EDUCATION_EMAIL = _index(_EMAIL_TYPES, "education")
_PERSONAL_EMAIL = _index(_EMAIL_TYPES, "personal")
_NO_BUDGET = _index(_BUDGETS, "none")
_SENIOR_FROM = _index(_SENIORITY, "director")  # director, vp and c-level


# Background model intercept, tuned so the overall conversion rate is about 12%.
_INTERCEPT = -2.9

# Planted and drift probabilities.
_RATE_EDUCATION = 0.010
_RATE_CONTENT_NO_DEMO = 0.015
_RATE_MICRO_NO_BUDGET = 0.010
_RETAIL_DRIFT_MULT = 0.22


def _sigmoid(x: np.ndarray) -> np.ndarray:
    return 1.0 / (1.0 + np.exp(-x))


def _created_at(rng: np.random.Generator, n: int) -> np.ndarray:
    """Sorted timestamps over 2024-2025, with weekends at 35% of weekday volume.

    Weekend thinning makes the series look like a real inbound funnel; the volume is
    otherwise flat so the 70/30 time split lands around late May 2025.
    """
    n_days = int((_END - _START) / np.timedelta64(1, "D"))
    days = _START + np.arange(n_days).astype("timedelta64[D]")
    weekday = (days.astype("datetime64[D]").view("int64") + 3) % 7  # 0 = Monday
    weights = np.where(weekday >= 5, 0.35, 1.0)
    day_idx = rng.choice(n_days, size=n, p=weights / weights.sum())
    seconds = rng.integers(0, 86_400, size=n)
    ts = (
        _START.astype("datetime64[s]")
        + day_idx.astype("timedelta64[D]")
        + seconds.astype("timedelta64[s]")
    )
    return np.sort(ts).astype("datetime64[ns]")


def generate_leads(n: int = 50_000, seed: int = 7) -> pd.DataFrame:
    """Generate ``n`` synthetic B2B SaaS leads, sorted by ``created_at``.

    The table is fully determined by ``(n, seed)``. It contains the three segments in
    :data:`PLANTED_SEGMENTS` (each converting at at most ~20% of baseline in every time
    window) and the look-alikes in :data:`RED_HERRINGS`; see the module docstring for the
    design. Overall conversion is about 12%.
    """
    if n < 1:
        raise ValueError(f"n must be at least 1, got {n}")
    rng = np.random.default_rng(seed)

    created_at = _created_at(rng, n)
    in_drift_period = created_at < _DRIFT_END

    email_idx = rng.choice(len(_EMAIL_TYPES), size=n, p=_EMAIL_P)
    is_edu = email_idx == _EDUCATION_EMAIL
    is_personal = email_idx == _PERSONAL_EMAIL

    # Industry: a quarter of education addresses put "education" as their industry.
    industry_idx = rng.choice(len(_INDUSTRIES), size=n, p=_INDUSTRY_P / _INDUSTRY_P.sum())
    edu_to_education = is_edu & (rng.random(n) < 0.25)
    industry_idx = np.where(edu_to_education, _EDUCATION_INDUSTRY, industry_idx)

    country_idx = rng.choice(len(_COUNTRIES), size=n, p=_COUNTRY_P / _COUNTRY_P.sum())

    # Company size: a micro-company component (1-9 employees, skewed to solo founders)
    # and a lognormal component starting at 10, scaled per industry.
    micro_p = np.where(is_personal, 0.30, 0.155)
    is_micro = rng.random(n) < micro_p
    micro_weights = 1.0 / np.arange(1, 10) ** 0.7
    micro_size = rng.choice(np.arange(1, 10), size=n, p=micro_weights / micro_weights.sum())
    median = 80.0 * _INDUSTRY_SIZE_MULT[industry_idx]
    large_size = 10 + np.floor(rng.lognormal(np.log(median), 1.6))
    company_size = np.where(is_micro, micro_size, np.minimum(large_size, 50_000)).astype(np.int64)

    # Seniority depends on company size (founders) and email domain (students).
    sen_probs = np.where(is_micro[:, None], _SENIORITY_P_MICRO, _SENIORITY_P_DEFAULT)
    sen_probs = np.where(is_edu[:, None], _SENIORITY_P_EDU, sen_probs)
    seniority_idx = _sample_rows(rng, sen_probs)

    src_probs = np.where(is_edu[:, None], _SOURCE_P * _SOURCE_EDU_TILT, _SOURCE_P)
    source_idx = _sample_rows(rng, np.broadcast_to(src_probs, (n, len(_SOURCES))))
    is_content = source_idx == _CONTENT_DOWNLOAD

    # Campaign codes: Zipf-like popularity, independent of everything (a red herring).
    camp_w = 1.0 / (np.arange(_N_CAMPAIGNS) + 10.0)
    campaign_idx = rng.choice(_N_CAMPAIGNS, size=n, p=camp_w / camp_w.sum())

    # Engagement: one latent interest score drives pages, downloads and demo requests.
    engagement = rng.standard_normal(n)
    pages = np.minimum(rng.poisson(np.exp(1.9 + 0.55 * engagement)), 60)
    pages_missing = rng.random(n) < 0.03
    downloads_rate = np.exp(
        -0.6 + 0.5 * engagement + 1.1 * is_content + 0.3 * (source_idx == _WEBINAR)
    )
    downloads = np.minimum(rng.poisson(downloads_rate), 15).astype(np.int64)
    demo_logit = (
        -1.2
        + 0.9 * engagement
        + _SOURCE_DEMO_SHIFT[source_idx]
        + 0.15 * (seniority_idx >= _SENIOR_FROM)
        - 0.8 * is_edu
    )
    demo_requested = rng.random(n) < _sigmoid(demo_logit)

    # Budget depends on company size; ~10% leave it blank.
    budget_probs = np.where(
        is_micro[:, None],
        _BUDGET_P_MICRO,
        np.where((company_size >= 200)[:, None], _BUDGET_P_LARGE, _BUDGET_P_SMALL),
    )
    budget_idx = _sample_rows(rng, budget_probs)
    budget_missing = rng.random(n) < 0.10

    # Background conversion: many small, plausible effects.
    pages_for_model = np.where(pages_missing, 7, pages)
    logit = (
        _INTERCEPT
        + _SENIORITY_EFFECT[seniority_idx]
        + 0.12 * np.clip(np.log10(company_size), 0, 4.7)
        + 0.28 * np.log1p(pages_for_model)
        + 0.04 * np.minimum(downloads, 8)
        + 1.0 * demo_requested
        + _SOURCE_EFFECT[source_idx]
        + _EMAIL_EFFECT[email_idx]
        + np.where(budget_missing, _BUDGET_MISSING_EFFECT, _BUDGET_EFFECT[budget_idx])
        + _INDUSTRY_EFFECT[industry_idx]
    )
    p = _sigmoid(logit)

    # Red herring: retail drift during 2024 only.
    p = np.where((industry_idx == _RETAIL) & in_drift_period, p * _RETAIL_DRIFT_MULT, p)

    # Planted segments: fixed, time-independent rates (the lowest applies on overlap).
    seg_content = is_content & ~demo_requested
    seg_micro = (company_size < 10) & (budget_idx == _NO_BUDGET) & ~budget_missing
    p = np.where(is_edu, np.minimum(p, _RATE_EDUCATION), p)
    p = np.where(seg_content, np.minimum(p, _RATE_CONTENT_NO_DEMO), p)
    p = np.where(seg_micro, np.minimum(p, _RATE_MICRO_NO_BUDGET), p)

    # Red herring: the tiny country never converts.
    p = np.where(_COUNTRIES[country_idx] == _TINY_COUNTRY, 0.0, p)

    converted = rng.random(n) < p

    # Deal value grows sub-linearly with company size and with the stated budget.
    budget_mult = np.where(budget_missing, 1.0, _BUDGET_DEAL_MULT[budget_idx])
    deal = 2_500.0 * company_size**0.35 * budget_mult * rng.lognormal(0.0, 0.4, size=n)
    deal_value = np.where(converted, np.round(deal, 2), np.nan)

    budget_band = _BUDGETS[budget_idx].copy()
    budget_band[budget_missing] = None

    lead_id = "L" + pd.Series(np.arange(1, n + 1)).astype(str).str.zfill(7)
    campaign_codes = np.array([f"cmp-{i:04d}" for i in range(_N_CAMPAIGNS)], dtype=object)

    return pd.DataFrame(
        {
            "lead_id": _text(lead_id.to_numpy(dtype=object)),
            "created_at": created_at,
            "company_size": company_size,
            "industry": _text(_INDUSTRIES[industry_idx]),
            "country": _text(_COUNTRIES[country_idx]),
            "role_seniority": _text(_SENIORITY[seniority_idx]),
            "lead_source": _text(_SOURCES[source_idx]),
            "utm_campaign": _text(campaign_codes[campaign_idx]),
            "email_domain_type": _text(_EMAIL_TYPES[email_idx]),
            "pages_viewed": pd.arrays.IntegerArray(pages.astype(np.int64), pages_missing),
            "content_downloads": downloads,
            "demo_requested": demo_requested,
            "budget_band": _text(budget_band),
            "converted": converted,
            "deal_value": deal_value.astype(np.float64),
        }
    )
