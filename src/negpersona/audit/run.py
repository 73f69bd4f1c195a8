"""Running the audit: the context, the base step, then every registered check in order."""

from __future__ import annotations

from ibis.expr.types import BooleanValue, Table

# The checks register themselves when imported; their order comes from registry.ORDER.
from negpersona.audit import (  # noqa: F401
    balance,
    calendar,
    duplicates,
    leakage,
    missing,
    placeholders,
    sentinels,
    size,
    times,
)
from negpersona.audit.common import SEVERITY_ORDER
from negpersona.audit.context import AuditContext
from negpersona.audit.findings import AuditReport
from negpersona.audit.registry import Check, registered
from negpersona.config.audit import AuditSettings
from negpersona.data.profile import ColumnProfile

CHECKS: tuple[Check, ...] = tuple(registered())
"""The built-in checks, in run order (:func:`registered` also lists checks added later)."""


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
    context = AuditContext(
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
    )
    return run_checks(context)


def run_checks(context: AuditContext) -> AuditReport:
    """The base counts, each registered check, and the findings sorted by severity."""
    context.base()
    for check in registered():
        check.function(context)
    context.findings.sort(key=lambda f: (SEVERITY_ORDER[f.severity], f.kind, f.column or ""))
    context.summary["findings"] = {
        level: sum(f.severity == level for f in context.findings) for level in SEVERITY_ORDER
    }
    return AuditReport(context.findings, context.summary, context.immature)
