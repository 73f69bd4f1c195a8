"""Conditions: the readable building blocks of a segment.

A condition is ``column op value`` with op one of ``= != < <= > >= is_missing``. A segment is a
conjunction of conditions. The same object renders as plain words for people, as an Ibis
expression for any engine, and (in later stages) as SQL through sqlglot.
"""

from __future__ import annotations

import math
import numbers
import sys
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from ibis.expr.types import BooleanValue, Table

# Ibis loads only when a condition becomes an expression: reading personas to score one lead or
# to print them should not wait for the engine stack.

OPS = ("=", "!=", "<", "<=", ">", ">=", "is_missing")


@dataclass(frozen=True)
class Condition:
    column: str
    op: str
    value: Any = None

    def __post_init__(self) -> None:
        if self.op not in OPS:
            raise ValueError(f"unknown operator {self.op!r}; use one of {', '.join(OPS)}")

    def to_dict(self) -> dict[str, Any]:
        return {"column": self.column, "op": self.op, "value": _plain(self.value)}

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Condition:
        return cls(str(data["column"]), str(data["op"]), data.get("value"))

    def to_ibis(self, table: Table) -> BooleanValue:
        import ibis

        column = table[self.column]
        if self.op == "is_missing":
            return column.isnull()
        value = ibis.literal(self.value) if not isinstance(self.value, bool) else self.value
        if isinstance(self.value, bool) and column.type().is_numeric():
            column = column.cast("boolean")  # a yes/no stored as 0/1: 0 is no, anything else yes
        expression = {
            "=": lambda: column == value,
            "!=": lambda: column != value,
            "<": lambda: column < value,
            "<=": lambda: column <= value,
            ">": lambda: column > value,
            ">=": lambda: column >= value,
        }[self.op]()
        # SQL comparisons with NULL are unknown; a segment never contains a record it cannot judge.
        return expression.fill_null(False)


def humanize(column: str) -> str:
    """``pages_viewed`` → ``pages viewed``; ``leadSource`` → ``lead source``."""
    import re

    spaced = re.sub(r"([a-z0-9])([A-Z])", r"\1 \2", column)
    return re.sub(r"[_\s]+", " ", spaced).strip().lower()


def format_value(value: Any) -> str:
    """Numbers with thousands separators and no needless decimals; other values as text."""
    if isinstance(value, bool) or _is_numpy_bool(value):
        return "yes" if value else "no"
    if isinstance(value, numbers.Integral):
        return f"{int(value):,}"
    if isinstance(value, numbers.Real):
        value = float(value)
        if math.isfinite(value) and value == int(value) and abs(value) < 1e15:
            return f"{int(value):,}"
        if not math.isfinite(value):
            return str(value)
        if abs(value) >= 1e4:
            return f"{value:,.0f}"
        if abs(value) >= 1:
            return f"{value:,.2f}".rstrip("0").rstrip(".")
        return f"{value:.3g}"
    return str(value)


def _is_numpy_bool(value: Any) -> bool:
    """A NumPy yes/no (one can only exist once NumPy is loaded, so this never loads it)."""
    numpy = sys.modules.get("numpy")
    return numpy is not None and isinstance(value, numpy.bool_)


def describe(conditions: list[Condition] | tuple[Condition, ...]) -> list[str]:
    """Plain-word phrases, one per column: ranges on one column read as one phrase."""
    phrases: list[str] = []
    by_column: dict[str, list[Condition]] = {}
    for condition in conditions:
        by_column.setdefault(condition.column, []).append(condition)
    for column, items in by_column.items():
        name = humanize(column)
        ops = {item.op: item for item in items}
        if ">=" in ops and "<" in ops and len(items) == 2:
            low, high = format_value(ops[">="].value), format_value(ops["<"].value)
            phrases.append(f"{name} from {low} to under {high}")
            continue
        for item in items:
            phrases.append(_phrase(name, item))
    return phrases


def _phrase(name: str, condition: Condition) -> str:
    value = format_value(condition.value)
    return {
        "=": f"{name} is {value}",
        "!=": f"{name} is not {value}",
        "<": f"{name} under {value}",
        "<=": f"{name} at most {value}",
        ">": f"{name} over {value}",
        ">=": f"{name} at least {value}",
        "is_missing": f"{name} is missing",
    }[condition.op]


def neutral_name(conditions: list[Condition] | tuple[Condition, ...]) -> str:
    """A short neutral name made only of the defining conditions.

    Names describe who is in a segment, never their worth: they repeat the data's own values.
    """
    phrases = describe(conditions)
    if not phrases:
        return "Everyone"
    text = ", ".join(phrases)
    return text[0].upper() + text[1:]


def segment_filter(
    table: Table, conditions: list[Condition] | tuple[Condition, ...]
) -> BooleanValue:
    """The Ibis predicate of a conjunction (true for every record when it has no conditions)."""
    import ibis

    predicate: BooleanValue = ibis.literal(True)
    for condition in conditions:
        predicate = predicate & condition.to_ibis(table)
    return predicate


def _plain(value: Any) -> Any:
    if hasattr(value, "item"):
        return value.item()
    if hasattr(value, "isoformat"):
        return value.isoformat()
    return value
