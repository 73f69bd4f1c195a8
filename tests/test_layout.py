"""The layout by stage holds: the import contract is kept and the top level stays small."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import negpersona

PACKAGE = Path(negpersona.__file__).parent
STAGES = {
    "config", "model", "engine", "data", "audit", "search", "explain", "apply", "discovery",
    "monitor", "present", "web", "cli", "datasets",
}  # fmt: skip
TOP_MODULES = {"__init__.py", "__main__.py", "errors.py", "stats.py"}


def test_the_top_level_holds_only_the_stages_and_the_shared_foundations() -> None:
    packages = {p.name for p in PACKAGE.iterdir() if (p / "__init__.py").exists()}
    modules = {p.name for p in PACKAGE.glob("*.py")}
    assert packages == STAGES
    assert modules <= TOP_MODULES, f"put {modules - TOP_MODULES} in a stage package"


def test_the_import_contract_is_kept() -> None:
    script = shutil.which("lint-imports", path=str(Path(sys.executable).parent))
    assert script, "import-linter is a test dependency (pip install -e '.[test]')"
    result = subprocess.run([script], capture_output=True, text=True, cwd=Path(__file__).parents[1])
    assert result.returncode == 0, result.stdout[-3000:]
    assert "2 kept, 0 broken" in result.stdout
