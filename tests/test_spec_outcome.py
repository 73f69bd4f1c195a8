"""The spec (negpersona.yaml), outcome resolution, sensitive columns and plain-word conditions."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from typer.testing import CliRunner

from negpersona import ConfigError, DataError, Spec, discover, load_spec
from negpersona.cli.hints import cli_text
from negpersona.cli.main import app
from negpersona.config.spec import Outcome, validate_spec
from negpersona.data.outcome import resolve_outcome
from negpersona.data.profile import profile_table
from negpersona.data.sensitive import sensitive_reason
from negpersona.data.source import open_source
from negpersona.model.conditions import Condition, describe, format_value, humanize, neutral_name

# --- helpers ------------------------------------------------------------------------------------


def deals(n: int = 600, seed: int = 0) -> pd.DataFrame:
    """Deals where the 'trial' plan rarely closes; stage has won/lost/open."""
    rng = np.random.default_rng(seed)
    plan = rng.choice(["trial", "basic", "plus"], n, p=[0.35, 0.4, 0.25])
    won = rng.random(n) < np.where(plan == "trial", 0.03, 0.4)
    stage = np.where(won, "won", np.where(rng.random(n) < 0.5, "lost", "open"))
    return pd.DataFrame(
        {
            "deal_id": [f"D{i:04d}" for i in range(n)],
            "plan": plan,
            "visits": rng.integers(0, 15, n),
            "stage": stage,
            "won": won,
        }
    )


def fits(resolved) -> int:
    return int(resolved.table.filter(resolved.label).count().execute())


def resolve(frame: pd.DataFrame, **outcome):
    return resolve_outcome(open_source(frame).table, Outcome(**outcome))


def write_spec(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


# --- spec loading -------------------------------------------------------------------------------


def test_relative_source_is_resolved_against_the_spec_folder(tmp_path, monkeypatch):
    project = tmp_path / "project"
    (project / "data").mkdir(parents=True)
    frame = deals()
    frame.to_csv(project / "data" / "deals.csv", index=False)
    spec_file = write_spec(
        project / "negpersona.yaml",
        "source: data/deals.csv\noutcome:\n  column: won\nexclude: [stage]\ndiscovery:\n  depth: 1\n",
    )
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    monkeypatch.chdir(elsewhere)
    spec = load_spec(spec_file)
    assert Path(spec.source).resolve() == (project / "data" / "deals.csv").resolve()
    result = discover(None, spec)
    assert result.baseline["records"] == len(frame)
    assert result.baseline["positives"] == int(frame["won"].sum())


def test_absolute_and_url_sources_are_kept(tmp_path):
    absolute = tmp_path / "x.csv"
    spec = load_spec(write_spec(tmp_path / "a" / "s.yaml", f"source: {absolute}\n"))
    assert spec.source == str(absolute)
    spec = load_spec(write_spec(tmp_path / "b" / "s.yaml", "source: duckdb://db.duckdb?table=t\n"))
    assert spec.source == "duckdb://db.duckdb?table=t"


def test_spec_without_source_and_without_data(tmp_path):
    spec = load_spec(write_spec(tmp_path / "s.yaml", "outcome:\n  column: won\n"))
    with pytest.raises(ConfigError) as info:
        discover(None, spec)
    assert "source:" in str(info.value)


def test_empty_spec_file_is_the_default_spec(tmp_path):
    spec = load_spec(write_spec(tmp_path / "s.yaml", "# nothing yet\n"))
    assert spec == Spec()
    assert spec.discovery.depth == 3 and spec.discovery.max_rate_ratio == 0.5


@pytest.mark.parametrize(
    ("text", "field"),
    [
        ("foo: 1\n", "foo"),
        ("discovery:\n  depth: 9\n", "discovery.depth"),
        ("discovery:\n  depth: 0\n", "discovery.depth"),
        ("discovery:\n  min_support: 2\n", "discovery.min_support"),
        ("discovery:\n  max_rate_ratio: 1.5\n", "discovery.max_rate_ratio"),
        ("discovery:\n  bins: many\n", "discovery.bins"),
        ("discovery:\n  nonsense: 1\n", "discovery.nonsense"),
        ("outcome:\n  kind: upsell\n", "outcome.kind"),
        ("outcome:\n  colum: won\n", "outcome.colum"),
        ("columns:\n  plan:\n    type: blob\n", "columns.plan.type"),
        ("exclude: plan\n", "exclude"),
    ],
)
def test_invalid_settings_name_the_field(tmp_path, text, field):
    path = write_spec(tmp_path / "spec.yaml", text)
    with pytest.raises(ConfigError) as info:
        load_spec(path)
    message = str(info.value)
    assert f": {field}: " in message
    assert str(path) in message
    assert f"Fix '{field}'" in message
    assert info.value.exit_code == 2


def test_outcome_column_and_expression_together(tmp_path):
    path = write_spec(
        tmp_path / "spec.yaml", "outcome:\n  column: won\n  expression: stage = 'won'\n"
    )
    with pytest.raises(ConfigError) as info:
        load_spec(path)
    assert "outcome" in str(info.value) and "either" in str(info.value)


@pytest.mark.parametrize(
    ("text", "needle"),
    [("outcome: [\n  column: won\n", "not valid YAML"), ("- a\n- b\n", "mapping")],
)
def test_unreadable_spec(tmp_path, text, needle):
    path = write_spec(tmp_path / "spec.yaml", text)
    with pytest.raises(ConfigError) as info:
        load_spec(path)
    assert needle in str(info.value) and "spec.yaml" in str(info.value)


def test_missing_spec_file(tmp_path):
    with pytest.raises(ConfigError) as info:
        load_spec(tmp_path / "absent.yaml")
    assert "absent.yaml" in str(info.value) and "negpersona init" in str(info.value)


def test_validate_spec_names_the_origin():
    with pytest.raises(ConfigError) as info:
        validate_spec({"discovery": {"alpha": 0.9}}, "options")
    assert "Invalid setting in options: discovery.alpha" in str(info.value)


# --- overrides ----------------------------------------------------------------------------------


def test_overrides_beat_the_file(tmp_path):
    spec = load_spec(
        write_spec(
            tmp_path / "s.yaml",
            "outcome:\n  column: won\n  kind: win_loss\nexclude: [visits]\n"
            "discovery:\n  depth: 1\n  max_personas: 2\n",
        )
    )
    merged = spec.with_overrides(
        depth=2, target="stage", positive=["won"], exclude=["plan"], seed=None, alpha=None
    )
    assert merged.discovery.depth == 2
    assert merged.discovery.max_personas == 2  # not overridden: kept from the file
    assert merged.discovery.alpha == 0.05  # None means "not given"
    assert merged.outcome.column == "stage" and merged.outcome.positive == ["won"]
    assert merged.outcome.kind == "win_loss"
    assert merged.exclude == ["plan", "visits"]  # lists are merged
    assert spec.discovery.depth == 1  # the original is unchanged


def test_target_override_drops_the_files_positive():
    frame = deals()
    frame["result"] = np.where(frame["won"], "yes", "no")
    spec = Spec(outcome=Outcome(column="stage", positive=["won"]))
    merged = spec.with_overrides(target="result")
    assert merged.outcome.positive is None
    result = discover(frame, merged, depth=1, exclude=["stage", "won"])
    assert result.baseline["positives"] == int(frame["won"].sum())


def test_target_override_replaces_an_expression():
    spec = Spec(outcome=Outcome(expression="stage = 'won'"))
    merged = spec.with_overrides(target="won")
    assert merged.outcome.column == "won" and merged.outcome.expression is None


def test_invalid_override_names_the_field():
    with pytest.raises(ConfigError) as info:
        Spec().with_overrides(max_rate_ratio=3.0)
    assert "options: discovery.max_rate_ratio" in str(info.value)


def test_cli_option_beats_the_spec_file(tmp_path):
    frame = deals()
    frame.to_csv(tmp_path / "deals.csv", index=False)
    spec = write_spec(
        tmp_path / "np.yaml",
        "source: deals.csv\noutcome:\n  column: stage\n  positive: [won]\n"
        "discovery:\n  depth: 1\n  max_personas: 1\n  seed: 5\n",
    )
    out = tmp_path / "out"
    result = CliRunner().invoke(
        app,
        [
            "discover",
            "-c",
            str(spec),
            "--depth",
            "2",
            "--target",
            "won",
            "--exclude",
            "stage",
            "-o",
            str(out),
            "-q",
        ],
    )
    assert result.exit_code == 0, result.output
    settings = json.loads((out / "personas.json").read_text())["settings"]
    assert settings["depth"] == 2  # CLI
    assert settings["max_personas"] == 1 and settings["seed"] == 5  # file
    assert settings["outcome"].startswith("won ")  # CLI --target replaced the file's column
    assert Path(settings["source"]).resolve() == (tmp_path / "deals.csv").resolve()


def test_confirm_keyword_override():
    result = discover(deals(), target="won", depth=1, confirm=False, exclude=["stage"])
    assert result.settings["split_method"] == "none"
    assert result.personas == []


def test_confirm_false_through_the_spec():
    spec = Spec().with_overrides(target="won", depth=1, confirm=False, exclude=["stage"])
    result = discover(deals(), spec)
    assert result.settings["split_method"] == "none"
    assert result.personas == [] and result.unconfirmed


# --- outcome resolution -------------------------------------------------------------------------


def test_boolean_outcome():
    frame = deals()
    resolved = resolve(frame, column="won")
    assert resolved.positive == [True]
    assert fits(resolved) == int(frame["won"].sum())


@pytest.mark.parametrize(
    ("yes", "no"),
    [("yes", "no"), ("Yes", "No"), ("y", "n"), ("won", "lost"), ("closed won", "closed lost")],
)
def test_two_valued_text_outcomes(yes, no):
    frame = deals()
    frame["result"] = np.where(frame["won"], yes, no)
    resolved = resolve(frame, column="result")
    assert resolved.positive == [yes]
    assert fits(resolved) == int(frame["won"].sum())


def test_zero_one_integers():
    frame = deals()
    frame["flag"] = frame["won"].astype(int)
    resolved = resolve(frame, column="flag")
    assert resolved.positive == [1]
    assert fits(resolved) == int(frame["won"].sum())
    typed = resolve(frame, column="flag", positive=["1"])
    assert typed.positive == [1] and fits(typed) == int(frame["won"].sum())
    with pytest.raises(ConfigError):
        resolve(frame, column="flag", positive=["high"])


def test_boolean_outcome_with_yes_as_positive():
    frame = deals()
    resolved = resolve(frame, column="won", positive=["yes"])
    assert resolved.positive == [True]
    flipped = resolve(frame, column="won", positive=["no"])
    assert flipped.positive == [False]
    assert fits(flipped) == int((~frame["won"]).sum())


def test_ambiguous_two_values_ask_for_positive():
    frame = deals()
    frame["colour"] = np.where(frame["won"], "blue", "green")
    with pytest.raises(DataError) as info:
        resolve(frame, column="colour")
    assert "'colour'" in str(info.value) and "outcome.positive" in str(info.value)
    assert "--positive" in cli_text(info.value)


def test_three_values_need_explicit_positives():
    frame = deals()
    with pytest.raises(DataError) as info:
        resolve(frame, column="stage")
    assert "more than two values" in str(info.value)
    resolved = resolve(frame, column="stage", positive=["won", "open"])
    assert sorted(resolved.positive) == ["open", "won"]
    assert fits(resolved) == int(frame["stage"].isin(["won", "open"]).sum())


def test_positive_found_among_many_values():
    rng = np.random.default_rng(0)
    stages = [f"stage_{i}" for i in range(8)]
    frame = pd.DataFrame({"stage": rng.choice(stages, 400), "x": rng.integers(0, 9, 400)})
    for stage in stages:
        resolved = resolve(frame, column="stage", positive=[stage])
        assert fits(resolved) == int((frame["stage"] == stage).sum())


def test_missing_outcomes_are_left_out_and_noted():
    frame = deals()
    frame["result"] = np.where(frame["won"], "yes", "no").astype(object)
    frame.loc[frame.index[:50], "result"] = None
    resolved = resolve(frame, column="result")
    assert resolved.dropped_missing == 50
    assert int(resolved.table.count().execute()) == len(frame) - 50
    result = discover(frame.drop(columns=["won", "stage"]), target="result", depth=1)
    assert result.baseline["records"] == len(frame) - 50
    assert any("50 records with a missing outcome" in note for note in result.notes)


@pytest.mark.parametrize("as_bool", [False, True])
def test_churn_rates_are_retention(as_bool):
    rng = np.random.default_rng(1)
    n = 800
    plan = rng.choice(["basic", "plus", "max"], n)
    churned = rng.random(n) < np.where(plan == "basic", 0.75, 0.1)
    frame = pd.DataFrame(
        {
            "plan": plan,
            "tickets": rng.integers(0, 9, n),
            "churned": churned if as_bool else np.where(churned, "yes", "no"),
        }
    )
    result = discover(frame, target="churned", kind="churn", depth=1)
    assert result.baseline["rate"] == pytest.approx(1 - churned.mean())
    assert result.baseline["positives"] == int((~churned).sum())
    assert " not in " in result.settings["outcome"]
    assert result.settings["outcome_kind"] == "churn"
    # The churn-heavy plan is the negative persona: the churned are the non-fits.
    found = {p.name for p in result.personas + result.unconfirmed}
    assert "Plan is basic" in found


def test_expression_outcome():
    frame = deals()
    spec = Spec(outcome=Outcome(expression="stage = 'won'"))
    result = discover(frame.drop(columns="won"), spec, depth=1)
    assert result.baseline["positives"] == int((frame["stage"] == "won").sum())
    assert result.baseline["records"] == len(frame)
    assert result.settings["outcome"] == "stage = 'won'"


def test_expression_columns_are_not_conditions():
    frame = deals()
    spec = Spec(outcome=Outcome(expression="stage = 'won'"))
    result = discover(frame.drop(columns="won"), spec, depth=1)
    used = {c.column for p in result.personas + result.unconfirmed for c in p.conditions}
    assert "stage" not in used
    assert "stage" in {item["column"] for item in result.set_aside}


def test_expression_with_unknown_column():
    with pytest.raises(DataError) as info:
        resolve(deals(), expression="stag = 'won'")
    assert "'stag'" in str(info.value) and "stage" in str(info.value)


def test_expression_with_one_class():
    with pytest.raises(DataError) as info:
        resolve(deals(), expression="visits >= 0")
    assert "one class" in str(info.value)


@pytest.mark.parametrize(
    "expression",
    [
        "1=1; DROP TABLE x",
        "stage = 'won'; DROP TABLE data",
        "stage = ",
    ],
)
def test_hostile_or_broken_expression_is_refused(expression):
    with pytest.raises(ConfigError) as info:
        resolve(deals(), expression=expression)
    assert "outcome.expression" in str(info.value)


def test_expression_with_a_subquery_is_refused(tmp_path):
    secret = tmp_path / "secret.csv"
    secret.write_text("k\n1\n2\n3\n4\n5\n", encoding="utf-8")
    with pytest.raises(ConfigError):
        resolve(deals(), expression=f"visits < (SELECT count(*) FROM read_csv('{secret}'))")


def test_no_outcome_at_all():
    with pytest.raises(ConfigError) as info:
        resolve(deals())
    assert info.value.setting == "outcome.column" and "outcome.column" in str(info.value)
    assert "--target" in cli_text(info.value)


# --- sensitive columns --------------------------------------------------------------------------


def _profiles(columns: dict[str, np.ndarray]):
    return profile_table(open_source(pd.DataFrame(columns)).table)


@pytest.mark.parametrize(
    ("name", "label"),
    [
        ("Gender", "gender"),
        ("customerAge", "age"),
        ("age_band", "age"),
        ("date_of_birth", "date of birth"),
        ("marital_status", "marital status"),
        ("Nationality", "nationality"),
        ("religion", "religion"),
        ("SEX", "sex"),
    ],
)
def test_sensitive_by_name(name, label):
    rng = np.random.default_rng(0)
    profile = _profiles({name: rng.choice(["a", "b", "c"], 100)})[name]
    reason = sensitive_reason(profile)
    assert reason is not None and label in reason and "column name" in reason


@pytest.mark.parametrize(
    ("values", "label"),
    [
        (["male", "female"], "gender"),
        (["Male", "Female", "Non-binary"], "gender"),
        (["m", "f"], "gender"),
        (["married", "single", "divorced"], "marital status"),
    ],
)
def test_sensitive_by_values(values, label):
    rng = np.random.default_rng(0)
    profile = _profiles({"who": rng.choice(values, 200)})["who"]
    reason = sensitive_reason(profile)
    assert reason is not None and label in reason and "values" in reason


@pytest.mark.parametrize("name", ["pages_viewed", "usage", "stage", "language", "message"])
def test_not_sensitive(name):
    rng = np.random.default_rng(0)
    profile = _profiles({name: rng.choice(["a", "b", "c", "d"], 100)})[name]
    assert sensitive_reason(profile) is None
    numeric = _profiles({name: rng.integers(0, 50, 100)})[name]
    assert sensitive_reason(numeric) is None


def test_single_letters_alone_are_not_gender_when_mixed():
    rng = np.random.default_rng(0)
    profile = _profiles({"grade": rng.choice(["a", "b", "f", "m"], 200)})["grade"]
    assert sensitive_reason(profile) is None


def _ages(n: int = 1000, seed: int = 2) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    age = rng.integers(18, 70, n)
    converted = rng.random(n) < np.where(age < 40, 0.03, 0.4)
    return pd.DataFrame(
        {
            "age": age,
            "plan": rng.choice(["basic", "plus"], n),
            "visits": rng.integers(0, 30, n),
            "converted": converted,
        }
    )


def test_sensitive_column_is_set_aside_with_reason():
    result = discover(_ages(), target="converted", depth=1)
    aside = {item["column"]: item["reason"] for item in result.set_aside}
    assert aside["age"].startswith("sensitive: looks like age")
    assert "--allow-sensitive age" in aside["age"]
    used = {c.column for p in result.personas + result.unconfirmed for c in p.conditions}
    assert "age" not in used


def test_allow_sensitive_lets_the_column_in():
    result = discover(_ages(), target="converted", depth=1, allow_sensitive=["age"])
    assert "age" not in {item["column"] for item in result.set_aside}
    used = {c.column for p in result.personas for c in p.conditions}
    assert "age" in used
    assert result.settings["allow_sensitive"] == ["age"]


def test_allow_sensitive_on_the_command_line(tmp_path):
    _ages().to_csv(tmp_path / "ages.csv", index=False)
    out = tmp_path / "out"
    args = ["discover", str(tmp_path / "ages.csv"), "--target", "converted", "--depth", "1"]
    result = CliRunner().invoke(app, [*args, "--allow-sensitive", "age", "-o", str(out), "-q"])
    assert result.exit_code == 0, result.output
    data = json.loads((out / "personas.json").read_text())
    assert any(c["column"] == "age" for p in data["personas"] for c in p["conditions"])


def test_marking_a_column_sensitive_in_the_spec():
    spec = Spec(sensitive=["plan"])
    result = discover(_ages(), spec, target="converted", depth=1)
    aside = {item["column"]: item["reason"] for item in result.set_aside}
    assert aside["plan"].startswith("sensitive: marked sensitive in the spec")


# --- conditions in plain words ------------------------------------------------------------------


def test_range_reads_as_one_phrase():
    conditions = [Condition("visits", ">=", 3), Condition("visits", "<", 7)]
    assert describe(conditions) == ["visits from 3 to under 7"]
    assert neutral_name(conditions) == "Visits from 3 to under 7"


def test_every_operator_in_words():
    words = [describe([Condition("amount", op, 1200.0)])[0] for op in ("=", "!=", "<", "<=")]
    assert words == [
        "amount is 1,200",
        "amount is not 1,200",
        "amount under 1,200",
        "amount at most 1,200",
    ]
    words = [describe([Condition("amount", op, 1200.0)])[0] for op in (">", ">=")]
    assert words == ["amount over 1,200", "amount at least 1,200"]
    assert describe([Condition("amount", "is_missing")]) == ["amount is missing"]


def test_neutral_name_joins_columns_and_humanizes():
    name = neutral_name(
        [
            Condition("leadSource", "=", "webinar"),
            Condition("demo_requested", "=", False),
            Condition("pages_viewed", "<", 3),
        ]
    )
    assert name == "Lead source is webinar, demo requested is no, pages viewed under 3"
    assert neutral_name([]) == "Everyone"
    assert humanize("customerAge_years") == "customer age years"


@pytest.mark.parametrize(
    ("value", "text"),
    [
        (1200.0, "1,200"),
        (1200, "1,200"),
        (1234567, "1,234,567"),
        (2.5, "2.5"),
        (0.125, "0.125"),
        (12345.6, "12,346"),
        (-1500.0, "-1,500"),
        (True, "yes"),
        (False, "no"),
        ("free", "free"),
    ],
)
def test_format_value(value, text):
    assert format_value(value) == text


@pytest.mark.parametrize("value", [9999.5, np.int64(1200)], ids=["9999.5", "numpy-int"])
def test_format_value_edge_cases(value):
    text = format_value(value)
    assert "e" not in text  # no scientific notation in plain words
    assert "," in text  # thousands separator like every other number of this size


def test_condition_validation_and_round_trip():
    with pytest.raises(ValueError, match="unknown operator"):
        Condition("x", "~", 1)
    condition = Condition("x", ">=", np.int64(3))
    data = condition.to_dict()
    assert data == {"column": "x", "op": ">=", "value": 3} and type(data["value"]) is int
    assert Condition.from_dict(data) == Condition("x", ">=", 3)
