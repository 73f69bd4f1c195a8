"""Commands that find and explain personas: init, discover, audit, demo, show, report."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.markup import escape

from negpersona.cli.common import (
    AllowColumnOption,
    ConfigOption,
    DataArgument,
    DelimiterOption,
    IdOption,
    PositiveOption,
    QuietOption,
    TableOption,
    TargetOption,
    app,
    err,
    fail,
    load_settings,
    out,
    say,
    stages,
)
from negpersona.cli.monitor import record_run, review_reminders
from negpersona.errors import ConfigError, NegPersonaError
from negpersona.model.atomic import to_json, write_text
from negpersona.monitor.history import check_history, discovery_entry

if TYPE_CHECKING:
    from negpersona.model.persona import DiscoveryResult


def print_result(result: DiscoveryResult) -> None:
    from negpersona.present.terminal import personas_table, summary_lines

    for line in summary_lines(result):
        say(line)
    out.print(personas_table(result))


def print_audit(audit: dict) -> None:
    """The audit findings as a table, errors first."""
    from rich.table import Table

    order = {"error": 0, "warning": 1, "info": 2}
    findings = sorted(audit.get("findings", []), key=lambda f: order.get(f["severity"], 3))
    table = Table(title="Data audit", show_lines=False)
    for header in ("Severity", "Kind", "Column", "Finding", "Suggestion"):
        table.add_column(header, overflow="fold")
    colors = {"error": "bold red", "warning": "yellow", "info": "dim"}
    for finding in findings:
        table.add_row(
            f"[{colors.get(finding['severity'], '')}]{finding['severity']}[/]",
            escape(finding["kind"]),
            escape(finding.get("column") or "–"),
            escape(finding["message"]),
            escape(finding.get("suggestion") or ""),
        )
    out.print(table)


def print_policy(policy: dict) -> None:
    """What the policy excludes (or why nothing), in one place for every command."""
    summary = policy.get("summary") or f"Excludes {len(policy['excluded'])} persona(s)."
    holdout = (
        f" {policy['holdout']:.0%} of their records stay targeted as a holdout."
        if policy["excluded"]
        else ""
    )
    say(f"Policy ({policy['rule']}): {summary}{holdout} See policy.json.")


@app.command()
def init(
    data: Annotated[str, typer.Argument(help="CSV/Parquet path or database URL.")],
    out_file: Annotated[Path, typer.Option("--out", "-o", help="Where to write the draft.")] = Path(
        "negpersona.yaml"
    ),
    target: Annotated[str | None, typer.Option(help="Outcome column, if you know it.")] = None,
    delimiter: DelimiterOption = None,
    force: Annotated[bool, typer.Option(help="Overwrite an existing file.")] = False,
) -> None:
    """Draft a negpersona.yaml from the data: column types, outcome guess, id/date/text columns."""
    from negpersona.data.draft import draft_spec, draft_yaml

    if out_file.exists() and not force:
        raise NegPersonaError(
            f"{out_file} exists.", "Pass --force to overwrite it or --out another path."
        )
    spec = draft_spec(data, target=target, delimiter=delimiter, spec_path=out_file)
    write_text(out_file, draft_yaml(spec))
    outcome = spec["outcome"].get("column") or "none found: set outcome.column"
    say(f"Wrote {out_file}: outcome {outcome}, {len(spec['columns'])} columns.")
    if spec["sensitive"]:
        say(f"Sensitive columns set aside: {', '.join(spec['sensitive'])}.")


@app.command()
def discover(
    data: DataArgument = None,
    out_dir: Annotated[Path, typer.Option("--out", "-o", help="Output folder.")] = Path("out"),
    config: ConfigOption = None,
    target: TargetOption = None,
    positive: PositiveOption = None,
    kind: Annotated[
        str | None, typer.Option(help="conversion | churn | win_loss (churned = non-fit).")
    ] = None,
    id_column: IdOption = None,
    time: Annotated[
        str | None, typer.Option(help="Time column: the latest records confirm (out-of-time).")
    ] = None,
    value_column: Annotated[
        str | None, typer.Option(help="Column with the value of a conversion.")
    ] = None,
    cost_column: Annotated[
        str | None, typer.Option(help="Column with the cost of a record.")
    ] = None,
    exclude: Annotated[
        list[str] | None, typer.Option(help="Column never used in conditions (repeatable).")
    ] = None,
    allow_sensitive: Annotated[
        list[str] | None, typer.Option(help="Sensitive column allowed in conditions (repeatable).")
    ] = None,
    allow_column: AllowColumnOption = None,
    depth: Annotated[
        int | None, typer.Option(help="Most conditions per segment (1–4, default 3).")
    ] = None,
    min_support: Annotated[
        float | None, typer.Option(help="Smallest segment as a share of records (default 0.01).")
    ] = None,
    min_records: Annotated[
        int | None, typer.Option(help="Smallest segment in records (default 30).")
    ] = None,
    max_rate_ratio: Annotated[
        float | None, typer.Option(help="Negative = rate at most this × baseline (default 0.5).")
    ] = None,
    bins: Annotated[
        int | None, typer.Option(help="Quantile bins per numeric column (default 5).")
    ] = None,
    max_categories: Annotated[
        int | None, typer.Option(help="Top values kept per categorical column (default 20).")
    ] = None,
    measure: Annotated[str | None, typer.Option(help="wracc (default) or savings.")] = None,
    cost: Annotated[float | None, typer.Option(help="Cost of one record (business mode).")] = None,
    value: Annotated[
        float | None, typer.Option(help="Value of one conversion (business mode).")
    ] = None,
    confirm: Annotated[
        bool | None, typer.Option("--confirm/--no-confirm", help="Confirm on held-out records.")
    ] = None,
    confirm_fraction: Annotated[
        float | None, typer.Option(help="Share of records held out (default 0.3).")
    ] = None,
    alpha: Annotated[float | None, typer.Option(help="Significance level (default 0.05).")] = None,
    correction: Annotated[str | None, typer.Option(help="holm (default) or fdr_bh.")] = None,
    jaccard: Annotated[
        float | None, typer.Option(help="Member overlap above which two segments are duplicates.")
    ] = None,
    max_personas: Annotated[
        int | None, typer.Option(help="Most personas returned (default 8).")
    ] = None,
    seed: Annotated[int | None, typer.Option(help="Seed of the random split.")] = None,
    force: Annotated[
        bool | None, typer.Option("--force", help="Go on despite audit errors.")
    ] = None,
    keep_immature: Annotated[
        bool | None,
        typer.Option("--keep-immature", help="Keep records too young to have converted."),
    ] = None,
    run_audit: Annotated[
        bool | None, typer.Option("--audit/--no-audit", help="Audit the data first (default on).")
    ] = None,
    raw_top: Annotated[
        int | None,
        typer.Option(
            help="Also write raw_top.json: the K best segments of the search on all records."
        ),
    ] = None,
    delimiter: DelimiterOption = None,
    table: TableOption = None,
    quiet: QuietOption = False,
) -> None:
    """Find negative personas and write personas.json and personas/*.yaml to --out."""
    from negpersona.discovery import AuditFailed
    from negpersona.discovery import discover as run

    try:
        spec = load_settings(config)
        overrides = dict(
            target=target, positive=positive, kind=kind, id=id_column, time=time,
            value_column=value_column, cost_column=cost_column, exclude=exclude,
            allow_sensitive=allow_sensitive, allow_columns=allow_column, depth=depth,
            min_support=min_support, min_records=min_records, max_rate_ratio=max_rate_ratio,
            bins=bins, max_categories=max_categories, measure=measure, cost=cost, value=value,
            confirm=confirm, confirm_fraction=confirm_fraction, alpha=alpha,
            correction=correction, jaccard=jaccard, max_personas=max_personas, seed=seed,
            delimiter=delimiter, table=table, force=force, keep_immature=keep_immature,
            run_audit=run_audit,
        )  # fmt: skip
        spec = spec.with_overrides(**overrides)
        if out_dir.is_dir():
            check_history(out_dir)  # a damaged history fails now, before the run's work
        with stages(quiet) as progress:
            result = run(data, spec, raw_top=raw_top, progress=progress)
            result.write(out_dir)
        record_run(out_dir, discovery_entry(result, str(data) if data else None))
    except AuditFailed as error:
        print_audit(error.report.to_dict())
        if not (out_dir.exists() and not out_dir.is_dir()):
            error.report.write(
                out_dir / "audit.json"
            )  # the evidence, complete, for fixing the data
        fail(error)
    print_result(result)
    say(
        f"Wrote {out_dir / 'personas.json'} and {len(result.personas)} file(s) in {out_dir / 'personas'}."
    )
    if result.policy is not None:
        print_policy(result.policy)


@app.command()
def audit(
    data: DataArgument = None,
    out_dir: Annotated[
        Path, typer.Option("--out", "-o", help="Output folder for audit.json.")
    ] = Path("out"),
    config: ConfigOption = None,
    target: TargetOption = None,
    positive: PositiveOption = None,
    id_column: IdOption = None,
    time: Annotated[
        str | None, typer.Option(help="Created-at column (maturity, time order).")
    ] = None,
    exclude: Annotated[
        list[str] | None, typer.Option(help="Column not audited for leakage (repeatable).")
    ] = None,
    allow_column: AllowColumnOption = None,
    delimiter: DelimiterOption = None,
    table: TableOption = None,
    quiet: QuietOption = False,
) -> None:
    """Check the data before building personas: missing, placeholders, duplicates, leakage, maturity."""
    from negpersona.discovery import audit_data, read_data

    spec = load_settings(config).with_overrides(
        target=target, positive=positive, id=id_column, time=time, exclude=exclude,
        allow_columns=allow_column, delimiter=delimiter, table=table,
    )  # fmt: skip
    if out_dir.exists() and not out_dir.is_dir():
        raise NegPersonaError(f"--out {out_dir} is a file, not a folder.")
    with stages(quiet) as progress:  # the same head as discover: related tables joined
        report = audit_data(read_data(data, spec, progress=progress), spec, progress=progress)
    report.write(out_dir / "audit.json")
    print_audit(report.to_dict())
    say(f"Wrote {out_dir / 'audit.json'}.")
    if report.errors():
        raise typer.Exit(1)


@app.command()
def demo(
    out_dir: Annotated[Path, typer.Option("--out", "-o", help="Output folder.")] = Path("out/demo"),
    rows: Annotated[int, typer.Option(help="Leads to generate.")] = 50_000,
    seed: Annotated[int, typer.Option(help="Seed of the generator.")] = 7,
    quiet: QuietOption = False,
) -> None:
    """Generate the built-in B2B SaaS lead data and run discovery on it."""
    from negpersona.discovery.demo import run_demo

    with stages(quiet) as progress:
        result, data_path = run_demo(out_dir, rows=rows, seed=seed, progress=progress)
        record_run(out_dir, discovery_entry(result, str(data_path)))
        progress("Writing the report")
        from negpersona.present.report import write_report

        report_path, _warnings = write_report(out_dir, "html")
    if result.audit:
        print_audit(result.audit)
    say(
        f"Demo data: {data_path} ({rows:,} leads, seed {seed}) with events.csv, churn_survey.csv "
        f"and deals.csv; spec: {out_dir / 'negpersona.yaml'}"
    )
    print_result(result)
    say(
        f"Wrote {out_dir / 'personas.json'} and {len(result.personas)} file(s) in {out_dir / 'personas'}."
    )
    if result.policy is not None:
        print_policy(result.policy)
        say(
            f"Apply it: 'negpersona apply {out_dir} {data_path} -c {out_dir / 'negpersona.yaml'}'; "
            f"the exclusion audience is {out_dir / 'excluded_ids.csv'}."
        )
    say(f"Report: {report_path} (open it in a browser; it works offline).")


@app.command()
def show(
    out_dir: Annotated[Path, typer.Argument(help="A folder written by 'discover'.")] = Path("out"),
    as_json: Annotated[bool, typer.Option("--json", help="Print personas.json.")] = False,
) -> None:
    """Show the personas of an earlier run."""
    from negpersona.explain.edits import apply_edits
    from negpersona.model.persona import DiscoveryResult

    result = DiscoveryResult.read(out_dir)
    warnings = apply_edits(result, out_dir)  # names and notes people set in the YAML files
    for warning in warnings:
        err.print(f"[yellow]Warning:[/] {escape(warning)}", highlight=False, soft_wrap=True)
    if as_json:
        sys.stdout.write(to_json(result.to_dict()))
        return
    print_result(result)
    for line in review_reminders(result.personas):
        say(line)


@app.command()
def report(
    out_dir: Annotated[Path, typer.Argument(help="A folder written by 'discover'.")] = Path("out"),
    fmt: Annotated[
        str, typer.Option("--format", "-f", help="html (self-contained page), md or json.")
    ] = "html",
) -> None:
    """Write OUT_DIR/report.html: one self-contained page with a card per persona."""
    from negpersona.present.report import write_report

    if fmt not in ("html", "md", "json"):
        raise ConfigError(f"Unknown --format {fmt!r}.", "Use html, md or json.")
    path, warnings = write_report(out_dir, fmt)  # type: ignore[arg-type]
    for warning in warnings:
        err.print(f"[yellow]Warning:[/] {escape(warning)}", highlight=False, soft_wrap=True)
