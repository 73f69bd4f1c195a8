"""``negpersona report`` on a re-check folder, and the discovery report's rate-over-runs charts.

One small discovery (4,000 demo leads, the lead table alone) is re-checked once on a batch in
which one excluded persona's members started converting, so the page has a broken persona, a
late converter whose id is an email address, and a history of two runs.
"""

from __future__ import annotations

import copy
import html
import json
import re
import shutil
from pathlib import Path
from typing import Any

import ibis
import numpy as np
import pytest
import yaml
from typer.testing import CliRunner

from negpersona.cli.main import app
from negpersona.datasets import generate_leads
from negpersona.discovery import discover
from negpersona.discovery.demo import demo_spec
from negpersona.explain.language import check_text
from negpersona.model.conditions import segment_filter
from negpersona.monitor import recheck
from negpersona.monitor.history import discovery_entry, record
from negpersona.present.recheck_report import build_model, read_recheck
from negpersona.present.report import render_html, report_model, write_report
from negpersona.present.run_history import persona_history
from tests.browser import LAPTOP, PHONE, render_page

runner = CliRunner(env={"COLUMNS": "200", "NO_COLOR": "1"})

HOSTILE = "<script>window.__pwned = 1</script> Small teams"
EMAIL_ID = "0jane.doe@example.com"  # sorts first, so it is among the example ids shown
PROBE = """() => ({
    text: document.body.innerText,
    pwned: window.__pwned === undefined ? null : window.__pwned,
    charts: document.querySelectorAll('.chart').length,
    drawn: document.querySelectorAll('.chart[data-chart-state="drawn"] svg').length,
    history: document.querySelectorAll('.chart.history').length,
    statuses: Object.fromEntries([...document.querySelectorAll('article.persona')].map(
        (el) => [el.id, (el.querySelector('h2 .badge') || {}).textContent])),
    widest: Math.max(...[...document.querySelectorAll('main *')]
        .filter((el) => !el.closest('.table-wrap'))
        .map((el) => el.getBoundingClientRect().right)),
})"""


def _members(frame, persona) -> np.ndarray:
    table = ibis.memtable(frame)
    flag = table.mutate(__m=segment_filter(table, persona.conditions)).select("__m")
    return flag.to_pandas()["__m"].fillna(False).to_numpy(dtype=bool)


@pytest.fixture(scope="module")
def folders(tmp_path_factory) -> dict[str, Any]:
    """A discovery folder (with a two-run history) and the folder of its re-check."""
    root = tmp_path_factory.mktemp("recheck-report")
    run = root / "run"
    run.mkdir()
    leads = generate_leads(4000, 3)
    leads.to_csv(run / "leads.csv", index=False)
    spec = demo_spec()
    result = discover(run / "leads.csv", spec)
    result.write(run)
    assert len(result.personas) >= 2
    record(run, discovery_entry(result))

    policy = json.loads((run / "policy.json").read_text(encoding="utf-8"))
    assert policy["excluded"], "the demo policy must exclude a persona"
    target = next(p for p in result.personas if p.id == policy["excluded"][0])
    renamed = next(p for p in result.personas if p.id != target.id)
    path = run / "personas" / f"{renamed.id}.yaml"
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    data["name"] = HOSTILE
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")

    # The new batch: half of the target's members convert now; one of them has an email as id.
    members = _members(leads, target)
    never = members & ~leads["converted"].to_numpy(dtype=bool)
    first = int(np.flatnonzero(never)[0])
    leads.loc[first, "lead_id"] = EMAIL_ID
    leads.to_csv(run / "previous.csv", index=False)
    batch = leads.copy()
    rng = np.random.default_rng(5)
    flip = members & (rng.random(len(batch)) < 0.5)
    flip[first] = True
    batch.loc[flip, "converted"] = True
    batch.to_csv(run / "batch.csv", index=False)

    checked = recheck(run, run / "batch.csv", spec, previous=run / "previous.csv", candidates=False)
    checked.commit(root / "rc")
    return {"run": run, "rc": root / "rc", "target": target.id, "renamed": renamed.id}


@pytest.fixture(scope="module")
def document(folders) -> dict:
    return read_recheck(folders["rc"])


@pytest.fixture(scope="module")
def page(folders) -> Path:
    path, warnings = write_report(folders["rc"], "html")
    assert warnings == []
    return path


def _visible_text_problems(text: str) -> list[str]:
    """Words the page must not use: p-values, setting names, command-line flags, judgments."""
    problems = [issue.text for issue in check_text(text)]
    for pattern in (
        r"p[- ]?value",
        r"p_adjusted",
        r"max_rate_ratio",
        r"(^|\s)--[a-z]",
        r"\bnegpersona \w+ ",
    ):
        problems += [m.group(0) for m in re.finditer(pattern, text, re.I)]
    return problems


def test_recheck_page_renders_offline_in_chromium(page, document, folders, tmp_path) -> None:
    width, height = LAPTOP
    rendered = render_page(
        page, width=width, height=height, wait_for=".chart svg", probe=PROBE,
        screenshot=tmp_path / "recheck.png",
    )  # fmt: skip
    assert rendered.requests == [] and rendered.failed == [] and rendered.blocked == []
    assert rendered.console_errors == [] and rendered.page_errors == []
    probe = rendered.probe
    assert probe["pwned"] is None  # the renamed persona's markup never ran
    assert probe["drawn"] == probe["charts"] > 0
    assert probe["history"] == len(document["personas"])  # discovery + this re-check
    assert not rendered.overflows_x and probe["widest"] <= width + 1
    labels = {
        "holds": "holds", "weakening": "weakening", "broken": "broken",
        "too few records": "needs more records", "awaiting outcomes": "awaiting outcomes",
    }  # fmt: skip
    assert probe["statuses"] == {
        p["id"]: labels[p["verdict"]["status"]] for p in document["personas"]
    }
    text = probe["text"]
    assert HOSTILE in text  # shown as the text it is
    assert _visible_text_problems(text) == []
    assert "Summary" in text and "What to do" in text and "Stop excluding" in text
    assert EMAIL_ID not in text and "[email]" in text


def test_recheck_page_content(page, document, folders) -> None:
    text = page.read_text(encoding="utf-8")
    assert HOSTILE not in text and html.escape(HOSTILE) in text
    assert not re.search(r"""(src|href)\s*=\s*["']?\s*(https?:)?//""", text, re.I)
    assert EMAIL_ID not in text
    broken = next(p for p in document["personas"] if p["id"] == folders["target"])
    assert broken["verdict"]["status"] == "broken"
    assert broken["movement"]["late_converters"]["records"] > 0
    statuses = [p["verdict"]["status"] for p in document["personas"]]
    assert f"{statuses.count('broken')} is broken" in text or "are broken" in text
    assert text.count('class="card persona"') == len(document["personas"])
    for persona in document["personas"]:
        assert f'id="{persona["id"]}"' in text
        if persona.get("holdout") and persona["holdout"]["known"]:
            assert "Exploration holdout" in text
    assert "exact 95% interval" in text
    for band in ("stable", "Drift over all records", "Who moved since discovery", "Reviews"):
        assert band in text
    assert "Late converters" in text and "Leavers" in text


def test_markdown_and_json(folders, document) -> None:
    md_path, _ = write_report(folders["rc"], "md")
    text = md_path.read_text(encoding="utf-8")
    assert text.startswith("# Persona re-check") and "## Summary" in text
    assert "<script" not in text and "&lt;script&gt;" in text and EMAIL_ID not in text
    for persona in document["personas"]:
        assert persona["id"] in text
    assert "broken" in text and "What to do" in text
    assert _visible_text_problems(text.replace("&lt;", "<").replace("&gt;", ">")) == []
    json_path, _ = write_report(folders["rc"], "json")
    data = json.loads(json_path.read_text(encoding="utf-8"))
    assert data["kind"] == "recheck" and data["baseline"]["records"] == 4000
    assert {p["id"]: p["status"] for p in data["personas"]} == {
        p["id"]: p["verdict"]["status"] for p in document["personas"]
    }
    assert EMAIL_ID not in json_path.read_text(encoding="utf-8")
    assert data == json.loads(json.dumps(report_model(folders["rc"])[0], default=str))


def test_cli_writes_the_recheck_report(folders, tmp_path) -> None:
    copy_dir = tmp_path / "rc"
    shutil.copytree(folders["rc"], copy_dir)
    result = runner.invoke(app, ["report", str(copy_dir), "--format", "md"])
    assert result.exit_code == 0, result.output
    assert (copy_dir / "report.md").read_text(encoding="utf-8").startswith("# Persona re-check")


def test_awaiting_outcomes_and_weakening_render(document) -> None:
    waiting = copy.deepcopy(document)
    waiting["outcome_available"] = False
    waiting["baseline"].update(rate=None, rate_ci=None, known=0, positives=0)
    for item in waiting["personas"]:
        item["verdict"] = {"status": "awaiting outcomes", "action": "keep"}
        item.pop("holdout", None)
    model = build_model(waiting)
    assert model["headline"].endswith("await outcomes.")
    assert all(p["rate"] is None and p["baseline_rate"] is None for p in model["personas"])
    page = render_html({**model, "warnings": []})
    assert "chart-np-" not in page and "awaiting outcomes" in page

    weak = copy.deepcopy(document)
    item = weak["personas"][0]
    item["verdict"].update(status="weakening", action="review")
    item["verdict"]["tests"]["rose"]["p_adjusted"] = 0.001
    view = next(p for p in build_model(weak)["personas"] if p["id"] == item["id"])
    assert view["status_label"] == "weakening" and "clearly up from" in view["reason"]
    assert view["action"].startswith("Review")


def test_discovery_report_draws_rate_over_runs(folders, tmp_path) -> None:
    path, warnings = write_report(folders["run"], "html")
    assert warnings == [] or all("conditions" not in w for w in warnings)
    text = path.read_text(encoding="utf-8")
    personas = json.loads((folders["run"] / "personas.json").read_text())["personas"]
    assert text.count('class="chart history"') == len(personas)
    rendered = render_page(path, wait_for=".chart.history svg", probe=PROBE, width=PHONE[0],
                           height=PHONE[1])  # fmt: skip
    assert rendered.clean and rendered.probe["pwned"] is None
    assert rendered.probe["history"] == len(personas)
    assert rendered.probe["drawn"] == rendered.probe["charts"]
    assert not rendered.overflows_x


def test_no_history_chart_with_fewer_than_two_runs(folders, tmp_path) -> None:
    single = tmp_path / "single"
    shutil.copytree(folders["run"], single, ignore=shutil.ignore_patterns("*.csv", "history*"))
    from negpersona.model.persona import DiscoveryResult

    assert persona_history(single) == ({}, [])
    record(single, discovery_entry(DiscoveryResult.read(single)))
    assert persona_history(single) == ({}, [])
    model, _ = report_model(single)
    assert all(p["history"] == [] for p in model["personas"])
    assert 'class="chart history"' not in write_report(single, "html")[0].read_text()
    two, _ = persona_history(folders["run"])
    assert two and all(len(rows) == 2 for rows in two.values())
    assert [row["kind"] for row in next(iter(two.values()))] == ["discovery", "re-check"]


def test_a_damaged_history_is_a_warning(folders, tmp_path) -> None:
    broken = tmp_path / "damaged"
    shutil.copytree(folders["run"], broken, ignore=shutil.ignore_patterns("*.csv", "history*"))
    (broken / "history.duckdb").write_bytes(b"not a database")
    path, warnings = write_report(broken, "html")
    assert any("run history could not be read" in w for w in warnings)
    assert 'class="chart history"' not in path.read_text(encoding="utf-8")
