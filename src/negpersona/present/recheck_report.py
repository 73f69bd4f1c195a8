"""The re-check report: what a re-check found, in words a team lead can act on.

``negpersona report FOLDER`` on a folder holding ``recheck.json`` (written by
:meth:`negpersona.monitor.recheck.RecheckResult.commit`) writes ``FOLDER/report.html`` (or
``.md``/``.json``) from :func:`recheck_model`: a summary (how many personas hold, weaken, are
broken or need more records, and what to do about each group), then one section per persona with
its status, the action and the reason in plain words, its rate now against what discovery
expected and against the new baseline, the exploration holdout read-out, drift per column, who
moved since discovery, and finally new candidate segments, notes and review reminders.

The page never shows p-values or setting names: the tests behind a status are summed up as
"clearly" (significant after the correction discovery used) and the limit a persona must stay
under is shown as a rate. Everything comes from ``recheck.json`` (and, for the rate-over-runs
chart, the run history of the personas folder it names); every string is redacted like the
discovery report's, so record ids that happen to be emails or phone numbers never reach the page.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from negpersona import __version__
from negpersona.errors import DataError
from negpersona.explain.redact import redact_nested
from negpersona.model.conditions import humanize
from negpersona.model.document import RecheckDocument, validated
from negpersona.monitor.status import STATUS_LABELS, STATUSES
from negpersona.present.run_history import persona_history

FILE = "recheck.json"

# Status → badge class; the page lists what needs attention first.
STATUS_ORDER = ("broken", "weakening", "too few records", "awaiting outcomes", "holds")
STATUS_CLASSES = {
    "holds": "ok",
    "weakening": "warning",
    "broken": "error",
    "too few records": "muted",
    "awaiting outcomes": "muted",
}
BANDS = {
    "stable": "stable",
    "moderate": "moderate shift",
    "large": "large shift",
    "unknown": "not measured",
}
_DATA_SUFFIXES = {".csv", ".tsv", ".txt", ".gz", ".parquet", ".json", ".jsonl", ".xlsx", ".duckdb"}
BAND_CLASSES = {"stable": "ok", "moderate": "warning", "large": "error", "unknown": "muted"}


def is_recheck_folder(folder: str | Path) -> bool:
    """A folder with ``recheck.json`` and no ``personas.json`` (a re-check's own folder)."""
    folder = Path(folder)
    return (folder / FILE).is_file() and not (folder / "personas.json").exists()


def read_recheck(folder: str | Path) -> dict[str, Any]:
    """The re-check document of ``folder``, checked against its schema."""
    path = Path(folder) / FILE
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except ValueError as exc:
        raise DataError(
            f"{path} is damaged ({exc}).",
            "Run the re-check again to rewrite it.",
            code="report.recheck_damaged",
        ) from None
    validated(RecheckDocument, data, path)
    return data


def recheck_model(folder: str | Path) -> tuple[dict[str, Any], list[str]]:
    """Everything the re-check report shows, as plain data (the ``--format json`` content)."""
    folder = Path(folder)
    document = read_recheck(folder)
    history, warnings = _history(document)
    model = build_model(document, history)
    model["warnings"] = warnings
    return redact_nested(model), warnings


def build_model(
    document: dict[str, Any], history: dict[str, list[dict[str, Any]]] | None = None
) -> dict[str, Any]:
    """The view model of a re-check document (``history``: rate-over-runs rows per persona)."""
    history = history or {}
    base = document["baseline"]
    settings = document.get("settings") or {}
    ratio = settings.get("max_rate_ratio")
    cap = ratio * base["rate"] if ratio is not None and base.get("rate") is not None else None
    names = {item["id"]: item["name"] for item in document["personas"]}
    changes = document.get("changes") or {}
    paused_now = set(changes.get("paused") or [])
    personas = [
        _persona(item, base, settings, cap, paused_now, history.get(item["id"]) or [])
        for item in document["personas"]
    ]
    personas.sort(key=lambda p: (STATUS_ORDER.index(p["status"]), p["name"]))
    counts = _counts(personas)
    population = sorted(
        (_drift(entry) for entry in document.get("population_drift") or []),
        key=lambda entry: -(entry["psi"] or 0.0),
    )
    candidates = [
        {
            "name": c.get("name", ""),
            "description": c.get("description") or [],
            "records": c.get("records"),
            "rate": c.get("rate"),
            "rate_ci": c.get("rate_ci") or [None, None],
            "closest": names.get(c.get("closest_persona"), c.get("closest_persona")),
            "overlap": c.get("jaccard"),
        }
        for c in document.get("candidates") or []
    ]
    review = [
        {**entry, "name": names.get(entry.get("id"), entry.get("name", entry.get("id")))}
        for entry in document.get("review") or []
    ]
    moved = [names.get(pid, pid) for pid in changes.get("review_moved") or []]
    model = {
        "kind": "recheck",
        "title": "Persona re-check",
        "version": __version__,
        "created": document.get("created"),
        "discovered": document.get("discovered"),
        "data": _source_name(document.get("data")),
        "run_id": document.get("run_id"),
        "outcome_available": document.get("outcome_available", True),
        "baseline": {
            **base,
            "change": base["rate"] - base["at_discovery"]
            if base.get("rate") is not None and base.get("at_discovery") is not None
            else None,
        },
        "limit": {"ratio": ratio, "rate": cap},
        "counts": counts,
        "total": len(personas),
        "headline": _headline(counts, len(personas)),
        "todo": _todo(personas, population, candidates, review, document),
        "personas": personas,
        "population_drift": population,
        "drift_counts": {
            band: sum(entry["band"] == band for entry in population)
            for band in ("large", "moderate")
        },
        "candidates": candidates,
        "review": review,
        "review_next": changes.get("review_by"),
        "review_moved": moved,
        "paused": [names.get(pid, pid) for pid in changes.get("paused") or []],
        "notes": document.get("notes") or [],
    }
    return model


# ---- personas ----------------------------------------------------------------------------------


def _persona(
    item: dict[str, Any],
    base: dict[str, Any],
    settings: dict[str, Any],
    cap: float | None,
    paused_now: set[str],
    history: list[dict[str, Any]],
) -> dict[str, Any]:
    verdict = item["verdict"]
    status = verdict["status"]
    size = item.get("size") or {}
    expected_ci = item.get("expected_rate_ci") or [None, None]
    hold = item.get("holdout")
    view = {
        "id": item["id"],
        "name": item["name"],
        "description": item.get("description") or [],
        "excluded": item["excluded"],
        "paused": bool(item.get("paused")) or item["id"] in paused_now,
        "paused_now": item["id"] in paused_now,
        "status": status,
        "status_label": STATUS_LABELS[status],
        "status_class": STATUS_CLASSES[status],
        "action": _action(
            status, item["excluded"], item["id"] in paused_now, bool(item.get("paused"))
        ),
        "reason": _reason(item, base, settings, cap),
        "basis": verdict.get("basis", "members"),
        "records": verdict.get("records"),
        "positives": verdict.get("positives"),
        "rate": verdict.get("rate"),
        "rate_ci": verdict.get("rate_ci") or [None, None],
        "rate_ratio": verdict.get("rate_ratio"),
        "expected_rate": item.get("expected_rate"),
        "expected_rate_ci": expected_ci,
        "baseline_rate": base.get("rate"),
        "limit_rate": cap,
        "size": {
            "records": size.get("records"),
            "share": size.get("share"),
            "records_at_discovery": size.get("records_at_discovery"),
            "share_at_discovery": size.get("share_at_discovery"),
            "shifted": bool(size.get("shifted")),
        },
        "holdout": _holdout(hold) if hold else None,
        "drift": sorted(
            (_drift(entry) for entry in item.get("drift") or []),
            key=lambda entry: (not entry["condition"], -(entry["psi"] or 0.0)),
        ),
        "movement": _movement(item.get("movement")) if item.get("movement") else None,
        "review_by": item.get("review_by"),
        "review_overdue": bool(item.get("review_overdue")),
        "history": history,
    }
    view["drift_worst"] = max(
        (entry["band"] for entry in view["drift"]),
        key=lambda band: ("unknown", "stable", "moderate", "large").index(band),
        default=None,
    )
    view["rate_rows"] = _rate_rows(view)
    return view


def _action(status: str, excluded: bool, paused_now: bool, paused: bool = False) -> str:
    """What to do with a persona, as a short instruction."""
    if status == "holds":
        return "Keep it" + (" excluded." if excluded else ".")
    if status == "weakening":
        return "Review it with the team before the next campaign."
    if status == "broken":
        if excluded or paused_now:
            done = " This re-check has paused its exclusion." if paused_now else ""
            return "Stop excluding it: reach these records as usual again." + done
        if paused:
            return "Keep its exclusion paused; retire it or run discovery again on recent data."
        return "Retire it, or run discovery again on recent data."
    if status == "too few records":
        return "Keep it as it is; re-check when more of its records have an outcome."
    return "Keep it as it is; re-check when this batch's outcomes arrive."


def _reason(
    item: dict[str, Any], base: dict[str, Any], settings: dict[str, Any], cap: float | None
) -> str:
    """Why the persona has its status, with numbers and without p-values or setting names."""
    verdict = item["verdict"]
    status = verdict["status"]
    rate, expected, baseline = verdict.get("rate"), item.get("expected_rate"), base.get("rate")
    ratio = settings.get("max_rate_ratio")
    where = " on its exploration holdout" if verdict.get("basis") == "holdout" else ""
    limit = (
        f"the limit of {_pct(cap)} ({_pct(ratio, 0)} of the new baseline rate)"
        if cap is not None and ratio is not None
        else "the limit for a persona"
    )
    if status == "awaiting outcomes":
        return "This batch has no outcomes yet, so only its size and drift are known."
    if status == "too few records" and not verdict.get("tests"):
        return (
            f"Only {_count(verdict.get('records'))} of its records in this batch have an outcome"
            f"{where}: too few to tell whether it still holds."
        )
    now = f"Its rate now{where} is {_pct(rate)}"
    then = f"discovery expected {_pct(expected)}"
    if status == "holds":
        return f"{now} ({then}): still clearly below {limit}."
    if status == "broken":
        return (
            f"{now}, up from the {_pct(expected)} discovery expected, and no longer below the "
            f"baseline rate of {_pct(baseline)}."
        )
    if status == "weakening":
        rose = (verdict.get("tests") or {}).get("rose") or {}
        alpha = float(settings.get("alpha") or 0.05)
        if rose.get("p_adjusted") is not None and rose["p_adjusted"] < alpha:
            return (
                f"{now}, clearly up from the {_pct(expected)} discovery expected, though still "
                f"below the baseline rate of {_pct(baseline)}."
            )
        return (
            f"{now}: above {limit}, though not clearly above the {_pct(expected)} discovery "
            "expected."
        )
    return (
        f"{now} ({then}): consistent with discovery, but too few records to show it is still "
        f"below {limit}."
    )


def _rate_rows(view: dict[str, Any]) -> list[dict[str, Any]]:
    """The rows of the persona's rate chart: expected, now and (when separate) the holdout."""
    rows = []
    if view["expected_rate"] is not None:
        low, high = view["expected_rate_ci"]
        rows.append(
            {"label": "Expected (discovery)", "rate": view["expected_rate"], "low": low,
             "high": high}
        )  # fmt: skip
    if view["rate"] is not None:
        low, high = view["rate_ci"]
        label = "Now (holdout)" if view["basis"] == "holdout" else "Now (all members)"
        rows.append({"label": label, "rate": view["rate"], "low": low, "high": high})
    hold = view["holdout"]
    if hold and view["basis"] != "holdout" and hold["rate"] is not None:
        low, high = hold["rate_ci"]
        rows.append({"label": "Now (holdout)", "rate": hold["rate"], "low": low, "high": high})
    return rows


def _holdout(hold: dict[str, Any]) -> dict[str, Any]:
    low, high = hold.get("rate_ci") or (None, None)
    return {
        "records": hold.get("records"),
        "known": hold.get("known"),
        "conversions": hold.get("conversions"),
        "expected_conversions": hold.get("expected_conversions"),
        "expected_rate": hold.get("expected_rate"),
        "rate": hold.get("rate"),
        "rate_ci": hold.get("rate_ci") or [None, None],
        "baseline_rate": hold.get("baseline_rate"),
        "reading": _reading(hold.get("known"), low, high, hold.get("expected_rate"),
                            hold.get("baseline_rate")),
    }  # fmt: skip


def _reading(
    known: Any, low: float | None, high: float | None, expected: float | None,
    baseline: float | None,
) -> str | None:  # fmt: skip
    """What the holdout's exact interval says, against the expected rate and the baseline.

    An interval wide enough to hold both the expected rate and the baseline cannot tell them
    apart: that is "too few records", never "converts as well as everyone".
    """
    if not known or low is None or high is None or expected is None or baseline is None:
        return None
    if low >= baseline:
        return "converts at least as often as everyone: excluding it costs conversions"
    if high < expected:
        return "below what was expected"
    if low <= expected:
        if high >= baseline:
            return (
                "consistent with what was expected, but too few held-out records to rule out "
                "the baseline rate"
            )
        return "within what was expected, and clearly below the baseline"
    if high >= baseline:
        return "above what was expected, and possibly as high as the baseline"
    return "above what was expected, still below the baseline"


def _drift(entry: dict[str, Any]) -> dict[str, Any]:
    band = entry.get("band") or "unknown"
    return {
        "column": humanize(str(entry["column"])),
        "psi": entry.get("psi"),
        "band": band,
        "band_label": BANDS.get(band, band),
        "band_class": BAND_CLASSES.get(band, "muted"),
        "condition": bool(entry.get("condition")),
        "moved": [
            {"value": m.get("value"), "before": m.get("share_before"), "now": m.get("share_now")}
            for m in entry.get("moved") or []
        ],
    }


def _movement(moved: dict[str, Any]) -> dict[str, Any]:
    def group(key: str) -> dict[str, Any]:
        value = moved.get(key) or {}
        return {"records": value.get("records", 0), "examples": value.get("examples") or []}

    leavers = moved.get("leavers") or {}
    return {
        "seen_again": moved.get("seen_again", 0),
        "late_converters": group("late_converters"),
        "graduates": group("graduates"),
        "leavers": {
            **group("leavers"),
            "conditions": leavers.get("conditions_no_longer_met") or [],
        },
    }


# ---- summary -----------------------------------------------------------------------------------


def _counts(personas: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """One entry per status, in the page's order; the four main ones always, others if any."""
    counts = []
    for status in STATUSES:
        n = sum(p["status"] == status for p in personas)
        if n or status != "awaiting outcomes":
            counts.append({
                "status": status, "label": STATUS_LABELS[status], "count": n,
                "class": STATUS_CLASSES[status] if n else "muted",
            })  # fmt: skip
    return counts


_VERBS = {
    "holds": ("holds", "hold"),
    "weakening": ("is weakening", "are weakening"),
    "broken": ("is broken", "are broken"),
    "too few records": ("needs more records", "need more records"),
    "awaiting outcomes": ("awaits outcomes", "await outcomes"),
}


def _headline(counts: list[dict[str, Any]], total: int) -> str:
    if not total:
        return "The folder has no personas to re-check."
    parts = [
        f"{c['count']} {_VERBS[c['status']][0 if c['count'] == 1 else 1]}"
        for c in counts
        if c["count"]
    ]
    listed = parts[0] if len(parts) == 1 else ", ".join(parts[:-1]) + " and " + parts[-1]
    return f"Of {total} persona{'s' if total != 1 else ''}, {listed}."


def _names(personas: list[dict[str, Any]]) -> str:
    names = [f"“{p['name']}”" for p in personas]
    return names[0] if len(names) == 1 else ", ".join(names[:-1]) + " and " + names[-1]


def _todo(
    personas: list[dict[str, Any]],
    population: list[dict[str, Any]],
    candidates: list[dict[str, Any]],
    review: list[dict[str, Any]],
    document: dict[str, Any],
) -> list[str]:
    """What to do, most urgent first, one sentence per group of personas."""
    by = {status: [p for p in personas if p["status"] == status] for status in STATUS_LABELS}
    todo = []
    stop = [p for p in by["broken"] if p["excluded"] or p["paused_now"]]
    if stop:
        paused = [p for p in stop if p["paused_now"]]
        todo.append(
            f"Stop excluding {_names(stop)}: their rate rose and is no longer below the baseline."
            + (
                f" This re-check already paused the exclusion of {_names(paused)}."
                if paused
                else ""
            )
        )
    retire = [p for p in by["broken"] if not (p["excluded"] or p["paused_now"])]
    if retire:
        todo.append(
            f"Retire {_names(retire)} or run discovery again: they no longer convert less often "
            "than everyone."
        )
    if by["weakening"]:
        todo.append(
            f"Review {_names(by['weakening'])} with the team before the next campaign: their "
            "rate moved towards the baseline."
        )
    if by["too few records"]:
        todo.append(
            f"Keep {_names(by['too few records'])} as they are and re-check with more records: "
            "this batch holds too few of their members with an outcome to tell."
        )
    if by["awaiting outcomes"]:
        todo.append(
            "Re-check when this batch's outcomes arrive: until then only sizes and drift are known."
        )
    if by["holds"]:
        next_review = (document.get("changes") or {}).get("review_by")
        todo.append(
            f"Keep {_names(by['holds'])}: they still convert clearly less often than the baseline."
            + (f" Next review by {next_review}." if next_review else "")
        )
    if review:
        todo.append(f"Review {_names(review)}: the review date set for them has passed.")
    shifted = [p for p in personas if p["size"]["shifted"]]
    if shifted:
        todo.append(
            f"Check why the share of {_names(shifted)} changed clearly since discovery (a new "
            "channel, a form change, a different market?)."
        )
    large = [entry["column"] for entry in population if entry["band"] == "large"]
    if large:
        todo.append(
            f"The values of {', '.join(large)} moved a lot since discovery: check the data source "
            "before relying on these personas."
        )
    if candidates:
        todo.append(
            f"Look at the {len(candidates)} new candidate segment(s) below: suggestions from this "
            "batch, not personas yet."
        )
    return todo


# ---- history and helpers -----------------------------------------------------------------------


def _history(document: dict[str, Any]) -> tuple[dict[str, list[dict[str, Any]]], list[str]]:
    """Rate-over-runs rows per persona from the personas folder's history, up to this run.

    Only when the folder named in the document still has a history holding this re-check's run
    (a later run would not belong on this page; a missing one means another history).
    """
    run_id = document.get("run_id")
    folder = Path(str(document.get("folder") or ""))
    if not run_id or not document.get("folder") or not (folder / "history.duckdb").is_file():
        return {}, []
    return persona_history(folder, until_run=run_id)


def _source_name(data: Any) -> str | None:
    """The batch's file name (a full path says where the analyst keeps files, not what ran)."""
    if not data:
        return None
    text = str(data)
    path = Path(text)
    if "://" in text or path.suffix.lower() not in _DATA_SUFFIXES:
        return text  # a connection, a query or a table name: shown as given
    return path.name


def _pct(value: Any, digits: int = 1) -> str:
    if value is None:
        return "–"
    return f"{float(value):.{digits}%}"


def _count(value: Any) -> str:
    return "no" if not value else f"{int(value):,}"
