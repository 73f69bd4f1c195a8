"""Errors carry a code and a setting; the library speaks in settings, the CLI in its options."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pandas as pd
import pytest
import typer
from typer.testing import CliRunner

import negpersona
from negpersona.cli.hints import CLI_WORDING, cli_text
from negpersona.cli.main import app
from negpersona.config.spec import Outcome
from negpersona.data.outcome import resolve_outcome
from negpersona.data.source import open_source
from negpersona.errors import ConfigError, DataError, NegPersonaError

PACKAGE = Path(negpersona.__file__).parent
FLAG = re.compile(r"(?<![\w-])--[a-z][a-z-]*")
ERRORS = {"NegPersonaError", "DataError", "ConfigError", "AuditFailed"}


def _options() -> set[str]:
    """Every option of every command (and the group's own)."""
    group = typer.main.get_command(app)
    names = {opt for param in group.params for opt in param.opts}
    for command in group.commands.values():
        for param in command.params:
            names.update(opt for opt in [*param.opts, *param.secondary_opts])
    return names


def _sample_error(code: str) -> NegPersonaError:
    """An error with that code and every detail a wording may read."""
    details = {"path": "out", "value": "maybe", "shown": "'a', 'b'", "one_column": True}
    hint = (
        "Columns: a. The file was read as one column: set delimiter: (e.g. delimiter: ';'). "
        "Some come from related tables: use the spec with its related: section. "
        "Check that the file is a valid CSV file and set delimiter: if it is not comma-"
    )
    return DataError("Something.", hint, code=code, **details)


@pytest.mark.parametrize("code", sorted(CLI_WORDING))
def test_every_option_a_cli_hint_names_exists(code) -> None:
    text = cli_text(_sample_error(code))
    named = set(FLAG.findall(text))
    missing = named - _options()
    assert not missing, f"{code}: {text!r} names options no command has: {missing}"


def _library_error_strings() -> list[tuple[str, int, str]]:
    """String parts of every error raised outside the CLI (messages and hints)."""
    found = []
    for path in PACKAGE.rglob("*.py"):
        if path.relative_to(PACKAGE).parts[0] == "cli":
            continue
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if not isinstance(node, ast.Call):
                continue
            name = getattr(node.func, "id", getattr(node.func, "attr", ""))
            if name not in ERRORS and not (name == "__init__" and path.name == "prepare.py"):
                continue
            for arg in node.args:
                for part in ast.walk(arg):
                    if isinstance(part, ast.Constant) and isinstance(part.value, str):
                        found.append((str(path.relative_to(PACKAGE)), part.lineno, part.value))
    return found


def test_the_library_never_names_a_command_line_flag_in_an_error() -> None:
    strings = _library_error_strings()
    assert len(strings) > 100, "the scan finds the library's error texts"
    flagged = [(f, line, text) for f, line, text in strings if FLAG.search(text)]
    assert not flagged, f"library errors that name CLI flags (use a setting path): {flagged}"


def test_errors_carry_code_setting_and_details_as_data(tmp_path) -> None:
    (tmp_path / "t.csv").write_text("a,y\n1,maybe\n2,perhaps\n3,unsure\n")
    source = open_source(tmp_path / "t.csv")
    with pytest.raises(DataError) as caught:
        resolve_outcome(source.table, Outcome(column="y"))
    error = caught.value
    assert error.code == "outcome.ambiguous_positive"
    assert error.setting == "outcome.positive"
    assert "outcome.positive" in error.hint and "--positive" not in str(error)
    assert error.to_dict() == {
        "code": "outcome.ambiguous_positive",
        "message": error.message,
        "hint": error.hint,
        "setting": "outcome.positive",
        "details": {},
    }
    assert "Pass --positive VALUE (repeatable)" in cli_text(error)
    with pytest.raises(ConfigError) as caught:
        resolve_outcome(source.table, Outcome(column="a", positive=["x"]))
    assert caught.value.code == "outcome.positive_not_numeric"
    assert caught.value.details == {"value": "x"}
    assert cli_text(caught.value).startswith("--positive 'x' is not a number")


def test_an_error_without_a_wording_prints_as_the_library_wrote_it() -> None:
    error = DataError("Plain message.", "Plain hint.")
    assert error.code == "DataError"
    assert cli_text(error) == "Plain message. Plain hint."


def test_the_cli_prints_its_own_wording(tmp_path) -> None:
    frame = pd.DataFrame({"a": range(60), "y": ["maybe", "perhaps", "unsure"] * 20})
    frame.to_csv(tmp_path / "t.csv", index=False)
    result = CliRunner().invoke(app, ["discover", str(tmp_path / "t.csv"), "--target", "y", "-q"])
    assert result.exit_code == 1
    assert "Pass --positive VALUE (repeatable) to say which values count" in result.stderr
    assert "outcome.positive" not in result.stderr
    assert "Traceback" not in result.output
