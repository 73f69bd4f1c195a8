"""Distinguishing words and phrases: what a persona's members write clearly more often.

The caller splits the answers into the persona's members and everyone else; this module
tokenizes the answers into words and phrases and compares the two groups' use of each term.
The per-call entry point is :func:`negpersona.explain.corpus.distinguishing_terms` (and
:meth:`negpersona.explain.corpus.TextCorpus.distinguishing_terms` for many groups over the
same answers); the tokens and the statistics are here.

Counting the most frequent words of the members' answers mostly finds the words everyone uses
("product", "team"): frequent, but not specific to the persona. Dividing the members' share by
everyone else's share fixes that, but then rare words dominate: a word written by two members
and nobody else has an infinite ratio, yet two answers prove little.

The method here, the *log-odds ratio with an informative Dirichlet prior* (Monroe, Colaresi
& Quinn 2008, "Fightin' Words"), handles both problems. For each word it compares the log-odds
of the word among the members' words with its log-odds among the other answers' words, after
adding to both groups a few *pseudo-counts* proportional to how common the word is overall.
The pseudo-counts pull rare words towards "no difference" (two mentions no longer look
decisive), and hardly move frequent words, whose own counts outweigh them. The difference is
then divided by its standard error, giving a **z-score**: how many standard errors the members'
use of the word lies above everyone else's. A word needs both a clear difference *and* enough
answers behind it to get a high z, so common words with equal use (z near 0) and rare words
(large standard error) both stay out.

A term is listed when z >= ``z_min`` (1.96 by default). For a single word, a z that high
would appear by chance less than 2.5% of the time if members and others wrote alike. But a
persona's answers hold thousands of words and phrases, and 2.5% of thousands is many chance
terms, mostly rare phrases that two or three members happened to use. So a term must also
pass an exact test that accounts for how many terms were tested: for a term found in ``c``
answers, the chance that at least as many of them come from members if each answer were a
member's with probability (member answers / all answers); Benjamini-Hochberg keeps the
expected share of chance terms in the list at the same 2.5% (``norm.sf(z_min)``). Terms too
rare to pass even if every answer containing them were a member's are not counted as tests
(Tarone's refinement, as in Gilbert 2005), so one-off phrases do not cost power.

Read the list together with ``member_share`` and ``other_share``, the share of member answers
and of other answers containing the term: they show the size of the difference in plain
numbers, where z shows how sure it is.

Details and decisions:

* Each answer counts a term at most once (``CountVectorizer(binary=True)``; identical answers
  are analyzed once and weighted by how often they occur). Answers differ a lot in length (a one-line survey answer next to a long interview note), and one note
  repeating a word twenty times should not outweigh twenty people writing it once. The counts
  are therefore "answers containing the term", and ``member_docs`` is exactly that count.
* Prior strength: ``a0`` is the smaller group's total term count, and each term gets
  ``alpha_w = a0 * pooled_count_w / pooled_total``, i.e. its expected count in the smaller
  group if both groups wrote alike. The textbook choice, ``a0`` = pooled total, suits groups
  of similar size; a persona is often 1-10% of the records, and then the prior outweighs the
  members' own answers many times over. In simulations with no real difference, the spread
  of z was 0.57 with equal groups but 0.12 at 1:100 with the pooled total, so small personas
  would never show a term, while with the smaller group's total it stayed near 0.7 at every
  ratio from 1:1 to 1:100: the threshold means the same thing whatever the persona's size,
  and it errs on the side of caution. A weaker prior (a tenth of that) makes z closer to a
  standard normal, but a zero count among the others then inflates the variance so much that
  a term used *only* by members ranks below terms the others also use; the chosen strength
  keeps that effect small. A fixed constant would ignore the amount of text (too strong for
  50 answers, negligible for a million).
* Words come from scikit-learn's English stop word list with two adjustments. Negation and
  degree words ("not", "no", "too", "many", "without", "don't", ...) are kept *inside*
  phrases, because "too expensive", "no integration" or "not enough seats" are the reasons
  themselves, but they are never terms on their own. A few words that the list treats as
  filler but that name reasons in sales and churn answers ("bill", "call", "system",
  "interest", "amount", "detail", ...) are kept as words. Phrases are built from adjacent
  words only (a stop word or clause punctuation breaks a phrase), so "price of the plan"
  gives "price" and "plan", never the unreadable "price plan"; a phrase always ends with a
  content word.
* Tokens without letters (numbers, years, amounts) are not terms, and single letters are
  ignored. Possessives and contractions are folded ("company's" counts as "company").
* Privacy: every text passes through :func:`negpersona.explain.redact.redact` first. The placeholders
  it leaves (``[email]``, ``[phone]``, ``[link]``) are recognized as whole tokens and dropped,
  and they break phrases, so "email", "phone" or "link" can only become terms when people wrote
  those words, as in "too many emails".
* A phrase and a word inside it are not listed both ("too expensive" next to "expensive" says
  the same thing twice). When both qualify, the phrase is kept if it appears in at least half
  of the member answers that contain the shorter term (the phrase is how members say it);
  otherwise the shorter term is kept (it covers more answers than any one phrasing). The kept
  term is shown with its own z, and the list stays ordered by z.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from scipy import stats as scipy_stats
from sklearn.feature_extraction.text import ENGLISH_STOP_WORDS, CountVectorizer

from negpersona.errors import ConfigError
from negpersona.explain.redact import EMAIL_PLACEHOLDER, LINK_PLACEHOLDER, PHONE_PLACEHOLDER
from negpersona.stats import adjust

# Negation and degree words: part of a reason when they start or sit inside a phrase ("too
# expensive", "no api"), meaningless alone. Contractions ending in "n't" are treated the same way.
_MODIFIERS = frozenset(
    {
        "cannot",
        "cant",
        "couldnt",
        "enough",
        "few",
        "fewer",
        "hasnt",
        "less",
        "many",
        "more",
        "much",
        "never",
        "no",
        "none",
        "nor",
        "not",
        "nothing",
        "only",
        "too",
        "very",
        "without",
    }
)

# Words of scikit-learn's list that name reasons in sales and churn answers.
_REASON_WORDS = frozenset(
    {
        "amount",
        "bill",
        "call",
        "detail",
        "empty",
        "fire",
        "full",
        "interest",
        "move",
        "serious",
        "system",
    }
)

_STOP_WORDS = frozenset(ENGLISH_STOP_WORDS - _REASON_WORDS - _MODIFIERS)

# Clitics folded into the word before them: "company's" -> "company", "we're" -> "we".
_CLITICS = frozenset({"s", "re", "ve", "ll", "d", "m"})

_PLACEHOLDERS = (EMAIL_PLACEHOLDER, PHONE_PLACEHOLDER, LINK_PLACEHOLDER)

# A redaction placeholder as one token, a word with optional inner apostrophes ("don't"), or
# punctuation that ends a clause (it breaks phrases, so "ok. price" never becomes "ok price").
_TOKEN = re.compile(
    "|".join(re.escape(placeholder) for placeholder in _PLACEHOLDERS)
    + r"|[^\W_]+(?:['\u2019][^\W_]+)*"
    + r"|[.,;:!?()\[\]{}\"\u2026]"
)

_CONTENT, _MODIFIER, _BREAK = 0, 1, 2


@dataclass(frozen=True)
class Term:
    """A word or phrase that members use clearly more often than everyone else."""

    term: str
    z: float
    log_odds: float
    member_docs: int
    member_share: float
    other_share: float

    def to_dict(self) -> dict[str, Any]:
        return {
            "term": self.term,
            "z": self.z,
            "log_odds": self.log_odds,
            "member_docs": self.member_docs,
            "member_share": self.member_share,
            "other_share": self.other_share,
        }


# --- Tokens and phrases -------------------------------------------------------------------------


def _classify(token: str) -> tuple[str, int]:
    """Normalize one token and say whether it is a content word, a modifier or a phrase break."""
    word = token.lower().replace("\u2019", "'")
    if word in _PLACEHOLDERS:
        return word, _BREAK
    if word.endswith("n't"):
        return word, _MODIFIER
    base, apostrophe, suffix = word.partition("'")
    if apostrophe and suffix in _CLITICS:
        word = base
    if len(word) < 2 or not any(char.isalpha() for char in word):
        return word, _BREAK
    if word in _MODIFIERS:
        return word, _MODIFIER
    if word in _STOP_WORDS:
        return word, _BREAK
    return word, _CONTENT


def _make_analyzer(ngram_range: tuple[int, int]) -> Callable[[str], list[str]]:
    """An analyzer for ``CountVectorizer``: words and phrases of adjacent words of one text.

    A phrase is ``min_n``..``max_n`` adjacent tokens without a stop word, number or placeholder
    between them, ending with a content word. Token classes are cached per analyzer, since the
    same few thousand words repeat across all answers.
    """
    min_n, max_n = ngram_range
    cache: dict[str, tuple[str, int]] = {}
    history = max_n - 1  # words of the current run a phrase may start with

    def classified(text: str) -> list[tuple[str, int]]:
        found = []
        for token in _TOKEN.findall(text.lower()):
            known = cache.get(token)
            if known is None:
                known = cache[token] = _classify(token)
            found.append(known)
        return found

    def words_and_pairs(text: str) -> list[str]:
        # The default (1, 2) on its own path: it is the hot loop for large inputs.
        grams: list[str] = []
        previous = None
        for word, kind in classified(text):
            if kind == _CONTENT:
                grams.append(word)
                if previous is not None:
                    grams.append(previous + " " + word)
                previous = word
            else:
                previous = word if kind == _MODIFIER else None
        return grams

    def words_only(text: str) -> list[str]:
        return [word for word, kind in classified(text) if kind == _CONTENT]

    if ngram_range == (1, 2):
        return words_and_pairs
    if ngram_range == (1, 1):
        return words_only

    def analyze(text: str) -> list[str]:
        grams: list[str] = []
        window: list[str] = []  # the last ``history`` words since the last break
        for word, kind in classified(text):
            if kind == _BREAK:
                window.clear()
                continue
            if kind == _CONTENT:
                if min_n == 1:
                    grams.append(word)
                for size in range(max(min_n, 2), min(max_n, len(window) + 1) + 1):
                    grams.append(" ".join(window[1 - size :]) + " " + word)
            if history:
                window.append(word)
                if len(window) > history:
                    del window[0]
        return grams

    return analyze


def _check_ngram_range(ngram_range: tuple[int, int]) -> tuple[int, int]:
    min_n, max_n = (int(value) for value in ngram_range)
    if not 1 <= min_n <= max_n:
        raise ConfigError(
            f"ngram_range {tuple(ngram_range)!r} is invalid.",
            "Use (min_n, max_n) with 1 <= min_n <= max_n, e.g. (1, 2).",
        )
    return min_n, max_n


# --- Distinguishing terms -----------------------------------------------------------------------


def _log_odds_z(member: np.ndarray, other: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Log-odds ratio with an informative Dirichlet prior and its z-score, per term.

    ``member`` and ``other`` are per-term counts. The prior strength ``a0`` is the smaller
    group's total (see the module docstring for why).
    """
    n_member, n_other = float(member.sum()), float(other.sum())
    a0 = min(n_member, n_other)
    prior = a0 * (member + other) / (n_member + n_other)
    with np.errstate(divide="ignore", invalid="ignore"):
        log_odds = np.log((member + prior) / (n_member + a0 - member - prior)) - np.log(
            (other + prior) / (n_other + a0 - other - prior)
        )
        z = log_odds / np.sqrt(1.0 / (member + prior) + 1.0 / (other + prior))
    return z, log_odds


def _beyond_chance(
    member: np.ndarray, other: np.ndarray, n_members: int, n_others: int, level: float
) -> np.ndarray:
    """Which terms stay over-represented among members after accounting for how many were tested.

    For a term in ``c`` answers, the exact conditional test asks how likely at least the
    observed number of them would be members' answers if each were a member's with probability
    ``n_members / (n_members + n_others)`` (binomial). Benjamini-Hochberg then bounds the
    expected share of chance terms at ``level``. Terms too rare to reach ``level`` even if all
    their answers were members' cannot be discoveries and are not counted as tests (Tarone's
    refinement, as in Gilbert 2005), so a long tail of one-off phrases does not cost power.
    """
    passed = np.zeros(member.shape, dtype=bool)
    if level <= 0.0:
        return passed
    share = n_members / (n_members + n_others)
    pooled = member + other
    # The smallest p-value a term can reach is share ** pooled (all its answers are members').
    testable = np.flatnonzero(pooled * math.log(share) <= math.log(min(level, 1.0)))
    if testable.size == 0:
        return passed
    p_values = scipy_stats.binom.sf(member[testable] - 1, pooled[testable], share)
    rejected = np.asarray(adjust(p_values, "fdr_bh")) <= level
    passed[testable[rejected]] = True
    return passed


def _count_terms(
    redacted: list[str], ngram_range: tuple[int, int]
) -> tuple[np.ndarray, Any] | None:
    """Vocabulary and binary text-by-term matrix of redacted texts (None: no words at all)."""
    vectorizer = CountVectorizer(analyzer=_make_analyzer(ngram_range), binary=True, dtype=np.int64)
    try:
        matrix = vectorizer.fit_transform(redacted)
    except ValueError:  # scikit-learn raises on an empty vocabulary
        return None
    return vectorizer.get_feature_names_out(), matrix


def _min_count(min_df: int | float, answers: int) -> float:
    """``min_df`` as a number of answers: an int is a count, a float in (0, 1] a share."""
    if isinstance(min_df, float):
        if not 0.0 < min_df <= 1.0:
            raise ConfigError(f"min_df {min_df!r} is invalid.", "Use a count or a share in (0, 1].")
        return min_df * answers
    return float(min_df)


def _nested(short: tuple[str, ...], long: tuple[str, ...]) -> bool:
    """Whether the words of ``short`` appear as adjacent words inside the longer ``long``."""
    size = len(short)
    return size < len(long) and any(
        long[i : i + size] == short for i in range(len(long) - size + 1)
    )


def _related(first: Term, second: Term) -> bool:
    a, b = tuple(first.term.split()), tuple(second.term.split())
    return _nested(a, b) or _nested(b, a)


def _preferred(candidate: Term, chosen: Term) -> bool:
    """Whether ``candidate`` reads better than the nested ``chosen``: a phrase wins when it
    appears in at least half of the member answers containing the shorter term."""
    candidate_longer = len(candidate.term.split()) > len(chosen.term.split())
    phrase, part = (candidate, chosen) if candidate_longer else (chosen, candidate)
    phrase_wins = 2 * phrase.member_docs >= part.member_docs
    return phrase_wins == candidate_longer


def _without_nested_duplicates(candidates: list[Term], top: int) -> list[Term]:
    """Best ``top`` terms by z, keeping one of each phrase / word-inside-it pair."""
    chosen: list[Term] = []
    for candidate in candidates:
        related = [term for term in chosen if _related(candidate, term)]
        if not related:
            if len(chosen) < top:
                chosen.append(candidate)
        elif all(_preferred(candidate, term) for term in related):
            chosen = [term for term in chosen if term not in related] + [candidate]
    return sorted(chosen, key=lambda term: (-term.z, term.term))


def _select_terms(
    vocabulary: np.ndarray,
    member_docs: np.ndarray,
    other_docs: np.ndarray,
    n_members: int,
    n_others: int,
    *,
    top: int,
    z_min: float,
) -> list[Term]:
    """The distinguishing terms, given per term the member and other answers containing it."""
    if member_docs.sum() == 0 or other_docs.sum() == 0:
        return []
    z, log_odds = _log_odds_z(member_docs, other_docs)
    significant = np.isfinite(z) & (z >= z_min) & (log_odds > 0)
    level = float(scipy_stats.norm.sf(z_min))
    keep = np.flatnonzero(
        significant & _beyond_chance(member_docs, other_docs, n_members, n_others, level)
    )
    candidates = [
        Term(
            term=str(vocabulary[i]),
            z=float(z[i]),
            log_odds=float(log_odds[i]),
            member_docs=int(member_docs[i]),
            member_share=float(member_docs[i] / n_members),
            other_share=float(other_docs[i] / n_others),
        )
        for i in keep
    ]
    candidates.sort(key=lambda term: (-term.z, term.term))
    return _without_nested_duplicates(candidates, top)


# --- The answers' terms, counted once -----------------------------------------------------------


@dataclass
class _TermMatrix:
    """The answers' terms: vocabulary, binary text-by-term matrix (CSC), answers per term."""

    vocabulary: np.ndarray
    matrix: Any
    pooled: np.ndarray
    frequent: dict[float, tuple[np.ndarray, Any, np.ndarray]] = field(default_factory=dict)

    def at_least(self, count: float) -> tuple[np.ndarray, Any, np.ndarray]:
        """Terms in at least ``count`` answers: vocabulary, term-by-text matrix (CSR), answers."""
        found = self.frequent.get(count)
        if found is None:
            keep = np.flatnonzero(self.pooled >= count)
            found = (self.vocabulary[keep], self.matrix[:, keep].T.tocsr(), self.pooled[keep])
            self.frequent[count] = found
        return found
