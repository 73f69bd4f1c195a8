"""What people said: survey answers, loss reasons and notes, attached to persona members.

Text answers explain *why* a persona does not buy or stay, but they must never become conditions:
churn surveys are answered by customers only and loss reasons exist only for lost deals, so
joining them into the search would leak the outcome. They are declared separately, under
``texts:`` in ``negpersona.yaml``, and read only to write persona cards::

    texts:
      - name: deals
        source: deals.csv
        key: lead_id
        text: [loss_reason]        # free text: distinguishing words and quotes
        category: loss_category    # categorized reasons: the most frequent ones
        competitor: competitor     # competitors or current tools: which ones a persona sticks to

A text source may hold many answers per record (several deals per lead). Membership is decided
by the engine: the persona predicates are evaluated on the primary table and joined to the
answers on the key, so only (answer, member flags) rows come back to Python. Free-text columns of
the primary table itself (set aside by the column plan) are used the same way.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd
from ibis.expr.types import Table

from negpersona.config.tables import TextSource
from negpersona.data.relations import open_related
from negpersona.engine.sampling import keep_fraction
from negpersona.errors import DataError
from negpersona.model.conditions import Condition, segment_filter

MAX_ANSWERS = 200_000  # answers read per source; more are sampled (seeded) for the word counts
FLAG = "__np_member_{}"


@dataclass
class AnswerSettings:
    terms: int = 10
    quotes: int = 3
    categories: int = 5
    alpha: float = 0.05
    seed: int = 0


def collect_reasons(
    table: Table,
    personas: list[list[Condition]],
    *,
    sources: list[TextSource],
    text_columns: list[str],
    backend: Any,
    base_dir: Path = Path("."),
    frames: dict[str, Any] | None = None,
    settings: AnswerSettings | None = None,
) -> list[list[dict[str, Any]]]:
    """Per persona, the reason blocks of every text column and source (see module docstring).

    ``table`` is the primary table of the discovery; ``text_columns`` its own free-text columns.
    """
    settings = settings or AnswerSettings()
    blocks: list[list[dict[str, Any]]] = [[] for _ in personas]
    if not personas:
        return blocks
    flags = {FLAG.format(i): segment_filter(table, c) for i, c in enumerate(personas)}
    if text_columns:
        rows = _fetch(table.mutate(**flags), text_columns, list(flags), settings.seed)
        for column in text_columns:
            _add_blocks(blocks, rows, "records", column, "text", settings)
    for source in sources:
        rows = _source_rows(table, flags, source, backend, base_dir, frames or {}, settings.seed)
        for column in source.text:
            _add_blocks(blocks, rows, source.name, column, "text", settings)
        if source.category:
            _add_blocks(blocks, rows, source.name, source.category, "category", settings)
        if source.competitor:
            _add_blocks(blocks, rows, source.name, source.competitor, "competitor", settings)
    return blocks


def _source_rows(
    table: Table,
    flags: dict[str, Any],
    source: TextSource,
    backend: Any,
    base_dir: Path,
    frames: dict[str, Any],
    seed: int,
) -> pd.DataFrame:
    answers = open_related(source, backend, base_dir, frames)
    missing = [c for c in [source.key, *source.columns()] if c not in answers.columns]
    if missing:
        raise DataError(
            f"Text source {source.name!r} has no column {missing[0]!r}.",
            f"Its columns are: {', '.join(answers.columns[:20])}. Fix texts: in the spec.",
        )
    if source.primary_key not in table.columns:
        raise DataError(
            f"Text source {source.name!r}: the primary table has no key column "
            f"{source.primary_key!r}.",
            "Set on: to the primary table's key column.",
        )
    left_key = table[source.primary_key]
    right_key = answers[source.key]
    if left_key.type() != right_key.type():  # compare as text, as related tables do
        left_key, right_key = left_key.cast("string"), right_key.cast("string")
    members = table.select(__np_key=left_key, **flags)
    picked = answers.select(
        __np_answer_key=right_key, **{c: answers[c].cast("string") for c in source.columns()}
    )
    joined = picked.join(members, picked["__np_answer_key"] == members["__np_key"])
    return _fetch(joined, source.columns(), list(flags), seed)


def _fetch(table: Table, columns: list[str], flags: list[str], seed: int) -> pd.DataFrame:
    """The answer columns and member flags; a seeded sample when there are too many answers."""
    picked = table.select(*[table[c].cast("string").name(c) for c in columns], *flags)
    total = int(picked.count().to_pyarrow().as_py())
    if total > MAX_ANSWERS:
        picked = picked.filter(
            keep_fraction(picked, list(picked.columns), MAX_ANSWERS / total, seed, "answers:")
        )
    frame = picked.to_pandas()
    for flag in flags:
        frame[flag] = frame[flag].fillna(False).astype(bool)
    return frame


def _add_blocks(
    blocks: list[list[dict[str, Any]]],
    rows: pd.DataFrame,
    source: str,
    column: str,
    kind: str,
    settings: AnswerSettings,
) -> None:
    # scikit-learn loads only when cards are written, not whenever the spec is read.
    from negpersona.explain.categories import category_shares
    from negpersona.explain.corpus import TextCorpus

    values = rows[column].where(rows[column].notna(), None)
    present = values.map(lambda v: bool(v and str(v).strip())).to_numpy(dtype=bool)
    # Free text is redacted and analyzed once for all personas; each persona is a mask over it.
    corpus = TextCorpus(values.tolist()) if kind == "text" else None
    for i, block in enumerate(blocks):
        member = rows[FLAG.format(i)].to_numpy(dtype=bool)
        answers = int((member & present).sum())
        if not answers:
            continue
        item: dict[str, Any] = {
            "source": source,
            "column": column,
            "kind": kind,
            "answers": answers,
            "other_answers": int((~member & present).sum()),
        }
        if corpus is not None:
            terms = corpus.distinguishing_terms(member, top=settings.terms)
            item["terms"] = [term.to_dict() for term in terms]
            item["quotes"] = corpus.representative_quotes(member, terms, k=settings.quotes)
        else:
            mine = values[member & present].tolist()
            theirs = values[~member & present].tolist()
            shares = category_shares(mine, theirs, top=settings.categories, alpha=settings.alpha)
            item["shares"] = [share.to_dict() for share in shares]
            if kind == "competitor":
                item["loyal_to"] = [share.value for share in shares if share.distinctive]
        block.append(item)
