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
# libyaml's safe loader when PyYAML was built with it: the same documents, ~10x faster to read
# (loading persona files is most of a one-record ``score``).
_SAFE_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


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
        if not persona.extra.get("renamed"):
            continue  # a generated name was checked when it was written (explain.cards)
        for issue in check_text(persona.name, allowed_sensitive=allowed):
            warnings.append(
                f"Persona {persona.id} name {persona.name!r}: {issue.word!r} is {issue.reason} "
                f"language; {issue.suggestion}."
            )
    return warnings


def _read(path: Path) -> dict:
    try:
        data = yaml.load(path.read_text(encoding="utf-8"), Loader=_SAFE_LOADER) or {}
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


# ---- writing edits (the dashboard) -------------------------------------------------------------

MAX_NAME = 120


def write_edits(
    out_dir: str | Path, persona_id: str, *, name: str | None = None, action: str | None = None
) -> dict[str, tuple[object, object]]:
    """Set ``name`` and/or ``action`` in ``personas/<id>.yaml``; returns ``{field: (old, new)}``.

    Only the lines of those keys change, so people's comments and other edits stay as they
    were, and the file is replaced atomically. The result is read back and must equal the old
    content with just those values changed, otherwise nothing is written. A name is checked
    like a generated one: judgmental words are refused here, because a name typed into a form
    is shown to everyone at once (a YAML edit only warns).
    """
    from negpersona.model.atomic import write_text

    path = Path(out_dir) / "personas" / f"{persona_id}.yaml"
    if not path.is_file():
        raise DataError(
            f"No file {path} for persona {persona_id!r}.",
            "Run discovery again to rewrite the persona files.",
            code="persona.no_file",
        )
    text = path.read_text(encoding="utf-8")
    data = _read(path)
    wanted: dict[str, object] = {}
    if name is not None:
        cleaned = " ".join(name.split())
        if not cleaned or len(cleaned) > MAX_NAME:
            raise DataError(
                f"A persona name needs 1 to {MAX_NAME} characters (got {len(cleaned)}).",
                "Type a short name that describes who the persona is.",
                code="persona.bad_name",
                setting="name",
            )
        issues = check_text(cleaned)
        if issues:
            issue = issues[0]
            raise DataError(
                f"The name uses {issue.word!r}, which is {issue.reason} language.",
                f"Describe fit, not worth: {issue.suggestion}.",
                code="persona.judgmental_name",
                setting="name",
            )
        wanted["name"] = cleaned
    if action is not None:
        if action not in ACTIONS:
            raise DataError(
                f"Action {action!r} is not one of {', '.join(ACTIONS)}.",
                "Use auto (follow the policy), exclude (always) or target (never exclude).",
                code="persona.bad_action",
                setting="action",
            )
        wanted["action"] = action
    changes = {
        key: (data.get(key), value) for key, value in wanted.items() if data.get(key) != value
    }
    if not changes:
        return {}
    new_text = text
    for key, (_, value) in changes.items():
        new_text = _set_top_level(new_text, key, value)
    if yaml.safe_load(new_text) != {**data, **{key: new for key, (_, new) in changes.items()}}:
        raise DataError(
            f"{path} is laid out in a way the dashboard cannot edit safely.",
            "Edit the file by hand.",
            code="persona.unsafe_edit",
        )
    write_text(path, new_text)
    return changes


def _set_top_level(text: str, key: str, value: object) -> str:
    """``text`` with the top-level ``key:`` (and its continuation lines) set to ``value``."""
    line = yaml.safe_dump({key: value}, allow_unicode=True, width=10**6, sort_keys=False).rstrip()
    lines = text.split("\n")
    for index, current in enumerate(lines):
        if current.startswith(f"{key}:"):
            end = index + 1
            while end < len(lines) and lines[end].startswith((" ", "\t")):
                end += 1
            lines[index:end] = [line]
            return "\n".join(lines)
    return text.rstrip("\n") + "\n" + line + "\n"
