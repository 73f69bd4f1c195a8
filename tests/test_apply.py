"""Applying personas: match, holdout, policy, impact, score and their commands."""

from __future__ import annotations

import json
import math
import re

import duckdb
import numpy as np
import pandas as pd
import pytest
from typer.testing import CliRunner

from negpersona import discover
from negpersona.apply.impact import impact
from negpersona.apply.personas import Personas, write_matches
from negpersona.apply.policy import choose
from negpersona.apply.sqlgen import SqlPersona, select_statement
from negpersona.cli.main import app
from negpersona.config.policy import PolicySettings
from negpersona.engine.hashing import is_holdout
from negpersona.errors import ConfigError, DataError
from negpersona.model.conditions import Condition
from negpersona.model.persona import Confirmation, Persona

runner = CliRunner(env={"COLUMNS": "200", "NO_COLOR": "1"})


def _persona(conditions: list[Condition], rate: float, pid: str | None = None) -> Persona:
    return Persona(
        conditions=conditions,
        records=1000,
        positives=int(rate * 1000),
        share=0.1,
        rate=rate,
        rate_ci=(rate * 0.8, rate * 1.2),
        rate_ratio=rate / 0.2,
        conversion_share=0.02,
        quality=0.01,
        confirmation=Confirmation(500, int(rate * 500), rate, (rate * 0.7, rate * 1.3), 1e-6,
                                  1e-5, True, 0.2),
        id=pid or "",
    )  # fmt: skip


def _table(n: int = 5000, seed: int = 0) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    size = rng.integers(1, 2000, n).astype(float)
    size[rng.random(n) < 0.1] = np.nan
    return pd.DataFrame(
        {
            "lead_id": [f"L{i:06d}" for i in range(n)],
            "company_size": size,
            "industry": rng.choice(["education", "retail", "software", None], n),
            "demo": rng.random(n) < 0.3,
            "visits": rng.integers(0, 30, n),
        }
    )


PERSONAS = [
    _persona([Condition("company_size", "<", 10)], 0.02, "np-small"),
    _persona([Condition("industry", "=", "education"), Condition("demo", "=", False)], 0.01,
             "np-edu"),
    _persona([Condition("visits", "<", 2), Condition("company_size", "is_missing")], 0.03,
             "np-quiet"),
]  # fmt: skip


def _set(excluded=("np-edu", "np-small"), holdout=0.05) -> Personas:
    return Personas(
        PERSONAS,
        policy={"excluded": list(excluded), "holdout": holdout, "salt": "negpersona"},
        settings={"id": "lead_id"},
        baseline={"rate": 0.2, "confirmation": {"rate": 0.2}},
    )


def _reference(frame: pd.DataFrame, personas: Personas) -> pd.DataFrame:
    """The expected tags, computed row by row in plain Python (the oracle)."""

    def holds(row, condition: Condition) -> bool:
        value = row[condition.column]
        missing = value is None or (isinstance(value, float) and math.isnan(value))
        if condition.op == "is_missing":
            return missing
        if missing:
            return False
        return {
            "=": value == condition.value,
            "!=": value != condition.value,
            "<": value < condition.value,
            ">=": value >= condition.value,
        }[condition.op]

    rows = []
    for _, row in frame.iterrows():
        ids = [p.id for p in personas.personas if all(holds(row, c) for c in p.conditions)]
        excluded = any(pid in personas.excluded for pid in ids)
        action = "target"
        if excluded:
            action = (
                "holdout"
                if is_holdout(row["lead_id"], personas.holdout, "negpersona")
                else "exclude"
            )
        rows.append({"lead_id": row["lead_id"], "ids": ids, "action": action})
    return pd.DataFrame(rows)


def test_match_equals_a_row_by_row_oracle() -> None:
    frame = _table()
    personas = _set()
    matched = personas.match(frame).to_pandas().set_index("lead_id")
    expected = _reference(frame, personas).set_index("lead_id")
    assert list(matched["negative_personas"].map(list)) == list(expected["ids"])
    assert list(matched["negative_persona_action"]) == list(expected["action"])
    # The primary persona is the first in expected-rate order; its rate is the expected rate.
    order = [p.id for p in personas.personas]
    assert order == ["np-edu", "np-small", "np-quiet"]
    first = expected["ids"].map(lambda ids: ids[0] if ids else None)
    assert list(matched["negative_persona"]) == list(first)
    rates = {p.id: p.confirmation.rate for p in PERSONAS}
    assert (
        matched["expected_rate"].fillna(-1).tolist()
        == first.map(lambda pid: rates.get(pid, -1)).tolist()
    )


def test_apply_and_sql_give_the_same_tags_on_the_bank_data(bank_path) -> None:
    result = discover(bank_path, target="y", exclude=["duration"], depth=2, run_audit=False)
    assert result.personas
    ids = [p.id for p in result.personas]
    personas = Personas(
        result.personas,
        policy={"excluded": ids[::2], "holdout": 0.1, "salt": "s1"},
        settings={"id": "row_id"},
        baseline=result.baseline,
    )
    con = duckdb.connect()
    con.execute(
        f"CREATE TABLE bank AS SELECT row_number() OVER () AS row_id, * "
        f"FROM read_csv('{bank_path}', delim=';')"
    )
    frame = con.execute("SELECT * FROM bank").df()
    matched = personas.match(frame).to_pandas().sort_values("row_id")
    items = [SqlPersona(p.id, tuple(p.conditions), p.id in ids[::2]) for p in personas.personas]
    sql = select_statement(items, table="bank", dialect="duckdb", id_column="row_id",
                           holdout=0.1, salt="s1")  # fmt: skip
    by_sql = con.execute(sql).df().sort_values("row_id")
    assert list(matched["negative_persona"].fillna("")) == list(
        by_sql["negative_persona"].fillna("")
    )
    assert list(matched["negative_persona_action"]) == list(by_sql["negative_persona_action"])
    assert (matched["negative_persona_action"] == "holdout").sum() > 0


def test_holdout_is_stable_across_row_orders_and_near_its_fraction() -> None:
    n = 100_000
    frame = pd.DataFrame({"lead_id": np.arange(n), "visits": np.zeros(n, dtype=int)})
    personas = Personas(
        [_persona([Condition("visits", "<", 2)], 0.01, "np-all")],
        policy={"excluded": ["np-all"], "holdout": 0.05, "salt": "negpersona"},
        settings={"id": "lead_id"},
    )
    first = personas.match(frame).to_pandas().set_index("lead_id")["negative_persona_action"]
    shuffled = frame.sample(frac=1.0, random_state=3)
    second = personas.match(shuffled).to_pandas().set_index("lead_id")["negative_persona_action"]
    assert first.sort_index().equals(second.sort_index())
    share = (first == "holdout").mean()
    bound = 4 * math.sqrt(0.05 * 0.95 / n)
    assert abs(share - 0.05) < bound
    # The same rule as the Python reference (and so as the SQL of every dialect).
    sample = first.index[:2000]
    assert [first[i] == "holdout" for i in sample] == [
        is_holdout(int(i), 0.05, "negpersona") for i in sample
    ]


def test_missing_and_mistyped_columns_are_clear_errors() -> None:
    personas = _set()
    with pytest.raises(DataError, match=r"'industry' \(persona np-edu\)"):
        personas.match(_table().drop(columns=["industry"]))
    text_sizes = _table().assign(company_size=lambda f: f["company_size"].astype(str))
    with pytest.raises(DataError, match="company_size.*np-small.*a number"):
        personas.match(text_sizes)
    with pytest.raises(DataError, match="record id"):
        Personas(PERSONAS, policy={"excluded": ["np-edu"], "holdout": 0.05, "salt": "x"}).match(
            _table().drop(columns=["lead_id"])
        )
    # No holdout wanted: no id needed.
    Personas(PERSONAS, policy={"excluded": ["np-edu"], "holdout": 0.0, "salt": "x"}).match(
        _table().drop(columns=["lead_id"])
    ).to_pandas()


def test_empty_input_gives_no_rows_and_no_error(tmp_path) -> None:
    empty = _table().head(0)
    matched = _set().match(empty)
    assert matched.to_pandas().empty
    path = write_matches(matched, tmp_path / "m.parquet")
    assert pd.read_parquet(path).empty


def test_write_matches_parquet_and_csv(tmp_path) -> None:
    matched = _set().match(_table(200))
    parquet = pd.read_parquet(write_matches(matched, tmp_path / "m.parquet"))
    csv = pd.read_csv(write_matches(matched, tmp_path / "m.csv"))
    assert list(parquet.columns) == list(csv.columns)
    joined = parquet["negative_personas"].map(lambda ids: ";".join(ids))
    assert joined.tolist() == csv["negative_personas"].fillna("").tolist()
    with pytest.raises(ConfigError, match="parquet"):
        write_matches(matched, tmp_path / "m.xlsx")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["m.csv", "m.parquet"]


# ---- policy ----------------------------------------------------------------------------------


def _steps(records=(100, 300, 600), conversions=(2, 15, 60)):
    steps = [{"step": 0, "id": None, "name": "No exclusion", "records": 0, "conversions": 0,
              "records_share": 0.0, "conversions_share": 0.0}]  # fmt: skip
    for i, (n, pos) in enumerate(zip(records, conversions, strict=True), start=1):
        steps.append({"step": i, "id": f"p{i}", "name": f"P{i}", "records": n,
                      "conversions": pos, "records_share": n / 1000, "conversions_share": pos / 200})  # fmt: skip
    for step in steps:
        step["scope_records"], step["scope_conversions"] = 1000, 200
    return steps


def test_policy_rules_pick_the_right_point() -> None:
    steps = _steps()  # conversions lost: 1%, 7.5%, 30%
    assert choose(steps, PolicySettings())["excluded"] == ["p1"]
    assert choose(steps, PolicySettings(max_conversion_loss=0.1))["excluded"] == ["p1", "p2"]
    assert choose(steps, PolicySettings(max_conversion_loss=0.001))["excluded"] == []
    # Break-even: cost 10 per record, value 100 per conversion → net 800, 1,500, 0.
    policy = choose(steps, PolicySettings(rule="break_even"), cost=10.0, value=100.0)
    assert [s["net_value"] for s in policy["curve"][1:]] == [800.0, 1500.0, 0.0]
    assert policy["excluded"] == ["p1", "p2"]
    assert choose(steps, PolicySettings(rule="break_even"), cost=1.0, value=100.0)["excluded"] == []
    overrides = PolicySettings(exclude=["p3"], keep=["p1"])
    assert choose(steps, overrides)["excluded"] == ["p3"]
    with pytest.raises(ConfigError, match="cost per record"):
        choose(steps, PolicySettings(rule="break_even"))
    with pytest.raises(ConfigError, match="'nope'"):
        choose(steps, PolicySettings(exclude=["nope"]))


def test_policy_impact_compares_with_random_exclusion() -> None:
    impact_ = choose(_steps(), PolicySettings(max_conversion_loss=0.1))["impact"]
    assert impact_["records_excluded"] == 300 and impact_["conversions_lost"] == 15
    # At random, 30% of the records lose 30% of the 200 conversions.
    assert impact_["random_exclusion"]["conversions_lost"] == pytest.approx(60.0)
    assert impact_["conversions_kept_vs_random"] == pytest.approx(45.0)
    low, high = impact_["conversions_lost_ci"]
    assert low < 15 < high


# ---- impact and score ------------------------------------------------------------------------


def test_impact_counts_and_expected_losses() -> None:
    frame = _table()
    personas = _set()
    personas.policy.update(cost_per_record=5.0, value_per_conversion=200.0)
    estimate = impact(personas, frame)
    expected = _reference(frame, personas)
    excluded = int((expected["action"] == "exclude").sum())
    assert estimate["records"] == len(frame)
    assert estimate["excluded"] == excluded
    assert estimate["holdout"] == int((expected["action"] == "holdout").sum())
    primary = expected.loc[expected["action"] == "exclude", "ids"].map(lambda ids: ids[0])
    rates = {p.id: p.confirmation.rate for p in PERSONAS}
    assert estimate["expected_conversions_lost"] == pytest.approx(primary.map(rates).sum())
    assert estimate["spend_saved"] == pytest.approx(5.0 * excluded)
    assert estimate["random_exclusion"]["expected_conversions_lost"] == pytest.approx(
        0.2 * excluded
    )
    low, high = estimate["value_at_risk_ci"]
    assert low < estimate["value_at_risk"] < high
    assert "observed" not in estimate


def test_impact_back_test_with_the_outcome() -> None:
    from negpersona.config.spec import Spec

    frame = _table(8000, seed=2)
    rng = np.random.default_rng(5)
    frame["converted"] = rng.random(len(frame)) < np.where(frame["company_size"] < 10, 0.02, 0.2)
    personas = _set(excluded=("np-small",))
    spec = Spec.model_validate({"outcome": {"column": "converted"}, "id": "lead_id"})
    seen = impact(personas, frame, spec=spec)["observed"]
    tags = personas.match(frame, keep_columns=True).to_pandas()
    excluded = tags["negative_persona_action"] == "exclude"
    assert seen["conversions"] == int(frame["converted"].sum())
    assert seen["conversions_excluded"] == int(tags.loc[excluded, "converted"].sum())
    assert seen["random_exclusion_conversions"] == pytest.approx(
        frame["converted"].sum() * excluded.mean()
    )
    assert seen["holdout_expected_rate"] == pytest.approx(0.02)


def test_score_keeps_order_and_recommends_an_action() -> None:
    personas = _set(holdout=0.0)
    records = [
        {"lead_id": "a", "company_size": 5, "industry": "retail", "demo": True, "visits": 3},
        {"lead_id": "b", "company_size": 500, "industry": "education", "demo": False, "visits": 9},
        {"lead_id": "c", "company_size": None, "industry": None, "demo": True, "visits": 1},
        {"lead_id": "d", "company_size": 500, "industry": "software", "demo": True, "visits": 9},
    ]
    scored = personas.score(records)
    assert [s["lead_id"] for s in scored] == ["a", "b", "c", "d"]
    assert [s["negative_persona"] for s in scored] == ["np-small", "np-edu", "np-quiet", None]
    assert [s["negative_persona_action"] for s in scored] == [
        "exclude", "exclude", "target", "target"]  # fmt: skip
    assert personas.score([]) == []
    with pytest.raises(DataError, match="visits"):
        personas.score([{"lead_id": "x", "company_size": 1, "industry": "a", "demo": True}])


# ---- commands ------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def run_dir(tmp_path_factory):
    """A discovery on accounts data, written like 'discover --out' does."""
    folder = tmp_path_factory.mktemp("run")
    frame = _table(6000, seed=4)
    rng = np.random.default_rng(9)
    frame["converted"] = rng.random(len(frame)) < np.where(
        frame["industry"] == "education", 0.01, 0.3
    )
    frame.to_csv(folder / "leads.csv", index=False)
    result = discover(frame, target="converted", id="lead_id", depth=1, run_audit=False)
    assert result.personas
    result.write(folder / "out")
    return folder


def test_cli_policy_apply_sql_score_export(run_dir, tmp_path) -> None:
    out, data = run_dir / "out", run_dir / "leads.csv"
    policy = runner.invoke(app, ["policy", str(out), "--rule", "all", "--holdout", "0.1"])
    assert policy.exit_code == 0, policy.output
    saved = json.loads((out / "policy.json").read_text())
    assert saved["rule"] == "all" and saved["holdout"] == 0.1 and saved["excluded"]

    matches = tmp_path / "m.parquet"
    applied = runner.invoke(app, ["apply", str(out), str(data), "--out", str(matches), "-q"])
    assert applied.exit_code == 0, applied.output
    tags = pd.read_parquet(matches)
    assert set(tags["negative_persona_action"]) == {"exclude", "holdout", "target"}
    held = int((tags["negative_persona_action"] == "holdout").sum())
    assert f"{len(tags):,} records" in applied.stdout and f"{held:,} holdout" in applied.stdout

    sql = runner.invoke(app, ["sql", str(out), "--dialect", "postgres", "--table", "leads"])
    assert sql.exit_code == 0, sql.output
    assert "ENCODE(" in sql.stdout and all(pid in sql.stdout for pid in saved["excluded"])

    line = json.dumps(pd.read_csv(data).iloc[0].where(lambda s: s.notna(), None).to_dict())
    scored = runner.invoke(app, ["score", str(out)], input=line + "\n\n" + line + "\n")
    assert scored.exit_code == 0, scored.output
    rows = [json.loads(x) for x in scored.stdout.splitlines()]
    assert len(rows) == 2 and rows[0]["negative_persona_action"] in {"exclude", "holdout", "target"}

    ids_file = tmp_path / "ids.csv"
    exported = runner.invoke(
        app, ["export", str(out), str(data), "--format", "ids", "--out", str(ids_file), "-q"]
    )
    assert exported.exit_code == 0, exported.output
    ids = pd.read_csv(ids_file)["id"]
    excluded = tags.loc[tags["negative_persona_action"] == "exclude", "lead_id"]
    assert sorted(ids) == sorted(excluded)  # holdout members never in an exclusion file

    estimate = runner.invoke(app, ["impact", str(out), str(data), "--json", "-q"])
    assert estimate.exit_code == 0, estimate.output
    assert json.loads(estimate.stdout)["excluded"] == len(excluded)


def test_cli_bad_input_fails_cleanly(run_dir, tmp_path) -> None:
    out = run_dir / "out"
    bad = tmp_path / "bad.csv"
    pd.DataFrame({"other": [1, 2]}).to_csv(bad, index=False)
    applied = runner.invoke(app, ["apply", str(out), str(bad), "--out", str(tmp_path / "m.csv")])
    assert applied.exit_code != 0 and "lacks column" in applied.stderr
    assert not (tmp_path / "m.csv").exists()
    score = runner.invoke(app, ["score", str(out)], input="{not json\n")
    assert score.exit_code != 0 and "Line 1" in score.stderr
    empty = runner.invoke(app, ["score", str(out)], input="")
    assert empty.exit_code != 0 and "No records" in empty.stderr
    policy = runner.invoke(app, ["policy", str(out), "--rule", "break_even"])
    assert policy.exit_code != 0 and "cost per record" in policy.stderr
    holdout = runner.invoke(app, ["policy", str(out), "--holdout", "0.9"])
    assert holdout.exit_code != 0 and "policy.holdout" in holdout.stderr
    for result in (applied, score, empty, policy, holdout):
        assert "Traceback" not in result.output


HOSTILE = 'a"; DROP TABLE x; --'


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_apply_and_sql_agree_on_random_tables_with_hostile_names(seed) -> None:
    rng = np.random.default_rng(seed)
    n = 3000
    frame = pd.DataFrame(
        {
            "id": np.arange(n),
            HOSTILE: rng.choice(["x'); DROP TABLE y; --", "b", None], n),
            "score": np.where(rng.random(n) < 0.1, np.nan, rng.normal(size=n).round(2)),
            "flag": rng.random(n) < 0.5,
        }
    )
    ops = [("score", "<", 0.0), ("score", ">=", 0.5), ("score", "is_missing", None),
           (HOSTILE, "=", "x'); DROP TABLE y; --"), (HOSTILE, "!=", "b"), ("flag", "=", True)]  # fmt: skip
    personas = []
    for i in range(4):
        picked = rng.choice(len(ops), size=rng.integers(1, 3), replace=False)
        conditions = [Condition(*ops[j]) for j in sorted(picked)]
        personas.append(_persona(conditions, 0.01 * (i + 1), f"np-{i}"))
    excluded = ["np-0", "np-2"]
    applied = Personas(
        personas,
        policy={"excluded": excluded, "holdout": 0.2, "salt": "pepper"},
        settings={"id": "id"},
    )
    matched = applied.match(frame).to_pandas().sort_values("id")
    items = [SqlPersona(p.id, tuple(p.conditions), p.id in excluded) for p in applied.personas]
    con = duckdb.connect()
    con.register("frame_view", frame)
    con.execute("CREATE TABLE records AS SELECT * FROM frame_view")
    sql = select_statement(items, table="records", dialect="duckdb", id_column="id",
                           holdout=0.2, salt="pepper")  # fmt: skip
    by_sql = con.execute(sql).df().sort_values("id")
    assert con.execute("SELECT count(*) FROM records").fetchone()[0] == n  # nothing dropped
    assert (
        matched["negative_persona"].fillna("-").tolist()
        == by_sql["negative_persona"].fillna("-").tolist()
    )
    assert matched["negative_persona_action"].tolist() == by_sql["negative_persona_action"].tolist()
    assert matched["negative_persona"].notna().any()


def test_cli_export_ad_platform_files_hash_contacts(run_dir, tmp_path) -> None:
    out = run_dir / "out"
    frame = pd.read_csv(run_dir / "leads.csv")
    frame["email"] = [f" Person.{i}@Example.com " for i in range(len(frame))]
    frame["phone"] = [f"(415) 555-{i % 10000:04d}" for i in range(len(frame))]
    data = tmp_path / "contacts.csv"
    frame.to_csv(data, index=False)
    runner.invoke(app, ["policy", str(out), "--rule", "all", "--holdout", "0.1"])
    tags = Personas.load(out).match(data, keep_columns=True).to_pandas()
    excluded = tags[tags["negative_persona_action"] == "exclude"]
    meta = tmp_path / "meta.csv"
    result = runner.invoke(
        app,
        ["export", str(out), str(data), "--format", "meta", "--out", str(meta),
         "--email-column", "email", "--phone-column", "phone", "--default-country", "US", "-q"],
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    text = meta.read_text()
    assert text.splitlines()[0] == "email,phone"
    cells = [cell for line in text.splitlines()[1:] for cell in line.split(",")]
    assert all(re.fullmatch(r"[0-9a-f]{64}", cell) for cell in cells)  # hashes, never raw data
    assert len(text.splitlines()) - 1 == len(excluded)  # holdout and target rows left out
    import hashlib

    first = excluded.iloc[0]["email"].strip().lower()
    assert hashlib.sha256(first.encode()).hexdigest() in text
    missing = runner.invoke(
        app, ["export", str(out), str(data), "--format", "google", "--email-column", "mail",
              "--out", str(tmp_path / "g.csv"), "-q"],
    )  # fmt: skip
    assert (
        missing.exit_code != 0 and "'mail'" in missing.stderr and "Traceback" not in missing.output
    )


def test_a_run_without_personas_applies_as_target_everywhere(tmp_path) -> None:
    rng = np.random.default_rng(0)
    n = 3000
    frame = pd.DataFrame(
        {
            "id": range(n),
            "a": rng.choice(["x", "y"], n),
            "b": rng.integers(0, 100, n),
            "converted": rng.random(n) < 0.2,  # nothing to find
        }
    )
    data = tmp_path / "d.csv"
    frame.to_csv(data, index=False)
    out = tmp_path / "out"
    found = runner.invoke(app, ["discover", str(data), "--target", "converted", "--id", "id",
                                "--out", str(out), "-q"])  # fmt: skip
    assert found.exit_code == 0, found.output
    assert json.loads((out / "personas.json").read_text())["personas"] == []
    assert json.loads((out / "policy.json").read_text())["excluded"] == []
    applied = runner.invoke(app, ["apply", str(out), str(data), "--out", str(tmp_path / "m.csv")])
    assert applied.exit_code == 0, applied.output
    assert set(pd.read_csv(tmp_path / "m.csv")["negative_persona_action"]) == {"target"}
    assert "No confirmed personas, so nothing is excluded." in applied.output  # never silent
    exported = runner.invoke(app, ["export", str(out), str(data), "--out", str(tmp_path / "x.csv")])
    assert exported.exit_code == 0 and len(pd.read_csv(tmp_path / "x.csv")) == 0
    assert "No confirmed personas" in exported.stderr
    for args in (["policy", str(out)], ["sql", str(out)], ["impact", str(out), str(data), "-q"]):
        result = runner.invoke(app, args)
        assert result.exit_code == 0, (args, result.output)
    scored = runner.invoke(app, ["score", str(out)], input='{"id": 1, "a": "x", "b": 3}\n')
    assert json.loads(scored.stdout)["negative_persona_action"] == "target"


def test_yaml_action_overrides_the_policy(run_dir, tmp_path) -> None:
    import shutil

    import yaml

    out = tmp_path / "out"
    shutil.copytree(run_dir / "out", out)
    runner.invoke(app, ["policy", str(out), "--rule", "none"])
    personas = Personas.load(out)
    assert personas.excluded == []
    assert personas.nothing_excluded_because() == "Rule none: nothing is excluded."
    first = personas.personas[0]
    path = out / "personas" / f"{first.id}.yaml"
    data = yaml.safe_load(path.read_text())
    assert data["action"] == "auto"  # written by discover for people to change
    data["action"] = "exclude"
    path.write_text(yaml.safe_dump(data))
    assert Personas.load(out).excluded == [first.id]
    data["action"] = "sometimes"
    path.write_text(yaml.safe_dump(data))
    with pytest.raises(DataError, match="sometimes"):
        Personas.load(out)
    runner.invoke(app, ["policy", str(out), "--rule", "all"])
    data["action"] = "target"
    path.write_text(yaml.safe_dump(data))
    assert first.id not in Personas.load(out).excluded
    for persona in personas.personas:  # every exclusion overridden: the reason says so
        other = out / "personas" / f"{persona.id}.yaml"
        other.write_text(yaml.safe_dump({**yaml.safe_load(other.read_text()), "action": "target"}))
    overridden = Personas.load(out)
    assert overridden.excluded == [] and overridden.policy["excluded"]
    assert "action: target" in overridden.nothing_excluded_because()


def test_a_damaged_policy_file_is_a_clear_error(run_dir, tmp_path) -> None:
    import shutil

    out = tmp_path / "out"
    shutil.copytree(run_dir / "out", out)
    (out / "policy.json").write_text('{"rule": "all"}')
    with pytest.raises(DataError, match="missing excluded, holdout, salt"):
        Personas.load(out)
    (out / "policy.json").write_text("{not json")
    result = runner.invoke(app, ["sql", str(out)])
    assert result.exit_code != 0 and "policy.json is damaged" in result.stderr
