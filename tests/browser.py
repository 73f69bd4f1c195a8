"""Render HTML in Debian's headless chromium (driven by Playwright) and report what the page did.

The report must be self-contained: no network requests, no script errors, and no horizontal
overflow on a phone. Only a real browser can check that, so tests render the report here and
assert on the returned :class:`Rendered`.

Why it is built this way:

* We use the system ``/usr/bin/chromium`` (``executable_path``), never ``playwright install``:
  the machine is closed, and Debian's package is what ``make test`` relies on.
* Every non-local request is *recorded* and then *aborted*: a test can assert that the page asked
  for nothing, and a page that does ask cannot leak data or hang on a network that refuses it.
* One browser per process (per pytest-xdist worker), started lazily and closed at exit, so only
  the first render pays the ~1 s start-up; each render gets its own fresh context (no shared
  cache, storage or viewport between renders).
"""

from __future__ import annotations

import atexit
import os
import shutil
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from playwright.sync_api import Browser, Playwright, Route, WebSocketRoute

CHROMIUM = Path("/usr/bin/chromium")

# Without the background-networking/component/sync flags chromium phones home at start-up; on this
# closed machine those connections are refused, which is slow and noisy. --no-sandbox because the
# tests may run as root or inside a container without user namespaces; --disable-quic so nothing
# tries UDP. Playwright itself adds --headless and a fresh, empty --user-data-dir (a temp dir that
# it deletes when the browser closes); --headless is repeated here so the flags read complete.
CHROMIUM_ARGS: tuple[str, ...] = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
)

LAPTOP: tuple[int, int] = (1366, 768)
PHONE: tuple[int, int] = (390, 844)

# Schemes a page may load without touching the network; everything else is blocked.
LOCAL_SCHEMES: tuple[str, ...] = ("file:", "data:", "blob:", "about:")
# Schemes that never count as a request in `Rendered.requests` (inline content, not fetches).
_INLINE_SCHEMES: tuple[str, ...] = ("data:", "blob:", "about:")

DEFAULT_TIMEOUT_MS = 15_000


@dataclass
class Rendered:
    """What a page did while it loaded, in the order it happened.

    ``requests`` holds every URL the page asked for apart from its own file and inline
    ``data:``/``blob:``/``about:`` URLs, so a self-contained page has ``requests == []``.
    ``blocked`` is the subset that was aborted because it was not local; ``failed`` lists every
    request that failed for any reason (blocked ones included, and e.g. a missing local file).
    """

    url: str
    title: str
    requests: list[str] = field(default_factory=list)
    blocked: list[str] = field(default_factory=list)
    failed: list[str] = field(default_factory=list)
    console_errors: list[str] = field(default_factory=list)
    page_errors: list[str] = field(default_factory=list)
    scroll_width: int = 0
    viewport_width: int = 0
    probe: Any = None
    screenshot: Path | None = None

    @property
    def overflows_x(self) -> bool:
        """True when the page is wider than the window (a horizontal scrollbar on a phone)."""
        return self.scroll_width > self.viewport_width

    @property
    def clean(self) -> bool:
        """True when the page made no requests and raised or logged no errors."""
        return not (self.requests or self.failed or self.console_errors or self.page_errors)


class _Shared:
    """The per-process Playwright driver and browser, started on first use."""

    playwright: Playwright | None = None
    browser: Browser | None = None


def _require_chromium(executable: Path) -> None:
    """Fail loudly (never skip) when chromium is missing: a skipped browser test proves nothing."""
    if not (executable.is_file() and os.access(executable, os.X_OK)):
        raise RuntimeError(
            f"Chromium not found at {executable}. The browser tests render the report in Debian's "
            "chromium driven by Playwright; `make test` installs it "
            "(`apt-get install -y chromium`). Do not run `playwright install`."
        )


def launch_chromium(playwright: Playwright, *, executable: Path = CHROMIUM) -> Browser:
    """Launch headless system chromium with the flags this sandbox needs."""
    _require_chromium(executable)
    return playwright.chromium.launch(
        executable_path=str(executable),
        headless=True,
        args=list(CHROMIUM_ARGS),
        timeout=60_000,
    )


def shared_browser() -> Browser:
    """The browser of this process, launched lazily and closed at interpreter exit."""
    if _Shared.browser is not None and _Shared.browser.is_connected():
        return _Shared.browser
    _require_chromium(CHROMIUM)
    if _Shared.playwright is None:
        from playwright.sync_api import sync_playwright

        _Shared.playwright = sync_playwright().start()
        atexit.register(close_browser)
    _Shared.browser = launch_chromium(_Shared.playwright)
    return _Shared.browser


def close_browser() -> None:
    """Close the shared browser and stop the Playwright driver (safe to call twice)."""
    browser, playwright = _Shared.browser, _Shared.playwright
    _Shared.browser = _Shared.playwright = None
    try:
        if browser is not None and browser.is_connected():
            browser.close()
    finally:
        if playwright is not None:
            playwright.stop()


def _describe(error: Any) -> str:
    """``Error: x`` rather than ``x``: the error class matters when reading a failed assertion."""
    name, message = getattr(error, "name", ""), getattr(error, "message", str(error))
    return f"{name}: {message}" if name else message


def _page_file(path_or_html: str | os.PathLike[str], tmp: Path) -> Path:
    """A ``Path`` (or other path-like) is a file to open; a ``str`` is HTML markup to write out.

    A ``str`` without any ``<`` is rejected: it is almost certainly a path passed by mistake, and
    rendering it as text would make the test pass or fail for the wrong reason.
    """
    if isinstance(path_or_html, str):
        if "<" not in path_or_html:
            raise ValueError(
                "render_page: a str must be HTML markup; pass a pathlib.Path for a file"
            )
        page = tmp / "page.html"
        page.write_text(path_or_html, encoding="utf-8")
        return page
    page = Path(path_or_html).resolve()
    if not page.is_file():
        raise FileNotFoundError(page)
    return page


def render_page(
    path_or_html: str | os.PathLike[str],
    *,
    width: int = 1280,
    height: int = 800,
    screenshot: Path | None = None,
    full_page: bool = True,
    wait_for: str | None = None,
    probe: str | None = None,
    timeout_ms: float = DEFAULT_TIMEOUT_MS,
) -> Rendered:
    """Open a local HTML file (or HTML markup) in headless chromium and record what it did.

    Waits for ``load``, then for network idle, then (if given) until the ``wait_for`` CSS selector
    is attached. ``probe`` is a JavaScript expression (or function source) evaluated in the page
    afterwards; its JSON-able result is returned in ``Rendered.probe``. ``screenshot`` writes a
    PNG of the page (the whole scroll height when ``full_page``) at device scale 1, so its width in
    pixels is ``width``.
    """
    tmp = Path(tempfile.mkdtemp(prefix="negpersona-render-"))
    try:
        page_path = _page_file(path_or_html, tmp)
        own_url = page_path.as_uri()
        rendered = Rendered(url=own_url, title="")

        def on_request(request: Any) -> None:
            url = request.url
            if url != own_url and not url.startswith(_INLINE_SCHEMES):
                rendered.requests.append(url)

        def on_route(route: Route) -> None:
            url = route.request.url
            if url.startswith(LOCAL_SCHEMES):
                route.continue_()
            else:
                rendered.blocked.append(url)
                route.abort("blockedbyclient")

        def on_websocket(ws: WebSocketRoute) -> None:
            # Not connecting to the server mocks the socket: nothing leaves the machine.
            rendered.requests.append(ws.url)
            rendered.blocked.append(ws.url)
            ws.close()

        context = shared_browser().new_context(
            viewport={"width": width, "height": height},
            device_scale_factor=1,
            service_workers="block",
        )
        try:
            context.set_default_timeout(timeout_ms)
            context.route("**/*", on_route)
            context.route_web_socket("**/*", on_websocket)
            context.on("request", on_request)
            context.on("requestfailed", lambda request: rendered.failed.append(request.url))
            page = context.new_page()
            page.on(
                "console",
                lambda msg: (
                    rendered.console_errors.append(msg.text) if msg.type == "error" else None
                ),
            )
            page.on("pageerror", lambda error: rendered.page_errors.append(_describe(error)))

            page.goto(own_url, wait_until="load")
            page.wait_for_load_state("networkidle")
            if wait_for is not None:
                page.wait_for_selector(wait_for, state="attached")
            rendered.title = page.title()
            rendered.scroll_width, rendered.viewport_width = page.evaluate(
                "[document.documentElement.scrollWidth, window.innerWidth]"
            )
            if probe is not None:
                rendered.probe = page.evaluate(probe)
            if screenshot is not None:
                screenshot = Path(screenshot)
                screenshot.parent.mkdir(parents=True, exist_ok=True)
                page.screenshot(path=str(screenshot), full_page=full_page)
                rendered.screenshot = screenshot
        finally:
            context.close()
        return rendered
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
