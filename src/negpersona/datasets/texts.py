"""Free-text answers of the churn survey and the deal notes.

Answers come from templates keyed by (category, persona) with light variety in wording;
a few carry contact details from reserved example ranges, so redaction can be tested.
:data:`_PII_PATTERN` finds them again when the planted problems are counted.
"""

from __future__ import annotations

import re

import numpy as np

_FEATURES = (
    "single sign-on",
    "ERP integration",
    "custom report builder",
    "role-based permissions",
    "offline mode",
    "multi-currency invoicing",
    "audit logs",
)
_TEAM_WORDS = ("two-person", "three-person", "four-person", "five-person", "tiny")
_PREFIXES = ("", "", "", "", "honestly, ", "to be fair, ", "mainly: ", "short version: ")
_SUFFIXES = ("", "", "", ".", ".", "!", ". thanks for asking", " - nothing personal")
_NOTE_PREFIXES = ("", "", "", "", "per call: ", "update: ", "AE note: ")
_NOTE_SUFFIXES = ("", "", "", ".", ".", "; closing it out", "; follow up in 6 months")
_PII_PATTERN = re.compile(r"[\w.]+@example\.(?:com|org)|https?://\S+|\+?\(?\d[\d ()-]{8,}\d")
"""Matches the contact details :func:`generate_demo_tables` plants in free text."""
_PII_NAMES = ("jane.doe", "sam.lee", "a.kowalski", "m.garcia", "k.osei", "l.nguyen")
# Reserved example data only: 555-01xx numbers, Ofcom drama numbers, example.* domains.
_PII_SNIPPETS = (
    (
        "call me at +1 415 555 01{d:02d}",
        "reach me on (415) 555-01{d:02d}",
        "my cell is +44 20 7946 0{d:03d}",
    ),
    ("email me at {name}@example.com", "contact {name}@example.org for details"),
    ("see https://example.com/feedback/{k}", "details at https://feedback.example.org/t/{k}"),
)


# Free-text templates keyed by (category, persona); persona "any" is the fallback. Every
# education template mentions students, a class, a course, a semester or a thesis, and
# most micro-company templates mention price or budget.
_CHURN_TEMPLATES: dict[tuple[str, str], tuple[str, ...]] = {
    ("price", "any"): (
        "too expensive for what we used",
        "price went up at renewal and we could not justify it",
        "the per-seat price did not work once we grew",
        "cost was higher than we could defend internally for our use case",
    ),
    ("price", "micro"): (
        "too expensive for a team our size",
        "we are a {team} team and the monthly fee was over our budget",
        "budget is tight this year, had to cut subscriptions",
        "the price does not fit a small business budget",
    ),
    ("price", "education"): (
        "too expensive for a student budget",
        "our department could not renew it for next semester",
        "the class budget did not cover another year",
    ),
    ("project ended", "any"): (
        "the project we bought it for is finished",
        "we only needed it for a one-off migration",
    ),
    ("project ended", "education"): (
        "we only needed it for a class project",
        "the semester is over and the students no longer need it",
        "used it for my thesis, which is done now",
        "the course ended so the students stopped using it",
        "it was for a research project with students and the funding ended",
    ),
    ("switched tool", "any"): (
        "switched to {competitor} because it integrates with our stack",
        "moved to {competitor}, our parent company standardised on it",
        "switched to {competitor} because it had the reports we needed",
    ),
    ("switched tool", "micro"): (
        "switched to {competitor} because it is cheaper for a small team",
        "moved to {competitor}, a cheaper plan fits our budget",
    ),
    ("switched tool", "education"): (
        "switched to {competitor} because it is free for students",
        "the class moved to {competitor} since students get it for free",
    ),
    ("missing feature", "any"): (
        "missing {feature}",
        "we needed {feature} and it is not on the roadmap",
        "no {feature}, which was a must for our IT team",
    ),
    ("missing feature", "education"): (
        "the class needed {feature} and it was missing",
        "students needed {feature} for the course",
    ),
    ("low usage", "any"): (
        "the team never really adopted it",
        "we did not use it enough to keep paying",
    ),
    ("low usage", "micro"): (
        "it is just me running the business, no time to use it, so not in the budget",
        "too much setup for a business our size to justify the price",
    ),
    ("low usage", "education"): ("students barely logged in after the first weeks of class",),
    ("business change", "any"): (
        "we were acquired and the new owner uses another tool",
        "reorganisation, the team that used it was dissolved",
    ),
    ("business change", "micro"): (
        "we closed the business, no budget left for tools",
        "paused the company for now, cutting every cost",
    ),
    ("business change", "education"): ("the course was cancelled for the semester",),
}
_LOSS_TEMPLATES: dict[tuple[str, str], tuple[str, ...]] = {
    ("price", "any"): (
        "pricing above what they expected",
        "asked for a discount we could not match",
        "price per seat too high for the rollout size",
        "procurement pushed back on the annual price",
    ),
    ("price", "micro"): (
        "list price too high for a small team",
        "wanted a cheaper plan for a {team} team",
    ),
    ("no budget", "any"): (
        "no budget this fiscal year",
        "budget frozen until next year",
        "could not get budget approved",
    ),
    ("no budget", "micro"): (
        "small team with no budget for tools yet",
        "founder paying out of pocket, no budget",
    ),
    ("no budget", "education"): (
        "student project, no purchasing budget",
        "university has no budget line for this",
        "researcher exploring for a course, no budget to buy",
    ),
    ("no decision", "any"): (
        "went quiet after the demo",
        "champion left, nobody picked it up",
        "evaluation stalled, no decision made",
        "no reply after three follow-ups",
    ),
    ("no decision", "education"): ("course coordinator never got back to us",),
    ("chose competitor", "any"): (
        "chose {competitor}",
        "went with {competitor} because of an existing contract",
        "picked {competitor} after a side-by-side trial",
    ),
    ("chose competitor", "micro"): ("chose {competitor}, cheaper for a small team",),
    ("chose competitor", "education"): (
        "went with {competitor}, the free option for students",
        "students already use {competitor} for free",
    ),
    ("timing", "any"): (
        "revisit next quarter",
        "in the middle of a reorganisation",
        "wants to wait until the current contract ends",
    ),
    ("missing feature", "any"): (
        "needs {feature}",
        "blocked by security review: no {feature}",
        "dealbreaker: missing {feature}",
    ),
}


def _compose(
    rng: np.random.Generator,
    categories: np.ndarray,
    personas: np.ndarray,
    templates: dict[tuple[str, str], tuple[str, ...]],
    competitors: np.ndarray,
    pii_share: float,
    prefixes: tuple[str, ...] = _PREFIXES,
    suffixes: tuple[str, ...] = _SUFFIXES,
) -> np.ndarray:
    """Free-text answers from templates, with light variety and a few contact details.

    The template pool is the persona's own when it has one for the category, else the
    ``"any"`` pool. Slots ``{competitor}``, ``{feature}`` and ``{team}`` are filled per row;
    a random prefix, suffix and capitalisation vary the wording. About ``pii_share`` of the
    answers (at least three when there are three, one of each kind) end with a phone number,
    an email address or a URL, all from reserved example ranges. All random numbers are
    drawn up front, so the loop over answers is deterministic string formatting only.
    """
    m = len(categories)
    u_template, u_feature, u_team = rng.random(m), rng.random(m), rng.random(m)
    u_prefix, u_suffix, u_cap = rng.random(m), rng.random(m), rng.random(m)
    n_pii = min(m, max(3, int(round(pii_share * m))))
    pii_rows = np.sort(rng.choice(m, size=n_pii, replace=False)) if m else np.array([], int)
    u_snippet, pii_num = rng.random(n_pii), rng.integers(0, 100, size=n_pii)
    pii_kind = np.full(m, -1)
    pii_kind[pii_rows] = np.arange(n_pii) % len(_PII_SNIPPETS)
    pii_pos = np.zeros(m, dtype=np.int64)
    pii_pos[pii_rows] = np.arange(n_pii)

    out = np.empty(m, dtype=object)
    for i in range(m):
        pool = templates.get((categories[i], personas[i])) or templates[(categories[i], "any")]
        text = pool[int(u_template[i] * len(pool))].format(
            competitor=competitors[i],
            feature=_FEATURES[int(u_feature[i] * len(_FEATURES))],
            team=_TEAM_WORDS[int(u_team[i] * len(_TEAM_WORDS))],
        )
        text = prefixes[int(u_prefix[i] * len(prefixes))] + text
        text = text + suffixes[int(u_suffix[i] * len(suffixes))]
        if u_cap[i] < 0.5:
            text = text[0].upper() + text[1:]
        if pii_kind[i] >= 0:
            j = pii_pos[i]
            options = _PII_SNIPPETS[pii_kind[i]]
            snippet = options[int(u_snippet[j] * len(options))].format(
                d=int(pii_num[j]),
                name=_PII_NAMES[int(pii_num[j]) % len(_PII_NAMES)],
                k=1000 + int(pii_num[j]) * 37,
            )
            text = f"{text.rstrip('.!')}. {snippet}"
        out[i] = text
    return out
