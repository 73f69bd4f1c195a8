"""Tests of the browser harness itself: if it cannot see a request or an error, report tests
that rely on it would pass for the wrong reason. Each test feeds it a page with a known flaw
(or none) and checks that the flaw is reported, and nothing else is."""

from __future__ import annotations

import struct
import time
from pathlib import Path

import pytest

from tests.browser import (
    LAPTOP,
    PHONE,
    Rendered,
    launch_chromium,
    render_page,
    shared_browser,
)

PNG_MAGIC = b"\x89PNG\r\n\x1a\n"


def png_size(path: Path) -> tuple[int, int]:
    """Width and height from the IHDR chunk, which a valid PNG must start with."""
    head = path.read_bytes()[:24]
    assert head[:8] == PNG_MAGIC, "not a PNG"
    assert head[12:16] == b"IHDR"
    return struct.unpack(">II", head[16:24])


def test_console_error_is_recorded() -> None:
    r = render_page("<p>hi</p><script>console.log('fine'); console.error('boom')</script>")
    assert r.console_errors == ["boom"]
    assert r.page_errors == []
    assert r.requests == []
    assert r.screenshot is None


def test_uncaught_exception_is_recorded() -> None:
    r = render_page("<p>hi</p><script>throw new Error('x')</script>")
    assert r.page_errors == ["Error: x"]
    assert not r.clean


def test_remote_resources_are_recorded_and_blocked_without_hanging() -> None:
    html = (
        '<link rel=stylesheet href="http://example.org/x.css">'
        '<img src="https://example.com/a.png"><p>text</p>'
    )
    start = time.monotonic()
    r = render_page(html)
    elapsed = time.monotonic() - start
    assert set(r.requests) == {"https://example.com/a.png", "http://example.org/x.css"}
    assert set(r.blocked) == set(r.requests)
    assert set(r.failed) == set(r.requests)
    # Blocked, not attempted: a real attempt on this closed machine would time out or be refused.
    assert elapsed < 8
    assert not r.clean


def test_script_initiated_requests_are_recorded() -> None:
    html = """<script>
      fetch("https://example.com/api").catch(() => {});
      new WebSocket("wss://example.net/socket");
      navigator.sendBeacon("https://example.com/beacon", "x");
    </script>"""
    r = render_page(html)
    assert set(r.requests) == {
        "https://example.com/api",
        "wss://example.net/socket",
        "https://example.com/beacon",
    }
    assert set(r.blocked) == set(r.requests)


def test_self_contained_page_is_clean_and_probe_reads_the_dom() -> None:
    html = """<!doctype html><html><head><title>Report</title>
      <style>#out { color: rgb(1, 2, 3); }</style>
      <img src="data:image/gif;base64,R0lGODlhAQABAAAAACwAAAAAAQABAAA=" alt="">
      </head><body><p id="out"></p>
      <script>
        document.getElementById("out").textContent = "rendered " + (6 * 7);
        const blob = URL.createObjectURL(new Blob(["x"]));
        fetch(blob);
      </script></body></html>"""
    r = render_page(
        html,
        probe="""() => {
          const el = document.getElementById("out");
          return {text: el.textContent, color: getComputedStyle(el).color};
        }""",
    )
    assert r.clean, r
    assert r.requests == [] and r.blocked == []
    assert r.title == "Report"
    assert r.probe == {"text": "rendered 42", "color": "rgb(1, 2, 3)"}


def test_local_sibling_file_loads_but_counts_as_a_request(tmp_path: Path) -> None:
    """A report that needs a file next to it is not self-contained, even though it works locally."""
    (tmp_path / "style.css").write_text("p { color: rgb(9, 8, 7); }")
    page = tmp_path / "report.html"
    page.write_text('<link rel=stylesheet href="style.css"><p>x</p>')
    r = render_page(page, probe="getComputedStyle(document.querySelector('p')).color")
    assert r.url == page.resolve().as_uri()
    assert r.requests == [(tmp_path / "style.css").resolve().as_uri()]
    assert r.blocked == [] and r.failed == []
    assert r.probe == "rgb(9, 8, 7)"


def test_wait_for_selector_sees_late_content() -> None:
    html = """<script>setTimeout(() => {
      const d = document.createElement("div"); d.id = "late"; d.textContent = "ok";
      document.body.appendChild(d);
    }, 800);</script>"""
    r = render_page(html, wait_for="#late", probe="document.querySelector('#late').textContent")
    assert r.probe == "ok"


def test_wide_element_overflows_a_phone() -> None:
    r = render_page('<div style="width:2000px">wide</div>', width=PHONE[0], height=PHONE[1])
    assert r.viewport_width == PHONE[0]
    assert r.scroll_width > r.viewport_width
    assert r.overflows_x


def test_responsive_page_fits_a_phone() -> None:
    html = """<meta name=viewport content="width=device-width, initial-scale=1">
      <style>.box { max-width: 100%; width: 900px; box-sizing: border-box; }
        table { width: 100%; }</style>
      <div class=box>responsive</div><table><tr><td>a</td><td>b</td></tr></table>"""
    r = render_page(html, width=PHONE[0], height=PHONE[1])
    assert r.viewport_width == PHONE[0]
    assert r.scroll_width == r.viewport_width
    assert not r.overflows_x


def test_screenshot_is_a_png_of_the_viewport_width(tmp_path: Path) -> None:
    html = '<body style="margin:0"><div style="height:2000px;background:teal">tall</div></body>'
    full = tmp_path / "shots" / "full.png"
    r = render_page(html, width=LAPTOP[0], height=LAPTOP[1], screenshot=full)
    assert r.screenshot == full
    width, height = png_size(full)
    assert width == LAPTOP[0]
    assert height >= 2000 > LAPTOP[1]

    fold = tmp_path / "fold.png"
    render_page(html, width=PHONE[0], height=PHONE[1], screenshot=fold, full_page=False)
    assert png_size(fold) == PHONE


def test_browser_is_reused_across_renders() -> None:
    first = shared_browser()
    render_page("<p>one</p>")
    assert shared_browser() is first
    assert first.is_connected()


def test_missing_chromium_fails_with_install_hint(tmp_path: Path) -> None:
    with pytest.raises(RuntimeError, match=r"make test.*apt-get install -y chromium"):
        launch_chromium(None, executable=tmp_path / "no-chromium")  # type: ignore[arg-type]


def test_path_like_string_is_rejected_not_rendered_as_text(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="pathlib.Path"):
        render_page(str(tmp_path / "report.html"))
    with pytest.raises(FileNotFoundError):
        render_page(tmp_path / "missing.html")


def test_rendered_clean_flags_each_kind_of_problem() -> None:
    assert Rendered(url="file:///x", title="").clean
    for field_name in ("requests", "failed", "console_errors", "page_errors"):
        r = Rendered(url="file:///x", title="")
        getattr(r, field_name).append("something")
        assert not r.clean, field_name
