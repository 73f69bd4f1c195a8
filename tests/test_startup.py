"""The CLI starts without the data stack: ``--help`` and a one-record ``score`` stay quick.

Importing pandas, Ibis, DuckDB and pyarrow costs about 1.5 s, longer than a lead-routing hook
can wait. These tests run the real CLI entry point in a fresh interpreter and check which of
those modules it loaded: the timing itself is measured in ``bench/startup.py``.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from negpersona import discover

HEAVY = ("pandas", "ibis", "duckdb", "pyarrow", "numpy", "scipy", "sqlglot", "jinja2")

_RUN = """
import json, sys
sys.argv = ["negpersona", *json.loads(sys.argv[1])]
from negpersona.cli.main import main
try:
    main()
except SystemExit as exc:
    code = exc.code
else:
    code = 0
loaded = sorted(m for m in {heavy!r} if m in sys.modules)
sys.stderr.write("\\nLOADED " + json.dumps({{"code": code, "loaded": loaded}}) + "\\n")
"""


def _run(args: list[str], stdin: str = "") -> tuple[str, dict]:
    script = _RUN.format(heavy=HEAVY)
    done = subprocess.run(
        [sys.executable, "-c", script, json.dumps(args)],
        input=stdin,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    marker = [line for line in done.stderr.splitlines() if line.startswith("LOADED ")]
    assert marker, done.stderr
    return done.stdout, json.loads(marker[-1].removeprefix("LOADED "))


@pytest.fixture(scope="module")
def folder(tmp_path_factory) -> Path:
    rng = np.random.default_rng(3)
    n = 4000
    frame = pd.DataFrame(
        {
            "lead_id": [f"L{i:05d}" for i in range(n)],
            "industry": rng.choice(["education", "retail", "software"], n),
            "company_size": rng.integers(1, 500, n),
        }
    )
    frame["converted"] = rng.random(n) < np.where(frame["industry"] == "education", 0.01, 0.3)
    result = discover(frame, target="converted", id="lead_id", depth=1, run_audit=False)
    assert result.personas
    out = tmp_path_factory.mktemp("startup") / "out"
    result.write(out)
    return out


def test_help_loads_no_data_library() -> None:
    stdout, status = _run(["--help"])
    assert status["code"] == 0
    assert "discover" in stdout
    assert status["loaded"] == []


def test_scoring_one_record_loads_no_data_library(folder: Path) -> None:
    record = {"lead_id": "L1", "industry": "education", "company_size": 12}
    stdout, status = _run(["score", str(folder)], json.dumps(record) + "\n")
    assert status["code"] == 0, stdout
    answer = json.loads(stdout)
    assert answer["lead_id"] == "L1"
    assert answer["negative_persona"] is not None  # education is the planted persona
    assert status["loaded"] == []
