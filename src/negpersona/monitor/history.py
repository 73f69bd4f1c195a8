"""The run history of an output folder: ``history.duckdb``, one row per run and per persona.

Every ``discover``, ``policy`` and ``recheck`` appends a run; ``negpersona history`` prints them
oldest first and the report draws each persona's rate over runs. An embedded DuckDB file: each
run is written in one transaction, so a crash (even SIGKILL) mid-write leaves the history as it
was before that run — DuckDB replays only committed transactions from its write-ahead log.

Values are bound as parameters (``?``), never pasted into SQL.
"""

from __future__ import annotations

import contextlib
import json
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from negpersona.errors import DataError

FILE = "history.duckdb"
SCHEMA_VERSION = 1

_SCHEMA = (
    "CREATE TABLE IF NOT EXISTS meta (key VARCHAR PRIMARY KEY, value VARCHAR)",
    """CREATE TABLE IF NOT EXISTS runs (
        run_id VARCHAR PRIMARY KEY, kind VARCHAR NOT NULL, created TIMESTAMP NOT NULL,
        data VARCHAR, records BIGINT, known BIGINT, positives BIGINT, baseline_rate DOUBLE,
        excluded VARCHAR[], summary VARCHAR)""",
    """CREATE TABLE IF NOT EXISTS persona_runs (
        run_id VARCHAR NOT NULL, persona_id VARCHAR NOT NULL, name VARCHAR, status VARCHAR,
        action VARCHAR, excluded BOOLEAN, records BIGINT, share DOUBLE, known BIGINT,
        positives BIGINT, rate DOUBLE, rate_low DOUBLE, rate_high DOUBLE,
        holdout_known BIGINT, holdout_positives BIGINT, PRIMARY KEY (run_id, persona_id))""",
    # People's changes from the dashboard: who renamed, re-targeted, paused or resumed what.
    """CREATE TABLE IF NOT EXISTS edits (
        edited TIMESTAMP NOT NULL, persona_id VARCHAR NOT NULL, field VARCHAR NOT NULL,
        old_value VARCHAR, new_value VARCHAR, source VARCHAR NOT NULL)""",
)
EDIT_COLUMNS = ("edited", "persona_id", "field", "old_value", "new_value", "source")
RUN_COLUMNS = (
    "run_id", "kind", "created", "data", "records", "known", "positives", "baseline_rate",
    "excluded", "summary",
)  # fmt: skip
PERSONA_COLUMNS = (
    "run_id", "persona_id", "name", "status", "action", "excluded", "records", "share", "known",
    "positives", "rate", "rate_low", "rate_high", "holdout_known", "holdout_positives",
)  # fmt: skip


@dataclass
class Run:
    """One entry: the run's row and one row per persona (dicts keyed by the column names)."""

    kind: str
    run: dict[str, Any]
    personas: list[dict[str, Any]]


def history_path(folder: str | Path) -> Path:
    return Path(folder) / FILE


def _connect(path: Path, *, read_only: bool = False) -> Any:
    import duckdb

    try:
        con = duckdb.connect(str(path), read_only=read_only)
        if not read_only:
            for statement in _SCHEMA:
                con.execute(statement)
            con.execute(
                "INSERT INTO meta VALUES ('schema_version', ?) ON CONFLICT DO NOTHING",
                [str(SCHEMA_VERSION)],
            )
        row = con.execute("SELECT value FROM meta WHERE key = 'schema_version'").fetchone()
    except duckdb.Error as exc:
        first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        busy = "lock" in first.lower()
        raise DataError(
            f"{path} {'is in use by another process' if busy else 'is damaged or not a history file'}"
            f" ({first}).",
            "Wait for the other negpersona command to finish."
            if busy
            else "Move it aside (it is only the record of earlier runs; the personas are not "
            "affected) and run the command again: a new history starts.",
            code="history.busy" if busy else "history.damaged",
            path=str(path),
        ) from None
    version = int(row[0]) if row and str(row[0]).isdigit() else 0
    if version > SCHEMA_VERSION:
        con.close()
        raise DataError(
            f"{path} has schema_version {version}; this negpersona reads up to {SCHEMA_VERSION}.",
            "Upgrade negpersona.",
            code="history.newer",
        )
    return con


def check_history(folder: str | Path) -> None:
    """Raise a clear error now if the folder's history cannot be written (before any work)."""
    path = history_path(folder)
    if path.exists():
        _connect(path).close()


def record(folder: str | Path, entry: Run) -> str:
    """Append ``entry`` to the folder's history in one transaction; returns its run id."""
    path = history_path(folder)
    path.parent.mkdir(parents=True, exist_ok=True)
    run_id = entry.run.get("run_id") or (
        datetime.now(UTC).strftime("%Y%m%dT%H%M%S") + "-" + uuid.uuid4().hex[:6]
    )
    run = {**entry.run, "run_id": run_id, "kind": entry.kind}
    run.setdefault("created", datetime.now(UTC).replace(tzinfo=None))  # stored as UTC
    if isinstance(run.get("summary"), dict | list):
        run["summary"] = json.dumps(run["summary"], default=str)
    rows = [
        [run_id if c == "run_id" else persona.get(c) for c in PERSONA_COLUMNS]
        for persona in entry.personas
    ]
    _insert(path, {"runs": (RUN_COLUMNS, [[run.get(c) for c in RUN_COLUMNS]]),
                   "persona_runs": (PERSONA_COLUMNS, rows)})  # fmt: skip
    return run_id


def _insert(path: Path, tables: dict[str, tuple[tuple[str, ...], list[list[Any]]]]) -> None:
    """Insert rows into several tables in ONE transaction (all or nothing, even on SIGKILL)."""
    con = _connect(path)
    try:
        con.execute("BEGIN TRANSACTION")
        for table, (columns, rows) in tables.items():
            if rows:
                con.executemany(
                    f"INSERT INTO {table} ({', '.join(columns)}) "
                    f"VALUES ({', '.join('?' * len(columns))})",
                    rows,
                )
        con.execute("COMMIT")
    except BaseException:
        con.execute("ROLLBACK")
        raise
    finally:
        con.close()


def read_history(folder: str | Path) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """``(runs, persona_runs)`` oldest first; empty lists when the folder has no history."""
    path = history_path(folder)
    if not path.exists():
        return [], []
    con = _connect(path)
    try:
        runs = _rows(con, f"SELECT {', '.join(RUN_COLUMNS)} FROM runs ORDER BY created, run_id")
        personas = _rows(
            con,
            f"SELECT {', '.join('p.' + c for c in PERSONA_COLUMNS)} FROM persona_runs p "
            "JOIN runs r USING (run_id) ORDER BY r.created, p.run_id, p.persona_id",
        )
    finally:
        con.close()
    for run in runs:
        run["created"] = run["created"].isoformat() + "+00:00" if run["created"] else None
        if run.get("summary"):
            with contextlib.suppress(ValueError):  # a summary that is plain text stays text
                run["summary"] = json.loads(run["summary"])
    return runs, personas


def record_edits(
    folder: str | Path, persona_id: str, changes: dict[str, tuple[Any, Any]], source: str
) -> None:
    """Append one audit row per changed field (``{field: (old, new)}``), in one transaction."""
    if not changes:
        return
    edited = datetime.now(UTC).replace(tzinfo=None)
    rows = [
        [edited, persona_id, field, _text(old), _text(new), source]
        for field, (old, new) in changes.items()
    ]
    _insert(history_path(folder), {"edits": (EDIT_COLUMNS, rows)})


def read_edits(folder: str | Path) -> list[dict[str, Any]]:
    """The audit trail of edits, newest first (empty without a history)."""
    path = history_path(folder)
    if not path.exists():
        return []
    con = _connect(path)
    try:
        rows = _rows(con, f"SELECT {', '.join(EDIT_COLUMNS)} FROM edits ORDER BY edited DESC")
    finally:
        con.close()
    for row in rows:
        row["edited"] = row["edited"].isoformat() + "+00:00"
    return rows


def _text(value: Any) -> str | None:
    return None if value is None else str(value)


def _rows(con: Any, sql: str) -> list[dict[str, Any]]:
    cursor = con.execute(sql)
    names = [d[0] for d in cursor.description]
    return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]


# ---- entries for each kind of run --------------------------------------------------------------


def discovery_entry(result: Any, data: str | None = None) -> Run:
    """The entry of a discovery run (a :class:`~negpersona.model.persona.DiscoveryResult`)."""
    base = result.baseline
    excluded = set((result.policy or {}).get("excluded", []))
    personas = []
    for persona in result.personas:
        low, high = persona.expected_rate_ci
        held = persona.confirmation if persona.held_out else None
        personas.append({
            "persona_id": persona.id, "name": persona.name, "status": "found",
            "action": "exclude" if persona.id in excluded else "target",
            "excluded": persona.id in excluded,
            "records": persona.records + (held.records if held else 0),
            "share": persona.share,
            "known": held.records if held else persona.records,
            "positives": held.positives if held else persona.positives,
            "rate": persona.expected_rate, "rate_low": low, "rate_high": high,
        })  # fmt: skip
    return Run(
        "discover",
        {
            "data": data or result.settings.get("source"),
            "records": base.get("records"),
            "known": base.get("records"),
            "positives": base.get("positives"),
            "baseline_rate": base.get("rate"),
            "excluded": sorted(excluded),
            "summary": {"personas": len(result.personas), "unconfirmed": len(result.unconfirmed)},
        },
        personas,
    )


def policy_entry(policy: dict[str, Any]) -> Run:
    """The entry of a policy change (``policy.json`` as written)."""
    return Run(
        "policy",
        {
            "excluded": list(policy.get("excluded", [])),
            "summary": {
                "rule": policy.get("rule"),
                "summary": policy.get("summary"),
                "paused": [item.get("id") for item in policy.get("paused", [])],
            },
        },
        [],
    )
