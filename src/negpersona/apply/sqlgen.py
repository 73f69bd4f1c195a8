"""Personas as SQL: one ``CASE`` a CRM or warehouse view can run without negpersona.

``negpersona sql PERSONAS_DIR --dialect D`` prints a ``SELECT *, <persona>, <action> FROM table``
that tags every record with its negative persona (first match wins, in the caller's order) and the
policy's action (``exclude``, ``holdout`` or ``target``).

Everything is built as sqlglot expressions and rendered per dialect, never pasted together as
text: column and table names are quoted identifiers and values are literals, so a column named
``a"; DROP TABLE x; --`` or a value ``x'); DROP TABLE y; --`` stays one identifier or one string
in every dialect.

Semantics follow :meth:`negpersona.model.conditions.Condition.to_ibis`: a comparison with a missing
value does not match (``fill_null(False)``), written here as ``col IS NOT NULL AND col op value``
so each condition is TRUE or FALSE, never NULL, even where booleans are not values (T-SQL).

Portability notes the SQL cannot fix by itself:

* text comparisons use the engine's collation: MySQL and SQL Server compare case-insensitively
  and ignore trailing spaces by default, unlike DuckDB where personas are usually found;
* quoted identifiers are case-sensitive: in Snowflake an unquoted ``AGE`` column is not
  ``"age"``, so persona columns must be spelled as the warehouse stores them;
* DuckDB reads a decimal literal such as ``0.1`` as DECIMAL, so a float value can land one ulp
  away from the data's double (Ibis renders the same literal, so counts agree with negpersona).

The exploration holdout is a salted SHA-256 of the record id (see :func:`holdout_expression`),
reproducible in any engine with SHA-256 and in Python (:func:`is_holdout`).
"""

from __future__ import annotations

import datetime as dt
import decimal
import math
import numbers
from collections.abc import Sequence
from dataclasses import dataclass

from sqlglot import exp

from negpersona.engine.capabilities import NO_SHA256
from negpersona.engine.hashing import BUCKET_CHARS, BUCKETS, check_fraction, holdout_threshold
from negpersona.errors import ConfigError
from negpersona.model.conditions import Condition

DIALECTS: tuple[str, ...] = (
    "duckdb",
    "postgres",
    "snowflake",
    "bigquery",
    "spark",
    "databricks",
    "trino",
    "redshift",
    "mysql",
    "tsql",
    "sqlite",
)


PERSONA_COLUMN = "negative_persona"
ACTION_COLUMN = "negative_persona_action"


_COMPARISONS: dict[str, type[exp.Binary]] = {
    "=": exp.EQ,
    "!=": exp.NEQ,
    "<": exp.LT,
    "<=": exp.LTE,
    ">": exp.GT,
    ">=": exp.GTE,
}


@dataclass(frozen=True)
class SqlPersona:
    """What the SQL needs of a persona: its id, its conditions and whether the policy excludes it.

    A persona that is not excluded is only tagged (``negative_persona``), its records stay
    ``target``.
    """

    id: str
    conditions: tuple[Condition, ...]
    excluded: bool = True


# ---- conditions ---------------------------------------------------------------------------------


def condition_expression(condition: Condition) -> exp.Expression:
    """One condition as a predicate that is never NULL.

    ``is_missing`` is ``col IS NULL``; a comparison is ``col IS NOT NULL AND col op value``, which
    is FALSE for a missing value exactly like ``to_ibis``'s ``fill_null(False)``. A condition whose
    value is itself missing (None) follows what Ibis compiles: ``= None`` is ``IS NULL``,
    ``!= None`` is ``IS NOT NULL`` and an ordering with None matches nothing.
    """
    column = exp.column(condition.column, quoted=True)
    if condition.op == "is_missing":
        return exp.Is(this=column, expression=exp.null())
    if condition.value is None:  # as Ibis compiles a comparison with a None literal
        if condition.op == "=":
            return exp.Is(this=column, expression=exp.null())
        if condition.op == "!=":
            return exp.Not(this=exp.Is(this=column, expression=exp.null()))
        return exp.false()
    comparison = _COMPARISONS[condition.op](this=column.copy(), expression=_literal(condition))
    present = exp.Not(this=exp.Is(this=column, expression=exp.null()))
    return exp.and_(present, comparison, copy=False)


def persona_expression(conditions: Sequence[Condition]) -> exp.Expression:
    """The AND of the conditions (TRUE for no conditions: everyone is in an empty segment)."""
    parts = [condition_expression(condition) for condition in conditions]
    if not parts:
        return exp.true()
    return exp.and_(*parts, copy=False) if len(parts) > 1 else parts[0]


def _literal(condition: Condition) -> exp.Expression:
    """A condition's value as a SQL literal (numpy scalars become Python values first)."""
    value = condition.value
    if hasattr(value, "item") and not isinstance(value, str | bytes):
        value = value.item()  # numpy scalars: exp.convert does not know them
    if isinstance(value, bool):
        return exp.Boolean(this=value)
    if isinstance(value, float) and not math.isfinite(value):
        raise ConfigError(
            f"The condition on {condition.column!r} compares with {value!r}, "
            "which SQL cannot write portably.",
            "Edit the persona's condition to use a finite number.",
        )
    if isinstance(value, numbers.Real | decimal.Decimal | str | dt.date | dt.datetime):
        return exp.convert(value)
    raise ConfigError(
        f"The condition on {condition.column!r} compares with a {type(value).__name__} "
        f"({value!r}), which cannot be written as a SQL literal.",
        "Use a number, text or yes/no value in the persona's condition.",
    )


# ---- personas and actions -----------------------------------------------------------------------


def case_expression(personas: Sequence[SqlPersona]) -> exp.Expression:
    """``CASE WHEN <p1> THEN 'id1' ... END``: the first matching persona (NULL when none).

    The caller orders the personas; with none, the column is a typed NULL so the view keeps its
    shape.
    """
    _check_ids(personas)
    if not personas:
        return exp.cast(exp.null(), "TEXT")
    ifs = [
        exp.If(this=persona_expression(p.conditions), true=exp.convert(str(p.id))) for p in personas
    ]
    return exp.Case(ifs=ifs)


def action_expression(
    personas: Sequence[SqlPersona],
    *,
    id_column: str | None,
    holdout: float,
    salt: str,
    dialect: str,
) -> exp.Expression:
    """``holdout`` / ``exclude`` / ``target`` per record, as the policy says.

    A record in any excluded persona is ``exclude``, except the exploration holdout among them
    (``holdout``); everyone else is ``target``. Membership is checked against every excluded
    persona, not only the first match, so ordering never lets an excluded record through.
    """
    dialect = _check_dialect(dialect)
    check_fraction(holdout)
    if holdout > 0 and not id_column:
        raise ConfigError(
            f"The exploration holdout ({holdout:g}) needs a record id column to hash, "
            "and none is set.",
            "Set the id column (id: in the spec), or set the holdout to 0.",
            code="sql.holdout_needs_id",
            setting="id",
        )
    excluded = [persona_expression(p.conditions) for p in personas if p.excluded]
    if not excluded:
        return exp.convert("target")
    in_excluded = exp.or_(*excluded, copy=False) if len(excluded) > 1 else excluded[0]
    ifs = []
    if holdout > 0 and id_column:
        held = holdout_expression(id_column, holdout, salt, dialect)
        ifs.append(
            exp.If(this=exp.and_(in_excluded.copy(), held, copy=False), true=exp.convert("holdout"))
        )
    ifs.append(exp.If(this=in_excluded, true=exp.convert("exclude")))
    return exp.Case(ifs=ifs, default=exp.convert("target"))


def select_statement(
    personas: Sequence[SqlPersona],
    *,
    table: str,
    dialect: str,
    id_column: str | None = None,
    holdout: float = 0.0,
    salt: str = "negpersona",
    schema: str | None = None,
) -> str:
    """``SELECT *, <persona> AS negative_persona, <action> AS negative_persona_action FROM t``.

    Pretty-printed and ready to wrap in ``CREATE VIEW``.
    """
    dialect = _check_dialect(dialect)
    action = action_expression(
        personas, id_column=id_column, holdout=holdout, salt=salt, dialect=dialect
    )
    statement = exp.select(
        exp.Star(),
        exp.alias_(case_expression(personas), PERSONA_COLUMN, quoted=True),
        exp.alias_(action, ACTION_COLUMN, quoted=True),
        copy=False,
    ).from_(exp.table_(table, db=schema, quoted=True), copy=False)
    return statement.sql(dialect=dialect, identify=True, pretty=True)


def expression_sql(personas: Sequence[SqlPersona], dialect: str) -> str:
    """Only ``CASE ... END AS negative_persona``, to paste into an existing query or CRM rule."""
    dialect = _check_dialect(dialect)
    aliased = exp.alias_(case_expression(personas), PERSONA_COLUMN, quoted=True)
    return aliased.sql(dialect=dialect, identify=True, pretty=True)


# ---- the exploration holdout --------------------------------------------------------------------


def holdout_expression(id_column: str, fraction: float, salt: str, dialect: str) -> exp.Expression:
    """TRUE for the records in the exploration holdout.

    The rule, the same in every engine and in Python (:func:`is_holdout`): ``text = salt + ":" +
    CAST(id AS text)``; the record is in the holdout iff the first 8 chars of the lowercase hex
    SHA-256 of the UTF-8 text sort below ``format(round(fraction * 16**8), "08x")``. Fixed-width
    lowercase hex sorts like the number it spells, so SQL needs no hex-to-integer conversion.
    Fraction 0 is FALSE and a fraction that rounds to all buckets is TRUE (no hashing); otherwise a
    record without an id is never in the holdout.
    """
    dialect = _check_dialect(dialect)
    check_fraction(fraction)
    threshold = holdout_threshold(fraction)
    if threshold <= 0:
        return exp.false()
    if dialect in NO_SHA256:
        raise ConfigError(
            f"The {dialect} dialect has no built-in SHA-256, so it cannot compute the "
            f"exploration holdout ({fraction:g}).",
            "Set the holdout to 0 for this dialect, or generate SQL for an engine that has "
            "SHA-256 (e.g. duckdb or postgres).",
        )
    if threshold >= BUCKETS:
        return exp.true()
    column = exp.column(id_column, quoted=True)
    text = exp.DPipe(this=exp.convert(f"{salt}:"), expression=exp.cast(column.copy(), "TEXT"))
    bucket = exp.Substring(
        this=_hex_sha256(text, dialect), start=exp.convert(1), length=exp.convert(BUCKET_CHARS)
    )
    below = exp.LT(this=bucket, expression=exp.convert(format(threshold, "08x")))
    present = exp.Not(this=exp.Is(this=column, expression=exp.null()))
    return exp.and_(present, below, copy=False)


def _hex_sha256(text: exp.Expression, dialect: str) -> exp.Expression:
    """The lowercase hex SHA-256 of ``text``'s UTF-8 bytes, in ``dialect``'s own functions.

    Built from anonymous function calls so sqlglot writes exactly these names instead of
    transpiling them (it would, for instance, turn SHA2 into SHA256 or TO_HEX into HEX).
    """

    def call(name: str, *args: exp.Expression) -> exp.Expression:
        return exp.Anonymous(this=name, expressions=list(args))

    if dialect == "duckdb":  # sha256(VARCHAR) -> lowercase hex VARCHAR of the UTF-8 bytes
        return call("SHA256", text)
    if dialect in {"snowflake", "spark", "databricks", "redshift", "mysql"}:
        return call("SHA2", text, exp.convert(256))  # lowercase hex string
    if dialect == "postgres":  # sha256(bytea) -> bytea (PostgreSQL 11+); encode(..., 'hex')
        utf8 = call("CONVERT_TO", text, exp.convert("UTF8"))
        return call("ENCODE", call("SHA256", utf8), exp.convert("hex"))
    if dialect == "bigquery":  # SHA256(STRING) hashes UTF-8 bytes; TO_HEX is lowercase
        return call("TO_HEX", call("SHA256", text))
    if dialect == "trino":  # to_hex is uppercase
        return call("LOWER", call("TO_HEX", call("SHA256", call("TO_UTF8", text))))
    if dialect == "tsql":  # CONVERT style 2: hex without 0x, uppercase
        digest = call("HASHBYTES", exp.convert("SHA2_256"), text)
        hexed = call("CONVERT", exp.DataType.build("VARCHAR(64)"), digest, exp.convert(2))
        return call("LOWER", hexed)
    raise ConfigError(f"No SHA-256 for the {dialect} dialect.")  # pragma: no cover (NO_SHA256)


# ---- checks ------------------------------------------------------------------------------------


def _check_dialect(dialect: str) -> str:
    name = str(dialect).strip().lower()
    if name not in DIALECTS:
        raise ConfigError(
            f"Unknown SQL dialect {dialect!r}.", f"Use one of: {', '.join(DIALECTS)}."
        )
    return name


def _check_ids(personas: Sequence[SqlPersona]) -> None:
    seen: set[str] = set()
    for persona in personas:
        if persona.id in seen:
            raise ConfigError(
                f"Two personas share the id {persona.id!r}.",
                "Give each persona its own id so the SQL tag names one persona.",
            )
        seen.add(persona.id)


__all__ = [
    "ACTION_COLUMN",
    "DIALECTS",
    "PERSONA_COLUMN",
    "SqlPersona",
    "action_expression",
    "case_expression",
    "condition_expression",
    "expression_sql",
    "holdout_expression",
    "persona_expression",
    "select_statement",
]
