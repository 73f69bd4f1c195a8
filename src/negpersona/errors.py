"""User-facing errors.

Everything a user can cause (a missing file, an unknown column, an outcome with one class) raises
:class:`NegPersonaError` with a message that names the thing and says what to do. The CLI prints
these as one line and exits non-zero without a traceback; anything else is a bug and keeps its
traceback.
"""

from __future__ import annotations


class NegPersonaError(Exception):
    """A problem with the user's input or settings, explained in plain words."""

    exit_code = 1

    def __init__(self, message: str, hint: str | None = None) -> None:
        self.message = message
        self.hint = hint
        super().__init__(message if hint is None else f"{message} {hint}")


class DataError(NegPersonaError):
    """The data cannot be read or does not support the requested analysis."""


class ConfigError(NegPersonaError):
    """The spec file or an option is invalid."""

    exit_code = 2
