"""Charts for the report: Vega-Lite specs built with Altair, drawn offline by an inlined vega-embed.

The report is one self-contained HTML file that must work offline and as an email attachment, so
nothing may be fetched at view time. The specs therefore carry their data inline (``values``,
never ``url``) and no ``$schema`` URL, and the JavaScript that draws them (Vega, Vega-Lite and
vega-embed) comes from ``vl-convert-python``, which bundles those maintained libraries into one
script without network access. Hand-drawn SVG would be smaller, but axes, scales, tooltips and
label layout are exactly what these libraries already get right.

``vl_convert.javascript_bundle()`` returns one minified JavaScript bundle with no ``import``/``export``
statements. Its default snippet assigns ``window.vegaEmbed``, ``window.vegaLite`` and
``window.vega``. ``embed_script`` wraps that bundle and the drawing code in a single
``<script type="module">``: module scope keeps the bundle's many top-level ``const`` names out of
the page's global scope, and module scripts run after the document is parsed, so every chart
``<div>`` exists by then wherever the script sits. Each chart is drawn as SVG with
``actions: false`` (no export menu, no link to the online editor). A chart that fails to draw
shows the error inside its own ``<div>`` and in ``console.error``, so a broken chart is never
just a blank space.

The bundle still holds a few URL strings it never requests (SVG/XML namespace URIs such as
``http://www.w3.org/2000/svg``, the Vega schema URL and the editor URL used only by the export
menu, which ``actions: false`` turns off).

``chart_svg`` renders a spec to static SVG with ``vl_convert.vegalite_to_svg`` for the Markdown
and plain-email versions of the report. It passes ``allowed_base_urls=[]`` so the converter
refuses any http(s) data request; the specs have none, but a mistake should fail rather than
go online. (Local ``file://`` paths are not network requests and are not blocked.)

Measured on a 2-core machine with vl-convert-python 1.9.0 (Vega 6.2.0, Vega-Lite 6.4,
vega-embed 7.0.2) and Altair 6.3.0:

- ``vega_script()``: 897,700 bytes (897,681 characters, about 877 KiB), inlined once per page;
  ``embed_script`` for two charts is about 907 KB. The first call takes 1.8-3.8 s (depending on
  machine load); later calls return the cached string.
- ``chart_svg``: 0.4-1.0 s for the first conversion in a process (the converter starts its
  JavaScript runtime), then 90-180 ms per chart.
- Building a spec: about 0.3 s for the first one (Altair loads the Vega-Lite schema to validate),
  a few milliseconds after that. ``embed_script`` itself takes about 1 ms.
"""

from __future__ import annotations

import copy
import functools
import json
import math
import re
from collections.abc import Mapping, Sequence
from typing import Any

import altair as alt
import vl_convert as vlc

__all__ = [
    "chart_svg",
    "embed_script",
    "chart_data",
    "chart_module",
    "history_chart",
    "rate_chart",
    "tradeoff_chart",
    "vega_script",
]

# Labels are in plain, neutral words; they appear in reports shared outside the analytics team.
RECORDS_TITLE = "Share of records excluded"
CONVERSIONS_TITLE = "Share of conversions lost"
RANDOM_LABEL = "random exclusion"
RATE_TITLE = "Conversion rate"
BASELINE_LABEL = "baseline"

# One colour for the data, a muted grey for references: the reference must not compete with it.
_DATA_COLOR = "#1f5f8b"
_REFERENCE_COLOR = "#888888"
_PERCENT = ".1%"
_TRADEOFF_HEIGHT = 300
_RATE_ROW_HEIGHT = 34
_HISTORY_HEIGHT = 150
_SVG_WIDTH = 640
# Pixels a point label may take before it is cut with an ellipsis; long persona names would
# otherwise run over the neighbouring points and off the chart.
_LABEL_LIMIT = 220

_SCRIPT_CLOSE = re.compile(r"</(script)", re.IGNORECASE)


def _share(value: Any, what: str) -> float:
    """A finite share as float; NaN or infinity would make the spec invalid JSON."""
    number = float(value)
    if not math.isfinite(number):
        raise ValueError(f"{what} must be a finite number, got {value!r}")
    return number


def _optional_rate(value: Any, what: str) -> float | None:
    """A finite rate or None: a missing interval bound just leaves its error bar out."""
    if value is None:
        return None
    number = float(value)
    if math.isnan(number):
        return None
    if not math.isfinite(number):
        raise ValueError(f"{what} must be a finite number, got {value!r}")
    return number


def _is_number(value: Any) -> bool:
    """True for int and float but not bool (a bool is an int to isinstance)."""
    return isinstance(value, float | int) and not isinstance(value, bool)


def _vl_version() -> str | None:
    """The Vega-Lite version Altair writes specs for, if vl-convert ships it (else its latest).

    Pinning the converter and the browser bundle to Altair's schema keeps the three in step: a
    spec Altair validated is compiled by the same Vega-Lite that draws it.
    """
    match = re.match(r"v?(\d+)\.(\d+)", alt.SCHEMA_VERSION)
    if match is None:
        return None
    version = f"{match.group(1)}.{match.group(2)}"
    return version if version in vlc.get_vegalite_versions() else None


def _to_spec(chart: alt.TopLevelMixin) -> dict[str, Any]:
    """Altair chart to a plain JSON-able dict without the ``$schema`` URL.

    ``to_dict`` validates against the Vega-Lite schema, so an invalid chart fails here, in Python,
    rather than as a blank space in someone's browser. The JSON round trip leaves only plain
    dicts, lists, strings, numbers, booleans and None.
    """
    spec = json.loads(json.dumps(chart.to_dict(validate=True), allow_nan=False))
    spec.pop("$schema", None)
    return spec


def tradeoff_chart(steps: Sequence[Mapping[str, Any]]) -> dict[str, Any]:
    """Vega-Lite spec of the exclusion trade-off as personas are excluded one after another.

    Each point is cumulative: excluding personas 1..k drops ``records_share`` of the records and
    ``conversions_share`` of the conversions. The dashed diagonal is what excluding the same
    share of records at random would cost, so points far below it mean the personas remove many
    records but few conversions. Points are labelled with their step number only (names of
    neighbouring points would overlap; the report's table beside the chart names each step) and
    tooltips give the name and the numbers.

    ``steps`` may be empty or hold only the start point; the chart then shows the reference line
    and axes only.
    """
    values: list[dict[str, Any]] = []
    for index, step in enumerate(steps):
        try:
            number = int(step["step"])
            name = str(step["name"])
            records = _share(step["records_share"], "records_share")
            conversions = _share(step["conversions_share"], "conversions_share")
        except KeyError as missing:
            raise ValueError(f"trade-off step {index} lacks the key {missing}") from None
        values.append(
            {
                "step": number,
                "name": name,
                "label": str(number) if number > 0 else "",
                "records_share": records,
                "conversions_share": conversions,
            }
        )
    values.sort(key=lambda row: row["step"])

    # The reference runs as far as the data (at least 10 %): a diagonal to 100 % would squeeze
    # typical exclusions of a few per cent into a corner.
    shares = [row["records_share"] for row in values] + [row["conversions_share"] for row in values]
    # 10 % headroom keeps the last point off the edge; round up to the next 5 % for round ticks.
    top = min(1.0, math.ceil(max([0.1, *shares]) * 1.1 * 20) / 20)
    reference = alt.Data(
        values=[
            {"records_share": 0.0, "conversions_share": 0.0},
            {"records_share": top, "conversions_share": top},
        ]
    )
    # The label sits above and to the left of a point on the diagonal: the personas' points lie
    # below it (they lose fewer conversions than records), so that corner stays free.
    reference_label = alt.Data(
        values=[
            {"records_share": top * 0.55, "conversions_share": top * 0.55, "label": RANDOM_LABEL}
        ]
    )

    x = alt.X(
        "records_share:Q",
        title=RECORDS_TITLE,
        axis=alt.Axis(format="%", tickCount=8),
        scale=alt.Scale(domain=[0, top], nice=False),
    )
    y = alt.Y(
        "conversions_share:Q",
        title=CONVERSIONS_TITLE,
        axis=alt.Axis(format="%", tickCount=8),
        scale=alt.Scale(domain=[0, top], nice=False),
    )
    tooltip = [
        alt.Tooltip("step:Q", title="Step"),
        alt.Tooltip("name:N", title="Persona excluded"),
        alt.Tooltip("records_share:Q", title=RECORDS_TITLE, format=_PERCENT),
        alt.Tooltip("conversions_share:Q", title=CONVERSIONS_TITLE, format=_PERCENT),
    ]

    random_line = (
        alt.Chart(reference)
        .mark_line(color=_REFERENCE_COLOR, strokeDash=[6, 4], strokeWidth=1.5)
        .encode(x=x, y=y)
    )
    random_text = (
        alt.Chart(reference_label)
        .mark_text(color=_REFERENCE_COLOR, align="right", baseline="bottom", dx=-6, dy=-6)
        .encode(x=x, y=y, text="label:N")
    )

    data = alt.Chart(alt.Data(values=values))
    line = data.mark_line(color=_DATA_COLOR, strokeWidth=2).encode(
        x=x, y=y, order="step:Q", tooltip=tooltip
    )
    points = data.mark_point(color=_DATA_COLOR, filled=True, size=60).encode(
        x=x, y=y, tooltip=tooltip
    )
    # Labels go right of their point, except near the right edge where they would run off the
    # chart: there they go above and to the left, clear of the line arriving from lower left.
    near_edge = alt.datum.records_share > top * 0.6
    label_style = {"limit": _LABEL_LIMIT, "color": "#333333"}
    labels_right = (
        data.mark_text(align="left", baseline="middle", dx=7, **label_style)
        .encode(x=x, y=y, text="label:N", tooltip=tooltip)
        .transform_filter(~near_edge)
    )
    labels_left = (
        data.mark_text(align="right", baseline="bottom", dx=-5, dy=-5, **label_style)
        .encode(x=x, y=y, text="label:N", tooltip=tooltip)
        .transform_filter(near_edge)
    )

    chart = alt.layer(random_line, random_text, line, points, labels_right, labels_left).properties(
        width="container", height=_TRADEOFF_HEIGHT
    )
    return _to_spec(chart)


def rate_chart(rows: Sequence[Mapping[str, Any]], baseline: float) -> dict[str, Any]:
    """Vega-Lite spec: a persona's conversion rate per sample, with intervals, against baseline.

    One row per sample (typically discovery and the held-out confirmation), drawn as a point at
    ``rate`` with a rule from ``low`` to ``high``. A vertical rule marks the baseline rate, so the
    reader sees at a glance whether each interval stays clear of it. The rate axis starts at zero
    so gaps are not exaggerated. Rows keep the order given. A row whose ``low`` or ``high`` is
    None simply has no interval drawn.
    """
    base_rate = _share(baseline, "baseline")
    values: list[dict[str, Any]] = []
    for index, row in enumerate(rows):
        try:
            values.append(
                {
                    "label": str(row["label"]),
                    "rate": _share(row["rate"], "rate"),
                    "low": _optional_rate(row.get("low"), "low"),
                    "high": _optional_rate(row.get("high"), "high"),
                }
            )
        except KeyError as missing:
            raise ValueError(f"rate row {index} lacks the key {missing}") from None
    order = list(dict.fromkeys(row["label"] for row in values))

    x_scale = alt.Scale(zero=True, nice=True)
    y = alt.Y("label:N", title=None, sort=order, axis=alt.Axis(labelLimit=200))
    tooltip = [
        alt.Tooltip("label:N", title="Sample"),
        alt.Tooltip("rate:Q", title=RATE_TITLE, format=_PERCENT),
        alt.Tooltip("low:Q", title="Interval low", format=_PERCENT),
        alt.Tooltip("high:Q", title="Interval high", format=_PERCENT),
    ]

    data = alt.Chart(alt.Data(values=values))
    intervals = data.mark_rule(color=_DATA_COLOR, strokeWidth=2).encode(
        x=alt.X("low:Q", scale=x_scale, title=RATE_TITLE, axis=alt.Axis(format="%", tickCount=8)),
        x2="high:Q",
        y=y,
        tooltip=tooltip,
    )
    points = data.mark_point(color=_DATA_COLOR, filled=True, size=70).encode(
        x=alt.X("rate:Q", scale=x_scale, title=RATE_TITLE, axis=alt.Axis(format="%", tickCount=8)),
        y=y,
        tooltip=tooltip,
    )

    reference = alt.Chart(alt.Data(values=[{"baseline": base_rate, "label": BASELINE_LABEL}]))
    baseline_tooltip = [alt.Tooltip("baseline:Q", title="Baseline rate", format=_PERCENT)]
    rule = reference.mark_rule(color=_REFERENCE_COLOR, strokeDash=[4, 3], strokeWidth=1.5).encode(
        x=alt.X("baseline:Q", scale=x_scale), tooltip=baseline_tooltip
    )
    # The label goes on the side of the rule with more room, so it never runs off the chart.
    largest = max([base_rate, *(v for row in values for v in row.values() if _is_number(v))])
    right_side = base_rate > largest * 0.6
    text = reference.mark_text(
        color=_REFERENCE_COLOR,
        align="right" if right_side else "left",
        baseline="bottom",
        dx=-4 if right_side else 4,
        dy=-2,
        y=0,
    ).encode(x=alt.X("baseline:Q", scale=x_scale), text="label:N", tooltip=baseline_tooltip)

    # Only the width follows the page; the plot height comes from the number of rows. A fixed
    # height rather than {"step": ...}: Vega-Lite 6 logs a "Dropping fit-y" warning in the
    # browser console for a container width with a step height.
    chart = alt.layer(rule, text, intervals, points).properties(
        width="container",
        height=_RATE_ROW_HEIGHT * max(1, len(order)),
        autosize=alt.AutoSizeParams(type="fit-x", contains="padding"),
    )
    return _to_spec(chart)


def history_chart(runs: Sequence[Mapping[str, Any]]) -> dict[str, Any]:
    """Vega-Lite spec: a persona's rate over runs (discovery, re-checks), with intervals.

    One row per run, oldest first: ``label`` (shown on the x axis, e.g. ``"2027-01-05
    re-check"``), ``rate`` with its interval ``low``–``high`` and, optionally, the ``baseline``
    rate of that run (a dashed grey line) and a ``status`` (in the tooltip). Runs keep the order
    given; a label repeated is numbered so that runs on one day stay apart. A run whose rate is
    None (no outcomes yet) is left out. The rate axis starts at zero so changes are not
    exaggerated.
    """
    values: list[dict[str, Any]] = []
    seen: dict[str, int] = {}
    for index, run in enumerate(runs):
        try:
            rate = _optional_rate(run["rate"], "rate")
            label = str(run["label"])
        except KeyError as missing:
            raise ValueError(f"history run {index} lacks the key {missing}") from None
        seen[label] = seen.get(label, 0) + 1
        if seen[label] > 1:
            label = f"{label} ({seen[label]})"
        if rate is None:
            continue
        values.append(
            {
                "order": index,
                "label": label,
                "rate": rate,
                "low": _optional_rate(run.get("low"), "low"),
                "high": _optional_rate(run.get("high"), "high"),
                "baseline": _optional_rate(run.get("baseline"), "baseline"),
                "status": str(run.get("status") or ""),
            }
        )
    order = [row["label"] for row in values]

    x = alt.X(
        "label:N",
        sort=order,
        title=None,
        axis=alt.Axis(labelAngle=0, labelLimit=140, labelOverlap=True),
    )
    y_scale = alt.Scale(zero=True, nice=True)
    y_axis = alt.Axis(format="%", tickCount=4)
    tooltip = [
        alt.Tooltip("label:N", title="Run"),
        alt.Tooltip("rate:Q", title=RATE_TITLE, format=_PERCENT),
        alt.Tooltip("low:Q", title="Interval low", format=_PERCENT),
        alt.Tooltip("high:Q", title="Interval high", format=_PERCENT),
        alt.Tooltip("baseline:Q", title="Baseline rate", format=_PERCENT),
        alt.Tooltip("status:N", title="Status"),
    ]
    data = alt.Chart(alt.Data(values=values))
    baseline = (
        data.mark_line(color=_REFERENCE_COLOR, strokeDash=[4, 3], strokeWidth=1.5, point=False)
        .encode(
            x=x,
            y=alt.Y("baseline:Q", scale=y_scale, title=RATE_TITLE, axis=y_axis),
            order="order:Q",
            tooltip=tooltip,
        )
        .transform_filter(alt.datum.baseline != None)  # noqa: E711 - a Vega expression
    )
    intervals = data.mark_rule(color=_DATA_COLOR, strokeWidth=2).encode(
        x=x,
        y=alt.Y("low:Q", scale=y_scale, title=RATE_TITLE, axis=y_axis),
        y2="high:Q",
        tooltip=tooltip,
    )
    line = data.mark_line(color=_DATA_COLOR, strokeWidth=1.5).encode(
        x=x,
        y=alt.Y("rate:Q", scale=y_scale, title=RATE_TITLE, axis=y_axis),
        order="order:Q",
        tooltip=tooltip,
    )
    points = data.mark_point(color=_DATA_COLOR, filled=True, size=60).encode(
        x=x,
        y=alt.Y("rate:Q", scale=y_scale, title=RATE_TITLE, axis=y_axis),
        tooltip=tooltip,
    )
    # "baseline" next to the last run's baseline point, inside the plot (it is the right edge).
    last = values[-1]["order"] if values else -1
    baseline_label = (
        data.mark_text(color=_REFERENCE_COLOR, align="right", baseline="bottom", dx=-6, dy=-3)
        .encode(
            x=x,
            y=alt.Y("baseline:Q", scale=y_scale, title=RATE_TITLE, axis=y_axis),
            text=alt.value(BASELINE_LABEL),
        )
        .transform_filter((alt.datum.order == last) & (alt.datum.baseline != None))  # noqa: E711
    )
    chart = alt.layer(baseline, baseline_label, intervals, line, points).properties(
        width="container",
        height=_HISTORY_HEIGHT,
        autosize=alt.AutoSizeParams(type="fit-x", contains="padding"),
    )
    return _to_spec(chart)


def _escape_for_script(text: str) -> str:
    """Make text safe inside an HTML ``<script>`` element.

    The HTML parser ends a script at the first ``</script`` whatever JavaScript means by it, and
    ``<!--`` switches it into a mode where a later ``<script`` changes where the element ends.
    ``<\\/script`` means the same as ``</script`` inside JavaScript strings, template literals,
    regular expressions and comments, the only places these sequences occur in code; ``<!--``
    becomes ``<\\u0021--`` for the same reason (it is a syntax error elsewhere in a module).
    """
    return _SCRIPT_CLOSE.sub(r"<\\/\1", text).replace("<!--", "<\\u0021--")


@functools.cache
def vega_script() -> str:
    """The Vega, Vega-Lite and vega-embed bundle, safe to inline in a ``<script type="module">``.

    The bundle assigns ``window.vegaEmbed`` (and ``window.vega``, ``window.vegaLite``). Building
    it takes two to four seconds, so it is cached for the life of the process.
    """
    bundle = vlc.javascript_bundle(vl_version=_vl_version())
    if "window.vegaEmbed" not in bundle:
        raise RuntimeError("the vl-convert bundle no longer assigns window.vegaEmbed")
    return _escape_for_script(bundle)


def _json_for_script(value: Any) -> str:
    """JSON that can sit inside a ``<script>`` without ending it or opening markup.

    ``<``, ``>`` and ``&`` become ``\\u003c``, ``\\u003e`` and ``\\u0026``: the same string to
    JavaScript, but a persona named ``</script><script>...`` cannot close the element. They can
    only occur inside JSON strings, so the replacement never touches JSON syntax. ``ensure_ascii``
    also escapes U+2028 and U+2029, which older JavaScript engines reject inside strings.
    """
    text = json.dumps(value, ensure_ascii=True, allow_nan=False, separators=(",", ":"))
    return text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")


_DRAW = """
(() => {
  const specs = %(specs)s;
  const options = {actions: false, renderer: "svg", mode: "vega-lite"};
  const fail = (el, id, err) => {
    console.error("negpersona: chart " + JSON.stringify(id) + " could not be drawn", err);
    if (!el) return;
    el.textContent = "This chart could not be drawn: " + ((err && err.message) || String(err));
    el.classList.add("chart-error");
    el.setAttribute("data-chart-state", "error");
  };
  for (const [id, spec] of Object.entries(specs)) {
    const el = document.getElementById(id);
    if (!el) {
      console.error("negpersona: no element with id " + JSON.stringify(id) + " for its chart");
      continue;
    }
    try {
      window.vegaEmbed(el, spec, options).then(
        () => el.setAttribute("data-chart-state", "drawn"),
        (err) => fail(el, id, err),
      );
    } catch (err) {
      fail(el, id, err);
    }
  }
})();
"""


def embed_script(charts: Mapping[str, Mapping[str, Any]]) -> str:
    """One inline ``<script type="module">`` that draws each spec into the element with its id.

    ``charts`` maps element ids (``"chart-tradeoff"`` for ``<div id="chart-tradeoff">``) to
    Vega-Lite specs. The script holds the whole bundle followed by the drawing code; call it once
    per page with every chart, since each call inlines the bundle again. A drawn chart's element
    gets ``data-chart-state="drawn"``; a failure puts the message in the element, adds the
    ``chart-error`` class, sets ``data-chart-state="error"`` and logs it with ``console.error``.
    With no charts it returns an empty string rather than a bundle that draws nothing.
    """
    if not charts:
        return ""
    for chart_id in charts:
        if not isinstance(chart_id, str) or not chart_id:
            raise ValueError(f"chart ids must be non-empty strings, got {chart_id!r}")
    draw = _DRAW % {"specs": _json_for_script(dict(charts))}
    return f'<script type="module">\n{vega_script()}\n;{draw}</script>\n'


CHART_DATA_ID = "np-charts"


@functools.cache
def chart_module() -> str:
    """A JavaScript module (served as a file, for the dashboard) that draws the page's charts.

    The page lists its specs as JSON in ``<script type="application/json" id="np-charts">``
    (:func:`chart_data`); the module holds the bundle and the same drawing code as
    :func:`embed_script`, so a page needs no inline script and the bundle is cached once.
    """
    specs = f"JSON.parse(document.getElementById({json.dumps(CHART_DATA_ID)}).textContent)"
    return f"{vega_script()}\n;{_DRAW % {'specs': specs}}"


def chart_data(charts: Mapping[str, Mapping[str, Any]]) -> str:
    """The JSON element :func:`chart_module` reads (safe inside HTML: see ``_json_for_script``)."""
    return (
        f'<script type="application/json" id="{CHART_DATA_ID}">'
        f"{_json_for_script(dict(charts))}</script>"
    )


def chart_svg(spec: Mapping[str, Any], *, width: int = _SVG_WIDTH) -> str:
    """Static SVG of a spec, for the Markdown and plain-email report where no script runs.

    ``"width": "container"`` has no container outside a page, so it becomes ``width`` pixels.
    ``allowed_base_urls=[]`` makes the converter refuse any http(s) data request, so rendering
    never goes online even if a spec were given a ``data.url`` by mistake.
    """
    static = copy.deepcopy(dict(spec))
    if static.get("width") == "container":
        static["width"] = width
    return vlc.vegalite_to_svg(static, vl_version=_vl_version(), allowed_base_urls=[])
