"""``negpersona serve`` as a user runs it: a real process, a real port, a real signal."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest

from tests import web_data

NEGPERSONA = Path(sys.executable).parent / "negpersona"


@pytest.fixture(scope="module")
def folder(tmp_path_factory) -> Path:
    return web_data.build_folder(tmp_path_factory.mktemp("serve"))["folder"]


def _port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _get(url: str, key: str | None = None) -> tuple[int, dict]:
    request = urllib.request.Request(url, headers={"X-API-Key": key} if key else {})
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read())


def _start(folder: Path, port: int, env: dict[str, str]) -> subprocess.Popen:
    return subprocess.Popen(
        [str(NEGPERSONA), "serve", str(folder), "--port", str(port)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env={**os.environ, **env, "COLUMNS": "80"},
    )


def _wait(url: str, process: subprocess.Popen) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        assert process.poll() is None, process.stderr.read()
        try:
            if _get(url + "/healthz")[0] == 200:
                return
        except OSError:
            time.sleep(0.2)
    raise AssertionError("the server did not answer /healthz")


def test_serve_prints_a_key_guards_the_api_and_stops_on_sigterm(folder) -> None:
    port = _port()
    env = {key: value for key, value in os.environ.items() if key != "NEGPERSONA_API_KEY"}
    process = _start(folder, port, {**env, "NEGPERSONA_API_KEY": ""})
    url = f"http://127.0.0.1:{port}"
    try:
        _wait(url, process)
        assert _get(url + "/api/personas")[0] == 401
        process.send_signal(signal.SIGTERM)
        stdout, stderr = process.communicate(timeout=30)
    finally:
        if process.poll() is None:
            process.kill()
    # uvicorn finishes in-flight requests and shuts the app down, then re-raises the signal so
    # that a supervisor sees how the process ended.
    assert process.returncode in (0, -signal.SIGTERM), stderr
    assert "Application shutdown complete" in stderr
    key = next(line.split(": ")[-1] for line in stdout.splitlines() if line.startswith("API key"))
    assert len(key) >= 24 and url in stdout
    assert "Traceback" not in stderr
    assert key not in stderr  # the key is printed once, to the user, never logged


def test_serve_uses_the_key_from_the_environment(folder) -> None:
    port = _port()
    process = _start(folder, port, {"NEGPERSONA_API_KEY": web_data.KEY})
    url = f"http://127.0.0.1:{port}"
    try:
        _wait(url, process)
        status, personas = _get(url + "/api/personas", web_data.KEY)
        assert status == 200 and personas
        process.send_signal(signal.SIGINT)
        stdout, stderr = process.communicate(timeout=30)
    finally:
        if process.poll() is None:
            process.kill()
    assert "Application shutdown complete" in stderr and "Traceback" not in stderr
    assert web_data.KEY not in stdout + stderr


def test_serve_refuses_another_interface_without_a_chosen_key(folder) -> None:
    env = {key: value for key, value in os.environ.items() if key != "NEGPERSONA_API_KEY"}
    result = subprocess.run(
        [str(NEGPERSONA), "serve", str(folder), "--host", "0.0.0.0", "--port", str(_port())],
        capture_output=True, text=True, env=env, timeout=60,
    )  # fmt: skip
    assert result.returncode == 2
    assert "NEGPERSONA_API_KEY" in result.stderr and "Traceback" not in result.stderr


def test_serve_on_a_folder_without_personas_is_a_clear_error(tmp_path) -> None:
    result = subprocess.run(
        [str(NEGPERSONA), "serve", str(tmp_path), "--port", str(_port())],
        capture_output=True, text=True, timeout=60,
        env={**os.environ, "NEGPERSONA_API_KEY": web_data.KEY},
    )  # fmt: skip
    assert result.returncode != 0 and "Traceback" not in result.stderr
    assert str(tmp_path) in result.stderr or "personas.json" in result.stderr
