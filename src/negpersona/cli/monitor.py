"""Commands that keep personas honest over time: recheck and history.

Thin shells over :mod:`negpersona.monitor`; discover, demo and policy record their runs through
:func:`record_run` too.
"""

from __future__ import annotations

import sys
from datetime import date
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.markup import escape
from rich.table import Table

from negpersona.cli.common import ConfigOption, QuietOption, app, err, load_settings, out, say
from negpersona.cli.common import stages as progress_stages
from negpersona.errors import NegPersonaError
from negpersona.model.atomic import to_json

STATUS_STYLE = {
    "holds": "green",
    "weakening": "yellow",
    "broken": "red",
    "too few records": "dim",
    "awaiting outcomes": "dim",
}


def record_run(folder: Path, entry: Any) -> None:
    """Append a run to the folder's history; a history that cannot be written is a warning
    (the run's own files are already complete)."""
    from negpersona.monitor.history import record

    try:
        record(folder, entry)
    except NegPersonaError as error:
        err.print(
            f"[yellow]Warning:[/] not recorded in the history: {escape(error.message)} "
            f"{escape(error.hint or '')}",
            highlight=False,
            soft_wrap=True,
        )


def review_reminders(personas: list[Any], today: date | None = None) -> list[str]:
    """Lines naming the personas past their review date (for show and recheck)."""
    from negpersona.monitor.review import overdue

    late = overdue(personas, today or date.today())
    if not late:
        return []
    listed = ", ".join(f"{item['name']} ({item['id']}, due {item['review_by']})" for item in late)
    return [
        f"Past their review date: {listed}. Re-check them on newer data: "
        "'negpersona recheck FOLDER NEW_DATA'."
    ]


@app.command()
def recheck(
    personas_dir: Annotated[Path, typer.Argument(help="A folder written by 'discover'.")],
    data: Annotated[str, typer.Argument(help="The new batch: CSV/Parquet path or database URL.")],
    out_dir: Annotated[
        Path | None,
        typer.Option(
            "--out", "-o", help="Folder for recheck.json (default PERSONAS_DIR/recheck-DATE)."
        ),
    ] = None,
    config: ConfigOption = None,
    previous: Annotated[
        str | None,
        typer.Option(help="The records as they were at discovery, to follow members by id."),
    ] = None,
    basis: Annotated[
        str,
        typer.Option(help="auto (holdout for excluded personas), members or holdout."),
    ] = "auto",
    candidates: Annotated[
        bool,
        typer.Option("--candidates/--no-candidates", help="Search the batch for new candidates."),
    ] = True,
    apply_policy: Annotated[
        bool,
        typer.Option(
            "--apply-policy", help="Pause the exclusion of broken personas in policy.json."
        ),
    ] = False,
    as_json: Annotated[bool, typer.Option("--json", help="Print recheck.json.")] = False,
    quiet: QuietOption = False,
) -> None:
    """Re-check the personas on a newer batch: do they still hold, what drifted, who moved."""
    from negpersona.monitor.history import check_history
    from negpersona.monitor.recheck import recheck as run

    spec = load_settings(config)
    check_history(personas_dir)  # before any work: a damaged history is an error, not a loss
    today = date.today()
    target = out_dir or personas_dir / f"recheck-{today.isoformat()}"
    with progress_stages(quiet) as progress:
        result = run(
            personas_dir,
            data,
            spec if (config or Path("negpersona.yaml").exists()) else None,
            previous=previous,
            basis=basis,
            candidates=candidates,
            today=today,
            progress=progress,
        )
        progress("Writing recheck.json")
        changes = result.commit(target, apply_policy=apply_policy, today=today)
    if as_json:
        sys.stdout.write(to_json(result.to_dict()))
        return
    document = result.document
    out.print(recheck_table(document))
    for line in recheck_lines(document, changes):
        say(line)
    say(f"Wrote {target / 'recheck.json'}; 'negpersona report {target}' makes the page.")


def recheck_table(document: dict[str, Any]) -> Table:
    base = document["baseline"]
    caption = (
        f"New baseline {base['rate']:.1%} on {base['known']:,} records with an outcome"
        if base.get("rate") is not None
        else "No outcomes in this batch yet: sizes and drift only"
    )
    table = Table(title="Re-check", caption=caption + ".", show_lines=True)
    table.add_column("Persona", ratio=3, overflow="fold")
    table.add_column("Status", ratio=1, overflow="fold")
    for header in ("Share now (then)", "Rate now [95% CI]", "Expected", "Holdout conv."):
        table.add_column(header, justify="right", ratio=1, overflow="fold")
    table.add_column("Largest drift", ratio=1, overflow="fold")
    table.add_column("Action", ratio=1, overflow="fold")
    for item in document["personas"]:
        verdict, size = item["verdict"], item["size"]
        rate = verdict.get("rate")
        ci = verdict.get("rate_ci")
        rate_text = f"{rate:.1%} [{ci[0]:.1%}–{ci[1]:.1%}]" if rate is not None and ci else "–"
        if verdict.get("basis") == "holdout" and rate is not None:
            rate_text += " holdout"
        hold = item.get("holdout")
        hold_text = (
            f"{hold['conversions']}/{hold['known']} (exp. {hold['expected_conversions']:.1f})"
            if hold and hold.get("known")
            else "–"
        )
        worst = max(item["drift"], key=lambda d: d.get("psi") or 0.0, default=None)
        drift_text = f"{worst['column']}: {worst['band']}" if worst else "–"
        then = size.get("share_at_discovery")
        size_text = f"{size['share']:.1%}" + (f" ({then:.1%})" if then is not None else "")
        status = verdict["status"]
        table.add_row(
            escape(item["name"]),
            f"[{STATUS_STYLE[status]}]{status}[/]",
            size_text,
            rate_text,
            f"{item['expected_rate']:.1%}",
            hold_text,
            escape(drift_text),
            verdict["action"],
        )
    return table


def recheck_lines(document: dict[str, Any], changes: dict[str, Any]) -> list[str]:
    lines = []
    summary = ", ".join(f"{count} {status}" for status, count in document["summary"].items())
    lines.append(f"{len(document['personas'])} persona(s): {summary}.")
    for item in document["personas"]:
        verdict = item["verdict"]
        if verdict["status"] in ("broken", "weakening"):
            lines.append(f"{item['name']} ({item['id']}): {verdict['status']}. {verdict['reason']}")
    broken = [i["id"] for i in document["personas"] if i["verdict"]["status"] == "broken"]
    if changes.get("paused"):
        lines.append(
            f"Paused the exclusion of {', '.join(changes['paused'])} in policy.json; resume with "
            "'negpersona policy FOLDER --resume ID'."
        )
    elif broken:
        lines.append(
            f"Broken: {', '.join(broken)}. Nothing was changed; '--apply-policy' pauses their "
            "exclusion in policy.json."
        )
    if changes.get("review_moved"):
        lines.append(
            f"Next review of the {len(changes['review_moved'])} persona(s) that hold: "
            f"{document['changes']['review_by']}."
        )
    for item in document["review"]:
        lines.append(f"Past its review date ({item['review_by']}): {item['name']} ({item['id']}).")
    for candidate in document["candidates"]:
        lines.append(
            f"New candidate (a suggestion, not added): {candidate['name']}, "
            f"{candidate['records']:,} records at {candidate['rate']:.1%}."
        )
    lines.extend(document["notes"])
    return lines


@app.command()
def history(
    personas_dir: Annotated[Path, typer.Argument(help="A folder written by 'discover'.")] = Path(
        "out"
    ),
    as_json: Annotated[bool, typer.Option("--json", help="Print the history as JSON.")] = False,
) -> None:
    """Every discover, policy and recheck of a folder, oldest first, with each persona's rate."""
    from negpersona.monitor.history import history_path, read_history

    if not history_path(personas_dir).exists():
        from negpersona.errors import DataError

        raise DataError(
            f"No history in {personas_dir} (no {history_path(personas_dir).name}).",
            "Runs of 'negpersona discover', 'policy' and 'recheck' on this folder record one.",
            code="history.missing",
        )
    runs, personas = read_history(personas_dir)
    if as_json:
        sys.stdout.write(to_json({"runs": runs, "personas": personas}))
        return
    table = Table(title=f"History of {personas_dir}")
    for header in ("When", "Run", "Records", "Baseline", "Excluded", "Summary"):
        table.add_column(header, overflow="fold")
    for run in runs:
        summary = run.get("summary")
        if isinstance(summary, dict):
            summary = ", ".join(f"{k}: {v}" for k, v in summary.items() if v not in (None, []))
        table.add_row(
            (run["created"] or "")[:19].replace("T", " "),
            run["kind"],
            f"{run['records']:,}" if run.get("records") is not None else "–",
            f"{run['baseline_rate']:.1%}" if run.get("baseline_rate") is not None else "–",
            escape(", ".join(run.get("excluded") or []) or "none"),
            escape(str(summary or "")),
        )
    out.print(table)
    rates = Table(title="Each persona over runs")
    for header in ("Persona", "Run", "Status", "Records", "Rate [95% CI]"):
        rates.add_column(header, overflow="fold")
    kinds = {run["run_id"]: run for run in runs}
    for row in personas:
        low, high = row.get("rate_low"), row.get("rate_high")
        rate = row.get("rate")
        rates.add_row(
            escape(f"{row['name']} ({row['persona_id']})"),
            f"{kinds[row['run_id']]['kind']} {(kinds[row['run_id']]['created'] or '')[:10]}",
            row.get("status") or "",
            f"{row['records']:,}" if row.get("records") is not None else "–",
            f"{rate:.1%} [{low:.1%}–{high:.1%}]" if rate is not None and low is not None else "–",
        )
    out.print(rates)
