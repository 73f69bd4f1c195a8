"""Discretized features and the selectors (single-column conditions) the search combines.

Each usable column becomes a small integer code computed by the engine: the quantile bin of a
number, the rank of a frequent category (the rest share an "other" code), and -1 for missing. A
selector is a set of codes of one feature together with the readable conditions that select
exactly those codes, e.g. codes {0, 1} of ``age`` ↔ ``age < 30``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import ibis
from ibis.expr.types import IntegerValue, Table

from negpersona.model.conditions import Condition

MISSING_CODE = -1


@dataclass(frozen=True)
class Selector:
    """One single-column condition (or a range of two) as a set of feature codes."""

    feature: int
    column: str
    conditions: tuple[Condition, ...]
    codes: tuple[int, ...]


@dataclass
class Feature:
    """A column prepared for the search: its codes and the selectors over them."""

    column: str
    kind: str  # "numeric" or "categorical"
    cuts: list[float] = field(default_factory=list)
    values: list[Any] = field(default_factory=list)
    has_missing: bool = False
    has_other: bool = False

    def code_expr(self, table: Table) -> IntegerValue:
        """Engine expression for the code of each record (int16, -1 for missing)."""
        column = table[self.column]
        if self.kind == "numeric":
            code: Any = ibis.literal(0, type="int16")
            for cut in self.cuts:
                code = code + (column >= cut).cast("int16")
        else:
            # Booleans compared with True/False literals, everything else by value.
            branches = [(column == value, index) for index, value in enumerate(self.values)]
            code = ibis.cases(*branches, else_=len(self.values)) if branches else ibis.literal(0)
        return column.isnull().ifelse(MISSING_CODE, code).cast("int16")

    def selectors(self, index: int) -> list[Selector]:
        """All selectors of this feature, ``index`` being its position among the features."""
        found: list[Selector] = []

        def add(conditions: tuple[Condition, ...], codes: tuple[int, ...]) -> None:
            found.append(Selector(index, self.column, conditions, codes))

        if self.kind == "numeric":
            cuts = self.cuts
            top = len(cuts)
            for j, cut in enumerate(cuts, start=1):
                add((Condition(self.column, "<", cut),), tuple(range(0, j)))
            for j, cut in enumerate(cuts, start=1):
                add((Condition(self.column, ">=", cut),), tuple(range(j, top + 1)))
            for j in range(1, top):
                add(
                    (
                        Condition(self.column, ">=", cuts[j - 1]),
                        Condition(self.column, "<", cuts[j]),
                    ),
                    (j,),
                )
        else:
            for code, value in enumerate(self.values):
                add((Condition(self.column, "=", value),), (code,))
        if self.has_missing:
            add((Condition(self.column, "is_missing"),), (MISSING_CODE,))
        return found
