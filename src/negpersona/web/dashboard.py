"""The dashboard: server-rendered pages over the same library calls as the API.

Pages: sign-in, the overview (baseline, policy, trade-off chart, personas), one page per persona
(its card as in the report, plus editing: rename, action, pause/resume), the runs (history
charts, re-check statuses and reports) and "try a record" (score, with htmx when scripts run,
a plain form post when they do not). Every change is a POST with the session's CSRF token,
written atomically by the library (the YAML file or policy.json) and recorded in the folder's
audit trail (``history.duckdb``'s ``edits`` table).
"""

from __future__ import annotations

import hashlib
import json
from datetime import UTC, datetime
from functools import cache
from pathlib import Path
from typing import Any

import jinja2
from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from starlette.concurrency import run_in_threadpool

from negpersona import __version__
from negpersona.apply.route import score_records
from negpersona.errors import DataError, NegPersonaError
from negpersona.explain.edits import ACTIONS, write_edits
from negpersona.monitor.history import check_history, record_edits
from negpersona.monitor.review import pause, resume
from negpersona.monitor.status import STATUS_LABELS
from negpersona.present.charts import (
    chart_data,
    chart_module,
    history_chart,
    rate_chart,
    tradeoff_chart,
)
from negpersona.present.recheck_report import STATUS_CLASSES, recheck_model
from negpersona.present.report import render_html, template_environment
from negpersona.web.auth import (
    CSRF_FIELD,
    AuthError,
    check_csrf,
    csrf_token,
    key_matches,
    sign_in,
    signed_in,
)
from negpersona.web.state import Loaded

STATIC = Path(__file__).parent / "static"
HTMX = "htmx-2.0.10.min.js"
router = APIRouter(include_in_schema=False)


# ---- assets ------------------------------------------------------------------------------------


@cache
def _assets() -> dict[str, tuple[bytes, str]]:
    """Served files by name: vendored htmx, the stylesheet and the chart module (hashed names)."""
    css = (
        template_environment().get_template("report.css").render()
        + (STATIC / "dashboard.css").read_text(encoding="utf-8")
    ).encode()
    charts = chart_module().encode()
    files = {
        HTMX: ((STATIC / HTMX).read_bytes(), "text/javascript"),
        f"dashboard-{_digest(css)}.css": (css, "text/css"),
        f"charts-{_digest(charts)}.js": (charts, "text/javascript"),
    }
    return files


def _digest(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()[:12]


def _asset_name(prefix: str) -> str:
    return next(name for name in _assets() if name.startswith(prefix))


@router.get("/assets/{name}")
def asset(name: str) -> Response:
    files = _assets()
    if name not in files:
        return Response("Not found", status_code=404, media_type="text/plain")
    body, media = files[name]
    return Response(
        body, media_type=media, headers={"Cache-Control": "public, max-age=31536000, immutable"}
    )


# ---- rendering ---------------------------------------------------------------------------------


@cache
def _environment() -> jinja2.Environment:
    environment = template_environment(jinja2.PackageLoader("negpersona.web", "templates"))
    environment.globals["persona_link"] = lambda persona_id: f"/personas/{persona_id}"
    environment.filters["summary"] = summary_text
    return environment


def _page(
    request: Request,
    template: str,
    status: int = 200,
    charts: dict[str, Any] | None = None,
    **context: Any,
) -> HTMLResponse:
    flash = request.session.pop("flash", None) if "session" in request.scope else None
    html = (
        _environment()
        .get_template(template)
        .render(
            request_path=request.url.path,
            version=__version__,
            css=_asset_name("dashboard-"),
            htmx=HTMX,
            charts_js=_asset_name("charts-") if charts else None,
            chart_data=chart_data(charts) if charts else "",
            csrf=csrf_token(request) if "session" in request.scope else "",
            csrf_field=CSRF_FIELD,
            signed_in=signed_in(request) if "session" in request.scope else False,
            flash=flash,
            **context,
        )
    )
    return HTMLResponse(html, status_code=status)


def error_page(request: Request, status: int, message: str, hint: str | None) -> HTMLResponse:
    return _page(request, "error.html.j2", status=status, message=message, hint=hint)


def _loaded(request: Request) -> Loaded:
    if not signed_in(request):
        raise AuthError(401, "Sign in first.", "Enter the API key.", "auth.sign_in")
    return request.app.state.folder.current()


def _persona_or_404(loaded: Loaded, persona_id: str) -> dict[str, Any]:
    view = loaded.persona(persona_id)
    if view is None:
        raise DataError(
            f"No persona {persona_id!r} in this folder.",
            "Pick one from the overview.",
            code="not_found",
        )
    return view


def _states(loaded: Loaded) -> dict[str, dict[str, Any]]:
    """Per persona id: what the policy does with it now, and why."""
    personas = loaded.personas
    excluded, paused = set(personas.excluded), set(personas.paused)
    checks = _last_checks(loaded)
    states = {}
    for persona in personas.personas:
        override = persona.extra.get("action", "auto")
        states[persona.id] = {
            "excluded": persona.id in excluded,
            "paused": persona.id in paused,
            "override": override,
            "why": (
                "exclusion paused by a re-check"
                if persona.id in paused
                else f"set to {override} in its file"
                if override != "auto"
                else "chosen by the policy"
                if persona.id in excluded
                else "not chosen by the policy"
            ),  # fmt: skip
            "check": checks.get(persona.id),
        }
    return states


def _last_checks(loaded: Loaded) -> dict[str, dict[str, Any]]:
    """Per persona id: its status in the newest re-check that judged it (with the run)."""
    runs = {run["run_id"]: run for run in loaded.runs if run["kind"] == "recheck"}
    checks: dict[str, dict[str, Any]] = {}
    for row in loaded.persona_runs:  # oldest first: later runs overwrite
        run = runs.get(row["run_id"])
        if run is not None and row.get("status"):
            checks[row["persona_id"]] = {
                "status": STATUS_LABELS.get(row["status"], row["status"]),
                "kind": STATUS_CLASSES.get(row["status"], "muted"),
                "date": (run.get("created") or "")[:10],
                "run_id": run["run_id"],
                "has_report": run["run_id"] in loaded.rechecks,
            }
    return checks


# ---- sign-in -----------------------------------------------------------------------------------


@router.get("/login", response_class=HTMLResponse)
def login_form(request: Request) -> HTMLResponse:
    return _page(request, "login.html.j2", wrong=False)


@router.post("/login")
def login(request: Request, key: str = Form("")) -> Response:
    if not key_matches(key, request.app.state.api_key):
        return _page(request, "login.html.j2", status=401, wrong=True)
    sign_in(request)
    return RedirectResponse("/", status_code=303)


@router.post("/logout")
def logout(request: Request, csrf_token: str = Form("")) -> Response:
    check_csrf(request, csrf_token)
    request.session.clear()
    return RedirectResponse("/login", status_code=303)


# ---- pages -------------------------------------------------------------------------------------


@router.get("/", response_class=HTMLResponse)
def overview(request: Request) -> HTMLResponse:
    loaded = _loaded(request)
    report = loaded.report
    charts = {}
    if len(report["tradeoff"]) > 1:
        charts["chart-tradeoff"] = tradeoff_chart(report["tradeoff"])
    return _page(
        request,
        "overview.html.j2",
        charts=charts,
        report=report,
        states=_states(loaded),
        policy=loaded.personas.policy,
        excluded=loaded.personas.excluded,
        holdout=loaded.personas.holdout,
        warnings=loaded.warnings,
        problem=loaded.problem,
        last_recheck=_last_recheck(loaded),
    )


@router.get("/personas/{persona_id}", response_class=HTMLResponse)
def persona_page(persona_id: str, request: Request) -> HTMLResponse:
    loaded = _loaded(request)
    view = _persona_or_404(loaded, persona_id)
    charts = {}
    if view["rate_rows"]:
        charts[f"chart-{persona_id}"] = rate_chart(view["rate_rows"], view["baseline_rate"])
    if view.get("history"):
        charts[f"history-{persona_id}"] = history_chart(view["history"])
    edits = [e for e in loaded.edits if e["persona_id"] == persona_id][:10]
    return _page(
        request,
        "persona.html.j2",
        charts=charts,
        p=view,
        outcome_kind=loaded.report.get("outcome_kind", "conversion"),
        state=_states(loaded)[persona_id],
        actions=ACTIONS,
        edits=edits,
        has_policy=(loaded.personas.policy.get("excluded") is not None)
        and (request.app.state.folder.folder / "policy.json").exists(),
    )


@router.post("/personas/{persona_id}")
def edit_persona(
    persona_id: str,
    request: Request,
    csrf_token: str = Form(""),
    name: str | None = Form(None),
    action: str | None = Form(None),
) -> Response:
    check_csrf(request, csrf_token)
    loaded = _loaded(request)
    _persona_or_404(loaded, persona_id)  # the id must be a known persona before any path is built
    folder = request.app.state.folder.folder
    check_history(folder)
    try:
        changes = write_edits(folder, persona_id, name=name, action=action)
    except NegPersonaError as error:
        request.session["flash"] = {"kind": "error", "text": f"{error.message} {error.hint or ''}"}
        return RedirectResponse(f"/personas/{persona_id}", status_code=303)
    record_edits(folder, persona_id, changes, source="dashboard")
    request.session["flash"] = {
        "kind": "ok",
        "text": "Saved." if changes else "Nothing changed.",
    }
    return RedirectResponse(f"/personas/{persona_id}", status_code=303)


@router.post("/personas/{persona_id}/pause")
def pause_persona(persona_id: str, request: Request, csrf_token: str = Form("")) -> Response:
    return _set_paused(request, persona_id, csrf_token, paused=True)


@router.post("/personas/{persona_id}/resume")
def resume_persona(persona_id: str, request: Request, csrf_token: str = Form("")) -> Response:
    return _set_paused(request, persona_id, csrf_token, paused=False)


def _set_paused(request: Request, persona_id: str, token: str, *, paused: bool) -> Response:
    """Pause or resume a persona's exclusion in policy.json, with its audit row."""
    check_csrf(request, token)
    _persona_or_404(_loaded(request), persona_id)
    folder = request.app.state.folder.folder
    check_history(folder)
    today = datetime.now(UTC).date()
    if paused:
        changed = bool(pause(folder, {persona_id: "paused from the dashboard"}, "dashboard", today))
        text = "Exclusion paused." if changed else "It was already paused."
    else:
        resume(folder, persona_id, today)
        changed, text = True, "Exclusion resumed."
    record_edits(
        folder, persona_id, {"paused": (not paused, paused)} if changed else {}, "dashboard"
    )
    request.session["flash"] = {"kind": "ok", "text": text}
    return RedirectResponse(f"/personas/{persona_id}", status_code=303)


@router.get("/runs", response_class=HTMLResponse)
def runs_page(request: Request) -> HTMLResponse:
    loaded = _loaded(request)
    # The report model already holds each persona's rate over runs (read once per load).
    history = {p["id"]: p["history"] for p in loaded.report["personas"] if p.get("history")}
    names = {p["id"]: p["name"] for p in loaded.report["personas"]}
    charts = {f"history-{pid}": history_chart(rows) for pid, rows in history.items()}
    return _page(
        request,
        "runs.html.j2",
        charts=charts,
        runs=list(reversed(loaded.runs)),
        rechecks=loaded.rechecks,
        history=[(pid, names.get(pid, pid)) for pid in history],
        warnings=loaded.warnings,
    )


@router.get("/runs/{run_id}", response_class=HTMLResponse)
def recheck_page(run_id: str, request: Request) -> HTMLResponse:
    """The re-check report of one run, as ``negpersona report`` writes it (self-contained)."""
    loaded = _loaded(request)
    folder = loaded.rechecks.get(run_id)
    if folder is None:
        raise DataError(f"No re-check report for run {run_id!r}.", None, code="not_found")
    model, _ = recheck_model(folder)
    response = HTMLResponse(render_html(model))
    # The report is one file with its chart script inline (it works offline as an attachment).
    response.headers["Content-Security-Policy"] = (
        "default-src 'none'; script-src 'unsafe-inline' 'unsafe-eval'; style-src 'unsafe-inline'; "
        "img-src data:; frame-ancestors 'none'; base-uri 'none'"
    )
    return response


@router.get("/try", response_class=HTMLResponse)
def try_form(request: Request) -> HTMLResponse:
    loaded = _loaded(request)
    return _page(request, "try.html.j2", fields=_fields(loaded), values={}, answer=None)


@router.post("/try", response_class=HTMLResponse)
async def try_record(request: Request) -> HTMLResponse:
    loaded = _loaded(request)
    form = await request.form()
    check_csrf(request, str(form.get(CSRF_FIELD) or ""))
    fields = _fields(loaded)
    values = {f["column"]: str(form.get(f["column"]) or "") for f in fields}
    try:
        record = {f["column"]: _typed(f, values[f["column"]]) for f in fields}
        answer = (await run_in_threadpool(score_records, loaded.personas, [record]))[0]
        error = None
    except NegPersonaError as exc:
        answer, error = None, f"{exc.message} {exc.hint or ''}".strip()
    names = {p["id"]: p["name"] for p in loaded.report["personas"]}
    context = {"answer": answer, "error": error, "names": names}
    if request.headers.get("HX-Request") == "true":
        return _page(request, "_answer.html.j2", **context)
    return _page(request, "try.html.j2", fields=fields, values=values, **context)


def _fields(loaded: Loaded) -> list[dict[str, Any]]:
    """One form field per column the personas use, typed by the values they compare with."""
    fields: dict[str, dict[str, Any]] = {}
    id_column = loaded.personas.settings.get("id")
    if id_column and loaded.personas.excluded and loaded.personas.holdout > 0:
        fields[id_column] = {"column": id_column, "kind": "text", "values": []}
    for persona in loaded.personas.personas:
        for condition in persona.conditions:
            field = fields.setdefault(
                condition.column, {"column": condition.column, "kind": None, "values": []}
            )
            value = condition.value
            if condition.op == "is_missing" or value is None:
                continue
            kind = "yesno" if isinstance(value, bool) else (
                "number" if isinstance(value, int | float) else "text"
            )  # fmt: skip
            field["kind"] = field["kind"] or kind
            if kind == "text" and value not in field["values"]:
                field["values"].append(value)
    for field in fields.values():
        field["kind"] = field["kind"] or "text"
    return list(fields.values())


def _typed(field: dict[str, Any], text: str) -> Any:
    """A form value as the record value the personas compare (empty: missing)."""
    text = text.strip()
    if not text:
        return None
    if field["kind"] == "yesno":
        return text == "yes"
    if field["kind"] == "number":
        try:
            number = float(text.replace(",", "."))
        except ValueError:
            raise DataError(
                f"{field['column']} must be a number (got {text!r}).", None, setting=field["column"]
            ) from None
        return int(number) if number.is_integer() and "." not in text else number
    return text


def _last_recheck(loaded: Loaded) -> dict[str, Any] | None:
    runs = [run for run in loaded.runs if run["kind"] == "recheck"]
    if not runs:
        return None
    run = runs[-1]
    return {**run, "has_report": run["run_id"] in loaded.rechecks}


def summary_text(summary: Any) -> str:
    if isinstance(summary, dict):
        return ", ".join(f"{key} {value}" for key, value in summary.items())
    return (
        "" if summary is None else json.dumps(summary) if not isinstance(summary, str) else summary
    )
