"""The API key, the dashboard's session and its CSRF token.

One key guards everything: programs send it as ``X-API-Key``; people type it once on the login
page, which sets a signed session cookie (HttpOnly, SameSite=Strict, by Starlette's session
middleware). Keys are compared in constant time (:func:`secrets.compare_digest`), never logged,
and a missing or wrong key gets the same 401 either way. Every form that changes something
carries the session's CSRF token, checked in constant time too; SameSite=Strict already keeps
other sites' forms from riding on the cookie, the token covers older browsers.
"""

from __future__ import annotations

import os
import secrets

from fastapi import Request

from negpersona.errors import NegPersonaError

ENV_KEY = "NEGPERSONA_API_KEY"
HEADER = "X-API-Key"
CSRF_FIELD = "csrf_token"


class AuthError(NegPersonaError):
    """A missing or wrong key (401), or a form without the session's CSRF token (403)."""

    def __init__(self, status: int, message: str, hint: str, code: str) -> None:
        super().__init__(message, hint, code=code)
        self.status = status


def new_key() -> str:
    """A fresh random key (printed once when the server starts without one)."""
    return secrets.token_urlsafe(24)


def key_from_environment() -> str | None:
    value = os.environ.get(ENV_KEY, "").strip()
    return value or None


def key_matches(given: str | None, expected: str) -> bool:
    if not given:
        return False
    return secrets.compare_digest(given.encode("utf-8"), expected.encode("utf-8"))


async def require_key(request: Request) -> None:
    """FastAPI dependency of every ``/api`` route: the ``X-API-Key`` header must hold the key.

    ``async`` so that the check runs on the event loop (a plain function costs a thread hop)."""
    if not key_matches(request.headers.get(HEADER), request.app.state.api_key):
        raise AuthError(
            401,
            "A valid API key is required.",
            f"Send it in the {HEADER} header (it is printed when 'negpersona serve' starts).",
            "auth.key_required",
        )


def signed_in(request: Request) -> bool:
    return bool(request.session.get("signed_in"))


def sign_in(request: Request) -> None:
    request.session.clear()  # a new session id on sign-in: no fixation
    request.session["signed_in"] = True
    request.session["csrf"] = secrets.token_urlsafe(24)


def csrf_token(request: Request) -> str:
    token = request.session.get("csrf")
    if not token:
        token = request.session["csrf"] = secrets.token_urlsafe(24)
    return token


def check_csrf(request: Request, given: str | None) -> None:
    expected = request.session.get("csrf")
    if not expected or not given or not secrets.compare_digest(given, expected):
        raise AuthError(
            403,
            "This form has expired or did not come from this dashboard.",
            "Reload the page and try again.",
            "auth.csrf",
        )
