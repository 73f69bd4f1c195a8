"""The ``audit:`` section of the spec: thresholds of the data-quality checks."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, ConfigDict, Field

DEFAULT_PLACEHOLDERS = [
    "select", "n/a", "na", "none", "null", "unknown", "-", "--", "?", "",
    "999", "9999", "99999", "-1",
]  # fmt: skip


class AuditSettings(BaseModel):
    """The ``audit:`` section of the spec."""

    model_config = ConfigDict(extra="forbid", validate_assignment=True)

    outcome_time: str | None = Field(None, description="Column with when the outcome happened.")
    updated: str | None = Field(None, description="Column with the last update time.")
    stale_days: int = Field(180, ge=1, description="Records not updated for longer are stale.")
    placeholders: list[str] = Field(
        default_factory=lambda: list(DEFAULT_PLACEHOLDERS),
        description="Values meaning 'missing' (trimmed, case-insensitive); numeric entries are "
        "sentinels flagged on numeric columns only when they form a suspicious spike.",
    )
    maturity_quantile: float = Field(0.9, gt=0, lt=1)
    leakage_auc: float = Field(0.9, gt=0.5, le=1)
    leakage_name_auc: float = Field(
        0.75,
        gt=0.5,
        le=1,
        description="Lower AUC threshold for columns whose name suggests post-outcome data.",
    )
    power: float = Field(0.8, gt=0, lt=1)
    now: datetime | None = Field(None, description="Reference time (default: latest in data).")
