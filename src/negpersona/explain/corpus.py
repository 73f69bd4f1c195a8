"""Why a persona does not convert or stay, from free text: one column's answers, prepared once.

Each persona card answers "why" from free text (churn surveys, loss reasons, interview notes,
competitive surveys) and from categorized columns (a loss category, the tool people use or chose).
The caller splits the answers into the persona's members and everyone else; the modules below
compare the two groups, each for one job: :mod:`negpersona.explain.terms` finds the
distinguishing words and phrases, :mod:`negpersona.explain.quotes` picks the representative
quotes and :mod:`negpersona.explain.categories` compares the values of categorized columns.
This module ties the two free-text jobs to the same answers.

Many groups over the same answers (:class:`TextCorpus`)
    Cards ask both questions for every persona over the same answers, and redacting and
    analyzing the texts is most of the work. ``TextCorpus(texts)`` does it once per column (on
    first use); each persona is then a boolean mask over the rows and costs a few sparse-matrix
    products. The results are exactly those of :func:`distinguishing_terms` and
    :func:`representative_quotes`, which are thin wrappers around it: ``min_df`` counts answers
    of both groups together, so the vocabulary kept is the same for every persona. (The two
    functions live here, next to the class they wrap, because it builds on both ``terms`` and
    ``quotes``; there they would make an import cycle.)
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

import numpy as np

from negpersona.explain.quotes import (
    _check_max_chars,
    _pick_by_terms,
    _QuoteTable,
    _term_weights,
    _typical_order,
)
from negpersona.explain.redact import redact
from negpersona.explain.terms import (
    Term,
    _check_ngram_range,
    _count_terms,
    _min_count,
    _select_terms,
    _TermMatrix,
)


def _is_text(text: Any) -> bool:
    """Whether ``text`` is an answer: a string with a visible character (None and NaN are not)."""
    return isinstance(text, str) and bool(text) and not text.isspace()


def distinguishing_terms(
    member_texts: Iterable[str | None],
    other_texts: Iterable[str | None],
    *,
    top: int = 10,
    z_min: float = 1.96,
    ngram_range: tuple[int, int] = (1, 2),
    min_df: int | float = 2,
) -> list[Term]:
    """Words and phrases the members use clearly more often than everyone else, best first.

    Returns at most ``top`` terms with ``z >= z_min`` and a positive log-odds ratio (more
    common among members), ordered by z. ``min_df`` (answers containing the term, across both
    groups; a float is a share) drops one-off words before testing. Empty input, no other
    answers or no usable words give an empty list.

    To compare several groups with the same answers (one persona after another), prepare the
    answers once with :class:`TextCorpus` and call its ``distinguishing_terms`` per group.
    """
    members, others = list(member_texts), list(other_texts)
    corpus = TextCorpus([*members, *others], ngram_range=ngram_range)
    mask = np.arange(len(members) + len(others)) < len(members)
    return corpus.distinguishing_terms(mask, top=top, z_min=z_min, min_df=min_df)


def representative_quotes(
    member_texts: Iterable[str | None],
    terms: Sequence[Term | str],
    *,
    k: int = 3,
    max_chars: int = 240,
) -> list[str]:
    """Up to ``k`` distinct, redacted member answers that show the distinguishing terms.

    Answers with the most distinguishing terms (weighted by z, adjusted for length) come first,
    each new quote preferring terms not shown yet; then, or without terms, the most typical
    answers. Each quote is redacted with :func:`negpersona.explain.redact.redact` and cut to
    ``max_chars`` characters on a word boundary with an ellipsis. ``terms`` are usually the
    output of :func:`distinguishing_terms`; plain strings are accepted and weigh 1 each.

    For several groups of the same answers, use :meth:`TextCorpus.representative_quotes`.
    """
    _check_max_chars(max_chars)
    members = list(member_texts)
    corpus = TextCorpus(members)
    return corpus.representative_quotes(
        np.ones(len(members), dtype=bool), terms, k=k, max_chars=max_chars
    )


# --- One column's answers, prepared once for all groups -----------------------------------------


class TextCorpus:
    """All answers of one text column, redacted and analyzed once for any number of groups.

    A persona card compares the persona's answers with everyone else's, and cards are written
    for many personas over the same answers: only the member mask changes from one persona to
    the next. Redacting and analyzing the texts is the expensive part, so it happens here once,
    on first use. Identical answers are kept once with their number of rows, each distinct
    answer is redacted, the binary answer-by-term matrix is built and the answers are prepared
    as quotes (redacted, cut, normalized). Each group then costs a few sparse-matrix products.

    ``texts`` are the answers in row order; None, NaN and blank answers are allowed and count
    for neither group. For a boolean ``member_mask`` with one flag per row,
    ``corpus.distinguishing_terms(member_mask)`` returns exactly what
    :func:`distinguishing_terms` returns for ``mine`` (the texts whose flag is set) and
    ``theirs`` (the other texts), and ``corpus.representative_quotes(member_mask, terms)``
    exactly what :func:`representative_quotes` returns for ``mine``.
    """

    def __init__(self, texts: Iterable[Any], *, ngram_range: tuple[int, int] = (1, 2)) -> None:
        self.ngram_range = _check_ngram_range(ngram_range)
        index: dict[str, int] = {}
        rows = [index.setdefault(text, len(index)) if _is_text(text) else -1 for text in texts]
        self._texts = list(index)
        self._rows = np.asarray(rows, dtype=np.int64)  # distinct text per row, -1 when blank
        self._answered = self._rows >= 0
        self._totals = np.bincount(self._rows[self._answered], minlength=len(self._texts))
        self._redacted: list[str] | None = None
        self._terms: _TermMatrix | None = None
        self._terms_counted = False
        self._quotes: dict[int, _QuoteTable] = {}

    def __len__(self) -> int:
        """Rows, including blank answers (the length a member mask must have)."""
        return len(self._rows)

    @property
    def answers(self) -> int:
        """Non-blank answers."""
        return int(self._answered.sum())

    def distinguishing_terms(
        self,
        member_mask: Any,
        *,
        top: int = 10,
        z_min: float = 1.96,
        min_df: int | float = 2,
    ) -> list[Term]:
        """:func:`distinguishing_terms` of the masked rows against all other rows.

        ``min_df`` counts answers of both groups, i.e. of all rows, so the vocabulary kept is
        the same for every mask.
        """
        members, others = self._split(member_mask)
        n_members, n_others = int(members.sum()), int(others.sum())
        if n_members == 0 or n_others == 0 or top <= 0:
            return []
        terms = self._term_matrix()
        if terms is None:
            return []
        vocabulary, by_term, pooled = terms.at_least(_min_count(min_df, n_members + n_others))
        member_docs = np.asarray(by_term @ members, dtype=np.float64)
        # Exact: the counts are integers far below 2**53.
        other_docs = pooled.astype(np.float64) - member_docs
        return _select_terms(
            vocabulary, member_docs, other_docs, n_members, n_others, top=top, z_min=z_min
        )

    def representative_quotes(
        self,
        member_mask: Any,
        terms: Sequence[Term | str],
        *,
        k: int = 3,
        max_chars: int = 240,
    ) -> list[str]:
        """:func:`representative_quotes` of the masked rows."""
        _check_max_chars(max_chars)
        members, _ = self._split(member_mask)
        table = self._quote_table(max_chars)
        forms, counts = table.candidates(members)
        if len(forms) == 0 or k <= 0:
            return []
        weights = _term_weights(terms)
        picked = _pick_by_terms(table, forms, counts, weights, k) if weights else []
        if len(picked) < k:
            chosen = set(picked)
            # The term matrix, when built already, saves analyzing the quotes again.
            known = self._terms if self.ngram_range[0] == 1 else None
            for position in _typical_order(table, forms, counts, known).tolist():
                if len(picked) == k:
                    break
                if position not in chosen:
                    picked.append(position)
        return [table.quotes[forms[position]] for position in picked]

    def _split(self, member_mask: Any) -> tuple[np.ndarray, np.ndarray]:
        """Member and other answers per distinct text."""
        mask = np.asarray(member_mask, dtype=bool)
        if mask.shape != self._rows.shape:
            raise ValueError(
                f"The member mask has shape {mask.shape}; expected one flag per text "
                f"({len(self._rows)},)."
            )
        members = np.bincount(self._rows[mask & self._answered], minlength=len(self._texts))
        return members, self._totals - members

    def _redacted_texts(self) -> list[str]:
        if self._redacted is None:
            self._redacted = [redact(text) for text in self._texts]
        return self._redacted

    def _term_matrix(self) -> _TermMatrix | None:
        if not self._terms_counted:
            counted = _count_terms(self._redacted_texts(), self.ngram_range)
            if counted is not None:
                vocabulary, matrix = counted
                matrix = matrix.tocsc()
                pooled = np.asarray(matrix.T @ self._totals, dtype=np.int64)
                self._terms = _TermMatrix(vocabulary, matrix, pooled)
            self._terms_counted = True
        return self._terms

    def _quote_table(self, max_chars: int) -> _QuoteTable:
        table = self._quotes.get(max_chars)
        if table is None:
            table = self._quotes[max_chars] = _QuoteTable(self._redacted_texts(), max_chars)
        return table
