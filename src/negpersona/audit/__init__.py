"""Audit the data before building personas, and refuse to build them on bad data.

Every check is an engine query that returns a small result (per-column counts, per-value counts
with positives, a few grouped counts); nothing loops over records in Python. Each problem becomes
a :class:`Finding` with a severity, a message naming the column and value, and a suggestion
(often an ``exclude: [column]`` line for ``negpersona.yaml``). Findings of severity ``error``
mean personas built on this data would mislead; the caller should stop.

Rules and thresholds (all rates are over the records given, i.e. those with a known outcome):

``missing``
    Share of nulls per column: ``warning`` above 20 %, ``info`` above 0.
``placeholder``
    String columns (not free text): values that, trimmed and lower-cased, equal a non-numeric
    entry of ``settings.placeholders`` ("unknown", "n/a", "", ...), with counts per value.
    ``warning`` when nulls plus placeholders exceed 20 % of the column, else ``info``. Numeric
    entries (``999``, ``9999``, ``99999``, ``-1``) are *sentinels* checked on numeric columns
    only, and only when they look like a code rather than a measurement: the value holds at
    least 1 % of the known values and sits alone at the edge of the distribution (a negative
    sentinel is the only negative value; a positive one is the maximum and the next value below
    it is at most half of it). Sentinels are always ``info``: they often carry meaning (the bank
    data's ``pdays = -1`` is "never contacted before"), and the binning already keeps such a mass
    at the minimum apart.
``constant``
    One distinct value and no nulls: ``info`` (the column cannot form a condition).
``duplicate_id``
    ``error`` when the id column holds a value more than once (count of extra records, number of
    repeated ids and the most repeated id as an example).
``duplicate_row``
    ``warning`` when records are identical in every column (count of extra copies).
``leakage``
    (a) ``rule: auc`` — how well the column alone ranks converters above non-converters. Numeric
    columns: the Mann–Whitney AUC from per-value counts of positives and negatives (values are
    grouped exactly; above 10,000 distinct values they are first rounded to 3 significant digits,
    an order-preserving grouping), taken as ``max(AUC, 1 - AUC)``; the column's missingness is
    scored as a second binary predictor. Categorical and boolean columns: categories (null is
    one) ordered by their rate, with categories under 30 records pooled first so tiny groups
    cannot fake a separation. Date columns: missingness only. ``error`` at AUC ≥ 0.97,
    ``warning`` at AUC ≥ ``settings.leakage_auc`` (0.9), and ``warning`` already at AUC ≥
    ``settings.leakage_name_auc`` (0.75) when the column's name suggests a measurement taken
    after the outcome (tokens such as ``duration``, ``length``, ``last``, ``close``, ``final``,
    ``result``, ``signed``, ``paid``, ...; see :data:`POST_OUTCOME_TOKENS`). Strong but ordinary
    predictors stay below both thresholds (bank data: ``month`` 0.65, ``poutcome`` 0.61), while the
    bank's ``duration`` (call length, AUC 0.81) is caught by the name rule.
    (b) ``rule: pure_value`` — one value (null included) covering ≥ 2 % of the records with a
    rate ≥ 98 % while the baseline is below 90 % (non-conversion more than 5× apart), or a rate
    ≤ 0.5 % while the baseline is above 2.5 % (more than 5× apart). ``warning``, or ``error``
    when the value is a perfect separator: a rate of exactly 100 % (or 0 %) and it holds at least
    half of all converters (or of all non-converters). A small group that never converts is a
    real negative persona, hence only a warning.
    (c) ``rule: after_outcome`` — with ``settings.outcome_time``: a date column later than the
    outcome time for more than half of the converters where both are known (at least 10):
    ``warning`` (the column is recorded after the outcome).
``immature``
    With ``time_column`` (created) and ``settings.outcome_time``: Kaplan–Meier (statsmodels
    ``SurvfuncRight``, frequency-weighted) of the days from creation to conversion; events are
    converters with a known outcome time (days rounded up), every other record is censored at
    ``now`` (whole days observed, rounded down). The maturity window ``W`` is the first event time
    at which the KM conversion share ``1 - S(t)`` reaches ``maturity_quantile`` of its value at the
    last event time (the eventual conversions the curve sees). Records created less than ``W``
    days before ``now`` are immature — converted or not, because dropping only the unconverted
    ones would inflate the rate: ``warning`` with their count, and :attr:`AuditReport.immature`
    selects them. Outcome times before creation give a ``time_order`` ``warning``.
``stale``
    With ``settings.updated``: share of records (with a known update time) not updated within
    ``stale_days`` of ``now``: ``warning`` above 50 %, ``info`` above 0.
``calendar``
    Columns that encode calendar position (month or weekday names, day of month, week, quarter,
    hour, year, dates stored as numbers; see :func:`negpersona.data.time_proxy.calendar_reason`):
    ``warning``, because a persona on them describes when records were seen, not who they are
    (on the bank data, personas on ``month`` and ``day`` ran at 1.3–1.5× the baseline on later
    records). Discovery keeps them out of conditions unless ``allow_columns`` lists them; an
    allowed one is ``info``. Judged from the profile and from the per-value counts the leakage
    check already fetched (one more aggregate query only when that check did not run). Role
    columns (id, time, outcome time, updated), id-like and free-text columns are not judged.
``sample_size``
    The smallest segment whose rate at ``max_rate_ratio × baseline`` a one-sided test at
    ``alpha`` tells from the baseline with ``settings.power`` (statsmodels ``NormalIndPower``,
    one-sample, Cohen's h from ``proportion_effectsize``); divided by ``confirm_fraction`` when
    given (only that share of a segment is tested). ``error`` when that is more than half of the
    records (no useful segment can be confirmed), else ``info``.
``class_balance``
    ``info`` with the baseline rate and its Wilson interval; ``warning`` with fewer than 30
    positives (or non-positives) or a rate below 0.5 % or above 99.5 %; ``error`` with none.

``now`` is ``settings.now`` or the latest timestamp in the time columns (created, outcome time,
updated), so audits are reproducible. Free-text columns (``text_columns`` or profile kind
``text``) are only checked for missing values; id-like columns are not checked for leakage.
Columns the label is computed from, columns in ``exclude`` and internal ``__`` columns are not
audited at all: pass the outcome expression's columns in ``exclude`` (they cannot be read from an
SQL-expression label).

Layout: ``context.py`` (what every check reads and writes), ``registry.py`` (the checks in run
order), one module per check (``balance``, ``size``, ``missing``, ``placeholders``,
``sentinels``, ``duplicates``, ``leakage``, ``calendar``, ``times``), ``findings.py`` (the
report) and ``run.py`` (:func:`audit_table`).
"""

from negpersona.audit.common import maturity_window
from negpersona.audit.context import AuditContext
from negpersona.audit.findings import AuditReport, Finding
from negpersona.audit.registry import Check, register, registered
from negpersona.audit.run import CHECKS, audit_table, run_checks

__all__ = [
    "CHECKS",
    "AuditContext",
    "AuditReport",
    "Check",
    "Finding",
    "audit_table",
    "maturity_window",
    "register",
    "registered",
    "run_checks",
]
