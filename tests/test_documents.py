"""The run documents: versioned, validated on write and read, and old folders still readable."""

from __future__ import annotations

import json
import tarfile
from pathlib import Path

import pytest
from typer.testing import CliRunner

from negpersona.apply.personas import Personas
from negpersona.cli.main import app
from negpersona.errors import DataError
from negpersona.model.document import (
    SCHEMA_VERSION,
    AuditDocument,
    PolicyDocument,
    RunDocument,
    validated,
)
from negpersona.model.persona import DiscoveryResult

LEGACY = Path(__file__).parent / "data" / "run-v0.tar.gz"


@pytest.fixture
def legacy(tmp_path) -> Path:
    """A folder written by negpersona before run documents had a schema_version."""
    folder = tmp_path / "old"
    with tarfile.open(LEGACY) as archive:
        archive.extractall(folder, filter="data")
    return folder


def test_the_legacy_folder_really_predates_versioning(legacy) -> None:
    for name in ("personas.json", "policy.json", "audit.json"):
        assert "schema_version" not in json.loads((legacy / name).read_text())


def test_a_folder_written_before_versioning_still_loads_and_applies(legacy) -> None:
    result = DiscoveryResult.read(legacy)
    assert len(result.personas) == 8
    assert result.baseline["records"] == 44866
    personas = Personas.load(legacy)
    assert len(personas.excluded) == 8
    assert personas.policy["holdout"] == 0.05
    # Round trip: reading the old file and writing it again gives the current version.
    result.policy = personas.policy
    result.write(legacy / "again")
    rewritten = json.loads((legacy / "again" / "personas.json").read_text())
    assert rewritten["schema_version"] == SCHEMA_VERSION
    assert list(rewritten)[0] == "schema_version"
    assert json.loads((legacy / "again" / "policy.json").read_text())["schema_version"] == 1
    assert [p["id"] for p in rewritten["personas"]] == [p.id for p in result.personas]


def test_cli_commands_read_the_old_folder(legacy) -> None:
    shown = CliRunner().invoke(app, ["show", str(legacy), "--json"])
    assert shown.exit_code == 0, shown.output
    assert len(json.loads(shown.stdout)["personas"]) == 8
    sql = CliRunner().invoke(app, ["sql", str(legacy)])
    assert sql.exit_code == 0, sql.output
    assert "CASE" in sql.stdout


def test_every_document_of_the_old_folder_validates(legacy) -> None:
    for name, model in [
        ("personas.json", RunDocument),
        ("policy.json", PolicyDocument),
        ("audit.json", AuditDocument),
    ]:
        document = validated(model, json.loads((legacy / name).read_text()), name)
        assert document.schema_version == 0


def test_a_newer_schema_is_refused_with_a_clear_error(legacy) -> None:
    path = legacy / "personas.json"
    data = json.loads(path.read_text())
    data["schema_version"] = SCHEMA_VERSION + 1
    path.write_text(json.dumps(data))
    with pytest.raises(DataError, match=r"schema_version 2.*Upgrade negpersona"):
        DiscoveryResult.read(legacy)


@pytest.mark.parametrize(
    ("change", "field"),
    [
        (lambda d: d["personas"][0].pop("conditions"), "personas.0.conditions"),
        (lambda d: d["baseline"].update(rate="high"), "baseline.rate"),
        (lambda d: d["personas"][0].update(records=-3), "personas.0.records"),
    ],
)
def test_a_broken_field_is_named(legacy, change, field) -> None:
    path = legacy / "personas.json"
    data = json.loads(path.read_text())
    change(data)
    path.write_text(json.dumps(data))
    with pytest.raises(DataError, match=f"personas.json is damaged.*{field}"):
        DiscoveryResult.read(legacy)
    failed = CliRunner().invoke(app, ["show", str(legacy)])
    assert failed.exit_code == 1 and "Traceback" not in failed.output
    assert field in failed.stderr


def test_writing_refuses_a_document_that_breaks_the_schema(legacy, tmp_path) -> None:
    result = DiscoveryResult.read(legacy)
    result.baseline = {"records": 10}  # a writer bug: the rate is missing
    with pytest.raises(DataError, match="baseline"):
        result.write(tmp_path / "new")
    assert not (tmp_path / "new").exists(), "nothing half-written"
