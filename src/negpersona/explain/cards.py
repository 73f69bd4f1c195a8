"""Persona cards: a segment becomes a persona people can act on.

A card says who the members are (values over-represented in each aspect), why they do not
convert or stay (their answers in surveys and loss reasons), who converts anyway (so nobody
excludes a group without seeing whom they would lose), what excluding them means in records,
conversions and money, how to talk about them, and when to review them.

Where each number comes from:

* **Profile and exceptions**: the compressed table of the discovery (all records, or the search
  sample on large data, which the card then says), so they cost no extra engine scan.
* **Exclusion**: exact engine counts on all records; the *expected* conversions lost use the
  held-out (confirmation) rate and its Wilson interval, because rates measured where a segment
  was found are optimistic.
* **Trade-off curve**: the held-out records, excluding the personas one by one in the
  selection's order (lowest marginal rate first), counting records and conversions of the union.
  These counts, the data window and the late converters come from one aggregate query (``card_counts.py``).
* **Late converters**: with a time column and ``audit.outcome_time``, the days from creation to
  conversion; "late" is after the ``cards.late_quantile`` of all converters' days.
* **Language guard**: every generated name and text passes :func:`negpersona.explain.language.check_text`
  (judgmental words, sensitive terms not allowed by the spec); texts that fail are left out and
  counted, and a failing name is replaced by a neutral one.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import numpy as np
from ibis.expr.types import Table

from negpersona.config.spec import Spec
from negpersona.config.tables import ROLES
from negpersona.explain.answers import AnswerSettings, collect_reasons
from negpersona.explain.counts import count_for_cards
from negpersona.explain.language import check_text, talking_note
from negpersona.explain.members import exception_lifts, overrepresented
from negpersona.model.persona import Persona
from negpersona.search.compress import CompressedTable
from negpersona.search.features import Feature
from negpersona.stats import rate_interval

SECONDS_PER_DAY = 86_400


MIN_PROFILE_SHARE = 0.10  # of the persona's records


@dataclass
class CardContext:
    """What the cards need from a discovery run."""

    spec: Spec
    working: Table  # the discovery records with fit label, split flag, value and cost columns
    compressed: CompressedTable  # all rows of both splits (a sample when fraction < 1)
    features: list[Feature]
    roles: dict[str, str]
    text_columns: list[str]
    backend: Any
    fraction: float = 1.0
    split: bool = True  # whether a confirmation split exists
    base_dir: Path = Path(".")
    frames: dict[str, Any] = field(default_factory=dict)


def build_cards(
    context: CardContext,
    personas: list[Persona],
    masks: list[np.ndarray],
    skips: list[set[int]],
) -> dict[str, Any]:
    """Fill ``persona.extra`` with the card and review dates; return run-level card data.

    ``masks[i]`` selects the compressed rows of persona ``i``; ``skips[i]`` are the features of
    its own conditions (not repeated in its profile). The returned dict holds ``created``,
    ``data_window`` and ``tradeoff`` for ``personas.json``.
    """
    spec, cards = context.spec, context.spec.cards
    created = datetime.now(UTC).replace(microsecond=0)
    conditions = [p.conditions for p in personas]
    counts = count_for_cards(
        context.working,
        conditions,
        names=[(p.id, p.name) for p in personas],
        split=context.split,
        time=spec.time,
        outcome_time=spec.audit.outcome_time if personas else None,
        late_quantile=cards.late_quantile,
    )
    window = {"column": spec.time, **counts.window} if counts.window else None
    if not personas:
        return {"created": created.isoformat(), "data_window": window, "tradeoff": []}
    totals = counts.totals
    reasons = collect_reasons(
        context.working,
        conditions,
        sources=spec.texts,
        text_columns=context.text_columns,
        backend=context.backend,
        base_dir=context.base_dir,
        frames=context.frames,
        settings=AnswerSettings(
            terms=cards.terms,
            quotes=cards.quotes,
            alpha=spec.discovery.alpha,
            seed=spec.discovery.seed,
        ),
    )
    late = counts.late
    rows = context.compressed
    for i, persona in enumerate(personas):
        guard = _Guard(spec.allow_sensitive)
        profile = _profile(rows, masks[i], skips[i], context, guard)
        exceptions = exception_lifts(
            rows.codes,
            rows.count,
            rows.positives,
            masks[i],
            features=context.features,
            skip=skips[i],
            alpha=spec.discovery.alpha,
        ).to_dict()
        # Members and their conversions exactly, from the engine (the compressed rows may be a
        # sample); the lifts inside the persona come from the compressed rows.
        records, positives = int(counts.records[i].sum()), int(counts.positives[i].sum())
        exceptions.update(
            records=records,
            positives=positives,
            rate=positives / records if records else 0.0,
            rate_ci=list(rate_interval(positives, records)),
        )
        exceptions["lifts"] = [item for item in exceptions.get("lifts", []) if guard.ok(item)]
        exceptions["best"] = exceptions["lifts"][0] if exceptions["lifts"] else None
        exceptions["late"] = late[i] if late else None
        card = {
            "profile": profile,
            "profile_basis": _basis(context),
            "reasons": _guarded_reasons(reasons[i], guard),
            "exceptions": exceptions,
            "exclusion": exclusion(persona, counts, i, totals, spec),
            "talk_about": talking_note(),
            "overlaps": _overlaps(i, personas, masks, rows.count),
        }
        name_issues = guard.check_name(persona)
        card["language"] = {"name_issues": name_issues, "withheld_texts": guard.withheld}
        persona.extra["card"] = card
        persona.extra["created"] = created.isoformat()
        persona.extra["data_window"] = window
        persona.extra["review_by"] = (
            (created + timedelta(days=cards.review_days)).date().isoformat()
        )
    return {
        "created": created.isoformat(),
        "data_window": window,
        "tradeoff": _renamed(counts.tradeoff, personas),
    }


# ---- profile ---------------------------------------------------------------------------------


def _profile(
    rows: CompressedTable,
    member: np.ndarray,
    skip: set[int],
    context: CardContext,
    guard: _Guard,
) -> dict[str, list[dict[str, Any]]]:
    """Over-represented values grouped by aspect (demographic, behavior, need, characteristic)."""
    found = overrepresented(
        rows.codes,
        rows.count,
        member,
        features=context.features,
        skip=skip,
        alpha=context.spec.discovery.alpha,
    )
    limit = context.spec.cards.profile_values
    profile: dict[str, list[dict[str, Any]]] = {role: [] for role in ROLES}
    for item in found:
        role = context.roles.get(item.column, "characteristic")
        entry = {**item.to_dict(), "text": item.text}
        # A value held by a few percent of the members does not describe them, however
        # significant the difference: a profile lists what at least 10% of them share.
        if item.member_share < MIN_PROFILE_SHARE:
            continue
        if len(profile[role]) < limit and guard.ok(entry):
            profile[role].append(entry)
    return profile


def _basis(context: CardContext) -> str:
    records = int(context.compressed.count.sum())
    if context.fraction < 1.0:
        return f"a seeded sample of {records:,} records ({context.fraction:.1%} of all)"
    return f"all {records:,} records"


# ---- exclusion -------------------------------------------------------------------------------


def exclusion(
    persona: Persona, counts: Any, index: int, totals: dict[str, float], spec: Spec
) -> dict[str, Any]:
    """What excluding the persona means: shares, expected conversions lost, and money.

    Observed numbers are exact counts on all records. Expected conversions use the held-out
    rate (the discovery rate when there is no split) with its Wilson interval: they estimate
    what the same number of new records of this kind would convert.
    """
    records = int(counts.records[index].sum())
    positives = int(counts.positives[index].sum())
    value = float(counts.value[index].sum())
    cost = float(counts.cost[index].sum())
    rate, (low, high) = persona.expected_rate, persona.expected_rate_ci
    basis = "held-out records" if persona.held_out else "discovery records"
    result: dict[str, Any] = {
        "records": records,
        "records_share": records / totals["n"] if totals["n"] else 0.0,
        "conversions": positives,
        "conversions_share": positives / totals["pos"] if totals["pos"] else 0.0,
        "conversions_share_ci": list(rate_interval(positives, int(totals["pos"]))),
        "rate_basis": basis,
        "expected_conversions": records * rate,
        "expected_conversions_ci": [records * low, records * high],
        "per_1000_records": {"conversions": 1000 * rate, "ci": [1000 * low, 1000 * high]},
    }
    if spec.value:
        result["value"] = value
        result["value_share"] = value / totals["value"] if totals["value"] else 0.0
    settings = spec.discovery
    per_conversion = settings.value
    if per_conversion is None and spec.value:
        per_conversion = value / positives if positives else totals["value"] / max(totals["pos"], 1)
    if per_conversion is not None:
        result["value_per_conversion"] = per_conversion
        result["value_at_risk"] = records * rate * per_conversion
        result["value_at_risk_ci"] = [
            records * low * per_conversion,
            records * high * per_conversion,
        ]
    saved = records * settings.cost if settings.cost is not None else (cost if spec.cost else None)
    if saved is not None:
        result["cost_saved"] = saved
        if per_conversion is not None:
            at_risk, (risk_low, risk_high) = result["value_at_risk"], result["value_at_risk_ci"]
            result["net_savings"] = saved - at_risk
            result["net_savings_ci"] = [saved - risk_high, saved - risk_low]
    return result


# ---- trade-off and late converters -------------------------------------------------------------


def _overlaps(
    index: int, personas: list[Persona], masks: list[np.ndarray], counts: np.ndarray
) -> list[dict[str, Any]]:
    """Other personas sharing at least 10% of this one's records, most shared first.

    Personas are chosen to cover different non-converting records, but they may still share
    members; a team excluding two personas should know how much the second adds.
    """
    own = float(counts[masks[index]].sum())
    found = []
    for j, other in enumerate(personas):
        if j == index or not own:
            continue
        share = float(counts[masks[index] & masks[j]].sum()) / own
        if share >= MIN_PROFILE_SHARE:
            found.append({"id": other.id, "share": share})
    return sorted(found, key=lambda item: (-item["share"], item["id"]))


def _renamed(steps: list[dict[str, Any]], personas: list[Persona]) -> list[dict[str, Any]]:
    """The curve with the personas' final names (the language guard may have replaced some)."""
    names = {p.id: p.name for p in personas}
    return [{**step, "name": names.get(step["id"], step["name"])} for step in steps]


# ---- language guard ----------------------------------------------------------------------------


class _Guard:
    """Checks generated texts; counts what it withholds."""

    def __init__(self, allowed: list[str]) -> None:
        self.allowed = allowed
        self.withheld = 0

    def ok(self, entry: dict[str, Any]) -> bool:
        text = str(entry.get("text") or entry.get("label") or "")
        if check_text(text, allowed_sensitive=self.allowed):
            self.withheld += 1
            return False
        return True

    def check_name(self, persona: Persona) -> list[dict[str, str]]:
        """Issues of the generated name; a failing name is replaced by a neutral one."""
        issues = check_text(persona.name, allowed_sensitive=self.allowed)
        if issues:
            persona.name = f"Segment {persona.id}"
        return [{"word": i.word, "reason": i.reason, "suggestion": i.suggestion} for i in issues]


def _guarded_reasons(blocks: list[dict[str, Any]], guard: _Guard) -> list[dict[str, Any]]:
    """Reason blocks without terms or values the language guard rejects.

    Quotes are left as people wrote them (redacted of personal data): they are evidence, not
    text negpersona generated.
    """
    kept = []
    for block in blocks:
        block = dict(block)
        if "terms" in block:
            block["terms"] = [t for t in block["terms"] if guard.ok({"text": t["term"]})]
        if "shares" in block:
            block["shares"] = [s for s in block["shares"] if guard.ok({"text": str(s["value"])})]
            if "loyal_to" in block:
                kept_values = {s["value"] for s in block["shares"]}
                block["loyal_to"] = [v for v in block["loyal_to"] if v in kept_values]
        kept.append(block)
    return kept
