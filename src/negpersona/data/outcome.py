"""Turn the spec's outcome into a boolean "is a fit" expression.

Users name the event column in many shapes: booleans, yes/no, 0/1, deal stages, churn flags. We
find the positive value when it is unambiguous, ask for ``--positive`` when it is not, and refuse
an outcome with one class. For churn, the churned records are the non-fits.
"""

from __future__ import annotations

import difflib
from dataclasses import dataclass
from typing import Any

import sqlglot
from ibis.expr.types import BooleanValue, Table
from sqlglot import exp

from negpersona.config.spec import Outcome
from negpersona.errors import ConfigError, DataError

POSITIVE_WORDS = {
    "yes", "y", "true", "t", "1", "won", "win", "closed won", "closedwon", "converted", "convert",
    "success", "positive", "churned", "churn", "customer", "subscribed",
}  # fmt: skip
NEGATIVE_WORDS = {"no", "n", "false", "f", "0", "lost", "loss", "closed lost", "retained", "active"}


@dataclass
class ResolvedOutcome:
    """The fit label, where it came from, and the table restricted to known outcomes."""

    table: Table
    label: BooleanValue
    description: str
    positive: list[Any]
    dropped_missing: int


def unknown_column(name: str, table: Table, what: str) -> DataError:
    close = difflib.get_close_matches(name, table.columns, n=3)
    hint = (
        f"Did you mean {', '.join(close)}?"
        if close
        else f"Columns: {', '.join(table.columns[:30])}."
    )
    one_column = len(table.columns) == 1 and any(mark in table.columns[0] for mark in ",;|\t")
    if one_column:
        hint += " The file was read as one column: set delimiter: (e.g. delimiter: ';')."
    return DataError(
        f"Unknown {what} column {name!r}.",
        hint,
        code="data.unknown_column",
        column=name,
        one_column=one_column,
    )


def resolve_outcome(table: Table, outcome: Outcome, dialect: str = "duckdb") -> ResolvedOutcome:
    """Build the fit label for ``table`` from the spec's ``outcome``."""
    if outcome.expression:
        return _from_expression(table, outcome, dialect)
    if not outcome.column:
        raise ConfigError(
            "No outcome given.",
            "Set outcome.column (and outcome.positive if needed) in negpersona.yaml.",
            code="outcome.missing",
            setting="outcome.column",
        )
    if outcome.column not in table.columns:
        raise unknown_column(outcome.column, table, "outcome")
    column = table[outcome.column]
    known = table.filter(column.notnull())
    total = int(table.count().to_pyarrow().as_py())
    kept = int(known.count().to_pyarrow().as_py())
    if kept == 0:
        raise DataError(
            f"Outcome column {outcome.column!r} has no values.",
            "Choose another outcome.column.",
            code="outcome.no_values",
            setting="outcome.column",
        )
    values = [
        row["v"]
        for row in known.select(v=known[outcome.column])
        .distinct()
        .limit(3)
        .to_pyarrow()
        .to_pylist()
    ]
    if outcome.positive:
        positive = _coerce_positive(outcome.positive, values, known[outcome.column].type())
        present = known.filter(known[outcome.column].isin(positive)).count().to_pyarrow().as_py()
        if not present:
            shown = ", ".join(map(repr, values[:3]))
            raise DataError(
                f"No record has outcome {outcome.column!r} equal to {', '.join(map(repr, outcome.positive))}.",
                f"Values there include {shown}; set outcome.positive to one of them.",
                code="outcome.positive_not_found",
                setting="outcome.positive",
                shown=shown,
            )
    else:
        positive = [_guess_positive(outcome.column, values, outcome.kind)]
    if len(values) < 2:
        raise DataError(
            f"Outcome {outcome.column!r} has one class only ({values[0]!r}).",
            "Personas need both fits and non-fits; check the filter or the column.",
        )
    event = known[outcome.column].isin(positive)
    label = ~event if outcome.kind == "churn" else event
    verb = "not " if outcome.kind == "churn" else ""
    description = f"{outcome.column} {verb}in {', '.join(map(repr, positive))}"
    return ResolvedOutcome(known, label, description, positive, total - kept)


def _guess_positive(column: str, values: list[Any], kind: str) -> Any:
    if len(values) > 2:
        raise DataError(
            f"Outcome {column!r} has more than two values (e.g. {', '.join(map(repr, values[:3]))}).",
            "Set outcome.positive (one or more values) to say which values count as the event.",
            code="outcome.ambiguous_positive",
            setting="outcome.positive",
        )
    if len(values) < 2:
        return values[0] if values else True
    if all(isinstance(v, bool) for v in values):
        return True
    words = {str(v).strip().lower(): v for v in values}
    hits = [v for word, v in words.items() if word in POSITIVE_WORDS]
    if len(hits) == 1:
        return hits[0]
    misses = [v for word, v in words.items() if word in NEGATIVE_WORDS]
    if len(misses) == 1:
        return next(v for v in values if v is not misses[0] and v != misses[0])
    raise DataError(
        f"Cannot tell which value of {column!r} is the {'churn' if kind == 'churn' else 'conversion'}"
        f" ({values[0]!r} or {values[1]!r}).",
        "Set outcome.positive.",
        code="outcome.unclear_positive",
        setting="outcome.positive",
    )


def _coerce_positive(positive: list[Any], values: list[Any], dtype: Any) -> list[Any]:
    """Match user-typed positives ('yes', '1') to the column's type (bool, int, str)."""
    result: list[Any] = []
    for item in positive:
        if dtype.is_boolean():
            text = str(item).strip().lower()
            if text in POSITIVE_WORDS | {"true"}:
                result.append(True)
            elif text in NEGATIVE_WORDS:
                result.append(False)
            else:
                raise ConfigError(
                    f"outcome.positive {item!r} is not a yes/no value for a boolean outcome.",
                    code="outcome.positive_not_boolean",
                    setting="outcome.positive",
                    value=item,
                )
        elif dtype.is_numeric():
            try:
                result.append(float(item) if "." in str(item) else int(item))
            except ValueError:
                raise ConfigError(
                    f"outcome.positive {item!r} is not a number, but the outcome is numeric.",
                    code="outcome.positive_not_numeric",
                    setting="outcome.positive",
                    value=item,
                ) from None
        else:
            result.append(str(item))
    return result


ALLOWED_FUNCTIONS = (
    exp.Lower, exp.Upper, exp.Trim, exp.Coalesce, exp.Cast, exp.TryCast, exp.Length, exp.Abs,
    exp.Connector, exp.Binary, exp.Unary, exp.In, exp.Between,
)  # fmt: skip


def _refuse_queries(condition: exp.Expression, text: str) -> None:
    """Allow only conditions on the record's own columns.

    No subqueries, tables or functions that could read other data (``read_csv``): only
    comparisons, boolean logic and a few pure functions.
    """
    for node in condition.walk():
        forbidden = isinstance(node, exp.Query | exp.Subquery | exp.Table | exp.Anonymous)
        if forbidden or (isinstance(node, exp.Func) and not isinstance(node, ALLOWED_FUNCTIONS)):
            raise ConfigError(
                f"outcome.expression may only compare this table's columns with values: {text!r}.",
                "Remove subqueries and function calls (allowed: lower, upper, trim, coalesce, cast, length, abs).",
            )


def _from_expression(table: Table, outcome: Outcome, dialect: str) -> ResolvedOutcome:
    try:
        condition = sqlglot.condition(outcome.expression, dialect=dialect)
    except sqlglot.errors.ParseError as exc:
        raise ConfigError(
            f"outcome.expression is not a single SQL condition: {outcome.expression!r} ({exc.errors[0]['description'] if exc.errors else exc}).",
            "Write one boolean condition such as dealstage = 'closedwon'.",
        ) from None
    _refuse_queries(condition, outcome.expression)
    for column in condition.find_all(exp.Column):
        if column.name not in table.columns:
            raise unknown_column(column.name, table, "outcome expression")
    select = exp.select(exp.Star(), exp.alias_(condition, "__fit", quoted=True)).from_("__src")
    try:
        labelled = table.alias("__src").sql(select.sql(dialect=dialect), dialect=dialect)
        labelled = labelled.filter(labelled["__fit"].notnull())
        counts = labelled.aggregate(n=labelled.count(), pos=labelled["__fit"].cast("int64").sum())
        row = counts.to_pyarrow().to_pylist()[0]
    except Exception as exc:
        raise ConfigError(f"outcome.expression failed to run: {str(exc).splitlines()[0]}") from None
    if not row["pos"] or row["pos"] == row["n"]:
        raise DataError(
            f"outcome.expression {outcome.expression!r} gives one class only.",
            "Check the expression: personas need both fits and non-fits.",
        )
    event = labelled["__fit"]
    label = ~event if outcome.kind == "churn" else event
    return ResolvedOutcome(labelled, label, outcome.expression, [True], 0)


@dataclass
class BatchOutcome:
    """The fit label of a new batch, where records may not have an outcome yet.

    ``table`` keeps every record (sizes count them all); ``known`` says which have an outcome
    and ``label`` which of those are fits. ``available`` is False when the batch has no outcome
    at all (the column is absent or empty): a re-check then reports sizes and drift only.
    """

    table: Table
    known: BooleanValue
    label: BooleanValue
    available: bool
    reason: str = ""


def batch_outcome(table: Table, outcome: Outcome, dialect: str = "duckdb") -> BatchOutcome:
    """The label of ``table`` from the outcome discovery used, without requiring both classes.

    Unlike :func:`resolve_outcome` (which refuses an outcome with one class, since nothing can
    be learnt from it), a new batch may hold no conversions yet, or no outcomes at all.
    """
    import ibis

    # A column of False (not a scalar): counts sum it per record like a real label.
    none = table[table.columns[0]].isnull() & ibis.literal(False)
    if outcome.expression:
        missing = [
            column.name
            for column in sqlglot.condition(outcome.expression, dialect=dialect).find_all(
                exp.Column
            )
            if column.name not in table.columns
        ]
        if missing:
            return BatchOutcome(
                table, none, none, False, f"no column {missing[0]!r} for outcome.expression"
            )
        _refuse_queries(sqlglot.condition(outcome.expression, dialect=dialect), outcome.expression)
        condition = sqlglot.condition(outcome.expression, dialect=dialect)
        select = exp.select(exp.Star(), exp.alias_(condition, "__np_event", quoted=True))
        labelled = table.alias("__src").sql(
            select.from_("__src").sql(dialect=dialect), dialect=dialect
        )
        event = labelled["__np_event"]
        known = event.notnull()
    else:
        if not outcome.column or outcome.column not in table.columns:
            return BatchOutcome(table, none, none, False, f"no outcome column {outcome.column!r}")
        labelled = table
        column = table[outcome.column]
        positive = _coerce_positive(outcome.positive or [True], [], column.type())
        known = column.notnull()
        event = column.isin(positive)
    label = (~event if outcome.kind == "churn" else event) & known
    count = int(
        labelled.aggregate(k=known.cast("int64").sum()).to_pyarrow().to_pylist()[0]["k"] or 0
    )
    if not count:
        nothing = labelled[labelled.columns[0]].isnull() & ibis.literal(False)
        return BatchOutcome(labelled, nothing, nothing, False, "no record has an outcome yet")
    return BatchOutcome(labelled, known, label.fill_null(False), True)
