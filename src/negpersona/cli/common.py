"""What every command shares: the Typer app, the consoles, shared options and the error handler.

User mistakes raise a :class:`~negpersona.errors.NegPersonaError` in the library; the app's group
catches it once (:class:`HandledGroup`) and ends with a one-line message and the error's exit
code, never a traceback.
"""

from __future__ import annotations

from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.console import Console
from rich.markup import escape
from rich.progress import Progress, SpinnerColumn, TextColumn, TimeElapsedColumn
from typer.core import TyperGroup

from negpersona.cli.hints import cli_text
from negpersona.errors import NegPersonaError

if TYPE_CHECKING:
    from negpersona.config.spec import Spec

# Commands import the library inside their bodies: `negpersona --help` and `score` of one lead
# start in a fraction of a second instead of waiting for pandas, Ibis and pydantic to load.

# The order of ``negpersona --help``: the workflow, not the order modules register commands in.
COMMAND_ORDER = (
    "init", "audit", "discover", "demo", "show", "report",
    "policy", "apply", "score", "export", "sql", "impact", "recheck", "history", "serve",
)  # fmt: skip


class HandledGroup(TyperGroup):
    """Runs a command and turns a library error into the one-line message and its exit code."""

    def list_commands(self, ctx):  # type: ignore[no-untyped-def]
        rank = {name: i for i, name in enumerate(COMMAND_ORDER)}
        return sorted(super().list_commands(ctx), key=lambda name: (rank.get(name, 99), name))

    def invoke(self, ctx):  # type: ignore[no-untyped-def]
        try:
            return super().invoke(ctx)
        except NegPersonaError as error:
            fail(error)


app = typer.Typer(
    name="negpersona",
    cls=HandledGroup,
    help="Find, explain and apply negative personas: who is unlikely to become a (good) customer.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
out = Console()
err = Console(stderr=True)

# Arguments and options shared by several commands, declared once.
DataArgument = Annotated[
    str | None,
    typer.Argument(help="CSV/Parquet path or database URL (default: source in the spec)."),
]
ConfigOption = Annotated[
    Path | None,
    typer.Option("--config", "-c", help="Spec file (default ./negpersona.yaml if present)."),
]
TargetOption = Annotated[str | None, typer.Option(help="Outcome column.")]
PositiveOption = Annotated[
    list[str] | None, typer.Option(help="Value(s) of the outcome that mean the event (repeatable).")
]
IdOption = Annotated[str | None, typer.Option("--id", help="Record id column.")]
DelimiterOption = Annotated[str | None, typer.Option(help="CSV delimiter (sniffed by default).")]
TableOption = Annotated[str | None, typer.Option(help="Table name inside a database URL.")]
QuietOption = Annotated[bool, typer.Option("--quiet", "-q", help="No progress display.")]
AllowColumnOption = Annotated[
    list[str] | None,
    typer.Option(
        "--allow-column",
        help="Column set aside by default (calendar position: month, day, ...) allowed in "
        "conditions (repeatable).",
    ),
]


@app.callback()
def _root() -> None:
    """negpersona: negative personas from your CRM, deal and survey data."""


@contextmanager
def stages(quiet: bool):
    """A Rich progress display on stderr that shows the current stage."""
    if quiet:
        yield lambda _stage: None
        return
    with Progress(
        SpinnerColumn(),
        TextColumn("{task.description}"),
        TimeElapsedColumn(),
        console=err,
        transient=True,
    ) as progress:
        task = progress.add_task("Starting", total=None)
        yield lambda stage: progress.update(task, description=stage)


def fail(error: NegPersonaError) -> None:
    text = cli_text(error)  # the library's words, with CLI options for settings
    err.print(f"[bold red]Error:[/] {escape(text)}", highlight=False, soft_wrap=True)
    raise typer.Exit(error.exit_code)


def say(text: str) -> None:
    """Print data-derived text literally (file and column names may contain [brackets])."""
    out.print(text, markup=False, highlight=False)


def load_settings(config: Path | None) -> Spec:
    from negpersona.config.spec import Spec, load_spec

    if config is not None:
        return load_spec(config)
    default = Path("negpersona.yaml")
    return load_spec(default) if default.exists() else Spec()
