"""Peer methods of the exclusion-frontier benchmark (``bench/frontier.py``).

Each peer learns on the training part of a :class:`Task` and returns a :class:`Method`: an
ordered exclusion sequence of readable segments, each as a boolean mask over the *test* records
(or, for LightGBM, one score per test record). Peers see every feature column of the task
(the target, the id, the time column and planted leaks are never features); only the bench
depends on wittgenstein, pysubgroup, scikit-learn, LightGBM and DuckDB.

Conditions are counted per segment as distinct columns: a range ``20 ≤ day < 26`` is one
condition, as in negpersona's own ``depth``.
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

MAX_SEGMENTS = 8  # RIPPER rules, pysubgroup cover, DuckDB floor
TOP = 20  # pysubgroup result set before the greedy cover
MISSING = "(missing)"
RIPPER = "RIPPER (wittgenstein)"
PYSUBGROUP = "pysubgroup top-20 + cover"
TREE = "decision tree (depth 3)"
LIGHTGBM = "LightGBM (ranking, unreadable)"
FLOOR = "DuckDB floor (single values)"


@dataclass
class Task:
    """One data set, split into training and test records."""

    name: str
    train: pd.DataFrame  # raw columns (negpersona gets these)
    test: pd.DataFrame
    target: str
    positive: Any  # the target value that means a fit
    features: list[str]  # columns peers may use
    negpersona: dict[str, Any]  # keyword arguments of discover()
    description: str = ""

    @property
    def train_fit(self) -> np.ndarray:
        return (self.train[self.target] == self.positive).to_numpy(dtype=bool)

    @property
    def test_fit(self) -> np.ndarray:
        return (self.test[self.target] == self.positive).to_numpy(dtype=bool)

    def categorical(self) -> list[str]:
        return [c for c in self.features if not _is_numeric(self.train[c])]

    def numeric(self) -> list[str]:
        return [c for c in self.features if _is_numeric(self.train[c])]

    def peer_frames(self) -> tuple[pd.DataFrame, pd.DataFrame]:
        """Features only: categories (and booleans) as text with missing as ``(missing)``,
        numbers as float64 with NaN."""
        return _peer_frame(self, self.train), _peer_frame(self, self.test)


@dataclass
class Segment:
    text: str  # readable conditions
    conditions: int  # distinct columns
    test_mask: np.ndarray


@dataclass
class Method:
    name: str
    fit_seconds: float = math.nan
    segments: list[Segment] = field(default_factory=list)
    scores: np.ndarray | None = None  # ranking methods: low score = excluded first
    notes: list[str] = field(default_factory=list)
    readable: bool = True
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def max_conditions(self) -> int | None:
        return max((s.conditions for s in self.segments), default=None)


def _is_numeric(series: pd.Series) -> bool:
    return pd.api.types.is_numeric_dtype(series) and not pd.api.types.is_bool_dtype(series)


def _peer_frame(task: Task, frame: pd.DataFrame) -> pd.DataFrame:
    out = {}
    for column in task.features:
        series = frame[column]
        if _is_numeric(series):
            out[column] = series.astype("float64")
        else:
            text = series.astype(object).where(series.notna(), MISSING).astype(str)
            out[column] = text.to_numpy(dtype=object)
    return pd.DataFrame(out, index=frame.index)


def _timed(method: Method, run) -> Any:
    start = time.perf_counter()
    value = run()
    method.fit_seconds = time.perf_counter() - start
    return value


def failed(name: str, exc: BaseException) -> Method:
    first = (str(exc).strip().splitlines() or [""])[0][:200]
    return Method(name=name, notes=[f"failed: {type(exc).__name__}: {first}"])


# --------------------------------------------------------------------------------------------
# RIPPER (wittgenstein)


def ripper(task: Task) -> Method:
    """RIPPER on the non-fit class; its rules, in ruleset order, are the exclusion sequence."""
    import wittgenstein as lw
    from wittgenstein.base import Ruleset

    method = Method(RIPPER)
    train, test = task.peer_frames()
    labels = np.where(task.train_fit, "fit", "non-fit")
    model = lw.RIPPER(max_rules=MAX_SEGMENTS, max_rule_conds=3, random_state=0)
    _timed(method, lambda: model.fit(train, y=labels, pos_class="non-fit"))
    rules = list(model.ruleset_.rules)
    full = model.ruleset_
    try:
        for rule in rules:
            # the fitted model's own binning, one rule at a time
            model.ruleset_ = Ruleset([rule])
            mask = np.asarray(model.predict(test), dtype=bool)
            text = " AND ".join(f"{c.feature} = {c.val}" for c in rule.conds)
            conditions = len({c.feature for c in rule.conds})
            method.segments.append(Segment(text, conditions, mask))
    finally:
        model.ruleset_ = full
    if not rules:
        method.notes.append("RIPPER learned no rule")
    return method


# --------------------------------------------------------------------------------------------
# pysubgroup top 20 + greedy cover


def pysubgroup_cover(task: Task) -> Method:
    """pysubgroup's standard WRAcc on the non-fit class, depth 3, its default selectors; top 20,
    then a greedy cover of up to 8 by newly covered training non-fits."""
    import pysubgroup as ps

    method = Method(PYSUBGROUP)
    train, test = task.peer_frames()
    nonfit = "__nonfit__"
    data = train.assign(**{nonfit: ~task.train_fit})

    def run():
        selectors = ps.create_selectors(data, ignore=[nonfit])
        target = ps.BinaryTarget(nonfit, True)
        search = ps.SubgroupDiscoveryTask(
            data, target, selectors, result_set_size=TOP, depth=3, qf=ps.WRAccQF()
        )
        found = ps.Apriori().execute(search)
        top = [(float(q), sg) for q, sg, *_ in found.results if q > 0]
        # greedy cover on the training data, in the order chosen
        chosen, covered = [], np.zeros(len(train), dtype=bool)
        masks = [np.asarray(sg.covers(train), dtype=bool) for _, sg in top]
        nonfits = ~task.train_fit
        while len(chosen) < MAX_SEGMENTS:
            gains = [
                -1 if i in chosen else int((m & ~covered & nonfits).sum())
                for i, m in enumerate(masks)
            ]
            best = int(np.argmax(gains)) if gains else -1
            if best < 0 or gains[best] <= 0:
                break
            chosen.append(best)
            covered |= masks[best]
        return [top[i][1] for i in chosen], len(selectors), len(top)

    subgroups, n_selectors, n_top = _timed(method, run)
    method.extra.update(selectors=n_selectors, top=n_top)
    for sg in subgroups:
        mask = np.asarray(sg.covers(test), dtype=bool)
        columns = {sel.attribute_name for sel in sg.selectors}
        method.segments.append(Segment(str(sg), len(columns), mask))
    return method


# --------------------------------------------------------------------------------------------
# decision tree


def _tree_matrix(task: Task, train: pd.DataFrame, test: pd.DataFrame):
    """One-hot categories (training levels), numbers as they are (NaN allowed)."""
    categorical = task.categorical()
    train_x = pd.get_dummies(train, columns=categorical, prefix_sep="=", dtype=np.float64)
    test_x = pd.get_dummies(test, columns=categorical, prefix_sep="=", dtype=np.float64)
    test_x = test_x.reindex(columns=train_x.columns, fill_value=0.0)
    source = {}
    for name in train_x.columns:
        base = name.split("=", 1)[0] if "=" in name else name
        source[name] = base if base in categorical else name
    return train_x, test_x, source


def decision_tree(task: Task) -> Method:
    """Depth-3 tree; leaves below the training baseline, lowest training rate first."""
    from sklearn.tree import DecisionTreeClassifier

    method = Method(TREE)
    train, test = task.peer_frames()
    train_x, test_x, source = _tree_matrix(task, train, test)
    leaf_min = max(1, math.ceil(0.01 * len(train_x)))
    model = DecisionTreeClassifier(max_depth=3, min_samples_leaf=leaf_min, random_state=0)
    y = task.train_fit
    _timed(method, lambda: model.fit(train_x.to_numpy(), y))
    tree = model.tree_
    names = list(train_x.columns)
    paths: dict[int, list[str]] = {0: []}
    columns: dict[int, set[str]] = {0: set()}
    for node in range(tree.node_count):  # parents come before children
        left, right = tree.children_left[node], tree.children_right[node]
        if left < 0:
            continue
        name, threshold = names[tree.feature[node]], tree.threshold[node]
        if source[name] != name:  # one-hot: ≤ 0.5 means "not this value"
            col, value = name.split("=", 1)
            rules = (f"{col} != {value}", f"{col} = {value}")
        else:
            rules = (f"{name} <= {threshold:.4g}", f"{name} > {threshold:.4g}")
        for child, rule in ((left, rules[0]), (right, rules[1])):
            paths[child] = [*paths[node], rule]
            columns[child] = columns[node] | {source[name]}
    train_leaf = model.apply(train_x.to_numpy())
    test_leaf = model.apply(test_x.to_numpy())
    baseline = y.mean()
    leaves = []
    for leaf in np.unique(train_leaf):
        rate = y[train_leaf == leaf].mean()
        if rate < baseline:
            leaves.append((rate, int(leaf)))
    for rate, leaf in sorted(leaves):
        text = " AND ".join(paths[leaf]) or "(all records)"
        method.segments.append(
            Segment(f"{text}  [train rate {rate:.1%}]", len(columns[leaf]), test_leaf == leaf)
        )
    return method


# --------------------------------------------------------------------------------------------
# LightGBM (ceiling)


def lightgbm_ranking(task: Task) -> Method:
    """Gradient boosting on every feature; the lowest predicted fit probability goes first."""
    import lightgbm as lgb

    method = Method(LIGHTGBM, readable=False)
    train, test = task.peer_frames()
    for column in task.categorical():
        levels = sorted(train[column].unique())
        train[column] = pd.Categorical(train[column], categories=levels)
        test[column] = pd.Categorical(test[column], categories=levels)
    model = lgb.LGBMClassifier(
        n_estimators=200,
        random_state=0,
        verbose=-1,
        deterministic=True,
        force_row_wise=True,
        n_jobs=1,  # OpenMP threads spin under load on a shared machine: one thread times stably
    )
    _timed(method, lambda: model.fit(train, task.train_fit))
    method.scores = model.predict_proba(test)[:, 1]
    return method


# --------------------------------------------------------------------------------------------
# DuckDB floor

FLOOR_SQL = """
WITH long AS (
    UNPIVOT (SELECT fit, {columns} FROM train) ON {columns} INTO NAME column_name VALUE value
),
totals AS (SELECT count(*) AS records, avg(fit::INTEGER) AS rate FROM train)
SELECT column_name, value, count(*) AS records, avg(fit::INTEGER) AS rate
FROM long
GROUP BY column_name, value
HAVING count(*) >= 0.01 * (SELECT records FROM totals)
   AND avg(fit::INTEGER) < (SELECT rate FROM totals)
ORDER BY rate, records DESC, column_name, value
LIMIT {limit}
"""


def duckdb_floor(task: Task) -> Method:
    """One hand-written query: the 8 single (category column = value) conditions with the
    lowest training rate (≥ 1% of training records, below the baseline), lowest first."""
    import duckdb

    method = Method(FLOOR)
    train, test = task.peer_frames()
    categorical = task.categorical()
    if not categorical:
        method.notes.append("no categorical column")
        return method
    frame = train[categorical].assign(fit=task.train_fit)
    quoted = ", ".join('"' + c.replace('"', '""') + '"' for c in categorical)
    sql = FLOOR_SQL.format(columns=quoted, limit=MAX_SEGMENTS)

    def run():
        con = duckdb.connect()
        try:
            con.register("train", frame)
            return con.execute(sql).fetchall()
        finally:
            con.close()

    rows = _timed(method, run)
    for column, value, records, rate in rows:
        mask = (test[column] == value).to_numpy(dtype=bool)
        text = f"{column} = {value}  [train rate {rate:.1%}, {records:,} records]"
        method.segments.append(Segment(text, 1, mask))
    method.extra["sql"] = sql.strip()
    return method


PEERS = [
    (RIPPER, ripper),
    (PYSUBGROUP, pysubgroup_cover),
    (TREE, decision_tree),
    (LIGHTGBM, lightgbm_ranking),
    (FLOOR, duckdb_floor),
]
