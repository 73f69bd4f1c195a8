"""Representative quotes: the member answers a persona card shows.

The per-call entry point is :func:`negpersona.explain.corpus.representative_quotes` (and
:meth:`negpersona.explain.corpus.TextCorpus.representative_quotes` for many groups over the
same answers); how quotes are prepared, scored and picked is here.

Quotes are chosen among member answers as they would be shown: redacted, whitespace collapsed
and cut at ``max_chars`` on a word boundary. Each candidate scores the sum of the z-scores of
the distinguishing terms it contains, divided by the square root of its length in words (at
least 8 words, so short answers that name a reason are not penalized but long notes do not win
just by containing more words). Quotes are picked one at a time; after each pick, terms already
shown no longer count, so the next quote brings a different term when one exists. Without
terms, the most common answers come first, then the answers whose words are most common among
members. Ties are broken by the text, so the same input gives the same quotes.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Iterable
from functools import partial
from typing import Any

import numpy as np
from scipy import sparse

from negpersona.errors import ConfigError
from negpersona.explain.terms import _PLACEHOLDERS, _TOKEN, Term, _make_analyzer, _TermMatrix

# Answers up to this many words are not penalized for length when scoring quotes.
_MIN_QUOTE_WORDS = 8

_ELLIPSIS = "\u2026"


def _truncate(text: str, max_chars: int) -> str:
    """``text`` cut to at most ``max_chars`` characters on a word boundary, with an ellipsis."""
    if len(text) <= max_chars:
        return text
    cut = text[: max_chars - 1]
    if not text[max_chars - 1].isspace() and " " in cut:
        cut = cut[: cut.rfind(" ")]
    return cut.rstrip(" ,;:.-([") + _ELLIPSIS


_PLACEHOLDER_RE = re.compile("|".join(re.escape(placeholder) for placeholder in _PLACEHOLDERS))
_KEY_TOKEN = re.compile(_PLACEHOLDER_RE.pattern + r"|[^\W_]+")


def _quote_key(quote: str) -> str:
    """Normalized form used to spot duplicates: case, whitespace and punctuation ignored."""
    return " ".join(_KEY_TOKEN.findall(quote.casefold()))


def _term_weights(terms: Iterable[Term | str]) -> dict[str, float]:
    """Term text -> weight (its z; plain strings weigh 1)."""
    weights: dict[str, float] = {}
    for term in terms:
        text, weight = (term.term, term.z) if isinstance(term, Term) else (str(term), 1.0)
        text = " ".join(text.lower().split())
        if text:
            weights[text] = max(weight, weights.get(text, weight))
    return weights


class _QuoteTable:
    """Every distinct answer as it would be quoted (redacted, whitespace collapsed, cut at
    ``max_chars``), grouped by normalized key; what does not depend on the members."""

    def __init__(self, redacted: list[str], max_chars: int) -> None:
        index: dict[str, int] = {}
        empty: set[str] = set()
        # Per distinct answer: its quote, or -1 when the quote is made only of placeholders
        # ("[email]"), which says nothing.
        self.of_text = np.full(len(redacted), -1, dtype=np.int64)
        whole: dict[int, int] = {}  # quote -> a distinct answer it shows in full
        for i, text in enumerate(redacted):
            collapsed = " ".join(text.split())
            quote = _truncate(collapsed, max_chars)
            if quote not in index and quote not in empty:
                if not re.search(r"[^\W_]", _PLACEHOLDER_RE.sub("", quote)):
                    empty.add(quote)
                    continue
                index[quote] = len(index)
            self.of_text[i] = position = index.get(quote, -1)
            if position >= 0 and len(collapsed) <= max_chars:  # not cut
                whole.setdefault(position, i)
        self.quotes = list(index)
        self.whole = np.full(len(self.quotes), -1, dtype=np.int64)
        self.whole[list(whole)] = list(whole.values())
        keys: dict[str, int] = {}
        self.key = np.array(
            [keys.setdefault(_quote_key(quote), len(keys)) for quote in self.quotes],
            dtype=np.int64,
        )
        self.keys = len(keys)
        order = sorted(range(len(self.quotes)), key=self.quotes.__getitem__)
        self.rank = np.empty(len(self.quotes), dtype=np.int64)  # position in string order
        self.rank[np.asarray(order, dtype=np.int64)] = np.arange(len(order))
        # Quotes by key, the smallest string of each key first: the form a key is shown in.
        self.by_key = np.lexsort((self.rank, self.key))
        self.lowered = [quote.lower() for quote in self.quotes]
        self._grams: dict[int, tuple[Callable[[str], list[str]], dict[int, frozenset[str]]]] = {}
        self._norms: dict[int, float] = {}
        self._words: Any = None

    def candidates(self, members: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Per key among the members' answers: the quote shown and the answers giving it.

        ``members`` counts the member answers per distinct text. The shown form of answers
        that differ only in case or punctuation is the smallest string.
        """
        valid = self.of_text >= 0
        per_quote = np.bincount(
            self.of_text[valid], weights=members[valid], minlength=len(self.quotes)
        ).astype(np.int64)
        per_key = np.bincount(self.key, weights=per_quote, minlength=self.keys).astype(np.int64)
        given = self.by_key[per_quote[self.by_key] > 0]
        keys = self.key[given]
        first = np.ones(len(given), dtype=bool)
        first[1:] = keys[1:] != keys[:-1]
        return given[first], per_key[keys[first]]

    def grams(self, quote: int, max_n: int) -> frozenset[str]:
        """Words and phrases of up to ``max_n`` words in a quote."""
        if max_n not in self._grams:
            self._grams[max_n] = (_make_analyzer((1, max_n)), {})
        analyze, cache = self._grams[max_n]
        found = cache.get(quote)
        if found is None:
            found = cache[quote] = frozenset(analyze(self.lowered[quote]))
        return found

    def norm(self, quote: int) -> float:
        """Length norm of a quote: square root of its words, at least ``_MIN_QUOTE_WORDS``."""
        norm = self._norms.get(quote)
        if norm is None:
            text = self.quotes[quote]
            words = sum(1 for token in _TOKEN.findall(text) if token[0].isalnum())
            norm = self._norms[quote] = math.sqrt(max(words, _MIN_QUOTE_WORDS))
        return norm

    def words(self, terms: _TermMatrix | None) -> Any:
        """Binary quote-by-word matrix (single content words, in any column order).

        ``terms``, the answers' term matrix when it holds single words, gives the words of
        quotes that show a whole answer (the tokens are the same), so only cut quotes are
        analyzed again.
        """
        if self._words is None:
            self._words = self._word_matrix(terms)
        return self._words

    def _word_matrix(self, terms: _TermMatrix | None) -> Any:
        count = len(self.quotes)
        column: dict[str, int] = {}
        rows: list[np.ndarray] = []
        columns: list[np.ndarray] = []
        reused = np.zeros(count, dtype=bool)
        if terms is not None:
            reused = self.whole >= 0
            single = np.flatnonzero([" " not in term for term in terms.vocabulary.tolist()])
            column = {word: j for j, word in enumerate(terms.vocabulary[single].tolist())}
            quotes = np.flatnonzero(reused)
            found = terms.matrix[:, single].tocsr()[self.whole[quotes]].tocoo()
            rows.append(quotes[found.row])
            columns.append(np.asarray(found.col, dtype=np.int64))
        analyze = _make_analyzer((1, 1))
        cut_rows: list[int] = []
        cut_columns: list[int] = []
        for quote in np.flatnonzero(~reused).tolist():
            for word in set(analyze(self.quotes[quote])):
                cut_rows.append(quote)
                cut_columns.append(column.setdefault(word, len(column)))
        rows.append(np.asarray(cut_rows, dtype=np.int64))
        columns.append(np.asarray(cut_columns, dtype=np.int64))
        row, col = np.concatenate(rows), np.concatenate(columns)
        data = np.ones(len(row), dtype=np.int64)
        return sparse.csr_matrix((data, (row, col)), shape=(count, len(column)))


_Scored = tuple[int, str, int, frozenset[str], float]  # candidate, quote, answers, terms, norm


def _quote_rank(
    item: _Scored, weights: dict[str, float], shown: frozenset[str]
) -> tuple[float, float, int, str]:
    """Sort key: weight of terms not shown yet, then of all terms, answers giving it, text."""
    _, quote, count, found, norm = item
    gain = math.fsum(weights[term] for term in found - shown) / norm  # order-free sum
    full = math.fsum(weights[term] for term in found) / norm
    return (-gain, -full, -count, quote)


def _pick_by_terms(
    table: _QuoteTable, forms: np.ndarray, counts: np.ndarray, weights: dict[str, float], k: int
) -> list[int]:
    """Greedy picks (positions in ``forms``): the next quote adds the most weight in terms not
    yet shown."""
    max_n = max(len(term.split()) for term in weights)
    # Every term ends with a content word: a quote without any of those strings cannot match.
    needles = {term.split()[-1] for term in weights}
    scored: list[_Scored] = []
    for position, (quote, count) in enumerate(zip(forms.tolist(), counts.tolist(), strict=True)):
        lowered = table.lowered[quote]
        if not any(needle in lowered for needle in needles):
            continue
        found = table.grams(quote, max_n) & weights.keys()
        if found:
            scored.append((position, table.quotes[quote], count, found, table.norm(quote)))
    picked: list[int] = []
    shown: frozenset[str] = frozenset()
    while scored and len(picked) < k:
        best = min(scored, key=partial(_quote_rank, weights=weights, shown=shown))
        scored.remove(best)
        picked.append(best[0])
        shown |= best[3]
    return picked


def _typical_order(
    table: _QuoteTable, forms: np.ndarray, counts: np.ndarray, terms: _TermMatrix | None
) -> np.ndarray:
    """Positions in ``forms`` ordered by how typical the answer is: repeated answers first, then
    answers whose words are most common among the members (mean over the answer's words of the
    member answers using the word), then the text."""
    words = table.words(terms)[forms]
    frequency = words.T @ counts  # member answers containing each word
    sizes = np.diff(words.indptr)
    totals = words @ frequency
    typicality = np.zeros(len(forms), dtype=np.float64)
    some = sizes > 0
    typicality[some] = totals[some] / sizes[some]
    return np.lexsort((table.rank[forms], -typicality, -counts))


def _check_max_chars(max_chars: int) -> None:
    if max_chars < 2:
        raise ConfigError(f"max_chars {max_chars!r} is too small.", "Use at least 2, e.g. 240.")
