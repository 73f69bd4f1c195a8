"""The won/lost deal table of the demo tables, with loss reasons and named competitors."""

from __future__ import annotations

import numpy as np
import pandas as pd

from negpersona.datasets.common import _TTC_MAX_DAYS, _days, _index, _sample_rows, _text
from negpersona.datasets.personas import _COMPETITOR_P, _PERSONA_TEXT, COMPETITORS
from negpersona.datasets.texts import _LOSS_TEMPLATES, _NOTE_PREFIXES, _NOTE_SUFFIXES, _compose

_LOSS_CATEGORIES = np.array(
    ["price", "no budget", "no decision", "chose competitor", "timing", "missing feature"],
    dtype=object,
)
_CHOSE_COMPETITOR = _index(_LOSS_CATEGORIES, "chose competitor")


_COMPETITOR_MISSING = 0.35


# Deals: every recorded conversion is a won deal; non-converted leads enter the pipeline
# (and lose) more often when they requested a demo.
_LOST_DEAL_P_DEMO = 0.60
_LOST_DEAL_P_NO_DEMO = 0.24
_LOSS_CATEGORY_P = np.array(
    [
        [0.20, 0.12, 0.25, 0.20, 0.13, 0.10],
        [0.06, 0.45, 0.20, 0.22, 0.05, 0.02],
        [0.33, 0.25, 0.12, 0.16, 0.09, 0.05],
        [0.10, 0.05, 0.22, 0.25, 0.15, 0.23],
        [0.18, 0.55, 0.08, 0.11, 0.05, 0.03],
    ]
)
_LOSS_PII_SHARE = 0.005
_SALES_CYCLE_MEDIAN_DAYS = 30.0


def _deals_table(
    rng: np.random.Generator,
    base: pd.DataFrame,
    persona: np.ndarray,
    converted: np.ndarray,
    converted_at: np.ndarray,
    pending: np.ndarray,
    end: np.datetime64,
) -> pd.DataFrame:
    """Won and lost deals, about 40% of leads.

    Every recorded conversion has a won deal (``closed_at`` = ``converted_at``, ``amount``
    = ``deal_value``). Non-converted leads lose a deal with probability 0.60 after a demo
    request and 0.24 otherwise; leads whose conversion is still pending (immature) have no
    deal yet. Lost deals carry a persona-dependent ``loss_category`` and templated
    ``loss_reason``. ``competitor`` is the current tool named in the competitive survey
    (persona-dependent, missing for ~35%), and always the chosen tool when the loss
    category is "chose competitor".
    """
    n = len(base)
    demo = base["demo_requested"].to_numpy(dtype=bool)
    lost = (
        ~converted
        & ~pending
        & (rng.random(n) < np.where(demo, _LOST_DEAL_P_DEMO, _LOST_DEAL_P_NO_DEMO))
    )
    idx = np.flatnonzero(converted | lost)
    won = converted[idx]
    p = persona[idx]
    created = base["created_at"].to_numpy().astype("datetime64[ns]")[idx]

    cycle = rng.lognormal(np.log(_SALES_CYCLE_MEDIAN_DAYS), 0.8, size=len(idx))
    lost_at = np.minimum(created + _days(np.clip(cycle, 1.0, _TTC_MAX_DAYS)), end)
    closed_at = np.where(won, converted_at[idx], lost_at)

    competitor_idx = _sample_rows(rng, _COMPETITOR_P[p])
    loss_idx = _sample_rows(rng, _LOSS_CATEGORY_P[p])
    named = rng.random(len(idx)) >= _COMPETITOR_MISSING
    named |= ~won & (loss_idx == _CHOSE_COMPETITOR)
    competitor = np.where(named, np.array(COMPETITORS, dtype=object)[competitor_idx], None)

    l_rows = np.flatnonzero(~won)
    texts = _compose(
        rng,
        _LOSS_CATEGORIES[loss_idx[l_rows]],
        _PERSONA_TEXT[p[l_rows]],
        _LOSS_TEMPLATES,
        competitor[l_rows],
        _LOSS_PII_SHARE,
        _NOTE_PREFIXES,
        _NOTE_SUFFIXES,
    )
    loss_reason = np.full(len(idx), None, dtype=object)
    loss_reason[l_rows] = texts
    loss_category = np.where(won, None, _LOSS_CATEGORIES[loss_idx])
    amount = np.where(won, base["deal_value"].to_numpy()[idx], np.nan)

    order = np.argsort(closed_at, kind="stable")
    deal_id = "D" + pd.Series(np.arange(1, len(idx) + 1)).astype(str).str.zfill(7)
    return pd.DataFrame(
        {
            "deal_id": _text(deal_id.to_numpy(dtype=object)),
            "lead_id": _text(base["lead_id"].to_numpy(dtype=object)[idx][order]),
            "stage": _text(np.where(won, "won", "lost").astype(object)[order]),
            "closed_at": closed_at[order],
            "amount": amount[order].astype(np.float64),
            "loss_reason": _text(loss_reason[order]),
            "loss_category": _text(loss_category[order]),
            "competitor": _text(competitor[order]),
        }
    )
