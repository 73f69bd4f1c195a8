"""Other tables keyed to the primary one: ``related:`` (joined as conditions) and ``texts:``
(survey answers and notes, read for persona cards only)."""

from __future__ import annotations

from typing import ClassVar, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

Role = Literal["demographic", "behavior", "need", "characteristic"]

ROLES: tuple[str, ...] = ("demographic", "behavior", "need", "characteristic")

RelationKind = Literal["one_to_one", "events"]

NAME_PATTERN = r"^[A-Za-z][A-Za-z0-9_]*$"

EVENT_ONLY_FIELDS = ("type_column", "time_column", "window_days", "relative_to", "never")


class TableRef(BaseModel):
    """Another table keyed to the primary one: where it is and how its key matches.

    Shared by ``related:`` entries (joined as conditions) and ``texts:`` entries (read for
    persona cards only).
    """

    model_config = ConfigDict(extra="forbid", validate_assignment=True)
    section_label: ClassVar[str] = "related table"  # how error messages name an entry

    name: str = Field(pattern=NAME_PATTERN, description="Short name (prefixes new columns).")
    source: str = Field(min_length=1, description="CSV/Parquet path, frame key or table name.")
    key: str = Field(min_length=1, description="Key column in this table.")
    on: str | None = Field(None, description="Key column in the primary table (default: key).")
    delimiter: str | None = None

    @property
    def primary_key(self) -> str:
        return self.on or self.key


class Related(TableRef):
    """One related table, an entry of ``related:`` in ``negpersona.yaml``."""

    kind: RelationKind = "one_to_one"
    columns: list[str] | None = Field(None, description="one_to_one: columns to bring.")
    role: Role | None = Field(None, description="Persona aspect of all columns of this table.")
    type_column: str | None = None
    time_column: str | None = None
    window_days: int | None = Field(None, ge=1)
    relative_to: str | None = None
    never: list[tuple[str, str]] = Field(default_factory=list)

    @field_validator("never")
    @classmethod
    def _distinct_pairs(cls, pairs: list[tuple[str, str]]) -> list[tuple[str, str]]:
        for did, never in pairs:
            if did == never:
                raise ValueError(f"a never pair needs two different event types, not {did!r} twice")
        return pairs

    @model_validator(mode="after")
    def _fields_fit_kind(self) -> Related:
        if self.kind == "one_to_one":
            given = [f for f in EVENT_ONLY_FIELDS if getattr(self, f) not in (None, [])]
            if given:
                raise ValueError(
                    f"{', '.join(given)} only apply to kind: events (related table {self.name!r})"
                )
            return self
        if self.columns is not None:
            raise ValueError(f"columns only applies to kind: one_to_one ({self.name!r})")
        if (self.window_days is not None or self.relative_to) and not self.time_column:
            raise ValueError(f"window_days and relative_to need a time_column ({self.name!r})")
        if self.never and not self.type_column:
            raise ValueError(f"never pairs need a type_column ({self.name!r})")
        return self


class TextSource(TableRef):
    """One entry of ``texts:``: a table of answers about the records, for persona cards only."""

    section_label: ClassVar[str] = "text source"

    text: list[str] = Field(default_factory=list, description="Free-text answer columns.")
    category: str | None = Field(None, description="Column with a categorized reason.")
    competitor: str | None = Field(None, description="Column naming competitors or current tools.")

    def columns(self) -> list[str]:
        return [*self.text, *[c for c in (self.category, self.competitor) if c]]
