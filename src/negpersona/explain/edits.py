"""People's edits to persona YAML files, read back and checked.

``discover`` writes ``personas/<id>.yaml`` for people to edit: a better name, notes for the team.
Later stages (the report, applying personas) read ``personas.json`` and then these files, so an
edited name shows everywhere. Names people choose go through the same neutral-language checker
as generated ones; a problem is a warning (the team decides), not an error. Edited conditions
change who belongs to the persona, so the numbers measured at discovery no longer describe it:
that is a warning too, with the advice to run discovery again. ``action: exclude`` or
``action: target`` overrides the exclusion policy for one persona (``auto`` follows it).
"""

from __future__ import annotations

from pathlib import Path

import yaml

from negpersona.errors import DataError
from negpersona.explain.language import check_text
from negpersona.model.conditions import Condition
from negpersona.model.persona import DiscoveryResult

ACTIONS = ("auto", "exclude", "target")


def apply_edits(result: DiscoveryResult, out_dir: str | Path) -> list[str]:
    """Apply names, notes, conditions and actions from ``out_dir/personas/*.yaml``; warn."""
    folder = Path(out_dir) / "personas"
    allowed = list(result.settings.get("allow_sensitive") or [])
    warnings: list[str] = []
    for persona in result.personas:
        path = folder / f"{persona.id}.yaml"
        if path.exists():
            data = _read(path)
            name = data.get("name")
            if isinstance(name, str) and name.strip() and name.strip() != persona.name:
                persona.name = name.strip()
                persona.extra["renamed"] = True
            notes = data.get("notes")
            if isinstance(notes, str) and notes.strip():
                persona.extra["notes"] = notes.strip()
            if "conditions" in data:
                conditions = _conditions(data, path)
                if conditions != persona.conditions:
                    # Membership follows the edit (apply, sql, export); the numbers do not.
                    persona.conditions = conditions
                    persona.extra["edited_conditions"] = True
                    warnings.append(
                        f"{path}: the conditions were edited, so the numbers on this persona's "
                        "card describe the old conditions. Run 'negpersona discover' again to "
                        "measure them."
                    )
            action = data.get("action", "auto")
            if action not in ACTIONS:
                raise DataError(
                    f"{path}: action is {action!r}.",
                    "Use auto (follow the policy), exclude (always) or target (never exclude).",
                )
            if action != "auto":
                persona.extra["action"] = action
        for issue in check_text(persona.name, allowed_sensitive=allowed):
            warnings.append(
                f"Persona {persona.id} name {persona.name!r}: {issue.word!r} is {issue.reason} "
                f"language; {issue.suggestion}."
            )
    return warnings


def _read(path: Path) -> dict:
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    except yaml.YAMLError as exc:
        raise DataError(
            f"{path} is not valid YAML: {str(exc).splitlines()[0]}.",
            "Fix the file (or delete it to use the generated name).",
        ) from None
    if not isinstance(data, dict):
        raise DataError(f"{path} must hold a mapping (name:, notes:, …).", "Fix the file.")
    return data


def _conditions(data: dict, path: Path) -> list[Condition]:
    try:
        return [Condition.from_dict(item) for item in data["conditions"] or []]
    except (KeyError, TypeError, ValueError, AttributeError) as exc:
        raise DataError(
            f"{path}: conditions are not valid ({exc}).",
            "Each condition needs column, op (= != < <= > >= is_missing) and value.",
        ) from None
