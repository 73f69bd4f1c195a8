"""Re-check benchmark: ``recheck()`` on 10M Parquet records with 8 personas against one DuckDB scan.

What ``negpersona recheck`` computes from a new batch (``negpersona.monitor.recheck.recheck(folder,
path, candidates=False)``; the search for new candidates is a separate, optional discovery and is
not measured) is compared, in the same process and run, with hand-written DuckDB queries over
the same file:

- (a) the floor of issue 11: ONE query with the same per-persona counts: the batch's records,
  records with an outcome and fits, and per persona its members, members with an outcome and
  fits, and the same three for its exploration holdout
  (``substr(sha256('salt:' || CAST(id AS VARCHAR)), 1, 8) < threshold``, the rule of
  ``engine/hashing.py``; written the careful way, hashing only records that belong to a persona).
  Target: recheck ≤ 2x this scan.
- (a+) the same query that also counts every drift bin (16 columns, all records and each
  persona's members) with ``GROUPING SETS``: everything recheck reads from the batch, written by
  hand in one query.

recheck does more than either: it checks the outcome column, runs the tests and builds the
document; the table shows its stages (from its ``progress`` callback) and, separately, the
``count_batch`` step alone (its one counting query, counts and drift bins, inputs built
beforehand). Counts must be identical everywhere (totals, members and holdout members of (a),
(a+), ``count_batch`` and the re-check document; drift bins of (a+) and ``count_batch``),
otherwise the run fails.

Everything runs in one process: a warm-up of each side on the small discovery file (imports,
Ibis' first compilations), then ``--repeat`` rounds (default 3) alternating the runs; the best
round of each is kept. The file is read once beforehand, so the page cache is warm. CPU times
are of the whole process (all DuckDB threads).

Usage (from the repository root)::

    .venv/bin/python bench/recheck.py                    # 10M rows
    .venv/bin/python bench/recheck.py --rows 200000      # quick check

Data: ``bench/apply.py``'s cached table (``bench/discovery.py``'s seeded generator: 12 numeric +
8 categorical columns and ``converted``, plus an integer ``lead_id``; generated once into
``bench/_data/``, git-ignored). The new batch is ``--rows`` records with seed ``--seed``; the
personas folder is built, in a temporary folder, from 200,000 records of the same generator with
seed ``--seed + 1`` (the data "at discovery") without running discovery: the 8 personas of
``bench/apply.py`` (``Persona``/``Confirmation`` objects with ``Condition``s, their evidence
counted on that sample with a 70/30 split by ``lead_id``), a ``policy.json`` excluding 5 of them
with a 5% exploration holdout (validated by ``PolicyDocument``), and the drift reference of the
16 columns their conditions use, computed by the library (``data.drift.reference_block``, what
discovery stores). Discovery would add up to 4 columns of the persona cards' profiles.
With ``--write``, the result replaces the "recheck" section of ``bench/RESULTS.md``.
"""

from __future__ import annotations

import argparse
import os
import resource
import sys
import tempfile
import time
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
BENCH = ROOT / "bench"
sys.path.insert(0, str(BENCH))

from apply import HOLDOUT, ID, PERSONAS, SALT, cpu_pressure, ensure_data, warm_cache  # noqa: E402
from common import fmt_seconds, replace_section, source_digest, table, version  # noqa: E402
from discovery import StageClock  # noqa: E402

TARGET = "converted"
SAMPLE_ROWS = 200_000  # the records "at discovery"
RATIO_TARGET = 2.0
TODAY = date(2026, 12, 1)  # fixed, so that no persona is overdue for review by accident
RESULTS = BENCH / "RESULTS.md"


# --------------------------------------------------------------------------------------------
# the personas folder


def sample_counts(path: Path) -> dict[str, Any]:
    """Per persona and in total: records and fits in the discovery (70%) and confirmation (30%)
    parts of the sample, split by ``lead_id % 10`` (hand-written predicates of :data:`PERSONAS`)."""
    import duckdb

    parts = ", ".join(
        f"count_if({spec[3]}) AS n{i}, count_if(({spec[3]}) AND {TARGET}) AS p{i}"
        for i, spec in enumerate(PERSONAS)
    )
    sql = (
        f"SELECT {ID} % 10 >= 7 AS confirmation, count(*) AS n, count_if({TARGET}) AS p, {parts} "
        f"FROM read_parquet('{path}') GROUP BY ALL ORDER BY confirmation"
    )
    con = duckdb.connect()
    rows = con.execute(sql).fetchall()
    names = [d[0] for d in con.description]
    con.close()
    return {
        ("confirmation" if row[0] else "discovery"): dict(zip(names, row, strict=True))
        for row in rows
    }


def build_folder(folder: Path, sample: Path) -> dict[str, Any]:
    """Write the personas folder (see the module docstring) through the library."""
    import ibis

    from negpersona.data.drift import reference_block
    from negpersona.model.conditions import Condition, segment_filter
    from negpersona.model.document import PolicyDocument, validated, versioned
    from negpersona.model.persona import Confirmation, DiscoveryResult, Persona
    from negpersona.stats import adjust, below_baseline_p_value, rate_interval

    counts = sample_counts(sample)
    disc, conf = counts["discovery"], counts["confirmation"]
    base_d, base_c = disc["p"] / disc["n"], conf["p"] / conf["n"]
    p_values = [
        below_baseline_p_value(conf[f"p{i}"], conf[f"n{i}"], base_c) for i in range(len(PERSONAS))
    ]
    personas = []
    for i, (spec, p_adjusted) in enumerate(zip(PERSONAS, adjust(p_values, "holm"), strict=True)):
        n, p, cn, cp = disc[f"n{i}"], disc[f"p{i}"], conf[f"n{i}"], conf[f"p{i}"]
        rate, c_rate = p / n, cp / cn
        personas.append(
            Persona(
                conditions=[Condition(*c) for c in spec[0]],
                records=n,
                positives=p,
                share=n / disc["n"],
                rate=rate,
                rate_ci=rate_interval(p, n),
                rate_ratio=rate / base_d,
                conversion_share=p / disc["p"],
                quality=n / disc["n"] * (base_d - rate),
                confirmation=Confirmation(
                    records=cn,
                    positives=cp,
                    rate=c_rate,
                    rate_ci=rate_interval(cp, cn),
                    p_value=p_values[i],
                    p_adjusted=p_adjusted,
                    confirmed=bool(p_adjusted < 0.05 and c_rate <= 0.5 * base_c),
                    baseline_rate=base_c,
                ),
                extra={"review_by": (TODAY + timedelta(days=90)).isoformat()},
            )
        )
    excluded = [p.id for p, spec in zip(personas, PERSONAS, strict=True) if spec[2]]
    policy = {
        "rule": "hand-picked (bench/recheck.py)",
        "summary": f"Excludes {len(excluded)} persona(s) (chosen by hand for the benchmark).",
        "settings": {"holdout": HOLDOUT, "salt": SALT},
        "excluded": excluded,
        "holdout": HOLDOUT,
        "salt": SALT,
    }
    validated(PolicyDocument, versioned(policy), "policy.json")
    columns = list(dict.fromkeys(c[0] for spec in PERSONAS for c in spec[0]))
    con = ibis.duckdb.connect()
    records = con.read_parquet(str(sample), table_name="data")
    flags = {p.id: segment_filter(records, p.conditions) for p in personas}
    reference = reference_block(records, columns, flags)
    total_n, total_p = disc["n"] + conf["n"], disc["p"] + conf["p"]
    result = DiscoveryResult(
        baseline={
            "records": total_n,
            "positives": total_p,
            "rate": total_p / total_n,
            "rate_ci": list(rate_interval(total_p, total_n)),
            "discovery": {"records": disc["n"], "positives": disc["p"], "rate": base_d},
            "confirmation": {"records": conf["n"], "positives": conf["p"], "rate": base_c},
        },
        settings={
            "source": str(sample.relative_to(ROOT)),
            "outcome": f"{TARGET} in True",
            "outcome_kind": "conversion",
            "outcome_spec": {
                "column": TARGET,
                "positive": [True],
                "expression": None,
                "kind": "conversion",
            },
            "id": ID,
            "max_rate_ratio": 0.5,
            "alpha": 0.05,
            "correction": "holm",
            "min_records": 30,
            "split": f"random 30% for confirmation ({ID} % 10 >= 7)",
        },
        set_aside=[],
        personas=personas,
        unconfirmed=[],
        extra={"created": datetime.now(UTC).isoformat(timespec="seconds"), "reference": reference},
        policy=policy,
    )
    result.write(folder)
    return {
        "ids": [p.id for p in personas],
        "excluded": excluded,
        "columns": list(reference["columns"]),
        "confirmed": sum(p.confirmed for p in personas),
    }


# --------------------------------------------------------------------------------------------
# the hand-written queries


def _holdout_sql() -> str:
    """The holdout rule of ``engine/hashing.py``, only for members of some persona."""
    threshold = format(round(HOLDOUT * 16**8), "08x")
    anyone = " OR ".join(f"m{i}" for i in range(len(PERSONAS)))
    hashed = f"substr(sha256('{SALT}:' || CAST({ID} AS VARCHAR)), 1, 8) < '{threshold}'"
    return f"COALESCE(CASE WHEN {anyone} THEN {hashed} END, FALSE)"


def _count_columns() -> str:
    """The per-persona counts of a hand-written query (over columns k, p, h, m0…m7)."""
    return ", ".join(
        f"count_if(m{i}) AS n{i}, count_if(m{i} AND k) AS k{i}, count_if(m{i} AND p) AS p{i}, "
        f"count_if(m{i} AND h) AS hn{i}, count_if(m{i} AND h AND k) AS hk{i}, "
        f"count_if(m{i} AND h AND p) AS hp{i}"
        for i in range(len(PERSONAS))
    )


def _flagged_sql(path: Path, extra: str = "") -> str:
    """Per record: outcome known (k), fit (p), holdout (h), membership (m0…m7) and ``extra``."""
    members = ", ".join(f"COALESCE({spec[3]}, FALSE) AS m{i}" for i, spec in enumerate(PERSONAS))
    return (
        f"WITH f AS (SELECT {TARGET} IS NOT NULL AS k, "
        f"COALESCE({TARGET} IS NOT NULL AND {TARGET}, FALSE) AS p, {ID}, {members}{extra} "
        f"FROM read_parquet('{path}')), g AS (SELECT *, {_holdout_sql()} AS h FROM f) "
    )


def counts_sql(path: Path) -> str:
    """(a): ONE scan with every count ``count_batch`` computes, drift bins aside."""
    return _flagged_sql(path) + (
        f"SELECT count(*) AS n, count_if(k) AS k, count_if(p) AS p, {_count_columns()} FROM g"
    )


def bin_sql(bins: Any) -> str:
    """The bin number of ``bins`` (``data/drift.py``'s ``Bins.index``) written by hand."""
    column = f'"{bins.column}"'
    last = len(bins.labels) - 1
    if bins.kind == "category":
        quoted = lambda v: "'" + v.replace("'", "''") + "'"  # noqa: E731
        cases = " ".join(
            f"WHEN CAST({column} AS VARCHAR) = {quoted(v)} THEN {i}"
            for i, v in enumerate(bins.values)
        )
        return f"CASE WHEN {column} IS NULL THEN {last} {cases} ELSE {len(bins.values)} END"
    cases = " ".join(
        f"WHEN CAST({column} AS DOUBLE) < {edge!r} THEN {i}" for i, edge in enumerate(bins.edges)
    )
    return f"CASE WHEN {column} IS NULL THEN {last} {cases} ELSE {len(bins.edges)} END"


def counts_and_bins_sql(path: Path, bins: list[Any]) -> str:
    """(a+): the counts of (a) and every drift bin in one query (``GROUPING SETS``)."""
    binned = "".join(f", {bin_sql(b)} AS b{j}" for j, b in enumerate(bins))
    sets = ", ".join(["()"] + [f"(b{j})" for j in range(len(bins))])
    columns = ", ".join(f"b{j}" for j in range(len(bins)))
    return _flagged_sql(path, binned) + (
        f"SELECT GROUPING({columns}) AS set_id, {columns}, count(*) AS n, count_if(k) AS k, "
        f"count_if(p) AS p, {_count_columns()} FROM g GROUP BY GROUPING SETS ({sets})"
    )


def cpu_seconds() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def run_sql(sql: str) -> dict[str, Any]:
    """Run one hand-written query on a fresh DuckDB connection; rows as dicts."""
    import duckdb

    cpu, start = cpu_seconds(), time.perf_counter()
    con = duckdb.connect()
    cursor = con.execute(sql)
    rows = cursor.fetchall()
    names = [d[0] for d in cursor.description]
    con.close()
    wall = time.perf_counter() - start
    return {
        "wall": wall,
        "cpu": cpu_seconds() - cpu,
        "rows": [dict(zip(names, row, strict=True)) for row in rows],
    }


def sql_counts(values: dict[str, int], ids: list[str]) -> dict[str, Any]:
    """A hand-written row of totals in the shape of :func:`batch_counts`."""
    triple = lambda prefix, i: tuple(values[f"{p}{i}"] for p in prefix)  # noqa: E731
    return {
        "total": (values["n"], values["k"], values["p"]),
        "members": {pid: triple(("n", "k", "p"), i) for i, pid in enumerate(ids)},
        "holdout": {pid: triple(("hn", "hk", "hp"), i) for i, pid in enumerate(ids)},
    }


def sql_bins(rows: list[dict[str, Any]], bins: list[Any], ids: list[str]) -> dict[str, Any]:
    """The drift bins of (a+)'s rows: per column, counts of all records and of each persona."""
    full = (1 << len(bins)) - 1
    out = {}
    for j, b in enumerate(bins):
        size = len(b.labels)
        counts, members = [0] * size, {pid: [0] * size for pid in ids}
        wanted = full ^ (1 << (len(bins) - 1 - j))  # GROUPING(): bit set = column aggregated
        for row in rows:
            if row["set_id"] == wanted:
                counts[row[f"b{j}"]] = row["n"]
                for i, pid in enumerate(ids):
                    members[pid][row[f"b{j}"]] = row[f"n{i}"]
        out[b.column] = (counts, members)
    return out


# --------------------------------------------------------------------------------------------
# negpersona


def run_recheck(folder: Path, path: Path) -> dict[str, Any]:
    from negpersona.monitor.recheck import recheck

    clock = StageClock()
    cpu, start = cpu_seconds(), time.perf_counter()
    result = recheck(folder, str(path), candidates=False, today=TODAY, progress=clock)
    end = time.perf_counter()
    return {
        "wall": end - start,
        "cpu": cpu_seconds() - cpu,
        "stages": clock.durations(start, end),
        "document": result.document,
    }


def count_inputs(folder: Path, path: Path) -> tuple[Any, ...]:
    """What recheck hands to ``count_batch``, built the way recheck builds it."""
    from negpersona.apply.personas import Personas
    from negpersona.data.drift import Bins
    from negpersona.data.outcome import batch_outcome
    from negpersona.data.source import open_source
    from negpersona.engine.hashing import holdout_flag
    from negpersona.model.conditions import segment_filter
    from negpersona.model.persona import DiscoveryResult
    from negpersona.monitor.recheck import spec_for

    personas = Personas.load(folder)
    spec = spec_for(personas.settings, None)
    source = open_source(str(path))
    checked = personas._checked(source.table, source.name)
    outcome = batch_outcome(checked, spec.outcome, source.dialect)
    flags = {p.id: segment_filter(outcome.table, p.conditions) for p in personas.personas}
    held = holdout_flag(outcome.table[ID], personas.holdout, personas.salt)
    reference = DiscoveryResult.read(folder).extra["reference"]["columns"]
    bins = [Bins.from_dict(stored) for stored in reference.values()]
    return outcome.table, outcome.known, outcome.label, flags, held, bins


def run_count_batch(folder: Path, path: Path) -> dict[str, Any]:
    from negpersona.monitor.counts import count_batch

    inputs = count_inputs(folder, path)
    cpu, start = cpu_seconds(), time.perf_counter()
    counts = count_batch(*inputs)
    wall = time.perf_counter() - start
    return {"wall": wall, "cpu": cpu_seconds() - cpu, "counts": counts}


def batch_counts(counts: Any) -> dict[str, Any]:
    as_tuple = lambda g: (g.records, g.known, g.positives)  # noqa: E731
    return {
        "total": as_tuple(counts.total),
        "members": {k: as_tuple(v) for k, v in counts.members.items()},
        "holdout": {k: as_tuple(v) for k, v in counts.holdout.items()},
    }


def document_counts(document: dict[str, Any]) -> dict[str, Any]:
    """The counts the re-check document reports (holdout: excluded personas only)."""
    base = document["baseline"]
    out: dict[str, Any] = {
        "total": (base["records"], base["known"], base["positives"]),
        "members": {},
        "holdout": {},
    }
    for item in document["personas"]:
        m = item["members"]
        out["members"][item["id"]] = (m["records"], m["known"], m["positives"])
        if item.get("holdout"):
            h = item["holdout"]
            out["holdout"][item["id"]] = (h["records"], h["known"], h["conversions"])
    return out


def compare(peer: dict[str, Any], ours: dict[str, Any], partial_holdout: bool = False) -> list[str]:
    """Differences between two count sets (empty: identical)."""
    problems = []
    if peer["total"] != ours["total"]:
        problems.append(f"totals {peer['total']} vs {ours['total']}")
    for key in ("members", "holdout"):
        for pid, value in peer[key].items():
            if partial_holdout and key == "holdout" and pid not in ours[key]:
                continue
            if ours[key].get(pid) != value:
                problems.append(f"{key} of {pid}: {value} vs {ours[key].get(pid)}")
    return problems


def compare_bins(peer: dict[str, Any], counts: Any) -> list[str]:
    return [
        f"drift bins of {column} differ"
        for column, (everyone, members) in peer.items()
        if counts.bins[column].counts != everyone or counts.bins[column].members != members
    ]


# --------------------------------------------------------------------------------------------


def machine_line() -> str:
    versions = ", ".join(
        f"{name} {version(name)}" for name in ["negpersona", "duckdb", "ibis-framework", "pyarrow"]
    )
    return (
        f"- Date: {datetime.now().astimezone().strftime('%Y-%m-%d %H:%M %Z')}; "
        f"{os.cpu_count()} cores; Python {sys.version.split()[0]}; {versions}; source digest "
        f"{source_digest()}"
    )


def best(runs: list[dict[str, Any]]) -> dict[str, Any]:
    return min(runs, key=lambda r: r["wall"])


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rows", type=int, default=10_000_000, help="records of the new batch")
    parser.add_argument("--seed", type=int, default=0, help="seed of the new batch")
    parser.add_argument("--repeat", type=int, default=3, help="rounds (best is kept)")
    parser.add_argument("--write", action="store_true", help="update bench/RESULTS.md")
    args = parser.parse_args(argv)

    print(machine_line(), flush=True)
    print(f"\n## recheck: {args.rows:,} records x 8 personas\n", flush=True)
    path, notes = ensure_data(args.rows, args.seed)
    sample, more = ensure_data(SAMPLE_ROWS, args.seed + 1)
    for note in notes + more:
        print(f"  {note}", flush=True)
    with tempfile.TemporaryDirectory(prefix="recheck_bench_") as tmp:
        folder = Path(tmp) / "personas"
        start = time.perf_counter()
        built = build_folder(folder, sample)
        print(
            f"  personas folder: {len(built['ids'])} personas ({built['confirmed']} confirmed on "
            f"the sample), {len(built['excluded'])} excluded with holdout {HOLDOUT}, drift "
            f"reference of {len(built['columns'])} columns; built in "
            f"{fmt_seconds(time.perf_counter() - start)}",
            flush=True,
        )
        ids = built["ids"]
        bins = count_inputs(folder, sample)[-1]
        scan_sql, scan_bins_sql = counts_sql(path), counts_and_bins_sql(path, bins)
        # warm-up on the sample: imports, Ibis' first compilations, DuckDB's first connection
        run_sql(counts_sql(sample))
        run_recheck(folder, sample)
        run_count_batch(folder, sample)
        warm_cache(path)
        load_before, pressure_before = os.getloadavg()[0], cpu_pressure()
        scans, scans_bins, ours, counts = [], [], [], []
        for round_ in range(max(1, args.repeat)):
            scans.append(run_sql(scan_sql))
            ours.append(run_recheck(folder, path))
            scans_bins.append(run_sql(scan_bins_sql))
            counts.append(run_count_batch(folder, path))
            print(
                f"  round {round_ + 1}: (a) {fmt_seconds(scans[-1]['wall'])}, recheck "
                f"{fmt_seconds(ours[-1]['wall'])}, (a+) {fmt_seconds(scans_bins[-1]['wall'])}, "
                f"count_batch {fmt_seconds(counts[-1]['wall'])}",
                flush=True,
            )
        load_after, pressure_after = os.getloadavg()[0], cpu_pressure()

    expected = sql_counts(scans[0]["rows"][0], ids)
    problems = [f"(a) round {i + 1}: {p}" for i, r in enumerate(scans)
                for p in compare(expected, sql_counts(r["rows"][0], ids))]  # fmt: skip
    for r in scans_bins:
        totals = next(row for row in r["rows"] if row["set_id"] == (1 << len(bins)) - 1)
        problems += [f"(a+): {p}" for p in compare(expected, sql_counts(totals, ids))]
    peer_bins = sql_bins(scans_bins[0]["rows"], bins, ids)
    for r in counts:
        problems += [f"count_batch: {p}" for p in compare(expected, batch_counts(r["counts"]))]
        problems += [f"count_batch: {p}" for p in compare_bins(peer_bins, r["counts"])]
    problems += [f"recheck document: {p}" for r in ours
                 for p in compare(expected, document_counts(r["document"]), partial_holdout=True)]  # fmt: skip

    scan, scan_bins, mine, count = best(scans), best(scans_bins), best(ours), best(counts)
    ratio = mine["wall"] / scan["wall"]
    row = lambda name, run, note="": [  # noqa: E731
        name, fmt_seconds(run["wall"]), fmt_seconds(run["cpu"]),
        f"{run['wall'] / scan['wall']:.2f}x", note,
    ]  # fmt: skip
    rows = [
        row("(a) hand-written DuckDB scan: the counts (one query)", scan, "the floor"),
        row("(a+) hand-written: counts + 16 columns' drift bins (one query)", scan_bins),
        row(
            "(b) `recheck(folder, path, candidates=False)`",
            mine,
            f"≤ {RATIO_TARGET:g}x (a): {'met' if ratio <= RATIO_TARGET else 'NOT met'}",
        ),
        *[
            [f"  stage: {name}", fmt_seconds(t), "", f"{t / scan['wall']:.2f}x", ""]
            for name, t in mine["stages"]
        ],  # fmt: skip
        row("(c) `count_batch` alone: counts + drift bins (inputs built beforehand)", count),
        [
            "counts and bins identical (a) = (a+) = (b) = (c)",
            "yes" if not problems else "NO",
            "",
            "",
            "",
        ],  # fmt: skip
    ]
    document = mine["document"]
    total = document["baseline"]
    statuses = ", ".join(f"{k} {v}" for k, v in document["summary"].items())
    walls = lambda runs: ", ".join(fmt_seconds(r["wall"]) for r in runs)  # noqa: E731
    pressure = (
        f"; CPU pressure (PSI some avg60) {pressure_before:.0%} / {pressure_after:.0%}"
        if None not in (pressure_before, pressure_after)
        else ""
    )
    size_mb = path.stat().st_size / 1024**2
    body = "\n".join(
        [
            machine_line(),
            "",
            f"### {args.rows:,} records, 8 personas (Parquet, {size_mb:,.0f} MB)",
            "",
            table(["run", "wall", "CPU", "/ (a)", "target"], rows),
            "",
            f"- Runs: (a) {walls(scans)}; (a+) {walls(scans_bins)}; recheck {walls(ours)}; "
            f"count_batch {walls(counts)}; 1-minute load average before / after: "
            f"{load_before:.1f} / {load_after:.1f} on {os.cpu_count()} cores{pressure}.",
            f"- Batch: {total['records']:,} records, {total['known']:,} with an outcome, "
            f"{total['positives']:,} fits (rate {total['rate']:.4f}); statuses: {statuses}; "
            f"holdout read-outs for {len(document_counts(document)['holdout'])} excluded "
            f"personas; drift measured on {len(document['population_drift'])} columns.",
        ]
    )
    if problems:
        body += "\n- Count differences:\n" + "\n".join(f"  - {p}" for p in problems[:20])
    print("\n" + body, flush=True)
    if problems:
        raise SystemExit("The counts differ: the comparison is not valid.")
    if args.write:
        RESULTS.write_text(replace_section(RESULTS.read_text(encoding="utf-8"), "recheck", body))
        print(f"\nwrote the recheck section of {RESULTS.relative_to(ROOT)}", flush=True)


if __name__ == "__main__":
    main()
