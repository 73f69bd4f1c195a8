"""What the audit returns: findings with a severity, and the report that holds them."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from ibis.expr.types import BooleanValue

from negpersona.audit.common import Severity, _plain
from negpersona.model.document import AuditDocument, write_document


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
        write_document(path, AuditDocument, self.to_dict())
