"""Run other subgroup-discovery tools on exactly negpersona's conditions.

Used by the oracle tests and the benchmark, and useful to anyone who wants to cross-check a
result: :func:`to_pysubgroup` turns a selector into the pysubgroup selector covering the same
records, and :func:`pysubgroup_task` builds the matching search task (WRAcc on the non-fit class,
the same minimum support, never two conditions on one column). pysubgroup is an optional
dependency (``pip install pysubgroup``).
"""

from __future__ import annotations

import math
from typing import Any

from negpersona.search.features import Selector


def to_pysubgroup(selector: Selector) -> Any:
    """The pysubgroup selector covering exactly the records of ``selector``.

    ``=`` → EqualitySelector; ``<`` / ``>=`` / a range → IntervalSelector (lb ≤ x < ub, ±inf for
    an open side; NaN compares false on both sides, like SQL NULL); ``is_missing`` →
    EqualitySelector(column, NaN), which pysubgroup evaluates as ``pd.isnull``.
    """
    import pysubgroup as ps

    ops = {condition.op: condition.value for condition in selector.conditions}
    if len(ops) != len(selector.conditions) or any(
        condition.column != selector.column for condition in selector.conditions
    ):
        raise ValueError(f"not a single-column selector: {selector}")
    if set(ops) == {"is_missing"}:
        return ps.EqualitySelector(selector.column, math.nan)
    if set(ops) == {"="}:
        return ps.EqualitySelector(selector.column, ops["="])
    if set(ops) <= {"<", ">="}:
        return ps.IntervalSelector(
            selector.column, ops.get(">=", -math.inf), ops.get("<", math.inf)
        )
    raise ValueError(f"no pysubgroup selector for {selector.conditions}")


class OneSelectorPerColumn:
    """pysubgroup constraint: a conjunction never holds two selectors of one column.

    negpersona never combines two selectors of one column (a range is already one selector).
    Monotone in pysubgroup's sense (once violated, every refinement violates it), so pysubgroup
    prunes with it.
    """

    is_monotone = True

    def is_satisfied(self, subgroup: Any, statistics: Any = None, data: Any = None) -> bool:
        names = [selector.attribute_name for selector in subgroup.selectors]
        return len(names) == len(set(names))


def pysubgroup_task(
    frame: Any,
    target_column: str,
    selectors: list[Selector],
    *,
    depth: int,
    min_count: int,
    result_set_size: int,
) -> Any:
    """A pysubgroup task equivalent to negpersona's raw top-k search.

    ``frame[target_column]`` must be boolean (True = fit); the target is the non-fit class.
    """
    import pysubgroup as ps

    return ps.SubgroupDiscoveryTask(
        frame,
        ps.BinaryTarget(target_column, False),
        [to_pysubgroup(selector) for selector in selectors],
        ps.WRAccQF(),
        result_set_size=result_set_size,
        depth=depth,
        constraints=[ps.MinSupportConstraint(min_count), OneSelectorPerColumn()],
    )
