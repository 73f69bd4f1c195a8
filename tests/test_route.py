"""Scoring one record at a time in Python gives the engine's answer, record for record.

The oracle is the engine itself: ``Personas.score(..., engine=True)`` on the same record. Random
records mix the types a JSON body can carry (ints, floats, text, yes/no, null, missing keys, NaN,
huge integers, numbers sent as text), so both the Python path and its hand-over to the engine
are exercised; records the engine rejects must be rejected by the fast path too.
"""

from __future__ import annotations

import math
import random

import pytest

from negpersona.apply import route
from negpersona.errors import DataError
from tests.test_apply import _set


def _value(rng: random.Random, kind: str):
    pick = rng.random()
    if pick < 0.08:
        return None
    if pick < 0.1:
        return "MISSING"  # the key is left out
    if kind == "number":
        choices = [rng.randint(0, 20), rng.uniform(0, 30), 9, 10, 10.0, 2**60, float("nan"),
                   "12", True]  # fmt: skip
        weights = [30, 30, 5, 5, 5, 1, 1, 1, 1]
    elif kind == "text":
        choices = ["education", "retail", "software", "Education", "", "é", 3]
        weights = [30, 20, 20, 5, 3, 3, 1]
    else:
        choices = [True, False, 1, "no"]
        weights = [40, 40, 1, 1]
    return rng.choices(choices, weights)[0]


def _record(rng: random.Random, index: int) -> dict:
    fields = {
        "lead_id": rng.choice([f"L{index}", index, None]),
        "company_size": _value(rng, "number"),
        "industry": _value(rng, "text"),
        "demo": _value(rng, "bool"),
        "visits": _value(rng, "number"),
    }
    return {key: value for key, value in fields.items() if value != "MISSING"}


def _engine(personas, record):
    try:
        return personas.score([record], engine=True)[0]
    except DataError as error:
        return ("error", error.message)


def _same(fast, slow) -> bool:
    if isinstance(slow, tuple):
        return isinstance(fast, tuple)
    if fast.keys() != slow.keys():
        return False
    for key, value in fast.items():
        other = slow[key]
        if isinstance(value, float) and isinstance(other, float):
            if not math.isclose(value, other):
                return False
        elif value != other:
            return False
    return True


@pytest.mark.parametrize("holdout", [0.0, 0.5])
def test_each_record_gets_the_engines_answer(holdout, monkeypatch) -> None:
    personas = _set(holdout=holdout)
    rng = random.Random(11)
    records = [_record(rng, i) for i in range(250)]
    handed_over = []
    original = type(personas).score

    def counting(self, rows, **kwargs):
        if kwargs.get("engine"):
            handed_over.extend(rows)
        return original(self, rows, **kwargs)

    monkeypatch.setattr(type(personas), "score", counting)
    mismatches, in_python = [], 0
    for record in records:
        handed_over.clear()
        try:
            fast = route.score_records(personas, [record])[0]
        except DataError as error:
            fast = ("error", error.message)
        judged_in_python = not handed_over
        slow = _engine(personas, record)
        if not _same(fast, slow):
            mismatches.append((record, fast, slow))
        in_python += judged_in_python
    assert mismatches == []
    assert in_python >= 100  # the Python path did most of the work


def test_a_clean_batch_is_scored_in_python_with_the_engines_answers(monkeypatch) -> None:
    personas = _set(holdout=0.3)
    rng = random.Random(5)
    records = [
        {"lead_id": f"L{i}", "company_size": rng.choice([None, rng.randint(1, 40)]),
         "industry": rng.choice(["education", "retail", None]), "demo": rng.random() < 0.5,
         "visits": rng.randint(0, 5)}
        for i in range(400)
    ]  # fmt: skip
    slow = personas.score(records, engine=True)
    calls = []
    original = type(personas).score
    monkeypatch.setattr(
        type(personas),
        "score",
        lambda self, rows, **kw: calls.append(kw) or original(self, rows, **kw),
    )
    fast = personas.score(records)
    assert [kw.get("engine") for kw in calls] == [None]  # no hand-over to the engine
    assert all(_same(f, s) for f, s in zip(fast, slow, strict=True))
    actions = {item["negative_persona_action"] for item in fast}
    assert actions == {"exclude", "holdout", "target"}


def test_errors_match_the_engine() -> None:
    personas = _set()
    with pytest.raises(DataError, match="visits"):  # a column no record has
        personas.score([{"lead_id": "x", "company_size": 1, "industry": "a", "demo": True}])
    with pytest.raises(DataError, match="not an object"):
        personas.score([["not", "a", "record"]])
    no_ids = {"company_size": 1, "industry": "a", "demo": True, "visits": 1}
    with pytest.raises(DataError, match="record id"):  # excluded members need an id
        personas.score([no_ids])
