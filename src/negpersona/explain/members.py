"""What else sets a persona apart, and who in it converts anyway.

A persona is defined by a few conditions, but its members usually share more than that. This
module answers two questions for a persona's card, from the compressed table alone (NumPy on the
distinct code combinations, weighted by their record counts, never per record):

* **Over-represented values** (:func:`overrepresented`): attribute values that are much more
  common among members than among everyone else, e.g. "70% with email domain type personal vs
  28% overall". Raw counts would favour big values and raw lifts would favour tiny ones, so
  every value is tested and ranked by how confidently it is over-represented.
* **The exceptions** (:func:`exception_lifts`): members who converted anyway, and the values
  that raise conversion *inside* the persona, e.g. "Members with company size 50 or more convert
  at 9.1% (vs 1.8% for the rest of the persona)".

Both use the same statistics: Fisher's exact one-sided test (computed for all values at once as a
hypergeometric tail, so it is exact for small and large counts alike), Holm's adjustment across
every value tested (so looking at hundreds of values does not manufacture findings), and a
confidence bound for ranking (so a value seen a handful of times cannot outrank a large, clear
one just because its point estimate is extreme).

The caller chooses which records to describe: pass the discovery or confirmation rows only
(``CompressedTable.subset``) to describe one split. Everything here describes fit, never worth.
"""

from __future__ import annotations

from collections.abc import Set
from dataclasses import asdict, dataclass
from typing import Any

import numpy as np
from scipy import stats as sps

from negpersona.model.conditions import format_value, humanize
from negpersona.search.features import MISSING_CODE, Feature
from negpersona.stats import adjust, rate_interval

MIN_LIFT = 1.25
"""An over-represented value must be at least this many times as common among members as overall.

With large data almost any difference is significant; below a quarter more than everyone, the
value does not describe the persona in a way worth a line on its card.
"""

MIN_MEMBER_RECORDS = 5
"""An over-represented value needs at least this many member records to be shown at all."""

PER_FEATURE = 2
"""At most this many values of one column are shown, so one column cannot fill the card.

Two rather than one because neighbouring bins often tell the story together ("under 10" and
"10 to under 50" both over-represented means members skew small).
"""

MIN_EXCEPTION_RECORDS = 20
"""A value inside the persona needs this many member records before its conversion is tested."""


# --------------------------------------------------------------------------------------------
# Labels


def code_labels(feature: Feature) -> dict[int, str]:
    """A readable label for every code of ``feature``, missing (-1) included.

    Numeric codes are quantile bins: code 0 is ``under cuts[0]``, code j is
    ``cuts[j-1] to under cuts[j]`` and the top code is ``cuts[-1] or more``. Categorical codes
    are the frequent values themselves, then ``other values`` for the pooled rest.
    """
    labels: dict[int, str] = {MISSING_CODE: "missing"}
    if feature.kind == "numeric":
        cuts = [format_value(cut) for cut in feature.cuts]
        if not cuts:
            labels[0] = "any value"
            return labels
        labels[0] = f"under {cuts[0]}"
        for j in range(1, len(cuts)):
            labels[j] = f"{cuts[j - 1]} to under {cuts[j]}"
        labels[len(cuts)] = f"{cuts[-1]} or more"
        return labels
    for code, value in enumerate(feature.values):
        labels[code] = format_value(value)
    if feature.has_other:
        labels[len(feature.values)] = "other values"
    return labels


def _label(labels: dict[int, str], feature: Feature, code: int) -> str:
    """The label of ``code``; codes the feature does not list are the pooled rest (or unknown)."""
    if code in labels:
        return labels[code]
    if feature.kind != "numeric" and code == len(feature.values):
        return "other values"
    return f"code {code}"


def _percent(share: float) -> str:
    """Whole percents from 10% up, one decimal below (so 4.5% does not read as 5%)."""
    percent = 100.0 * share
    return f"{percent:.0f}%" if percent >= 10 or percent == 0 else f"{percent:.1f}%"


# --------------------------------------------------------------------------------------------
# Results


@dataclass(frozen=True)
class ValueShare:
    """A value more common among a persona's members than among everyone else.

    ``member_share`` is the fraction of member records with the value (``member_ci`` its Wilson
    interval), ``overall_share`` the fraction among all records, ``lift`` their ratio.
    ``odds_ratio_low`` is the lower confidence bound of the odds ratio members vs the rest (the
    ranking key) and ``p_adjusted`` the Holm-adjusted one-sided Fisher p-value. ``code`` is the
    feature code, for callers that turn the value back into a condition.
    """

    feature: int
    column: str
    label: str
    member_records: int
    member_share: float
    member_ci: tuple[float, float]
    overall_share: float
    lift: float
    odds_ratio_low: float
    p_adjusted: float
    code: int

    @property
    def text(self) -> str:
        """``"70% with email domain type personal vs 28% overall"``."""
        return (
            f"{_percent(self.member_share)} with {humanize(self.column)} {self.label}"
            f" vs {_percent(self.overall_share)} overall"
        )

    def to_dict(self) -> dict[str, Any]:
        return {**asdict(self), "member_ci": list(self.member_ci), "text": self.text}


@dataclass(frozen=True)
class Lift:
    """A value with which members of a persona convert more than the other members.

    ``records``/``positives``/``rate`` (Wilson ``rate_ci``) are the members with the value;
    ``rest_rate`` is the rate of the members without it; ``p_adjusted`` is the Holm-adjusted
    one-sided Fisher p-value of "members with the value convert more".
    """

    feature: int
    column: str
    label: str
    records: int
    positives: int
    rate: float
    rate_ci: tuple[float, float]
    rest_rate: float
    p_adjusted: float
    code: int

    @property
    def text(self) -> str:
        """``"Members with company size 50 or more convert at 9.1% (vs 1.8% for the rest ...)"``."""
        return (
            f"Members with {humanize(self.column)} {self.label} convert at {self.rate:.1%}"
            f" (vs {self.rest_rate:.1%} for the rest of the persona)"
        )

    def to_dict(self) -> dict[str, Any]:
        return {**asdict(self), "rate_ci": list(self.rate_ci), "text": self.text}


@dataclass
class Exceptions:
    """Members who converted anyway, and the values that most raise conversion among members."""

    records: int
    positives: int
    rate: float
    rate_ci: tuple[float, float]
    lifts: list[Lift]

    @property
    def best(self) -> Lift | None:
        """The most confidently conversion-raising value, or None when none is significant."""
        return self.lifts[0] if self.lifts else None

    def to_dict(self) -> dict[str, Any]:
        return {
            "records": self.records,
            "positives": self.positives,
            "rate": self.rate,
            "rate_ci": list(self.rate_ci),
            "lifts": [lift.to_dict() for lift in self.lifts],
        }


# --------------------------------------------------------------------------------------------
# Aggregation


@dataclass(frozen=True)
class _Tally:
    """Weighted sums per (feature, code), flattened over all features not skipped."""

    feature: np.ndarray  # feature index of each entry
    code: np.ndarray  # code of each entry (-1 = missing)
    sums: dict[str, np.ndarray]  # one int64 array per weight, aligned with feature/code


def _tally(
    codes: np.ndarray,
    weights: dict[str, np.ndarray],
    features: list[Feature],
    skip: Set[int],
) -> _Tally:
    """One ``np.bincount`` per feature and weight over ``codes + 1`` (so missing lands in bin 0)."""
    feature_parts: list[np.ndarray] = []
    code_parts: list[np.ndarray] = []
    sum_parts: dict[str, list[np.ndarray]] = {name: [] for name in weights}
    for index, feature in enumerate(features):
        if index in skip:
            continue
        keys = codes[:, index].astype(np.int64) + 1
        expected = len(feature.cuts) + 1 if feature.kind == "numeric" else len(feature.values) + 1
        size = max(expected + 1, int(keys.max()) + 1 if keys.size else 0)
        feature_parts.append(np.full(size, index, dtype=np.int64))
        code_parts.append(np.arange(size, dtype=np.int64) - 1)
        for name, weight in weights.items():
            sums = np.bincount(keys, weights=weight, minlength=size)
            sum_parts[name].append(np.rint(sums).astype(np.int64))

    def joined(parts: list[np.ndarray]) -> np.ndarray:
        return np.concatenate(parts) if parts else np.zeros(0, dtype=np.int64)

    return _Tally(
        joined(feature_parts),
        joined(code_parts),
        {name: joined(parts) for name, parts in sum_parts.items()},
    )


def _checked(
    codes: np.ndarray, count: np.ndarray, member: np.ndarray, features: list[Feature]
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    codes = np.asarray(codes)
    count = np.asarray(count, dtype=np.float64)
    member = np.asarray(member, dtype=bool)
    if codes.ndim != 2 or codes.shape[1] != len(features):
        raise ValueError(f"codes must be (rows, {len(features)}); got shape {codes.shape}")
    if count.shape != (codes.shape[0],) or member.shape != (codes.shape[0],):
        raise ValueError("count and member must have one entry per compressed row")
    if codes.size and int(codes.min()) < MISSING_CODE:
        raise ValueError(f"codes below {MISSING_CODE} are not valid feature codes")
    return codes, count, member


def _fisher_greater(observed: np.ndarray, population: int, marked: np.ndarray, drawn) -> np.ndarray:
    """One-sided Fisher exact p-values of "more marked records among the drawn than by chance".

    Given the margins, the number of marked records that fall among the drawn ones is
    hypergeometric when marking and drawing are unrelated; the p-value is its upper tail
    ``P(X >= observed)``. Computing the tail directly tests every value in one vectorized call.
    """
    if observed.size == 0:
        return np.zeros(0)
    p_values = sps.hypergeom.sf(observed - 1, population, marked, drawn)
    return np.clip(np.nan_to_num(p_values, nan=1.0), 0.0, 1.0)


def _holm(p_values: np.ndarray) -> np.ndarray:
    return np.asarray(adjust([float(p) for p in p_values], "holm"), dtype=np.float64)


# --------------------------------------------------------------------------------------------
# Over-represented values


def _log_odds_ratio_low(a, b, c, d, alpha: float) -> np.ndarray:
    """Lower end of the (1 - alpha) Wald interval of the log odds ratio ``(a d) / (b c)``.

    ``a``/``b`` are members with/without the value, ``c``/``d`` the rest with/without it. Half a
    record is added to every cell (Haldane–Anscombe) so empty cells give a finite, wide interval
    instead of an infinite estimate. The standard error (Woolf) is large when any cell is small,
    which is what pushes tiny values down the ranking.
    """
    a, b, c, d = (np.asarray(x, dtype=np.float64) + 0.5 for x in (a, b, c, d))
    log_or = np.log(a) + np.log(d) - np.log(b) - np.log(c)
    se = np.sqrt(1 / a + 1 / b + 1 / c + 1 / d)
    return log_or - sps.norm.ppf(1 - alpha / 2) * se


def overrepresented(
    codes: np.ndarray,
    count: np.ndarray,
    member: np.ndarray,
    *,
    features: list[Feature],
    skip: Set[int] = frozenset(),
    alpha: float = 0.05,
    top: int | None = None,
    min_lift: float = MIN_LIFT,
    min_records: int = MIN_MEMBER_RECORDS,
    per_feature: int = PER_FEATURE,
) -> list[ValueShare]:
    """Values clearly more common among members (``member`` rows) than among everyone else.

    For each feature not in ``skip`` (pass the persona's defining features, which are
    over-represented by construction) and each of its codes, the members with the code are
    compared with the non-members with it:

    * **Test** — Fisher's exact one-sided test (members hold more of the value than if membership
      were unrelated to it), exact at any count. Every code with at least ``min_records`` records
      overall is tested (others could never be shown; the family does not depend on membership),
      and the p-values are Holm-adjusted across all of them.
    * **Ranking** — by the lower (1 - alpha) confidence bound of the odds ratio members vs the
      rest, not by share or lift: a value held by six members and nobody else has a huge lift but
      a very wide interval, and ranks below a value with a solid, well-measured difference.
    * **Shown** — significant (Holm p < alpha), odds-ratio bound above 1, at least
      ``min_records`` member records and a lift (member share / overall share) of at least
      ``min_lift``; at most ``per_feature`` codes per feature and ``top`` values in total.

    Returns an empty list when there are no members or no non-members (nothing to compare).
    """
    codes, count, member = _checked(codes, count, member, features)
    total = int(round(count.sum()))
    members = int(round(count[member].sum()))
    rest = total - members
    if members <= 0 or rest <= 0:
        return []
    tally = _tally(codes, {"all": count, "member": count * member}, features, skip)
    tested = tally.sums["all"] >= min_records
    feature, code = tally.feature[tested], tally.code[tested]
    with_all, with_member = tally.sums["all"][tested], tally.sums["member"][tested]
    p_adjusted = _holm(_fisher_greater(with_member, total, with_all, members))
    member_share = with_member / members
    overall_share = with_all / total
    lift = np.divide(
        member_share, overall_share, out=np.zeros_like(member_share), where=with_all > 0
    )
    log_low = _log_odds_ratio_low(
        with_member,
        members - with_member,
        with_all - with_member,
        rest - (with_all - with_member),
        alpha,
    )
    keep = (p_adjusted < alpha) & (log_low > 0) & (with_member >= min_records) & (lift >= min_lift)
    order = sorted(np.flatnonzero(keep), key=lambda i: (-log_low[i], p_adjusted[i], feature[i]))
    labels = {int(f): code_labels(features[int(f)]) for f in np.unique(feature[keep])}
    found: list[ValueShare] = []
    shown: dict[int, int] = {}
    for i in order:
        f, c = int(feature[i]), int(code[i])
        if shown.get(f, 0) >= per_feature:
            continue
        shown[f] = shown.get(f, 0) + 1
        found.append(
            ValueShare(
                feature=f,
                column=features[f].column,
                label=_label(labels[f], features[f], c),
                member_records=int(with_member[i]),
                member_share=float(member_share[i]),
                member_ci=rate_interval(int(with_member[i]), members, alpha),
                overall_share=float(overall_share[i]),
                lift=float(lift[i]),
                odds_ratio_low=float(np.exp(log_low[i])),
                p_adjusted=float(p_adjusted[i]),
                code=c,
            )
        )
        if top is not None and len(found) >= top:
            break
    return found


# --------------------------------------------------------------------------------------------
# Exceptions: who converts anyway


def exception_lifts(
    codes: np.ndarray,
    count: np.ndarray,
    positives: np.ndarray,
    member: np.ndarray,
    *,
    features: list[Feature],
    skip: Set[int] = frozenset(),
    alpha: float = 0.05,
    min_records: int = MIN_EXCEPTION_RECORDS,
) -> Exceptions:
    """The persona's members who converted anyway, and the values that raise their conversion.

    Within the members, each value of each feature not in ``skip`` is compared with the other
    members: do members with the value convert more than members without it?

    * **Test** — Fisher's exact one-sided test (greater), as a hypergeometric tail over the
      members' conversions. Tested are the values with at least ``min_records`` member records
      and at least one member without them (the family depends on who the members are, not on
      who converted); p-values are Holm-adjusted across all of them.
    * **Ranking** — by the lower Wilson bound of the members-with-the-value rate, so that 4 of 10
      (40%, but plausibly 17%) ranks below 100 of 400 (25%, surely above 21%).
    * **Shown** — significant (Holm p < alpha) with at least one conversion.
    """
    codes, count, member = _checked(codes, count, member, features)
    positives = np.asarray(positives, dtype=np.float64)
    if positives.shape != count.shape:
        raise ValueError("positives must have one entry per compressed row")
    records = int(round(count[member].sum()))
    converted = int(round(positives[member].sum()))
    rate = converted / records if records else 0.0
    summary = Exceptions(records, converted, rate, rate_interval(converted, records, alpha), [])
    if records <= 0:
        return summary
    tally = _tally(codes, {"n": count * member, "pos": positives * member}, features, skip)
    tested = (tally.sums["n"] >= min_records) & (tally.sums["n"] < records)
    feature, code = tally.feature[tested], tally.code[tested]
    with_n, with_pos = tally.sums["n"][tested], tally.sums["pos"][tested]
    p_adjusted = _holm(_fisher_greater(with_pos, records, np.full_like(with_n, converted), with_n))
    keep = np.flatnonzero((p_adjusted < alpha) & (with_pos >= 1))
    labels = {int(f): code_labels(features[int(f)]) for f in np.unique(feature[keep])}
    lifts: list[Lift] = []
    for i in keep:
        f, c, n, pos = int(feature[i]), int(code[i]), int(with_n[i]), int(with_pos[i])
        lifts.append(
            Lift(
                feature=f,
                column=features[f].column,
                label=_label(labels[f], features[f], c),
                records=n,
                positives=pos,
                rate=pos / n,
                rate_ci=rate_interval(pos, n, alpha),
                rest_rate=(converted - pos) / (records - n),
                p_adjusted=float(p_adjusted[i]),
                code=c,
            )
        )
    lifts.sort(key=lambda lift: (-lift.rate_ci[0], lift.p_adjusted, lift.feature, lift.code))
    summary.lifts.extend(lifts)
    return summary
