"""The dataset spec, ``negpersona.yaml``.

One validated model holds everything a run needs: where the data is, which column is the outcome
and what counts as a fit, which columns have special roles (id, time, value, cost), which are
excluded or sensitive, and the discovery settings. ``negpersona init`` drafts it from the data;
every CLI option can also be set here, and an option given on the command line wins.
"""

from __future__ import annotations

import os
from datetime import datetime
from pathlib import Path
from typing import Any, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from negpersona.config.audit import AuditSettings
from negpersona.config.policy import PolicySettings
from negpersona.config.tables import Related, Role, TextSource
from negpersona.errors import ConfigError

OutcomeKind = Literal["conversion", "churn", "win_loss"]
ColumnType = Literal["numeric", "categorical", "boolean", "date", "text", "id"]
Measure = Literal["wracc", "savings"]


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", validate_assignment=True)


class Outcome(_Model):
    """Which records are fits.

    ``column`` + ``positive`` name the event (a conversion, a won deal, or for ``kind: churn`` a
    churn); ``expression`` is an SQL condition instead (``dealstage = 'closedwon'``). For churn the
    churned records are the non-fits, so rates are retention rates.
    """

    column: str | None = None
    positive: list[Any] | None = None
    expression: str | None = None
    kind: OutcomeKind = "conversion"

    @model_validator(mode="after")
    def _one_definition(self) -> Outcome:
        if self.column and self.expression:
            raise ValueError("give either outcome.column or outcome.expression, not both")
        return self


class ColumnSpec(_Model):
    """Per-column overrides of what ``init`` inferred."""

    type: ColumnType | None = None
    description: str | None = None


class DiscoverySettings(_Model):
    """How the search runs and what counts as a negative persona."""

    depth: int = Field(3, ge=1, le=4, description="Most conditions in one segment.")
    min_support: float = Field(
        0.01, gt=0, lt=1, description="Smallest segment as a share of discovery records."
    )
    min_records: int = Field(30, ge=1, description="Smallest segment in records.")
    max_rate_ratio: float = Field(
        0.5, gt=0, le=1, description="A negative segment converts at most this × baseline."
    )
    bins: int = Field(5, ge=2, le=20, description="Quantile bins per numeric column.")
    max_categories: int = Field(20, ge=2, le=200, description="Top values kept per column.")
    measure: Measure = "wracc"
    cost: float | None = Field(None, ge=0, description="Cost of one record (business mode).")
    value: float | None = Field(None, ge=0, description="Value of one conversion (business mode).")
    confirm: bool = True
    confirm_fraction: float = Field(0.3, gt=0, lt=0.9)
    alpha: float = Field(0.05, gt=0, lt=0.5)
    correction: Literal["holm", "fdr_bh"] = "holm"
    jaccard: float = Field(0.8, gt=0, le=1, description="Overlap above which two are duplicates.")
    max_personas: int = Field(8, ge=1, le=50)
    max_share: float = Field(
        0.5,
        gt=0,
        le=1,
        description="Largest persona as a share of discovery records: a bigger segment is most "
        "of the audience, not a persona (its sharper parts are).",
    )
    min_new_share: float = Field(
        0.5,
        ge=0,
        le=1,
        description="Share of a persona's records not in the personas chosen before it.",
    )
    max_candidates: int = Field(
        30, ge=1, le=500, description="Candidates taken to confirmation (after redundancy)."
    )
    pool: int = Field(200, ge=10, le=100_000, description="Best segments kept by the search.")
    seed: int = 0
    run_audit: bool = Field(True, description="Audit the data first (errors stop discovery).")
    force: bool = Field(False, description="Go on despite audit errors.")
    keep_immature: bool = Field(
        False, description="Keep records too young to have converted (left out by default)."
    )
    max_search_rows: int = Field(
        250_000,
        ge=1000,
        description="Records above which the search runs on a seeded sample of about this many "
        "records; every reported number is then recounted exactly on all records.",
    )


class CardSettings(_Model):
    """What persona cards show (the ``cards:`` section)."""

    review_days: int = Field(
        90, ge=1, le=3650, description="Days after discovery by which a persona is reviewed."
    )
    profile_values: int = Field(5, ge=1, le=20, description="Values listed per persona aspect.")
    terms: int = Field(10, ge=1, le=50, description="Distinguishing words per text column.")
    quotes: int = Field(3, ge=0, le=10, description="Representative quotes per text column.")
    late_quantile: float = Field(
        0.75,
        gt=0,
        lt=1,
        description="Conversions later than this quantile of all times to convert count as late.",
    )


class ExportSettings(_Model):
    """Contact columns for audience exports (the ``export:`` section; CLI options win)."""

    email_column: str | None = None
    phone_column: str | None = None
    country_column: str | None = Field(None, description="ISO country codes of phone numbers.")
    default_country: str | None = Field(None, description="Country of numbers without one.")


class Spec(_Model):
    """Everything about one dataset: the content of ``negpersona.yaml``."""

    source: str | None = None
    delimiter: str | None = None
    table: str | None = None
    id: str | None = None
    outcome: Outcome = Field(default_factory=Outcome)
    time: str | None = None
    value: str | None = None
    cost: str | None = None
    exclude: list[str] = Field(default_factory=list)
    sensitive: list[str] = Field(default_factory=list)
    allow_sensitive: list[str] = Field(default_factory=list)
    allow_columns: list[str] = Field(
        default_factory=list,
        description="Columns set aside by default (calendar position) allowed in conditions.",
    )
    columns: dict[str, ColumnSpec] = Field(default_factory=dict)
    related: list[Related] = Field(default_factory=list)
    texts: list[TextSource] = Field(default_factory=list)
    audit: AuditSettings = Field(default_factory=AuditSettings)
    roles: dict[str, Role] = Field(default_factory=dict)
    reference_time: datetime | None = None
    discovery: DiscoverySettings = Field(default_factory=DiscoverySettings)
    cards: CardSettings = Field(default_factory=CardSettings)
    policy: PolicySettings = Field(default_factory=PolicySettings)
    export: ExportSettings = Field(default_factory=ExportSettings)

    def special_columns(self) -> dict[str, str]:
        """Columns with a role other than 'condition', mapped to that role."""
        roles = {
            self.id: "id column",
            self.outcome.column: "outcome column",
            self.time: "time column",
            self.value: "value column",
            self.cost: "cost column",
        }
        found = {name: role for name, role in roles.items() if name}
        for name in self.outcome_expression_columns():
            found.setdefault(name, "used by the outcome expression")
        return found

    def outcome_expression_columns(self) -> list[str]:
        """Columns the outcome expression reads: they define the outcome, so never conditions."""
        if not self.outcome.expression:
            return []
        import sqlglot
        from sqlglot import exp

        try:
            tree = sqlglot.parse_one(self.outcome.expression)
        except sqlglot.errors.ParseError:
            return []
        return sorted({column.name for column in tree.find_all(exp.Column)})

    def with_overrides(self, **overrides: Any) -> Spec:
        """A copy with top-level or ``discovery`` fields replaced by non-None values."""
        data = self.model_dump()
        discovery_fields = set(DiscoverySettings.model_fields)
        for key, value in overrides.items():
            if value is None or (isinstance(value, list | tuple) and not value):
                continue
            if key in discovery_fields:
                data["discovery"][key] = value
            elif key in {"target", "positive", "kind", "expression"}:
                if key == "target" and value != data["outcome"].get("column"):
                    # A new outcome column: the file's expression and positives were for another.
                    data["outcome"]["expression"] = None
                    if not overrides.get("positive"):
                        data["outcome"]["positive"] = None
                field = "column" if key == "target" else key
                data["outcome"][field] = list(value) if key == "positive" else value
            elif key in {"value_column", "cost_column"}:
                data[key.removesuffix("_column")] = value
            elif key in {"exclude", "sensitive", "allow_sensitive", "allow_columns"}:
                data[key] = sorted(set(data[key]) | set(value))
            else:
                data[key] = value
        return validate_spec(data, "options")


def validate_spec(data: dict[str, Any], origin: str) -> Spec:
    """Validate raw data into a :class:`Spec`, with errors that name the field."""
    try:
        return Spec.model_validate(data)
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(part) for part in first["loc"]) or "(top level)"
        message = first["msg"].removeprefix("Value error, ")
        raise ConfigError(
            f"Invalid setting in {origin}: {where}: {message}.",
            f"Fix '{where}' ({exc.error_count()} problem(s) in total).",
        ) from None


def load_spec(path: str | Path) -> Spec:
    """Read ``negpersona.yaml``; relative source paths are taken from the file's folder."""
    path = Path(path)
    if not path.exists():
        raise ConfigError(
            f"Spec file not found: {path}.", "Run 'negpersona init DATA' to draft one."
        )
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    except yaml.YAMLError as exc:
        raise ConfigError(f"{path} is not valid YAML: {str(exc).splitlines()[0]}.") from None
    if not isinstance(data, dict):
        raise ConfigError(f"{path} must hold a mapping of settings, not {type(data).__name__}.")
    spec = validate_spec(data, str(path))
    if spec.source and "://" not in spec.source and not Path(spec.source).is_absolute():
        spec.source = os.path.relpath((path.parent / spec.source).resolve())
    for item in [*spec.related, *spec.texts]:  # files, like the source, are relative to the spec
        candidate = path.parent / item.source
        if "://" not in item.source and not Path(item.source).is_absolute() and candidate.exists():
            item.source = os.path.relpath(candidate.resolve())
    return spec
