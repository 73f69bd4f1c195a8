"""Reason blocks per persona: text prepared once per column gives the per-persona results."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
import pytest

from negpersona.explain.answers import FLAG, AnswerSettings, _add_blocks
from negpersona.explain.categories import category_shares
from tests.test_reasons import _random_corpus, _reference_quotes, _reference_terms


def _reference_blocks(
    rows: pd.DataFrame, personas: int, column: str, kind: str, settings: AnswerSettings
) -> list[list[dict[str, Any]]]:
    """The blocks as written before TextCorpus: every persona redacted and analyzed all texts."""
    blocks: list[list[dict[str, Any]]] = [[] for _ in range(personas)]
    values = rows[column].where(rows[column].notna(), None)
    present = values.map(lambda v: bool(v and str(v).strip())).to_numpy(dtype=bool)
    for i, block in enumerate(blocks):
        member = rows[FLAG.format(i)].to_numpy(dtype=bool)
        mine = values[member & present].tolist()
        theirs = values[~member & present].tolist()
        if not mine:
            continue
        item: dict[str, Any] = {
            "source": "deals",
            "column": column,
            "kind": kind,
            "answers": len(mine),
            "other_answers": len(theirs),
        }
        if kind == "text":
            terms = _reference_terms(mine, theirs, top=settings.terms)
            item["terms"] = [term.to_dict() for term in terms]
            item["quotes"] = _reference_quotes(mine, terms, k=settings.quotes)
        else:
            shares = category_shares(mine, theirs, top=settings.categories, alpha=settings.alpha)
            item["shares"] = [share.to_dict() for share in shares]
            if kind == "competitor":
                item["loyal_to"] = [share.value for share in shares if share.distinctive]
        block.append(item)
    return blocks


@pytest.mark.parametrize("seed", [5, 6])
def test_blocks_match_the_per_persona_computation(seed):
    texts, topics = _random_corpus(seed, 600)
    rng = np.random.default_rng(seed)
    n = len(texts)
    rows = pd.DataFrame(
        {
            "reason": texts,
            "category": np.where(
                rng.random(n) < 0.1, None, np.array(["price", "fit", "timing"])[topics % 3]
            ),
            "competitor": rng.choice(["Acme", "Globex", None], size=n),
        }
    )
    masks = [
        (topics == 0) & (rng.random(n) < 0.9),
        (topics == 2) | (rng.random(n) < 0.05),
        rng.random(n) < 0.3,
        np.zeros(n, dtype=bool),  # a persona without answers: no block
        np.ones(n, dtype=bool),  # everyone: no one to compare with
    ]
    for i, mask in enumerate(masks):
        rows[FLAG.format(i)] = mask
    settings = AnswerSettings(terms=8, quotes=4)
    for column, kind in [
        ("reason", "text"),
        ("category", "category"),
        ("competitor", "competitor"),
    ]:
        blocks: list[list[dict[str, Any]]] = [[] for _ in masks]
        _add_blocks(blocks, rows, "deals", column, kind, settings)
        assert blocks == _reference_blocks(rows, len(masks), column, kind, settings)
        assert [len(block) for block in blocks] == [1, 1, 1, 0, 1]
    # The planted topic gives the first persona distinguishing words and quotes.
    (first,) = _reference_blocks(rows, 1, "reason", "text", settings)[0]
    assert first["terms"] and first["quotes"]
