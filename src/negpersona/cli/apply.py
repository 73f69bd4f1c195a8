"""Commands that apply personas: apply, sql, policy, export, impact, score.

Registered on the shared Typer app (``cli/common.py``); each command is a thin
shell over the library (``personaset``, ``sqlgen``, ``policy``, ``audiences``, ``impact``).
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.markup import escape
from rich.table import Table

from negpersona.cli.common import (
    ConfigOption,
    QuietOption,
    app,
    err,
    load_settings,
    out,
    say,
    stages,
)
from negpersona.errors import DataError

if TYPE_CHECKING:
    from negpersona.apply.personas import Personas

PersonasArgument = Annotated[
    Path,
    typer.Argument(help="A folder written by 'discover' (personas.json, personas/, policy.json)."),
]
DataArgument = Annotated[
    str, typer.Argument(help="CSV/Parquet path or database URL to apply them to.")
]
IdColumnOption = Annotated[
    str | None, typer.Option("--id-column", help="Record id column (default: the spec's id).")
]


def _load(folder: Path) -> Personas:
    from negpersona.apply.personas import Personas

    personas = Personas.load(folder)
    for warning in personas.warnings:
        err.print(f"[yellow]Warning:[/] {escape(warning)}", highlight=False, soft_wrap=True)
    return personas


@app.command("apply")
def apply_command(
    personas_dir: PersonasArgument,
    data: DataArgument,
    out_file: Annotated[
        Path,
        typer.Option("--out", "-o", help="matches.parquet or matches.csv (written atomically)."),
    ] = Path("matches.parquet"),
    id_column: IdColumnOption = None,
    all_columns: Annotated[
        bool, typer.Option("--all-columns", help="Keep every input column, not only the id.")
    ] = False,
    config: ConfigOption = None,
    quiet: QuietOption = False,
) -> None:
    """Tag every record with the personas it matches and the action the policy recommends."""
    from negpersona.apply.personas import write_matches

    spec = load_settings(config)
    personas = _load(personas_dir)
    with stages(quiet) as progress:
        progress("Matching records")
        matched = personas.match(
            data, spec=spec, id_column=id_column, keep_columns=all_columns or None
        )
        write_matches(matched, out_file)
        counts = _action_counts(out_file)  # from the written file: no second pass over DATA
    total = sum(counts.values())
    say(
        f"{total:,} records: {counts.get('exclude', 0):,} exclude, {counts.get('holdout', 0):,} "
        f"holdout (kept targeted to measure the exclusion), {counts.get('target', 0):,} target."
    )
    say(f"Excluded personas: {', '.join(personas.excluded) or 'none'}.")
    if reason := personas.nothing_excluded_because():
        say(reason)
    say(f"Wrote {out_file}.")


def _action_counts(path: Path) -> dict[str, int]:
    import ibis

    con = ibis.duckdb.connect()
    written = con.read_parquet(path) if path.suffix.lower() == ".parquet" else con.read_csv(path)
    rows = (
        written.group_by("negative_persona_action")
        .aggregate(n=written.count())
        .to_pyarrow()
        .to_pylist()
    )
    return {row["negative_persona_action"]: int(row["n"]) for row in rows}


@app.command("sql")
def sql_command(
    personas_dir: PersonasArgument,
    dialect: Annotated[
        str, typer.Option(help="SQL dialect: duckdb, postgres, snowflake, bigquery, spark, …")
    ] = "duckdb",
    table: Annotated[str, typer.Option(help="Table (or view) holding the records.")] = "leads",
    schema: Annotated[str | None, typer.Option(help="Schema of the table.")] = None,
    id_column: IdColumnOption = None,
    expression_only: Annotated[
        bool, typer.Option("--expression", help="Print only the CASE … END AS negative_persona.")
    ] = False,
) -> None:
    """Print the personas as SQL: a CASE expression and a SELECT for a CRM or warehouse view."""
    from negpersona.apply.sqlgen import SqlPersona, expression_sql, select_statement

    personas = _load(personas_dir)
    excluded = set(personas.excluded)
    items = [SqlPersona(p.id, tuple(p.conditions), p.id in excluded) for p in personas.personas]
    id_column = id_column or personas.settings.get("id")
    if expression_only:
        text = expression_sql(items, dialect)
    else:
        text = select_statement(
            items,
            table=table,
            schema=schema,
            dialect=dialect,
            id_column=id_column,
            holdout=personas.holdout if excluded else 0.0,
            salt=personas.salt,
        )
    sys.stdout.write(text.rstrip() + "\n")


@app.command("policy")
def policy_command(
    personas_dir: PersonasArgument,
    rule: Annotated[
        str | None, typer.Option(help="max_conversion_loss, break_even, all or none.")
    ] = None,
    max_conversion_loss: Annotated[
        float | None, typer.Option(help="Largest share of conversions the exclusion may lose.")
    ] = None,
    cost: Annotated[float | None, typer.Option(help="Cost of reaching one record.")] = None,
    value: Annotated[float | None, typer.Option(help="Value of one conversion.")] = None,
    holdout: Annotated[
        float | None, typer.Option(help="Share of excluded records kept targeted (0–0.5).")
    ] = None,
    salt: Annotated[str | None, typer.Option(help="Salt of the holdout hash.")] = None,
    exclude: Annotated[
        list[str] | None, typer.Option(help="Persona id to exclude whatever the rule (repeatable).")
    ] = None,
    keep: Annotated[
        list[str] | None, typer.Option(help="Persona id never to exclude (repeatable).")
    ] = None,
    resume: Annotated[
        str | None,
        typer.Option(help="Persona id whose exclusion a re-check paused: exclude it again."),
    ] = None,
    config: ConfigOption = None,
) -> None:
    """Choose the personas to exclude by a rule and write policy.json (no data needed)."""
    from datetime import date

    from negpersona.apply.personas import policy_for
    from negpersona.cli.monitor import record_run
    from negpersona.config.spec import validate_spec
    from negpersona.model.document import PolicyDocument, write_document
    from negpersona.model.persona import DiscoveryResult
    from negpersona.monitor.history import check_history, policy_entry
    from negpersona.monitor.review import resume as resume_persona

    check_history(personas_dir)
    if resume:
        policy = resume_persona(personas_dir, resume, date.today())
        record_run(Path(personas_dir), policy_entry(policy))
        say(f"Exclusion of {resume} resumed: policy.json excludes {', '.join(policy['excluded'])}.")
        return
    spec = load_settings(config)
    data = spec.policy.model_dump()
    overrides = {
        "rule": rule,
        "max_conversion_loss": max_conversion_loss,
        "cost_per_record": cost,
        "value_per_conversion": value,
        "holdout": holdout,
        "salt": salt,
        "exclude": exclude,
        "keep": keep,
    }
    data.update({key: item for key, item in overrides.items() if item not in (None, [])})
    # Validated as part of the spec, so errors name the field as for every other setting.
    settings = validate_spec({**spec.model_dump(), "policy": data}, "options").policy
    result = DiscoveryResult.read(personas_dir)
    policy = policy_for(result, settings)
    paused = _paused(Path(personas_dir) / "policy.json")
    if paused:  # a re-check's pause stays until 'policy --resume', whatever the rule
        held = [item["id"] for item in paused]
        policy["paused"] = paused
        policy["excluded"] = [pid for pid in policy["excluded"] if pid not in held]
        policy.setdefault("notes", []).append(
            f"Exclusion of {', '.join(held)} stays paused by a re-check; "
            "'negpersona policy --resume ID' excludes it again."
        )
    write_document(Path(personas_dir) / "policy.json", PolicyDocument, policy)
    record_run(Path(personas_dir), policy_entry(policy))
    out.print(_curve_table(policy))
    chosen = policy["excluded"]
    say(f"Rule {policy['rule']}: exclude {len(chosen)} persona(s): {', '.join(chosen) or 'none'}.")
    say(policy["summary"])
    say(f"Wrote {Path(personas_dir) / 'policy.json'}.")


def _paused(path: Path) -> list[dict]:
    """The paused personas of the current policy.json (none when absent or unreadable)."""
    try:
        return list(json.loads(path.read_text(encoding="utf-8")).get("paused", []))
    except (OSError, ValueError, AttributeError):
        return []


def _curve_table(policy: dict) -> Table:
    table = Table(title=f"Exclusion trade-off ({policy['basis']})")
    for header in ("Step", "Adds persona", "Records excluded", "Conversions lost", "Net value"):
        table.add_column(header, overflow="fold")
    for step in policy["curve"][1:]:
        mark = " ◀" if step["step"] == policy["chosen_step"] else ""
        net = step.get("net_value")
        added = (
            f" +{step['records_added']:,}" if "records_added" in step else "",
            f" +{step['conversions_added']:,}" if "conversions_added" in step else "",
        )
        table.add_row(
            f"{step['step']}{mark}",
            escape(step["name"]),
            f"{step['records_share']:.1%} ({step['records']:,}{added[0]})",
            f"{step['conversions_share']:.1%} ({step['conversions']:,}{added[1]})",
            "–" if net is None else f"{net:,.0f}",
        )
    return table


@app.command("export")
def export_command(
    personas_dir: PersonasArgument,
    data: DataArgument,
    fmt: Annotated[
        str,
        typer.Option("--format", "-f", help="ids, google, meta, linkedin, hubspot or salesforce."),
    ] = "ids",
    out_file: Annotated[Path, typer.Option("--out", "-o", help="File to write (CSV).")] = Path(
        "audience.csv"
    ),
    id_column: IdColumnOption = None,
    email_column: Annotated[str | None, typer.Option(help="Column with email addresses.")] = None,
    phone_column: Annotated[str | None, typer.Option(help="Column with phone numbers.")] = None,
    country_column: Annotated[
        str | None, typer.Option(help="Column with ISO country codes (for phone numbers).")
    ] = None,
    default_country: Annotated[
        str | None, typer.Option(help="Country of phone numbers without one (ISO, e.g. US).")
    ] = None,
    unhashed: Annotated[
        bool, typer.Option("--unhashed", help="Write normalized personal data without hashing.")
    ] = False,
    config: ConfigOption = None,
    quiet: QuietOption = False,
) -> None:
    """Write a suppression list, CRM tags or an ad platform's exclusion-audience file."""
    from negpersona.apply.audiences import (
        CRM_FORMATS,
        audience_frame,
        audience_notes,
        write_audience,
    )

    spec = load_settings(config)
    contact = spec.export
    personas = _load(personas_dir)
    with stages(quiet) as progress:
        progress("Matching records")
        columns = {
            "id_column": id_column or spec.id or personas.settings.get("id"),
            "email_column": email_column or contact.email_column,
            "phone_column": phone_column or contact.phone_column,
            "country_column": country_column or contact.country_column,
        }
        frame = personas.audience_records(data, fmt, spec=spec, **columns)
        progress("Writing the audience file")
        audience = audience_frame(
            frame,
            fmt,
            **columns,
            default_country=default_country or contact.default_country,
            hashed=not unhashed,
        )
        write_audience(audience, out_file, fmt)
    reason = personas.nothing_excluded_because() if fmt not in CRM_FORMATS else None
    if reason:  # an empty exclusion file, and why
        err.print(f"[yellow]Note:[/] {escape(reason)}", highlight=False, soft_wrap=True)
    for note in audience_notes(fmt, len(audience), dropped=audience.attrs.get("dropped", 0)):
        err.print(f"[yellow]Note:[/] {escape(note)}", highlight=False, soft_wrap=True)
    say(f"Wrote {len(audience):,} rows to {out_file} ({fmt}).")


@app.command("impact")
def impact_command(
    personas_dir: PersonasArgument,
    data: DataArgument,
    id_column: IdColumnOption = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print the estimate as JSON.")] = False,
    config: ConfigOption = None,
    quiet: QuietOption = False,
) -> None:
    """Estimate what the policy does to DATA: spend saved, conversions and revenue at risk."""
    from negpersona.apply.impact import impact
    from negpersona.model.atomic import to_json

    spec = load_settings(config)
    personas = _load(personas_dir)
    with stages(quiet) as progress:
        progress("Applying the policy")
        estimate = impact(personas, data, spec=spec, id_column=id_column)
    if as_json:
        sys.stdout.write(to_json(estimate))
        return
    for line in _impact_lines(estimate):
        say(line)


def _impact_lines(estimate: dict) -> list[str]:
    low, high = estimate["expected_conversions_lost_ci"]
    random = estimate["random_exclusion"]
    lines = [
        f"Records: {estimate['records']:,}; excluded {estimate['excluded']:,} "
        f"({estimate['excluded_share']:.1%}), holdout {estimate['holdout']:,}.",
        f"Expected conversions lost: {estimate['expected_conversions_lost']:,.1f} "
        f"(95% CI {low:,.1f}–{high:,.1f}); excluding as many records at random: "
        f"{random['expected_conversions_lost']:,.1f}.",
    ]
    if "spend_saved" in estimate:
        lines.append(f"Spend saved: {estimate['spend_saved']:,.0f}.")
    if "value_at_risk" in estimate:
        v_low, v_high = estimate["value_at_risk_ci"]
        lines.append(
            f"Value at risk: {estimate['value_at_risk']:,.0f} (95% CI {v_low:,.0f}–{v_high:,.0f}); "
            f"at random: {random['value_lost']:,.0f}."
        )
    seen = estimate.get("observed")
    if seen:
        r_low, r_high = seen["random_exclusion_conversions_ci"]
        lines.append(
            f"Observed in this data: {seen['conversions_excluded']:,} of {seen['conversions']:,} "
            f"conversions among the excluded ({seen['conversions_excluded_share']:.1%}); at random "
            f"{seen['random_exclusion_conversions']:,.1f} (95% {r_low:,.1f}–{r_high:,.1f})."
        )
        if "holdout_rate" in seen:
            lines.append(
                f"Holdout converted at {seen['holdout_rate']:.1%} (95% CI "
                f"{seen['holdout_rate_ci'][0]:.1%}–{seen['holdout_rate_ci'][1]:.1%}); the personas "
                f"expected {seen['holdout_expected_rate']:.1%}."
            )
    return lines


@app.command("score")
def score_command(
    personas_dir: PersonasArgument,
    id_column: IdColumnOption = None,
    config: ConfigOption = None,
) -> None:
    """Score records given as JSON lines on stdin; print matches and the action as JSON lines."""
    spec = load_settings(config) if config is not None else None
    personas = _load(personas_dir)
    records = []
    for number, line in enumerate(sys.stdin, start=1):
        if not line.strip():
            continue
        try:
            records.append(json.loads(line))
        except json.JSONDecodeError as exc:
            raise DataError(
                f"Line {number} of the input is not JSON ({exc.msg}).",
                "Send one JSON object per line.",
            ) from None
    if not records:
        raise DataError("No records on stdin.", "Send one JSON object per line.")
    scored = personas.score(records, id_column=id_column, spec=spec)
    for item in scored:
        sys.stdout.write(json.dumps(item, default=str) + "\n")
