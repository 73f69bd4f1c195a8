"""``create_app(folder)``: the REST API and the dashboard over one personas folder.

The app holds no logic of its own: the routes (``api.py``, ``dashboard.py``) call the library on
the folder's current load (``state.py``). This module wires them together: the API key and the
session cookie, one JSON shape for every API error (``{"error": {"code", "message", "hint",
"setting"}}``), security headers, and a request log that never holds bodies, query strings,
keys or cookies (so no personal data from a scored record reaches a log file).

Example::

    from negpersona.web import create_app
    app = create_app("out/", api_key="a-long-random-key")   # then: uvicorn.run(app)
"""

from __future__ import annotations

import logging
import secrets
import time
from pathlib import Path
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, RedirectResponse, Response
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.middleware.sessions import SessionMiddleware

from negpersona import __version__
from negpersona.errors import ConfigError, NegPersonaError
from negpersona.explain.redact import redact
from negpersona.web import api, dashboard
from negpersona.web.auth import AuthError, key_from_environment
from negpersona.web.schemas import Health
from negpersona.web.state import FolderState

log = logging.getLogger("negpersona.web")
SESSION_HOURS = 12
# HTTP status of the library errors whose code says more than their class (else: a ConfigError
# is 400, a DataError 422: the request was understood but cannot be answered).
STATUS_BY_CODE = {"not_found": 404, "score.not_json": 400, "score.too_large": 413}
SECURITY_HEADERS = {
    # Vega compiles chart expressions with Function(): 'unsafe-eval', scripts from here only.
    "Content-Security-Policy": (
        "default-src 'self'; script-src 'self' 'unsafe-eval'; style-src 'self' 'unsafe-inline'; "
        "img-src 'self' data:; connect-src 'self'; form-action 'self'; frame-ancestors 'none'; "
        "base-uri 'none'"
    ),
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "X-Frame-Options": "DENY",
    "Cache-Control": "no-store",
}


def create_app(folder: str | Path, *, api_key: str | None = None) -> FastAPI:
    """The app for ``folder`` (what ``discover`` wrote); ``api_key`` defaults to
    ``$NEGPERSONA_API_KEY``. A folder that cannot be loaded is an error now."""
    key = api_key or key_from_environment()
    if not key:
        raise ConfigError(
            "The server needs an API key.",
            "Set NEGPERSONA_API_KEY or pass api_key (negpersona serve generates one).",
            code="serve.no_key",
            setting="api_key",
        )
    app = FastAPI(
        title="negpersona",
        version=__version__,
        description="Negative personas of one folder: browse them, read the policy, score "
        "records. Every /api route needs the X-API-Key header.",
        docs_url="/api/docs",
        redoc_url=None,
        openapi_url="/api/openapi.json",
    )
    app.state.api_key = key
    app.state.folder = FolderState(folder)
    app.add_middleware(
        SessionMiddleware,
        secret_key=secrets.token_urlsafe(32),  # per process: a restart signs everyone out
        session_cookie="negpersona_session",
        max_age=SESSION_HOURS * 3600,
        same_site="strict",
        https_only=False,  # loopback by default; put a TLS proxy in front on a network
    )
    app.add_middleware(LogAndSecure)
    app.add_exception_handler(NegPersonaError, _library_error)
    app.add_exception_handler(RequestValidationError, _validation_error)
    app.add_exception_handler(StarletteHTTPException, _http_error)
    app.add_exception_handler(Exception, _unexpected_error)
    app.include_router(api.router)
    app.include_router(dashboard.router)

    @app.get("/healthz", response_model=Health, tags=["operations"])
    def healthz() -> dict[str, Any]:
        """Liveness: the folder loads. Needs no key and says nothing else."""
        return {"status": "ok", "personas": len(app.state.folder.current().personas.personas)}

    return app


class LogAndSecure:
    """ASGI middleware: security headers on every answer, and one log line per request.

    Plain ASGI rather than ``@app.middleware("http")``, which wraps every request in extra
    tasks and streams (measured: it doubled the cost of a score request).
    """

    def __init__(self, app: Any) -> None:
        self.app = app
        self.headers = [(k.lower().encode(), v.encode()) for k, v in SECURITY_HEADERS.items()]

    async def __call__(self, scope: dict, receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        start = time.perf_counter()
        path = scope["path"]  # never the query string: it may carry anything
        status = 500

        async def send_with_headers(message: dict) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
                present = {name.lower() for name, _ in message.get("headers", [])}
                extra = [
                    (name, value)
                    for name, value in self.headers
                    if name not in present
                    and not (name == b"cache-control" and path.startswith("/assets/"))
                ]
                message = {**message, "headers": [*message.get("headers", []), *extra]}
            await send(message)

        try:
            await self.app(scope, receive, send_with_headers)
        finally:
            if log.isEnabledFor(logging.INFO):
                log.info("%s %s %s %.1fms", scope["method"], path, status,
                         (time.perf_counter() - start) * 1000)  # fmt: skip


def _error(status: int, code: str, message: str, hint: str | None = None,
           setting: str | None = None) -> JSONResponse:  # fmt: skip
    body = {"code": code, "message": redact(message), "hint": redact(hint), "setting": setting}
    return JSONResponse({"error": body}, status_code=status)


def _wants_page(request: Request) -> bool:
    return not request.url.path.startswith("/api") and request.url.path != "/healthz"


async def _library_error(request: Request, error: Exception) -> Response:
    assert isinstance(error, NegPersonaError)
    status = (
        error.status
        if isinstance(error, AuthError)
        else STATUS_BY_CODE.get(error.code, 400 if isinstance(error, ConfigError) else 422)
    )
    if _wants_page(request):
        if isinstance(error, AuthError) and error.status == 401:
            return RedirectResponse("/login", status_code=303)
        return dashboard.error_page(request, status, error.message, error.hint)
    return _error(status, error.code, error.message, error.hint, error.setting)


async def _validation_error(request: Request, error: Exception) -> Response:
    assert isinstance(error, RequestValidationError)
    first = error.errors()[0] if error.errors() else {}
    where = ".".join(str(part) for part in first.get("loc", ()) if part != "body")
    message = f"{first.get('msg', 'Invalid request')}{f' ({where})' if where else ''}."
    return _error(422, "request.invalid", message, setting=where or None)


async def _http_error(request: Request, error: Exception) -> Response:
    assert isinstance(error, StarletteHTTPException)
    if _wants_page(request):
        return dashboard.error_page(request, error.status_code, str(error.detail), None)
    return _error(error.status_code, f"http.{error.status_code}", str(error.detail))


async def _unexpected_error(request: Request, error: Exception) -> Response:
    log.exception("unexpected error on %s %s", request.method, request.url.path)
    return _error(500, "internal", "Something went wrong on the server; it is logged.")
