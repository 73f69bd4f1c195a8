"""Personas as SQL: equal to the Ibis reference in DuckDB, safe and parseable in every dialect.

The generated ``SELECT`` runs in DuckDB against the bank data and seeded random tables (NULLs in
every column type, quotes in text, a hostile column name) and must tag each row exactly like
``segment_filter`` through Ibis (first match wins) and act like the Python holdout reference. For
the other dialects, where no engine runs here, the SQL must parse back as one statement with the
hostile names and values intact, and the holdout must use the intended hash functions.
"""

from __future__ import annotations

import hashlib
import math
import random
import sqlite3
from pathlib import Path

import ibis
import numpy as np
import pyarrow as pa
import pytest
import sqlglot
from sqlglot import exp

from negpersona.apply.sqlgen import (
    DIALECTS,
    SqlPersona,
    action_expression,
    case_expression,
    condition_expression,
    expression_sql,
    holdout_expression,
    persona_expression,
    select_statement,
)
from negpersona.cli.hints import cli_text
from negpersona.engine.hashing import holdout_bucket, id_text, is_holdout
from negpersona.errors import ConfigError
from negpersona.model.conditions import OPS, Condition, segment_filter

BANK = Path(__file__).parent / "data" / "bank-full.csv.gz"
HOSTILE_COLUMN = 'a"; DROP TABLE x; --'
HOSTILE_COLUMN_2 = "b`]'; DROP TABLE z; --"
HOSTILE_VALUE = "x'); DROP TABLE y; --"
HOSTILE_VALUE_2 = 'back\\slash "q" \'); DROP TABLE w; --'
ROW = "__row"
TEXTS = ["alpha", "Beta", "O'Brien", 'say "hi"', HOSTILE_VALUE, HOSTILE_VALUE_2, "ünïcode", ""]


# ---- helpers ------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def con():
    return ibis.duckdb.connect()


@pytest.fixture(scope="module")
def bank(con) -> pa.Table:
    """The bank data as table ``bank`` (DuckDB reads the yes/no columns as booleans)."""
    con.con.execute(
        f"CREATE OR REPLACE TABLE bank AS SELECT row_number() OVER () AS {ROW}, * "
        f"FROM read_csv('{BANK}', delim=';', header=true)"
    )
    return con.table("bank").to_pyarrow()


def _random_table(seed: int, rows: int = 1500) -> pa.Table:
    """Numbers, integers, text and booleans with NULLs (NaN becomes NULL) and a hostile column."""
    rng = np.random.default_rng(seed)

    def holes(values: list, share: float) -> list:
        return [None if rng.random() < share else v for v in values]

    full = rng.normal(50, 20, rows)
    full[rng.random(rows) < 0.15] = np.nan  # NaN → NULL through from_pandas
    ids = rng.permutation(rows) * 7 + 1000
    return pa.table(
        {
            ROW: pa.array(np.arange(rows), pa.int64()),
            "lead_id": pa.array(ids, pa.int64()),
            "score": pa.array(full, pa.float64(), from_pandas=True),
            "rounded": pa.array(holes([round(float(v), 1) for v in rng.normal(3, 2, rows)], 0.2)),
            "visits count": pa.array(holes(rng.integers(0, 12, rows).tolist(), 0.1), pa.int64()),
            "source": pa.array(holes(rng.choice(TEXTS, rows).tolist(), 0.15), pa.string()),
            "flag": pa.array(holes(rng.random(rows) < 0.4, 0.2), pa.bool_()),
            HOSTILE_COLUMN: pa.array(holes(rng.integers(0, 5, rows).tolist(), 0.1), pa.int64()),
            HOSTILE_COLUMN_2: pa.array(holes(rng.choice(TEXTS[:4], rows).tolist(), 0.1)),
        }
    )


def _random_condition(rnd: random.Random, table: pa.Table, columns: list[str]) -> Condition:
    column = rnd.choice(columns)
    op = rnd.choice(OPS)
    if op == "is_missing":
        return Condition(column, op)
    values = [v for v in table.column(column).to_pylist() if v is not None]
    roll = rnd.random()
    if roll < 0.05 or not values:
        return Condition(column, op, None)  # Ibis: = None is IS NULL, != None is IS NOT NULL
    value = rnd.choice(values)
    if isinstance(value, float) and roll < 0.3:
        value = value + 0.5  # a threshold between data values
    return Condition(column, op, value)


def _random_personas(seed: int, table: pa.Table, columns: list[str], count: int) -> list:
    rnd = random.Random(seed)
    personas = []
    for index in range(count):
        conditions = tuple(_random_condition(rnd, table, columns) for _ in range(rnd.randint(1, 3)))
        personas.append(SqlPersona(f"p{index}'{seed}", conditions, excluded=rnd.random() < 0.7))
    return personas


def _reference(t, personas, id_column, holdout, salt) -> dict[int, tuple]:
    """Persona and action per row from Ibis ``segment_filter`` and the Python holdout."""
    flags = {f"f{i}": segment_filter(t, p.conditions) for i, p in enumerate(personas)}
    keys = [ROW] if id_column == ROW else [ROW, id_column]
    result = t.select(*keys, **flags).to_pyarrow().to_pylist()
    out = {}
    for row in result:
        hits = [p for i, p in enumerate(personas) if row[f"f{i}"]]
        persona = hits[0].id if hits else None
        excluded = any(p.excluded for p in hits)
        if excluded and holdout > 0 and is_holdout(row[id_column], holdout, salt):
            action = "holdout"
        else:
            action = "exclude" if excluded else "target"
        out[row[ROW]] = (persona, action)
    return out


def _from_sql(con, sql: str) -> dict[int, tuple]:
    result = con.con.execute(sql).fetch_arrow_table()
    keys, persona, action = (
        result.column(c).to_pylist() for c in (ROW, "negative_persona", "negative_persona_action")
    )
    return dict(zip(keys, zip(persona, action, strict=True), strict=True))


def _check_equivalent(con, name, personas, *, id_column, holdout, salt) -> dict[int, tuple]:
    t = con.table(name)
    sql = select_statement(
        personas, table=name, dialect="duckdb", id_column=id_column, holdout=holdout, salt=salt
    )
    got = _from_sql(con, sql)
    want = _reference(t, personas, id_column, holdout, salt)
    assert got.keys() == want.keys()
    wrong = [(k, got[k], want[k]) for k in want if got[k] != want[k]]
    assert not wrong, f"{len(wrong)} rows differ, e.g. {wrong[:3]}\n{sql}"
    return got


# ---- equivalence in DuckDB ----------------------------------------------------------------------


@pytest.mark.parametrize("seed", [1, 2, 3, 4])
def test_random_tables_match_ibis_reference(con, seed):
    table = _random_table(seed)
    name = f"random_{seed}"
    con.create_table(name, table, overwrite=True)
    columns = [c for c in table.column_names if c not in (ROW, "lead_id")]
    actions = set()
    for round_ in range(6):
        personas = _random_personas(seed * 100 + round_, table, columns, count=4 + round_)
        holdout = [0.0, 0.3, 0.05, 1.0, 0.5, 0.2][round_]
        salt = ["negpersona", "s'alt", "ünï", "x", "", "negpersona"][round_]
        got = _check_equivalent(
            con, name, personas, id_column="lead_id", holdout=holdout, salt=salt
        )
        actions |= {action for _, action in got.values()}
    assert actions == {"exclude", "holdout", "target"}  # the test exercised every branch


def test_bank_data_matches_ibis_reference(con, bank):
    columns = [c for c in bank.column_names if c != ROW]
    assert "default" in columns  # a reserved word as a column name
    for seed in range(3):
        personas = _random_personas(seed, bank, columns, count=6)
        _check_equivalent(con, "bank", personas, id_column=ROW, holdout=0.25, salt="bank")


def test_fixed_bank_personas(con, bank):
    """Readable personas on the bank data, every persona matching some rows."""
    personas = [
        SqlPersona("students", (Condition("job", "=", "student"),)),
        SqlPersona("no-contact", (Condition("contact", "=", "unknown"), Condition("age", "<", 40))),
        SqlPersona("tagged", (Condition("balance", "<=", 0),), excluded=False),
        SqlPersona("in-default", (Condition("default", "=", True),)),  # read as boolean
    ]
    got = _check_equivalent(con, "bank", personas, id_column=ROW, holdout=0.1, salt="s")
    assert {persona for persona, _ in got.values()} == {p.id for p in personas} | {None}


def test_no_personas_and_only_tagged_personas(con):
    con.create_table("small", _random_table(9, rows=50), overwrite=True)
    rows = _from_sql(con, select_statement([], table="small", dialect="duckdb"))
    assert set(rows.values()) == {(None, "target")}
    tagged = [SqlPersona("t", (Condition("flag", "=", True),), excluded=False)]
    rows = _from_sql(
        con,
        select_statement(tagged, table="small", dialect="duckdb", id_column="lead_id", holdout=0.5),
    )
    assert {action for _, action in rows.values()} == {"target"}
    assert {persona for persona, _ in rows.values()} == {"t", None}


def test_conditions_are_never_null(con):
    """Each condition alone is TRUE or FALSE (fill_null(False)), so NOT(condition) is safe too."""
    table = _random_table(5, rows=300)
    con.create_table("nulls", table, overwrite=True)
    columns = [c for c in table.column_names if c not in (ROW, "lead_id")]
    rnd = random.Random(5)
    conditions = [_random_condition(rnd, table, columns) for _ in range(40)]
    select = exp.select(
        *[exp.alias_(condition_expression(c), f"c{i}") for i, c in enumerate(conditions)]
    ).from_("nulls")
    rows = con.con.execute(select.sql("duckdb", identify=True)).fetchall()
    assert all(value is not None for row in rows for value in row)
    t = con.table("nulls")
    for i, condition in enumerate(conditions):
        want = t.select(v=condition.to_ibis(t)).to_pyarrow().column("v").to_pylist()
        assert [row[i] for row in rows] == want, condition


def test_sqlite_runs_the_same_personas(con):
    """Without a holdout, the SQLite statement tags rows like DuckDB (no float literals here)."""
    table = _random_table(6, rows=400).drop_columns(["score", "rounded"])
    con.create_table("lite", table, overwrite=True)
    columns = [c for c in table.column_names if c not in (ROW, "lead_id")]
    personas = _random_personas(6, table, columns, count=8)
    want = _check_equivalent(con, "lite", personas, id_column="lead_id", holdout=0.0, salt="s")
    db = sqlite3.connect(":memory:")
    names = table.column_names
    db.execute(
        "CREATE TABLE lite ("
        + ", ".join(exp.to_identifier(n, quoted=True).sql("sqlite") for n in names)
        + ")"
    )
    db.executemany(
        f"INSERT INTO lite VALUES ({', '.join('?' * len(names))})",
        [tuple(row.values()) for row in table.to_pylist()],
    )
    cursor = db.execute(select_statement(personas, table="lite", dialect="sqlite"))
    header = [d[0] for d in cursor.description]
    got = {row[header.index(ROW)]: (row[-2], row[-1]) for row in cursor.fetchall()}
    assert got == want


# ---- the holdout --------------------------------------------------------------------------------


def _sql_holdout(con, name, column, fraction, salt) -> dict:
    expression = holdout_expression(column, fraction, salt, "duckdb")
    bucket = expression.find(exp.Substring)
    select = exp.select(
        exp.column(column, quoted=True),
        exp.alias_(expression, "held"),
        exp.alias_(bucket if bucket is not None else exp.null(), "bucket"),
    ).from_(exp.to_identifier(name, quoted=True))
    return {
        r[0]: (r[1], r[2]) for r in con.con.execute(select.sql("duckdb", identify=True)).fetchall()
    }


def test_holdout_known_answer():
    """The rule itself: salt + ":" + id, SHA-256 of UTF-8, first 8 lowercase hex chars."""
    assert holdout_bucket(123, "negpersona") == "b6780a82"
    assert holdout_bucket(np.int64(123), "negpersona") == "b6780a82"
    assert holdout_bucket("lead-ü", "negpersona") == "72af95a5"
    assert holdout_bucket(7, "s") == hashlib.sha256(b"s:7").hexdigest()[:8]
    assert is_holdout(123, 0.72, "negpersona")  # 0xb6780a82 / 16**8 = 0.713…
    assert not is_holdout(123, 0.71, "negpersona")


@pytest.mark.parametrize("kind", ["int", "str"])
def test_holdout_sql_equals_python_reference(con, kind):
    rng = np.random.default_rng(11)
    if kind == "int":
        ids = pa.array(rng.choice(10**12, 10_000, replace=False).astype("int64") - 10**11)
    else:
        words = ["lead", "ü", "O'Brien", "", " ", "x'); --", "日本"]
        ids = pa.array([f"{words[i % len(words)]}{i}" for i in range(10_000)])
    con.create_table(f"ids_{kind}", pa.table({"id": ids}), overwrite=True)
    for fraction, salt in [(0.05, "negpersona"), (0.5, "s'alt"), (0.93, "ünï"), (1e-4, "x")]:
        rows = _sql_holdout(con, f"ids_{kind}", "id", fraction, salt)
        assert len(rows) == 10_000
        for record_id, (held, bucket) in rows.items():
            assert bucket == holdout_bucket(record_id, salt)
            assert held is is_holdout(record_id, fraction, salt), (record_id, fraction)


def _held_ids(con, name: str, fraction: float, salt: str) -> set:
    """Ids the SQL holds out (filtered in DuckDB: only the held ids come back to Python)."""
    select = (
        exp.select(exp.column("id", quoted=True))
        .from_(exp.to_identifier(name, quoted=True))
        .where(holdout_expression("id", fraction, salt, "duckdb"))
    )
    return {row[0] for row in con.con.execute(select.sql("duckdb", identify=True)).fetchall()}


def test_holdout_fraction_is_binomial_stable_and_salted(con):
    n, fraction = 100_000, 0.05
    ids = np.arange(n, dtype="int64") * 3 + 17
    con.create_table("many", pa.table({"id": ids}), overwrite=True)
    held = _held_ids(con, "many", fraction, "negpersona")
    se = math.sqrt(fraction * (1 - fraction) / n)
    assert abs(len(held) / n - fraction) < 4 * se
    shuffled = np.random.default_rng(3).permutation(ids)
    con.create_table("many_shuffled", pa.table({"id": shuffled}), overwrite=True)
    assert _held_ids(con, "many_shuffled", fraction, "negpersona") == held
    other = _held_ids(con, "many", fraction, "other")
    assert other != held
    assert abs(len(other) / n - fraction) < 4 * se
    # Independent salts overlap like independent draws: about n * fraction**2 ids.
    assert len(other & held) < n * fraction**2 + 4 * math.sqrt(n * fraction**2)
    sample = ids[:2000].tolist()
    assert {i for i in sample if is_holdout(i, fraction, "negpersona")} == held & set(sample)


def test_holdout_edges(con):
    assert holdout_expression("id", 0.0, "s", "duckdb") == exp.false()
    assert holdout_expression("id", 1.0, "s", "duckdb") == exp.true()
    assert holdout_expression("id", 1e-12, "s", "duckdb") == exp.false()  # rounds to 0 buckets
    assert holdout_expression("id", 1 - 1e-12, "s", "duckdb") == exp.true()  # rounds to all
    assert holdout_expression("id", 0.0, "s", "sqlite") == exp.false()  # no hash needed
    for record_id in (0, "a", None):
        assert is_holdout(record_id, 0.0, "s") is False
        assert is_holdout(record_id, 1.0, "s") is True
        assert is_holdout(record_id, 1e-12, "s") is False
    assert is_holdout(None, 0.5, "s") is False
    con.create_table("with_null", pa.table({"id": pa.array([1, None, 3])}), overwrite=True)
    rows = _sql_holdout(con, "with_null", "id", 0.999, "s")
    assert rows[None] == (False, None)  # a missing id is never held out, and never NULL
    assert rows[1][0] is True and rows[3][0] is True


def test_id_text_matches_duckdb_cast(con):
    import datetime as dt
    import uuid

    values = [
        123,
        -5,
        np.int32(7),
        True,
        1.5,
        0.1,
        1e20,
        dt.date(2024, 1, 31),
        dt.datetime(2024, 1, 31, 12, 0, 5),
        uuid.UUID("12345678-1234-5678-1234-567812345678"),
    ]
    for value in values:
        if isinstance(value, uuid.UUID):
            literal = exp.cast(exp.convert(str(value)), "UUID")
        else:
            literal = exp.convert(value.item() if hasattr(value, "item") else value)
        cast = exp.cast(literal, "TEXT").sql("duckdb")
        assert con.con.execute(f"SELECT {cast}").fetchone()[0] == id_text(value), value
    with pytest.raises(ValueError):
        id_text(None)


# ---- every dialect ------------------------------------------------------------------------------


def _hostile_personas() -> list[SqlPersona]:
    return [
        SqlPersona(
            "p1",
            (Condition(HOSTILE_COLUMN, "=", HOSTILE_VALUE), Condition("age", ">=", 30)),
        ),
        SqlPersona("p'2", (Condition(HOSTILE_COLUMN_2, "!=", HOSTILE_VALUE_2),), excluded=False),
        SqlPersona("p3", (Condition("flag", "=", True), Condition("score", "is_missing"))),
        SqlPersona("p4", (Condition("amount", "<", 2.5), Condition("name", ">", "O'Brien"))),
        SqlPersona("everyone", ()),
    ]


@pytest.mark.parametrize("dialect", DIALECTS)
def test_statement_round_trips(dialect):
    personas = _hostile_personas()
    holdout = 0.0 if dialect == "sqlite" else 0.1
    sql = select_statement(
        personas,
        table='leads"; DROP TABLE t; --',
        schema="crm",
        dialect=dialect,
        id_column=HOSTILE_COLUMN_2,
        holdout=holdout,
        salt="s'alt",
    )
    statements = sqlglot.parse(sql, read=dialect)
    assert len(statements) == 1
    tree = sqlglot.parse_one(sql, read=dialect)
    assert isinstance(tree, exp.Select)
    assert not list(tree.find_all(exp.Drop))
    columns = {c.name for c in tree.find_all(exp.Column)}
    assert columns == {HOSTILE_COLUMN, HOSTILE_COLUMN_2, "age", "flag", "score", "amount", "name"}
    table = tree.find(exp.Table)
    assert (table.db, table.name) == ("crm", 'leads"; DROP TABLE t; --')
    strings = {lit.this for lit in tree.find_all(exp.Literal) if lit.is_string}
    assert {HOSTILE_VALUE, HOSTILE_VALUE_2, "O'Brien"} <= strings
    assert {p.id for p in personas} <= strings
    assert {"exclude", "target"} <= strings
    assert ("holdout" in strings) == (holdout > 0)
    aliases = [e.alias for e in tree.expressions if isinstance(e, exp.Alias)]
    assert aliases == ["negative_persona", "negative_persona_action"]
    assert sql.startswith("SELECT\n")  # pretty-printed


HEX_FUNCTIONS = {
    "duckdb": ["SHA256('s:' || CAST("],
    "postgres": ["ENCODE(SHA256(CONVERT_TO(", "'UTF8')), 'hex')"],
    "snowflake": ["SHA2(", ", 256)"],
    "bigquery": ["TO_HEX(SHA256("],
    "spark": ["SHA2(", ", 256)"],
    "databricks": ["SHA2(", ", 256)"],
    "trino": ["LOWER(TO_HEX(SHA256(TO_UTF8("],
    "redshift": ["SHA2(", ", 256)"],
    "mysql": ["SHA2(CONCAT('s:', CAST(", ", 256)"],
    "tsql": ["LOWER(CONVERT(VARCHAR(64), HASHBYTES('SHA2_256', 's:' + CAST(", "), 2))"],
}


def test_every_dialect_but_sqlite_has_a_hex_digest():
    assert set(HEX_FUNCTIONS) == set(DIALECTS) - {"sqlite"}


@pytest.mark.parametrize("dialect", sorted(HEX_FUNCTIONS))
def test_holdout_hex_digest_per_dialect(dialect):
    sql = holdout_expression("lead id", 0.05, "s", dialect).sql(dialect=dialect, identify=True)
    for fragment in HEX_FUNCTIONS[dialect]:
        assert fragment in sql, (fragment, sql)
    assert "'0ccccccd'" in sql  # round(0.05 * 16**8) as fixed-width hex
    assert sqlglot.parse_one(sql, read=dialect).find(exp.LT) is not None
    # The whole statement keeps the digest too (sqlglot does not transpile it away).
    persona = [SqlPersona("p", (Condition("x", "=", 1),))]
    statement = select_statement(
        persona, table="t", dialect=dialect, id_column="lead id", holdout=0.05, salt="s"
    )
    squeezed = "".join(statement.split())
    for fragment in HEX_FUNCTIONS[dialect]:
        assert "".join(fragment.split()) in squeezed, fragment


def test_expression_sql_and_tsql_booleans():
    personas = _hostile_personas()
    text = expression_sql(personas, "duckdb")
    assert text.startswith("CASE") and text.endswith('END AS "negative_persona"')
    assert "\n" in text
    tsql = expression_sql(personas, "tsql")
    assert "[flag] = 1" in tsql and "(1 = 1)" in tsql  # T-SQL has no TRUE
    assert "'x''); DROP TABLE y; --'" in text


def test_condition_and_persona_expressions():
    assert persona_expression([]) == exp.true()
    assert condition_expression(Condition("a", "is_missing")).sql("duckdb") == '"a" IS NULL'
    assert condition_expression(Condition("a", "<", None)) == exp.false()
    assert condition_expression(Condition("a", "=", None)).sql("duckdb") == '"a" IS NULL'
    sql = condition_expression(Condition("a", "!=", np.float64(1.5))).sql("duckdb")
    assert sql == 'NOT "a" IS NULL AND "a" <> 1.5'
    sql = condition_expression(Condition("b", "=", np.bool_(False))).sql("duckdb")
    assert sql.endswith('"b" = FALSE')
    case = case_expression(_hostile_personas()[:2]).sql("duckdb", identify=True)
    assert case.index("'p1'") < case.index("'p''2'")  # the caller's order is kept


def test_action_expression_shape():
    personas = _hostile_personas()
    no_holdout = action_expression(
        personas, id_column="id", holdout=0.0, salt="s", dialect="duckdb"
    ).sql("duckdb")
    assert "'holdout'" not in no_holdout and "SHA256" not in no_holdout
    with_holdout = action_expression(
        personas, id_column="id", holdout=0.2, salt="s", dialect="duckdb"
    ).sql("duckdb")
    assert with_holdout.index("'holdout'") < with_holdout.index("'exclude'")
    only_tagged = [SqlPersona("t", (Condition("a", "=", 1),), excluded=False)]
    assert action_expression(
        only_tagged, id_column=None, holdout=0.0, salt="s", dialect="duckdb"
    ) == exp.convert("target")


# ---- errors -------------------------------------------------------------------------------------


def test_unknown_dialect_lists_the_supported_ones():
    with pytest.raises(ConfigError) as error:
        select_statement([], table="t", dialect="oracle9")
    assert "oracle9" in str(error.value)
    for dialect in DIALECTS:
        assert dialect in str(error.value)
    with pytest.raises(ConfigError):
        expression_sql([], "nope")
    with pytest.raises(ConfigError):
        holdout_expression("id", 0.1, "s", "nope")


def test_sqlite_holdout_is_a_config_error():
    personas = [SqlPersona("p", (Condition("x", "=", 1),))]
    with pytest.raises(ConfigError) as error:
        select_statement(personas, table="t", dialect="sqlite", id_column="id", holdout=0.05)
    assert "SHA-256" in str(error.value) and "holdout" in str(error.value)
    assert "0" in error.value.hint


def test_holdout_without_id_column_names_what_to_set():
    personas = [SqlPersona("p", (Condition("x", "=", 1),))]
    with pytest.raises(ConfigError) as error:
        select_statement(personas, table="t", dialect="duckdb", holdout=0.05)
    assert "id" in error.value.message and "id: in the spec" in error.value.hint
    assert error.value.setting == "id" and "--id-column" in cli_text(error.value)


@pytest.mark.parametrize("fraction", [-0.1, 1.5, float("nan"), "0.1"])
def test_bad_holdout_fraction(fraction):
    with pytest.raises(ConfigError):
        holdout_expression("id", fraction, "s", "duckdb")


def test_bad_values_and_duplicate_ids():
    with pytest.raises(ConfigError):
        condition_expression(Condition("x", "<", float("inf")))
    with pytest.raises(ConfigError):
        condition_expression(Condition("x", "=", [1, 2]))
    twice = [SqlPersona("p", ()), SqlPersona("p", ())]
    with pytest.raises(ConfigError):
        select_statement(twice, table="t", dialect="duckdb")
