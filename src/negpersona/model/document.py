"""The run document: the schema of ``personas.json``, ``policy.json`` and ``audit.json``.

These files are a contract other tools read (a CRM sync, a dashboard, a later ``recheck``), so
their shape is written down here as pydantic models and every file carries a ``schema_version``.
Writing validates the document (a bug that drops a field fails here, not in a reader); reading
validates it too, so a damaged or hand-broken file gets an error naming the file and the field.

Compatibility rules:

* Files written before versioning have no ``schema_version``: they read as version 0, which has
  the same fields (the models accept them unchanged).
* Unknown fields are kept (``extra="allow"``): a newer writer may add fields, and persona cards
  and YAML edits carry open-ended data.
* A file with a *higher* version than this release knows is refused with a clear message, since
  its fields may mean something else.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any, Literal, TypeVar

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from negpersona.errors import DataError
from negpersona.model.atomic import to_json, write_text

SCHEMA_VERSION = 1
Document = TypeVar("Document", bound="_Document")


class _Part(BaseModel):
    # defer_build: a validator is built the first time a document is read, so a command that
    # reads two kinds (``score``) does not pay for building all of them at import.
    model_config = ConfigDict(extra="allow", defer_build=True)


class _Document(_Part):
    schema_version: int = Field(SCHEMA_VERSION, ge=0)


class Rate(_Part):
    """Records, conversions and their rate in one part of the data."""

    records: int = Field(ge=0)
    positives: int = Field(ge=0)
    rate: float | None = Field(ge=0, le=1)  # None: no records in this part


class Baseline(Rate):
    """The rate every persona is compared with, overall and per part of the split."""

    rate_ci: tuple[float | None, float | None] | None = None
    discovery: Rate | None = None
    confirmation: Rate | None = None


class ConditionDoc(_Part):
    column: str
    op: str
    value: Any = None


class ConfirmationDoc(_Part):
    """A persona measured on the held-out records."""

    records: int = Field(ge=0)
    positives: int = Field(ge=0)
    rate: float | None
    rate_ci: tuple[float | None, float | None] | None
    p_value: float | None
    p_adjusted: float | None
    confirmed: bool
    baseline_rate: float = 0.0
    rate_ratio: float | None = None


class PersonaDoc(_Part):
    """One persona: its conditions and evidence; ``card`` and edits ride along as extras."""

    id: str = ""
    name: str = ""
    description: list[str] = Field(default_factory=list)
    conditions: list[ConditionDoc] = Field(min_length=1)
    records: int = Field(ge=0)
    share: float
    positives: int = Field(ge=0)
    rate: float
    rate_ci: tuple[float, float]
    rate_ratio: float | None
    conversion_share: float | None
    quality: float | None
    value_share: float | None = None
    confirmation: ConfirmationDoc | None = None


class SetAside(_Part):
    column: str
    reason: str


class TradeoffStep(_Part):
    """One point of the trade-off curve: the union of the first ``step`` personas."""

    step: int = Field(ge=0)
    id: str | None = None
    name: str
    records: int = Field(ge=0)
    conversions: int = Field(ge=0)
    records_share: float
    conversions_share: float


class RunDocument(_Document):
    """``personas.json``: one discovery run."""

    baseline: Baseline
    settings: dict[str, Any]
    set_aside: list[SetAside] = Field(default_factory=list)
    notes: list[str] = Field(default_factory=list)
    created: str | None = None
    data_window: dict[str, Any] | None = None
    tradeoff: list[TradeoffStep] | None = None
    selection: dict[str, Any] | None = None
    reference: dict[str, Any] | None = None  # bins and counts for re-checks (data/drift.py)
    personas: list[PersonaDoc]
    unconfirmed: list[PersonaDoc] = Field(default_factory=list)


class PolicyDocument(_Document):
    """``policy.json``: which personas the rule excludes, and what that is expected to cost."""

    rule: str
    summary: str | None = None
    settings: dict[str, Any] = Field(default_factory=dict)
    cost_per_record: float | None = None
    value_per_conversion: float | None = None
    curve: list[TradeoffStep] = Field(default_factory=list)
    chosen_step: int = Field(0, ge=0)
    excluded: list[str]
    holdout: float = Field(ge=0, le=1)
    salt: str
    impact: dict[str, Any] | None = None
    notes: list[str] = Field(default_factory=list)


class FindingDoc(_Part):
    severity: Literal["error", "warning", "info"]
    kind: str
    column: str | None = None
    message: str
    suggestion: str = ""
    details: dict[str, Any] = Field(default_factory=dict)


class AuditDocument(_Document):
    """``audit.json``: the data audit's findings and summary."""

    findings: list[FindingDoc]
    summary: dict[str, Any] = Field(default_factory=dict)


class RecheckVerdict(_Part):
    status: Literal["holds", "weakening", "broken", "too few records", "awaiting outcomes"]
    action: str


class RecheckPersona(_Part):
    id: str
    name: str
    excluded: bool
    size: dict[str, Any]
    verdict: RecheckVerdict
    holdout: dict[str, Any] | None = None
    drift: list[dict[str, Any]] = Field(default_factory=list)
    movement: dict[str, Any] | None = None


class RecheckDocument(_Document):
    """``recheck.json``: the personas of one folder re-checked on a new batch."""

    kind: Literal["recheck"]
    created: str
    folder: str
    data: str
    outcome_available: bool
    baseline: dict[str, Any]
    excluded: list[str]
    summary: dict[str, int]
    personas: list[RecheckPersona]
    candidates: list[dict[str, Any]] = Field(default_factory=list)
    review: list[dict[str, Any]] = Field(default_factory=list)
    notes: list[str] = Field(default_factory=list)


def versioned(data: dict[str, Any]) -> dict[str, Any]:
    """``data`` with the current ``schema_version`` as its first field."""
    rest = {key: value for key, value in data.items() if key != "schema_version"}
    return {"schema_version": SCHEMA_VERSION, **rest}


def validated(model: type[Document], data: Any, path: str | Path) -> Document:
    """``data`` as ``model``; a clear :class:`DataError` naming ``path`` and the field if not.

    A missing ``schema_version`` means a file written before versioning (version 0).
    """
    if isinstance(data, dict):
        version = data.get("schema_version", 0)
        if isinstance(version, int) and version > SCHEMA_VERSION:
            raise DataError(
                f"{path} has schema_version {version}; this negpersona reads up to "
                f"{SCHEMA_VERSION}.",
                "Upgrade negpersona, or run discovery again with this version.",
            )
        if "schema_version" not in data:
            data = {**data, "schema_version": 0}
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(part) for part in first["loc"]) or "(top level)"
        raise DataError(
            f"{path} is damaged or not a negpersona file ({where}: {first['msg']}).",
            "Run 'negpersona discover' again to rewrite it.",
        ) from None


def write_document(path: str | Path, model: type[_Document], data: dict[str, Any]) -> None:
    """Write ``data`` as a versioned, validated ``model`` document, atomically."""
    text = to_json(versioned(data))
    validated(model, json.loads(text), Path(path).name)
    write_text(path, text)
