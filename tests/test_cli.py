"""The ``negpersona`` command line: happy paths, help, and every kind of bad input.

Bad input must end with a one-line message that names the thing and says what to do, a non-zero
exit code, no traceback, and nothing half-written: a fresh ``--out`` folder gets no
``personas.json`` and an existing one from an earlier run stays byte-identical.
"""

from __future__ import annotations

import gzip
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import typer
import yaml
from typer.testing import CliRunner

from negpersona.cli import common as cli
from negpersona.cli.main import app

BANK = Path(__file__).parent / "data" / "bank-full.csv.gz"
OPS = {"=", "!=", "<", "<=", ">", ">=", "is_missing"}
PERSONA_KEYS = {
    "id",
    "name",
    "conditions",
    "records",
    "share",
    "positives",
    "rate",
    "rate_ci",
    "rate_ratio",
    "conversion_share",
    "quality",
    "confirmation",
}
CONFIRMATION_KEYS = {
    "records",
    "positives",
    "rate",
    "rate_ci",
    "p_value",
    "p_adjusted",
    "confirmed",
}

runner = CliRunner(env={"COLUMNS": "200", "NO_COLOR": "1"})


# --- data and helpers ---------------------------------------------------------------------------


def accounts(n: int = 1200, seed: int = 0) -> pd.DataFrame:
    """Accounts where the free plan and very few visits convert far below the ~20% baseline."""
    rng = np.random.default_rng(seed)
    plan = rng.choice(["free", "pro", "team"], n, p=[0.3, 0.5, 0.2])
    visits = rng.integers(0, 20, n)
    rate = np.where(plan == "free", 0.02, np.where(visits < 3, 0.03, 0.35))
    return pd.DataFrame(
        {
            "account_id": [f"A{i:05d}" for i in range(n)],
            "plan": plan,
            "visits": visits,
            "region": rng.choice(["north", "south", "east", "west"], n),
            "employees": rng.integers(1, 500, n),
            "converted": rng.random(n) < rate,
        }
    )


def invoke(*args: str | Path):
    return runner.invoke(app, [str(arg) for arg in args])


def snapshot(folder: Path) -> dict[str, bytes]:
    return {
        str(path.relative_to(folder)): path.read_bytes()
        for path in sorted(folder.rglob("*"))
        if path.is_file()
    }


def assert_no_traceback(result) -> None:
    # CliRunner swallows exceptions: anything but SystemExit would be a traceback for a user.
    assert result.exception is None or isinstance(result.exception, SystemExit), repr(
        result.exception
    )
    assert "Traceback" not in result.output


def assert_clean_failure(result, code: int, *needles: str) -> str:
    """Non-zero exit ``code``, one 'Error:' line on stderr containing every needle."""
    assert_no_traceback(result)
    assert result.exit_code == code, (result.exit_code, result.output)
    lines = [line for line in result.stderr.strip().splitlines() if line.strip()]
    assert len(lines) == 1, result.stderr
    message = lines[0]
    assert message.startswith("Error: "), message
    for needle in needles:
        assert needle in message, (needle, message)
    assert result.stdout.strip() == ""
    return message


def check_persona(persona: dict, confirmed: bool) -> None:
    assert set(persona) >= PERSONA_KEYS, PERSONA_KEYS - set(persona)
    assert persona["id"].startswith("np-")
    assert persona["name"]
    assert persona["conditions"]
    for condition in persona["conditions"]:
        assert set(condition) == {"column", "op", "value"}
        assert condition["op"] in OPS
    assert persona["records"] > 0
    assert 0 <= persona["positives"] <= persona["records"]
    assert persona["rate"] == pytest.approx(persona["positives"] / persona["records"])
    low, high = persona["rate_ci"]
    assert 0 <= low <= persona["rate"] <= high <= 1
    assert 0 < persona["share"] <= 1
    assert persona["rate_ratio"] >= 0
    assert 0 <= persona["conversion_share"] <= 1
    assert isinstance(persona["quality"], float)
    confirmation = persona["confirmation"]
    assert set(confirmation) >= CONFIRMATION_KEYS
    assert confirmation["confirmed"] is confirmed
    assert len(confirmation["rate_ci"]) == 2
    assert 0 <= confirmation["p_value"] <= confirmation["p_adjusted"] <= 1


def check_contract(data: dict) -> None:
    baseline = data["baseline"]
    assert {"records", "positives", "rate"} <= set(baseline)
    assert baseline["rate"] == pytest.approx(baseline["positives"] / baseline["records"])
    assert isinstance(data["settings"], dict) and data["settings"]
    for item in data["set_aside"]:
        assert set(item) == {"column", "reason"} and item["reason"]
    for persona in data["personas"]:
        check_persona(persona, confirmed=True)
    for persona in data["unconfirmed"]:
        check_persona(persona, confirmed=False)


@pytest.fixture(scope="module", autouse=True)
def wide_console():
    """Rich fixes the width at import when COLUMNS is set (pytest-xdist sets 80): widen it so
    persona names are not wrapped in the table."""
    before = cli.out.width, cli.err.width
    cli.out.width = cli.err.width = 200
    yield
    cli.out.width, cli.err.width = before


@pytest.fixture(scope="module")
def workspace(wide_console, tmp_path_factory):
    """A small CSV and one successful run of ``discover`` on it."""
    root = tmp_path_factory.mktemp("cli")
    data = root / "accounts.csv"
    accounts().to_csv(data, index=False)
    out = root / "good"
    result = invoke("discover", data, "--target", "converted", "--depth", "2", "-o", out, "-q")
    assert result.exit_code == 0, result.output
    return {"root": root, "data": data, "out": out, "result": result}


@pytest.fixture
def earlier_run(workspace, tmp_path):
    """A copy of a successful run's output folder and its bytes, to prove errors leave it alone."""
    folder = tmp_path / "earlier"
    shutil.copytree(workspace["out"], folder)
    return folder, snapshot(folder)


def assert_nothing_written(tmp_path: Path, fresh: Path, earlier: tuple[Path, dict]) -> None:
    assert not (fresh / "personas.json").exists()
    folder, before = earlier
    assert snapshot(folder) == before
    leftovers = [p.name for p in tmp_path.iterdir() if p.name.startswith(".")]
    assert leftovers == []


def fail_twice(tmp_path: Path, earlier, args: list, code: int, *needles: str) -> str:
    """Run a failing discover into a fresh and into an existing out folder; check both."""
    fresh = tmp_path / "fresh"
    message = assert_clean_failure(invoke(*args, "-o", fresh, "-q"), code, *needles)
    assert_clean_failure(invoke(*args, "-o", earlier[0], "-q"), code, *needles)
    assert_nothing_written(tmp_path, fresh, earlier)
    return message


# --- happy paths --------------------------------------------------------------------------------


def test_discover_writes_contract_and_one_yaml_per_persona(workspace):
    out = workspace["out"]
    data = json.loads((out / "personas.json").read_text(encoding="utf-8"))
    check_contract(data)
    assert data["baseline"]["records"] == 1200
    assert data["baseline"]["positives"] == int(accounts()["converted"].sum())
    assert data["settings"]["depth"] == 2
    assert len(data["personas"]) >= 1
    names = {p["name"] for p in data["personas"]}
    assert "Plan is free" in names

    files = sorted((out / "personas").glob("*.yaml"))
    assert [f.stem for f in files] == sorted(p["id"] for p in data["personas"])
    by_id = {p["id"]: p for p in data["personas"]}
    for file in files:
        text = file.read_text(encoding="utf-8")
        assert text.startswith("#")
        card = yaml.safe_load(text)
        assert card["name"] == by_id[file.stem]["name"]
        assert card["conditions"] == by_id[file.stem]["conditions"]
        assert "notes" in card

    stdout = workspace["result"].stdout
    assert "Baseline: " in stdout
    assert "Negative personas" in stdout
    for persona in data["personas"] + data["unconfirmed"]:
        assert persona["name"] in stdout
    assert f"{len(data['personas'])} file(s)" in stdout


def test_show_prints_table_and_json(workspace):
    out = workspace["out"]
    data = json.loads((out / "personas.json").read_text(encoding="utf-8"))
    shown = invoke("show", out)
    assert shown.exit_code == 0, shown.output
    assert "Negative personas" in shown.stdout
    for persona in data["personas"]:
        assert persona["name"] in shown.stdout
    review = min(p["review_by"] for p in data["personas"])
    assert f"Review the personas by {review}" in shown.stdout

    as_json = invoke("show", out, "--json")
    assert as_json.exit_code == 0, as_json.output
    assert json.loads(as_json.stdout) == data


def test_show_without_a_run_fails_cleanly(tmp_path):
    assert_clean_failure(invoke("show", tmp_path / "nothing"), 1, "nothing", "discover")


def test_show_with_damaged_personas_json_fails_cleanly(tmp_path):
    (tmp_path / "personas.json").write_text('{"baseline": ', encoding="utf-8")
    assert_clean_failure(invoke("show", tmp_path), 1, "personas.json")


def test_init_drafts_a_spec_that_discover_uses(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    accounts().to_csv("accounts.csv", index=False)
    result = invoke("init", "accounts.csv")
    assert result.exit_code == 0, result.output
    assert "negpersona.yaml" in result.stdout and "converted" in result.stdout
    spec = yaml.safe_load(Path("negpersona.yaml").read_text(encoding="utf-8"))
    assert spec["source"] == "accounts.csv"
    assert spec["outcome"]["column"] == "converted"
    assert spec["id"] == "account_id"
    assert set(spec["columns"]) == set(accounts().columns)

    ran = invoke("discover", "--config", "negpersona.yaml", "--depth", "2", "-o", "out", "-q")
    assert ran.exit_code == 0, ran.output
    data = json.loads(Path("out/personas.json").read_text(encoding="utf-8"))
    check_contract(data)
    assert data["settings"]["id"] == "account_id"
    assert data["baseline"]["records"] == 1200

    # Without --config the spec in the current folder is used.
    default = invoke("discover", "--depth", "1", "-o", "out2", "-q")
    assert default.exit_code == 0, default.output
    assert json.loads(Path("out2/personas.json").read_text())["settings"]["id"] == "account_id"


def test_init_refuses_to_overwrite_without_force(tmp_path):
    data = tmp_path / "accounts.csv"
    accounts().to_csv(data, index=False)
    target = tmp_path / "spec.yaml"
    target.write_text("# mine\n", encoding="utf-8")
    refused = invoke("init", data, "-o", target)
    assert_clean_failure(refused, 1, "spec.yaml", "--force")
    assert target.read_text(encoding="utf-8") == "# mine\n"

    forced = invoke("init", data, "-o", target, "--force", "--target", "converted")
    assert forced.exit_code == 0, forced.output
    assert yaml.safe_load(target.read_text())["outcome"]["column"] == "converted"


def test_init_spec_in_another_folder_is_usable(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    Path("data").mkdir()
    accounts().to_csv("data/accounts.csv", index=False)
    result = invoke("init", "data/accounts.csv", "-o", "specs/np.yaml")
    assert result.exit_code == 0, result.output
    ran = invoke("discover", "-c", "specs/np.yaml", "--depth", "1", "-o", "out", "-q")
    assert ran.exit_code == 0, ran.output


def test_discover_raw_top_and_no_confirm(workspace, tmp_path):
    out = tmp_path / "raw"
    result = invoke(
        "discover",
        workspace["data"],
        "--target",
        "converted",
        "--depth",
        "1",
        "--raw-top",
        "5",
        "-o",
        out,
        "-q",
    )
    assert result.exit_code == 0, result.output
    raw = json.loads((out / "raw_top.json").read_text())
    assert 1 <= len(raw) <= 5
    assert all(item["conditions"] and item["records"] > 0 for item in raw)
    data = json.loads((out / "personas.json").read_text())
    assert data["personas"] == []
    assert data["settings"]["split_method"] == "none"


def test_bank_marketing_sets_sensitive_columns_aside(tmp_path):
    out = tmp_path / "bank"
    result = invoke(
        "discover", BANK, "--target", "y", "--exclude", "duration", "--depth", "1", "-o", out, "-q"
    )
    assert result.exit_code == 0, result.output
    data = json.loads((out / "personas.json").read_text())
    check_contract(data)
    assert data["baseline"]["records"] == 45211
    assert data["baseline"]["positives"] == 5289
    aside = {item["column"]: item["reason"] for item in data["set_aside"]}
    assert aside["age"].startswith("sensitive") and "--allow-sensitive age" in aside["age"]
    assert aside["marital"].startswith("sensitive")
    assert aside["duration"] == "excluded in the spec"
    used = {c["column"] for p in data["personas"] + data["unconfirmed"] for c in p["conditions"]}
    assert used and not used & {"age", "marital", "duration", "y"}


def test_demo_command_writes_everything(tmp_path):
    out = tmp_path / "demo"
    result = invoke("demo", "--out", out, "--rows", "3000", "--seed", "1", "-q")
    assert result.exit_code == 0, result.output
    assert (out / "leads.csv").exists() and (out / "negpersona.yaml").exists()
    check_contract(json.loads((out / "personas.json").read_text()))
    assert "3,000 leads" in result.stdout
    assert (out / "report.html").stat().st_size > 100_000  # the page with its charts inlined


def test_console_script_exit_codes_and_no_traceback(workspace, tmp_path):
    beside = Path(sys.executable).parent / "negpersona"
    script = str(beside) if beside.exists() else shutil.which("negpersona")
    assert script and Path(script).exists(), script
    env = {**os.environ, "COLUMNS": "200"}
    failed = subprocess.run(
        [script, "discover", str(tmp_path / "nope.csv"), "--target", "converted"],
        capture_output=True,
        text=True,
        cwd=tmp_path,
        env=env,
        timeout=120,
    )
    assert failed.returncode == 1
    assert "Traceback" not in failed.stderr + failed.stdout
    assert failed.stderr.strip().startswith("Error: File not found:")
    assert "nope.csv" in failed.stderr
    assert not (tmp_path / "out").exists()

    ok = subprocess.run(
        [script, "discover", str(workspace["data"]), "--target", "converted", "--depth", "1"],
        capture_output=True,
        text=True,
        cwd=tmp_path,
        env=env,
        timeout=120,
    )
    assert ok.returncode == 0, ok.stderr
    assert "Traceback" not in ok.stderr
    assert "Negative personas" in ok.stdout
    check_contract(json.loads((tmp_path / "out" / "personas.json").read_text()))


# --- help ---------------------------------------------------------------------------------------


def _command(name: str):
    return typer.main.get_command(app).commands[name]


def test_root_help_lists_every_command():
    result = invoke("--help")
    assert result.exit_code == 0
    for name in ("init", "discover", "audit", "demo", "show", "report", "apply", "sql", "export"):
        assert name in result.stdout
    assert "negative personas" in result.stdout.lower()


@pytest.mark.parametrize(
    "name",
    [
        "init",
        "discover",
        "audit",
        "demo",
        "show",
        "report",
        "apply",
        "sql",
        "policy",
        "export",
        "impact",
        "score",
    ],
)
def test_command_help_mentions_every_option(name):
    result = invoke(name, "--help")
    assert result.exit_code == 0, result.output
    command = _command(name)
    assert command.help and command.help.split("\n")[0] in result.stdout
    for param in command.params:
        for opt in [*param.opts, *getattr(param, "secondary_opts", [])]:
            if opt.startswith("-"):
                assert opt in result.stdout, (name, opt)
        if param.help:
            assert param.help[:30] in result.stdout, (name, param.name)


@pytest.mark.parametrize(
    "name",
    [
        "init",
        "discover",
        "audit",
        "demo",
        "show",
        "report",
        "apply",
        "sql",
        "policy",
        "export",
        "impact",
        "score",
    ],
)
def test_every_option_has_help_text(name):
    command = _command(name)
    params = command.params
    assert params
    missing = [param.name for param in params if not (getattr(param, "help", None) or "").strip()]
    assert missing == []


def test_discover_exposes_every_documented_setting():
    opts = {opt for param in _command("discover").params for opt in param.opts}
    for opt in (
        "--target",
        "--positive",
        "--kind",
        "--id",
        "--time",
        "--exclude",
        "--allow-sensitive",
        "--depth",
        "--min-support",
        "--min-records",
        "--max-rate-ratio",
        "--confirm",
        "--alpha",
        "--max-personas",
        "--seed",
        "--delimiter",
        "--table",
        "--config",
        "--out",
    ):
        assert opt in opts


# --- bad input ----------------------------------------------------------------------------------


def test_missing_file(tmp_path, earlier_run):
    missing = tmp_path / "missing.csv"
    fail_twice(
        tmp_path,
        earlier_run,
        ["discover", missing, "--target", "converted"],
        1,
        "File not found",
        "missing.csv",
        "Check the path",
    )


def test_binary_garbage(tmp_path, earlier_run):
    garbage = tmp_path / "garbage.csv"
    garbage.write_bytes(np.random.default_rng(0).bytes(5000))
    fail_twice(
        tmp_path,
        earlier_run,
        ["discover", garbage, "--target", "converted"],
        1,
        "garbage.csv",
        "Cannot read",
        "--delimiter",
    )


def test_gzip_of_garbage(tmp_path, earlier_run):
    garbage = tmp_path / "garbage.csv.gz"
    with gzip.open(garbage, "wb") as handle:
        handle.write(np.random.default_rng(1).bytes(5000))
    fail_twice(
        tmp_path, earlier_run, ["discover", garbage, "--target", "converted"], 1, "garbage.csv.gz"
    )


def test_broken_quoted_field_is_tolerated_or_refused_cleanly(tmp_path):
    # DuckDB's reader tolerates an unterminated quote in one row; whatever it does, the user
    # must see a result or a one-line error, never a traceback.
    lines = accounts().to_csv(index=False).splitlines()
    broken = tmp_path / "broken.csv"
    broken.write_text(
        "\n".join([*lines[:600], 'A99999,"free,3,north,10,true', *lines[600:]]) + "\n"
    )
    result = invoke("discover", broken, "--target", "converted", "--depth", "1", "-o", tmp_path)
    assert_no_traceback(result)
    if result.exit_code == 0:
        records = json.loads((tmp_path / "personas.json").read_text())["baseline"]["records"]
        assert records in (1200, 1201)
    else:
        assert_clean_failure(result, 1, "broken.csv")


def test_bad_value_after_the_sniffed_rows(tmp_path, earlier_run):
    lines = accounts(25_000).to_csv(index=False).splitlines()
    late = tmp_path / "late.csv"
    late.write_text("\n".join([*lines[:22_000], "A99999,free,lots,north,10,true", *lines[22_000:]]))
    fail_twice(tmp_path, earlier_run, ["discover", late, "--target", "converted"], 1, "late.csv")


def test_unsupported_extension(tmp_path, earlier_run):
    sheet = tmp_path / "accounts.xlsx"
    sheet.write_bytes(b"PK\x03\x04")
    fail_twice(
        tmp_path,
        earlier_run,
        ["discover", sheet, "--target", "converted"],
        1,
        "Unsupported file type",
        "accounts.xlsx",
        ".csv",
    )


def test_folder_without_parquet(tmp_path, earlier_run):
    folder = tmp_path / "empty_folder"
    folder.mkdir()
    fail_twice(
        tmp_path,
        earlier_run,
        ["discover", folder, "--target", "converted"],
        1,
        "empty_folder",
        "Parquet",
    )


def test_unknown_target_suggests_close_names(workspace, tmp_path, earlier_run):
    fail_twice(
        tmp_path,
        earlier_run,
        ["discover", workspace["data"], "--target", "convertd"],
        1,
        "'convertd'",
        "Did you mean converted?",
    )


def test_unknown_target_without_close_name_lists_columns(workspace, tmp_path, earlier_run):
    fail_twice(
        tmp_path,
        earlier_run,
        ["discover", workspace["data"], "--target", "zzz"],
        1,
        "'zzz'",
        "Columns: account_id, plan, visits",
    )


def test_no_target_at_all(workspace, tmp_path, earlier_run):
    fail_twice(tmp_path, earlier_run, ["discover", workspace["data"]], 2, "--target")


def test_outcome_with_one_class(tmp_path, earlier_run):
    frame = accounts()
    frame["converted"] = True
    data = tmp_path / "one.csv"
    frame.to_csv(data, index=False)
    fail_twice(
        tmp_path,
        earlier_run,
        ["discover", data, "--target", "converted"],
        1,
        "'converted'",
        "one class",
        "True",
    )


@pytest.fixture
def staged(tmp_path):
    frame = accounts()
    frame["stage"] = np.where(
        frame["converted"], "won", np.where(frame.index % 2 == 0, "lost", "open")
    )
    data = tmp_path / "stages.csv"
    frame.drop(columns="converted").to_csv(data, index=False)
    return data, frame


def test_outcome_with_three_values_needs_positive(tmp_path, earlier_run, staged):
    data, frame = staged
    message = fail_twice(
        tmp_path,
        earlier_run,
        ["discover", data, "--target", "stage"],
        1,
        "'stage'",
        "more than two values",
        "--positive",
    )
    assert "'won'" in message or "'lost'" in message or "'open'" in message

    out = tmp_path / "fixed"
    fixed = invoke("discover", data, "--target", "stage", "--positive", "won", "-o", out, "-q")
    assert fixed.exit_code == 0, fixed.output
    baseline = json.loads((out / "personas.json").read_text())["baseline"]
    assert baseline["positives"] == int((frame["stage"] == "won").sum())
    assert baseline["records"] == len(frame)


def test_positive_value_not_present(tmp_path, earlier_run, staged):
    data, _ = staged
    message = fail_twice(
        tmp_path,
        earlier_run,
        ["discover", data, "--target", "stage", "--positive", "nope"],
        1,
        "'nope'",
        "'stage'",
        "--positive",
    )
    assert "'won'" in message


def test_positive_not_a_yes_no_for_boolean(workspace, tmp_path, earlier_run):
    fail_twice(
        tmp_path,
        earlier_run,
        ["discover", workspace["data"], "--target", "converted", "--positive", "maybe"],
        2,
        "'maybe'",
        "boolean",
    )


def test_too_few_records(tmp_path, earlier_run):
    data = tmp_path / "tiny.csv"
    accounts().head(20).to_csv(data, index=False)
    fail_twice(
        tmp_path,
        earlier_run,
        ["discover", data, "--target", "converted"],
        1,
        "tiny.csv",
        "20",
        "at least 50",
    )


def test_all_null_target(tmp_path, earlier_run):
    frame = accounts()
    frame["converted"] = None
    data = tmp_path / "nulls.csv"
    frame.to_csv(data, index=False)
    fail_twice(
        tmp_path,
        earlier_run,
        ["discover", data, "--target", "converted"],
        1,
        "'converted'",
        "no values",
    )


def test_all_null_feature_is_set_aside_not_an_error(tmp_path):
    frame = accounts()
    frame["notes"] = None
    frame["score"] = np.nan
    data = tmp_path / "sparse.csv"
    frame.to_csv(data, index=False)
    out = tmp_path / "out"
    result = invoke("discover", data, "--target", "converted", "--depth", "1", "-o", out, "-q")
    assert result.exit_code == 0, result.output
    data = json.loads((out / "personas.json").read_text())
    aside = {item["column"]: item["reason"] for item in data["set_aside"]}
    assert aside["notes"] == "all values missing"
    assert aside["score"] == "all values missing"
    assert "notes (all values missing)" in result.stdout


@pytest.mark.parametrize(
    ("text", "needles"),
    [
        ("outcome:\n  column: converted\nfoo: 1\n", ["foo", "Extra inputs"]),
        ("outcome:\n  column: converted\ndiscovery:\n  depth: 9\n", ["discovery.depth", "4"]),
        ("discovery:\n  min_support: 2\n", ["discovery.min_support"]),
        ("discovery:\n  nonsense: 1\n", ["discovery.nonsense"]),
        ("outcome:\n  kind: upsell\n", ["outcome.kind", "churn"]),
        ("outcome: [\n  column: converted\n", ["not valid YAML"]),
        ("- a\n- b\n", ["mapping"]),
    ],
    ids=["unknown-key", "depth-9", "min-support", "nested-unknown", "kind", "bad-yaml", "list"],
)
def test_invalid_spec_file(workspace, tmp_path, earlier_run, text, needles):
    spec = tmp_path / "spec.yaml"
    spec.write_text(text, encoding="utf-8")
    fail_twice(
        tmp_path,
        earlier_run,
        ["discover", workspace["data"], "-c", spec, "--target", "converted"],
        2,
        "spec.yaml",
        *needles,
    )


def test_missing_spec_file(workspace, tmp_path, earlier_run):
    fail_twice(
        tmp_path,
        earlier_run,
        ["discover", workspace["data"], "-c", tmp_path / "absent.yaml"],
        2,
        "absent.yaml",
        "negpersona init",
    )


@pytest.mark.parametrize(
    ("option", "needle"),
    [
        (["--depth", "9"], "discovery.depth"),
        (["--min-support", "1.5"], "discovery.min_support"),
        (["--kind", "upsell"], "outcome.kind"),
        (["--correction", "bonferroni"], "discovery.correction"),
        (["--measure", "profit"], "discovery.measure"),
    ],
)
def test_invalid_option_value(workspace, tmp_path, earlier_run, option, needle):
    fail_twice(
        tmp_path,
        earlier_run,
        ["discover", workspace["data"], "--target", "converted", *option],
        2,
        needle,
    )


@pytest.mark.parametrize("role", ["--exclude", "--allow-sensitive", "--id", "--time"])
def test_unknown_column_in_role_options(workspace, tmp_path, earlier_run, role):
    fail_twice(
        tmp_path,
        earlier_run,
        ["discover", workspace["data"], "--target", "converted", role, "nosuch"],
        1,
        "'nosuch'",
        "account_id",
    )


def test_exclude_every_column(workspace, tmp_path, earlier_run):
    args = ["discover", workspace["data"], "--target", "converted"]
    for column in ("plan", "visits", "region", "employees"):
        args += ["--exclude", column]
    fail_twice(tmp_path, earlier_run, args, 1, "No usable condition columns", "accounts.csv")


def test_business_mode_without_cost(workspace, tmp_path, earlier_run):
    fail_twice(
        tmp_path,
        earlier_run,
        ["discover", workspace["data"], "--target", "converted", "--measure", "savings"],
        1,
        "--cost",
    )


def test_out_is_an_existing_file(workspace, tmp_path):
    blocker = tmp_path / "out.txt"
    blocker.write_text("keep me", encoding="utf-8")
    result = invoke(
        "discover", workspace["data"], "--target", "converted", "--depth", "1", "-o", blocker
    )
    assert blocker.read_text(encoding="utf-8") == "keep me"
    assert_clean_failure(result, 1, "out.txt")


@pytest.mark.parametrize("name", ["leads[final].csv", "leads[/b].csv"])
def test_error_message_keeps_brackets_in_names(tmp_path, name):
    assert_clean_failure(invoke("discover", tmp_path / name, "--target", "converted"), 1, name)


def test_table_keeps_brackets_in_persona_names(tmp_path):
    frame = accounts()
    frame["plan"] = frame["plan"].replace({"free": "[n/a]"})
    data = tmp_path / "brackets.csv"
    frame.to_csv(data, index=False)
    out = tmp_path / "out"
    result = invoke("discover", data, "--target", "converted", "--depth", "1", "-o", out, "-q")
    assert result.exit_code == 0, result.output
    names = [p["name"] for p in json.loads((out / "personas.json").read_text())["personas"]]
    assert "Plan is [n/a]" in names
    assert "Plan is [n/a]" in result.stdout


def test_the_cli_starts_without_the_statistics_stack():
    """`negpersona --help` and `score` should not pay for scipy/statsmodels (a second or more)."""
    import subprocess
    import sys

    code = (
        "import sys, negpersona.cli.main; "
        "print(any(m.startswith(('scipy.stats', 'statsmodels', 'sklearn', 'altair')) "
        "for m in sys.modules))"
    )
    loaded = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    )
    assert loaded.stdout.strip() == "False"
