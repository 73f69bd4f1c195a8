"""Personas of the related tables, and the tool each persona uses today.

The churn survey and the deal table behave differently for education leads, micro
companies (with and without budget) and large companies; :func:`_personas` assigns each
lead one persona code, and ``_PERSONA_TEXT`` maps it to the persona key of the free-text
templates. ``_COMPETITOR_P`` is the competitive-survey answer per persona, used for the
named competitor of a deal and for the ``{competitor}`` slot of switched-tool answers.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

# Personas that change related-table behaviour (first match wins, in this order).
_P_DEFAULT, _P_EDU, _P_MICRO, _P_LARGE, _P_MICRO_NO_BUDGET = range(5)
_PERSONA_TEXT = np.array(["any", "education", "micro", "any", "micro"], dtype=object)


COMPETITORS: tuple[str, ...] = (
    "Tallysheet",
    "Pondlark",
    "Quillpipe",
    "Trellisdesk",
    "Vantorra",
    "Brindlebase",
)
"""Invented tool names used in the competitive survey of :attr:`DemoTables.deals`.

They are made up for the demo and stand for archetypes, not for real products:
Tallysheet is a free spreadsheet-style tool (education leads and micro companies favour
it), Pondlark a low-cost plan for small teams, Quillpipe and Trellisdesk mid-market tools,
Vantorra and Brindlebase enterprise suites (large companies favour them).
"""


# Competitive survey: current tool per persona (rows follow the _P_* codes).
_COMPETITOR_P = np.array(
    [
        [0.08, 0.12, 0.28, 0.27, 0.12, 0.13],
        [0.62, 0.12, 0.10, 0.08, 0.03, 0.05],
        [0.30, 0.35, 0.15, 0.10, 0.03, 0.07],
        [0.03, 0.04, 0.15, 0.23, 0.35, 0.20],
        [0.30, 0.35, 0.15, 0.10, 0.03, 0.07],
    ]
)


def _personas(base: pd.DataFrame) -> np.ndarray:
    """Persona code per lead (``_P_*``): education email, micro company (split by whether
    the budget is "none"), large company (1,000+ employees), or default."""
    size = base["company_size"].to_numpy()
    edu = (base["email_domain_type"] == "education").to_numpy()
    no_budget = (base["budget_band"] == "none").fillna(False).to_numpy(dtype=bool)
    persona = np.full(len(base), _P_DEFAULT)
    persona = np.where(size >= 1_000, _P_LARGE, persona)
    persona = np.where(size < 10, np.where(no_budget, _P_MICRO_NO_BUDGET, _P_MICRO), persona)
    return np.where(edu, _P_EDU, persona)
