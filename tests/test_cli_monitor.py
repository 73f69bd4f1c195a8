"""The recheck, history and policy --resume commands, bad input, and a kill test."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from typer.testing import CliRunner

from negpersona.apply.personas import Personas
from negpersona.cli.main import app
from negpersona.monitor.history import read_history
from tests import monitor_data as md

runner = CliRunner()


def invoke(*args: str):
    return runner.invoke(app, [str(a) for a in args], catch_exceptions=False)


@pytest.fixture()
def setup(tmp_path):
    old = md.batch(20_000, 1)
    folder = md.make_folder(tmp_path / "out", old)
    new = tmp_path / "new.parquet"
    md.batch(20_000, 2, fade=True).to_parquet(new)
    return folder, new, tmp_path


def test_recheck_pauses_broken_personas_only_when_asked(setup) -> None:
    folder, new, tmp = setup
    ids = md.ids(folder)
    before = (folder / "policy.json").read_text()
    result = invoke("recheck", folder, new, "--out", tmp / "rc1", "--basis", "members",
                    "--no-candidates", "-q")  # fmt: skip
    assert result.exit_code == 0, result.output
    assert "broken" in result.output and "--apply-policy" in result.output
    assert (folder / "policy.json").read_text() == before  # nothing changes silently
    document = json.loads((tmp / "rc1" / "recheck.json").read_text())
    statuses = {item["id"]: item["verdict"]["status"] for item in document["personas"]}
    assert statuses[ids["webinar"]] == "broken"

    result = invoke("recheck", folder, new, "--out", tmp / "rc2", "--basis", "members",
                    "--no-candidates", "--apply-policy", "-q")  # fmt: skip
    assert result.exit_code == 0, result.output
    assert "Paused the exclusion" in result.output
    assert ids["webinar"] not in Personas.load(folder).excluded
    policy = json.loads((folder / "policy.json").read_text())
    assert any("paused by re-check" in note for note in policy["notes"])

    # A new 'policy' keeps the pause; '--resume' lifts it.
    assert invoke("policy", folder).exit_code == 0
    assert ids["webinar"] not in Personas.load(folder).excluded
    result = invoke("policy", folder, "--resume", ids["webinar"])
    assert result.exit_code == 0, result.output
    assert ids["webinar"] in Personas.load(folder).excluded
    again = invoke("policy", folder, "--resume", ids["webinar"])
    assert again.exit_code == 2 and "not paused" in again.output  # a bad option value

    runs, personas = read_history(folder)
    assert [run["kind"] for run in runs] == ["recheck", "recheck", "policy", "policy"]
    assert {row["status"] for row in personas} >= {"holds", "broken"}
    shown = invoke("history", folder)
    assert shown.exit_code == 0 and "recheck" in shown.output and "policy" in shown.output
    as_json = json.loads(invoke("history", folder, "--json").output)
    assert len(as_json["runs"]) == 4


def test_show_and_recheck_remind_of_overdue_reviews(setup) -> None:
    folder, new, tmp = setup
    shown = invoke("show", folder)
    assert "Past their review date" in shown.output and "2020-01-01" in shown.output
    result = invoke("recheck", folder, new, "--out", tmp / "rc", "--no-candidates", "-q")
    assert "Past its review date (2020-01-01)" in result.output


def test_history_without_runs_and_damaged_history(setup) -> None:
    folder, new, tmp = setup
    missing = invoke("history", folder)
    assert missing.exit_code == 1 and "No history" in missing.output
    damaged = folder / "history.duckdb"
    damaged.write_bytes(b"this is not a database" * 100)
    result = invoke("recheck", folder, new, "--out", tmp / "rc", "--no-candidates", "-q")
    assert result.exit_code == 1
    assert "history.duckdb" in result.output and "damaged" in result.output
    assert "Traceback" not in result.output
    assert not (tmp / "rc").exists()  # nothing written
    assert damaged.read_bytes() == b"this is not a database" * 100  # nothing lost
    assert invoke("history", folder).exit_code == 1


def test_recheck_of_a_batch_without_outcomes(setup) -> None:
    folder, _, tmp = setup
    batch = tmp / "fresh.csv"
    md.batch(3_000, 9).drop(columns="converted").to_csv(batch, index=False)
    result = invoke("recheck", folder, batch, "--out", tmp / "rc", "-q")
    assert result.exit_code == 0, result.output
    assert "awaiting outcomes" in result.output and "need outcomes" in result.output


def test_recheck_of_a_batch_missing_a_column(setup) -> None:
    folder, _, tmp = setup
    batch = tmp / "partial.csv"
    md.batch(3_000, 9).drop(columns="plan").to_csv(batch, index=False)
    result = invoke("recheck", folder, batch, "--out", tmp / "rc", "-q")
    assert result.exit_code == 1
    assert "'plan'" in result.output and "Traceback" not in result.output
    assert not (tmp / "rc").exists()


def test_sigkill_during_recheck_leaves_the_history_and_last_recheck_readable(setup) -> None:
    folder, _, tmp = setup
    big = tmp / "big.parquet"
    md.batch(400_000, 11, start=10**6).to_parquet(big)
    first = invoke("recheck", folder, big, "--out", tmp / "rc", "--no-candidates", "-q")
    assert first.exit_code == 0, first.output
    recorded = (tmp / "rc" / "recheck.json").read_text()
    runs_before = len(read_history(folder)[0])
    command = [sys.executable, "-m", "negpersona.cli.main", "recheck", str(folder), str(big),
               "--out", str(tmp / "rc"), "--no-candidates", "-q"]  # fmt: skip
    for delay in (0.5, 1.5, 2.5, 3.5):
        process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        time.sleep(delay)
        os.kill(process.pid, signal.SIGKILL)
        process.wait()
        runs, _ = read_history(folder)  # readable, and each run whole or absent
        assert len(runs) >= runs_before
        text = (tmp / "rc" / "recheck.json").read_text()
        assert json.loads(text)["kind"] == "recheck"  # the old file or a complete new one
        runs_before = len(runs)
    assert recorded  # the first run's document was complete
    leftovers = [p.name for p in tmp.iterdir() if p.name.startswith(".rc.")]
    assert leftovers == [] or all(Path(tmp / name).is_dir() for name in leftovers)
