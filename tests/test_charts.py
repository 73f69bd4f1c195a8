"""Charts: the specs are valid Vega-Lite with inline data, and the inlined script cannot be broken.

Validity is proved by compiling each spec to SVG with vl-convert, the same Vega-Lite the page
uses; the SVG must then show the persona names and axis titles. The script checks parse the
embedded JSON back, so escaping is shown to be lossless as well as safe.
"""

from __future__ import annotations

import json
import re
from typing import Any

import pytest
import vl_convert as vlc

from negpersona.present.charts import (
    chart_svg,
    embed_script,
    rate_chart,
    tradeoff_chart,
    vega_script,
)

HOSTILE = "</script><script>alert(1)</script>"

STEPS = [
    {"step": 0, "name": "No exclusion", "records_share": 0.0, "conversions_share": 0.0},
    {
        "step": 1,
        "name": "Students, no prior contact",
        "records_share": 0.12,
        "conversions_share": 0.02,
    },
    {"step": 2, "name": HOSTILE, "records_share": 0.2, "conversions_share": 0.05},
    {
        "step": 3,
        "name": "Retired & called in May",
        "records_share": 0.26,
        "conversions_share": 0.09,
    },
]
RATES = [
    {"label": "Discovery", "rate": 0.021, "low": 0.015, "high": 0.029},
    {"label": "Confirmation (held out)", "rate": 0.025, "low": 0.017, "high": 0.036},
]
BASELINE = 0.117


def _svg_text(svg: str) -> str:
    """The visible text of an SVG: the contents of its <text> elements, unescaped."""
    import html

    return "\n".join(html.unescape(t) for t in re.findall(r"<text[^>]*>([^<]*)</text>", svg))


def _keys(value: Any) -> set[str]:
    """Every dict key anywhere in a nested JSON value."""
    if isinstance(value, dict):
        return set(value) | {k for v in value.values() for k in _keys(v)}
    if isinstance(value, list):
        return {k for v in value for k in _keys(v)}
    return set()


@pytest.fixture(scope="module")
def tradeoff() -> dict[str, Any]:
    return tradeoff_chart(STEPS)


@pytest.fixture(scope="module")
def rate() -> dict[str, Any]:
    return rate_chart(RATES, BASELINE)


@pytest.fixture(scope="module")
def tradeoff_svg(tradeoff: dict[str, Any]) -> str:
    return chart_svg(tradeoff)


@pytest.fixture(scope="module")
def rate_svg(rate: dict[str, Any]) -> str:
    return chart_svg(rate)


@pytest.fixture(scope="module")
def script() -> str:
    return vega_script()


@pytest.fixture(scope="module")
def embedded(tradeoff: dict[str, Any], rate: dict[str, Any], script: str) -> str:
    return embed_script({"chart-tradeoff": tradeoff, "chart-rate": rate})


def _embedded_specs(html: str) -> dict[str, Any]:
    """The specs object embed_script wrote, parsed back as JSON."""
    match = re.search(r"const specs = (.*?);\n", html)
    assert match is not None
    return json.loads(match.group(1))


# --- specs -----------------------------------------------------------------------------------


def test_tradeoff_svg_shows_personas_axes_and_reference(tradeoff_svg: str) -> None:
    text = _svg_text(tradeoff_svg)
    # Points carry their step number (names of close points would overlap; tooltips name them).
    assert text.split("random exclusion")[1].split() == ["1", "2", "3"]
    assert "No exclusion" not in text  # the start point is not labelled
    for title in ("Share of records excluded", "Share of conversions lost", "random exclusion"):
        assert title in text
    assert "26%" in text or "25%" in text  # percent axis labels
    # The hostile name is escaped inside the SVG, never raw markup.
    assert "<script" not in tradeoff_svg


def test_tradeoff_spec_shape(tradeoff: dict[str, Any]) -> None:
    assert tradeoff["width"] == "container"
    assert 200 <= tradeoff["height"] <= 500
    layers = tradeoff["layer"]
    marks = [layer["mark"]["type"] for layer in layers]
    assert {"line", "point", "text"} <= set(marks)
    dashed = [layer for layer in layers if layer["mark"].get("strokeDash")]
    assert len(dashed) == 1 and dashed[0]["mark"]["type"] == "line"
    reference = dashed[0]["data"]["values"]
    assert all(row["records_share"] == row["conversions_share"] for row in reference)  # y = x
    for layer in layers:
        encoding = layer["encoding"]
        assert encoding["x"]["axis"]["format"] == "%"
        assert encoding["y"]["axis"]["format"] == "%"
    tooltips = [t for layer in layers for t in layer["encoding"].get("tooltip", [])]
    assert {"field": "name", "title": "Persona excluded", "type": "nominal"} in tooltips
    assert all(t.get("format") == ".1%" for t in tooltips if t["field"].endswith("_share"))


def test_tradeoff_reference_covers_the_data() -> None:
    steps = [*STEPS[:1], {"step": 1, "name": "A", "records_share": 0.62, "conversions_share": 0.3}]
    spec = tradeoff_chart(steps)
    reference = next(layer for layer in spec["layer"] if layer["mark"].get("strokeDash"))
    top = max(row["records_share"] for row in reference["data"]["values"])
    assert 0.62 < top <= 1.0
    assert reference["encoding"]["x"]["scale"]["domain"] == [0, top]


@pytest.mark.parametrize("steps", [[], STEPS[:1]], ids=["empty", "start-only"])
def test_tradeoff_with_no_personas_is_still_valid(steps: list[dict[str, Any]]) -> None:
    svg = chart_svg(tradeoff_chart(steps))
    text = _svg_text(svg)
    assert "Share of records excluded" in text
    assert "random exclusion" in text


def test_rate_svg_shows_rows_axis_and_baseline(rate_svg: str) -> None:
    text = _svg_text(rate_svg)
    for label in ("Discovery", "Confirmation (held out)", "Conversion rate", "baseline"):
        assert label in text
    assert "10%" in text  # percent axis reaching the 11.7 % baseline


def test_rate_spec_shape(rate: dict[str, Any]) -> None:
    assert rate["width"] == "container"
    assert rate["height"] <= 120  # small: one band per row
    layers = rate["layer"]
    rules = [layer for layer in layers if layer["mark"]["type"] == "rule"]
    interval = next(layer for layer in rules if "x2" in layer["encoding"])
    assert interval["encoding"]["x"]["field"] == "low"
    assert interval["encoding"]["x2"]["field"] == "high"
    baseline = next(layer for layer in rules if layer["mark"].get("strokeDash"))
    assert baseline["data"]["values"][0]["baseline"] == BASELINE
    assert "y" not in baseline["encoding"]  # vertical: spans the whole plot
    tooltips = [t for layer in layers for t in layer["encoding"].get("tooltip", [])]
    assert tooltips and all(t.get("format") == ".1%" for t in tooltips if t["type"] != "nominal")


def test_rate_chart_without_interval_bounds_compiles() -> None:
    rows = [{"label": "Discovery", "rate": 0.021, "low": None, "high": float("nan")}]
    svg = chart_svg(rate_chart(rows, 0.01))
    assert "Discovery" in _svg_text(svg)


@pytest.mark.parametrize(
    "build",
    [
        lambda: tradeoff_chart([{"step": 1, "name": "A", "records_share": 0.1}]),
        lambda: tradeoff_chart(
            [{"step": 1, "name": "A", "records_share": float("nan"), "conversions_share": 0}]
        ),
        lambda: rate_chart([{"label": "A", "low": 0.1}], 0.1),
        lambda: rate_chart(RATES, float("inf")),
    ],
    ids=["missing-key", "nan-share", "missing-rate", "infinite-baseline"],
)
def test_bad_input_is_rejected(build: Any) -> None:
    with pytest.raises(ValueError):
        build()


@pytest.mark.parametrize("which", ["tradeoff", "rate", "empty"])
def test_specs_have_no_urls(which: str, tradeoff: dict[str, Any], rate: dict[str, Any]) -> None:
    spec = {"tradeoff": tradeoff, "rate": rate, "empty": tradeoff_chart([])}[which]
    text = json.dumps(spec)
    assert "http://" not in text and "https://" not in text
    keys = _keys(spec)
    assert "url" not in keys
    assert "$schema" not in keys


# --- script ----------------------------------------------------------------------------------


def test_vega_script_exposes_vega_embed_and_cannot_close_the_script(script: str) -> None:
    assert len(script) > 100_000
    assert "window.vegaEmbed" in script
    assert not re.search(r"</script", script, re.IGNORECASE)
    assert "<!--" not in script
    assert vega_script() is script  # cached, not rebuilt


def test_script_escaping_handles_any_case() -> None:
    from negpersona.present.charts import _escape_for_script

    escaped = _escape_for_script('x = "</script>" + "</SCRIPT >" + "<!--"')
    assert not re.search(r"</script", escaped, re.IGNORECASE)
    assert "<!--" not in escaped
    assert escaped == 'x = "<\\/script>" + "<\\/SCRIPT >" + "<\\u0021--"'


def test_embed_script_is_one_balanced_module_script(embedded: str, script: str) -> None:
    assert embedded.startswith('<script type="module">')
    assert embedded.rstrip().endswith("</script>")
    assert len(re.findall(r"<script\b", embedded, re.IGNORECASE)) == 1
    assert len(re.findall(r"</script", embedded, re.IGNORECASE)) == 1
    assert script in embedded
    assert "actions: false" in embedded
    assert 'renderer: "svg"' in embedded
    assert "console.error" in embedded
    assert "chart-error" in embedded  # the failure is shown in the chart's element


def test_embed_script_specs_round_trip(
    embedded: str, tradeoff: dict[str, Any], rate: dict[str, Any]
) -> None:
    assert _embedded_specs(embedded) == {"chart-tradeoff": tradeoff, "chart-rate": rate}


def test_hostile_persona_name_stays_inside_the_json(embedded: str) -> None:
    assert "</script><script>" not in embedded
    assert "alert(1)" in embedded  # present, but only as escaped JSON text
    layers = _embedded_specs(embedded)["chart-tradeoff"]["layer"]
    names = {row.get("name") for layer in layers for row in layer["data"]["values"]}
    assert HOSTILE in names  # restored exactly when the browser parses the JSON


def test_hostile_chart_id_is_escaped_too() -> None:
    out = embed_script({HOSTILE: {"mark": "point"}})
    assert len(re.findall(r"</script", out, re.IGNORECASE)) == 1
    assert HOSTILE in _embedded_specs(out)


def test_embed_script_without_charts_is_empty() -> None:
    assert embed_script({}) == ""


def test_embed_script_rejects_empty_ids() -> None:
    with pytest.raises(ValueError):
        embed_script({"": {"mark": "point"}})


# --- static SVG ------------------------------------------------------------------------------


def test_chart_svg_has_fixed_width_and_leaves_the_spec_alone(
    tradeoff: dict[str, Any], tradeoff_svg: str
) -> None:
    assert tradeoff_svg.startswith("<svg")
    width = float(re.search(r'<svg[^>]*\bwidth="([\d.]+)"', tradeoff_svg).group(1))
    assert 600 <= width <= 800  # 640 px plot plus axes
    assert tradeoff["width"] == "container"


def test_chart_svg_refuses_network_data() -> None:
    spec = {
        "data": {"url": "https://example.com/leads.csv"},
        "mark": "point",
        "encoding": {"x": {"field": "a", "type": "quantitative"}},
    }
    with pytest.raises(ValueError, match="not allowed"):
        chart_svg(spec)


def test_bundle_matches_the_vega_lite_altair_targets() -> None:
    import altair as alt

    from negpersona.present.charts import _vl_version

    version = _vl_version()
    assert version is None or alt.SCHEMA_VERSION.lstrip("v").startswith(version)
    assert version is None or version in vlc.get_vegalite_versions()
