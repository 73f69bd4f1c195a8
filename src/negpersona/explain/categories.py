"""Categorized reasons and competitors: which values of a categorical column mark a persona.

For a categorical column, each value's share of the member answers is compared with its share
of the other answers. The member share comes with a Wilson interval; ``ratio`` is member share
divided by other share; ``p_adjusted`` is a one-sided Fisher exact test ("more common among
members") with Holm's correction across all values the members gave. ``distinctive`` marks the
values clearly more common among members: for a competitor or current-tool column, those are
the tools this persona stays with.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

import numpy as np
from scipy import stats as scipy_stats

from negpersona.errors import ConfigError
from negpersona.stats import adjust, rate_interval


@dataclass(frozen=True)
class Share:
    """One value of a categorical column among the members, next to its share among the others.

    ``ratio`` is None when the value never occurs among the others (or there are no others);
    the Fisher test then decides alone whether the value is distinctive.
    """

    value: str
    member_count: int
    member_share: float
    member_ci: tuple[float, float]
    other_share: float
    ratio: float | None
    p_adjusted: float
    distinctive: bool

    def to_dict(self) -> dict[str, Any]:
        return {
            "value": self.value,
            "member_count": self.member_count,
            "member_share": self.member_share,
            "member_ci": list(self.member_ci),
            "other_share": self.other_share,
            "ratio": self.ratio,
            "p_adjusted": self.p_adjusted,
            "distinctive": self.distinctive,
        }


def _clean_value(value: Any) -> str | None:
    """The value as stripped text; None, NaN, NA and blanks give None."""
    if value is None:
        return None
    try:
        if value != value:  # NaN and NaT are not equal to themselves
            return None
    except TypeError:  # pandas.NA refuses to be a truth value
        return None
    text = str(value).strip()
    return text or None


def _value_counts(values: Iterable[Any]) -> Counter[str]:
    return Counter(text for text in map(_clean_value, values) if text is not None)


def category_shares(
    member_values: Iterable[Any],
    other_values: Iterable[Any],
    *,
    top: int = 5,
    alpha: float = 0.05,
) -> list[Share]:
    """Shares of a categorical column's values among members vs others, most frequent first.

    Missing and blank values are left out of both counts and denominators. Every value the
    members gave is tested (one-sided Fisher exact: more common among members) and the
    p-values are Holm-adjusted together; the ``top`` most frequent are returned. ``member_ci``
    is the Wilson interval at level ``1 - alpha`` (95% by default).
    """
    if not 0 < alpha < 1:
        raise ConfigError(f"alpha {alpha!r} is invalid.", "Use a number between 0 and 1.")
    members, others = _value_counts(member_values), _value_counts(other_values)
    n_member, n_other = sum(members.values()), sum(others.values())
    if n_member == 0 or top <= 0:
        return []
    values = sorted(members, key=lambda value: (-members[value], value))
    member_counts = np.array([members[value] for value in values])
    pooled = member_counts + np.array([others.get(value, 0) for value in values])
    # Fisher's one-sided p-value: chance of at least this many member answers with the value
    # when the value's answers fall at random between members and others.
    p_values = scipy_stats.hypergeom.sf(member_counts - 1, n_member + n_other, pooled, n_member)
    p_adjusted = adjust([min(max(float(p), 0.0), 1.0) for p in p_values], "holm")
    shares = []
    for value, p_value in zip(values[:top], p_adjusted, strict=False):
        count = members[value]
        member_share = count / n_member
        other_share = others.get(value, 0) / n_other if n_other else 0.0
        ratio = member_share / other_share if other_share > 0 else None
        shares.append(
            Share(
                value=value,
                member_count=count,
                member_share=member_share,
                member_ci=rate_interval(count, n_member, alpha),
                other_share=other_share,
                ratio=ratio,
                p_adjusted=p_value,
                distinctive=p_value < alpha and (ratio is None or ratio > 1.0),
            )
        )
    return shares
