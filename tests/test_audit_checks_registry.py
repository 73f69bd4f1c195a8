"""The audit runs the registered checks, in the documented order."""

from __future__ import annotations

import ibis
import pandas as pd

from negpersona.audit import AuditContext, audit_table, register, registered
from negpersona.audit.registry import ORDER, unregister


def _table():
    frame = pd.DataFrame(
        {
            "lead_id": range(400),
            "size": ["small", "unknown"] * 200,
            "y": [True, False, False, False] * 100,
        }
    )
    table = ibis.memtable(frame)
    return table, table["y"]


def test_every_check_is_registered_once_in_the_documented_order() -> None:
    checks = registered()
    assert [check.name for check in checks] == list(ORDER)
    assert all(check.description and check.description.endswith(".") for check in checks)
    assert len({check.function for check in checks}) == len(checks)


def test_the_audit_iterates_the_registry() -> None:
    seen: list[int] = []

    @register("test_records", "Counts the records, for this test.")
    def count(context: AuditContext) -> None:
        seen.append(context.n)
        context.add("info", "test_records", None, f"{context.n} records.", "Nothing to do.")

    try:
        assert registered()[-1].name == "test_records"  # unknown names run after the built-ins
        table, label = _table()
        report = audit_table(table, label, id_column="lead_id")
        assert seen == [400]
        assert [f.message for f in report.by_kind("test_records")] == ["400 records."]
        assert report.by_kind("placeholder"), "the built-in checks still ran"
    finally:
        unregister("test_records")
    table, label = _table()
    assert not audit_table(table, label, id_column="lead_id").by_kind("test_records")


def test_a_name_cannot_be_registered_twice() -> None:
    import pytest

    with pytest.raises(ValueError, match="already registered"):
        register("leakage", "Another leakage check.")(lambda context: None)
