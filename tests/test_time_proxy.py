"""Calendar columns (month, day, weekday, ...) stay out of personas, and drift between the split parts.

A persona must describe who people are, not when they were seen: on the bank data (records in
time order) personas on ``month`` and ``day`` did not hold on later records.
"""

from __future__ import annotations

import json
import math
from pathlib import Path

import ibis
import numpy as np
import pandas as pd
import pytest
from typer.testing import CliRunner

from negpersona.audit import audit_table
from negpersona.cli.main import app
from negpersona.config.spec import Outcome, Spec
from negpersona.data.outcome import resolve_outcome
from negpersona.data.profile import ColumnProfile, profile_table
from negpersona.data.source import open_source
from negpersona.data.time_proxy import (
    DRIFT_THRESHOLD,
    PSI_EPSILON,
    calendar_reason,
    drift_band,
    split_drift,
)
from negpersona.search.compress import compress, working_table
from negpersona.search.plan import plan_columns

BANK = Path(__file__).parent / "data" / "bank-full.csv.gz"
runner = CliRunner(env={"COLUMNS": "200", "NO_COLOR": "1"})


def numeric(name: str, low, high, dtype: str = "int64", quantiles=()) -> ColumnProfile:
    return ColumnProfile(
        name=name,
        dtype=dtype,
        kind="numeric",
        count=1000,
        missing=0,
        distinct=20,
        minimum=low,
        maximum=high,
        quantiles=list(quantiles),
    )


def categorical(name: str, values: list[tuple[str, int]], other: int = 0) -> ColumnProfile:
    return ColumnProfile(
        name=name,
        dtype="string",
        kind="categorical",
        count=sum(n for _, n in values) + other,
        missing=0,
        distinct=len(values),
        top_values=values,
        other_count=other,
    )


# --- calendar_reason ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("profile", "needle"),
    [
        (numeric("day", 1, 31), "day of month, by name and values 1–31"),
        (numeric("month", 1, 12), "month, by name and values 1–12"),
        (numeric("signupMonth", 3, 9), "month, by name and values 3–9"),
        (numeric("mth", 1, 12), "month"),
        (numeric("day_of_week", 0, 6), "day of week"),
        (numeric("dayOfWeek", 1, 7), "day of week"),
        (numeric("weekday", 0, 6), "day of week"),
        (numeric("dow", 0, 6), "day of week"),
        (numeric("contact_hour", 0, 23), "hour of day"),
        (numeric("hr", 8, 20), "hour of day"),
        (numeric("week_of_year", 1, 52), "week of year"),
        (numeric("wk", 1, 53), "week of year"),
        (numeric("fiscal_quarter", 1, 4), "quarter"),
        (numeric("qtr", 1, 4), "quarter"),
        (numeric("year", 2008, 2010), "year, by name and values 2008–2010"),
        (numeric("yr", 1999, 2024), "year"),
        (numeric("order_date", 20240101, 20241231), "yyyymmdd"),
        # By values alone: every point read is a valid date.
        (numeric("x", 20080505, 20101110, quantiles=[20090315, 20100701]), "yyyymmdd"),
        (numeric("period", 202301, 202412), "yyyymm"),
        (numeric("created_ts", 1_600_000_000, 1_700_000_000), "epoch seconds"),
        (numeric("eventTimeMs", 1_600_000_000_000, 1_700_000_000_000), "epoch milliseconds"),
        (numeric("day", 1.0, 31.0, dtype="float64"), "day of month"),
        (categorical("month", [("may", 900), ("jul", 500), ("aug", 400), ("jun", 300)]), "month"),
        (categorical("m", [("Jan.", 10), ("February", 10), ("MAR", 10)]), "month names"),
        (categorical("contact_weekday", [("mon", 5), ("tue", 5), ("wed", 5)]), "weekday names"),
        (categorical("period", [("Q1", 5), ("Q2", 5), ("Q3", 5)]), "quarters"),
        (categorical("cohort", [("2024-Q1", 5), ("2024-Q2", 5)]), "quarters"),
        (categorical("cohort", [("2024-01", 5), ("2024-02", 5)]), "dates written as text"),
        (categorical("month", [("1", 5), ("5", 5), ("12", 5)]), "month, by name and values 1–12"),
    ],
)
def test_calendar_columns_are_recognized(profile, needle):
    reason = calendar_reason(profile)
    assert reason is not None, profile.name
    assert reason.startswith("calendar position (") and needle in reason, reason


def test_the_weekend_flag_is_recognized_by_name():
    flag = ColumnProfile("is_weekend", "boolean", "boolean", 100, 0, 2)
    assert calendar_reason(flag) == "calendar position (weekend flag, by name)"
    other = ColumnProfile("is_customer", "boolean", "boolean", 100, 0, 2)
    assert calendar_reason(other) is None


@pytest.mark.parametrize(
    "profile",
    [
        # Durations and counts, not positions in the calendar.
        numeric("days_since_signup", 0, 900),
        numeric("days_since_signup", 1, 30),
        numeric("active_days", 1, 30),
        numeric("day_count", 1, 31),
        numeric("n_days", 1, 31),
        numeric("days_to_first_event", 0, 14),
        numeric("web_days_to_last", 1, 14),
        numeric("holiday_budget", 1, 12),
        numeric("yearly_revenue", 1000, 2050),
        numeric("revenue_per_year", 1950, 2050),
        numeric("months_as_customer", 1, 12),
        numeric("years", 1990, 2020),
        numeric("week_day_count", 1, 7),
        numeric("avg_day", 1, 31),
        numeric("time_to_close", 1_600_000_000, 1_700_000_000),
        # A calendar name but values a calendar unit cannot take.
        numeric("day", 0, 400),
        numeric("month", 1, 13),
        numeric("day", 1.5, 30.5, dtype="float64"),
        numeric("year", 1, 50),
        # Ordinary columns whose values happen to fit a calendar range.
        numeric("balance", 1, 31),
        numeric("campaign", 1, 12),
        numeric("company_size", 1, 12),
        numeric("hr_score", 0, 100),
        numeric("x", 20_000_000, 20_999_999, quantiles=[20_123_456, 20_567_890]),
        numeric("revenue", 1_600_000_000, 1_700_000_000),
        categorical("job", [("admin.", 50), ("blue-collar", 40), ("may", 3)]),
        categorical("status", [("may", 50), ("yes", 50), ("no", 50)]),
        categorical("sex", [("m", 5), ("f", 5)]),
        # Month names, but only a minority of the values.
        categorical("notes", [("jan", 5), ("feb", 5), ("mar", 5)], other=100),
    ],
)
def test_durations_counts_and_ordinary_columns_are_not_calendar(profile):
    assert calendar_reason(profile) is None, calendar_reason(profile)


def test_date_columns_are_left_to_the_date_rule():
    stamp = ColumnProfile("created_at", "timestamp", "date", 100, 0, 100)
    assert calendar_reason(stamp) is None
    assert calendar_reason(numeric("created_at", 1_600_000_000, 1_700_000_000)) is not None


# --- split_drift --------------------------------------------------------------------------------


def test_split_drift_matches_a_hand_computed_psi():
    # Feature 0: discovery 60/40 over codes 0/1, confirmation 30/70.
    # Feature 1: discovery half missing (-1), half code 0; confirmation all code 0.
    # Feature 2: code 2 everywhere (codes 0 and 1 never seen): no drift.
    codes = np.array([[0, -1, 2], [1, 0, 2], [0, 0, 2], [0, 0, 2], [1, 0, 2]])
    counts = np.array([50, 40, 10, 30, 70])
    confirm = np.array([False, False, False, True, True])
    drift = split_drift(codes, counts, confirm, [object()] * 3)
    f0 = (0.3 - 0.6) * math.log(0.3 / 0.6) + (0.7 - 0.4) * math.log(0.7 / 0.4)
    f1 = (PSI_EPSILON - 0.5) * math.log(PSI_EPSILON / 0.5) + (1.0 - 0.5) * math.log(1.0 / 0.5)
    assert set(drift) == {0, 1, 2}
    assert drift[0] == pytest.approx(0.375829, abs=1e-6)
    assert drift[0] == pytest.approx(f0, rel=1e-12)
    assert drift[1] == pytest.approx(f1, rel=1e-12)
    assert drift[2] == 0.0
    assert drift_band(drift[0]) == "large" and drift_band(drift[1]) == "strong"
    assert drift_band(0.05) == "stable" and drift_band(0.2) == "moderate"


def test_split_drift_matches_a_loop_over_records():
    rng = np.random.default_rng(3)
    rows, width = 400, 4
    codes = rng.integers(-1, 6, size=(rows, width))
    counts = rng.integers(1, 20, size=rows)
    confirm = rng.random(rows) < 0.3 + 0.4 * (codes[:, 0] == 2)  # feature 0 drifts
    drift = split_drift(codes, counts, confirm, width)
    for j in range(width):
        expected = 0.0
        values = sorted(set(codes[:, j]))
        n_disc, n_conf = counts[~confirm].sum(), counts[confirm].sum()
        for value in values:
            p = counts[~confirm & (codes[:, j] == value)].sum() / n_disc or PSI_EPSILON
            q = counts[confirm & (codes[:, j] == value)].sum() / n_conf or PSI_EPSILON
            expected += (q - p) * math.log(q / p)
        assert drift[j] == pytest.approx(expected, rel=1e-9), j
    assert drift[0] > max(drift[1], drift[2], drift[3])


def test_split_drift_without_confirmation_records_is_zero():
    codes = np.array([[0], [1]])
    assert split_drift(codes, np.array([5, 5]), np.array([False, False]), 1) == {0: 0.0}
    assert split_drift(np.empty((0, 0)), np.array([]), np.array([]), 0) == {}


@pytest.fixture(scope="module")
def bank_frame() -> pd.DataFrame:
    return pd.read_csv(BANK, sep=";")


@pytest.fixture(scope="module")
def bank_profiles(bank_frame):
    table = ibis.memtable(bank_frame)
    columns = [c for c in bank_frame.columns if c != "y"]
    return table, profile_table(table, columns=columns)


def test_bank_month_drifts_strongly_in_time_order_but_people_columns_do_not(
    bank_frame, bank_profiles
):
    table, profiles = bank_profiles
    spec = Spec(allow_columns=["month", "day"], allow_sensitive=["age", "marital"])
    plan = plan_columns(table, profiles, spec)
    n = len(bank_frame)
    ordered = ibis.memtable(bank_frame.assign(__row=np.arange(n)))
    working = working_table(ordered, ordered.y == "yes", ordered["__row"] >= int(0.7 * n))
    rows = compress(working, plan.features)
    drift = {
        plan.features[i].column: psi
        for i, psi in split_drift(rows.codes, rows.count, rows.confirm, plan.features).items()
    }
    assert drift["month"] >= DRIFT_THRESHOLD
    # The campaign-history columns changed how they were recorded between campaigns (README).
    for column in ("contact", "pdays", "previous", "poutcome"):
        assert drift[column] >= DRIFT_THRESHOLD, (column, drift[column])
    for column in ("job", "education", "balance", "housing", "loan", "age", "marital"):
        assert drift[column] < DRIFT_THRESHOLD, (column, drift[column])
    # A seeded random split has no drift to speak of.
    shuffled = ibis.memtable(bank_frame.assign(__row=np.random.default_rng(0).permutation(n)))
    working = working_table(shuffled, shuffled.y == "yes", shuffled["__row"] >= int(0.7 * n))
    rows = compress(working, plan.features)
    assert max(split_drift(rows.codes, rows.count, rows.confirm, plan.features).values()) < 0.01


# --- plan ---------------------------------------------------------------------------------------


def test_plan_sets_bank_calendar_columns_aside(bank_profiles):
    table, profiles = bank_profiles
    plan = plan_columns(table, profiles, Spec())
    aside = {item["column"]: item["reason"] for item in plan.set_aside}
    assert plan.calendar == ["day", "month"]
    assert aside["month"] == "calendar position (month names); allow with --allow-column month"
    assert aside["day"] == (
        "calendar position (day of month, by name and values 1–31); allow with --allow-column day"
    )
    used = {feature.column for feature in plan.features}
    assert not used & {"month", "day"}
    assert {"job", "balance", "housing", "pdays", "campaign"} <= used
    # Sensitive comes first: age is sensitive, not calendar.
    assert aside["age"].startswith("sensitive")


def test_plan_keeps_allowed_calendar_columns(bank_profiles):
    table, profiles = bank_profiles
    spec = Spec().with_overrides(allow_columns=["month"]).with_overrides(allow_columns=["day"])
    assert spec.allow_columns == ["day", "month"]  # merged, like allow_sensitive
    plan = plan_columns(table, profiles, spec)
    assert plan.calendar == []
    by_column = {feature.column: feature for feature in plan.features}
    assert by_column["month"].kind == "categorical" and "may" in by_column["month"].values
    assert by_column["day"].kind == "numeric" and by_column["day"].cuts
    assert not {item["column"] for item in plan.set_aside} & {"month", "day"}


# --- audit --------------------------------------------------------------------------------------


def bank_audit(**options):
    source = open_source(BANK, delimiter=";")
    resolved = resolve_outcome(source.table, Outcome(column="y"))
    return audit_table(resolved.table, resolved.label, **options)


def test_audit_flags_bank_calendar_columns():
    report = bank_audit()
    found = {f.column: f for f in report.by_kind("calendar")}
    assert set(found) == {"day", "month"}
    month = found["month"]
    assert month.severity == "warning"
    assert "month names" in month.message and "not who they are" in month.message
    assert "--allow-column month" in month.suggestion
    assert month.details == {"reason": "calendar position (month names)", "allowed": False}
    assert "values 1–31" in found["day"].message
    assert report.summary["calendar_columns"] == ["day", "month"]


def test_audit_marks_allowed_calendar_columns_as_info():
    report = bank_audit(allow_columns=["month"])
    severity = {f.column: f.severity for f in report.by_kind("calendar")}
    assert severity == {"day": "warning", "month": "info"}
    month = next(f for f in report.by_kind("calendar") if f.column == "month")
    assert month.details["allowed"] is True and "allowed" in month.message


def test_audit_calendar_skips_role_columns_and_works_with_one_class():
    n = 400
    rng = np.random.default_rng(1)
    frame = pd.DataFrame(
        {
            "lead_id": np.arange(n),
            "created_ts": 1_700_000_000 + np.arange(n) * 3600,
            "signup_month": rng.choice(["jan", "feb", "mar", "apr"], n),
            "visit_day": rng.integers(1, 29, n),
            "days_since_signup": rng.integers(0, 30, n),
            "region": rng.choice(["north", "south"], n),
            "y": rng.choice(["yes", "no"], n),
        }
    )
    options = dict(id_column="lead_id", time_column="created_ts", exclude=["visit_day"])
    resolved = resolve_outcome(open_source(frame).table, Outcome(column="y"))
    report = audit_table(resolved.table, resolved.label, **options)
    assert {f.column for f in report.by_kind("calendar")} == {"signup_month"}
    # Without the leakage check (one class only) the month names are still read.
    table = open_source(frame).table
    report = audit_table(table, table.region == "nowhere", **options)
    assert report.errors() and not report.by_kind("leakage")
    assert {f.column for f in report.by_kind("calendar")} == {"signup_month"}


# --- command line -------------------------------------------------------------------------------


def invoke(*args):
    return runner.invoke(app, [str(a) for a in args])


def test_discover_sets_calendar_columns_aside_and_allow_column_lets_them_in(tmp_path):
    out = tmp_path / "default"
    result = invoke("discover", BANK, "--target", "y", "--exclude", "duration", "--depth", "1",
                    "-o", out, "-q")  # fmt: skip
    assert result.exit_code == 0, result.output
    data = json.loads((out / "personas.json").read_text())
    aside = {item["column"]: item["reason"] for item in data["set_aside"]}
    assert "--allow-column month" in aside["month"] and "--allow-column day" in aside["day"]
    used = {c["column"] for p in data["personas"] + data["unconfirmed"] for c in p["conditions"]}
    assert used and not used & {"month", "day"}
    findings = json.loads((out / "audit.json").read_text())["findings"]
    calendar = {f["column"] for f in findings if f["kind"] == "calendar"}
    assert calendar == {"month", "day"}

    out = tmp_path / "allowed"
    result = invoke("discover", BANK, "--target", "y", "--exclude", "duration", "--depth", "1",
                    "--allow-column", "month", "--allow-column", "day", "-o", out, "-q")  # fmt: skip
    assert result.exit_code == 0, result.output
    data = json.loads((out / "personas.json").read_text())
    assert not {item["column"] for item in data["set_aside"]} & {"month", "day"}


def test_audit_command_takes_allow_column(tmp_path):
    result = invoke("audit", BANK, "--target", "y", "--allow-column", "month", "-o", tmp_path)
    assert result.exit_code == 0, result.output
    findings = json.loads((tmp_path / "audit.json").read_text())["findings"]
    calendar = {f["column"]: f for f in findings if f["kind"] == "calendar"}
    assert set(calendar) == {"month", "day"}
    assert "--allow-column day" in calendar["day"]["suggestion"]
    for command in ("discover", "audit"):
        help_text = invoke(command, "--help").stdout
        assert "--allow-column" in help_text
