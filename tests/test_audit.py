"""The data audit: every rule on small built tables (with a clean negative case) and the bank data."""

from __future__ import annotations

import json
import math
from datetime import datetime

import numpy as np
import pandas as pd
import pytest
from pydantic import ValidationError
from scipy import stats
from statsmodels.stats.proportion import proportion_confint

from negpersona.audit import audit_table
from negpersona.audit.common import _category_auc, _ordered_auc
from negpersona.config.audit import AuditSettings
from negpersona.config.spec import Outcome
from negpersona.data.outcome import resolve_outcome
from negpersona.data.source import open_source

# --- helpers ------------------------------------------------------------------------------------


def clean(n: int = 2000, seed: int = 0) -> pd.DataFrame:
    """Ordinary data: a mild categorical and a mild numeric effect, nothing wrong."""
    rng = np.random.default_rng(seed)
    region = rng.choice(["north", "south", "east", "west"], n)
    score = rng.normal(50, 10, n)
    p = 0.15 + 0.1 * (region == "north") + 0.004 * (score - 50)
    y = np.where(rng.random(n) < np.clip(p, 0.01, 0.99), "yes", "no")
    return pd.DataFrame({"region": region, "score": score.round(6), "y": y})


def run(frame: pd.DataFrame, target: str = "y", kind: str = "conversion", **options):
    resolved = resolve_outcome(open_source(frame).table, Outcome(column=target, kind=kind))
    return audit_table(resolved.table, resolved.label, **options)


def only(report, kind: str, column: str | None = None, **details):
    found = [
        f
        for f in report.findings
        if f.kind == kind
        and (column is None or f.column == column)
        and all(f.details.get(k) == v for k, v in details.items())
    ]
    assert len(found) == 1, [f.to_dict() for f in report.findings]
    return found[0]


def none_of(report, kind: str, column: str | None = None) -> None:
    found = [
        f for f in report.findings if f.kind == kind and (column is None or f.column == column)
    ]
    assert not found, [f.to_dict() for f in found]


# --- clean data and the report ------------------------------------------------------------------


def test_clean_data_gives_only_facts():
    report = run(clean())
    assert {f.kind for f in report.findings} == {"class_balance", "sample_size"}
    assert {f.severity for f in report.findings} == {"info"}
    assert report.errors() == []
    assert report.immature is None
    assert report.summary["records"] == 2000
    assert report.summary["not_audited"] == ["y"]  # the outcome column itself


def test_report_serializes_and_writes_atomically(tmp_path):
    frame = clean()
    frame.loc[:99, "score"] = None
    report = run(frame, id_column=None)
    path = tmp_path / "out" / "audit.json"
    report.write(path)
    data = json.loads(path.read_text(encoding="utf-8"))
    assert set(data) == {"schema_version", "findings", "summary"}
    assert data == {"schema_version": 1, **json.loads(json.dumps(report.to_dict()))}
    missing = next(f for f in data["findings"] if f["kind"] == "missing")
    assert missing["column"] == "score" and missing["details"]["missing"] == 100
    assert set(missing) == {"severity", "kind", "column", "message", "suggestion", "details"}


def test_settings_forbid_unknown_fields_and_validate():
    with pytest.raises(ValidationError):
        AuditSettings(stale_dayz=3)
    with pytest.raises(ValidationError):
        AuditSettings(maturity_quantile=1.5)
    assert "unknown" in AuditSettings().placeholders


# --- class balance and sample size --------------------------------------------------------------


def test_class_balance_info_with_wilson_interval():
    frame = clean()
    report = run(frame)
    finding = only(report, "class_balance")
    positives = int((frame.y == "yes").sum())
    low, high = proportion_confint(positives, len(frame), method="wilson")
    assert finding.severity == "info"
    assert finding.details["positives"] == positives
    assert finding.details["rate_ci"] == pytest.approx([low, high])
    assert report.summary["baseline_ci"] == pytest.approx([low, high])


def test_class_balance_warns_with_few_positives():
    frame = clean(1000)
    frame["y"] = "no"
    frame.loc[:11, "y"] = "yes"  # 12 positives
    finding = only(run(frame), "class_balance")
    assert finding.severity == "warning"
    assert "only 12 fits" in finding.message.lower()


def test_sample_size_error_when_no_segment_can_be_confirmed():
    frame = clean(60)
    frame["y"] = ["yes" if i % 10 == 0 else "no" for i in range(60)]  # 10 % of 60 records
    finding = only(run(frame), "sample_size")
    assert finding.severity == "error"
    assert finding.details["segment_records"] > 30
    assert "too little data" in finding.message.lower()


def test_sample_size_info_matches_the_arcsine_formula():
    frame = clean(5000)
    report = run(frame, max_rate_ratio=0.5, alpha=0.05)
    finding = only(report, "sample_size")
    p0 = (frame.y == "yes").mean()
    h = abs(2 * math.asin(math.sqrt(p0 / 2)) - 2 * math.asin(math.sqrt(p0)))
    expected = math.ceil(((stats.norm.ppf(0.95) + stats.norm.ppf(0.8)) / h) ** 2)
    assert finding.severity == "info"
    assert finding.details["segment_records"] == expected
    assert report.summary["min_confirmable_segment"] == expected
    # Only the confirmation part of a segment is tested: it must be larger overall.
    held = only(run(frame, confirm_fraction=0.25), "sample_size")
    assert held.details["segment_records"] == math.ceil(expected / 0.25)


# --- completeness -------------------------------------------------------------------------------


def test_missing_values_warning_above_20_percent_and_info_below():
    frame = clean(1000)
    frame["mostly_empty"] = np.where(np.arange(1000) < 300, None, "a")
    frame.loc[:49, "score"] = np.nan
    report = run(frame)
    mostly = only(report, "missing", "mostly_empty")
    assert mostly.severity == "warning"
    assert mostly.details["missing"] == 300 and mostly.details["share"] == pytest.approx(0.3)
    assert "exclude: [mostly_empty]" in mostly.suggestion
    some = only(report, "missing", "score")
    assert some.severity == "info" and some.details["missing"] == 50
    none_of(report, "missing", "region")


def test_string_placeholders_are_counted_per_value():
    frame = clean(1000)
    job = np.array(["clerk"] * 1000, dtype=object)
    job[::10] = "Unknown "  # 100 records
    job[1:6] = "n/a"  # 5
    job[501:510] = ""  # 9
    job[511] = "  "  # whitespace only: also empty
    frame["job"] = job
    report = run(frame)
    finding = only(report, "placeholder", "job")
    values = finding.details["values"]
    assert values == {
        "unknown": {"records": 100, "positives": int((frame.y[::10] == "yes").sum())},
        "": {
            "records": 10,
            "positives": int((frame.y[501:512] == "yes").sum() - (frame.y[510] == "yes")),
        },
        "n/a": {"records": 5, "positives": int((frame.y[1:6] == "yes").sum())},
    }
    assert finding.details["records"] == 115
    assert finding.severity == "info"  # 11.5 % of the column, below 20 %
    none_of(report, "placeholder", "region")


def test_placeholders_above_20_percent_warn_and_text_columns_are_skipped():
    frame = clean(1000)
    frame["contact"] = np.where(np.arange(1000) % 4 == 0, "unknown", "cellular")
    frame["notes"] = [f"unknown customer note number {i} with plenty of words" for i in range(1000)]
    frame.loc[:200, "notes"] = "unknown"
    report = run(frame)
    assert only(report, "placeholder", "contact").severity == "warning"
    none_of(report, "placeholder", "notes")  # detected as free text
    report = run(frame, text_columns=["contact"])
    none_of(report, "placeholder", "contact")


def test_numeric_sentinels_only_when_they_are_a_spike_at_the_edge():
    rng = np.random.default_rng(1)
    frame = clean(1000)
    frame["pdays"] = np.where(np.arange(1000) < 600, -1, rng.integers(1, 400, 1000))
    frame["age"] = np.where(np.arange(1000) < 30, 999, rng.integers(18, 90, 1000))
    frame["price"] = np.where(np.arange(1000) < 100, 999, rng.integers(100, 5000, 1000))
    frame["balance"] = np.where(np.arange(1000) < 100, -1, rng.integers(-500, 5000, 1000))
    frame["rare"] = np.where(np.arange(1000) < 5, -1, rng.integers(0, 50, 1000))
    report = run(frame)
    pdays = only(report, "placeholder", "pdays")
    assert pdays.severity == "info" and pdays.details["records"] == 600
    assert pdays.details["sentinel"] is True
    assert only(report, "placeholder", "age").details["values"] == {"999": {"records": 30}}
    none_of(report, "placeholder", "price")  # 999 is an ordinary price there
    none_of(report, "placeholder", "balance")  # other negative values exist
    none_of(report, "placeholder", "rare")  # 0.5 % is no spike


def test_constant_column():
    frame = clean(500)
    frame["country"] = "PT"
    frame["almost"] = np.where(np.arange(500) == 0, None, "PT")  # PT or missing: not constant
    report = run(frame)
    finding = only(report, "constant", "country")
    assert finding.severity == "info" and finding.details["value"] == "PT"
    assert "exclude: [country]" in finding.suggestion
    none_of(report, "constant", "almost")
    none_of(report, "constant", "region")


def test_duplicate_ids_are_an_error_with_an_example():
    frame = clean(500)
    frame["lead_id"] = [f"L{i:04d}" for i in range(500)]
    frame.loc[10:12, "lead_id"] = "L0009"  # L0009 four times
    frame.loc[20, "lead_id"] = "L0021"  # L0021 twice
    report = run(frame, id_column="lead_id")
    finding = only(report, "duplicate_id", "lead_id")
    assert finding.severity == "error"
    assert finding.details["duplicated_ids"] == 2
    assert finding.details["extra_records"] == 4
    assert finding.details["example"] == "L0009" and finding.details["example_count"] == 4
    assert finding in report.errors()
    frame["lead_id"] = [f"L{i:04d}" for i in range(500)]
    none_of(run(frame, id_column="lead_id"), "duplicate_id")


def test_duplicate_rows_warning():
    frame = clean(500)
    copies = pd.concat([frame, frame.iloc[:7], frame.iloc[:2]], ignore_index=True)
    finding = only(run(copies), "duplicate_row")
    assert finding.severity == "warning"
    assert finding.details["extra_records"] == 9 and finding.details["repeated"] == 7
    none_of(run(frame), "duplicate_row")


# --- leakage ------------------------------------------------------------------------------------


def test_auc_from_grouped_counts_equals_mann_whitney():
    rng = np.random.default_rng(3)
    x = rng.integers(0, 40, 3000)
    y = rng.random(3000) < 1 / (1 + np.exp(-(x - 20) / 6))
    frame = pd.DataFrame({"x": x, "y": y})
    grouped = frame.groupby("x")["y"].agg(["count", "sum"]).reset_index()
    rows = [(r.x, int(r["count"]), int(r["sum"])) for _, r in grouped.iterrows()]
    u = stats.mannwhitneyu(x[y], x[~y]).statistic / (y.sum() * (~y).sum())
    assert _ordered_auc(rows) == pytest.approx(u)
    # Categories ordered by rate: the same as scoring each record with its category's rate.
    cat = np.array(list("abcde"))[x % 5]
    rate = pd.Series(y).groupby(cat).transform("mean").to_numpy()
    u = stats.mannwhitneyu(rate[y], rate[~y]).statistic / (y.sum() * (~y).sum())
    counts = pd.DataFrame({"c": cat, "y": y}).groupby("c")["y"].agg(["count", "sum"])
    assert _category_auc([(k, int(r["count"]), int(r["sum"])) for k, r in counts.iterrows()]) == (
        pytest.approx(u)
    )


def leaky(n: int = 2000, seed: int = 2) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    frame = clean(n, seed)
    converted = (frame.y == "yes").to_numpy()
    frame["amount_paid"] = np.where(converted, rng.normal(100, 10, n), rng.normal(20, 10, n))
    frame["signal"] = np.where(converted, rng.normal(1.9, 1, n), rng.normal(0, 1, n))
    frame["income"] = np.where(converted, rng.normal(1.2, 1, n), rng.normal(0, 1, n))
    frame["call_duration"] = frame["income"]  # same values, post-outcome name
    return frame


def test_numeric_leakage_by_auc_and_by_name():
    frame = leaky()
    report = run(frame)
    converted = (frame.y == "yes").to_numpy()

    def auc(column: str) -> float:
        x = frame[column].to_numpy()
        u = stats.mannwhitneyu(x[converted], x[~converted]).statistic
        u /= converted.sum() * (~converted).sum()
        return max(u, 1 - u)

    paid = only(report, "leakage", "amount_paid", rule="auc")
    assert paid.severity == "error" and paid.details["auc"] == pytest.approx(auc("amount_paid"))
    assert "exclude: [amount_paid]" in paid.suggestion
    signal = only(report, "leakage", "signal", rule="auc")
    assert 0.9 <= auc("signal") < 0.97
    assert signal.severity == "warning" and signal.details["auc"] == pytest.approx(auc("signal"))
    assert 0.75 <= auc("income") < 0.9
    duration = only(report, "leakage", "call_duration", rule="auc")
    assert duration.severity == "warning" and duration.details["name_suggests_post_outcome"]
    none_of(report, "leakage", "income")  # equally strong, but nothing says post-outcome
    none_of(report, "leakage", "score")
    none_of(report, "leakage", "region")


def test_label_columns_are_not_audited_and_churn_works():
    frame = leaky()
    frame["status"] = np.where(frame.y == "yes", "churned", "active")
    report = run(frame, target="status", kind="churn", exclude=["y"])
    none_of(report, "leakage", "status")
    none_of(report, "leakage", "y")
    assert "status" in report.summary["not_audited"]
    assert only(report, "leakage", "amount_paid", rule="auc").severity == "error"


def test_categorical_leakage_perfect_separator_and_pure_value():
    rng = np.random.default_rng(4)
    frame = clean(2000)
    converted = (frame.y == "yes").to_numpy()
    frame["stage"] = np.where(converted, "closed won", rng.choice(["open", "lost"], 2000))
    report = run(frame)
    stage = [f for f in report.findings if f.column == "stage" and f.kind == "leakage"]
    assert {f.details["rule"] for f in stage} == {"auc", "pure_value"}
    assert all(f.severity == "error" for f in stage)
    perfect = only(report, "leakage", "stage", rule="pure_value")
    values = {item["value"]: item for item in perfect.details["values"]}
    assert set(values) == {"closed won", "open", "lost"}  # each 0 % or 100 %, ≥ 2 % of records
    assert values["closed won"]["perfect"] and values["closed won"]["rate"] == 1.0
    assert values["closed won"]["records"] == converted.sum()
    assert "perfect separator" in perfect.message

    # A small group (5 %) that never converts: a warning, not an error (it may be a real persona).
    frame = clean(2000)
    frame["source"] = "web"
    frame.loc[:99, "source"] = "spam_list"
    frame.loc[:99, "y"] = "no"
    report = run(frame)
    spam = only(report, "leakage", "source", rule="pure_value")
    assert spam.severity == "warning" and spam.details["value"] == "spam_list"
    assert spam.details["rate"] == 0 and not spam.details["perfect"]
    none_of(report, "leakage", "region")


def test_missingness_that_reveals_the_outcome():
    rng = np.random.default_rng(5)
    frame = clean(2000)
    converted = (frame.y == "yes").to_numpy()
    frame["contract_value"] = np.where(converted, rng.normal(500, 50, 2000), np.nan)
    report = run(frame)
    finding = only(report, "leakage", "contract_value", rule="auc")
    assert finding.severity == "error" and finding.details["via"] == "missingness"
    assert finding.details["auc"] == pytest.approx(1.0)


def timeline(n: int = 3000, seed: int = 6) -> pd.DataFrame:
    """Leads created through 2024; 30 % convert after about 15 days, unless that is after now."""
    rng = np.random.default_rng(seed)
    start = pd.Timestamp("2024-01-01")
    created = start + pd.to_timedelta(rng.integers(0, 366 * 86_400, n), unit="s")
    delay = pd.to_timedelta(np.ceil(rng.exponential(15 * 86_400, n)), unit="s")
    will = rng.random(n) < 0.3
    converted_at = pd.Series(created + delay).where(will)
    converted_at = converted_at.where(converted_at <= NOW)
    return pd.DataFrame(
        {
            "created_at": created,
            "converted_at": converted_at,
            "region": rng.choice(["a", "b", "c"], n),
            "y": np.where(converted_at.notna(), "yes", "no"),
        }
    )


NOW = pd.Timestamp("2025-01-01")


def test_dates_recorded_after_the_outcome():
    frame = timeline()
    rng = np.random.default_rng(7)
    lag = pd.to_timedelta(rng.integers(1, 10, len(frame)), unit="D")
    frame["contract_signed_at"] = frame["converted_at"] + lag
    frame["first_visit_at"] = frame["created_at"] - lag
    settings = AuditSettings(outcome_time="converted_at", now=NOW.to_pydatetime())
    report = run(frame, time_column="created_at", settings=settings)
    finding = only(report, "leakage", "contract_signed_at", rule="after_outcome")
    assert finding.severity == "warning"
    assert finding.details["later"] == finding.details["compared"] == (frame.y == "yes").sum()
    none_of(report, "leakage", "first_visit_at")
    none_of(report, "leakage", "converted_at")  # the outcome time itself is a role, not a leak
    none_of(report, "missing", "converted_at")


# --- maturity and staleness ---------------------------------------------------------------------


def km_window(frame: pd.DataFrame, now: pd.Timestamp, quantile: float) -> float:
    """Kaplan–Meier by hand (whole days: events rounded up, censoring rounded down)."""
    event = frame["converted_at"].notna().to_numpy()
    to_event = (frame["converted_at"] - frame["created_at"]).dt.total_seconds() / 86_400
    to_now = (now - frame["created_at"]).dt.total_seconds() / 86_400
    days = np.where(event, np.ceil(to_event.fillna(0)), np.floor(to_now))
    survival, curve = 1.0, []
    for t in np.unique(days[event]):
        at_risk = (days >= t).sum()
        survival *= 1 - ((days == t) & event).sum() / at_risk
        curve.append((t, 1 - survival))
    final = curve[-1][1]
    return next(t for t, converted in curve if converted >= quantile * final - 1e-12)


def test_immature_records_window_and_expression():
    frame = timeline()
    settings = AuditSettings(outcome_time="converted_at", now=NOW.to_pydatetime())
    report = run(frame, time_column="created_at", settings=settings)
    window = km_window(frame, NOW, 0.9)
    cutoff = NOW - pd.Timedelta(days=window)
    expected = int((frame["created_at"] > cutoff).sum())
    assert 20 <= window <= 60
    assert report.summary["maturity_window_days"] == pytest.approx(window)
    finding = only(report, "immature", "created_at")
    assert finding.severity == "warning"
    assert finding.details["records"] == expected == report.summary["immature_records"]
    assert finding.details["positives"] == int(
        ((frame["created_at"] > cutoff) & (frame.y == "yes")).sum()
    )
    resolved = resolve_outcome(open_source(frame).table, Outcome(column="y"))
    again = audit_table(resolved.table, resolved.label, time_column="created_at", settings=settings)
    assert int(resolved.table.filter(again.immature).count().execute()) == expected
    # The default reference time is the latest timestamp in the data.
    default = run(
        frame, time_column="created_at", settings=AuditSettings(outcome_time="converted_at")
    )
    latest = max(frame["created_at"].max(), frame["converted_at"].max())
    assert default.summary["now"] == latest.isoformat()


def test_no_immature_finding_when_everything_had_time():
    frame = timeline()
    late = NOW + pd.Timedelta(days=400)
    settings = AuditSettings(outcome_time="converted_at", now=late.to_pydatetime())
    report = run(frame, time_column="created_at", settings=settings)
    none_of(report, "immature")
    assert report.immature is None
    assert report.summary["immature_records"] == 0


def test_outcome_before_creation_is_reported():
    frame = timeline(500)
    first = frame.index[frame.y == "yes"][:3]
    frame.loc[first, "converted_at"] = frame.loc[first, "created_at"] - pd.Timedelta(days=2)
    settings = AuditSettings(outcome_time="converted_at", now=NOW.to_pydatetime())
    finding = only(run(frame, time_column="created_at", settings=settings), "time_order")
    assert finding.severity == "warning" and finding.details["records"] == 3


def test_stale_records():
    frame = clean(1000)
    now = datetime(2024, 6, 30)
    old = pd.Timestamp("2023-06-01")
    frame["updated_at"] = np.where(np.arange(1000) < 700, old, pd.Timestamp("2024-06-01"))
    frame["updated_at"] = pd.to_datetime(frame["updated_at"])
    report = run(frame, settings=AuditSettings(updated="updated_at", stale_days=180, now=now))
    finding = only(report, "stale", "updated_at")
    assert finding.severity == "warning" and finding.details["share"] == pytest.approx(0.7)
    frame["updated_at"] = pd.Timestamp("2024-06-01")
    report = run(frame, settings=AuditSettings(updated="updated_at", now=now))
    none_of(report, "stale")
    assert report.summary["stale_share"] == 0


# --- the bank data ------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def bank_report(bank_path):
    source = open_source(bank_path, delimiter=";")
    resolved = resolve_outcome(source.table, Outcome(column="y"))
    return audit_table(resolved.table, resolved.label)


def test_bank_duration_is_flagged_as_leakage(bank_report):
    finding = only(bank_report, "leakage", "duration")
    assert finding.severity in {"warning", "error"}
    assert finding.details["auc"] == pytest.approx(0.808, abs=0.005)


def test_bank_ordinary_predictors_are_not_leakage(bank_report):
    leaks = {f.column for f in bank_report.findings if f.kind == "leakage"}
    assert leaks == {"duration"}
    assert bank_report.errors() == []


def test_bank_unknown_placeholders(bank_report):
    expected = {"job": 288, "education": 1857, "contact": 13020, "poutcome": 36959}
    for column, count in expected.items():
        finding = only(bank_report, "placeholder", column)
        assert finding.details["values"]["unknown"]["records"] == count
    assert only(bank_report, "placeholder", "poutcome").severity == "warning"
    assert only(bank_report, "placeholder", "job").severity == "info"
    # pdays = -1 ("not contacted before") is reported as a sentinel, for information only.
    pdays = only(bank_report, "placeholder", "pdays")
    assert pdays.severity == "info" and pdays.details["values"] == {"-1": {"records": 36954}}


def test_bank_summary(bank_report):
    summary = bank_report.summary
    assert summary["records"] == 45211 and summary["positives"] == 5289
    assert only(bank_report, "sample_size").severity == "info"
    none_of(bank_report, "duplicate_row")
    none_of(bank_report, "missing")


def test_expression_outcome_columns_are_passed_in_exclude():
    frame = clean()
    frame["stage"] = np.where(frame.y == "yes", "won", "lost")
    frame = frame.drop(columns="y")
    resolved = resolve_outcome(open_source(frame).table, Outcome(expression="stage = 'won'"))
    report = audit_table(resolved.table, resolved.label, exclude=["stage"])
    none_of(report, "leakage")
    assert report.summary["not_audited"] == ["__fit", "stage"]


def test_many_distinct_values_are_rounded_without_changing_the_auc_much():
    rng = np.random.default_rng(8)
    n = 12_000
    y = rng.random(n) < 0.2
    signal = np.where(y, rng.normal(2.0, 1, n), rng.normal(0, 1, n)) * 1000  # > 10,000 distinct
    frame = pd.DataFrame({"signal": signal, "y": np.where(y, "yes", "no")})
    finding = only(run(frame), "leakage", "signal", rule="auc")
    u = stats.mannwhitneyu(signal[y], signal[~y]).statistic / (y.sum() * (~y).sum())
    assert finding.details["auc"] == pytest.approx(u, abs=0.002)
