"""CLI start-up (issue 13, part 4): ``negpersona --help`` and ``score`` of one record.

Each command runs as a fresh process, as a shell hook or a cron job would run it; the floor is
``python -c pass`` measured in the same run. The target is < 0.5 s each. The one-record score
uses a personas folder from ``negpersona demo`` (made once in a temporary folder) and a record
that holds every column the personas use, so the answer comes from the Python path
(:mod:`negpersona.apply.route`) and needs no data library.

    .venv/bin/python bench/startup.py            # 15 runs of each
    .venv/bin/python bench/startup.py --write    # also update bench/RESULTS.md
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from common import RESULTS, fmt_seconds, replace_section, source_digest, table

BIN = Path(sys.executable).parent
TARGET = 0.5


# pip compiles an installed package's bytecode; an editable install with
# PYTHONDONTWRITEBYTECODE=1 (as in this project's sandbox) would compile every module on every
# run instead (~0.25 s here), which no user's installed copy does.
ENV = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}


def _cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def _time(command: list[str], stdin: str, runs: int) -> tuple[list[float], list[float]]:
    """Wall-clock and CPU seconds of each run (CPU time is less sensitive to a busy machine)."""
    subprocess.run(command, input=stdin, capture_output=True, text=True, env=ENV)  # warm-up
    walls, cpus = [], []
    for _ in range(runs):
        start, cpu = time.perf_counter(), _cpu()
        done = subprocess.run(
            command, input=stdin, capture_output=True, text=True, check=False, env=ENV
        )
        walls.append(time.perf_counter() - start)
        cpus.append(_cpu() - cpu)
        if done.returncode != 0:
            raise SystemExit(f"{' '.join(command)} failed:\n{done.stderr}")
    return walls, cpus


def _record(folder: Path) -> dict:
    """A record in the first demo persona, with every column the personas use (so the Python
    path judges it)."""
    personas = json.loads((folder / "personas.json").read_text())["personas"]
    inside = {"=": 0, ">=": 0, "<=": 0, "<": -1, ">": 1}
    record: dict = {"lead_id": "L0000001"}
    for persona in personas:
        for condition in persona["conditions"]:
            value = condition.get("value")
            if isinstance(value, int | float) and not isinstance(value, bool):
                value = value + inside.get(condition["op"], 0)
            record.setdefault(condition["column"], value)
    return record


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=15)
    parser.add_argument("--write", action="store_true", help="update bench/RESULTS.md")
    args = parser.parse_args()

    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp) / "demo"
        subprocess.run([str(BIN / "negpersona"), "demo", "--out", str(folder)], check=True,
                       capture_output=True)  # fmt: skip
        line = json.dumps(_record(folder)) + "\n"
        answer = subprocess.run([str(BIN / "negpersona"), "score", str(folder)], input=line,
                                capture_output=True, text=True, check=True).stdout  # fmt: skip
        commands = {
            "python -c pass": ([sys.executable, "-c", "pass"], ""),
            "negpersona --help": ([str(BIN / "negpersona"), "--help"], ""),
            "negpersona score (1 record)": ([str(BIN / "negpersona"), "score", str(folder)], line),
        }
        timings = {name: _time(cmd, stdin, args.runs) for name, (cmd, stdin) in commands.items()}

    floor = statistics.median(timings["python -c pass"][0])
    rows = []
    for name, (walls, cpus) in timings.items():
        median = statistics.median(walls)
        verdict = "" if name.startswith("python") else ("yes" if median < TARGET else "NO")
        rows.append([name, fmt_seconds(median), fmt_seconds(min(walls)),
                     fmt_seconds(statistics.median(cpus)), f"{median / floor:.0f}x",
                     verdict])  # fmt: skip
    load = os.getloadavg()[0]
    body = "\n".join(
        [
            f"### Fresh process per run, median of {args.runs} (digest {source_digest()}, "
            f"load average {load:.1f})",
            "",
            table(
                ["command", "median", "fastest", "median CPU", "vs python -c pass", "< 0.5 s"],
                rows,
            ),
            "",
            f"The one-record answer: `{answer.strip()}`",
        ]
    )
    print(body)
    if args.write:
        RESULTS.write_text(replace_section(RESULTS.read_text(), "startup", body))


if __name__ == "__main__":
    main()
