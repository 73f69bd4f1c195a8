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
"""

from __future__ import annotations

import calendar
import math
from dataclasses import asdict, dataclass, field, replace
from datetime import UTC, date, datetime, time
from pathlib import Path
from typing import Any, Literal

import ibis
import numpy as np
from ibis.expr import operations as ops
from ibis.expr.types import BooleanValue, Table

from negpersona.config.audit import AuditSettings
from negpersona.data.profile import ColumnProfile, name_tokens, profile_table
from negpersona.data.time_proxy import calendar_reason
from negpersona.model.atomic import write_json
from negpersona.stats import rate_interval

Severity = Literal["error", "warning", "info"]
SEVERITY_ORDER = {"error": 0, "warning": 1, "info": 2}

POST_OUTCOME_TOKENS = {
    "duration", "length", "last", "close", "closed", "closing", "final", "result", "results",
    "after", "signed", "paid", "payment", "invoice", "invoiced", "won", "lost",
    "converted", "conversion", "churned", "cancelled", "canceled",
}  # fmt: skip

MISSING_WARNING = 0.2
PLACEHOLDER_WARNING = 0.2
SENTINEL_MIN_SHARE = 0.01
LEAKAGE_ERROR_AUC = 0.97
RARE_CATEGORY = 30
MAX_EXACT_VALUES = 10_000
MAX_CATEGORIES = 100_000
CALENDAR_TOP_VALUES = 20  # values per column shown to the calendar check
PURE_SHARE = 0.02
PURE_HIGH = 0.98
PURE_LOW = 0.005
PURE_DISTANCE = 5.0
AFTER_OUTCOME_SHARE = 0.5
AFTER_OUTCOME_MIN = 10
MIN_POSITIVES = 30
EXTREME_RATE = 0.005
STALE_WARNING = 0.5
DAY = 86_400.0
Y = "__negpersona_audit_y"


@dataclass
class Finding:
    """One problem (or fact) found in the data."""

    severity: Severity
    kind: str
    column: str | None
    message: str
    suggestion: str
    details: dict[str, Any] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        return _plain(asdict(self))


@dataclass
class AuditReport:
    """Findings, a summary of the data, and the immature records as an Ibis expression."""

    findings: list[Finding]
    summary: dict[str, Any]
    immature: BooleanValue | None = None

    def errors(self) -> list[Finding]:
        return [f for f in self.findings if f.severity == "error"]

    def warnings(self) -> list[Finding]:
        return [f for f in self.findings if f.severity == "warning"]

    def by_kind(self, kind: str) -> list[Finding]:
        return [f for f in self.findings if f.kind == kind]

    def to_dict(self) -> dict[str, Any]:
        return {
            "findings": [f.to_dict() for f in self.findings],
            "summary": _plain(self.summary),
        }

    def write(self, path: str | Path) -> None:
        write_json(path, self.to_dict())


def _value_rows(parts: list[Table]) -> list[dict[str, Any]]:
    """Records and fits per (column, value), for many columns in one query over their union."""
    return (
        ibis.union(*parts, distinct=False)
        .group_by(["column", "value"])
        .aggregate(n=ibis._.count(), pos=ibis._.y.sum())
        .to_pyarrow()
        .to_pylist()
    )


def audit_table(
    table: Table,
    label: BooleanValue,
    *,
    id_column: str | None = None,
    time_column: str | None = None,
    exclude: tuple[str, ...] | list[str] = (),
    settings: AuditSettings | None = None,
    profiles: dict[str, ColumnProfile] | None = None,
    max_rate_ratio: float = 0.5,
    min_support: float = 0.01,
    alpha: float = 0.05,
    text_columns: tuple[str, ...] | list[str] = (),
    confirm_fraction: float | None = None,
    allow_columns: tuple[str, ...] | list[str] = (),
) -> AuditReport:
    """Audit ``table`` (records with a known outcome) against the fit ``label``.

    ``label`` is a boolean expression on ``table`` (``resolve_outcome(...).label`` with
    ``resolve_outcome(...).table``). See the module docstring for every rule and threshold.
    """
    return _Audit(
        table,
        label,
        id_column=id_column,
        time_column=time_column,
        exclude=set(exclude),
        settings=settings or AuditSettings(),
        profiles=profiles,
        max_rate_ratio=max_rate_ratio,
        min_support=min_support,
        alpha=alpha,
        text_columns=set(text_columns),
        confirm_fraction=confirm_fraction,
        allow_columns=set(allow_columns),
    ).run()


class _Audit:
    def __init__(self, table: Table, label: BooleanValue, **options: Any) -> None:
        self.source = table
        self.settings: AuditSettings = options["settings"]
        self.options = options
        self.id_column: str | None = options["id_column"]
        self.time_column: str | None = options["time_column"]
        self.findings: list[Finding] = []
        self.summary: dict[str, Any] = {}
        self.immature: BooleanValue | None = None
        self.values: dict[str, list[tuple[Any, int, int]]] = {}
        self.schema = table.schema()
        for name in [
            self.id_column,
            self.time_column,
            self.settings.outcome_time,
            self.settings.updated,
        ]:
            if name and name not in self.schema:
                from negpersona.data.outcome import unknown_column

                raise unknown_column(name, table, "audit")
        self.label_columns = _label_columns(label)
        skipped = options["exclude"] | self.label_columns
        self.columns = [
            name for name in table.columns if name not in skipped and not name.startswith("__")
        ]
        self.t = table.mutate(**{Y: label.fill_null(False).cast("int64")})
        self.y = self.t[Y]

    # ------------------------------------------------------------------ helpers
    def add(
        self,
        severity: Severity,
        kind: str,
        column: str | None,
        message: str,
        suggestion: str,
        **details: Any,
    ) -> None:
        self.findings.append(Finding(severity, kind, column, message, suggestion, details))

    def run(self) -> AuditReport:
        self._base()
        self._class_balance()
        self._sample_size()
        self._missing_and_constant()
        self._placeholders()
        self._sentinels()
        self._duplicates()
        self._leakage()
        self._calendar()
        self._times()
        self.findings.sort(key=lambda f: (SEVERITY_ORDER[f.severity], f.kind, f.column or ""))
        self.summary["findings"] = {
            level: sum(f.severity == level for f in self.findings) for level in SEVERITY_ORDER
        }
        return AuditReport(self.findings, self.summary, self.immature)

    # ------------------------------------------------------------------ base counts
    def _base(self) -> None:
        profiles = self.options["profiles"]
        if profiles is None:
            profiles = profile_table(self.source, columns=self.columns, bins=2, max_categories=1)
        self.profiles = profiles
        self.kinds = {
            name: (profiles[name].kind if name in profiles else _kind_of(self.schema[name]))
            for name in self.columns
        }
        self.text = {
            name
            for name in self.columns
            if name in self.options["text_columns"] or self.kinds[name] == "text"
        }
        self.roles = {
            name: role
            for name, role in [
                (self.id_column, "id"),
                (self.time_column, "time"),
                (self.settings.outcome_time, "outcome_time"),
                (self.settings.updated, "updated"),
            ]
            if name
        }
        self.numeric_sentinels, self.string_placeholders = _split_placeholders(
            self.settings.placeholders
        )
        t, y = self.t, self.y
        metrics: dict[str, Any] = {"n": t.count(), "pos": y.sum()}
        for i, name in enumerate(self.columns):
            column = t[name]
            metrics[f"c{i}"] = column.count()
            metrics[f"cp{i}"] = column.count(where=y == 1)
            if _is_numeric(self.schema[name]) and name not in self.roles:
                metrics[f"lo{i}"] = column.min()
                metrics[f"hi{i}"] = column.max()
                for j, value in enumerate(self.numeric_sentinels):
                    metrics[f"s{i}_{j}"] = column.count(where=column == value)
                    if value < 0:
                        metrics[f"sn{i}_{j}"] = column.min(where=column != value)
                    else:
                        metrics[f"sn{i}_{j}"] = column.max(where=column < value)
        for role in ("time", "outcome_time", "updated"):
            name = self._role(role)
            if name:
                metrics[f"max_{role}"] = _epoch(t[name]).max()
        row = t.aggregate(**metrics).to_pyarrow().to_pylist()[0]
        self.row = row
        self.n = int(row["n"] or 0)
        self.pos = int(row["pos"] or 0)
        self.neg = self.n - self.pos
        self.baseline = self.pos / self.n if self.n else 0.0
        self.counts = {name: int(row[f"c{i}"] or 0) for i, name in enumerate(self.columns)}
        self.count_pos = {name: int(row[f"cp{i}"] or 0) for i, name in enumerate(self.columns)}
        self.index = {name: i for i, name in enumerate(self.columns)}
        if self.settings.now is not None:
            self.now = _to_epoch(self.settings.now)
        else:
            latest = [
                row[f"max_{r}"]
                for r in ("time", "outcome_time", "updated")
                if row.get(f"max_{r}") is not None
            ]
            self.now = float(max(latest)) if latest else None
        low, high = rate_interval(self.pos, self.n, self.options["alpha"])
        self.summary.update(
            records=self.n,
            positives=self.pos,
            baseline_rate=self.baseline,
            baseline_ci=[low, high],
            columns_audited=len(self.columns),
            not_audited=sorted(set(self.source.columns) - set(self.columns) - {Y}),
            free_text=sorted(self.text),
            now=_iso(self.now),
        )

    def _role(self, role: str) -> str | None:
        return next((name for name, r in self.roles.items() if r == role), None)

    # ------------------------------------------------------------------ class balance and power
    def _class_balance(self) -> None:
        low, high = self.summary["baseline_ci"]
        facts = dict(positives=self.pos, records=self.n, rate=self.baseline, rate_ci=[low, high])
        text = (
            f"Baseline: {self.pos:,} of {self.n:,} records are fits ({self.baseline:.2%}, "
            f"95% Wilson CI {low:.2%}–{high:.2%})."
        )
        if self.pos == 0 or self.neg == 0:
            self.add(
                "error",
                "class_balance",
                None,
                text + " One class only.",
                "Check the outcome definition: personas need fits and non-fits.",
                **facts,
            )
            return
        problems = []
        if self.pos < MIN_POSITIVES:
            problems.append(f"only {self.pos} fits (fewer than {MIN_POSITIVES})")
        if self.neg < MIN_POSITIVES:
            problems.append(f"only {self.neg} non-fits (fewer than {MIN_POSITIVES})")
        if self.baseline < EXTREME_RATE or self.baseline > 1 - EXTREME_RATE:
            problems.append(f"a rate outside {EXTREME_RATE:.1%}–{1 - EXTREME_RATE:.1%}")
        if problems:
            self.add(
                "warning",
                "class_balance",
                None,
                text + " " + "; ".join(problems).capitalize() + ".",
                "Add data or a longer period; rates this extreme make segments hard to tell from chance.",
                **facts,
            )
        else:
            self.add("info", "class_balance", None, text, "", **facts)

    def _sample_size(self) -> None:
        if self.pos == 0 or self.neg == 0:
            return
        ratio, alpha = self.options["max_rate_ratio"], self.options["alpha"]
        power = self.settings.power
        target = ratio * self.baseline
        from statsmodels.stats.power import NormalIndPower  # statsmodels loads when needed
        from statsmodels.stats.proportion import proportion_effectsize

        effect = abs(float(proportion_effectsize(target, self.baseline)))
        if effect == 0:
            return
        tested = NormalIndPower().solve_power(
            effect_size=effect,
            nobs1=None,
            alpha=alpha,
            power=power,
            ratio=0.0,
            alternative="larger",
        )
        tested = math.ceil(float(np.squeeze(tested)))
        fraction = self.options["confirm_fraction"]
        needed = math.ceil(tested / fraction) if fraction else tested
        support = math.ceil(self.options["min_support"] * self.n)
        self.summary["min_confirmable_segment"] = needed
        details = dict(
            segment_records=needed,
            tested_records=tested,
            share=needed / self.n if self.n else None,
            target_rate=target,
            baseline_rate=self.baseline,
            power=power,
            alpha=alpha,
            min_support_records=support,
        )
        what = (
            f"a segment converting at {ratio:g}× baseline ({target:.2%} vs {self.baseline:.2%}) "
            f"needs at least {needed:,} records"
            + (f" ({tested:,} in the confirmation part)" if fraction else "")
            + f" to be told from baseline with {power:.0%} power at α = {alpha:g} (one-sided)"
        )
        if needed > self.n / 2:
            self.add(
                "error",
                "sample_size",
                None,
                f"Too little data for personas: {what}, more than half of the {self.n:,} "
                "records. Any persona found would be too weak to trust.",
                "Add records (a longer period or more sources), or relax max_rate_ratio.",
                **details,
            )
        else:
            note = (
                f" Segments between min_support ({support:,} records) and that size can be "
                "found but rarely confirmed."
                if needed > support
                else ""
            )
            self.add(
                "info",
                "sample_size",
                None,
                f"Smallest confirmable segment: {what} ({needed / self.n:.1%} of records).{note}",
                "",
                **details,
            )

    # ------------------------------------------------------------------ completeness
    def _missing_and_constant(self) -> None:
        for name in self.columns:
            if self.roles.get(name) == "outcome_time":
                continue  # missing for every non-converter by design
            missing = self.n - self.counts[name]
            if missing:
                share = missing / self.n if self.n else 0.0
                severity: Severity = "warning" if share > MISSING_WARNING else "info"
                self.add(
                    severity,
                    "missing",
                    name,
                    f"{name}: {missing:,} of {self.n:,} values missing ({share:.1%}).",
                    f"Missing values form their own group in conditions; if {name} is mostly "
                    f"empty, consider `exclude: [{name}]`."
                    if severity == "warning"
                    else "No action needed unless the gaps are systematic.",
                    missing=missing,
                    share=share,
                )
            profile = self.profiles.get(name)
            distinct = profile.distinct if profile is not None else None
            if self.counts[name] == self.n and self.n and distinct is not None and distinct <= 1:
                value = profile.top_values[0][0] if profile.top_values else profile.minimum
                self.add(
                    "info",
                    "constant",
                    name,
                    f"{name} has one value only ({value!r}) in all {self.n:,} records.",
                    f"It cannot tell segments apart: `exclude: [{name}]`.",
                    value=value,
                )

    def _placeholder_columns(self) -> list[str]:
        return [
            name
            for name in self.columns
            if self.schema[name].is_string() and name not in self.text and name not in self.roles
        ]

    def _placeholders(self) -> None:
        columns = self._placeholder_columns()
        if not columns or not self.string_placeholders:
            return
        t = self.t
        parts = []
        for name in columns:
            value = t[name].strip().lower()
            parts.append(
                t.filter(value.isin(self.string_placeholders)).select(
                    column=ibis.literal(name), value=value, y=t[Y]
                )
            )
        rows = _value_rows(parts)
        found: dict[str, dict[str, dict[str, int]]] = {}
        for item in rows:
            found.setdefault(item["column"], {})[item["value"]] = {
                "records": int(item["n"]),
                "positives": int(item["pos"] or 0),
            }
        for name in columns:
            if name not in found:
                continue
            values = dict(sorted(found[name].items(), key=lambda kv: -kv[1]["records"]))
            total = sum(v["records"] for v in values.values())
            missing = self.n - self.counts[name]
            share = total / self.n
            severity: Severity = (
                "warning" if (total + missing) / self.n > PLACEHOLDER_WARNING else "info"
            )
            listed = ", ".join(f"{v!r} ({c['records']:,})" for v, c in values.items())
            self.add(
                severity,
                "placeholder",
                name,
                f"{name}: {total:,} values ({share:.1%}) look like placeholders for 'missing': {listed}.",
                f"Personas such as '{name} = {next(iter(values))}' describe missing data; "
                f"clean them upstream (NULLIF) or, if {name} is mostly placeholders, "
                f"`exclude: [{name}]`.",
                values=values,
                records=total,
                share=share,
            )

    def _sentinels(self) -> None:
        for name in self.columns:
            if not _is_numeric(self.schema[name]) or name in self.roles:
                continue
            i, known = self.index[name], self.counts[name]
            if not known:
                continue
            low, high = self.row.get(f"lo{i}"), self.row.get(f"hi{i}")
            for j, value in enumerate(self.numeric_sentinels):
                count = int(self.row.get(f"s{i}_{j}") or 0)
                if not count or count / known < SENTINEL_MIN_SHARE or count == known:
                    continue
                other = self.row.get(f"sn{i}_{j}")
                if value < 0:
                    isolated = float(low) == value and other is not None and float(other) >= 0
                else:
                    isolated = (
                        float(high) == value and other is not None and float(other) <= value / 2
                    )
                if not isolated:
                    continue
                shown = int(value) if value == int(value) else value
                edge = (
                    "only negative value" if value < 0 else f"far above the next value ({other:g})"
                )
                self.add(
                    "info",
                    "placeholder",
                    name,
                    f"{name} = {shown} in {count:,} records ({count / known:.1%}), the "
                    f"{edge}: probably a code for 'none' or 'unknown', not a measurement.",
                    f"Fine if {name} = {shown} has a meaning (e.g. 'never'); otherwise "
                    f"replace it with NULL upstream.",
                    values={str(shown): {"records": count}},
                    records=count,
                    share=count / known,
                    sentinel=True,
                )

    def _duplicates(self) -> None:
        t = self.source
        if self.id_column:
            key = t[self.id_column]
            groups = (t.filter(key.notnull()).group_by(key=key).aggregate(n=ibis._.count())).filter(
                ibis._.n > 1
            )
            stats = groups.aggregate(ids=groups.count(), extra=(groups.n - 1).sum())
            row = stats.to_pyarrow().to_pylist()[0]
            if row["ids"]:
                example = (
                    groups.order_by([ibis.desc("n"), "key"]).limit(1).to_pyarrow().to_pylist()[0]
                )
                extra, ids = int(row["extra"]), int(row["ids"])
                self.add(
                    "error",
                    "duplicate_id",
                    self.id_column,
                    f"{self.id_column} is not unique: {ids:,} ids appear more than once "
                    f"({extra:,} extra records); e.g. {example['key']!r} appears "
                    f"{int(example['n'])} times.",
                    "Deduplicate the records (keep the latest per id) or name the right id "
                    "column: duplicated records inflate segments and leak between the "
                    "discovery and confirmation parts.",
                    duplicated_ids=ids,
                    extra_records=extra,
                    example=example["key"],
                    example_count=int(example["n"]),
                )
        names = [name for name in self.source.columns if not name.startswith("__")]
        try:
            groups = t.group_by(names).aggregate(__n=ibis._.count()).filter(ibis._["__n"] > 1)
            row = (
                groups.aggregate(groups_=groups.count(), extra=(groups["__n"] - 1).sum())
                .to_pyarrow()
                .to_pylist()[0]
            )
        except Exception:  # columns the engine cannot group by (nested types)
            return
        if row["groups_"]:
            extra = int(row["extra"])
            self.add(
                "warning",
                "duplicate_row",
                None,
                f"{extra:,} records ({extra / self.n:.1%}) are exact copies of another record "
                f"({int(row['groups_']):,} distinct records repeated).",
                "Remove the copies upstream (SELECT DISTINCT) unless they are real repeats.",
                extra_records=extra,
                repeated=int(row["groups_"]),
            )

    # ------------------------------------------------------------------ leakage
    def _leakage_columns(self) -> list[str]:
        return [
            name
            for name in self.columns
            if name not in self.text and name not in self.roles and self.kinds[name] != "id"
        ]

    def _leakage(self) -> None:
        if self.pos == 0 or self.neg == 0:
            return
        columns = self._leakage_columns()
        numeric = [n for n in columns if _is_numeric(self.schema[n])]
        categorical = [
            n
            for n in columns
            if (self.schema[n].is_string() or self.schema[n].is_boolean())
            and self._distinct(n) <= MAX_CATEGORIES
        ]
        dates = [n for n in columns if self.schema[n].is_temporal()]
        values = self._value_counts(numeric, categorical)
        self.values = values
        for name in numeric:
            rows = values.get(name, [])
            known = [(v, n, p) for v, n, p in rows if v is not None]
            auc = _ordered_auc(sorted(known, key=lambda r: r[0]))
            auc = max(auc, 1 - auc) if auc is not None else None
            self._judge_auc(name, auc, "values")
            self._judge_missingness(name)
            self._judge_pure_values(name, rows)
        for name in categorical:
            rows = values.get(name, [])
            self._judge_auc(name, _category_auc(rows), "categories ordered by rate")
            self._judge_pure_values(name, rows)
        for name in dates:
            self._judge_missingness(name)
            missing = self.n - self.counts[name]
            pos_missing = self.pos - self.count_pos[name]
            self._judge_pure_values(name, [(None, missing, pos_missing)])

    # ------------------------------------------------------------------ calendar position
    def _calendar(self) -> None:
        columns = [name for name in self._leakage_columns() if not self.schema[name].is_temporal()]
        strings = [
            name
            for name in columns
            if (self.schema[name].is_string() or self.schema[name].is_boolean())
            and name not in self.values
            and self._distinct(name) <= MAX_CATEGORIES
        ]
        if strings:  # the leakage check did not run (one class only): one query for all
            self.values.update(self._value_counts([], strings))
        allowed = self.options.get("allow_columns") or set()
        found = []
        for name in columns:
            reason = calendar_reason(self._calendar_profile(name))
            if not reason:
                continue
            found.append(name)
            detail = reason.removeprefix("calendar position").strip(" ()")
            what = (
                f"{name} encodes calendar position ({detail}): a persona on it describes when "
                "records were seen, not who they are, and need not hold on later records."
            )
            if name in allowed:
                self.add(
                    "info",
                    "calendar",
                    name,
                    what + " It is allowed in conditions (allow_columns).",
                    f"Check that personas on {name} hold on the latest records (a --time split).",
                    reason=reason,
                    allowed=True,
                )
                continue
            self.add(
                "warning",
                "calendar",
                name,
                what + " Discovery keeps it out of conditions.",
                f"If {name} does describe people, allow it with `--allow-column {name}` "
                f"(`allow_columns: [{name}]` in the spec).",
                reason=reason,
                allowed=False,
            )
        self.summary["calendar_columns"] = found

    def _calendar_profile(self, name: str) -> ColumnProfile:
        """The column's profile with its most frequent values from the leakage value counts."""
        i = self.index[name]
        profile = self.profiles.get(name) or ColumnProfile(
            name=name,
            dtype=str(self.schema[name]),
            kind=self.kinds[name],
            count=self.counts[name],
            missing=self.n - self.counts[name],
            distinct=0,
            minimum=self.row.get(f"lo{i}"),
            maximum=self.row.get(f"hi{i}"),
        )
        rows = self.values.get(name)
        if rows is None or _is_numeric(self.schema[name]):
            return profile
        known = sorted(
            ((value, records) for value, records, _ in rows if value is not None),
            key=lambda item: -item[1],
        )
        top = known[:CALENDAR_TOP_VALUES]
        return replace(
            profile,
            count=self.counts[name],
            top_values=top,
            other_count=self.counts[name] - sum(records for _, records in top),
        )

    def _distinct(self, name: str) -> int:
        profile = self.profiles.get(name)
        return profile.distinct if profile is not None else 0

    def _value_counts(
        self, numeric: list[str], categorical: list[str]
    ) -> dict[str, list[tuple[Any, int, int]]]:
        """Per column, ``(value, records, positives)`` for every value (null included)."""
        t = self.t
        result: dict[str, list[tuple[Any, int, int]]] = {}
        for names, cast in ((numeric, "float64"), (categorical, "string")):
            if not names:
                continue
            parts = []
            for name in names:
                value = t[name].cast(cast)
                if cast == "float64" and self._distinct(name) > MAX_EXACT_VALUES:
                    value = _significant(value, 3)
                parts.append(t.select(column=ibis.literal(name), value=value, y=t[Y]))
            rows = _value_rows(parts)
            for item in rows:
                result.setdefault(item["column"], []).append(
                    (item["value"], int(item["n"]), int(item["pos"] or 0))
                )
        return result

    def _leak_suggestion(self, name: str) -> str:
        return (
            f"If {name} is filled in or changed after the outcome is known, it cannot be used to "
            f"describe who converts: add it to the spec's exclude list (`exclude: [{name}]`). "
            "If it is known beforehand, it is a genuinely strong predictor and can stay."
        )

    def _judge_auc(self, name: str, auc: float | None, basis: str, via: str = "values") -> None:
        if auc is None:
            return
        suspicious = bool(name_tokens(name) & POST_OUTCOME_TOKENS)
        if auc >= LEAKAGE_ERROR_AUC:
            severity: Severity = "error"
            why = f"an AUC of {auc:.3f} (≥ {LEAKAGE_ERROR_AUC}) is implausibly good"
        elif auc >= self.settings.leakage_auc:
            severity = "warning"
            why = f"an AUC of {auc:.3f} (≥ {self.settings.leakage_auc}) is suspiciously good"
        elif suspicious and auc >= self.settings.leakage_name_auc:
            severity = "warning"
            why = (
                f"an AUC of {auc:.3f} (≥ {self.settings.leakage_name_auc}) and a name that "
                "suggests a measurement taken after the outcome"
            )
        else:
            return
        self.add(
            severity,
            "leakage",
            name,
            f"{name} alone predicts the outcome ({basis}): {why}.",
            self._leak_suggestion(name),
            rule="auc",
            auc=auc,
            via=via,
            basis=basis,
            name_suggests_post_outcome=suspicious,
        )

    def _judge_missingness(self, name: str) -> None:
        missing = self.n - self.counts[name]
        if not missing or missing == self.n:
            return
        share_pos = (self.pos - self.count_pos[name]) / self.pos
        share_neg = (missing - (self.pos - self.count_pos[name])) / self.neg
        auc = 0.5 + 0.5 * abs(share_pos - share_neg)
        self._judge_auc(name, auc, "whether it is missing", via="missingness")

    def _judge_pure_values(self, name: str, rows: list[tuple[Any, int, int]]) -> None:
        """One finding per column listing every near-pure value (perfect separators first)."""
        pure = []
        for value, records, positives in rows:
            if not records or records < PURE_SHARE * self.n:
                continue
            rate = positives / records
            high = rate >= PURE_HIGH and (1 - self.baseline) > PURE_DISTANCE * (1 - PURE_HIGH)
            low = rate <= PURE_LOW and self.baseline > PURE_DISTANCE * PURE_LOW
            if not (high or low):
                continue
            perfect = (high and positives == records and positives >= self.pos / 2) or (
                low and positives == 0 and records >= self.neg / 2
            )
            pure.append(
                {
                    "value": _tidy(value),
                    "records": records,
                    "positives": positives,
                    "rate": rate,
                    "perfect": perfect,
                }
            )
        if not pure:
            return
        pure.sort(key=lambda item: (not item["perfect"], -item["records"]))
        first = pure[0]

        def shown(item: dict[str, Any]) -> str:
            value = "missing" if item["value"] is None else repr(item["value"])
            return (
                f"{name} = {value} covers {item['records']:,} records "
                f"({item['records'] / self.n:.1%}) and converts at {item['rate']:.1%}"
                + (" (a perfect separator)" if item["perfect"] else "")
            )

        self.add(
            "error" if first["perfect"] else "warning",
            "leakage",
            name,
            "; ".join(shown(item) for item in pure)
            + f", against a baseline of {self.baseline:.1%}.",
            self._leak_suggestion(name)
            + " A group that truly never (or always) converts can stay as a persona.",
            rule="pure_value",
            baseline_rate=self.baseline,
            values=pure,
            **first,
        )

    # ------------------------------------------------------------------ time
    def _times(self) -> None:
        outcome_time = self.settings.outcome_time
        if outcome_time:
            self._after_outcome(outcome_time)
        if self.time_column and outcome_time and self.now is not None:
            self._maturity(self.time_column, outcome_time)
        if self.settings.updated and self.now is not None:
            self._stale(self.settings.updated)

    def _after_outcome(self, outcome_time: str) -> None:
        dates = [
            name
            for name in self.columns
            if self.schema[name].is_temporal() and name not in self.roles
        ]
        if not dates:
            return
        t = self.t
        done = _epoch(t[outcome_time])
        converted = (self.y == 1) & done.notnull()
        metrics = {}
        for i, name in enumerate(dates):
            own = _epoch(t[name])
            metrics[f"k{i}"] = own.count(where=converted)
            metrics[f"a{i}"] = own.count(where=converted & (own > done))
        row = t.aggregate(**metrics).to_pyarrow().to_pylist()[0]
        for i, name in enumerate(dates):
            both, later = int(row[f"k{i}"] or 0), int(row[f"a{i}"] or 0)
            if both < AFTER_OUTCOME_MIN or later / both <= AFTER_OUTCOME_SHARE:
                continue
            self.add(
                "warning",
                "leakage",
                name,
                f"{name} is later than {outcome_time} for {later:,} of {both:,} converted "
                f"records ({later / both:.0%}): it is recorded after the outcome.",
                self._leak_suggestion(name),
                rule="after_outcome",
                later=later,
                compared=both,
                share=later / both,
            )

    def _maturity(self, created_name: str, outcome_time: str) -> None:
        t, now = self.t, float(self.now)
        created, done = _epoch(t[created_name]), _epoch(t[outcome_time])
        event = (self.y == 1) & done.notnull()
        days = event.ifelse(((done - created) / DAY).ceil(), ((now - created) / DAY).floor())
        rows = (
            t.filter(created.notnull())
            .group_by(days=days.cast("float64"), event=event, before=event & (done < created))
            .aggregate(n=ibis._.count())
            .to_pyarrow()
            .to_pylist()
        )
        before = sum(int(r["n"]) for r in rows if r["before"])
        if before:
            self.add(
                "warning",
                "time_order",
                outcome_time,
                f"{before:,} records have {outcome_time} before {created_name}.",
                "Check the two time columns (time zones, swapped fields); these records "
                "count as converting on the day they were created.",
                records=before,
            )
        window = maturity_window(
            [r["days"] for r in rows],
            [bool(r["event"]) for r in rows],
            [int(r["n"]) for r in rows],
            self.settings.maturity_quantile,
        )
        self.summary["maturity_window_days"] = window
        self.summary["maturity_quantile"] = self.settings.maturity_quantile
        if window is None:
            self.summary["immature_records"] = 0
            return
        cutoff = now - window * DAY
        immature = (created > cutoff).fill_null(False)
        counts = (
            t.aggregate(
                n=immature.cast("int64").sum(), pos=(immature & (self.y == 1)).cast("int64").sum()
            )
            .to_pyarrow()
            .to_pylist()[0]
        )
        count, positives = int(counts["n"] or 0), int(counts["pos"] or 0)
        self.summary["immature_records"] = count
        self.summary["immature_positives"] = positives
        self.summary["maturity_cutoff"] = _iso(cutoff)
        if not count:
            return
        self.immature = (_epoch(self.source[created_name]) > cutoff).fill_null(False)
        quantile = self.settings.maturity_quantile
        self.add(
            "warning",
            "immature",
            created_name,
            f"{count:,} records ({count / self.n:.1%}; {positives:,} of them converted) were "
            f"created less than {window:g} days before {_iso(now)}: {quantile:.0%} of "
            f"conversions happen within {window:g} days (Kaplan–Meier), so many of these "
            "may still convert.",
            f"Leave records with {created_name} after {_iso(cutoff)} out of discovery "
            "(the audit's immature expression selects them), or audit again later.",
            records=count,
            positives=positives,
            window_days=window,
            cutoff=_iso(cutoff),
            quantile=quantile,
        )

    def _stale(self, updated: str) -> None:
        t, now = self.t, float(self.now)
        stamp = _epoch(t[updated])
        cutoff = now - self.settings.stale_days * DAY
        row = (
            t.aggregate(known=stamp.count(), stale=stamp.count(where=stamp < cutoff))
            .to_pyarrow()
            .to_pylist()[0]
        )
        known, stale = int(row["known"] or 0), int(row["stale"] or 0)
        share = stale / known if known else 0.0
        self.summary["stale_share"] = share
        if not stale:
            return
        severity: Severity = "warning" if share > STALE_WARNING else "info"
        self.add(
            severity,
            "stale",
            updated,
            f"{stale:,} of {known:,} records ({share:.0%}) were not updated in the "
            f"{self.settings.stale_days} days before {_iso(now)} ({updated} before "
            f"{_iso(cutoff)}).",
            "Stale records may describe people who changed since; refresh the data or "
            "restrict it to recently active records.",
            records=stale,
            known=known,
            share=share,
            cutoff=_iso(cutoff),
        )


def maturity_window(
    days: list[float], events: list[bool], counts: list[int], quantile: float
) -> float | None:
    """Days within which ``quantile`` of eventual conversions happen, from a Kaplan–Meier fit.

    ``days`` are times to conversion (events) or to censoring, with frequency ``counts``. The
    eventual conversion share is the KM estimate ``1 - S`` at the last event time; the window is
    the first event time where ``1 - S(t)`` reaches ``quantile`` of it. ``None`` without events.
    """
    times = np.maximum(np.asarray(days, dtype=float), 0.0)
    status = np.asarray(events, dtype=float)
    weights = np.asarray(counts, dtype=float)
    if not len(times) or not (status * weights).sum():
        return None
    from statsmodels.duration.survfunc import SurvfuncRight  # loads when needed

    fit = SurvfuncRight(times, status, freq_weights=weights)
    converted = 1.0 - np.asarray(fit.surv_prob)
    if not len(converted) or converted[-1] <= 0:
        return None
    reached = np.nonzero(converted >= quantile * converted[-1] - 1e-12)[0]
    return float(np.asarray(fit.surv_times)[reached[0]])


# ---------------------------------------------------------------------- small helpers
def _label_columns(label: BooleanValue) -> set[str]:
    """Columns the label reads directly (its outcome column), not columns of its relations."""
    try:
        fields = label.op().find(ops.Field, filter=lambda node: not isinstance(node, ops.Relation))
    except Exception:
        return set()
    return {node.name for node in fields}


def _split_placeholders(placeholders: list[str]) -> tuple[list[float], list[str]]:
    numeric, text = [], []
    for item in placeholders:
        cleaned = str(item).strip().lower()
        try:
            number = float(cleaned)
        except ValueError:
            number = math.nan
        if math.isfinite(number):
            numeric.append(number)
        else:
            text.append(cleaned)
    return sorted(set(numeric)), sorted(set(text))


def _is_numeric(dtype: Any) -> bool:
    return dtype.is_numeric() and not dtype.is_boolean()


def _kind_of(dtype: Any) -> str:
    if dtype.is_boolean():
        return "boolean"
    if dtype.is_temporal():
        return "date"
    return "numeric" if dtype.is_numeric() else "categorical"


def _epoch(column: Any) -> Any:
    """Seconds since 1970 of a date/timestamp (or ISO string) column, as float64."""
    dtype = column.type()
    if dtype.is_string():
        column = column.try_cast("timestamp")
    elif dtype.is_date():
        column = column.cast("timestamp")
    elif not dtype.is_timestamp():
        return column.cast("float64")
    return column.epoch_seconds().cast("float64")


def _to_epoch(moment: datetime) -> float:
    if moment.tzinfo is None:
        return float(calendar.timegm(moment.timetuple())) + moment.microsecond / 1e6
    return moment.timestamp()


def _iso(epoch: float | None) -> str | None:
    if epoch is None:
        return None
    return datetime.fromtimestamp(epoch, tz=UTC).replace(tzinfo=None).isoformat()


def _significant(value: Any, digits: int) -> Any:
    """``value`` rounded to ``digits`` significant digits (monotone, so ranks are kept)."""
    scale = ibis.literal(10.0).pow(value.abs().nullif(0.0).log10().floor() - (digits - 1))
    return (value == 0).ifelse(0.0, (value / scale).round().cast("float64") * scale)


def _ordered_auc(rows: list[tuple[Any, int, int]]) -> float | None:
    """AUC of a score whose groups are ``rows`` in increasing order (ties within a group).

    With ``(value, records, positives)`` per group: the Mann–Whitney U of positives over
    negatives divided by ``P × N``, each tie counted as one half.
    """
    if not rows:
        return None
    n = np.array([r[1] for r in rows], dtype=float)
    pos = np.array([r[2] for r in rows], dtype=float)
    neg = n - pos
    total_pos, total_neg = pos.sum(), neg.sum()
    if total_pos == 0 or total_neg == 0:
        return None
    below = np.cumsum(neg) - neg
    return float((pos * (below + 0.5 * neg)).sum() / (total_pos * total_neg))


def _category_auc(rows: list[tuple[Any, int, int]]) -> float | None:
    """AUC of categories ranked by their rate; categories under 30 records are pooled."""
    groups = [(r[2] / r[1], r[1], r[2]) for r in rows if r[1] >= RARE_CATEGORY]
    rare_n = sum(r[1] for r in rows if r[1] < RARE_CATEGORY)
    rare_pos = sum(r[2] for r in rows if r[1] < RARE_CATEGORY)
    if rare_n:
        groups.append((rare_pos / rare_n, rare_n, rare_pos))
    if len(groups) < 2:
        return None
    return _ordered_auc(sorted(groups, key=lambda g: g[0]))


def _tidy(value: Any) -> Any:
    if isinstance(value, float) and value == int(value):
        return int(value)
    return value


def _plain(value: Any) -> Any:
    """Python scalars, lists and dicts only (numpy numbers and datetimes converted)."""
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    if isinstance(value, np.generic):
        return value.item()
    if isinstance(value, date | time):
        return value.isoformat()
    return value


__all__ = ["AuditReport", "AuditSettings", "Finding", "audit_table", "maturity_window"]
