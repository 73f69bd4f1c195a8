"""Scoring records one at a time in Python, for lead routing (``score`` and ``POST /api/score``).

Routing a lead as it arrives needs an answer in microseconds, not an engine query per request.
:func:`score_records` evaluates each persona's conditions on a record (a dict, e.g. parsed JSON)
in plain Python and gives exactly what :meth:`Personas.match` gives in the engine: the ids of
every persona the record belongs to, the first of them, its expected rate and the action.

Exactness first: the Python path only judges values whose comparison means the same in Python
and in SQL (numbers with number conditions, text with text conditions, yes/no with yes/no,
missing values). Anything else (a number sent as text, NaN, an integer too large for a float, a
persona that needs related tables) goes to the engine, which gives its answer or its clear error.
``tests/test_route.py`` checks the two paths agree on thousands of random records.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

from negpersona.engine.hashing import is_holdout
from negpersona.errors import DataError

if TYPE_CHECKING:
    from negpersona.config.spec import Spec
    from negpersona.model.conditions import Condition

# ``personas`` below is an :class:`negpersona.apply.personas.Personas` (not imported: it calls
# this module, and the stage's modules import one way).
Personas = Any

_EXACT_INT = 2**53  # beyond this an integer compared with a float is rounded by SQL
_COMPARE = {
    "=": lambda a, b: a == b,
    "!=": lambda a, b: a != b,
    "<": lambda a, b: a < b,
    "<=": lambda a, b: a <= b,
    ">": lambda a, b: a > b,
    ">=": lambda a, b: a >= b,
}


class _NeedsEngine(Exception):
    """This record holds a value only the engine can judge the way it would in a batch."""


def score_records(
    personas: Personas,
    records: Iterable[Any],
    *,
    id_column: str | None = None,
    spec: Spec | None = None,
) -> list[dict[str, Any]]:
    """The scores of ``records`` (see the module docstring), in order.

    Records the Python path cannot judge exactly are scored by the engine together, in one call.
    """
    rows = list(records)
    id_column = id_column or (spec.id if spec else None) or personas.settings.get("id")
    scored = _python_scores(personas, rows, id_column, spec)
    if scored is None:
        return personas.score(rows, id_column=id_column, spec=spec, engine=True)
    hard = [i for i, item in enumerate(scored) if item is None]
    if hard:
        answers = personas.score(
            [rows[i] for i in hard], id_column=id_column, spec=spec, engine=True
        )
        for i, answer in zip(hard, answers, strict=True):
            scored[i] = answer
    return scored  # type: ignore[return-value]


def score_in_python(personas: Personas, records: list[Any]) -> list[dict[str, Any]] | None:
    """The scores of ``records`` when the Python path can judge every one of them, else None.

    For a server: these answers take microseconds and can be given on the event loop; None means
    the engine is needed (run :func:`score_records` in a worker thread).
    """
    scored = _python_scores(personas, records, personas.settings.get("id"), None)
    if scored is None or any(item is None for item in scored):
        return None
    return scored  # type: ignore[return-value]


def _python_scores(
    personas: Personas, rows: list[Any], id_column: str | None, spec: Spec | None
) -> list[dict[str, Any] | None] | None:
    """Per record its Python score or None (the engine must judge it); None for the whole batch
    when the engine must answer it (to give its error, or to join related tables)."""
    for index, row in enumerate(rows):
        if not isinstance(row, dict):
            raise DataError(
                f"Record {index + 1} is a {type(row).__name__}, not an object.",
                'Send one JSON object per line, e.g. {"company_size": 12}.',
            )
    if not rows:
        return []
    present = set().union(*(row.keys() for row in rows))
    needed = set(personas.required_columns())
    holds_out = bool(personas.excluded) and personas.holdout > 0
    if (
        (spec is not None and spec.related)
        or not needed <= present  # the engine names the missing columns
        or (holds_out and id_column not in present)  # the engine explains the holdout needs ids
    ):
        return None
    keep_id = id_column if id_column in present else None
    scored: list[dict[str, Any] | None] = []
    for row in rows:
        try:
            scored.append(_score_one(personas, row, id_column, keep_id))
        except _NeedsEngine:
            scored.append(None)
    return scored


def _score_one(
    personas: Personas, row: dict[str, Any], id_column: str | None, keep_id: str | None
) -> dict[str, Any]:
    # Every condition is judged, not only until one fails: a value the engine would reject (text
    # where a number is compared) must reach the engine even if another condition already fails.
    judged = [(p, [_holds(c, row.get(c.column)) for c in p.conditions]) for p in personas.personas]
    matched = [p for p, results in judged if all(results)]
    excluded = set(personas.excluded)
    action = "target"
    if any(p.id in excluded for p in matched):
        record_id = row.get(id_column) if id_column else None
        action = "holdout" if _in_holdout(personas, record_id) else "exclude"
    answer = {keep_id: row.get(keep_id)} if keep_id else {}
    first = matched[0] if matched else None
    answer.update(
        negative_personas=[p.id for p in matched],
        negative_persona=first.id if first else None,
        expected_rate=float(first.expected_rate) if first else None,
        negative_persona_action=action,
    )
    return answer


def _holds(condition: Condition, value: Any) -> bool:
    """Whether ``value`` meets ``condition`` as SQL would judge it (NULL never matches)."""
    if value is None:
        return condition.op == "is_missing"
    if condition.op == "is_missing":
        if isinstance(value, float) and math.isnan(value):
            raise _NeedsEngine  # a NaN may be NULL or NaN depending on the batch's types
        return False
    target = condition.value
    if isinstance(target, bool):
        if not isinstance(value, bool):
            raise _NeedsEngine
    elif isinstance(target, int | float):
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise _NeedsEngine
        if isinstance(value, float) and not math.isfinite(value):
            raise _NeedsEngine
        if isinstance(value, int) and abs(value) > _EXACT_INT:
            raise _NeedsEngine
    elif isinstance(target, str):
        if not isinstance(value, str):
            raise _NeedsEngine
    else:
        raise _NeedsEngine  # a date or another type: the engine's rules
    return bool(_COMPARE[condition.op](value, target))


def _in_holdout(personas: Personas, record_id: Any) -> bool:
    """The holdout rule on one id, as the engine casts it to text (plain ints and text only)."""
    if record_id is not None and (
        isinstance(record_id, bool) or not isinstance(record_id, int | str)
    ):
        raise _NeedsEngine
    return is_holdout(record_id, personas.holdout, personas.salt)
