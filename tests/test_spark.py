"""Spark conformance: the same personas, members and holdout on a local Spark as on DuckDB.

A local SparkSession (``local[2]``, Debian's OpenJDK 17, pyspark through Ibis's PySpark backend)
runs what users run when one machine is not enough: ``discover`` on a Spark table, matching
records (with the exploration holdout) and the SQL ``negpersona sql --dialect spark`` prints.
Each must give what DuckDB gives on the same data: the same personas with the same counts (the
split is the portable SHA-256 record hash), the same tag and action for every record.

Marked ``spark``: ``pytest -m "not spark"`` skips it on a laptop; ``make test`` runs it.
"""

from __future__ import annotations

import pandas as pd
import pytest

from negpersona import discover
from negpersona.apply.personas import Personas
from negpersona.apply.sqlgen import SqlPersona, select_statement
from negpersona.datasets import generate_leads

pytestmark = pytest.mark.spark

COLUMNS = ["lead_id", "company_size", "industry", "lead_source", "demo_requested",
           "pages_viewed", "email_domain_type", "budget_band", "converted"]  # fmt: skip


@pytest.fixture(scope="module")
def spark(tmp_path_factory):
    pyspark = pytest.importorskip("pyspark.sql", reason="pyspark is a test dependency")
    warehouse = tmp_path_factory.mktemp("spark-warehouse")
    session = (
        pyspark.SparkSession.builder.master("local[2]")
        .appName("negpersona-tests")
        .config("spark.ui.enabled", "false")
        .config("spark.sql.shuffle.partitions", "2")
        .config("spark.sql.session.timeZone", "UTC")
        .config("spark.driver.memory", "1g")
        .config("spark.sql.warehouse.dir", str(warehouse))
        .config("spark.driver.extraJavaOptions", f"-Dderby.system.home={warehouse}")
        .getOrCreate()
    )
    session.sparkContext.setLogLevel("ERROR")
    yield session
    session.stop()


@pytest.fixture(scope="module")
def leads() -> pd.DataFrame:
    frame = generate_leads(3000, 11)
    return frame[[c for c in COLUMNS if c in frame.columns]]


@pytest.fixture(scope="module")
def tables(spark, leads, tmp_path_factory):
    """The same Parquet file read by each engine (pandas' nullable integers with missing values
    do not survive Spark's conversion from pandas: a file is also how real data arrives)."""
    import ibis

    path = tmp_path_factory.mktemp("data") / "leads.parquet"
    leads.to_parquet(path, index=False)
    spark_table = ibis.pyspark.connect(spark).read_parquet(str(path), table_name="leads")
    return {"spark": spark_table, "duckdb": str(path)}


@pytest.fixture(scope="module")
def found(tables, tmp_path_factory):
    results = {}
    for engine, data in tables.items():
        result = discover(data, target="converted", id="lead_id", depth=2, run_audit=False)
        folder = tmp_path_factory.mktemp(engine)
        result.write(folder)
        results[engine] = (result, folder)
    return results


def _signature(result) -> list[tuple]:
    return sorted(
        (
            tuple(sorted((c.column, c.op, str(c.value)) for c in p.conditions)),
            p.records,
            p.positives,
            p.confirmation.records if p.confirmation else None,
            p.confirmation.positives if p.confirmation else None,
        )
        for p in result.personas
    )


def test_discover_finds_the_same_personas_with_the_same_counts(found) -> None:
    duck, spark = found["duckdb"][0], found["spark"][0]
    assert duck.personas, "the generated leads hold personas"
    assert _signature(spark) == _signature(duck)
    assert spark.baseline["records"] == duck.baseline["records"] == 3000
    assert spark.baseline["confirmation"] == duck.baseline["confirmation"]  # the same split


def _tags(table) -> pd.DataFrame:
    frame = table.to_pandas()
    frame["lead_id"] = frame["lead_id"].astype(str)
    return frame.set_index("lead_id").sort_index()[["negative_persona", "negative_persona_action"]]


def test_matching_gives_the_same_tag_and_holdout_per_record(found, tables) -> None:
    folder = found["duckdb"][1]
    personas = Personas.load(folder)
    personas.policy = {**personas.policy, "excluded": [p.id for p in personas.personas],
                       "holdout": 0.2}  # fmt: skip
    duck = _tags(personas.match(tables["duckdb"]))
    spark = _tags(personas.match(tables["spark"]))
    pd.testing.assert_frame_equal(spark, duck)
    assert (duck["negative_persona_action"] == "holdout").sum() > 10


def test_the_spark_sql_gives_the_same_tags(spark, found, tables) -> None:
    personas = Personas.load(found["duckdb"][1])
    items = [SqlPersona(p.id, tuple(p.conditions), True) for p in personas.personas]
    sql = select_statement(
        items, table="leads", dialect="spark", id_column="lead_id", holdout=0.2,
        salt=personas.salt,
    )  # fmt: skip
    rows = spark.sql(sql).toPandas()
    rows["lead_id"] = rows["lead_id"].astype(str)
    from_sql = rows.set_index("lead_id").sort_index()[
        ["negative_persona", "negative_persona_action"]
    ]
    personas.policy = {**personas.policy, "excluded": [p.id for p in personas.personas],
                       "holdout": 0.2}  # fmt: skip
    expected = _tags(personas.match(tables["duckdb"]))
    pd.testing.assert_frame_equal(from_sql, expected)


def test_recheck_counts_the_same_on_spark(found, tables) -> None:
    from negpersona.monitor import recheck

    folder = found["duckdb"][1]
    documents = {
        engine: recheck(folder, data, candidates=False).document for engine, data in tables.items()
    }
    duck, spark = documents["duckdb"], documents["spark"]
    assert spark["baseline"]["records"] == duck["baseline"]["records"]
    for ours, theirs in zip(spark["personas"], duck["personas"], strict=True):
        assert ours["id"] == theirs["id"]
        assert ours["members"] == theirs["members"]
        assert ours["verdict"]["status"] == theirs["verdict"]["status"]
        assert [d["psi"] for d in ours["drift"]] == pytest.approx(
            [d["psi"] for d in theirs["drift"]]
        )
