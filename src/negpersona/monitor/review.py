"""What a re-check may change in the personas folder, always in the open.

* :func:`pause` stops excluding personas a re-check found ``broken``: their ids leave
  ``policy.json``'s ``excluded`` and enter its ``paused`` list with the reason and the date, and a
  note says so. :func:`resume` undoes it (``negpersona policy --resume ID``).
* :func:`move_review` sets a new ``review_by`` for personas that hold (in ``personas.json`` and
  the ``review_by:`` line of their YAML file, leaving people's other edits alone).
* :func:`overdue` lists the personas past their ``review_by`` date.
"""

from __future__ import annotations

import json
import re
from datetime import date, timedelta
from pathlib import Path
from typing import Any

from negpersona.errors import ConfigError, DataError
from negpersona.model.atomic import write_text
from negpersona.model.document import PolicyDocument, RunDocument, validated, write_document
from negpersona.model.persona import Persona

REVIEW_LINE = re.compile(r"^review_by: .*$", re.MULTILINE)


def _policy(folder: Path) -> dict[str, Any]:
    path = folder / "policy.json"
    if not path.exists():
        raise DataError(
            f"No policy.json in {folder}.",
            "Run 'negpersona policy' first to choose the personas to exclude.",
            code="policy.missing",
        )
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except ValueError as exc:
        raise DataError(
            f"{path} is damaged ({exc}).", "Run 'negpersona policy' again to rewrite it."
        ) from None
    validated(PolicyDocument, data, path)
    return data


def pause(folder: str | Path, reasons: dict[str, str], run_id: str, today: date) -> list[str]:
    """Stop excluding the personas in ``reasons`` (id → why); returns the ids paused now."""
    folder = Path(folder)
    policy = _policy(folder)
    excluded = list(policy.get("excluded", []))
    paused = list(policy.get("paused", []))
    already = {item["id"] for item in paused}
    now = [pid for pid in reasons if pid not in already]
    if not now:
        return []
    for pid in now:
        paused.append({
            "id": pid, "since": today.isoformat(), "reason": reasons[pid], "recheck": run_id,
            "was_excluded": pid in excluded,
        })  # fmt: skip
    policy["excluded"] = [pid for pid in excluded if pid not in reasons]
    policy["paused"] = paused
    policy.setdefault("notes", []).append(
        f"{today.isoformat()}: exclusion of {', '.join(now)} paused by re-check {run_id} (broken "
        "on new data); resume with 'negpersona policy --resume ID'."
    )
    write_document(folder / "policy.json", PolicyDocument, policy)
    return now


def resume(folder: str | Path, persona_id: str, today: date) -> dict[str, Any]:
    """Exclude a paused persona again (as before its pause); returns the new policy."""
    folder = Path(folder)
    policy = _policy(folder)
    paused = list(policy.get("paused", []))
    match = [item for item in paused if item["id"] == persona_id]
    if not match:
        listed = ", ".join(item["id"] for item in paused) or "none"
        raise ConfigError(
            f"Persona {persona_id!r} is not paused in {folder / 'policy.json'}.",
            f"Paused personas: {listed}.",
            code="policy.not_paused",
            setting="resume",
        )
    policy["paused"] = [item for item in paused if item["id"] != persona_id]
    if match[0].get("was_excluded", True) and persona_id not in policy["excluded"]:
        policy["excluded"] = [*policy["excluded"], persona_id]
    policy.setdefault("notes", []).append(
        f"{today.isoformat()}: exclusion of {persona_id} resumed (paused since "
        f"{match[0].get('since')})."
    )
    write_document(folder / "policy.json", PolicyDocument, policy)
    return policy


def move_review(folder: str | Path, ids: list[str], review_by: date) -> list[str]:
    """Set ``review_by`` for personas ``ids`` in ``personas.json`` and their YAML files."""
    folder = Path(folder)
    if not ids:
        return []
    path = folder / "personas.json"
    data = json.loads(path.read_text(encoding="utf-8"))
    validated(RunDocument, data, path)
    moved = []
    for persona in data["personas"]:
        if persona.get("id") in ids:
            persona["review_by"] = review_by.isoformat()
            moved.append(persona["id"])
    write_document(path, RunDocument, data)
    for pid in moved:
        yaml_path = folder / "personas" / f"{pid}.yaml"
        if yaml_path.exists():
            text = yaml_path.read_text(encoding="utf-8")
            line = f"review_by: '{review_by.isoformat()}'"
            new = REVIEW_LINE.sub(line, text, count=1) if REVIEW_LINE.search(text) else text
            if new != text:
                write_text(yaml_path, new)
    return moved


def overdue(personas: list[Persona], today: date) -> list[dict[str, str]]:
    """Personas whose ``review_by`` date has passed, oldest first."""
    late = []
    for persona in personas:
        text = persona.extra.get("review_by")
        try:
            when = date.fromisoformat(str(text)) if text else None
        except ValueError:
            when = None
        if when is not None and when < today:
            late.append({"id": persona.id, "name": persona.name, "review_by": when.isoformat()})
    return sorted(late, key=lambda item: item["review_by"])


def next_review(today: date, days: int) -> date:
    return today + timedelta(days=days)
