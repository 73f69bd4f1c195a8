"""How the command line words the library's errors: options instead of settings.

The library says what to change in the terms every caller shares (``outcome.positive``); here the
CLI says it in its own options (``--positive``), keyed by the error's ``code``. An error whose
code is not listed is printed as the library wrote it. ``tests/test_cli_hints.py`` checks that
every option named here exists.
"""

from __future__ import annotations

from collections.abc import Callable

from negpersona.errors import NegPersonaError

Wording = Callable[[NegPersonaError], tuple[str | None, str | None]]


def _hint(text: str) -> Wording:
    """Keep the library's message, replace its hint."""
    return lambda error: (None, text)


def _unknown_column(error: NegPersonaError) -> tuple[str | None, str | None]:
    hint = error.hint or ""
    library = " The file was read as one column: set delimiter: (e.g. delimiter: ';')."
    if error.details.get("one_column"):
        hint = hint.replace(
            library, " The file was read as one column: pass --delimiter (e.g. --delimiter ';')."
        )
    return None, hint


def _unreadable(error: NegPersonaError) -> tuple[str | None, str | None]:
    hint = (error.hint or "").replace("set delimiter:", "pass --delimiter")
    return None, hint


def _missing_columns(error: NegPersonaError) -> tuple[str | None, str | None]:
    hint = (error.hint or "").replace(
        "use the spec with its related: section", "pass --config with the spec's related: section"
    )
    return None, hint


def _positive_value(kind: str) -> Wording:
    return lambda error: (f"--positive {error.details['value']!r} {kind}", None)


CLI_WORDING: dict[str, Wording] = {
    "output.not_a_folder": lambda error: (
        f"--out {error.details['path']} is a file, not a folder.",
        None,
    ),
    "report.not_a_folder": _hint("Pass the folder that 'negpersona discover --out' wrote."),
    "split.every_column_drifts": _hint(
        "Personas would describe the period, not people; allow a column with "
        "--allow-column or check the time column."
    ),
    "audit.failed": _hint(
        "Fix the data or the spec (see audit.json), or pass --force to go on anyway."
    ),
    "data.too_few_discovery_records": _hint(
        "Add data, lower --min-records, or lower --confirm-fraction."
    ),
    "outcome.no_positives": _hint(
        "Check --target/--positive: a negative persona needs a baseline rate above zero."
    ),
    "business.no_cost": _hint("Pass --cost AMOUNT or set cost: COLUMN in the spec."),
    "business.no_value": _hint("Pass --value AMOUNT or set value: COLUMN in the spec."),
    "sql.holdout_needs_id": _hint(
        "Pass the id column (--id-column, or id: in the spec), or set the holdout to 0 "
        "('negpersona policy DIR --holdout 0')."
    ),
    "apply.holdout_needs_id": _hint(
        "Pass --id-column (or set id: in the spec), or keep no holdout "
        "('negpersona policy DIR --holdout 0')."
    ),
    "apply.missing_columns": _missing_columns,
    "policy.break_even_needs_money": _hint(
        "Set policy.cost_per_record and policy.value_per_conversion (or --cost/--value)."
    ),
    "split.time_not_a_date": _hint(
        "Name a date/timestamp column with --time, or leave it out for a random split."
    ),
    "split.time_unreadable": _hint(
        "Check its format (ISO dates such as 2024-05-31 work) or leave --time out."
    ),
    "source.unreadable": _unreadable,
    "source.no_table": _hint("Add ?table=NAME to the URL or pass --table NAME."),
    "data.unknown_column": _unknown_column,
    "outcome.missing": _hint(
        "Pass --target COLUMN (and --positive VALUE if needed), or set outcome: in negpersona.yaml."
    ),
    "outcome.no_values": _hint("Choose another --target."),
    "outcome.positive_not_found": lambda error: (
        None,
        f"Values there include {error.details['shown']}; pass one of them with --positive.",
    ),
    "outcome.ambiguous_positive": _hint(
        "Pass --positive VALUE (repeatable) to say which values count as the event."
    ),
    "outcome.unclear_positive": _hint("Pass --positive VALUE."),
    "outcome.positive_not_boolean": _positive_value("is not a yes/no value for a boolean outcome."),
    "outcome.positive_not_numeric": _positive_value("is not a number, but the outcome is numeric."),
}


def cli_text(error: NegPersonaError) -> str:
    """The one line the CLI prints for ``error``: its message and hint in CLI terms."""
    wording = CLI_WORDING.get(error.code)
    message, hint = wording(error) if wording else (None, None)
    message = message or error.message
    hint = error.hint if hint is None else hint
    return message if not hint else f"{message} {hint}"
