"""The list of audit checks, in the order they run.

A check is a function of an :class:`~negpersona.audit.context.AuditContext` that adds findings;
:func:`register` records it with a name and a one-line description (the way pandera registers
checks). The order is part of the contract: the leakage check caches value counts that the
calendar check reuses, and the summary lists findings in a stable order, so :data:`ORDER` fixes
it; a check registered under another name (an extension, a test) runs after these.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from negpersona.audit.context import AuditContext

CheckFunction = Callable[["AuditContext"], None]

ORDER = (
    "class_balance",
    "sample_size",
    "missing_and_constant",
    "placeholders",
    "sentinels",
    "duplicates",
    "leakage",
    "calendar",
    "times",
)


@dataclass(frozen=True)
class Check:
    name: str
    description: str
    function: CheckFunction


_REGISTERED: dict[str, Check] = {}


def register(name: str, description: str) -> Callable[[CheckFunction], CheckFunction]:
    """Register the decorated function as the audit check ``name``."""

    def decorate(function: CheckFunction) -> CheckFunction:
        if name in _REGISTERED and _REGISTERED[name].function is not function:
            raise ValueError(f"An audit check named {name!r} is already registered.")
        _REGISTERED[name] = Check(name, description, function)
        return function

    return decorate


def unregister(name: str) -> None:
    """Remove a check (for extensions and tests)."""
    _REGISTERED.pop(name, None)


def registered() -> list[Check]:
    """Every registered check, in run order."""
    rank = {name: i for i, name in enumerate(ORDER)}
    return sorted(_REGISTERED.values(), key=lambda check: rank.get(check.name, len(ORDER)))
