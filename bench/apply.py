"""Apply benchmark: matching 10M Parquet records with 8 personas against one hand-written DuckDB scan.

What ``negpersona apply`` does, ``Personas.match(path)`` written to Parquet with ``write_matches``,
is compared with ONE hand-written DuckDB ``COPY (SELECT …) TO 'peer.parquet'`` over the same file
that computes the same four tags (``negative_personas``, ``negative_persona``, ``expected_rate``,
``negative_persona_action`` with the salted SHA-256 holdout) from predicates written by hand.
Target: negpersona ≤ 1.5x the hand-written scan. Both outputs must be identical (``EXCEPT ALL``
both ways, same column types), otherwise the two sides did different work and the run fails.

Each side runs in its own subprocess, so that its peak memory (``VmHWM``, see
:func:`maxrss_bytes`) is its own. The two alternate (``--repeat`` rounds, default 3:
hand-written, negpersona, hand-written, …); each subprocess first runs once untimed (imports,
Ibis' first compilation), then once timed; the best round of each side is kept. The file is read once beforehand, so the page cache is warm.

Usage (from the repository root)::

    .venv/bin/python bench/apply.py                    # 10M rows
    .venv/bin/python bench/apply.py --rows 1000000     # quick check
    .venv/bin/python bench/apply.py --profile          # also where the difference goes
    .venv/bin/python bench/apply.py --write            # also update bench/RESULTS.md

Data: ``bench/discovery.py``'s seeded synthetic table (12 numeric + 8 categorical columns and
``converted``; generated once into ``bench/_data/``, git-ignored), plus an integer ``lead_id``
(its row number) in a second cached file ``bench/_data/apply_<rows>_seed<seed>.parquet``.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import shlex
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
BENCH = ROOT / "bench"
DATA_DIR = BENCH / "_data"
OUT_DIR = DATA_DIR / "apply_out"
ID = "lead_id"
HOLDOUT = 0.05
SALT = "negpersona"
RATIO_TARGET = 1.5

# The 8 personas, in the order negpersona uses (held-out rate, lowest first; checked at run time):
# conditions as negpersona's (column, op, value), the held-out rate, excluded by the policy or
# not, and the same predicate written by hand in DuckDB SQL. A plain comparison with NULL is NULL,
# which CASE and list_filter treat as "no match", so the hand-written predicates need no COALESCE.
PERSONAS: list[tuple[list[tuple[str, str, Any]], float, bool, str]] = [
    (
        [("channel", "=", "cold_call"), ("tenure_months", "<", 12)],
        0.006,
        True,
        "channel = 'cold_call' AND tenure_months < 12",
    ),
    (
        [("device", "=", "feature_phone"), ("pages_per_visit", "<", 1.5)],
        0.011,
        True,
        "device = 'feature_phone' AND pages_per_visit < 1.5",
    ),
    (
        [("plan_tier", "=", "free"), ("visits_30d", "=", 0)],
        0.012,
        True,
        "plan_tier = 'free' AND visits_30d = 0",
    ),
    (
        [
            ("days_since_order", "is_missing", None),
            ("credit_score", "<=", 560),
            ("n_products", "=", 1),
        ],
        0.038,
        True,
        "days_since_order IS NULL AND credit_score <= 560 AND n_products = 1",
    ),
    (
        [("region", "=", "south"), ("income", "<", 25_000)],
        0.041,
        True,
        "region = 'south' AND income < 25000",
    ),
    (
        [("browser", "is_missing", None), ("engagement_score", "<", 30)],
        0.052,
        False,
        "browser IS NULL AND engagement_score < 30",
    ),
    (
        [("industry", "=", "industry_14"), ("discount_pct", ">=", 40)],
        0.061,
        False,
        "industry = 'industry_14' AND discount_pct >= 40",
    ),
    (
        [("browser", "!=", "chrome"), ("session_minutes", ">", 30)],
        0.066,
        False,
        "browser <> 'chrome' AND session_minutes > 30",
    ),
]


# --------------------------------------------------------------------------------------------
# both sides


def build_personas():
    """negpersona's ``Personas`` for :data:`PERSONAS` (plausible evidence numbers)."""
    from negpersona.apply.personas import Personas
    from negpersona.model.conditions import Condition
    from negpersona.model.persona import Confirmation, Persona

    personas = []
    for conditions, rate, _excluded, _sql in PERSONAS:
        records = 20_000
        personas.append(
            Persona(
                conditions=[Condition(*c) for c in conditions],
                records=records,
                positives=round(rate * records),
                share=0.01,
                rate=rate * 0.9,
                rate_ci=(rate * 0.7, rate * 1.1),
                rate_ratio=rate / 0.1,
                conversion_share=rate * 0.1,
                quality=0.001,
                confirmation=Confirmation(
                    records=records // 2,
                    positives=round(rate * records / 2),
                    rate=rate,
                    rate_ci=(rate * 0.6, rate * 1.4),
                    p_value=1e-6,
                    p_adjusted=1e-5,
                    confirmed=True,
                    baseline_rate=0.1,
                ),
            )
        )
    excluded = [p.id for p, spec in zip(personas, PERSONAS, strict=True) if spec[2]]
    return Personas(
        personas,
        policy={"excluded": excluded, "holdout": HOLDOUT, "salt": SALT},
        settings={"id": ID},
    )


def persona_ids() -> list[str]:
    """The personas' ids (negpersona derives them from the conditions) in :data:`PERSONAS` order."""
    from negpersona.model.conditions import Condition
    from negpersona.model.persona import persona_id

    return [persona_id([Condition(*c) for c in spec[0]]) for spec in PERSONAS]


def peer_sql(data: Path, out: Path, ids: list[str]) -> str:
    """The hand-written DuckDB query: one scan, the same four tags, written to Parquet."""
    preds = [f"({spec[3]})" for spec in PERSONAS]
    excluded = " OR ".join(p for p, spec in zip(preds, PERSONAS, strict=True) if spec[2])
    threshold = format(min(round(HOLDOUT * 16**8), 16**8 - 1), "08x")
    every = ",\n        ".join(
        f"CASE WHEN {p} THEN '{i}' END" for p, i in zip(preds, ids, strict=True)
    )
    first = "\n      ".join(f"WHEN {p} THEN '{i}'" for p, i in zip(preds, ids, strict=True))
    rates = "\n      ".join(
        f"WHEN {p} THEN {spec[1]!r}::DOUBLE" for p, spec in zip(preds, PERSONAS, strict=True)
    )
    return f"""COPY (
  SELECT
    {ID},
    list_filter([
        {every}
    ], x -> x IS NOT NULL) AS negative_personas,
    CASE
      {first}
    END AS negative_persona,
    CASE
      {rates}
    END AS expected_rate,
    CASE
      WHEN ({excluded})
        AND substr(sha256('{SALT}:' || CAST({ID} AS VARCHAR)), 1, 8) < '{threshold}'
        THEN 'holdout'
      WHEN {excluded} THEN 'exclude'
      ELSE 'target'
    END AS negative_persona_action
  FROM read_parquet('{data}')
) TO '{out}' (FORMAT parquet)"""


def cpu_seconds() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def maxrss_bytes() -> int:
    """Peak resident memory of this process.

    ``VmHWM`` (Linux) rather than ``ru_maxrss``: a child started by ``subprocess`` inherits the
    parent's ``ru_maxrss`` across fork and exec, so it would report the parent's peak when that
    is higher (measured: 677 MB in both children after the parent wrote the data with DuckDB).
    """
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) * 1024  # kB
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024  # KiB on Linux


# --------------------------------------------------------------------------------------------
# subprocess side: one warm-up run, one timed run, printed as JSON on the last line


def child_peer(data: Path, out: Path, ids: list[str]) -> dict[str, Any]:
    import duckdb

    sql = peer_sql(data, out, ids)
    base = maxrss_bytes()
    runs = []
    for _ in range(2):  # warm-up, timed
        cpu, start = cpu_seconds(), time.perf_counter()
        con = duckdb.connect()
        con.execute(sql)
        con.close()
        runs.append({"wall": time.perf_counter() - start, "cpu": cpu_seconds() - cpu})
    return {"runs": runs, "base_rss": base, "peak_rss": maxrss_bytes()}


def child_negpersona(data: Path, out: Path, extras: bool) -> dict[str, Any]:
    from negpersona.apply.personas import write_matches

    personas = build_personas()
    order = [p.id for p in personas.personas]
    base = maxrss_bytes()
    runs = []
    matched = None
    for _ in range(2):  # warm-up (the first Ibis compilation of the process), timed
        cpu, start = cpu_seconds(), time.perf_counter()
        matched = personas.match(str(data), id_column=ID)
        built = time.perf_counter()
        write_matches(matched, out)
        end = time.perf_counter()
        runs.append(
            {
                "wall": end - start,
                "cpu": cpu_seconds() - cpu,
                "match": built - start,
                "write": end - built,
            }
        )
    result: dict[str, Any] = {
        "runs": runs,
        "base_rss": base,
        "peak_rss": maxrss_bytes(),
        "order": order,
        "excluded": personas.excluded,
    }
    if extras:
        times = []
        for _ in range(3):
            start = time.perf_counter()
            sql = str(matched.compile())
            times.append(time.perf_counter() - start)
        result["compile"] = min(times)
        result["sql"] = sql
        # what `negpersona apply` does next (not compared): count the actions in the written file
        from negpersona.cli.apply import _action_counts

        start = time.perf_counter()
        result["action_counts"] = _action_counts(out)
        result["action_counts_seconds"] = time.perf_counter() - start
    return result


# --------------------------------------------------------------------------------------------
# parent side


def apply_path(rows: int, seed: int) -> Path:
    return DATA_DIR / f"apply_{rows}_seed{seed}.parquet"


def ensure_data(rows: int, seed: int) -> tuple[Path, list[str]]:
    """discovery.py's synthetic table with a ``lead_id`` column; generated once, then reused."""
    import duckdb
    from discovery import ensure_large, fmt_seconds

    notes = []
    path = apply_path(rows, seed)
    if path.exists():
        return path, notes
    source, generated = ensure_large(rows, seed)
    if generated is not None:
        notes.append(f"generated {source.relative_to(ROOT)} in {fmt_seconds(generated)}")
    tmp = path.with_suffix(".tmp")
    start = time.perf_counter()
    con = duckdb.connect()
    con.execute(
        f"COPY (SELECT file_row_number + 1 AS {ID}, * EXCLUDE (file_row_number) "
        f"FROM read_parquet('{source}', file_row_number = true)) TO '{tmp}' "
        "(FORMAT parquet, COMPRESSION snappy, ROW_GROUP_SIZE 262144)"
    )
    con.close()
    os.replace(tmp, path)
    notes.append(
        f"wrote {path.relative_to(ROOT)} (with {ID}) in {fmt_seconds(time.perf_counter() - start)}"
    )
    return path, notes


def cpu_pressure() -> float | None:
    """Share of the last 60 s in which some runnable task waited for a CPU (Linux PSI), or None."""
    try:
        first = Path("/proc/pressure/cpu").read_text().splitlines()[0]
    except (OSError, IndexError):
        return None
    fields = dict(item.split("=") for item in first.split()[1:])
    return float(fields["avg60"]) / 100


def warm_cache(path: Path) -> None:
    with path.open("rb") as handle:
        while handle.read(64 * 1024 * 1024):
            pass


def run_child(kind: str, data: Path, out: Path, extras: bool = False) -> dict[str, Any]:
    command = [sys.executable, str(Path(__file__).resolve()), "--child", kind, str(data), str(out)]
    if kind == "peer":  # the peer process imports DuckDB only (not negpersona, Ibis, pandas)
        command += ["--child-ids", ",".join(persona_ids())]
    if extras:
        command.append("--child-extras")
    start = time.perf_counter()
    done = subprocess.run(command, capture_output=True, text=True, cwd=ROOT)
    if done.returncode != 0:
        sys.stderr.write(done.stdout + done.stderr)
        raise SystemExit(f"{kind} subprocess failed with code {done.returncode}")
    result = json.loads(done.stdout.strip().splitlines()[-1])
    result["process_wall"] = time.perf_counter() - start
    return result


def compare_outputs(ours: Path, peer: Path) -> dict[str, Any]:
    """Row-by-row comparison in DuckDB, plus what the tags say (from the peer's output)."""
    import duckdb

    con = duckdb.connect()
    a, b = f"read_parquet('{ours}')", f"read_parquet('{peer}')"
    schema = [con.execute(f"DESCRIBE SELECT * FROM {t}").fetchall() for t in (a, b)]
    count = lambda sql: con.execute(sql).fetchone()[0]  # noqa: E731
    result = {
        "schema_ours": [(row[0], row[1]) for row in schema[0]],
        "schema_peer": [(row[0], row[1]) for row in schema[1]],
        "rows_ours": count(f"SELECT count(*) FROM {a}"),
        "rows_peer": count(f"SELECT count(*) FROM {b}"),
        "ids_distinct": count(f"SELECT count(DISTINCT {ID}) FROM {b}"),
        "only_ours": count(f"SELECT count(*) FROM (FROM {a} EXCEPT ALL FROM {b})"),
        "only_peer": count(f"SELECT count(*) FROM (FROM {b} EXCEPT ALL FROM {a})"),
    }
    result["identical"] = (
        result["schema_ours"] == result["schema_peer"]
        and result["rows_ours"] == result["rows_peer"] == result["ids_distinct"]
        and result["only_ours"] == 0
        and result["only_peer"] == 0
    )
    result["actions"] = dict(
        con.execute(
            f"SELECT negative_persona_action, count(*) FROM {b} GROUP BY ALL ORDER BY 1"
        ).fetchall()
    )
    result["tagged"] = count(f"SELECT count(*) FROM {b} WHERE len(negative_personas) > 0")
    result["multi"] = count(f"SELECT count(*) FROM {b} WHERE len(negative_personas) > 1")
    result["members"] = dict(
        con.execute(
            f"SELECT p, count(*) FROM (SELECT unnest(negative_personas) AS p FROM {b}) GROUP BY ALL"
        ).fetchall()
    )
    con.close()
    return result


def bench(rows: int, seed: int, repeat: int) -> dict[str, Any]:
    from discovery import fmt_seconds

    print(f"\n## apply: {rows:,} records x 8 personas\n", flush=True)
    data, notes = ensure_data(rows, seed)
    for note in notes:
        print(f"  {note}", flush=True)
    OUT_DIR.mkdir(parents=True, exist_ok=True)
    ours_out = OUT_DIR / f"negpersona_{rows}.parquet"
    peer_out = OUT_DIR / f"peer_{rows}.parquet"
    warm_cache(data)
    load_before, pressure_before = os.getloadavg()[0], cpu_pressure()
    peers, ours = [], []
    rounds = max(1, repeat)
    for round_ in range(rounds):
        peers.append(run_child("peer", data, peer_out))
        ours.append(run_child("negpersona", data, ours_out, extras=round_ == rounds - 1))
        print(
            f"  round {round_ + 1}: hand-written DuckDB {fmt_seconds(peers[-1]['runs'][1]['wall'])}"
            f", negpersona {fmt_seconds(ours[-1]['runs'][1]['wall'])}",
            flush=True,
        )
    load_after, pressure_after = os.getloadavg()[0], cpu_pressure()
    ids = persona_ids()
    if ours[-1]["order"] != ids:
        raise SystemExit(
            "negpersona orders the personas differently from the hand-written SQL: "
            f"{ours[-1]['order']} vs {ids}"
        )
    print("  comparing the outputs …", flush=True)
    check = compare_outputs(ours_out, peer_out)
    result = {
        "rows": rows,
        "data": data,
        "file_bytes": data.stat().st_size,
        "peers": peers,
        "ours": ours,
        "check": check,
        "load": (load_before, load_after),
        "pressure": (pressure_before, pressure_after),
        "sql": peer_sql(data, peer_out, ids),
        "extras": ours[-1],
    }
    return result


def best(children: list[dict[str, Any]]) -> dict[str, Any]:
    return min((child["runs"][1] for child in children), key=lambda run: run["wall"])


def report(r: dict[str, Any], repeat: int) -> str:
    from discovery import fmt_bytes, fmt_seconds, table

    peer, ours, check, extras = best(r["peers"]), best(r["ours"]), r["check"], r["extras"]
    ratio = ours["wall"] / peer["wall"]
    met = ratio <= RATIO_TARGET
    peer_peak = max(child["peak_rss"] for child in r["peers"])
    ours_peak = max(child["peak_rss"] for child in r["ours"])
    peer_base = max(child["base_rss"] for child in r["peers"])
    ours_base = max(child["base_rss"] for child in r["ours"])
    walls = lambda children: ", ".join(fmt_seconds(c["runs"][1]["wall"]) for c in children)  # noqa: E731
    firsts = ", ".join(fmt_seconds(c["runs"][0]["wall"]) for c in r["ours"])
    n = r["rows"]
    actions = check["actions"]
    lines = [
        f"Data: `{r['data'].relative_to(ROOT)}`, {n:,} rows, integer `{ID}` + 12 numeric + 8 "
        f"categorical columns + `converted` ({fmt_bytes(r['file_bytes'])} Parquet, snappy); 8 "
        f"personas of 2–3 conditions (=, !=, <, <=, >=, >, is_missing), 5 excluded, holdout "
        f"{HOLDOUT:.0%} (salted SHA-256 of the id). Wall time of the best of {repeat} runs; "
        "each run in its own process after one untimed run there (warm page cache), the two sides "
        "alternating.",
        "",
        table(
            ["measure", "wall time", "CPU time", "peak RSS (VmHWM; after imports)", "target"],
            [
                [
                    "(a) one hand-written DuckDB `COPY (SELECT …) TO` (read_parquet)",
                    fmt_seconds(peer["wall"]),
                    fmt_seconds(peer["cpu"]),
                    f"{fmt_bytes(peer_peak)} ({fmt_bytes(peer_base)})",
                    "",
                ],
                [
                    f"(b) negpersona `Personas.match(path, id_column='{ID}')` + `write_matches`",
                    fmt_seconds(ours["wall"]),
                    fmt_seconds(ours["cpu"]),
                    f"{fmt_bytes(ours_peak)} ({fmt_bytes(ours_base)})",
                    "",
                ],
                [
                    "ratio b / a",
                    f"{ratio:.2f}x",
                    f"{ours['cpu'] / peer['cpu']:.2f}x",
                    "",
                    f"≤ {RATIO_TARGET}x: {'met' if met else 'NOT met'}",
                ],
                [
                    "outputs identical (EXCEPT ALL both ways, same schema)",
                    "yes" if check["identical"] else "NO",
                    "",
                    "",
                    "identical: " + ("met" if check["identical"] else "NOT met"),
                ],
            ],
        ),
        "",
        f"- Runs: hand-written {walls(r['peers'])}; negpersona {walls(r['ours'])} (the untimed "
        f"first run of each negpersona process: {firsts}); 1-minute load average before / after: "
        f"{r['load'][0]:.1f} / {r['load'][1]:.1f} on {os.cpu_count()} cores"
        + (
            f"; CPU pressure (PSI some avg60) {r['pressure'][0]:.0%} / {r['pressure'][1]:.0%}."
            if None not in r["pressure"]
            else "."
        ),
        f"- negpersona's best run: `match()` (open the file, check the schema, build the "
        f"expression) {fmt_seconds(ours['match'])}, `write_matches` (compile + DuckDB COPY) "
        f"{fmt_seconds(ours['write'])}, of which Ibis compilation alone "
        f"{fmt_seconds(extras['compile'])}.",
        f"- Check: {check['rows_ours']:,} and {check['rows_peer']:,} rows, "
        f"{check['ids_distinct']:,} distinct ids; rows only in negpersona's output "
        f"{check['only_ours']:,}, only in the hand-written one {check['only_peer']:,}; columns "
        + ", ".join(f"{name} {dtype}" for name, dtype in check["schema_ours"])
        + ".",
        f"- Tags: {check['tagged']:,} records ({check['tagged'] / n:.1%}) in at least one persona, "
        f"{check['multi']:,} in two or more; actions: "
        + ", ".join(f"{k} {v:,} ({v / n:.1%})" for k, v in actions.items())
        + "; members per persona: "
        + ", ".join(f"{i} {check['members'].get(i, 0):,}" for i in extras["order"])
        + ".",
        f"- Not in the comparison: `negpersona apply` then counts the actions in the written file "
        f"(`cli_apply._action_counts(out)`, one run): {fmt_seconds(extras['action_counts_seconds'])}"
        + (
            ""
            if extras["action_counts"] == actions
            else f"; its counts DIFFER from the hand-written output's: {extras['action_counts']}"
        )
        + ".",
    ]
    return "\n".join(lines)


def profile(r: dict[str, Any], repeat: int) -> str:
    """Where negpersona's extra time goes: variants of the hand-written query, run in DuckDB."""
    import duckdb
    from discovery import fmt_seconds, table

    data, rows = r["data"], r["rows"]
    ids = persona_ids()
    out = OUT_DIR / f"variant_{rows}.parquet"
    base = peer_sql(data, out, ids)
    compiled = r["extras"]["sql"]

    def coalesced(sql: str) -> str:
        for spec in PERSONAS:
            wrapped = " AND ".join(
                f"COALESCE({part}, FALSE)" if "IS NULL" not in part else part
                for part in spec[3].split(" AND ")
            )
            sql = sql.replace(f"({spec[3]})", f"({wrapped})")
        return sql

    floats = ["income", "pages_per_visit", "session_minutes", "engagement_score"]
    floats += ["account_balance", "discount_pct", "distance_km"]
    nan_view = (
        "(SELECT * REPLACE ("
        + ", ".join(f"CASE WHEN isnan({c}) THEN NULL ELSE {c} END AS {c}" for c in floats)
        + f") FROM read_parquet('{data}'))"
    )
    variants = {
        "hand-written query (a)": base,
        "(a) with COALESCE(comparison, FALSE) around each comparison": coalesced(base),
        "(a) over negpersona's NaN-as-NULL view of the float columns": base.replace(
            f"read_parquet('{data}')", nan_view
        ),
        "(a) without the holdout hash (no sha256)": base.replace(
            f"substr(sha256('{SALT}:' || CAST({ID} AS VARCHAR)), 1, 8) <", "'0' <"
        ),
        "negpersona's compiled SQL, run directly in DuckDB (no Ibis)": (
            f"CREATE OR REPLACE TEMP VIEW data AS SELECT * FROM read_parquet('{data}');\n"
            f"COPY ({compiled}) TO '{out}' (FORMAT parquet)"
        ),
    }
    times: dict[str, list[tuple[float, float]]] = {name: [] for name in variants}
    for _ in range(max(1, repeat)):  # the variants alternate, to even out machine noise
        for name, sql in variants.items():
            con = duckdb.connect()
            cpu, start = cpu_seconds(), time.perf_counter()
            con.execute(sql)
            times[name].append((time.perf_counter() - start, cpu_seconds() - cpu))
            con.close()
    rows_out = []
    for name, runs in times.items():
        wall, cpu = min(runs)
        rows_out.append(
            [
                name,
                fmt_seconds(wall),
                fmt_seconds(cpu),
                fmt_seconds(min(run[1] for run in runs)),
                ", ".join(fmt_seconds(run[0]) for run in runs),
            ]
        )
        print(f"  {name}: {fmt_seconds(wall)} (CPU {fmt_seconds(cpu)})", flush=True)
    out.unlink(missing_ok=True)
    return table(
        ["variant (one process, alternating)", "best wall", "its CPU", "least CPU", "wall times"],
        rows_out,
    )


# --------------------------------------------------------------------------------------------


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rows", type=int, default=10_000_000, help="rows of the Parquet table")
    parser.add_argument("--seed", type=int, default=0, help="seed of the synthetic table")
    parser.add_argument("--repeat", type=int, default=3, help="rounds (best is kept)")
    parser.add_argument(
        "--profile", action="store_true", help="time variants of the query: where the gap goes"
    )
    parser.add_argument("--keep", action="store_true", help="keep the two output files")
    parser.add_argument(
        "--show-sql", action="store_true", help="print the hand-written and negpersona's SQL"
    )
    parser.add_argument("--write", action="store_true", help="update bench/RESULTS.md")
    parser.add_argument("--child", nargs=3, help=argparse.SUPPRESS)
    parser.add_argument("--child-extras", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--child-ids", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)

    if args.child:
        kind, data, out = args.child[0], Path(args.child[1]), Path(args.child[2])
        if kind == "peer":
            result = child_peer(data, out, args.child_ids.split(","))
        else:
            result = child_negpersona(data, out, args.child_extras)
        print(json.dumps(result))
        return

    sys.path.insert(0, str(BENCH))
    from discovery import machine, machine_lines, source_digest, write_results

    info = machine()
    print("\n".join(machine_lines(info)))
    result = bench(args.rows, args.seed, args.repeat)
    key = "apply" if args.rows == 10_000_000 else f"apply-{args.rows}"
    body = f"### {args.rows:,} records, 8 personas (Parquet)\n\n" + report(result, args.repeat)
    if source_digest() != info["source"]:
        body += "\n- Note: src/negpersona changed during the run (digest " + source_digest() + ")."
    print("\n" + body, flush=True)
    if args.show_sql:
        print(f"\nHand-written query:\n\n{result['sql']}\n")
        print(
            f"negpersona's compiled query (write_matches wraps it in COPY):\n\n{result['extras']['sql']}"
        )
    if args.profile:
        print("\nProfile: variants of the hand-written query\n", flush=True)
        body += "\n\nWhere the difference goes (variants, run in this process):\n\n" + profile(
            result, args.repeat
        )
    if not args.keep:
        for path in OUT_DIR.glob(f"*_{args.rows}.parquet"):
            path.unlink()
    if args.write:
        command = shlex.join(["python", "bench/apply.py", *(argv or sys.argv[1:])])
        write_results({key: body}, info, command)
    if not result["check"]["identical"]:
        raise SystemExit("The outputs differ: the comparison is not valid.")


if __name__ == "__main__":
    main()
