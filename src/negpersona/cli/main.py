"""The ``negpersona`` command line: a thin shell over the library.

Commands print tables to stdout and progress to stderr (so stdout stays pipeable). One module per
command group registers its commands on the shared app (:mod:`negpersona.cli.common`); user
mistakes end with a one-line message and a non-zero exit code, never a traceback.
"""

from __future__ import annotations

from negpersona.cli import apply, discover, monitor, serve  # noqa: F401  (they register commands)
from negpersona.cli.common import app


def main() -> None:
    """Console-script entry point."""
    app()


if __name__ == "__main__":
    main()
