"""The churn survey of the demo tables: one row per responding converted customer."""

from __future__ import annotations

import numpy as np
import pandas as pd

from negpersona.datasets.common import _sample_rows, _text
from negpersona.datasets.personas import _COMPETITOR_P, _PERSONA_TEXT, COMPETITORS
from negpersona.datasets.texts import _CHURN_TEMPLATES, _compose

_CHURN_CATEGORIES = np.array(
    [
        "price",
        "project ended",
        "switched tool",
        "missing feature",
        "low usage",
        "business change",
    ],
    dtype=object,
)


# Churn survey of converted customers.
_SURVEY_RESPONSE_RATE = 0.60
_CHURN_RATE = np.array([0.17, 0.50, 0.33, 0.12, 0.33])
_CHURN_CATEGORY_P = np.array(
    [
        [0.20, 0.03, 0.25, 0.25, 0.15, 0.12],
        [0.18, 0.60, 0.10, 0.02, 0.10, 0.00],
        [0.55, 0.02, 0.15, 0.05, 0.13, 0.10],
        [0.12, 0.05, 0.28, 0.33, 0.10, 0.12],
        [0.55, 0.02, 0.15, 0.05, 0.13, 0.10],
    ]
)
_CHURN_PII_SHARE = 0.03


def _churn_table(
    rng: np.random.Generator, base: pd.DataFrame, persona: np.ndarray, converted: np.ndarray
) -> pd.DataFrame:
    """Churn survey: ~60% of converted customers answer; churn depends on the persona
    (education 50%, micro companies 33%, large companies 12%, others 17%; ~20% overall).
    Churners get a category and a templated free-text reason (see :func:`_compose`);
    customers who stayed have both missing."""
    conv_idx = np.flatnonzero(converted)
    responded = conv_idx[rng.random(len(conv_idx)) < _SURVEY_RESPONSE_RATE]
    p = persona[responded]
    churned = rng.random(len(responded)) < _CHURN_RATE[p]
    category_idx = _sample_rows(rng, _CHURN_CATEGORY_P[p])
    competitor_idx = _sample_rows(rng, _COMPETITOR_P[p])

    c = np.flatnonzero(churned)
    texts = _compose(
        rng,
        _CHURN_CATEGORIES[category_idx[c]],
        _PERSONA_TEXT[p[c]],
        _CHURN_TEMPLATES,
        np.array(COMPETITORS, dtype=object)[competitor_idx[c]],
        _CHURN_PII_SHARE,
    )
    reason = np.full(len(responded), None, dtype=object)
    reason[c] = texts
    category = np.where(churned, _CHURN_CATEGORIES[category_idx], None)
    return pd.DataFrame(
        {
            "lead_id": _text(base["lead_id"].to_numpy(dtype=object)[responded]),
            "churned": churned,
            "churn_reason": _text(reason),
            "churn_category": _text(category),
        }
    )
