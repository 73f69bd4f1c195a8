"""A persona's rate over the runs of its folder, for the rate-over-runs chart.

Both reports draw it: the discovery report on each persona card (every run so far) and the
re-check report (the runs up to that re-check, so an old page never shows later runs). The rows
come from the folder's ``history.duckdb`` (:mod:`negpersona.monitor.history`); a history that
cannot be read costs the chart, never the report.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from negpersona.errors import DataError
from negpersona.monitor.history import history_path, read_history
from negpersona.monitor.status import STATUS_LABELS

RUN_KINDS = {"discover": "discovery", "recheck": "re-check", "policy": "policy"}
HistoryRows = dict[str, list[dict[str, Any]]]


def persona_history(folder: Path, *, until_run: str | None = None) -> tuple[HistoryRows, list[str]]:
    """Per persona id, its rate over the runs in ``folder/history.duckdb`` (oldest first).

    Only personas with a rate in at least two runs get rows (one point is no trend). With
    ``until_run``, runs after that one are left out, and nothing is returned if the history does
    not hold it (the page belongs to another history). Returns the rows and any warnings.
    """
    if not history_path(folder).is_file():
        return {}, []
    try:
        runs, persona_runs = read_history(folder)
    except DataError as error:
        return {}, [
            f"The run history could not be read ({error.message}); the rate-over-runs charts "
            "are left out."
        ]
    if until_run is not None:
        ids = [run["run_id"] for run in runs]
        if until_run not in ids:
            return {}, []
        runs = runs[: ids.index(until_run) + 1]
    by_run = {run["run_id"]: run for run in runs}
    rows: HistoryRows = {}
    for entry in persona_runs:
        run = by_run.get(entry["run_id"])
        if run is None or entry.get("rate") is None:
            continue
        kind = RUN_KINDS.get(run["kind"], run["kind"])
        status = entry.get("status")
        rows.setdefault(entry["persona_id"], []).append(
            {
                "label": f"{(run.get('created') or '')[:10]} {kind}".strip(),
                "kind": kind,
                "created": run.get("created"),
                "rate": entry["rate"],
                "low": entry.get("rate_low"),
                "high": entry.get("rate_high"),
                "baseline": run.get("baseline_rate"),
                "status": STATUS_LABELS.get(status, status),
                "records": entry.get("known"),
            }
        )
    return {pid: items for pid, items in rows.items() if len(items) >= 2}, []
