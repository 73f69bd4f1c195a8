"""The audit's registry of checks: the documented order, and a report unchanged by the split.

The expected report below was taken from the single-module audit (``audit/checks.py``, before
the checks were split into modules) on the same planted table; the split must not change it.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from negpersona.audit import CHECKS, AuditContext, audit_table, register, registered
from negpersona.audit.registry import unregister
from negpersona.config.audit import AuditSettings
from negpersona.config.spec import Outcome
from negpersona.data.outcome import resolve_outcome
from negpersona.data.source import open_source

DOCUMENTED_ORDER = [
    "class_balance",
    "sample_size",
    "missing_and_constant",
    "placeholders",
    "sentinels",
    "duplicates",
    "leakage",
    "calendar",
    "times",
]

SETTINGS = AuditSettings(
    outcome_time="converted_at", updated="updated_at", stale_days=60, now="2024-12-31"
)


def planted(n: int = 1500, seed: int = 3) -> pd.DataFrame:
    """A table with one problem for (nearly) every check, and 8 re-imported records."""
    rng = np.random.default_rng(seed)
    region = rng.choice(["north", "south", "east", "unknown"], n, p=[0.3, 0.25, 0.2, 0.25])
    score = rng.normal(50, 10, n).round(2)
    score[rng.random(n) < 0.03] = 999
    y = rng.random(n) < 0.2 + 0.1 * (region == "north")
    created = pd.Timestamp("2024-01-01") + pd.to_timedelta(rng.integers(0, 360, n), unit="D")
    delay = pd.to_timedelta(rng.integers(3, 30, n), unit="D")
    converted_at = pd.Series(created + delay).where(y)
    converted_at.iloc[:5] = pd.Series(created[:5] - pd.Timedelta(days=2)).where(y[:5])
    frame = pd.DataFrame(
        {
            "lead_id": np.arange(n),
            "created_at": created,
            "converted_at": converted_at,
            "updated_at": created + pd.to_timedelta(rng.integers(0, 30, n), unit="D"),
            "region": region,
            "score": score,
            "revenue": np.where(rng.random(n) < 0.3, np.nan, rng.normal(1e5, 2e4, n).round(0)),
            "plan": "basic",
            "call_duration": np.where(y, rng.normal(300, 30, n), rng.normal(60, 30, n)).round(0),
            "signup_month": pd.Series(created).dt.month_name(),
            "y": np.where(y, "yes", "no"),
        }
    )
    return pd.concat([frame, frame.iloc[:8]], ignore_index=True)


def audit_planted():
    resolved = resolve_outcome(open_source(planted()).table, Outcome(column="y"))
    return audit_table(
        resolved.table,
        resolved.label,
        id_column="lead_id",
        time_column="created_at",
        settings=SETTINGS,
    )


def test_checks_are_listed_once_in_the_documented_order() -> None:
    assert [check.name for check in CHECKS] == DOCUMENTED_ORDER
    assert list(CHECKS) == registered()  # nothing else is registered by default
    assert len({check.function for check in CHECKS}) == len(CHECKS)


def test_every_check_has_a_name_and_a_one_line_description() -> None:
    for check in CHECKS:
        assert check.name.strip()
        assert check.description.strip()
        assert "\n" not in check.description
        assert callable(check.function)


def test_a_registered_check_runs_after_the_built_ins_and_is_reported() -> None:
    seen: list[set[str]] = []

    @register("test_extra", "A check added by this test.")
    def extra(context: AuditContext) -> None:
        seen.append({f.kind for f in context.findings})
        context.add("warning", "test_extra", "region", "Added by the test.", "Nothing to do.")

    try:
        assert [check.name for check in registered()] == [*DOCUMENTED_ORDER, "test_extra"]
        report = audit_planted()
    finally:
        unregister("test_extra")
    assert len(seen) == 1 and {"duplicate_id", "immature", "stale"} <= seen[0]
    [finding] = report.by_kind("test_extra")
    assert (finding.severity, finding.column, finding.message) == (
        "warning",
        "region",
        "Added by the test.",
    )
    assert report.summary["findings"] == {"error": 2, "warning": 8, "info": 4}
    assert [check.name for check in registered()] == DOCUMENTED_ORDER
    assert not audit_planted().by_kind("test_extra")


def test_the_report_is_the_one_the_single_module_audit_gave() -> None:
    data = audit_planted().to_dict()
    assert [(f["severity"], f["kind"], f["column"]) for f in data["findings"]] == [
        ("error", "duplicate_id", "lead_id"),
        ("error", "leakage", "call_duration"),
        ("warning", "calendar", "signup_month"),
        ("warning", "duplicate_row", None),
        ("warning", "immature", "created_at"),
        ("warning", "missing", "revenue"),
        ("warning", "placeholder", "region"),
        ("warning", "stale", "updated_at"),
        ("warning", "time_order", "converted_at"),
        ("info", "class_balance", None),
        ("info", "constant", "plan"),
        ("info", "placeholder", "score"),
        ("info", "sample_size", None),
    ]
    messages = {(f["kind"], f["column"]): f["message"] for f in data["findings"]}
    assert messages["duplicate_id", "lead_id"] == (
        "lead_id is not unique: 8 ids appear more than once (8 extra records); "
        "e.g. 0 appears 2 times."
    )
    assert messages["missing", "revenue"] == "revenue: 446 of 1,508 values missing (29.6%)."
    assert messages["time_order", "converted_at"] == (
        "8 records have converted_at before created_at."
    )
    summary = data["summary"]
    assert summary["findings"] == {"error": 2, "warning": 7, "info": 4}
    assert {key: summary[key] for key in ("records", "positives", "columns_audited")} == {
        "records": 1508,
        "positives": 360,
        "columns_audited": 10,
    }
    assert summary["now"] == "2024-12-31T00:00:00"
    assert summary["calendar_columns"] == ["signup_month"]
    assert summary["min_confirmable_segment"] == 63
    assert summary["maturity_window_days"] == 26.0
    assert (summary["immature_records"], summary["immature_positives"]) == (88, 35)
    assert summary["maturity_cutoff"] == "2024-12-05T00:00:00"
