"""Exclusion frontier: conversions lost at 10/20/30% of records excluded, negpersona vs peers.

For every data set the methods learn on the training records and are measured on test records
they never saw. A readable method gives an ordered exclusion sequence of segments; walking it on
the test records, step i excludes the records it newly covers. The curve is read at exactly x%
excluded by linear interpolation within a step (the same as excluding a random part of that
step's new records); past a sequence's reach the rest is excluded at random (the straight line
to (100%, 100%), marked "*"), the same rule for every method: negative personas are by design
only the records far below baseline, so a short sequence is no defect. LightGBM, the unreadable ceiling, excludes the x% lowest-scored test records.

Data sets:

1. **Bank marketing** (``../shared/data/bank_marketing/bank-full.csv``, else
   ``tests/data/bank-full.csv.gz``): target ``y``, ``duration`` dropped (post-outcome); rows
   are in time order: learn on the first 70%, test on the last 30%. negpersona gets
   ``time="row"`` (the row number, never a feature) so its confirmation split is out-of-time too.
2. **Demo leads** (``negpersona.datasets.generate_leads(50_000, seed=7)``): target
   ``converted``; ``deal_value`` dropped (only known for converted leads); ``lead_id`` and
   ``created_at`` are no features; learn on the earliest 70% by ``created_at``.
3. **Planted segments** (generated here, seeded): see :func:`planted_table`; random 70/30 split.

Methods: negpersona ``discover`` (public API only), RIPPER, pysubgroup top-20 + greedy cover,
a depth-3 decision tree, LightGBM and a one-query DuckDB floor (``bench/frontier_peers.py``).

Usage (from the repository root)::

    .venv/bin/python bench/frontier.py            # all three data sets (a few minutes)
    .venv/bin/python bench/frontier.py --quick    # 20k rows each: a fast check
    .venv/bin/python bench/frontier.py --write    # also update bench/RESULTS.md

The curves are drawn into ``bench/frontier.png``.
"""

from __future__ import annotations

import argparse
import datetime as dt
import math
import os
import platform
import shlex
import sys
import time
import warnings
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from common import replace_section, source_digest, table, version
from frontier_peers import LIGHTGBM, PEERS, RIPPER, Method, Segment, Task, failed

ROOT = Path(__file__).resolve().parent.parent
BENCH = ROOT / "bench"
RESULTS = BENCH / "RESULTS.md"
PLOT = BENCH / "frontier.png"
BANK_PATHS = [
    ROOT.parent / "shared" / "data" / "bank_marketing" / "bank-full.csv",
    ROOT / "tests" / "data" / "bank-full.csv.gz",
]
POINTS = (0.10, 0.20, 0.30)
LEARN = 0.7
SEED = 0
QUICK_ROWS = 20_000
LGBM_SLACK = 0.03  # negpersona may lose at most 3 points more than LightGBM
MAX_PERSONAS = 8
MAX_CONDITIONS = 3
KEY = "frontier"
VERSIONS = [
    "negpersona",
    "wittgenstein",
    "pysubgroup",
    "scikit-learn",
    "lightgbm",
    "duckdb",
    "pandas",
    "numpy",
    "matplotlib",
]


# --------------------------------------------------------------------------------------------
# data sets


def bank_task(quick: bool) -> Task:
    path = next((p for p in BANK_PATHS if p.exists()), None)
    if path is None:
        raise SystemExit("bank-full.csv not found in " + ", ".join(map(str, BANK_PATHS)))
    frame = pd.read_csv(path, sep=";").drop(columns=["duration"])
    if quick:
        frame = frame.iloc[:QUICK_ROWS]
    frame["row"] = np.arange(len(frame))
    cut = int(LEARN * len(frame))
    features = [c for c in frame.columns if c not in ("y", "row")]
    return Task(
        name="bank marketing",
        train=frame.iloc[:cut].reset_index(drop=True),
        test=frame.iloc[cut:].reset_index(drop=True),
        target="y",
        positive="yes",
        features=features,
        negpersona={
            "target": "y",
            "time": "row",
            "allow_sensitive": ["age", "marital"],
        },
        description=f"`{path.relative_to(ROOT.parent)}`, {len(frame):,} rows, `duration` dropped; "
        f"first {LEARN:.0%} of rows (time order) learn, last {1 - LEARN:.0%} test",
    )


def leads_task(quick: bool) -> Task:
    from negpersona.datasets import generate_leads

    n = QUICK_ROWS if quick else 50_000
    frame = generate_leads(n, seed=7).drop(columns=["deal_value"])
    frame = frame.sort_values(["created_at", "lead_id"], kind="stable").reset_index(drop=True)
    cut = int(LEARN * len(frame))
    features = [c for c in frame.columns if c not in ("converted", "lead_id", "created_at")]
    return Task(
        name="demo leads",
        train=frame.iloc[:cut].reset_index(drop=True),
        test=frame.iloc[cut:].reset_index(drop=True),
        target="converted",
        positive=True,
        features=features,
        negpersona={"target": "converted", "time": "created_at", "id": "lead_id"},
        description=f"`generate_leads({n:,}, seed=7)`, `deal_value` dropped (post-outcome); "
        f"earliest {LEARN:.0%} by `created_at` learn, latest {1 - LEARN:.0%} test",
    )


# planted: (description, share of rows, rate as a multiple of the overall baseline)
PLANTED = [
    ("region = south-east AND tier = free", 0.04, 0.05),
    ("industry = media AND language = other AND score ≥ 55", 0.03, 0.10),
    ("company_size < 5 AND referred = no", 0.08, 0.15),
    ("visits ≤ 1 AND device = mobile", 0.12, 0.30),
]
BROAD = ("plan_interest = undecided", 0.35, 0.70)
PLANTED_BASELINE = 0.12


def planted_table(n: int, seed: int) -> pd.DataFrame:
    """~``n`` records, 10 categorical/boolean and 5 numeric columns, baseline ≈ 12%.

    Four negative segments on disjoint columns (so they overlap only by chance) convert at a
    fixed multiple of 12% (:data:`PLANTED`); a broad, mild segment (35% of records) converts at
    0.7× the background rate and overlaps all of them. The background is a logistic model with
    small effects of tier, channel, visits, newsletter and team role, calibrated so the overall
    rate is 12%; ``tenure_days`` (5% missing) and ``pages`` are noise.
    """
    rng = np.random.default_rng(seed)

    def pick(values: list[str], p: list[float]) -> np.ndarray:
        return np.asarray(values, dtype=object)[rng.choice(len(values), size=n, p=p)]

    regions = ["north", "south", "east", "west", "central", "south-east", "north-west", "islands"]
    region = pick(regions, [0.16, 0.14, 0.13, 0.13, 0.12, 0.16, 0.10, 0.06])
    tier = pick(["free", "starter", "pro", "team", "enterprise"], [0.25, 0.30, 0.20, 0.15, 0.10])
    channel = pick(
        ["search", "social", "partner", "referral", "events", "direct"],
        [0.30, 0.20, 0.15, 0.10, 0.10, 0.15],
    )
    device = pick(["desktop", "mobile", "tablet"], [0.50, 0.40, 0.10])
    industries = ["software", "retail", "finance", "media", "health", "education", "public"]
    industry = pick(industries, [0.25, 0.15, 0.15, 0.15, 0.12, 0.10, 0.08])
    language = pick(["en", "de", "fr", "es", "other"], [0.30, 0.10, 0.10, 0.10, 0.40])
    plan_interest = pick(["undecided", "monthly", "annual"], [0.35, 0.35, 0.30])
    team_role = pick(
        ["engineer", "manager", "founder", "analyst", "designer", "other"],
        [0.25, 0.20, 0.10, 0.20, 0.10, 0.15],
    )
    referred = rng.random(n) < 0.6
    newsletter = rng.random(n) < 0.3
    micro = rng.random(n) < 0.2
    company_size = np.where(
        micro, rng.integers(1, 5, size=n), 5 + np.round(rng.lognormal(3.0, 1.0, size=n))
    ).astype(np.int64)
    low_visits = rng.random(n) < 0.3
    visits = np.where(low_visits, rng.integers(0, 2, size=n), 2 + rng.poisson(4.0, size=n)).astype(
        np.int64
    )
    score = np.clip(np.round(rng.normal(55.0, 20.0, size=n)), 0, 100)
    tenure = np.round(rng.exponential(400.0, size=n))
    tenure[rng.random(n) < 0.05] = np.nan
    pages = rng.poisson(6.0, size=n).astype(np.int64)

    logit = (
        0.25 * (tier == "pro")
        + 0.35 * (tier == "enterprise")
        - 0.15 * (tier == "starter")
        + 0.15 * (channel == "referral")
        - 0.10 * (channel == "social")
        + 0.05 * np.minimum(visits, 10)
        + 0.10 * newsletter
        - 0.10 * (team_role == "analyst")
        + rng.normal(0.0, 0.3, size=n)  # unobserved heterogeneity
    )
    broad = plan_interest == "undecided"
    segments = [
        (region == "south-east") & (tier == "free"),
        (industry == "media") & (language == "other") & (score >= 55),
        (company_size < 5) & ~referred,
        (visits <= 1) & (device == "mobile"),
    ]
    planted_p = np.full(n, np.nan)
    for mask, (_text, _share, ratio) in zip(segments, PLANTED, strict=True):
        planted_p = np.where(mask & np.isnan(planted_p), ratio * PLANTED_BASELINE, planted_p)

    def probabilities(intercept: float) -> np.ndarray:
        background = 1 / (1 + np.exp(-(intercept + logit))) * np.where(broad, BROAD[2], 1.0)
        return np.where(np.isnan(planted_p), background, planted_p)

    low, high = -6.0, 2.0  # calibrate the intercept: overall expected rate = 12%
    for _ in range(60):
        middle = (low + high) / 2
        low, high = (middle, high) if probabilities(middle).mean() < 0.12 else (low, middle)
    converted = rng.random(n) < probabilities((low + high) / 2)
    return pd.DataFrame(
        {
            "id": np.arange(1, n + 1),
            "region": region,
            "tier": tier,
            "channel": channel,
            "device": device,
            "industry": industry,
            "language": language,
            "plan_interest": plan_interest,
            "team_role": team_role,
            "referred": referred,
            "newsletter": newsletter,
            "company_size": company_size,
            "visits": visits,
            "score": score,
            "tenure_days": tenure,
            "pages": pages,
            "converted": converted,
        }
    )


def planted_task(quick: bool) -> Task:
    n = QUICK_ROWS if quick else 60_000
    frame = planted_table(n, SEED)
    order = np.random.default_rng(SEED + 1).permutation(n)
    cut = int(LEARN * n)
    features = [c for c in frame.columns if c not in ("id", "converted")]
    return Task(
        name="planted segments",
        train=frame.iloc[np.sort(order[:cut])].reset_index(drop=True),
        test=frame.iloc[np.sort(order[cut:])].reset_index(drop=True),
        target="converted",
        positive=True,
        features=features,
        negpersona={"target": "converted", "id": "id"},
        description=f"`planted_table({n:,}, seed={SEED})` (bench/frontier.py), random "
        f"{LEARN:.0%}/{1 - LEARN:.0%} split; planted: "
        + "; ".join(f"{t} ({s:.0%} of rows, {r:g}× baseline)" for t, s, r in PLANTED)
        + f"; broad: {BROAD[0]} ({BROAD[1]:.0%} of rows, {BROAD[2]:g}× background)",
    )


# --------------------------------------------------------------------------------------------
# negpersona (public API only)


def persona_masks(frame: pd.DataFrame, personas: list[Any]) -> dict[str, np.ndarray]:
    """Each persona's members in ``frame``, by negpersona's own engine filter (the one
    ``negpersona apply`` runs), in one query."""
    import ibis

    from negpersona.model.conditions import segment_filter

    if not personas:
        return {}
    table = ibis.memtable(frame.assign(__row=np.arange(len(frame))))
    inside = {f"m{i}": segment_filter(table, list(p.conditions)) for i, p in enumerate(personas)}
    rows = table.select("__row", **inside).order_by("__row").to_pandas()
    return {p.id: rows[f"m{i}"].to_numpy(dtype=bool) for i, p in enumerate(personas)}


def condition_text(conditions: list[Any]) -> str:
    return " AND ".join(
        f"{c.column} is missing" if c.op == "is_missing" else f"{c.column} {c.op} {c.value}"
        for c in conditions
    )


def run_negpersona(task: Task) -> Method:
    from negpersona import discover

    method = Method("negpersona")
    start = time.perf_counter()
    result = discover(task.train, **task.negpersona)
    method.fit_seconds = time.perf_counter() - start
    personas = {p.id: p for p in result.personas}
    steps = (result.extra or {}).get("tradeoff") or []
    order = [s["id"] for s in steps if s.get("id") in personas]
    if order:
        method.extra["order"] = "result.extra['tradeoff']"
    else:
        order = list(personas)
        method.extra["order"] = "personas' order"
    order += [pid for pid in personas if pid not in order]
    masks = persona_masks(task.test, list(personas.values()))
    for pid in order:
        persona = personas[pid]
        conditions = list(persona.conditions)
        method.segments.append(
            Segment(
                f"{pid}: {condition_text(conditions)}",
                len({c.column for c in conditions}),
                masks[pid],
            )
        )
    method.extra["personas"] = len(result.personas)
    method.extra["raw_conditions"] = max((len(p.conditions) for p in result.personas), default=0)
    method.extra["unconfirmed"] = len(result.unconfirmed)
    method.extra["set_aside"] = [
        f"{item.get('column')} ({item.get('reason')})" for item in result.set_aside
    ]
    policy = getattr(result, "policy", None)
    if policy and "excluded" in policy:
        excluded = [pid for pid in policy["excluded"] if pid in personas]
        mask = np.zeros(len(task.test), dtype=bool)
        for pid in excluded:
            mask |= masks[pid]
        fit = task.test_fit
        method.extra["policy"] = {
            "rule": policy.get("rule"),
            "setting": (policy.get("settings") or {}).get("max_conversion_loss"),
            "excluded": excluded,
            "records_share": mask.mean(),
            "conversions_share": fit[mask].sum() / max(1, fit.sum()),
        }
    method.notes.extend(result.notes)
    return method


# --------------------------------------------------------------------------------------------
# curves


@dataclass
class Curve:
    x: np.ndarray  # share of test records excluded after each step (0 first)
    y: np.ndarray  # share of test conversions lost

    @property
    def reach(self) -> float:
        return float(self.x[-1])

    def at(self, share: float) -> float:
        """Conversions lost at ``share`` excluded. Past the sequence's reach the rest is
        excluded at random (the line to (100%, 100%)), the same for every method."""
        if share > self.reach + 1e-12:
            x0, y0 = self.reach, float(self.y[-1])
            return y0 + (share - x0) * (1.0 - y0) / max(1e-12, 1.0 - x0)
        return float(np.interp(share, self.x, self.y))

    def extended(self, share: float) -> bool:
        return share > self.reach + 1e-12


def curve_of(method: Method, fit: np.ndarray) -> Curve:
    total = max(1, int(fit.sum()))
    if method.scores is not None:
        order = np.argsort(method.scores, kind="stable")
        lost = np.concatenate([[0], np.cumsum(fit[order])])
        return Curve(np.arange(len(fit) + 1) / len(fit), lost / total)
    covered = np.zeros(len(fit), dtype=bool)
    xs, ys = [0.0], [0.0]
    for segment in method.segments:
        covered |= segment.test_mask
        xs.append(covered.mean())
        ys.append(fit[covered].sum() / total)
    return Curve(np.asarray(xs), np.asarray(ys))


# --------------------------------------------------------------------------------------------
# output


def pct(value: float | None) -> str:
    return "—" if value is None else f"{100 * value:.1f}%"


def seconds(value: float) -> str:
    if not math.isfinite(value):
        return "–"
    return f"{value:.2f} s" if value >= 1 else f"{value * 1000:.0f} ms"


@dataclass
class Outcome:
    task: Task
    methods: list[Method]
    curves: list[Curve]


def report(outcome: Outcome) -> str:
    task = outcome.task
    fit = task.test_fit
    headers = [
        "method",
        *[f"lost @ {p:.0%}" for p in POINTS],
        "rules",
        "max conds",
        "coverage",
        "fit time",
    ]
    rows = []
    for method, curve in zip(outcome.methods, outcome.curves, strict=True):
        ranking = method.scores is not None
        failed_run = any(n.startswith("failed") for n in method.notes)
        rows.append(
            [
                method.name,
                *[
                    "failed"
                    if failed_run
                    else pct(curve.at(p)) + ("*" if curve.extended(p) else "")
                    for p in POINTS
                ],
                "–" if ranking else len(method.segments),
                "–" if ranking else (method.max_conditions or 0),
                "100%" if ranking else pct(curve.reach),
                seconds(method.fit_seconds),
            ]
        )
    lines = [
        f"### {task.name}",
        "",
        f"Data: {task.description}. Train {len(task.train):,} records "
        f"({task.train_fit.mean():.1%} fits), test {len(task.test):,} records "
        f"({fit.mean():.1%} fits, {int(fit.sum()):,} conversions).",
        "",
        "Conversions lost (share of test conversions) at 10/20/30% of test records excluded; "
        "* = past the method's full sequence (the rest excluded at random); coverage = share of "
        "test records its full sequence excludes.",
        "",
        table(headers, rows),
        "",
    ]
    lines += notes(outcome)
    lines += ["", check(outcome), ""]
    lines += segments_listing(outcome)
    return "\n".join(lines)


def notes(outcome: Outcome) -> list[str]:
    out = []
    for method in outcome.methods:
        if method.name == "negpersona" and "personas" in method.extra:
            extra = method.extra
            out.append(
                f"- negpersona: {extra['personas']} confirmed persona(s), "
                f"{extra['unconfirmed']} unconfirmed; order from {extra['order']}; max "
                f"{extra['raw_conditions']} `Condition` objects per persona (a range counts as "
                "one condition above); set aside: " + (", ".join(extra["set_aside"]) or "none")
            )
            policy = extra.get("policy")
            if policy:
                out.append(
                    f"- negpersona policy ({policy['rule']}, max conversion loss "
                    f"{policy['setting']}): excludes {', '.join(policy['excluded']) or 'nothing'}"
                    f" → on test: {pct(policy['records_share'])} of records, "
                    f"{pct(policy['conversions_share'])} of conversions"
                )
        for note in method.notes:
            out.append(f"- {method.name}: {note}")
        if "selectors" in method.extra:
            out.append(
                f"- {method.name}: {method.extra['selectors']} selectors from "
                f"`ps.create_selectors`, {method.extra['top']} subgroups with WRAcc > 0 in the "
                "top 20"
            )
    return out


def check(outcome: Outcome) -> str:
    by_name = dict(zip([m.name for m in outcome.methods], outcome.curves, strict=True))
    methods = {m.name: m for m in outcome.methods}
    ours, theirs = by_name.get("negpersona"), by_name.get(RIPPER)
    ceiling = by_name.get(LIGHTGBM)
    ok, parts = True, []
    for point in POINTS:
        a = ours.at(point) if ours else None
        r = theirs.at(point) if theirs else None
        g = ceiling.at(point) if ceiling else None
        good = a is not None and (r is None or a <= r + 1e-12)
        good = good and g is not None and a <= g + LGBM_SLACK + 1e-12
        if a is not None and ours.extended(point):
            parts.append(f"{point:.0%} past negpersona's reach")
        ok &= good
        parts.append(f"{point:.0%}: {pct(a)} vs RIPPER {pct(r)}, LightGBM {pct(g)}")
    ours_method = methods.get("negpersona")
    count = len(ours_method.segments) if ours_method else 0
    width = (ours_method.max_conditions or 0) if ours_method else 0
    ok &= ours_method is not None and count <= MAX_PERSONAS and width <= MAX_CONDITIONS
    verdict = "met" if ok else "NOT met"
    return (
        f"**Check ({outcome.task.name}): negpersona loses no more conversions than RIPPER at "
        f"10/20/30% and at most LightGBM + {LGBM_SLACK * 100:.0f} points, with ≤ {MAX_PERSONAS} "
        f"personas of ≤ {MAX_CONDITIONS} conditions → {verdict}** ("
        + "; ".join(parts)
        + f"; {count} personas, max {width} conditions)"
    )


def segments_listing(outcome: Outcome) -> list[str]:
    fit = outcome.task.test_fit
    lines = [
        "Exclusion sequences (test: share of records newly excluded, rate of the segment):",
        "",
    ]
    for method in outcome.methods:
        if method.scores is not None:
            continue
        lines.append(f"- {method.name}:" + ("" if method.segments else " (none)"))
        covered = np.zeros(len(fit), dtype=bool)
        for i, segment in enumerate(method.segments, 1):
            new = segment.test_mask & ~covered
            covered |= segment.test_mask
            rate = fit[segment.test_mask].mean() if segment.test_mask.any() else math.nan
            lines.append(
                f"  {i}. `{segment.text}` (+{pct(new.mean())}, rate "
                f"{'–' if math.isnan(rate) else f'{rate:.1%}'})"
            )
    return lines


def plot(outcomes: list[Outcome], path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, axes = plt.subplots(1, len(outcomes), figsize=(5.2 * len(outcomes), 4.6), squeeze=False)
    for ax, outcome in zip(axes[0], outcomes, strict=True):
        for method, curve in zip(outcome.methods, outcome.curves, strict=True):
            keep = curve.x <= 0.5 + 1e-9
            xs, ys = curve.x[keep], curve.y[keep]
            if curve.reach > 0.5:  # cut at 50%
                xs, ys = np.append(xs, 0.5), np.append(ys, curve.at(0.5))
            style = {"marker": "o", "markersize": 3} if method.scores is None else {}
            if method.name == "negpersona":
                style.update(linewidth=2.5, zorder=5)
            label = method.name
            if method.scores is None:
                label += f" ({len(method.segments)}, reach {curve.reach:.0%})"
            ax.plot(100 * xs, 100 * ys, label=label, **style)
        ax.plot([0, 50], [0, 50], color="grey", linestyle=":", label="random")
        for point in POINTS:
            ax.axvline(100 * point, color="lightgrey", linewidth=0.8, zorder=0)
        ax.set_xlim(0, 50)
        ax.set_ylim(0, None)
        ax.set_title(outcome.task.name)
        ax.set_xlabel("test records excluded (%)")
        ax.set_ylabel("test conversions lost (%)")
        ax.grid(alpha=0.3)
    axes[0][0].legend(fontsize=8, loc="upper left")
    fig.tight_layout()
    fig.savefig(path, dpi=120)
    plt.close(fig)


# --------------------------------------------------------------------------------------------
# RESULTS.md


def header_lines(command: str) -> list[str]:
    versions = ", ".join(f"{name} {version(name)}" for name in VERSIONS)
    return [
        f"- Date: {dt.datetime.now().astimezone().strftime('%Y-%m-%d %H:%M %Z')}",
        f"- Machine: {os.cpu_count()} cores, {platform.system()} {platform.release()}; "
        f"Python {platform.python_version()}",
        f"- Versions: {versions}",
        f"- negpersona source digest (sha1 of src/negpersona/*.py): {source_digest()}",
        f"- Command: `{command}`",
    ]


# --------------------------------------------------------------------------------------------


def run_task(task: Task) -> Outcome:
    print(f"\n## {task.name}: {len(task.train):,} train / {len(task.test):,} test", flush=True)
    methods = []
    for name, runner in [("negpersona", run_negpersona), *PEERS]:
        print(f"  {name} …", end=" ", flush=True)
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                method = runner(task)
        except Exception as exc:  # one failing method must not stop the benchmark
            method = failed(name, exc)
        print(seconds(method.fit_seconds), *method.notes[:1], flush=True)
        methods.append(method)
    fit = task.test_fit
    return Outcome(task, methods, [curve_of(m, fit) for m in methods])


TASKS = {"bank": bank_task, "leads": leads_task, "planted": planted_task}


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help=f"{QUICK_ROWS:,} rows per data set")
    parser.add_argument(
        "--only", choices=list(TASKS), action="append", help="run only this data set (repeatable)"
    )
    parser.add_argument("--write", action="store_true", help="update bench/RESULTS.md")
    parser.add_argument("--plot", default=str(PLOT), help="PNG of the curves")
    args = parser.parse_args(argv)

    command = shlex.join(["python", "bench/frontier.py", *(argv or sys.argv[1:])])
    header = header_lines(command)
    print("\n".join(header))
    start = time.perf_counter()
    outcomes = [run_task(TASKS[name](args.quick)) for name in args.only or list(TASKS)]
    sections = [report(outcome) for outcome in outcomes]
    print("\n" + "\n\n".join(sections))
    plot(outcomes, Path(args.plot))
    print(f"\nCurves: {args.plot}; total {seconds(time.perf_counter() - start)}")
    if args.write:
        body = "\n".join(
            [
                "## Exclusion frontier (bench/frontier.py)",
                "",
                *header,
                "",
                "Curves: [frontier.png](frontier.png). Conditions are counted per segment as "
                "distinct columns (a range is one condition).",
                "",
                "\n\n".join(sections),
            ]
        )
        text = RESULTS.read_text(encoding="utf-8") if RESULTS.exists() else "# Benchmarks\n"
        RESULTS.write_text(replace_section(text, KEY, body), encoding="utf-8")
        print(f"Updated {RESULTS}")


if __name__ == "__main__":
    main()
