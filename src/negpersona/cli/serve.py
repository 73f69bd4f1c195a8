"""``negpersona serve``: the REST API and the dashboard (a thin shell over :mod:`negpersona.web`)."""

from __future__ import annotations

import ipaddress
import logging
from pathlib import Path
from typing import Annotated

import typer

from negpersona.cli.common import app, err, out
from negpersona.errors import ConfigError

LOOPBACK_NAMES = {"localhost", "ip6-localhost"}


def is_loopback(host: str) -> bool:
    if host in LOOPBACK_NAMES:
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


@app.command()
def serve(
    personas_dir: Annotated[Path, typer.Argument(help="A folder written by 'discover'.")],
    host: Annotated[str, typer.Option(help="Interface to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Port to listen on.")] = 8731,
    log_level: Annotated[str, typer.Option(help="debug, info, warning or error.")] = "info",
) -> None:
    """Serve the dashboard and the REST API for a personas folder (key: NEGPERSONA_API_KEY)."""
    import uvicorn

    from negpersona.web import create_app
    from negpersona.web.auth import ENV_KEY, key_from_environment, new_key

    key = key_from_environment()
    if not is_loopback(host) and not key:
        raise ConfigError(
            f"Refusing to listen on {host} without an API key you chose.",
            f"Set {ENV_KEY} to a long random value first (on loopback one is generated).",
            code="serve.no_key",
            setting="api_key",
        )
    generated = key is None
    key = key or new_key()
    application = create_app(personas_dir, api_key=key)
    shown = "[" + host + "]" if ":" in host else host
    out.print(
        f"negpersona dashboard and API: http://{shown}:{port}/", highlight=False, soft_wrap=True
    )
    out.print(f"API docs: http://{shown}:{port}/api/docs", highlight=False, soft_wrap=True)
    if generated:
        out.print(
            f"API key (this run only; set {ENV_KEY} to keep one): {key}",
            highlight=False,
            soft_wrap=True,
        )
    else:
        out.print(f"API key: the value of {ENV_KEY}.", highlight=False, soft_wrap=True)
    logging.basicConfig(level=log_level.upper(), format="%(asctime)s %(name)s %(message)s")
    err.print("Press Ctrl+C to stop.", highlight=False, soft_wrap=True)
    uvicorn.run(
        application,
        host=host,
        port=port,
        log_level=log_level,
        access_log=False,  # negpersona.web logs requests itself, without query strings
        timeout_graceful_shutdown=10,  # in-flight requests get 10 s to finish on SIGTERM/Ctrl+C
    )
