"""The dashboard in Debian's chromium (Playwright), served by a real uvicorn on loopback.

Every page renders at laptop and phone widths with no console error, no request outside the
server, no horizontal overflow and every chart drawn; a persona named with markup shows as text;
the edit flow changes the YAML file; "try a record" answers through htmx without leaving the
page. Screenshots go to ``$NEGPERSONA_SCREENSHOTS`` (or the test's temporary folder).
"""

from __future__ import annotations

import os
import socket
import threading
import time
from pathlib import Path

import pytest
import uvicorn
import yaml

from negpersona.web import create_app
from tests import web_data
from tests.browser import LAPTOP, PHONE, shared_browser

PROBE = """() => ({
    pwned: window.__pwned === undefined ? null : window.__pwned,
    charts: document.querySelectorAll('.chart').length,
    drawn: document.querySelectorAll('.chart[data-chart-state="drawn"] svg').length,
    failed: document.querySelectorAll('.chart-error').length,
    scroll: document.documentElement.scrollWidth,
    width: window.innerWidth,
    text: document.body.innerText,
})"""


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    built = web_data.build_folder(tmp_path_factory.mktemp("web-browser"))
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    config = uvicorn.Config(
        create_app(built["folder"], api_key=web_data.KEY), host="127.0.0.1", port=port,
        log_level="warning",
    )  # fmt: skip
    running = uvicorn.Server(config)
    thread = threading.Thread(target=running.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 30
    while not running.started:
        assert time.monotonic() < deadline, "the server did not start"
        time.sleep(0.05)
    yield {**built, "url": f"http://127.0.0.1:{port}"}
    running.should_exit = True
    thread.join(timeout=10)


@pytest.fixture(scope="module")
def shots(tmp_path_factory) -> Path:
    folder = os.environ.get("NEGPERSONA_SCREENSHOTS")
    path = Path(folder) if folder else tmp_path_factory.mktemp("screenshots")
    path.mkdir(parents=True, exist_ok=True)
    return path


class Session:
    """One browser context, signed in, recording what its pages do."""

    def __init__(self, base: str, size: tuple[int, int]) -> None:
        self.base = base
        self.context = shared_browser().new_context(viewport={"width": size[0], "height": size[1]})
        self.outside: list[str] = []
        self.errors: list[str] = []
        self.context.route("**/*", self._route)
        self.page = self.context.new_page()
        self.page.on("console", lambda m: self.errors.append(m.text) if m.type == "error" else None)
        self.page.on("pageerror", lambda e: self.errors.append(str(e)))
        self.page.goto(f"{base}/login")
        self.page.fill("#key", web_data.KEY)
        self.page.click("button[type=submit]")
        self.page.wait_for_url(f"{base}/")

    def _route(self, route) -> None:
        if route.request.url.startswith(self.base + "/"):
            route.continue_()
        else:
            self.outside.append(route.request.url)
            route.abort()

    def open(self, path: str) -> dict:
        self.page.goto(self.base + path, wait_until="networkidle")
        self.page.wait_for_function(
            "() => [...document.querySelectorAll('.chart')].every("
            "(el) => el.dataset.chartState === 'drawn' || el.dataset.chartState === 'error')",
            timeout=30_000,
        )
        return self.page.evaluate(PROBE)

    def close(self) -> None:
        self.context.close()


@pytest.mark.parametrize("size", [LAPTOP, PHONE], ids=["laptop", "phone"])
def test_every_page_renders_cleanly(server, shots, size) -> None:
    session = Session(server["url"], size)
    pages = {
        "overview": "/",
        "persona": f"/personas/{server['excluded']}",
        "renamed": f"/personas/{server['renamed']}",
        "runs": "/runs",
        "recheck": f"/runs/{server['run_id']}",
        "try": "/try",
    }
    try:
        for name, path in pages.items():
            probe = session.open(path)
            assert probe["pwned"] is None, name
            assert probe["failed"] == 0 and probe["drawn"] == probe["charts"], name
            assert probe["scroll"] <= probe["width"] + 1, f"{name} overflows at {size}"
            shot = shots / f"{name}-{size[0]}.png"
            session.page.screenshot(path=str(shot), full_page=True)
            assert shot.stat().st_size > 5000
        assert session.open("/")["charts"] >= 1  # the trade-off chart
        renamed = session.open(pages["renamed"])
        assert web_data.HOSTILE in renamed["text"]  # shown as the text it is
        assert session.outside == [] and session.errors == []
    finally:
        session.close()


def test_editing_a_persona_changes_its_file(server) -> None:
    session = Session(server["url"], LAPTOP)
    pid = server["renamed"]
    path = server["folder"] / "personas" / f"{pid}.yaml"
    before = path.read_text(encoding="utf-8")
    try:
        session.open(f"/personas/{pid}")
        session.page.fill("#name", "Teams who browse without asking for a demo")
        session.page.select_option("#action", "target")
        session.page.click("form.edit button[type=submit]")
        session.page.wait_for_selector(".flash.ok")
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
        assert data["name"] == "Teams who browse without asking for a demo"
        assert data["action"] == "target"
        assert session.page.locator("article.persona h2").inner_text().startswith("Teams who")
        assert session.errors == [] and session.outside == []
    finally:
        path.write_text(before, encoding="utf-8")
        session.close()


def test_try_a_record_answers_in_place(server) -> None:
    session = Session(server["url"], PHONE)
    try:
        session.open("/try")
        first_input = session.page.locator("form.try input[type=text]").first
        first_input.fill("1")
        url = session.page.url
        session.page.click("form.try button[type=submit]")
        session.page.wait_for_selector("#answer .answer")
        assert session.page.url == url  # htmx swapped the answer in; no navigation
        action = session.page.get_attribute("#answer .answer", "data-action")
        assert action in {"exclude", "holdout", "target"}
        assert session.errors == [] and session.outside == []
    finally:
        session.close()
