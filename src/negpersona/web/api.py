"""The REST API: thin routes over the library (every answer comes from ``apply``/``present``)."""

from __future__ import annotations

import json
from typing import Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import JSONResponse
from starlette.concurrency import run_in_threadpool

from negpersona.apply.route import score_in_python, score_records
from negpersona.errors import DataError
from negpersona.model.persona import Persona
from negpersona.web.auth import require_key
from negpersona.web.schemas import (
    MAX_RECORDS,
    ErrorResponse,
    PersonaCard,
    PersonaSummary,
    PolicyOut,
    RunOut,
    ScoreOut,
)
from negpersona.web.state import Loaded

MAX_BODY = 1_000_000  # bytes of one POST /api/score

ERRORS: dict[int | str, dict[str, Any]] = {
    status: {"model": ErrorResponse, "description": text}
    for status, text in {
        401: "Missing or wrong API key.",
        404: "No such persona or run.",
        422: "The request or a record cannot be scored.",
    }.items()
}
router = APIRouter(prefix="/api", dependencies=[Depends(require_key)], responses=ERRORS)


def _state(request: Request) -> Loaded:
    return request.app.state.folder.current()


def persona_summary(loaded: Loaded, persona: Persona) -> dict[str, Any]:
    """The summary fields of one persona, as the policy applies to it now."""
    view = loaded.persona(persona.id) or {}
    return {
        "id": persona.id,
        "name": persona.name,
        "description": persona.description,
        "conditions": [c.to_dict() for c in persona.conditions],
        "records": persona.records,
        "share": persona.share,
        "rate": persona.rate,
        "expected_rate": persona.expected_rate,
        "rate_ratio": persona.rate_ratio,
        "action": "exclude" if persona.id in loaded.personas.excluded else "target",
        "paused": persona.id in loaded.personas.paused,
        "override": persona.extra.get("action", "auto"),
        "review_by": view.get("review_by"),
    }


def _not_found(what: str, value: str, known: list[str]) -> DataError:
    return DataError(
        f"No {what} {value!r} in this folder.",
        f"Known: {', '.join(known[:20]) or 'none'}.",
        code="not_found",
    )


@router.get("/personas", response_model=list[PersonaSummary])
def list_personas(request: Request) -> list[dict[str, Any]]:
    """Every persona, in the order the policy ranks them (lowest expected rate first)."""
    loaded = _state(request)
    return [persona_summary(loaded, persona) for persona in loaded.personas.personas]


@router.get("/personas/{persona_id}", response_model=PersonaCard)
def get_persona(persona_id: str, request: Request) -> dict[str, Any]:
    """One persona with its whole card (who, behaviour, needs, reasons, exclusion)."""
    loaded = _state(request)
    persona = next((p for p in loaded.personas.personas if p.id == persona_id), None)
    if persona is None:
        raise _not_found("persona", persona_id, [p.id for p in loaded.personas.personas])
    return {**persona_summary(loaded, persona), "card": loaded.persona(persona_id) or {}}


@router.get("/policy", response_model=PolicyOut)
def get_policy(request: Request) -> dict[str, Any]:
    """The exclusion policy as it applies now."""
    personas = _state(request).personas
    policy = personas.policy
    return {
        "rule": policy.get("rule"),
        "summary": policy.get("summary"),
        "excluded": personas.excluded,
        "policy_excluded": list(policy.get("excluded", [])),
        "paused": list(policy.get("paused", [])),
        "holdout": personas.holdout,
        "notes": list(policy.get("notes", [])),
    }


@router.post(
    "/score",
    response_model=ScoreOut | list[ScoreOut],
    openapi_extra={
        "requestBody": {
            "required": True,
            "content": {
                "application/json": {
                    "schema": {
                        "oneOf": [
                            {"type": "object", "description": "One record: column → value."},
                            {"type": "array", "items": {"type": "object"}, "maxItems": MAX_RECORDS},
                        ]
                    }
                }
            },  # fmt: skip
        }
    },
)
async def score(request: Request) -> JSONResponse:
    """Score one record (an object) or up to 1,000 (a list): the answer of ``negpersona score``."""
    body = await _body(request)
    try:
        data = json.loads(body)
    except (ValueError, UnicodeDecodeError) as exc:
        raise DataError(
            f"The request body is not JSON ({exc}).",
            'Send one record as an object, e.g. {"company_size": 12}, or a list of them.',
            code="score.not_json",
        ) from None
    one = isinstance(data, dict)
    records = [data] if one else data
    if not isinstance(records, list) or not records:
        raise DataError(
            "The request body must be a record (an object) or a non-empty list of records.",
            'Send e.g. {"company_size": 12}.',
            code="score.not_records",
        )
    if len(records) > MAX_RECORDS:
        raise DataError(
            f"{len(records):,} records in one request; the limit is {MAX_RECORDS:,}.",
            "Split them, or score a file with 'negpersona apply'.",
            code="score.too_many",
        )
    personas = _state(request).personas
    answers = score_in_python(personas, records)  # microseconds: fine on the event loop
    if answers is None:  # the engine is needed: a worker thread, so other requests go on
        answers = await run_in_threadpool(score_records, personas, records)
    return JSONResponse(answers[0] if one else answers)


async def _body(request: Request) -> bytes:
    declared = request.headers.get("content-length")
    if declared and declared.isdigit() and int(declared) > MAX_BODY:
        raise _too_large()
    chunks, size = [], 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > MAX_BODY:
            raise _too_large()
        chunks.append(chunk)
    return b"".join(chunks)


def _too_large() -> DataError:
    return DataError(
        f"The request body is larger than {MAX_BODY:,} bytes.",
        f"Send at most {MAX_RECORDS:,} records per request.",
        code="score.too_large",
    )


@router.get("/runs", response_model=list[RunOut])
def list_runs(request: Request) -> list[dict[str, Any]]:
    """Every discover, policy and recheck run of the folder, oldest first."""
    loaded = _state(request)
    return [{**run, "has_recheck": run["run_id"] in loaded.rechecks} for run in loaded.runs]


@router.get("/runs/{run_id}/recheck")
def get_recheck(run_id: str, request: Request) -> JSONResponse:
    """The re-check document (``recheck.json``) of one run."""
    from negpersona.present.recheck_report import read_recheck

    loaded = _state(request)
    folder = loaded.rechecks.get(run_id)
    if folder is None:
        raise _not_found("re-check run", run_id, list(loaded.rechecks))
    return JSONResponse(read_recheck(folder))
