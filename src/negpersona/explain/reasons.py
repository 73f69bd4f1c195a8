"""Why a persona does not convert or stay: distinguishing words, reason shares and quotes.

Each persona card answers "why" from free text (churn surveys, loss reasons, interview notes,
competitive surveys) and from categorized columns (a loss category, the tool people use or chose).
The caller splits the answers into the persona's members and everyone else; this module compares
the two groups.

Distinguishing words and phrases (:func:`distinguishing_terms`)
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

Categorized reasons and competitors (:func:`category_shares`)
    For a categorical column, each value's share of the member answers is compared with its share
    of the other answers. The member share comes with a Wilson interval; ``ratio`` is member share
    divided by other share; ``p_adjusted`` is a one-sided Fisher exact test ("more common among
    members") with Holm's correction across all values the members gave. ``distinctive`` marks the
    values clearly more common among members: for a competitor or current-tool column, those are
    the tools this persona stays with.

Representative quotes (:func:`representative_quotes`)
    Quotes are chosen among member answers as they would be shown: redacted, whitespace collapsed
    and cut at ``max_chars`` on a word boundary. Each candidate scores the sum of the z-scores of
    the distinguishing terms it contains, divided by the square root of its length in words (at
    least 8 words, so short answers that name a reason are not penalized but long notes do not win
    just by containing more words). Quotes are picked one at a time; after each pick, terms already
    shown no longer count, so the next quote brings a different term when one exists. Without
    terms, the most common answers come first, then the answers whose words are most common among
    members. Ties are broken by the text, so the same input gives the same quotes.

Many groups over the same answers (:class:`TextCorpus`)
    Cards ask both questions for every persona over the same answers, and redacting and
    analyzing the texts is most of the work. ``TextCorpus(texts)`` does it once per column (on
    first use); each persona is then a boolean mask over the rows and costs a few sparse-matrix
    products. The results are exactly those of the two functions above, which are thin wrappers
    around it: ``min_df`` counts answers of both groups together, so the vocabulary kept is the
    same for every persona.
"""

from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from functools import partial
from typing import Any

import numpy as np
from scipy import sparse
from scipy import stats as scipy_stats
from sklearn.feature_extraction.text import ENGLISH_STOP_WORDS, CountVectorizer

from negpersona.errors import ConfigError
from negpersona.explain.redact import EMAIL_PLACEHOLDER, LINK_PLACEHOLDER, PHONE_PLACEHOLDER, redact
from negpersona.stats import adjust, rate_interval

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

# Answers up to this many words are not penalized for length when scoring quotes.
_MIN_QUOTE_WORDS = 8

_ELLIPSIS = "\u2026"


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


@dataclass(frozen=True)
class Share:
    """One value of a categorical column among the members, next to its share among the others.

    ``ratio`` is None when the value never occurs among the others (or there are no others);
    the Fisher test then decides alone whether the value is distinctive.
    """

    value: str
    member_count: int
    member_share: float
    member_ci: tuple[float, float]
    other_share: float
    ratio: float | None
    p_adjusted: float
    distinctive: bool

    def to_dict(self) -> dict[str, Any]:
        return {
            "value": self.value,
            "member_count": self.member_count,
            "member_share": self.member_share,
            "member_ci": list(self.member_ci),
            "other_share": self.other_share,
            "ratio": self.ratio,
            "p_adjusted": self.p_adjusted,
            "distinctive": self.distinctive,
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


def _is_text(text: Any) -> bool:
    """Whether ``text`` is an answer: a string with a visible character (None and NaN are not)."""
    return isinstance(text, str) and bool(text) and not text.isspace()


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


# --- Category shares ----------------------------------------------------------------------------


def _clean_value(value: Any) -> str | None:
    """The value as stripped text; None, NaN, NA and blanks give None."""
    if value is None:
        return None
    try:
        if value != value:  # NaN and NaT are not equal to themselves
            return None
    except TypeError:  # pandas.NA refuses to be a truth value
        return None
    text = str(value).strip()
    return text or None


def _value_counts(values: Iterable[Any]) -> Counter[str]:
    return Counter(text for text in map(_clean_value, values) if text is not None)


def category_shares(
    member_values: Iterable[Any],
    other_values: Iterable[Any],
    *,
    top: int = 5,
    alpha: float = 0.05,
) -> list[Share]:
    """Shares of a categorical column's values among members vs others, most frequent first.

    Missing and blank values are left out of both counts and denominators. Every value the
    members gave is tested (one-sided Fisher exact: more common among members) and the
    p-values are Holm-adjusted together; the ``top`` most frequent are returned. ``member_ci``
    is the Wilson interval at level ``1 - alpha`` (95% by default).
    """
    if not 0 < alpha < 1:
        raise ConfigError(f"alpha {alpha!r} is invalid.", "Use a number between 0 and 1.")
    members, others = _value_counts(member_values), _value_counts(other_values)
    n_member, n_other = sum(members.values()), sum(others.values())
    if n_member == 0 or top <= 0:
        return []
    values = sorted(members, key=lambda value: (-members[value], value))
    member_counts = np.array([members[value] for value in values])
    pooled = member_counts + np.array([others.get(value, 0) for value in values])
    # Fisher's one-sided p-value: chance of at least this many member answers with the value
    # when the value's answers fall at random between members and others.
    p_values = scipy_stats.hypergeom.sf(member_counts - 1, n_member + n_other, pooled, n_member)
    p_adjusted = adjust([min(max(float(p), 0.0), 1.0) for p in p_values], "holm")
    shares = []
    for value, p_value in zip(values[:top], p_adjusted, strict=False):
        count = members[value]
        member_share = count / n_member
        other_share = others.get(value, 0) / n_other if n_other else 0.0
        ratio = member_share / other_share if other_share > 0 else None
        shares.append(
            Share(
                value=value,
                member_count=count,
                member_share=member_share,
                member_ci=rate_interval(count, n_member, alpha),
                other_share=other_share,
                ratio=ratio,
                p_adjusted=p_value,
                distinctive=p_value < alpha and (ratio is None or ratio > 1.0),
            )
        )
    return shares


# --- Representative quotes ----------------------------------------------------------------------


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


def _check_max_chars(max_chars: int) -> None:
    if max_chars < 2:
        raise ConfigError(f"max_chars {max_chars!r} is too small.", "Use at least 2, e.g. 240.")


# --- One column's answers, prepared once for all groups -----------------------------------------


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
