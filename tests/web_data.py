"""A personas folder for the web tests: a demo discovery with a policy, a two-run history, a
re-check report inside the folder, and one persona renamed to markup (it must show as text)."""

from __future__ import annotations

import json
import random
from pathlib import Path
from typing import Any

import yaml

from negpersona.apply.personas import Personas
from negpersona.datasets import generate_leads
from negpersona.discovery import discover
from negpersona.discovery.demo import demo_spec
from negpersona.monitor import recheck
from negpersona.monitor.history import discovery_entry, record

HOSTILE = "<script>window.__pwned = 1</script> Small teams"
KEY = "test-key-" + "x" * 24


def build_folder(root: Path) -> dict[str, Any]:
    """Write the folder under ``root``; returns its path and a few facts the tests use."""
    run = root / "run"
    run.mkdir(parents=True)
    leads = generate_leads(4000, 3)
    leads.to_csv(run / "leads.csv", index=False)
    spec = demo_spec()
    result = discover(run / "leads.csv", spec)
    result.write(run)
    record(run, discovery_entry(result))
    policy = json.loads((run / "policy.json").read_text(encoding="utf-8"))
    assert policy["excluded"], "the demo policy must exclude a persona"
    renamed = next(p for p in result.personas if p.id not in policy["excluded"][:1])
    path = run / "personas" / f"{renamed.id}.yaml"
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    data["name"] = HOSTILE
    path.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")
    checked = recheck(run, run / "leads.csv", spec, candidates=False)
    checked.commit(run / "recheck-1")
    return {
        "folder": run,
        "excluded": policy["excluded"][0],
        "renamed": renamed.id,
        "run_id": checked.document["run_id"],
    }


def records(folder: Path, n: int, seed: int = 0) -> list[dict[str, Any]]:
    """``n`` seeded records holding every column the personas use (and the id)."""
    personas = Personas.load(folder)
    rng = random.Random(seed)
    values: dict[str, list[Any]] = {}
    for persona in personas.personas:
        for condition in persona.conditions:
            pool = values.setdefault(condition.column, [None])
            value = condition.value
            if isinstance(value, bool):
                pool += [True, False]
            elif isinstance(value, int | float):
                pool += [value - 1, value, value + 1, 0]
            elif isinstance(value, str):
                pool += [value, value + "-other"]
    id_column = personas.settings.get("id") or "lead_id"
    return [
        {id_column: f"lead-{seed}-{i}", **{c: rng.choice(pool) for c, pool in values.items()}}
        for i in range(n)
    ]
