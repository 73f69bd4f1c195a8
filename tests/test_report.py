"""``negpersona report``: one self-contained page (and md/json), checked as text and in Chromium."""

from __future__ import annotations

import html
import json
import re
import shutil
from html.parser import HTMLParser
from pathlib import Path

import pytest
import yaml
from typer.testing import CliRunner

from negpersona.cli.main import app
from negpersona.discovery.demo import run_demo
from negpersona.present.report import report_model, write_report
from tests.browser import LAPTOP, PHONE, render_page

runner = CliRunner(env={"COLUMNS": "200", "NO_COLOR": "1"})


@pytest.fixture(scope="module")
def demo_run(tmp_path_factory) -> Path:
    """A demo discovery (leads, events, survey and deals) written once for this module."""
    out = tmp_path_factory.mktemp("demo")
    result, _ = run_demo(out, rows=8000, seed=3)
    assert result.personas, "the demo must give personas to report on"
    return out


@pytest.fixture()
def run_dir(demo_run, tmp_path) -> Path:
    """A private copy of the demo run that a test may edit."""
    copy = tmp_path / "run"
    shutil.copytree(demo_run, copy, ignore=shutil.ignore_patterns("*.csv"))
    return copy


@pytest.fixture(scope="module")
def page(demo_run) -> Path:
    path, warnings = write_report(demo_run, "html")
    assert warnings == []
    return path


def _personas(folder: Path) -> list[dict]:
    return json.loads((folder / "personas.json").read_text())["personas"]


class _Resources(HTMLParser):
    """Every resource a page would load: src/href of loading tags, CSS url() and @import."""

    LOADING = {"script": "src", "img": "src", "iframe": "src", "link": "href", "source": "src",
               "video": "src", "audio": "src", "embed": "src", "object": "data"}  # fmt: skip

    def __init__(self) -> None:
        super().__init__()
        self.loads: list[str] = []
        self.in_style = False

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        wanted = self.LOADING.get(tag)
        if wanted and attrs.get(wanted):
            self.loads.append(f"{tag} {attrs[wanted]}")
        if attrs.get("srcset"):
            self.loads.append(f"{tag} srcset")
        if attrs.get("style") and "url(" in attrs["style"]:
            self.loads.append(f"{tag} style url()")
        self.in_style = tag == "style"

    def handle_endtag(self, tag):
        self.in_style = False if tag == "style" else self.in_style

    def handle_data(self, data):
        if self.in_style and ("url(" in data or "@import" in data):
            self.loads.append("css url()/@import")


def test_page_is_self_contained_and_lists_every_persona(page, demo_run) -> None:
    text = page.read_text(encoding="utf-8")
    parser = _Resources()
    parser.feed(text)
    assert parser.loads == []  # nothing loaded from anywhere: no src=, no stylesheet links
    assert not re.search(r"""(src|href)\s*=\s*["']?\s*(https?:)?//""", text, re.I)
    personas = _personas(demo_run)
    assert personas
    for persona in personas:
        assert f'id="{persona["id"]}"' in text
        assert html.escape(persona["name"]) in text
    assert text.count('class="card persona"') == len(personas)
    assert "<style>" in text and "window.vegaEmbed" in text  # CSS and chart library inlined
    # Each card: profile, reasons, exceptions, exclusion, talking note, review date.
    for heading in ("Profile", "Why they do not convert", "The exceptions", "What excluding"):
        assert text.count(heading) >= len(personas)
    assert text.count("How to talk about this persona") == len(personas)
    assert "review by" in text and "Columns set aside" in text and "Data audit" in text
    overlapping = [p for p in personas if p["card"]["overlaps"]]
    assert overlapping  # the demo's behavioral personas share members
    assert text.count("Shares members with") == len(overlapping)


@pytest.mark.parametrize("size", [LAPTOP, PHONE], ids=["laptop", "phone"])
def test_page_renders_in_chromium(page, demo_run, tmp_path, size) -> None:
    width, height = size
    shot = tmp_path / f"report-{width}.png"
    probe = """() => ({
        charts: document.querySelectorAll('.chart').length,
        drawn: document.querySelectorAll('.chart[data-chart-state="drawn"] svg').length,
        cards: [...document.querySelectorAll('article.persona')].filter(
            (el) => el.getBoundingClientRect().height > 200).length,
        // Wide tables scroll inside their own box; nothing else may stick out.
        widest: Math.max(...[...document.querySelectorAll('main *')]
            .filter((el) => !el.closest('.table-wrap'))
            .map((el) => el.getBoundingClientRect().right)),
    })"""
    rendered = render_page(
        page, width=width, height=height, screenshot=shot, wait_for=".chart svg", probe=probe
    )
    assert rendered.requests == [] and rendered.failed == []  # no network, not even a font
    assert rendered.console_errors == [] and rendered.page_errors == []
    personas = _personas(demo_run)
    assert rendered.probe["charts"] == len(personas) + 1  # trade-off + one per persona
    assert rendered.probe["drawn"] == rendered.probe["charts"]
    assert rendered.probe["cards"] == len(personas)
    assert not rendered.overflows_x, (rendered.scroll_width, rendered.viewport_width)
    assert rendered.probe["widest"] <= width + 1
    assert shot.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert "Negative personas" in rendered.title


def test_markdown_and_json_formats(demo_run, tmp_path) -> None:
    md_path, _ = write_report(demo_run, "md")
    text = md_path.read_text(encoding="utf-8")
    assert text.startswith("# Negative personas") and "## Overview" in text
    personas = _personas(demo_run)
    for persona in personas:
        assert persona["name"] in text and persona["id"] in text
    assert "<script" not in text and "http" not in text
    json_path, _ = write_report(demo_run, "json")
    data = json.loads(json_path.read_text(encoding="utf-8"))
    assert [p["id"] for p in data["personas"]] == [p["id"] for p in personas]
    assert data["tradeoff"][0]["step"] == 0 and data["baseline"]["records"] > 0
    assert data == json.loads(json.dumps(report_model(demo_run)[0], default=str))


def _edit(run_dir: Path, **fields) -> Path:
    persona = _personas(run_dir)[0]
    path = run_dir / "personas" / f"{persona['id']}.yaml"
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    data.update(fields)
    path.write_text(yaml.safe_dump(data), encoding="utf-8")
    return path


def test_a_neutral_rename_shows_without_warnings(run_dir) -> None:
    _edit(run_dir, name="Classroom and research projects", notes="Ask the education team.")
    result = runner.invoke(app, ["report", str(run_dir)])
    assert result.exit_code == 0, result.output
    assert "Warning" not in result.stderr
    text = (run_dir / "report.html").read_text(encoding="utf-8")
    assert "Classroom and research projects" in text and "Ask the education team." in text
    assert "renamed by your team" in text


def test_a_judgmental_rename_is_kept_with_a_warning(run_dir) -> None:
    _edit(run_dir, name="Cheapskates")
    result = runner.invoke(app, ["report", str(run_dir)])
    assert result.exit_code == 0, result.output
    assert "Warning" in result.stderr and "'Cheapskates'" in result.stderr
    assert "price-sensitive" in result.stderr  # the suggested neutral wording
    text = (run_dir / "report.html").read_text(encoding="utf-8")
    assert "Cheapskates" in text and "Check:" in text


def test_edited_conditions_warn_that_numbers_are_stale(run_dir) -> None:
    _edit(run_dir, conditions=[{"column": "industry", "op": "=", "value": "education"}])
    result = runner.invoke(app, ["report", str(run_dir), "--format", "md"])
    assert result.exit_code == 0, result.output
    assert "conditions were edited" in result.stderr


def test_personal_data_and_markup_never_reach_the_page(run_dir) -> None:
    hostile = "</script><script>alert(1)</script>"
    _edit(run_dir, name=hostile, notes="Call Jane at +1 415 555 0100 or jane.doe@example.com")
    path, _ = write_report(run_dir, "html")
    text = path.read_text(encoding="utf-8")
    assert hostile not in text and html.escape(hostile) in text
    assert "jane.doe@example.com" not in text and "555 0100" not in text
    assert "[email]" in text and "[phone]" in text
    rendered = render_page(path, wait_for=".chart svg")
    assert rendered.page_errors == [] and rendered.console_errors == []


def test_report_bad_input_fails_cleanly(tmp_path, run_dir) -> None:
    empty = runner.invoke(app, ["report", str(tmp_path / "nothing")])
    assert empty.exit_code != 0 and "Traceback" not in empty.output
    assert "nothing" in empty.stderr
    tmp_path.joinpath("empty").mkdir()
    missing = runner.invoke(app, ["report", str(tmp_path / "empty")])
    assert missing.exit_code != 0 and "personas.json" in missing.stderr
    bad_format = runner.invoke(app, ["report", str(run_dir), "--format", "pdf"])
    assert bad_format.exit_code != 0 and "pdf" in bad_format.stderr
    path = _edit(run_dir)
    path.write_text("name: [unclosed\n", encoding="utf-8")
    (run_dir / "report.html").write_text("previous report", encoding="utf-8")
    broken = runner.invoke(app, ["report", str(run_dir)])
    assert broken.exit_code != 0 and path.name in broken.stderr
    assert "Traceback" not in broken.output
    # Nothing half-written: the previous report is untouched and no temporary file is left.
    assert (run_dir / "report.html").read_text(encoding="utf-8") == "previous report"
    assert not [p.name for p in run_dir.iterdir() if p.name.endswith(".tmp")]


def test_show_uses_the_edited_name_and_warns_like_report(run_dir) -> None:
    _edit(run_dir, name="Tire kickers")
    result = runner.invoke(app, ["show", str(run_dir)])
    assert result.exit_code == 0, result.output
    assert "Tire kickers" in result.stdout
    assert "Warning" in result.stderr and "judgmental" in result.stderr


def test_outputs_get_the_usual_file_permissions(demo_run) -> None:
    import os

    mask = os.umask(0)
    os.umask(mask)
    path, _ = write_report(demo_run, "md")
    assert path.stat().st_mode & 0o777 == 0o666 & ~mask
