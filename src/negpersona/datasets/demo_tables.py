"""The demo lead table with related tables and planted data-quality problems.

:func:`generate_demo_tables` builds on :func:`generate_leads` (whose output it never changes)
and returns a :class:`DemoTables` bundle: the lead table with planted data-quality problems
and a ``converted_at`` column, an engagement event log (one-to-many), a churn survey of
converted customers and a won/lost deal table with competitor answers. The problems an audit
must find are listed in :attr:`DemoTables.planted_problems` (see :class:`PlantedProblem`).
The extra tables are drawn from their own random streams derived from ``seed``, so the
lead table of :func:`generate_leads` and each related table stay reproducible on their own.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from negpersona.datasets.churn_survey import _churn_table
from negpersona.datasets.common import (
    _IMMATURE_DAYS,
    _TTC_MAX_DAYS,
    _TTC_MEDIAN_DAYS,
    _TTC_MIN_DAYS,
    _TTC_SIGMA,
    _days,
    _text,
)
from negpersona.datasets.deals import _deals_table
from negpersona.datasets.events import _events_table
from negpersona.datasets.leads import generate_leads
from negpersona.datasets.personas import _personas
from negpersona.datasets.texts import _PII_PATTERN

# Mixing constant: the extra tables draw from SeedSequence([seed, _TABLES_STREAM]), so they
# never consume numbers from the stream that generate_leads uses.
_TABLES_STREAM = 20_260_305


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
