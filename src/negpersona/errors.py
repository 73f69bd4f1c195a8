"""User-facing errors.

Everything a user can cause (a missing file, an unknown column, an outcome with one class) raises
:class:`NegPersonaError` with a message that names the thing and says what to do. The CLI prints
these as one line and exits non-zero without a traceback; anything else is a bug and keeps its
traceback.

Errors carry structure as well as words, in the way pandera's errors carry a reason code:

* ``code``: a stable name for the kind of problem (``"outcome.ambiguous_positive"``), for
  programs that react to it and for each shell to word its own advice;
* ``setting``: the spec path that fixes it (``"outcome.positive"``), which a web client can point
  at in a form and the CLI turns into its option (``--positive``);
* ``details``: the values the message names (a column, a count).

The library's ``hint`` speaks in settings (``outcome.positive``), never in command-line flags,
because a web or Python caller has no flags; the CLI words its own hint from the code
(:mod:`negpersona.cli.hints`).
"""

from __future__ import annotations

from typing import Any


class NegPersonaError(Exception):
    """A problem with the user's input or settings, explained in plain words."""

    exit_code = 1

    def __init__(
        self,
        message: str,
        hint: str | None = None,
        *,
        code: str | None = None,
        setting: str | None = None,
        **details: Any,
    ) -> None:
        self.message = message
        self.hint = hint
        self.code = code or type(self).__name__
        self.setting = setting
        self.details = details
        super().__init__(message if hint is None else f"{message} {hint}")

    def to_dict(self) -> dict[str, Any]:
        """The error as data: the shape the web API returns (``{"error": {...}}``)."""
        return {
            "code": self.code,
            "message": self.message,
            "hint": self.hint,
            "setting": self.setting,
            "details": {key: _plain(value) for key, value in self.details.items()},
        }


class DataError(NegPersonaError):
    """The data cannot be read or does not support the requested analysis."""


class ConfigError(NegPersonaError):
    """The spec file or an option is invalid."""

    exit_code = 2


def _plain(value: Any) -> Any:
    return value if isinstance(value, str | int | float | bool | type(None)) else str(value)
