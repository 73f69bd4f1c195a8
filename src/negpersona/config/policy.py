"""The ``policy:`` section of the spec: the rule that picks which personas to exclude."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

Rule = Literal["max_conversion_loss", "break_even", "all", "none"]


class PolicySettings(BaseModel):
    """The ``policy:`` section of the spec (every field also a CLI option)."""

    model_config = ConfigDict(extra="forbid", validate_assignment=True)

    rule: Rule = "max_conversion_loss"
    max_conversion_loss: float = Field(
        0.05, ge=0, le=1, description="Largest share of conversions the exclusion may lose."
    )
    cost_per_record: float | None = Field(
        None, ge=0, description="What one record costs to reach (default: discovery.cost)."
    )
    value_per_conversion: float | None = Field(
        None, ge=0, description="Value of one conversion (default: discovery.value or the value "
        "column's average per conversion).",
    )  # fmt: skip
    holdout: float = Field(
        0.05, ge=0, le=0.5, description="Share of excluded records kept targeted (exploration)."
    )
    salt: str = Field("negpersona", min_length=1, description="Salt of the holdout hash.")
    exclude: list[str] = Field(default_factory=list, description="Persona ids always excluded.")
    keep: list[str] = Field(default_factory=list, description="Persona ids never excluded.")
