"""The report: one self-contained file a marketing team can share.

``negpersona report OUT_DIR`` reads what ``discover`` wrote (``personas.json``, ``audit.json``
and the persona YAML files people may have edited) and writes ``OUT_DIR/report.html``: every
style, script and chart inlined, no request to any network, so it works offline and as an email
attachment. ``--format md`` writes a wiki page (``report.md``) and ``--format json`` the same
content as data (``report.json``).

On a re-check's folder (``recheck.json`` and no ``personas.json``) the same command writes the
re-check report instead (:mod:`negpersona.present.recheck_report`). When the personas folder has
a run history (``history.duckdb``) with at least two runs of a persona, its card gets a small
chart of the rate over runs.

The report never needs the data again: everything it shows was computed by ``discover`` (see
``cards.py``). Every string goes through :func:`negpersona.explain.redact.redact` before rendering, so no
email address or phone number reaches the page even if one slipped into a value or a message.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any, Literal

import jinja2

from negpersona import __version__
from negpersona.config.tables import ROLES
from negpersona.errors import DataError
from negpersona.explain.edits import apply_edits
from negpersona.explain.redact import redact_nested
from negpersona.model.atomic import write_text
from negpersona.model.conditions import humanize
from negpersona.model.persona import DiscoveryResult
from negpersona.present.recheck_report import is_recheck_folder, recheck_model
from negpersona.present.run_history import persona_history

Format = Literal["html", "md", "json"]
ASPECT_TITLES = {
    "demographic": "Who they are",
    "behavior": "How they behave",
    "need": "What they need and prefer",
    "characteristic": "Other characteristics",
}
EXCLUSION_CAVEAT = (
    "Ad platforms can only exclude people they match, and audience changes take 24–48 hours to "
    "apply: real exclusion is partial and delayed."
)


def write_report(out_dir: str | Path, fmt: Format = "html") -> tuple[Path, list[str]]:
    """Write ``OUT_DIR/report.{html,md,json}``; return its path and the warnings found."""
    out_dir = Path(out_dir)
    model, warnings = report_model(out_dir)
    path = out_dir / f"report.{fmt}"
    if fmt == "json":
        text = json.dumps(model, indent=2, ensure_ascii=False, default=str)
    elif fmt == "md":
        template = "recheck.md.j2" if model.get("kind") == "recheck" else "report.md.j2"
        text = _environment().get_template(template).render(**model)
    else:
        text = render_html(model)
    write_text(path, text)
    return path, warnings


def report_model(out_dir: str | Path) -> tuple[dict[str, Any], list[str]]:
    """Everything the report shows, as plain data (the ``--format json`` content).

    A re-check's folder gives the re-check report's model (``"kind": "recheck"``).
    """
    out_dir = Path(out_dir)
    if not out_dir.is_dir():
        raise DataError(
            f"{out_dir} is not a folder.",
            "Pass the folder that discovery wrote.",
            code="report.not_a_folder",
        )
    if is_recheck_folder(out_dir):
        return recheck_model(out_dir)
    if not (out_dir / "personas.json").exists():
        raise DataError(
            f"No personas.json or recheck.json in {out_dir}.",
            "Pass the folder that discovery or a re-check wrote.",
            code="report.nothing_to_report",
        )
    result = DiscoveryResult.read(out_dir)
    warnings = apply_edits(result, out_dir)
    history, history_warnings = persona_history(out_dir)
    warnings = [*warnings, *history_warnings]
    audit = _read_json(out_dir / "audit.json")
    policy = _read_json(out_dir / "policy.json")
    settings = result.settings
    model = {
        "title": "Negative personas",
        "version": __version__,
        "created": result.extra.get("created"),
        "data_window": result.extra.get("data_window"),
        "source": settings.get("source"),
        "outcome": settings.get("outcome"),
        "outcome_kind": settings.get("outcome_kind", "conversion"),
        "split": settings.get("split"),
        "baseline": result.baseline,
        "notes": result.notes,
        "warnings": warnings,
        "audit": _audit_summary(audit),
        "set_aside": _set_aside(result.set_aside),
        "tradeoff": result.extra.get("tradeoff", []),
        "policy": _policy_summary(policy, result),
        "personas": _with_overlap_names(
            [
                {**_persona_view(p.to_dict(), result.baseline), "history": history.get(p.id, [])}
                for p in result.personas
            ]
        ),
        "unconfirmed": len(result.unconfirmed),
        "exclusion_caveat": EXCLUSION_CAVEAT,
    }
    return redact_nested(model), warnings


def render_html(model: dict[str, Any]) -> str:
    """The self-contained HTML page of a report model (discovery or re-check)."""
    from negpersona.present.charts import embed_script, history_chart, rate_chart, tradeoff_chart

    charts: dict[str, dict[str, Any]] = {}
    recheck = model.get("kind") == "recheck"
    if not recheck and len(model["tradeoff"]) > 1:
        charts["chart-tradeoff"] = tradeoff_chart(model["tradeoff"])
    for persona in model["personas"]:
        if persona["rate_rows"] and persona["baseline_rate"] is not None:
            charts[f"chart-{persona['id']}"] = rate_chart(
                persona["rate_rows"], persona["baseline_rate"]
            )
        if persona.get("history"):
            charts[f"history-{persona['id']}"] = history_chart(persona["history"])
    css = _environment().get_template("report.css").render()
    template = "recheck.html.j2" if recheck else "report.html.j2"
    return (
        _environment()
        .get_template(template)
        .render(**model, css=css, charts_script=embed_script(charts) if charts else "")
    )


# ---- view model --------------------------------------------------------------------------------


def _persona_view(data: dict[str, Any], baseline: dict[str, Any]) -> dict[str, Any]:
    card = data.get("card") or {}
    confirmation = data.get("confirmation")
    rows = [
        {
            "label": "Where found",
            "rate": data["rate"],
            "low": data["rate_ci"][0],
            "high": data["rate_ci"][1],
        }
    ]
    if confirmation:
        rows.append(
            {
                "label": "Held out",
                "rate": confirmation["rate"],
                "low": confirmation["rate_ci"][0],
                "high": confirmation["rate_ci"][1],
            }
        )
    base = (confirmation or {}).get("baseline_rate") or baseline.get("rate") or 0.0
    profile = card.get("profile") or {}
    return {
        "renamed": False,
        "notes": "",
        "review_by": None,
        **data,
        "rate_rows": rows,
        "baseline_rate": base,
        "aspects": [
            {"role": role, "title": ASPECT_TITLES[role], "items": profile.get(role) or []}
            for role in ROLES
        ],
        "reasons": card.get("reasons") or [],
        "exceptions": card.get("exceptions") or {},
        "exclusion": card.get("exclusion") or {},
        "talk_about": card.get("talk_about"),
        "profile_basis": card.get("profile_basis"),
        "language": card.get("language") or {},
        "overlaps": card.get("overlaps") or [],
    }


def _with_overlap_names(personas: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Overlaps with the other personas' current names (people may have renamed them)."""
    names = {p["id"]: p["name"] for p in personas}
    for persona in personas:
        persona["overlaps"] = [
            {**item, "name": names.get(item["id"], item["id"])} for item in persona["overlaps"]
        ]
    return personas


def _policy_summary(policy: dict[str, Any] | None, result: DiscoveryResult) -> dict | None:
    """The exclusion policy in words: rule, chosen personas, holdout, impact vs random."""
    if not policy:
        return None
    names = {p.id: p.name for p in result.personas}
    settings = policy.get("settings", {})
    rules = {
        "max_conversion_loss": "exclude personas while at most "
        f"{settings.get('max_conversion_loss', 0):.0%} of conversions are lost",
        "break_even": "exclude personas while the cost saved exceeds the value lost",
        "all": "exclude every persona",
        "none": "exclude no persona",
    }
    return {
        "rule": rules.get(policy.get("rule"), policy.get("rule")),
        "excluded": [
            {"id": pid, "name": names.get(pid, pid)} for pid in policy.get("excluded", [])
        ],
        "holdout": policy.get("holdout", 0.0),
        "chosen_step": policy.get("chosen_step", 0),
        "impact": policy.get("impact"),
        "curve": policy.get("curve", []),
    }


def _audit_summary(audit: dict[str, Any] | None) -> dict[str, Any] | None:
    if not audit:
        return None
    findings = audit.get("findings", [])
    order = {"error": 0, "warning": 1, "info": 2}
    return {
        "errors": sum(f.get("severity") == "error" for f in findings),
        "warnings": sum(f.get("severity") == "warning" for f in findings),
        "findings": sorted(findings, key=lambda f: order.get(f.get("severity"), 3))[:12],
        "more": max(0, len(findings) - 12),
        "summary": audit.get("summary", {}),
    }


def _set_aside(items: list[dict[str, str]]) -> list[dict[str, str]]:
    """Columns not used as conditions, sensitive ones first (the report lists them all)."""
    return sorted(
        ({"column": i["column"], "reason": i["reason"]} for i in items),
        key=lambda i: ("sensitive" not in i["reason"], i["column"]),
    )


def _read_json(path: Path) -> dict[str, Any] | None:
    if not path.exists():
        return None
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except ValueError as exc:
        raise DataError(f"{path} is damaged ({exc}).", "Run 'negpersona discover' again.") from None


# ---- templates ---------------------------------------------------------------------------------


def _environment() -> jinja2.Environment:
    return template_environment()


def template_environment(extra: jinja2.BaseLoader | None = None) -> jinja2.Environment:
    """The reports' Jinja2 environment (filters, escaping); ``extra`` templates are looked up
    first, so the dashboard can include the report's persona card and stylesheet."""
    loader: jinja2.BaseLoader = jinja2.PackageLoader("negpersona.present", "templates")
    if extra is not None:
        loader = jinja2.ChoiceLoader([extra, loader])
    environment = jinja2.Environment(
        loader=loader,
        autoescape=jinja2.select_autoescape(["html", "html.j2"]),
        trim_blocks=True,
        lstrip_blocks=True,
        undefined=jinja2.StrictUndefined,
    )
    environment.filters.update(
        pct=_pct, num=_num, money=_money, humanize=humanize, ratio=_ratio, mdtext=_md_text,
        mdcell=_md_cell,
    )  # fmt: skip
    environment.globals["persona_link"] = lambda persona_id: f"#{persona_id}"
    return environment


def _md_text(value: Any) -> str:
    """Text for Markdown: markup characters as entities, so a wiki shows them, never runs them."""
    text = "" if value is None else str(value)
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _md_cell(value: Any) -> str:
    """Text for a Markdown table cell: as :func:`_md_text`, on one line, ``|`` escaped."""
    return " ".join(_md_text(value).split()).replace("|", "\\|")


def _pct(value: Any, digits: int | None = None) -> str:
    if value is None:
        return "–"
    value = float(value)
    if digits is None:
        digits = 0 if abs(value) >= 0.1 else 1
        if 0 < abs(value) < 0.001:
            digits = 2
    return f"{value:.{digits}%}"


def _num(value: Any, digits: int = 0) -> str:
    if value is None:
        return "–"
    return f"{float(value):,.{digits}f}"


def _money(value: Any) -> str:
    if value is None:
        return "–"
    value = float(value)
    sign = "−" if value < 0 else ""
    return f"{sign}{abs(value):,.0f}"


def _ratio(value: Any) -> str:
    return "–" if value is None else f"{float(value):.2f}×"
