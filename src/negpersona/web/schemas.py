"""The REST API's request and response shapes (pydantic), which also make its OpenAPI schema."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

MAX_RECORDS = 1000  # per POST /api/score: a lead-routing call, not a batch job


class ErrorBody(BaseModel):
    code: str = Field(
        description="A stable name for the kind of problem, e.g. apply.missing_columns."
    )
    message: str = Field(description="What went wrong, in plain words.")
    hint: str | None = Field(None, description="What to do about it.")
    setting: str | None = Field(None, description="The setting that fixes it, if one does.")


class ErrorResponse(BaseModel):
    """Every error of the API has this shape."""

    error: ErrorBody


class ConditionOut(BaseModel):
    column: str
    op: str
    value: Any = None


class PersonaSummary(BaseModel):
    id: str
    name: str
    description: list[str]
    conditions: list[ConditionOut]
    records: int = Field(description="Members where the persona was found.")
    share: float = Field(description="Share of all records.")
    rate: float = Field(description="Conversion (or retention) rate of its members.")
    expected_rate: float = Field(description="Its rate on records the search never saw.")
    rate_ratio: float = Field(description="Its rate divided by the baseline rate.")
    action: Literal["exclude", "target"] = Field(description="What the policy does with it now.")
    paused: bool = Field(description="Its exclusion is paused by a re-check.")
    override: Literal["auto", "exclude", "target"] = Field(
        description="The action set in its YAML file (auto follows the policy)."
    )
    review_by: str | None = None


class PersonaCard(PersonaSummary):
    card: dict[str, Any] = Field(description="Everything its card in the report shows.")


class PolicyOut(BaseModel):
    rule: str | None = None
    summary: str | None = None
    excluded: list[str] = Field(description="Ids excluded now (policy, YAML overrides, pauses).")
    policy_excluded: list[str] = Field(description="Ids policy.json excludes.")
    paused: list[dict[str, Any]] = Field(default_factory=list)
    holdout: float = Field(description="Share of excluded members kept targeted.")
    notes: list[str] = Field(default_factory=list)


class ScoreOut(BaseModel):
    """The answer for one record, as ``negpersona score`` prints it."""

    model_config = ConfigDict(extra="allow")  # the record's id, under its own column name

    negative_personas: list[str]
    negative_persona: str | None
    expected_rate: float | None
    negative_persona_action: Literal["exclude", "holdout", "target"]


class RunOut(BaseModel):
    run_id: str
    kind: str
    created: str | None
    data: str | None = None
    records: int | None = None
    baseline_rate: float | None = None
    excluded: list[str] | None = None
    summary: Any = None
    has_recheck: bool = Field(description="GET /api/runs/{id}/recheck answers for this run.")


class Health(BaseModel):
    status: Literal["ok"]
    personas: int
