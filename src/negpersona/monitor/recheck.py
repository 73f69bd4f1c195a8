"""Re-check personas on a new batch: do they still hold, and what moved?

``recheck(folder, data)`` reads a personas folder (``personas.json``, people's YAML edits,
``policy.json``) and a newer batch of records, and reports per persona (see
:mod:`negpersona.monitor.status` for the tests and statuses):

* size and share now vs at discovery, with a test of the share shift;
* the rate now with a Wilson interval, against its expected rate and the new baseline;
* the exploration holdout read-out (excluded personas): observed conversions of the held-out
  members against what the expected rate predicts, with an exact interval;
* drift: PSI of each column the persona uses, over all records and over its members, against
  the reference discovery stored;
* with the records as they were at discovery (``previous``): late converters, graduates and
  leavers, by id;
* new candidates: a discovery on the batch, segments unlike every current persona.

Nothing in the folder changes here: :meth:`RecheckResult.commit` writes ``recheck.json`` to its
own folder, records the run in the history, moves ``review_by`` for personas that hold and, when
asked, pauses the exclusion of broken personas — each step atomic.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

from negpersona.apply.personas import Personas
from negpersona.config.spec import DiscoverySettings, Outcome, Spec, validate_spec
from negpersona.data.drift import Bins, moved_bins, psi, psi_band
from negpersona.data.outcome import batch_outcome
from negpersona.data.relations import attach_related
from negpersona.data.source import open_source
from negpersona.engine.hashing import holdout_flag
from negpersona.errors import DataError, NegPersonaError
from negpersona.model.atomic import staged_directory, to_json
from negpersona.model.conditions import segment_filter
from negpersona.model.document import RecheckDocument, validated, versioned
from negpersona.model.persona import DiscoveryResult, Persona
from negpersona.monitor.candidates import new_candidates
from negpersona.monitor.counts import count_batch
from negpersona.monitor.history import Run, check_history, record
from negpersona.monitor.movement import movement
from negpersona.monitor.review import move_review, next_review, overdue, pause
from negpersona.monitor.status import before_counts, evidence, holdout_readout, judge
from negpersona.stats import adjust, rate_interval, share_shift_p_value

Progress = Callable[[str], None]
BASES = ("auto", "members", "holdout")


@dataclass
class RecheckResult:
    """The re-check document (``recheck.json``) and what :meth:`commit` needs."""

    document: dict[str, Any]
    folder: Path
    holds: list[str] = field(default_factory=list)
    broken: dict[str, str] = field(default_factory=dict)
    review_days: int = 90

    @property
    def personas(self) -> list[dict[str, Any]]:
        return self.document["personas"]

    def to_dict(self) -> dict[str, Any]:
        return versioned(self.document)

    def commit(
        self, out_dir: str | Path, *, apply_policy: bool = False, today: date | None = None
    ) -> dict[str, Any]:
        """Write ``recheck.json`` to ``out_dir``, then record the run in the folder's history,
        move ``review_by`` for personas that hold and (``apply_policy``) pause broken ones.

        Returns what changed: ``{"run_id", "paused", "review_moved"}``.
        """
        today = today or date.today()
        check_history(self.folder)  # a damaged history fails before anything is written
        run_id = datetime.now(UTC).strftime("%Y%m%dT%H%M%S%f")
        self.document["run_id"] = run_id
        changes: dict[str, Any] = {"run_id": run_id, "paused": [], "review_moved": []}
        if apply_policy and self.broken and (self.folder / "policy.json").exists():
            changes["paused"] = pause(self.folder, self.broken, run_id, today)
        review_by = next_review(today, self.review_days)
        changes["review_moved"] = move_review(self.folder, self.holds, review_by)
        self.document["changes"] = {**changes, "review_by": review_by.isoformat()}
        text = to_json(self.to_dict())
        import json

        validated(RecheckDocument, json.loads(text), "recheck.json")
        out_dir = Path(out_dir)
        with staged_directory(out_dir) as stage:
            (stage / "recheck.json").write_text(text, encoding="utf-8")
        record(self.folder, self.history_entry(run_id))
        return changes

    def history_entry(self, run_id: str) -> Run:
        base = self.document["baseline"]
        rows = []
        for item in self.personas:
            verdict = item["verdict"]
            low, high = verdict.get("rate_ci") or (None, None)
            hold = item.get("holdout") or {}
            rows.append({
                "persona_id": item["id"], "name": item["name"], "status": verdict["status"],
                "action": verdict["action"], "excluded": item["excluded"],
                "records": item["size"]["records"], "share": item["size"]["share"],
                "known": verdict.get("records"), "positives": verdict.get("positives"),
                "rate": verdict.get("rate"), "rate_low": low, "rate_high": high,
                "holdout_known": hold.get("known"), "holdout_positives": hold.get("conversions"),
            })  # fmt: skip
        return Run(
            "recheck",
            {
                "run_id": run_id,
                "data": self.document["data"],
                "records": base["records"],
                "known": base["known"],
                "positives": base["positives"],
                "baseline_rate": base["rate"],
                "excluded": self.document["excluded"],
                "summary": self.document["summary"],
            },
            rows,
        )


def recheck(
    folder: str | Path,
    data: Any,
    spec: Spec | None = None,
    *,
    previous: Any = None,
    basis: str = "auto",
    candidates: bool = True,
    today: date | None = None,
    progress: Progress | None = None,
    frames: dict[str, Any] | None = None,
) -> RecheckResult:
    """Re-check the personas of ``folder`` on ``data`` (see the module docstring).

    ``spec`` is the dataset's spec (needed when personas use related tables; otherwise the
    settings stored at discovery are used). ``previous`` is the data as it was at discovery, for
    graduates and leavers (default: none). ``basis`` is ``auto``, ``members`` or ``holdout``
    (see :func:`negpersona.monitor.status.evidence`).
    """
    say = progress or (lambda _stage: None)
    today = today or date.today()
    folder = Path(folder)
    if basis not in BASES:
        raise DataError(
            f"Unknown basis {basis!r}.", "Use auto, members or holdout.", setting="basis"
        )
    personas = Personas.load(folder)
    result = DiscoveryResult.read(folder)
    settings = personas.settings
    spec = spec_for(settings, spec)
    say("Reading the new batch")
    source = open_source(data, delimiter=spec.delimiter, table=spec.table)
    table = source.table
    if spec.related:
        table, _ = attach_related(
            table, spec.related, backend=source.backend, reference_time=spec.reference_time,
            frames=frames,
        )  # fmt: skip
    table = personas._checked(table, source.name)  # missing or mistyped columns: clear errors
    outcome = batch_outcome(table, spec.outcome, source.dialect)
    table = outcome.table
    id_column = spec.id or settings.get("id")
    has_id = bool(id_column and id_column in table.columns)
    excluded = set(personas.excluded)
    flags = {p.id: segment_filter(table, p.conditions) for p in personas.personas}
    held = (
        holdout_flag(table[id_column], personas.holdout, personas.salt)
        if has_id and personas.holdout > 0 and excluded
        else None
    )
    say("Counting members and drift")
    reference = _reference_bins(result, table)
    counts = count_batch(table, outcome.known, outcome.label, flags, held, reference)
    if counts.total.records == 0:
        raise DataError(
            f"{source.name} has no records.",
            "Re-check on a batch with records (the personas are unchanged).",
            code="recheck.empty",
        )
    baseline = counts.total.rate if outcome.available else None
    discovery = spec.discovery
    groups = {
        p.id: evidence(
            p, counts.members[p.id], counts.holdout[p.id], p.id in excluded, basis,
            discovery.min_records,
        )
        for p in personas.personas
    }  # fmt: skip
    verdicts = judge(
        personas.personas,
        groups,
        baseline,
        max_rate_ratio=float(settings.get("max_rate_ratio", discovery.max_rate_ratio)),
        alpha=float(settings.get("alpha", discovery.alpha)),
        correction=str(settings.get("correction", discovery.correction)),
        min_records=discovery.min_records,
    )
    sizes = _sizes(personas.personas, counts, result.baseline, discovery.alpha)
    drift, population = _drift(result, counts.bins, personas.personas)
    moved = None
    if previous is not None:
        if not has_id:
            raise DataError(
                "Graduates and leavers need a record id in both batches.",
                "Set the id column (id: in the spec) or leave out the previous data.",
                code="recheck.movement_needs_id",
                setting="id",
            )
        say("Following members since discovery")
        moved = _movement(previous, spec, table, outcome, personas.personas, id_column, source)
    suggestions, candidate_note = [], None
    if candidates and outcome.available:
        say("Looking for new candidates")
        suggestions, candidate_note = _candidates(data, spec, table, personas.personas, frames)
    late = {item["id"] for item in overdue(personas.personas, today)}
    items = []
    for persona in personas.personas:
        verdict = verdicts[persona.id]
        item: dict[str, Any] = {
            "id": persona.id,
            "name": persona.name,
            "description": persona.description,
            "excluded": persona.id in excluded,
            "paused": persona.id in personas.paused,
            "expected_rate": persona.expected_rate,
            "expected_rate_ci": list(persona.expected_rate_ci),
            "expected_basis": before_counts(persona),
            "size": sizes[persona.id],
            "members": _group(counts.members[persona.id]),
            "verdict": verdict,
            "drift": drift.get(persona.id, []),
            "review_by": persona.extra.get("review_by"),
            "review_overdue": persona.id in late,
        }
        if persona.id in excluded and held is not None:
            item["holdout"] = holdout_readout(persona, counts.holdout[persona.id], baseline)
        if moved is not None:
            item["movement"] = moved.get(persona.id)
        items.append(item)
    notes = _notes(outcome, held, excluded, has_id, personas, previous, result, candidate_note)
    statuses = [item["verdict"]["status"] for item in items]
    document = {
        "kind": "recheck",
        "created": datetime.now(UTC).isoformat(timespec="seconds"),
        "folder": str(folder),
        "data": source.name,
        "discovered": result.extra.get("created"),
        "outcome_available": outcome.available,
        "baseline": {
            "records": counts.total.records,
            "known": counts.total.known,
            "positives": counts.total.positives,
            "rate": baseline,
            "rate_ci": list(rate_interval(counts.total.positives, counts.total.known))
            if outcome.available
            else None,
            "at_discovery": result.baseline.get("rate"),
        },
        "settings": {
            "basis": basis,
            "max_rate_ratio": settings.get("max_rate_ratio", discovery.max_rate_ratio),
            "alpha": settings.get("alpha", discovery.alpha),
            "correction": settings.get("correction", discovery.correction),
            "min_records": discovery.min_records,
        },
        "excluded": sorted(excluded),
        "summary": {status: statuses.count(status) for status in dict.fromkeys(statuses)},
        "personas": items,
        "population_drift": population,
        "candidates": suggestions,
        "review": overdue(personas.personas, today),
        "notes": notes,
    }
    return RecheckResult(
        document,
        folder,
        holds=[item["id"] for item in items if item["verdict"]["status"] == "holds"],
        broken={
            item["id"]: item["verdict"].get("reason", "broken")
            for item in items
            if item["verdict"]["status"] == "broken" and item["excluded"]
        },
        review_days=spec.cards.review_days,
    )


def spec_for(settings: dict[str, Any], spec: Spec | None) -> Spec:
    """The spec to read a new batch with: the user's, else one rebuilt from the run's settings.

    The outcome comes from the spec when it names one, else from ``outcome_spec`` in the run's
    settings (written by discovery); with neither, the batch is treated as having no outcomes.
    """
    stored = settings.get("outcome_spec") or {}
    if spec is not None:
        if not (spec.outcome.column or spec.outcome.expression) and stored:
            return spec.model_copy(update={"outcome": Outcome.model_validate(stored)})
        same_column = stored.get("column") == spec.outcome.column
        if same_column and spec.outcome.column and stored.get("positive"):
            positive = spec.outcome.positive or stored["positive"]
            outcome = spec.outcome.model_copy(update={"positive": positive})
            return spec.model_copy(update={"outcome": outcome})
        return spec
    discovery = {k: settings[k] for k in DiscoverySettings.model_fields if k in settings}
    return validate_spec(
        {
            "id": settings.get("id"),
            "time": settings.get("time"),
            "value": settings.get("value_column"),
            "cost": settings.get("cost_column"),
            "exclude": settings.get("exclude") or [],
            "allow_sensitive": settings.get("allow_sensitive") or [],
            "allow_columns": settings.get("allow_columns") or [],
            "outcome": stored,
            "discovery": discovery,
        },
        "the settings in personas.json",
    )


def _group(counts: Any) -> dict[str, Any]:
    return {"records": counts.records, "known": counts.known, "positives": counts.positives}


def _sizes(
    personas: list[Persona], counts: Any, baseline: dict[str, Any], alpha: float
) -> dict[str, dict[str, Any]]:
    """Size and share now vs at discovery, with a (Holm-corrected) test of the share shift."""
    total_then = int(baseline.get("records") or 0)
    total_now = counts.total.records
    sizes, p_values = {}, []
    for persona in personas:
        then = persona.records + (persona.confirmation.records if persona.confirmation else 0)
        now = counts.members[persona.id].records
        p_value = share_shift_p_value((now, total_now), (then, total_then))
        p_values.append(p_value)
        sizes[persona.id] = {
            "records": now,
            "share": now / total_now if total_now else 0.0,
            "records_at_discovery": then,
            "share_at_discovery": then / total_then if total_then else None,
            "p_value": p_value,
        }
    for persona, adjusted in zip(personas, adjust(p_values, "holm"), strict=True):
        size = sizes[persona.id]
        size["p_adjusted"] = adjusted
        size["shifted"] = bool(adjusted < alpha)
    return sizes


def _reference_bins(result: DiscoveryResult, table: Any) -> list[Bins]:
    """The bins discovery stored for drift, of the columns the batch still has."""
    reference = (result.extra.get("reference") or {}).get("columns") or {}
    return [
        Bins.from_dict(stored) for column, stored in reference.items() if column in table.columns
    ]


def _drift(
    result: DiscoveryResult, counted: dict[str, Bins], personas: list[Persona]
) -> tuple[dict[str, list[dict[str, Any]]], list[dict[str, Any]]]:
    """PSI per column: over all records, and over each persona's members for its columns.

    ``counted`` holds the batch's counts in the stored bins (from the one counting scan).
    """
    reference = (result.extra.get("reference") or {}).get("columns") or {}
    per_persona: dict[str, list[dict[str, Any]]] = {p.id: [] for p in personas}
    population = []
    for column, now in counted.items():
        bins = Bins.from_dict(reference[column])
        value = psi(bins.counts, now.counts)
        population.append({
            "column": column, "psi": value, "band": psi_band(value),
            "moved": moved_bins(bins, bins.counts, now.counts),
        })  # fmt: skip
        for persona in personas:
            before = bins.members.get(persona.id)
            if before is None or not _uses(persona, column, result):
                continue
            value = psi(before, now.members[persona.id])
            per_persona[persona.id].append({
                "column": column, "psi": value, "band": psi_band(value),
                "condition": any(c.column == column for c in persona.conditions),
                "moved": moved_bins(bins, before, now.members[persona.id]),
            })  # fmt: skip
    return per_persona, population


def _uses(persona: Persona, column: str, result: DiscoveryResult) -> bool:
    if any(c.column == column for c in persona.conditions):
        return True
    profile = (persona.extra.get("card") or {}).get("profile") or {}
    return any(entry.get("column") == column for items in profile.values() for entry in items)


def _movement(
    previous: Any, spec: Spec, table: Any, outcome: Any, personas: list[Persona], id_column: str,
    source: Any,
) -> dict[str, Any]:  # fmt: skip
    before = open_source(previous, delimiter=spec.delimiter, table=spec.table)
    old = before.table
    if spec.related:
        old, _ = attach_related(
            old, spec.related, backend=before.backend, reference_time=spec.reference_time
        )
    if id_column not in old.columns:
        raise DataError(
            f"No id column {id_column!r} in the previous data {before.name}.",
            "Graduates and leavers are followed by id: use the data discovery ran on.",
            code="recheck.previous_without_id",
        )
    old_outcome = batch_outcome(old, spec.outcome, before.dialect)
    return movement(
        old_outcome.table,
        old_outcome.label,
        table,
        outcome.label,
        personas,
        id_column,
        source.backend,
    )


def _candidates(
    data: Any, spec: Spec, table: Any, current: list[Persona], frames: Any
) -> tuple[list[dict[str, Any]], str | None]:
    from negpersona.discovery import discover

    try:
        found = discover(data, spec, frames=frames)
    except NegPersonaError as error:
        return [], f"New candidates were not searched: {error.message}"
    suggestions = new_candidates(table, found.personas, current)
    return suggestions, None


def _notes(
    outcome: Any, held: Any, excluded: set[str], has_id: bool, personas: Personas,
    previous: Any, result: DiscoveryResult, candidate_note: str | None,
) -> list[str]:  # fmt: skip
    notes = []
    if not outcome.available:
        notes.append(
            f"The batch has no outcomes yet ({outcome.reason}): sizes and drift only; the rates "
            "need outcomes. Re-check when they arrive."
        )
    if excluded and held is None:
        why = "no record id in the batch" if not has_id else "the policy keeps no holdout"
        notes.append(
            f"No holdout read-out ({why}): excluded members' outcomes are then the only evidence, "
            "and they are biased if those records were not contacted."
        )
    if not (result.extra.get("reference") or {}).get("columns"):
        notes.append(
            "This run stored no reference distributions (written by an older negpersona): "
            "run discovery again to measure drift."
        )
    if previous is None:
        notes.append(
            "Graduates and leavers need the records as they were at discovery (previous data)."
        )
    if candidate_note:
        notes.append(candidate_note)
    return notes
