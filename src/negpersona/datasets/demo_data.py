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

Related tables and planted data-quality problems
------------------------------------------------
:func:`generate_demo_tables` builds on :func:`generate_leads` (whose output it never changes)
and returns a :class:`DemoTables` bundle: the lead table with planted data-quality problems
and a ``converted_at`` column, an engagement event log (one-to-many), a churn survey of
converted customers and a won/lost deal table with competitor answers. The problems an audit
must find are listed in :attr:`DemoTables.planted_problems` (see :class:`PlantedProblem`).
The extra tables are drawn from their own random streams derived from ``seed``, so the
lead table of :func:`generate_leads` and each related table stay reproducible on their own.

All names and descriptions describe *fit* with the product, never the worth of a lead.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import numpy as np
import pandas as pd

__all__ = [
    "COMPETITORS",
    "EVENT_TYPES",
    "PLANTED_SEGMENTS",
    "RED_HERRINGS",
    "DemoTables",
    "PlantedProblem",
    "PlantedSegment",
    "generate_demo_tables",
    "generate_leads",
]


@dataclass(frozen=True)
class PlantedSegment:
    """A segment built into the demo data, with the reason it is there.

    ``query`` is a :meth:`pandas.DataFrame.query` string (valid with ``engine="python"``)
    that selects the segment's members, so tests can measure it without re-deriving the
    generator's logic. ``kind`` is ``"negative"`` for segments a correct discovery must
    find and ``"red_herring"`` for look-alikes it must not confirm.
    """

    name: str
    description: str
    query: str
    kind: str

    def members(self, df: pd.DataFrame) -> pd.Series:
        """Boolean mask of the rows of ``df`` that belong to this segment."""
        mask = df.eval(self.query, engine="python")
        return pd.Series(np.asarray(mask, dtype=bool), index=df.index, name=self.name)


PLANTED_SEGMENTS: list[PlantedSegment] = [
    PlantedSegment(
        name="education_email",
        description=(
            "Leads with an education email domain are mostly students and researchers "
            "exploring the product for coursework or study; they rarely hold a purchasing "
            "mandate, so they convert at about 1% regardless of other attributes."
        ),
        query="email_domain_type == 'education'",
        kind="negative",
    ),
    PlantedSegment(
        name="content_download_without_demo",
        description=(
            "Leads that arrive through a content download and never request a demo are "
            "researching a topic rather than evaluating a purchase; they convert at about "
            "1.5%. Content-download leads that do request a demo convert normally, so the "
            "conjunction, not the lead source alone, is the segment."
        ),
        query="lead_source == 'content download' and demo_requested == False",
        kind="negative",
    ),
    PlantedSegment(
        name="micro_company_no_budget",
        description=(
            "Companies with fewer than 10 employees that report no budget are outside the "
            "product's price range for now; they convert at about 1%. The generator draws "
            "micro-companies (1-9 employees) from their own component, so 10 employees is "
            "a real boundary in the data."
        ),
        query="company_size < 10 and budget_band == 'none'",
        kind="negative",
    ),
]

RED_HERRINGS: list[PlantedSegment] = [
    PlantedSegment(
        name="retail_2024_drift",
        description=(
            "Retail leads converted at about a quarter of their usual rate throughout 2024 "
            "(a point-of-sale integration retail buyers expect was not yet available) and "
            "at their usual rate from 2025-01-01 on. The segment looks negative in the "
            "early discovery window, but it is not negative in the latest 30% of time, so "
            "out-of-time confirmation must reject it."
        ),
        query="industry == 'retail'",
        kind="red_herring",
    ),
    PlantedSegment(
        name="tiny_country_no_conversions",
        description=(
            "Leads from Iceland (about 0.15% of rows, no local billing entity yet) never "
            "convert. The rate is extreme but the support is far below any sensible "
            "minimum segment size, so it must be filtered out, not reported."
        ),
        query="country == 'IS'",
        kind="red_herring",
    ),
    PlantedSegment(
        name="utm_campaign_noise",
        description=(
            "utm_campaign has 300 codes drawn independently of every other column and of "
            "the outcome; the query selects the long tail (cmp-0150 to cmp-0299, each "
            "well under 0.2% of rows) where small cells look extreme by chance. A correct "
            "discovery confirms no persona conditioned on utm_campaign."
        ),
        query="utm_campaign >= 'cmp-0150'",
        kind="red_herring",
    ),
]

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


def _index(labels: np.ndarray, label: str) -> int:
    """Position of ``label`` in a vocabulary, so effects refer to labels, not magic numbers."""
    return int(np.flatnonzero(labels == label)[0])


_RETAIL = _index(_INDUSTRIES, "retail")
_EDUCATION_INDUSTRY = _index(_INDUSTRIES, "education")
_CONTENT_DOWNLOAD = _index(_SOURCES, "content download")
_WEBINAR = _index(_SOURCES, "webinar")
_EDUCATION_EMAIL = _index(_EMAIL_TYPES, "education")
_PERSONAL_EMAIL = _index(_EMAIL_TYPES, "personal")
_NO_BUDGET = _index(_BUDGETS, "none")
_SENIOR_FROM = _index(_SENIORITY, "director")  # director, vp and c-level

# pandas 3 has a dedicated string dtype ("str", missing as NaN); pandas 2 keeps text in
# object columns. Setting it explicitly keeps dtypes stable even for tiny or all-missing
# columns, where inference would otherwise fall back to object.
_STR_DTYPE: str | type = "str" if int(pd.__version__.split(".")[0]) >= 3 else object

# Background model intercept, tuned so the overall conversion rate is about 12%.
_INTERCEPT = -2.9

# Planted and drift probabilities.
_RATE_EDUCATION = 0.010
_RATE_CONTENT_NO_DEMO = 0.015
_RATE_MICRO_NO_BUDGET = 0.010
_RETAIL_DRIFT_MULT = 0.22


def _sample_rows(rng: np.random.Generator, probs: np.ndarray) -> np.ndarray:
    """Draw one category index per row from a per-row probability matrix (n x k).

    Vectorized inverse-CDF sampling: one uniform per row, compared with the row's
    cumulative probabilities. Used wherever the mix depends on earlier columns.
    """
    cum = np.cumsum(probs / probs.sum(axis=1, keepdims=True), axis=1)
    u = rng.random(probs.shape[0])[:, None]
    return np.minimum((u > cum).sum(axis=1), probs.shape[1] - 1)


def _text(values: np.ndarray) -> pd.Series:
    """Wrap an object array of labels (``None`` = missing) in the pandas string dtype."""
    return pd.Series(values, dtype=_STR_DTYPE)


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


# --- Related tables and planted data-quality problems ---------------------------------

EVENT_TYPES: tuple[str, ...] = (
    "page_view",
    "content_download",
    "webinar_attended",
    "email_open",
    "email_click",
    "pricing_page_view",
    "demo_request",
)
"""Event types of :attr:`DemoTables.events`, in the order the generator draws them."""

COMPETITORS: tuple[str, ...] = (
    "Tallysheet",
    "Pondlark",
    "Quillpipe",
    "Trellisdesk",
    "Vantorra",
    "Brindlebase",
)
"""Invented tool names used in the competitive survey of :attr:`DemoTables.deals`.

They are made up for the demo and stand for archetypes, not for real products:
Tallysheet is a free spreadsheet-style tool (education leads and micro companies favour
it), Pondlark a low-cost plan for small teams, Quillpipe and Trellisdesk mid-market tools,
Vantorra and Brindlebase enterprise suites (large companies favour them).
"""

_CHURN_CATEGORIES = np.array(
    [
        "price",
        "project ended",
        "switched tool",
        "missing feature",
        "low usage",
        "business change",
    ],
    dtype=object,
)
_LOSS_CATEGORIES = np.array(
    ["price", "no budget", "no decision", "chose competitor", "timing", "missing feature"],
    dtype=object,
)
_CHOSE_COMPETITOR = _index(_LOSS_CATEGORIES, "chose competitor")

# Mixing constant: the extra tables draw from SeedSequence([seed, _TABLES_STREAM]), so they
# never consume numbers from the stream that generate_leads uses.
_TABLES_STREAM = 20_260_305

# Maturity: time to convert is lognormal (median 25 days, 90% within ~75 days), and the
# outcome of leads younger than _IMMATURE_DAYS at the data end is not recorded yet.
_IMMATURE_DAYS = 60
_TTC_MEDIAN_DAYS = 25.0
_TTC_SIGMA = 0.857  # log(75 / 25) / z_0.9
_TTC_MIN_DAYS = 1.0
_TTC_MAX_DAYS = 365.0

# Planted problems in the lead table.
_LEAK_RATE_CONVERTED = 0.95
_LEAK_RATE_OTHER = 0.003
_PLACEHOLDER_INDUSTRY = "Select"
_PLACEHOLDER_INDUSTRY_RATE = 0.03
_PLACEHOLDER_SENIORITY = "N/A"
_PLACEHOLDER_SENIORITY_RATE = 0.02
_DUPLICATE_RATE = 0.005
_DUPLICATE_MAX_SHIFT_S = 6 * 3600
_REVENUE_MISSING_MICRO = 0.80
_REVENUE_MISSING_SMALL = 0.58
_REVENUE_MISSING_LARGE = 0.45

# Personas that change related-table behaviour (first match wins, in this order).
_P_DEFAULT, _P_EDU, _P_MICRO, _P_LARGE, _P_MICRO_NO_BUDGET = range(5)
_PERSONA_TEXT = np.array(["any", "education", "micro", "any", "micro"], dtype=object)

# Competitive survey: current tool per persona (rows follow the _P_* codes).
_COMPETITOR_P = np.array(
    [
        [0.08, 0.12, 0.28, 0.27, 0.12, 0.13],
        [0.62, 0.12, 0.10, 0.08, 0.03, 0.05],
        [0.30, 0.35, 0.15, 0.10, 0.03, 0.07],
        [0.03, 0.04, 0.15, 0.23, 0.35, 0.20],
        [0.30, 0.35, 0.15, 0.10, 0.03, 0.07],
    ]
)
_COMPETITOR_MISSING = 0.35

# Churn survey of converted customers.
_SURVEY_RESPONSE_RATE = 0.60
_CHURN_RATE = np.array([0.17, 0.50, 0.33, 0.12, 0.33])
_CHURN_CATEGORY_P = np.array(
    [
        [0.20, 0.03, 0.25, 0.25, 0.15, 0.12],
        [0.18, 0.60, 0.10, 0.02, 0.10, 0.00],
        [0.55, 0.02, 0.15, 0.05, 0.13, 0.10],
        [0.12, 0.05, 0.28, 0.33, 0.10, 0.12],
        [0.55, 0.02, 0.15, 0.05, 0.13, 0.10],
    ]
)
_CHURN_PII_SHARE = 0.03

# Deals: every recorded conversion is a won deal; non-converted leads enter the pipeline
# (and lose) more often when they requested a demo.
_LOST_DEAL_P_DEMO = 0.60
_LOST_DEAL_P_NO_DEMO = 0.24
_LOSS_CATEGORY_P = np.array(
    [
        [0.20, 0.12, 0.25, 0.20, 0.13, 0.10],
        [0.06, 0.45, 0.20, 0.22, 0.05, 0.02],
        [0.33, 0.25, 0.12, 0.16, 0.09, 0.05],
        [0.10, 0.05, 0.22, 0.25, 0.15, 0.23],
        [0.18, 0.55, 0.08, 0.11, 0.05, 0.03],
    ]
)
_LOSS_PII_SHARE = 0.005
_SALES_CYCLE_MEDIAN_DAYS = 30.0

_FEATURES = (
    "single sign-on",
    "ERP integration",
    "custom report builder",
    "role-based permissions",
    "offline mode",
    "multi-currency invoicing",
    "audit logs",
)
_TEAM_WORDS = ("two-person", "three-person", "four-person", "five-person", "tiny")
_PREFIXES = ("", "", "", "", "honestly, ", "to be fair, ", "mainly: ", "short version: ")
_SUFFIXES = ("", "", "", ".", ".", "!", ". thanks for asking", " - nothing personal")
_NOTE_PREFIXES = ("", "", "", "", "per call: ", "update: ", "AE note: ")
_NOTE_SUFFIXES = ("", "", "", ".", ".", "; closing it out", "; follow up in 6 months")
_PII_PATTERN = re.compile(r"[\w.]+@example\.(?:com|org)|https?://\S+|\+?\(?\d[\d ()-]{8,}\d")
"""Matches the contact details :func:`generate_demo_tables` plants in free text."""
_PII_NAMES = ("jane.doe", "sam.lee", "a.kowalski", "m.garcia", "k.osei", "l.nguyen")
# Reserved example data only: 555-01xx numbers, Ofcom drama numbers, example.* domains.
_PII_SNIPPETS = (
    (
        "call me at +1 415 555 01{d:02d}",
        "reach me on (415) 555-01{d:02d}",
        "my cell is +44 20 7946 0{d:03d}",
    ),
    ("email me at {name}@example.com", "contact {name}@example.org for details"),
    ("see https://example.com/feedback/{k}", "details at https://feedback.example.org/t/{k}"),
)

# Free-text templates keyed by (category, persona); persona "any" is the fallback. Every
# education template mentions students, a class, a course, a semester or a thesis, and
# most micro-company templates mention price or budget.
_CHURN_TEMPLATES: dict[tuple[str, str], tuple[str, ...]] = {
    ("price", "any"): (
        "too expensive for what we used",
        "price went up at renewal and we could not justify it",
        "the per-seat price did not work once we grew",
        "cost was higher than we could defend internally for our use case",
    ),
    ("price", "micro"): (
        "too expensive for a team our size",
        "we are a {team} team and the monthly fee was over our budget",
        "budget is tight this year, had to cut subscriptions",
        "the price does not fit a small business budget",
    ),
    ("price", "education"): (
        "too expensive for a student budget",
        "our department could not renew it for next semester",
        "the class budget did not cover another year",
    ),
    ("project ended", "any"): (
        "the project we bought it for is finished",
        "we only needed it for a one-off migration",
    ),
    ("project ended", "education"): (
        "we only needed it for a class project",
        "the semester is over and the students no longer need it",
        "used it for my thesis, which is done now",
        "the course ended so the students stopped using it",
        "it was for a research project with students and the funding ended",
    ),
    ("switched tool", "any"): (
        "switched to {competitor} because it integrates with our stack",
        "moved to {competitor}, our parent company standardised on it",
        "switched to {competitor} because it had the reports we needed",
    ),
    ("switched tool", "micro"): (
        "switched to {competitor} because it is cheaper for a small team",
        "moved to {competitor}, a cheaper plan fits our budget",
    ),
    ("switched tool", "education"): (
        "switched to {competitor} because it is free for students",
        "the class moved to {competitor} since students get it for free",
    ),
    ("missing feature", "any"): (
        "missing {feature}",
        "we needed {feature} and it is not on the roadmap",
        "no {feature}, which was a must for our IT team",
    ),
    ("missing feature", "education"): (
        "the class needed {feature} and it was missing",
        "students needed {feature} for the course",
    ),
    ("low usage", "any"): (
        "the team never really adopted it",
        "we did not use it enough to keep paying",
    ),
    ("low usage", "micro"): (
        "it is just me running the business, no time to use it, so not in the budget",
        "too much setup for a business our size to justify the price",
    ),
    ("low usage", "education"): ("students barely logged in after the first weeks of class",),
    ("business change", "any"): (
        "we were acquired and the new owner uses another tool",
        "reorganisation, the team that used it was dissolved",
    ),
    ("business change", "micro"): (
        "we closed the business, no budget left for tools",
        "paused the company for now, cutting every cost",
    ),
    ("business change", "education"): ("the course was cancelled for the semester",),
}
_LOSS_TEMPLATES: dict[tuple[str, str], tuple[str, ...]] = {
    ("price", "any"): (
        "pricing above what they expected",
        "asked for a discount we could not match",
        "price per seat too high for the rollout size",
        "procurement pushed back on the annual price",
    ),
    ("price", "micro"): (
        "list price too high for a small team",
        "wanted a cheaper plan for a {team} team",
    ),
    ("no budget", "any"): (
        "no budget this fiscal year",
        "budget frozen until next year",
        "could not get budget approved",
    ),
    ("no budget", "micro"): (
        "small team with no budget for tools yet",
        "founder paying out of pocket, no budget",
    ),
    ("no budget", "education"): (
        "student project, no purchasing budget",
        "university has no budget line for this",
        "researcher exploring for a course, no budget to buy",
    ),
    ("no decision", "any"): (
        "went quiet after the demo",
        "champion left, nobody picked it up",
        "evaluation stalled, no decision made",
        "no reply after three follow-ups",
    ),
    ("no decision", "education"): ("course coordinator never got back to us",),
    ("chose competitor", "any"): (
        "chose {competitor}",
        "went with {competitor} because of an existing contract",
        "picked {competitor} after a side-by-side trial",
    ),
    ("chose competitor", "micro"): ("chose {competitor}, cheaper for a small team",),
    ("chose competitor", "education"): (
        "went with {competitor}, the free option for students",
        "students already use {competitor} for free",
    ),
    ("timing", "any"): (
        "revisit next quarter",
        "in the middle of a reorganisation",
        "wants to wait until the current contract ends",
    ),
    ("missing feature", "any"): (
        "needs {feature}",
        "blocked by security review: no {feature}",
        "dealbreaker: missing {feature}",
    ),
}


@dataclass(frozen=True)
class PlantedProblem:
    """A data-quality problem built into :func:`generate_demo_tables`, for audits to find.

    ``kind`` is one of ``"immature"``, ``"leakage"``, ``"placeholder"``,
    ``"duplicate_id"``, ``"missing"`` and ``"pii"``; ``column`` and ``table`` (an attribute
    name of :class:`DemoTables`) say where it is. ``rows`` is the number of affected rows of
    that table: rows inside the immature window, rows where the leaky flag is true, rows
    holding the placeholder ``value``, extra rows that repeat an existing ``lead_id``,
    missing cells, or texts carrying contact details.
    """

    kind: str
    column: str
    description: str
    table: str = "leads"
    rows: int = 0
    value: str | None = None


@dataclass
class DemoTables:
    """The demo lead table with related tables and the list of planted problems.

    * ``leads``: :func:`generate_leads` with ``converted_at``, immature (censored)
      outcomes, a leaky column, placeholders, duplicate ids and a mostly missing column.
    * ``events``: engagement log, one row per event (``lead_id``, ``event_type``,
      ``occurred_at``); many rows per lead.
    * ``churn_survey``: one row per responding converted customer (``lead_id``,
      ``churned``, ``churn_reason``, ``churn_category``).
    * ``deals``: one row per deal (``deal_id``, ``lead_id``, ``stage``, ``closed_at``,
      ``amount``, ``loss_reason``, ``loss_category``, ``competitor``).
    * ``planted_problems``: what an audit of these tables must find.
    """

    leads: pd.DataFrame
    events: pd.DataFrame
    churn_survey: pd.DataFrame
    deals: pd.DataFrame
    planted_problems: list[PlantedProblem]


def _personas(base: pd.DataFrame) -> np.ndarray:
    """Persona code per lead (``_P_*``): education email, micro company (split by whether
    the budget is "none"), large company (1,000+ employees), or default."""
    size = base["company_size"].to_numpy()
    edu = (base["email_domain_type"] == "education").to_numpy()
    no_budget = (base["budget_band"] == "none").fillna(False).to_numpy(dtype=bool)
    persona = np.full(len(base), _P_DEFAULT)
    persona = np.where(size >= 1_000, _P_LARGE, persona)
    persona = np.where(size < 10, np.where(no_budget, _P_MICRO_NO_BUDGET, _P_MICRO), persona)
    return np.where(edu, _P_EDU, persona)


def _days(values: np.ndarray) -> np.ndarray:
    """Float days to ``timedelta64[ns]`` (whole seconds)."""
    return (np.floor(values * 86_400.0).astype(np.int64) * 1_000_000_000).astype("timedelta64[ns]")


def _compose(
    rng: np.random.Generator,
    categories: np.ndarray,
    personas: np.ndarray,
    templates: dict[tuple[str, str], tuple[str, ...]],
    competitors: np.ndarray,
    pii_share: float,
    prefixes: tuple[str, ...] = _PREFIXES,
    suffixes: tuple[str, ...] = _SUFFIXES,
) -> np.ndarray:
    """Free-text answers from templates, with light variety and a few contact details.

    The template pool is the persona's own when it has one for the category, else the
    ``"any"`` pool. Slots ``{competitor}``, ``{feature}`` and ``{team}`` are filled per row;
    a random prefix, suffix and capitalisation vary the wording. About ``pii_share`` of the
    answers (at least three when there are three, one of each kind) end with a phone number,
    an email address or a URL, all from reserved example ranges. All random numbers are
    drawn up front, so the loop over answers is deterministic string formatting only.
    """
    m = len(categories)
    u_template, u_feature, u_team = rng.random(m), rng.random(m), rng.random(m)
    u_prefix, u_suffix, u_cap = rng.random(m), rng.random(m), rng.random(m)
    n_pii = min(m, max(3, int(round(pii_share * m))))
    pii_rows = np.sort(rng.choice(m, size=n_pii, replace=False)) if m else np.array([], int)
    u_snippet, pii_num = rng.random(n_pii), rng.integers(0, 100, size=n_pii)
    pii_kind = np.full(m, -1)
    pii_kind[pii_rows] = np.arange(n_pii) % len(_PII_SNIPPETS)
    pii_pos = np.zeros(m, dtype=np.int64)
    pii_pos[pii_rows] = np.arange(n_pii)

    out = np.empty(m, dtype=object)
    for i in range(m):
        pool = templates.get((categories[i], personas[i])) or templates[(categories[i], "any")]
        text = pool[int(u_template[i] * len(pool))].format(
            competitor=competitors[i],
            feature=_FEATURES[int(u_feature[i] * len(_FEATURES))],
            team=_TEAM_WORDS[int(u_team[i] * len(_TEAM_WORDS))],
        )
        text = prefixes[int(u_prefix[i] * len(prefixes))] + text
        text = text + suffixes[int(u_suffix[i] * len(suffixes))]
        if u_cap[i] < 0.5:
            text = text[0].upper() + text[1:]
        if pii_kind[i] >= 0:
            j = pii_pos[i]
            options = _PII_SNIPPETS[pii_kind[i]]
            snippet = options[int(u_snippet[j] * len(options))].format(
                d=int(pii_num[j]),
                name=_PII_NAMES[int(pii_num[j]) % len(_PII_NAMES)],
                k=1000 + int(pii_num[j]) * 37,
            )
            text = f"{text.rstrip('.!')}. {snippet}"
        out[i] = text
    return out


def _events_table(
    rng: np.random.Generator,
    base: pd.DataFrame,
    end: np.datetime64,
    would_convert: np.ndarray,
    would_convert_at: np.ndarray,
) -> pd.DataFrame:
    """Engagement event log, fully vectorized (one ``np.repeat`` over per-lead counts).

    Counts per lead: ``page_view`` = ``pages_viewed`` (Poisson(7) where that is missing);
    ``content_download`` = ``content_downloads``, at least 1 for content-download leads
    (the gated download that created the lead, logged at ``created_at``); ``webinar_attended``
    = Poisson(0.12), plus 1 for webinar leads; ``email_open`` = Poisson(1.5 + 0.35 pages);
    ``email_click`` = Binomial(opens, 0.18, or 0.30 for leads that convert);
    ``pricing_page_view`` = Poisson(0.2 + 0.3 demo + 0.6 converts); ``demo_request`` = 1 for
    leads with ``demo_requested`` (2 for a quarter of those that convert), else 0, so
    content-download leads without a demo request have no ``demo_request`` event. Times
    follow a truncated exponential (scale 21 days) after ``created_at``, up to the data
    end; pricing views and demo requests of leads that convert happen before conversion.
    """
    n = len(base)
    created = base["created_at"].to_numpy().astype("datetime64[ns]")
    pages = base["pages_viewed"]
    pages_missing = pages.isna().to_numpy()
    pages_filled = np.where(
        pages_missing, rng.poisson(7.0, n), pages.fillna(0).to_numpy(dtype=np.int64)
    )
    source = base["lead_source"].to_numpy(dtype=object)
    is_content = source == "content download"
    demo = base["demo_requested"].to_numpy(dtype=bool)

    counts = np.empty((n, len(EVENT_TYPES)), dtype=np.int64)
    counts[:, 0] = pages_filled
    counts[:, 1] = np.maximum(base["content_downloads"].to_numpy(), is_content)
    counts[:, 2] = rng.poisson(0.12, n) + (source == "webinar")
    opens = rng.poisson(1.5 + 0.35 * pages_filled)
    counts[:, 3] = opens
    counts[:, 4] = rng.binomial(opens, np.where(would_convert, 0.30, 0.18))
    counts[:, 5] = rng.poisson(0.2 + 0.3 * demo + 0.6 * would_convert)
    counts[:, 6] = demo * (1 + (would_convert & (rng.random(n) < 0.25)))

    flat = counts.ravel()
    lead_idx = np.repeat(np.repeat(np.arange(n), len(EVENT_TYPES)), flat)
    type_idx = np.repeat(np.tile(np.arange(len(EVENT_TYPES)), n), flat)

    created_ns = created.view(np.int64)
    end_ns = np.int64(end.astype("datetime64[ns]").view(np.int64))
    converts_at = np.where(would_convert, would_convert_at.view(np.int64), end_ns)
    before_conversion = (type_idx >= 5) & would_convert[lead_idx]
    event_bound = np.where(before_conversion, np.minimum(converts_at, end_ns)[lead_idx], end_ns)
    span_days = (event_bound - created_ns[lead_idx]) / 86_400e9
    scale = 21.0
    u = rng.random(len(lead_idx))
    offset_days = -scale * np.log1p(-u * (1.0 - np.exp(-span_days / scale)))
    # The gated download that created a content-download lead happens at created_at.
    block_start = np.cumsum(flat) - flat
    form_fill = block_start.reshape(n, len(EVENT_TYPES))[is_content, 1]
    offset_days[form_fill] = 0.0
    occurred = created[lead_idx] + _days(offset_days)

    order = np.lexsort((type_idx, lead_idx, occurred.view(np.int64)))
    lead_ids = base["lead_id"].to_numpy(dtype=object)
    return pd.DataFrame(
        {
            "lead_id": _text(lead_ids[lead_idx[order]]),
            "event_type": _text(np.array(EVENT_TYPES, dtype=object)[type_idx[order]]),
            "occurred_at": occurred[order],
        }
    )


def _churn_table(
    rng: np.random.Generator, base: pd.DataFrame, persona: np.ndarray, converted: np.ndarray
) -> pd.DataFrame:
    """Churn survey: ~60% of converted customers answer; churn depends on the persona
    (education 50%, micro companies 33%, large companies 12%, others 17%; ~20% overall).
    Churners get a category and a templated free-text reason (see :func:`_compose`);
    customers who stayed have both missing."""
    conv_idx = np.flatnonzero(converted)
    responded = conv_idx[rng.random(len(conv_idx)) < _SURVEY_RESPONSE_RATE]
    p = persona[responded]
    churned = rng.random(len(responded)) < _CHURN_RATE[p]
    category_idx = _sample_rows(rng, _CHURN_CATEGORY_P[p])
    competitor_idx = _sample_rows(rng, _COMPETITOR_P[p])

    c = np.flatnonzero(churned)
    texts = _compose(
        rng,
        _CHURN_CATEGORIES[category_idx[c]],
        _PERSONA_TEXT[p[c]],
        _CHURN_TEMPLATES,
        np.array(COMPETITORS, dtype=object)[competitor_idx[c]],
        _CHURN_PII_SHARE,
    )
    reason = np.full(len(responded), None, dtype=object)
    reason[c] = texts
    category = np.where(churned, _CHURN_CATEGORIES[category_idx], None)
    return pd.DataFrame(
        {
            "lead_id": _text(base["lead_id"].to_numpy(dtype=object)[responded]),
            "churned": churned,
            "churn_reason": _text(reason),
            "churn_category": _text(category),
        }
    )


def _deals_table(
    rng: np.random.Generator,
    base: pd.DataFrame,
    persona: np.ndarray,
    converted: np.ndarray,
    converted_at: np.ndarray,
    pending: np.ndarray,
    end: np.datetime64,
) -> pd.DataFrame:
    """Won and lost deals, about 40% of leads.

    Every recorded conversion has a won deal (``closed_at`` = ``converted_at``, ``amount``
    = ``deal_value``). Non-converted leads lose a deal with probability 0.60 after a demo
    request and 0.24 otherwise; leads whose conversion is still pending (immature) have no
    deal yet. Lost deals carry a persona-dependent ``loss_category`` and templated
    ``loss_reason``. ``competitor`` is the current tool named in the competitive survey
    (persona-dependent, missing for ~35%), and always the chosen tool when the loss
    category is "chose competitor".
    """
    n = len(base)
    demo = base["demo_requested"].to_numpy(dtype=bool)
    lost = (
        ~converted
        & ~pending
        & (rng.random(n) < np.where(demo, _LOST_DEAL_P_DEMO, _LOST_DEAL_P_NO_DEMO))
    )
    idx = np.flatnonzero(converted | lost)
    won = converted[idx]
    p = persona[idx]
    created = base["created_at"].to_numpy().astype("datetime64[ns]")[idx]

    cycle = rng.lognormal(np.log(_SALES_CYCLE_MEDIAN_DAYS), 0.8, size=len(idx))
    lost_at = np.minimum(created + _days(np.clip(cycle, 1.0, _TTC_MAX_DAYS)), end)
    closed_at = np.where(won, converted_at[idx], lost_at)

    competitor_idx = _sample_rows(rng, _COMPETITOR_P[p])
    loss_idx = _sample_rows(rng, _LOSS_CATEGORY_P[p])
    named = rng.random(len(idx)) >= _COMPETITOR_MISSING
    named |= ~won & (loss_idx == _CHOSE_COMPETITOR)
    competitor = np.where(named, np.array(COMPETITORS, dtype=object)[competitor_idx], None)

    l_rows = np.flatnonzero(~won)
    texts = _compose(
        rng,
        _LOSS_CATEGORIES[loss_idx[l_rows]],
        _PERSONA_TEXT[p[l_rows]],
        _LOSS_TEMPLATES,
        competitor[l_rows],
        _LOSS_PII_SHARE,
        _NOTE_PREFIXES,
        _NOTE_SUFFIXES,
    )
    loss_reason = np.full(len(idx), None, dtype=object)
    loss_reason[l_rows] = texts
    loss_category = np.where(won, None, _LOSS_CATEGORIES[loss_idx])
    amount = np.where(won, base["deal_value"].to_numpy()[idx], np.nan)

    order = np.argsort(closed_at, kind="stable")
    deal_id = "D" + pd.Series(np.arange(1, len(idx) + 1)).astype(str).str.zfill(7)
    return pd.DataFrame(
        {
            "deal_id": _text(deal_id.to_numpy(dtype=object)),
            "lead_id": _text(base["lead_id"].to_numpy(dtype=object)[idx][order]),
            "stage": _text(np.where(won, "won", "lost").astype(object)[order]),
            "closed_at": closed_at[order],
            "amount": amount[order].astype(np.float64),
            "loss_reason": _text(loss_reason[order]),
            "loss_category": _text(loss_category[order]),
            "competitor": _text(competitor[order]),
        }
    )


def generate_demo_tables(n: int = 50_000, seed: int = 7) -> DemoTables:
    """Generate the demo lead table with related tables and planted data-quality problems.

    Starts from ``generate_leads(n, seed)`` (unchanged; it is the "true" behaviour) and
    draws everything else from separate streams of ``SeedSequence([seed, ...])``, so the
    result is fully determined by ``(n, seed)``. What changes in ``leads``:

    * ``converted_at``: ``created_at`` plus a lognormal time to convert (median 25 days,
      90% within ~75 days, clipped to 1-365 days) for converted leads, NaT otherwise.
    * **immature** outcomes: the data end is the latest ``created_at``. Leads created in the
      last 60 days before it, and leads whose conversion would fall after it, are not
      converted *yet*: ``converted`` False, ``converted_at`` NaT, ``deal_value`` missing,
      and no deal. Inside the 60-day window there are no recorded conversions at all.
    * **leakage**: ``onboarding_call_booked`` is true for ~95% of converted and ~0.3% of
      other leads; it is recorded after the outcome.
    * **placeholders**: ``industry`` = "Select" for ~3% and ``role_seniority`` = "N/A" for
      ~2% of rows (form defaults saved as answers).
    * **duplicate ids**: ~0.5% of leads appear twice with the same ``lead_id`` (a re-import:
      ``created_at`` up to 6 hours later, ``pages_viewed`` up by 0-2, and for ~40% of them
      ``company_size`` re-typed within ±10%); outcome columns are identical.
    * **missing**: ``annual_revenue_usd`` (company size × ~120k, rounded to thousands) is
      missing for ~60% of rows, more often for micro companies (80%) than for companies
      with 200+ employees (45%).

    ``leads`` stays sorted by ``created_at`` (duplicates follow their original). The related
    tables are built from the unique leads: see :func:`_events_table` (~15 events per
    lead), :func:`_churn_table` and :func:`_deals_table`. Every ``lead_id`` in them exists
    in ``leads``; ``churn_survey.lead_id`` and ``deals.deal_id``/``deals.lead_id`` are
    unique. Free texts contain a few phone numbers, emails and URLs (reserved example
    values) for redaction tests; they are listed as ``pii`` problems too.
    """
    base = generate_leads(n, seed)
    rng_leads, rng_events, rng_survey, rng_deals = (
        np.random.default_rng(s) for s in np.random.SeedSequence([seed, _TABLES_STREAM]).spawn(4)
    )

    created = base["created_at"].to_numpy().astype("datetime64[ns]")
    end = created.max()
    cutoff = end - np.timedelta64(_IMMATURE_DAYS, "D")
    would_convert = base["converted"].to_numpy(dtype=bool)

    ttc = np.clip(
        rng_leads.lognormal(np.log(_TTC_MEDIAN_DAYS), _TTC_SIGMA, size=n),
        _TTC_MIN_DAYS,
        _TTC_MAX_DAYS,
    )
    would_convert_at = created + _days(ttc)
    pending = would_convert & ((created > cutoff) | (would_convert_at > end))
    converted = would_convert & ~pending
    converted_at = np.where(converted, would_convert_at, np.datetime64("NaT", "ns"))

    u_leak = rng_leads.random(n)
    onboarding = np.where(converted, u_leak < _LEAK_RATE_CONVERTED, u_leak < _LEAK_RATE_OTHER)

    size = base["company_size"].to_numpy()
    revenue = np.round(size * 120_000.0 * rng_leads.lognormal(0.0, 0.5, size=n), -3)
    revenue_missing_p = np.where(
        size < 10,
        _REVENUE_MISSING_MICRO,
        np.where(size >= 200, _REVENUE_MISSING_LARGE, _REVENUE_MISSING_SMALL),
    )
    revenue = np.where(rng_leads.random(n) < revenue_missing_p, np.nan, revenue)

    industry = base["industry"].to_numpy(dtype=object).copy()
    industry[rng_leads.random(n) < _PLACEHOLDER_INDUSTRY_RATE] = _PLACEHOLDER_INDUSTRY
    seniority = base["role_seniority"].to_numpy(dtype=object).copy()
    seniority[rng_leads.random(n) < _PLACEHOLDER_SENIORITY_RATE] = _PLACEHOLDER_SENIORITY

    leads = base.copy()
    leads["industry"] = _text(industry)
    leads["role_seniority"] = _text(seniority)
    leads["converted"] = converted
    leads["deal_value"] = np.where(converted, base["deal_value"].to_numpy(), np.nan)
    leads.insert(leads.columns.get_loc("converted"), "annual_revenue_usd", revenue)
    leads.insert(leads.columns.get_loc("converted") + 1, "converted_at", converted_at)
    leads["onboarding_call_booked"] = onboarding

    # Duplicate ids: re-imported copies with slightly different fields.
    n_dup = int(round(_DUPLICATE_RATE * n))
    dup_idx = np.sort(rng_leads.choice(n, size=n_dup, replace=False))
    dups = leads.iloc[dup_idx].copy()
    shift = rng_leads.integers(60, _DUPLICATE_MAX_SHIFT_S, size=n_dup).astype("timedelta64[s]")
    orig_at = created[dup_idx]
    limit = np.where(orig_at <= cutoff, cutoff, end)  # never move a row into the window
    dups["created_at"] = np.maximum(np.minimum(orig_at + shift, limit), orig_at)
    dups["pages_viewed"] = dups["pages_viewed"] + rng_leads.integers(0, 3, size=n_dup)
    retype = rng_leads.random(n_dup) < 0.4
    factor = 1.0 + rng_leads.uniform(-0.1, 0.1, size=n_dup)
    new_size = np.maximum(1, np.round(dups["company_size"].to_numpy() * factor)).astype(np.int64)
    dups["company_size"] = np.where(retype, new_size, dups["company_size"].to_numpy())
    position = np.concatenate([np.arange(n), dup_idx]).astype(np.float64)
    position[n:] += 0.5
    leads = pd.concat([leads, dups], ignore_index=True)
    order = np.lexsort((position, leads["created_at"].to_numpy().view(np.int64)))
    leads = leads.iloc[order].reset_index(drop=True)

    persona = _personas(base)
    events = _events_table(rng_events, base, end, would_convert, would_convert_at)
    churn_survey = _churn_table(rng_survey, base, persona, converted)
    deals = _deals_table(rng_deals, base, persona, converted, converted_at, pending, end)

    immature_rows = int((leads["created_at"] > cutoff).sum())
    hidden = int((would_convert & pending).sum())
    cutoff_text = pd.Timestamp(cutoff).strftime("%Y-%m-%d %H:%M")
    planted = [
        PlantedProblem(
            kind="immature",
            column="converted",
            description=(
                f"Leads created in the {_IMMATURE_DAYS} days before the data end (after "
                f"{cutoff_text}) have had no time to convert: their outcome is not recorded "
                f"yet (converted False, converted_at missing, no deal). {hidden} conversions "
                "that will happen are missing, here and for older leads whose conversion "
                "falls after the data end. 90% of conversions take up to ~75 days, so a "
                "zero rate in recent rows reflects maturity, not fit."
            ),
            rows=immature_rows,
        ),
        PlantedProblem(
            kind="leakage",
            column="onboarding_call_booked",
            description=(
                "The onboarding call is booked after a lead converts, so the flag is true "
                "for ~95% of converted leads and ~0.3% of the others; it is a consequence "
                "of the outcome, not a predictor, and must be excluded."
            ),
            rows=int(leads["onboarding_call_booked"].sum()),
        ),
        PlantedProblem(
            kind="placeholder",
            column="industry",
            description=(
                "About 3% of industry values are 'Select', the form's default option saved "
                "as an answer; they mean the industry is unknown."
            ),
            rows=int((leads["industry"] == _PLACEHOLDER_INDUSTRY).sum()),
            value=_PLACEHOLDER_INDUSTRY,
        ),
        PlantedProblem(
            kind="placeholder",
            column="role_seniority",
            description=(
                "About 2% of role_seniority values are 'N/A', a placeholder that means the "
                "seniority is unknown."
            ),
            rows=int((leads["role_seniority"] == _PLACEHOLDER_SENIORITY).sum()),
            value=_PLACEHOLDER_SENIORITY,
        ),
        PlantedProblem(
            kind="duplicate_id",
            column="lead_id",
            description=(
                "About 0.5% of leads were imported twice: the same lead_id appears on two "
                "rows with slightly different created_at, pages_viewed and company_size and "
                "the same outcome; each such lead would be counted twice."
            ),
            rows=int(leads["lead_id"].duplicated().sum()),
        ),
        PlantedProblem(
            kind="missing",
            column="annual_revenue_usd",
            description=(
                "annual_revenue_usd is missing for about 60% of rows, more often for micro "
                "companies (80%) than for companies with 200+ employees (45%), so its "
                "missingness itself carries information about company size."
            ),
            rows=int(leads["annual_revenue_usd"].isna().sum()),
        ),
        PlantedProblem(
            kind="pii",
            column="churn_reason",
            description=(
                "A few churn-survey answers contain a phone number, an email address or a "
                "URL (reserved example values); free text must be redacted before display."
            ),
            table="churn_survey",
            rows=int(churn_survey["churn_reason"].str.contains(_PII_PATTERN, na=False).sum()),
        ),
        PlantedProblem(
            kind="pii",
            column="loss_reason",
            description=(
                "A few loss reasons in the deal notes contain a phone number, an email "
                "address or a URL (reserved example values); redact before display."
            ),
            table="deals",
            rows=int(deals["loss_reason"].str.contains(_PII_PATTERN, na=False).sum()),
        ),
    ]
    return DemoTables(
        leads=leads,
        events=events,
        churn_survey=churn_survey,
        deals=deals,
        planted_problems=planted,
    )
