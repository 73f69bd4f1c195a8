"""Does each persona still hold on the new batch? Tests, corrections and the status.

For every persona with outcomes, three one-sided tests on its members in the batch (or on its
exploration holdout, see :func:`judge`), each corrected across personas (Holm by default, or
Benjamini–Hochberg, as discovery did):

* **below the cap**: rate < ``max_rate_ratio × new baseline`` (exact binomial) — still as far
  below the baseline as a persona must be;
* **below the baseline**: rate < new baseline (exact binomial);
* **rose**: the rate now is above the rate measured on held-out records at discovery (Fisher's
  exact test on the two sets of counts, so an unchanged persona raises an alarm at most
  ``alpha`` of the time).

The status, checked in this order:

``awaiting outcomes``  the batch has no outcomes yet: only sizes and drift are reported;
``too few records``    under ``min_records`` members with an outcome, or not enough to show the
                       persona is still below the cap (but no sign it rose either);
``broken``             no longer below the baseline, and significantly above what discovery
                       measured: stop excluding;
``weakening``          significantly above what discovery measured but still below the
                       baseline, or above the cap: review;
``holds``              significantly below the cap: keep.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from negpersona.model.persona import Persona
from negpersona.monitor.counts import GroupCounts
from negpersona.stats import (
    adjust,
    below_rate_p_value,
    exact_interval,
    rate_interval,
    rose_p_value,
)

STATUSES = ("holds", "weakening", "broken", "too few records", "awaiting outcomes")
ACTIONS = {
    "holds": "keep",
    "weakening": "review",
    "broken": "stop excluding",
    "too few records": "keep; re-check with more records",
    "awaiting outcomes": "keep; re-check when outcomes arrive",
}
# How a status reads in reports (the keys stay as stored in recheck.json and the history).
STATUS_LABELS = {**{status: status for status in STATUSES}, "too few records": "needs more records"}


@dataclass
class Evidence:
    """The group a persona is judged on, and where it comes from."""

    counts: GroupCounts
    basis: str  # "members" or "holdout"


def evidence(
    persona: Persona, members: GroupCounts, holdout: GroupCounts, excluded: bool, basis: str,
    min_records: int,
) -> Evidence:  # fmt: skip
    """Which group tells whether ``persona`` holds.

    Excluded members get no outreach once the policy is applied, so their conversions say little
    about the persona: for an excluded persona the exploration holdout (kept targeted) is the
    unbiased group. ``basis="auto"`` reads the holdout for excluded personas when it has at least
    ``min_records`` records with an outcome, else all members; ``"members"`` or ``"holdout"``
    force one.
    """
    if basis == "holdout" or (basis == "auto" and excluded and holdout.known >= min_records):
        return Evidence(holdout, "holdout")
    return Evidence(members, "members")


def before_counts(persona: Persona) -> tuple[int, int]:
    """``(records, positives)`` the persona's expected rate was measured on."""
    if persona.held_out:
        return persona.confirmation.records, persona.confirmation.positives
    return persona.records, persona.positives


def judge(
    personas: list[Persona],
    groups: dict[str, Evidence],
    baseline: float | None,
    *,
    max_rate_ratio: float,
    alpha: float,
    correction: str,
    min_records: int,
) -> dict[str, dict[str, Any]]:
    """The status of each persona (see the module docstring), with the tests behind it."""
    if baseline is None:
        return {
            p.id: {"status": "awaiting outcomes", "action": ACTIONS["awaiting outcomes"]}
            for p in personas
        }
    cap = max_rate_ratio * baseline
    tested = [p for p in personas if groups[p.id].counts.known >= min_records]
    p_cap, p_base, p_rose = [], [], []
    for persona in tested:
        counts = groups[persona.id].counts
        p_cap.append(below_rate_p_value(counts.positives, counts.known, cap))
        p_base.append(below_rate_p_value(counts.positives, counts.known, baseline))
        p_rose.append(rose_p_value((counts.known, counts.positives), before_counts(persona)))
    adjusted = {
        "below_cap": dict(zip([p.id for p in tested], adjust(p_cap, correction), strict=True)),
        "below_baseline": dict(
            zip([p.id for p in tested], adjust(p_base, correction), strict=True)
        ),
        "rose": dict(zip([p.id for p in tested], adjust(p_rose, correction), strict=True)),
    }
    raw = {
        "below_cap": dict(zip([p.id for p in tested], p_cap, strict=True)),
        "below_baseline": dict(zip([p.id for p in tested], p_base, strict=True)),
        "rose": dict(zip([p.id for p in tested], p_rose, strict=True)),
    }
    verdicts: dict[str, dict[str, Any]] = {}
    for persona in personas:
        group = groups[persona.id]
        counts = group.counts
        verdict: dict[str, Any] = {
            "basis": group.basis,
            "records": counts.known,
            "positives": counts.positives,
            "rate": counts.rate,
            "rate_ci": list(rate_interval(counts.positives, counts.known))
            if counts.known
            else None,
            "rate_ratio": counts.rate / baseline if counts.rate is not None and baseline else None,
            "cap": cap,
        }
        if persona.id not in adjusted["rose"]:
            verdict.update(
                status="too few records",
                reason=f"{counts.known} record(s) with an outcome (at least {min_records} "
                "needed to test it).",
            )
        else:
            tests = {
                name: {"p_value": raw[name][persona.id], "p_adjusted": adjusted[name][persona.id]}
                for name in adjusted
            }
            verdict["tests"] = tests
            verdict.update(_status(tests, counts.rate or 0.0, cap, baseline, alpha))
        verdict["action"] = ACTIONS[verdict["status"]]
        verdicts[persona.id] = verdict
    return verdicts


def _status(
    tests: dict[str, dict[str, float]], rate: float, cap: float, baseline: float, alpha: float
) -> dict[str, str]:
    rose = tests["rose"]["p_adjusted"] < alpha
    below_baseline = tests["below_baseline"]["p_adjusted"] < alpha
    below_cap = tests["below_cap"]["p_adjusted"] < alpha
    if rose and not below_baseline:
        return {
            "status": "broken",
            "reason": "Its rate rose significantly since discovery and is no longer below the "
            "baseline.",
        }
    if rose:
        return {
            "status": "weakening",
            "reason": "Its rate rose significantly since discovery; it is still below the "
            "baseline.",
        }
    if rate >= cap:
        return {
            "status": "weakening",
            "reason": "Its rate is above max_rate_ratio × the new baseline, though not "
            "significantly above what discovery measured.",
        }
    if below_cap:
        return {"status": "holds", "reason": "Still clearly below max_rate_ratio × baseline."}
    return {
        "status": "too few records",
        "reason": "Consistent with discovery, but too few records to show it is still below "
        "max_rate_ratio × baseline.",
    }


def holdout_readout(persona: Persona, holdout: GroupCounts, baseline: float | None) -> dict:
    """What the exploration holdout says about the cost of excluding ``persona``.

    The held-out members were kept targeted, so their conversions are the only unbiased measure
    of what excluding the others loses: observed conversions against the number the persona's
    expected rate predicts, with an exact (Clopper–Pearson) interval of their rate.
    """
    expected = holdout.known * persona.expected_rate
    readout: dict[str, Any] = {
        "records": holdout.records,
        "known": holdout.known,
        "conversions": holdout.positives,
        "expected_conversions": expected,
        "expected_rate": persona.expected_rate,
        "rate": holdout.rate,
        "rate_ci": list(exact_interval(holdout.positives, holdout.known)),
        "baseline_rate": baseline,
    }
    if holdout.known and baseline:
        low, high = readout["rate_ci"]
        readout["reading"] = (
            "converts as well as everyone (its interval reaches the baseline)"
            if high >= baseline and low >= persona.expected_rate
            else "within what was expected"
            if low <= persona.expected_rate <= high
            else "below what was expected"
            if high < persona.expected_rate
            else "above what was expected, still below the baseline"
        )
    return readout
