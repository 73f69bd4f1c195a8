"""Planted drift for the re-check tests: a personas folder and new batches with known changes.

Three personas with known rates, built from their own data (counts recounted with pandas, so no
discovery search is involved and the planted truth is exact):

* ``plan = free``       stays (rate 2% vs a ~20% baseline) unless ``fade`` says otherwise;
* ``channel = webinar`` fades when ``fade=True``: its rate rises to the baseline;
* ``employees < 10``    its members' values shift when ``shift=True`` (many grow past 10, and
  the remaining members' sizes move), a drift the PSI must see.

``new_segment=True`` adds a group unlike the three (the east region's other records stop
converting), for the new-candidate suggestions. ``graduates=k`` turns ``k`` free-plan members of the discovery batch into converted pro-plan
records in the new batch (same ids), so movers can be followed by id.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from negpersona.data.drift import reference_block
from negpersona.data.source import open_source
from negpersona.model.conditions import Condition, segment_filter
from negpersona.model.persona import Confirmation, DiscoveryResult, Persona
from negpersona.stats import rate_interval

BASE_RATE = 0.2
RATES = {"free": 0.02, "webinar": 0.03, "small": 0.04}
CONDITIONS = {
    "free": [Condition("plan", "=", "free")],
    "webinar": [Condition("channel", "=", "webinar")],
    "small": [Condition("employees", "<", 10)],
}


def batch(
    n: int, seed: int, *, fade: bool = False, shift: bool = False, start: int = 0,
    new_segment: bool = False,
) -> pd.DataFrame:  # fmt: skip
    """``n`` records with the three planted segments (disjoint by construction)."""
    rng = np.random.default_rng(seed)
    kind = rng.choice(["free", "webinar", "small", "rest"], size=n, p=[0.12, 0.1, 0.1, 0.68])
    if shift:  # 60% of would-be small companies grew: fewer members, and sizes move up
        grew = (kind == "small") & (rng.random(n) < 0.6)
        kind = np.where(grew, "rest", kind)
    plan = np.where(kind == "free", "free", rng.choice(["pro", "team"], size=n))
    channel = np.where(kind == "webinar", "webinar", rng.choice(["search", "referral"], size=n))
    employees = np.where(
        kind == "small", rng.integers(1, 10, size=n), rng.integers(10, 500, size=n)
    )
    if shift:
        small = kind == "small"
        employees = np.where(small, rng.integers(7, 10, size=n), employees)
    rate = np.full(n, 0.26)
    for name, value in RATES.items():
        rate = np.where(kind == name, value, rate)
    if fade:
        rate = np.where(kind == "webinar", 0.24, rate)
    region = rng.choice(["north", "south", "east"], size=n)
    if new_segment:  # a group that did not exist before: the east's "rest" stops converting
        rate = np.where((kind == "rest") & (region == "east"), 0.02, rate)
    converted = rng.random(n) < rate
    return pd.DataFrame({
        "lead_id": np.arange(start, start + n),
        "plan": plan,
        "channel": channel,
        "employees": employees.astype(np.int64),
        "region": region,
        "converted": converted,
    })  # fmt: skip


def with_graduates(new: pd.DataFrame, old: pd.DataFrame, k: int) -> pd.DataFrame:
    """``new`` plus ``k`` free-plan non-converters of ``old``, now pro and converted."""
    movers = old[(old["plan"] == "free") & ~old["converted"]].head(k).copy()
    movers["plan"] = "pro"
    movers["converted"] = True
    return pd.concat([new, movers], ignore_index=True)


def make_folder(
    folder: Path, old: pd.DataFrame, *, holdout: float = 0.05, excluded: bool = True
) -> Path:
    """A personas folder for the three planted personas, measured on ``old`` (a 70/30 split
    by id parity stands in for discovery's split)."""
    confirm = (old["lead_id"] % 10) < 3
    total, positives = len(old), int(old["converted"].sum())
    discovery, held = old[~confirm], old[confirm]
    personas = []
    for conditions in CONDITIONS.values():
        mask = _mask(old, conditions)
        d, c = discovery[mask[~confirm]], held[mask[confirm]]
        d_pos, c_pos = int(d["converted"].sum()), int(c["converted"].sum())
        base_d = discovery["converted"].mean()
        base_c = held["converted"].mean()
        personas.append(
            Persona(
                conditions=conditions,
                records=len(d),
                positives=d_pos,
                share=float(len(d) / len(discovery)),
                rate=d_pos / len(d),
                rate_ci=rate_interval(d_pos, len(d)),
                rate_ratio=float(d_pos / len(d) / base_d),
                conversion_share=float(d_pos / discovery["converted"].sum()),
                quality=0.0,
                confirmation=Confirmation(
                    records=len(c),
                    positives=c_pos,
                    rate=c_pos / len(c),
                    rate_ci=rate_interval(c_pos, len(c)),
                    p_value=1e-9,
                    p_adjusted=1e-8,
                    confirmed=True,
                    baseline_rate=float(base_c),
                ),  # fmt: skip
                extra={"review_by": "2020-01-01", "created": "2019-10-01T00:00:00+00:00"},
            )
        )
    source = open_source(old)
    flags = {p.id: segment_filter(source.table, p.conditions) for p in personas}
    uses = {c.column: [p.id] for p in personas for c in p.conditions}
    columns = ["plan", "channel", "employees", "region"]
    reference = reference_block(source.table, columns, flags, uses)
    steps = [{"step": 0, "name": "nobody", "records": 0, "conversions": 0,
              "records_share": 0.0, "conversions_share": 0.0}]  # fmt: skip
    result = DiscoveryResult(
        baseline={
            "records": total,
            "positives": positives,
            "rate": positives / total,
            "rate_ci": list(rate_interval(positives, total)),
            "discovery": {
                "records": len(discovery),
                "positives": int(discovery["converted"].sum()),
                "rate": float(discovery["converted"].mean()),
            },
            "confirmation": {
                "records": len(held),
                "positives": int(held["converted"].sum()),
                "rate": float(held["converted"].mean()),
            },
        },  # fmt: skip
        settings={
            "id": "lead_id",
            "max_rate_ratio": 0.5,
            "alpha": 0.05,
            "correction": "holm",
            "min_records": 30,
            "source": "planted",
            "outcome_spec": {"column": "converted", "positive": [True], "kind": "conversion"},
        },  # fmt: skip
        set_aside=[],
        personas=personas,
        unconfirmed=[],
        extra={"created": "2019-10-01T00:00:00+00:00", "tradeoff": steps, "reference": reference},
        policy={
            "rule": "max_conversion_loss",
            "excluded": [p.id for p in personas] if excluded else [],
            "holdout": holdout,
            "salt": "negpersona",
            "curve": steps,
            "chosen_step": 0,
        },  # fmt: skip
    )
    result.write(folder)
    return folder


def ids(folder: Path) -> dict[str, str]:
    """Planted name → persona id."""
    return {name: Persona(conditions=c, records=0, positives=0, share=0, rate=0, rate_ci=(0, 0),
                          rate_ratio=0, conversion_share=0, quality=0).id
            for name, c in CONDITIONS.items()}  # fmt: skip


def _mask(frame: pd.DataFrame, conditions: list[Condition]) -> pd.Series:
    mask = pd.Series(True, index=frame.index)
    for condition in conditions:
        column = frame[condition.column]
        mask &= (column == condition.value) if condition.op == "=" else (column < condition.value)
    return mask
