"""Why personas do not convert: distinguishing terms, category shares and representative quotes."""

from __future__ import annotations

import json
import math
import re
from collections import Counter
from functools import partial

import numpy as np
import pytest
from scipy import stats as scipy_stats
from sklearn.feature_extraction.text import ENGLISH_STOP_WORDS, CountVectorizer

from negpersona.errors import ConfigError
from negpersona.explain.categories import Share, category_shares
from negpersona.explain.corpus import (
    TextCorpus,
    _is_text,
    distinguishing_terms,
    representative_quotes,
)
from negpersona.explain.quotes import (
    _MIN_QUOTE_WORDS,
    _PLACEHOLDER_RE,
    _quote_key,
    _quote_rank,
    _term_weights,
    _truncate,
)
from negpersona.explain.redact import redact
from negpersona.explain.terms import (
    _TOKEN,
    Term,
    _beyond_chance,
    _check_ngram_range,
    _log_odds_z,
    _make_analyzer,
    _min_count,
    _without_nested_duplicates,
)

FILLER = [
    "the product is fine and the team uses it daily",
    "our team looked at the product with the sales rep",
    "we talked to the team about the product roadmap",
    "the product demo went well and the team asked questions",
    "team feedback on the product was mixed overall",
]
MEMBER_REASONS = [
    "it is too expensive for us",
    "the price is too expensive",
    "price went up at renewal",
    "too expensive compared with the budget",
    "price per seat is too expensive",
]
OTHER_REASONS = [
    "missing integration with our crm",
    "the salesforce integration stopped syncing",
    "integration with the api was missing",
    "needed a hubspot integration",
]
NEUTRAL = ["timing did not work out", "we paused the project this quarter"]

OTHER_ONLY_WORDS = {
    "integration",
    "salesforce",
    "crm",
    "api",
    "hubspot",
    "stopped",
    "syncing",
    "missing",
}
FILLER_WORDS = {"product", "team", "fine", "daily", "sales", "rep", "demo", "feedback", "roadmap"}
MEMBER_REASON_WORDS = {"expensive", "too", "price", "went", "renewal", "compared", "budget", "seat"}


def _words(term: Term) -> set[str]:
    return set(term.term.split())


def _answers(rng: np.random.Generator, n: int, reasons: list[str], reason_share: float) -> list:
    """``n`` answers: a filler sentence followed by a group reason or a neutral remark."""
    answers = []
    for _ in range(n):
        filler = FILLER[rng.integers(len(FILLER))]
        pool = reasons if rng.random() < reason_share else NEUTRAL
        answers.append(f"{filler}. {pool[rng.integers(len(pool))]}")
    return answers


@pytest.fixture(scope="module")
def planted() -> tuple[list[str], list[str]]:
    rng = np.random.default_rng(11)
    return _answers(rng, 200, MEMBER_REASONS, 0.7), _answers(rng, 2000, OTHER_REASONS, 0.6)


# --- distinguishing_terms -----------------------------------------------------------------------


def test_planted_terms_come_first_and_others_terms_never_appear(planted):
    members, others = planted
    terms = distinguishing_terms(members, others)
    assert terms, "the planted price reasons should be found"
    assert terms[0].term in {"too expensive", "price", "expensive"}
    for term in terms:
        assert _words(term) <= MEMBER_REASON_WORDS, term
        assert not _words(term) & OTHER_ONLY_WORDS
        assert not _words(term) & FILLER_WORDS
        assert term.z >= 1.96 and term.log_odds > 0
        assert term.member_share > term.other_share
    assert [t.z for t in terms] == sorted((t.z for t in terms), reverse=True)
    assert len(terms) <= 10


def test_term_counts_are_answer_counts(planted):
    members, others = planted
    price = next(t for t in distinguishing_terms(members, others) if t.term == "price")
    contains = [bool(re.search(r"\bprice\b", text)) for text in members]
    assert price.member_docs == sum(contains)
    assert price.member_share == pytest.approx(sum(contains) / len(members))
    other_count = sum(bool(re.search(r"\bprice\b", text)) for text in others)
    assert price.other_share == pytest.approx(other_count / len(others))


def test_the_others_terms_are_found_when_the_groups_swap(planted):
    members, others = planted
    words = set().union(*(_words(t) for t in distinguishing_terms(others, members)))
    assert "integration" in words
    assert not words & MEMBER_REASON_WORDS


def test_frequency_is_not_the_ranking(planted):
    members, others = planted
    counts = Counter(word for text in members for word in re.findall(r"[a-z]+", text.lower()))
    content = [(w, c) for w, c in counts.most_common() if w not in ENGLISH_STOP_WORDS]
    assert {w for w, _ in content[:2]} == {"product", "team"}  # the most frequent content words
    terms = distinguishing_terms(members, others, top=50)
    assert all(not _words(t) & {"product", "team"} for t in terms)


def test_phrase_or_word_is_listed_once():
    # "too expensive" is how members say it: the phrase is kept, the bare word is not repeated.
    members = ["too expensive"] * 30 + ["too expensive for us"] * 10 + ["expensive"] * 5
    others = ["integration missing"] * 300 + ["too expensive"] * 3 + ["fine"] * 100
    listed = [t.term for t in distinguishing_terms(members, others)]
    assert "too expensive" in listed and "expensive" not in listed
    # "slow" in many different phrasings: the word is kept, no single phrase repeats it.
    members = [f"{w} slow" for w in ("support", "export", "sync", "search", "login")] * 8
    others = ["integration missing"] * 300 + ["support fine"] * 50
    listed = [t.term for t in distinguishing_terms(members, others)]
    assert "slow" in listed
    assert not [term for term in listed if term != "slow" and "slow" in term.split()]


def test_modifiers_stay_inside_phrases_and_phrases_use_adjacent_words():
    members = ["not enough seats in the plan", "no api for exports", "price of the plan"] * 20
    others = ["integration missing", "fine overall", "timing"] * 100
    listed = {t.term for t in distinguishing_terms(members, others, top=50)}
    assert {"no api", "enough seats", "plan", "price"} <= listed
    assert not listed & {"not", "no", "enough", "seats", "api"}  # modifiers never alone
    assert "price plan" not in listed  # "of the" sits between them
    trigrams = {t.term for t in distinguishing_terms(members, others, ngram_range=(1, 3))}
    assert "not enough seats" in trigrams


def test_small_persona_still_shows_a_clear_term():
    # 50 members, 2,500 others; "onboarding" in 20% of member answers and 1% of the others.
    # With the textbook prior (a0 = pooled total) z would be about 1.9 and the term would be lost.
    rng = np.random.default_rng(3)
    members = [FILLER[i % 5] for i in range(40)] + ["onboarding took weeks"] * 10
    others = [FILLER[rng.integers(5)] for _ in range(2475)] + ["onboarding took weeks"] * 25
    terms = distinguishing_terms(members, others)
    assert "onboarding" in set().union(*(_words(t) for t in terms))


SYLLABLES = ["ba", "ko", "ri", "mu", "te", "la", "zo", "pi"]
FAKE_WORDS = [a + b + c for a in SYLLABLES for b in SYLLABLES for c in ("n", "x")][:60]


def _same_distribution(seed: int) -> tuple[list[str], list[str]]:
    rng = np.random.default_rng(seed)
    weights = 1.0 / np.arange(1, len(FAKE_WORDS) + 1)
    weights /= weights.sum()

    def answer() -> str:
        return " ".join(rng.choice(FAKE_WORDS, size=rng.integers(4, 12), p=weights))

    return [answer() for _ in range(150)], [answer() for _ in range(1500)]


def test_no_terms_when_members_and_others_write_alike():
    # When no term differs, Benjamini-Hochberg's false discovery rate equals the chance that the
    # list is non-empty, so each run lists something with probability at most 2.5%. Over eight
    # seeds, two or more non-empty runs would happen with probability below 2%.
    assert not set(FAKE_WORDS) & ENGLISH_STOP_WORDS
    non_empty = 0
    for seed in range(8):
        members, others = _same_distribution(seed)
        non_empty += bool(distinguishing_terms(members, others, top=1000))
    assert non_empty <= 1


def test_z_spread_without_difference_does_not_depend_on_group_sizes():
    # The documented reason for a0 = smaller group's total: under "no difference" the spread of z
    # stays near 0.7 from equal groups to 1:50, so z >= 1.96 means the same for every persona.
    rng = np.random.default_rng(5)
    probabilities = 1.0 / np.arange(1, 301)
    probabilities /= probabilities.sum()
    for members, others in [(40_000, 40_000), (4_000, 200_000)]:
        z_values = []
        for _ in range(10):
            member = rng.multinomial(members, probabilities).astype(float)
            other = rng.multinomial(others, probabilities).astype(float)
            z, _ = _log_odds_z(member, other)
            z_values.append(z[member + other >= 5])
        spread = float(np.concatenate(z_values).std())
        assert 0.6 < spread < 0.85, (members, others, spread)


def test_placeholders_never_become_terms_but_real_words_can():
    pii = [
        "contact jane.doe@example.com about renewal",
        "call +44 20 7946 0958 about renewal",
        "ring (415) 555-0100 renewal",
        "reach me 415-555-0100 renewal",
        "try +1 415 555 0100 renewal",
        "see https://example.com/x renewal",
        "see www.example.org renewal",
    ]
    members = pii * 12 + ["too many emails from sales"] * 30
    others = ["integration missing", "fine overall", "one email per week is ok"] * 200
    terms = distinguishing_terms(members, others, top=50)
    words = set().union(*(_words(t) for t in terms))
    assert "emails" in words  # a reason word people wrote
    assert not words & {"email", "phone", "link"}  # these only came from placeholders
    assert not words & {"example", "com", "org", "www", "https", "http", "jane", "doe"}
    assert all(not re.search(r"\d", t.term) for t in terms)
    assert "renewal" in words  # the answers around the masked details still count


def test_digits_only_tokens_are_not_terms():
    members = ["2024 budget cut 50 seats"] * 40
    others = ["integration missing 2023"] * 400
    terms = distinguishing_terms(members, others, top=50)
    assert terms and all(not re.search(r"\d", t.term) for t in terms)


@pytest.mark.parametrize(
    ("members", "others"),
    [
        ([], ["integration missing"] * 5),
        ([None, "", "   ", float("nan")], ["integration missing"] * 5),
        (["too expensive"] * 5, []),
        (["too expensive"], [None]),
        (["the of and", "a an the"], ["to be or not"] * 3),  # stop words only
        (["too expensive"], ["integration missing"]),  # nothing reaches min_df
    ],
)
def test_distinguishing_terms_edge_cases_return_nothing(members, others):
    assert distinguishing_terms(members, others) == []


def test_invalid_ngram_range_is_explained():
    with pytest.raises(ConfigError):
        distinguishing_terms(["a"], ["b"], ngram_range=(2, 1))


def test_term_to_dict_is_json_ready(planted):
    members, others = planted
    data = distinguishing_terms(members, others)[0].to_dict()
    assert set(data) == {"term", "z", "log_odds", "member_docs", "member_share", "other_share"}
    json.dumps(data)


# --- category_shares ----------------------------------------------------------------------------


def test_category_shares_flag_the_planted_category():
    members = ["price"] * 60 + ["timing"] * 20 + ["features"] * 20 + [None, "", "  ", float("nan")]
    others = ["price"] * 200 + ["timing"] * 200 + ["features"] * 600 + [None] * 50
    shares = category_shares(members, others)
    by_value = {share.value: share for share in shares}
    assert [share.value for share in shares] == ["price", "features", "timing"]
    price, timing = by_value["price"], by_value["timing"]
    assert price.member_count == 60 and price.member_share == pytest.approx(0.6)
    assert price.other_share == pytest.approx(0.2) and price.ratio == pytest.approx(3.0)
    assert price.distinctive
    assert timing.member_share == pytest.approx(0.2) and timing.other_share == pytest.approx(0.2)
    assert not timing.distinctive and timing.ratio == pytest.approx(1.0)
    assert not by_value["features"].distinctive
    for share in shares:
        low, high = share.member_ci
        assert low <= share.member_share <= high
    # Holm multiplies the smallest p-value by the number of values tested (3).
    fisher = scipy_stats.fisher_exact([[60, 40], [200, 800]], alternative="greater").pvalue
    assert price.p_adjusted == pytest.approx(min(1.0, 3 * fisher))


def test_competitor_used_only_by_members_is_distinctive():
    members = ["ToolX"] * 12 + ["ToolY"] * 8
    others = ["ToolY"] * 300 + ["ToolZ"] * 300
    shares = {share.value: share for share in category_shares(members, others)}
    assert shares["ToolX"].ratio is None and shares["ToolX"].other_share == 0.0
    assert shares["ToolX"].distinctive
    assert "ToolZ" not in shares  # values the members never gave are not listed


def test_category_shares_top_and_edge_cases():
    shares = category_shares(list("aaabbc"), list("abcabc"), top=2)
    assert [share.value for share in shares] == ["a", "b"]
    assert category_shares([], ["a"]) == []
    assert category_shares([None, " "], ["a"]) == []
    (alone,) = category_shares([" a "], [])
    assert alone.value == "a" and alone.ratio is None and alone.p_adjusted == 1.0
    assert not alone.distinctive
    with pytest.raises(ConfigError):
        category_shares(["a"], ["b"], alpha=1.5)


def test_share_to_dict_is_json_ready():
    (share,) = category_shares(["a"] * 5, ["b"] * 5)
    assert isinstance(share, Share)
    data = share.to_dict()
    assert data["member_ci"] == list(share.member_ci)
    json.dumps(data)


# --- representative_quotes ----------------------------------------------------------------------


def _term(text: str, z: float) -> Term:
    return Term(term=text, z=z, log_odds=1.0, member_docs=5, member_share=0.5, other_share=0.1)


DIVERSE_TERMS = [_term("price", 10.0), _term("budget", 5.0), _term("contract", 4.0)]
DIVERSE_ANSWERS = [
    "The price was the issue",
    "price again",
    "Price, simply price",
    "the price did not fit",
    "price was the blocker",
    "no budget this year",
    "the contract length",
    "we liked the demo",
]


def test_quotes_cover_different_terms():
    quotes = representative_quotes(DIVERSE_ANSWERS, DIVERSE_TERMS)
    assert len(quotes) == 3
    lowered = [quote.lower() for quote in quotes]
    assert sum("price" in quote for quote in lowered) == 1
    assert any("budget" in quote for quote in lowered)
    assert any("contract" in quote for quote in lowered)


def test_quotes_are_deterministic_and_independent_of_order():
    first = representative_quotes(DIVERSE_ANSWERS, DIVERSE_TERMS)
    assert representative_quotes(DIVERSE_ANSWERS, DIVERSE_TERMS) == first
    assert representative_quotes(list(reversed(DIVERSE_ANSWERS)), DIVERSE_TERMS) == first


def test_quotes_are_distinct_after_normalizing():
    answers = ["Too expensive", "too   expensive", "TOO EXPENSIVE.", "too expensive for us"]
    quotes = representative_quotes(answers, [_term("too expensive", 3.0)], k=5)
    assert len(quotes) == 2
    assert len({" ".join(q.lower().strip(".").split()) for q in quotes}) == 2


def test_long_quotes_are_cut_on_a_word_boundary():
    long_answer = "the price " + " ".join(f"word{i}" for i in range(200))
    (quote,) = representative_quotes([long_answer], [_term("price", 3.0)], max_chars=60)
    assert quote.endswith("\u2026") and len(quote) <= 60
    kept = quote[:-1]
    assert long_answer.startswith(kept) and long_answer[len(kept)] == " "
    (single,) = representative_quotes(["x" * 500], [], max_chars=40)
    assert single.endswith("\u2026") and len(single) == 40


def test_quotes_never_show_contact_details():
    answers = [
        "price too high, mail jane.doe@example.com",
        "price: call +44 20 7946 0958",
        "price, ring (415) 555-0100",
        "price 415-555-0100",
        "price +1 415 555 0100",
        "price see https://example.com/x",
        "price see www.example.org",
    ]
    for terms in ([_term("price", 3.0)], []):
        quotes = representative_quotes(answers, terms, k=len(answers))
        # Answers that differ only in the masked number are one quote: "price [phone]".
        assert len(quotes) == 5 and "price [phone]" in quotes
        for quote in quotes:
            assert "@" not in quote and "http" not in quote and "www." not in quote
            assert not re.search(r"7946|0958|555|0100|415", quote), quote
            assert "example" not in quote


def test_without_terms_the_most_common_answers_come_first():
    answers = ["Too expensive", "too expensive", "too expensive!", "switched vendor"] + [
        "Switched vendor",
        "other",
    ]
    quotes = representative_quotes(answers, [])
    assert [q.lower().rstrip("!") for q in quotes] == ["too expensive", "switched vendor", "other"]


def test_quotes_fill_up_with_typical_answers_when_few_contain_terms():
    answers = ["price is high", "timing was off", "timing again"]
    quotes = representative_quotes(answers, [_term("price", 3.0)], k=3)
    assert quotes[0] == "price is high" and len(quotes) == 3


@pytest.mark.parametrize(
    ("answers", "expected"),
    [
        ([], []),
        ([None, "", "  "], []),
        (["[email]"], []),
        (["Only one answer"], ["Only one answer"]),
    ],
)
def test_quote_edge_cases(answers, expected):
    assert representative_quotes(answers, []) == expected
    assert representative_quotes(answers, [_term("answer", 2.0)]) == expected


# --- TextCorpus: prepared once, identical to the per-call functions -----------------------------
#
# The reference below is the per-call implementation that TextCorpus replaced (each call tallied,
# redacted and vectorized its own texts), kept verbatim so the equivalence is checked against the
# original behaviour rather than against the wrappers built on TextCorpus.


def _reference_terms(
    member_texts, other_texts, *, top=10, z_min=1.96, ngram_range=(1, 2), min_df=2
) -> list[Term]:
    ngram_range = _check_ngram_range(ngram_range)
    index: dict[str, int] = {}
    rows = [
        [index.setdefault(text, len(index)) for text in texts if _is_text(text)]
        for texts in (member_texts, other_texts)
    ]
    member_counts, other_counts = (
        np.bincount(np.asarray(r, dtype=np.int64), minlength=len(index)) for r in rows
    )
    n_members, n_others = int(member_counts.sum()), int(other_counts.sum())
    if n_members == 0 or n_others == 0 or top <= 0:
        return []
    vectorizer = CountVectorizer(analyzer=_make_analyzer(ngram_range), binary=True, dtype=np.int64)
    try:
        matrix = vectorizer.fit_transform([redact(text) for text in index]).tocsr()
    except ValueError:
        return []
    vocabulary = vectorizer.get_feature_names_out()
    member_docs = np.asarray(matrix.T @ member_counts, dtype=np.float64)
    other_docs = np.asarray(matrix.T @ other_counts, dtype=np.float64)
    frequent = np.flatnonzero(member_docs + other_docs >= _min_count(min_df, n_members + n_others))
    vocabulary, member_docs, other_docs = (
        vocabulary[frequent],
        member_docs[frequent],
        other_docs[frequent],
    )
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


def _reference_quotes(member_texts, terms, *, k=3, max_chars=240) -> list[str]:
    if max_chars < 2:
        raise ConfigError(f"max_chars {max_chars!r} is too small.", "Use at least 2, e.g. 240.")
    forms: dict[str, str] = {}
    tally: Counter[str] = Counter()
    for text, repeats in Counter(text for text in member_texts if _is_text(text)).items():
        quote = _truncate(" ".join(redact(text).split()), max_chars)
        if not re.search(r"[^\W_]", _PLACEHOLDER_RE.sub("", quote)):
            continue
        key = _quote_key(quote)
        tally[key] += repeats
        forms[key] = min(forms.get(key, quote), quote)
    candidates = {key: (forms[key], tally[key]) for key in forms}
    if not candidates or k <= 0:
        return []
    weights = _term_weights(terms)
    picked: list[str] = []
    if weights:
        analyze = _make_analyzer((1, max(len(term.split()) for term in weights)))
        needles = {term.split()[-1] for term in weights}
        scored = []
        for key, (quote, count) in candidates.items():
            lowered = quote.lower()
            if not any(needle in lowered for needle in needles):
                continue
            found = frozenset(analyze(lowered)) & weights.keys()
            if found:
                words = sum(1 for token in _TOKEN.findall(quote) if token[0].isalnum())
                scored.append((key, quote, count, found, math.sqrt(max(words, _MIN_QUOTE_WORDS))))
        shown: frozenset[str] = frozenset()
        while scored and len(picked) < k:
            best = min(scored, key=partial(_quote_rank, weights=weights, shown=shown))
            scored.remove(best)
            picked.append(best[0])
            shown |= best[3]
    if len(picked) < k:
        analyze = _make_analyzer((1, 1))
        words = {key: set(analyze(quote)) for key, (quote, _) in candidates.items()}
        frequency: Counter[str] = Counter()
        for key, (_, count) in candidates.items():
            for word in words[key]:
                frequency[word] += count

        def rank(key: str) -> tuple[int, float, str]:
            quote, count = candidates[key]
            found = words[key]
            typicality = sum(frequency[word] for word in found) / len(found) if found else 0.0
            return (-count, -typicality, quote)

        chosen = set(picked)
        rest = [key for key in sorted(candidates, key=rank) if key not in chosen]
        picked += rest[: k - len(picked)]
    return [candidates[key][0] for key in picked]


_CONTENT_WORDS = [
    "price", "pricing", "budget", "contract", "integration", "api", "seat", "seats", "renewal",
    "support", "slow", "expensive", "cheap", "feature", "features", "onboarding", "o'reilly",
    "O\u2019Reilly", "company's", "Stra\u00dfe", "STRASSE", "bill", "system", "em", "ok",
]  # fmt: skip
_OTHER_TOKENS = [
    "the", "a", "of", "and", "we", "it", "is", "was", "for", "our", "to", "with", "we're",
    "too", "not", "no", "very", "don't", "can\u2019t", "without", "more", "2024", "50", "$300",
    "v2", "x", ".", ",", "!", ";", "?", "-", "(", ")", "\u2026", "jane.doe@example.com",
    "+44 20 7946 0958", "https://example.com/x", "www.example.org", "[email]", "[phone]",
]  # fmt: skip


def _random_answer(rng: np.random.Generator, topic: int) -> str:
    """A messy answer: words, stop words, modifiers, numbers, punctuation, contact details,
    mixed case and whitespace; about one in twelve is long enough to be cut."""
    size = int(rng.integers(20, 70)) if rng.random() < 0.08 else int(rng.integers(1, 9))
    tokens = []
    for _ in range(size):
        if rng.random() < 0.45:
            # Topics favour different words, so the groups differ.
            choice = topic * 6 + int(rng.integers(0, 6))
            tokens.append(_CONTENT_WORDS[choice if rng.random() < 0.8 else rng.integers(25)])
        else:
            tokens.append(_OTHER_TOKENS[rng.integers(len(_OTHER_TOKENS))])
    text = "".join(
        token + str(rng.choice([" ", " ", " ", "  ", "\n", "\t", ""])) for token in tokens
    )
    if rng.random() < 0.2:
        text = text.upper() if rng.random() < 0.5 else text.capitalize()
    return text


_MISSING = [None, "", "   ", "\n", float("nan")]
_ODD = ["[email]", "jane.doe@example.com", "x" * 300, "price" * 70, "too expensive " * 30]


def _random_corpus(seed: int, n: int) -> tuple[list, np.ndarray]:
    """Answers in row order with duplicates, near-duplicates and missing values; their topics."""
    rng = np.random.default_rng(seed)
    texts: list = []
    answered: list[str] = []
    topics = rng.integers(0, 4, n)
    for topic in topics:
        draw = rng.random()
        if draw < 0.08:
            texts.append(_MISSING[rng.integers(len(_MISSING))])
            continue
        if draw < 0.35 and answered:
            earlier = answered[rng.integers(len(answered))]
            variants = [earlier, earlier.lower(), earlier + ".", " ".join(earlier.split()) + "!"]
            text = variants[rng.integers(len(variants))]
        elif draw < 0.37:
            text = _ODD[rng.integers(len(_ODD))]
        else:
            text = _random_answer(rng, int(topic))
        texts.append(text)
        answered.append(text)
    return texts, topics


def _masks(texts: list, topics: np.ndarray, seed: int) -> list[np.ndarray]:
    rng = np.random.default_rng(seed + 1000)
    n = len(texts)
    blank = np.array([not _is_text(text) for text in texts])
    topic = (topics == seed % 4) & (rng.random(n) < 0.9) | (rng.random(n) < 0.05)
    return [
        # The term matrix is built on the first mask, before the edge cases.
        topic,
        (topics == (seed + 1) % 4) & (rng.random(n) < 0.3),
        rng.random(n) < 0.03,
        rng.random(n) < 0.3,
        rng.random(n) < 0.8,
        np.zeros(n, dtype=bool),  # no members
        np.ones(n, dtype=bool),  # no others
        blank,  # members, but none answered
        ~blank,  # every answer is a member's
    ]


_TERM_SETTINGS = [
    {"top": 10, "z_min": 1.96, "min_df": 2},
    {"top": 3, "z_min": 0.5, "min_df": 1},
    {"top": 25, "z_min": 0.0, "min_df": 0.02},
    {"top": 0, "z_min": 1.0, "min_df": 3},
]
_QUOTE_SETTINGS = [
    {"k": 3, "max_chars": 240},
    {"k": 10, "max_chars": 40},
    {"k": 1, "max_chars": 12},
    {"k": 0, "max_chars": 240},
]
_PLAIN_TERMS = ["price", "Too  Expensive", "o'reilly", "not very cheap", "strasse", "x" * 10, ""]


def _split(texts: list, mask: np.ndarray) -> tuple[list, list]:
    pairs = list(zip(texts, mask, strict=True))
    return [t for t, m in pairs if m], [t for t, m in pairs if not m]


@pytest.mark.parametrize(
    ("seed", "ngram_range"), [(0, (1, 2)), (1, (1, 2)), (2, (1, 1)), (3, (1, 3)), (4, (2, 3))]
)
def test_corpus_gives_exactly_the_per_call_results(seed, ngram_range):
    texts, topics = _random_corpus(seed, 400)
    corpus = TextCorpus(texts, ngram_range=ngram_range)
    quotes_only = TextCorpus(texts)  # quotes without the term matrix ever being built
    assert len(corpus) == len(texts)
    assert corpus.answers == sum(_is_text(text) for text in texts)
    for number, mask in enumerate(_masks(texts, topics, seed)):
        mine, theirs = _split(texts, mask)
        found = []
        for settings in _TERM_SETTINGS:
            expected = _reference_terms(mine, theirs, ngram_range=ngram_range, **settings)
            assert corpus.distinguishing_terms(mask, **settings) == expected, (number, settings)
            assert distinguishing_terms(mine, theirs, ngram_range=ngram_range, **settings) == (
                expected
            )
            found.append(expected)
        for terms in [found[0], found[2], _PLAIN_TERMS, []]:
            for settings in _QUOTE_SETTINGS:
                expected = _reference_quotes(mine, terms, **settings)
                assert corpus.representative_quotes(mask, terms, **settings) == expected, (
                    number,
                    terms,
                    settings,
                )
                assert quotes_only.representative_quotes(mask, terms, **settings) == expected
                assert representative_quotes(mine, terms, **settings) == expected


def test_corpus_checks_its_inputs():
    corpus = TextCorpus(["price", None, "budget"])
    assert len(corpus) == 3 and corpus.answers == 2
    with pytest.raises(ValueError, match="one flag per text"):
        corpus.distinguishing_terms([True, False])
    with pytest.raises(ValueError, match="one flag per text"):
        corpus.representative_quotes(np.ones(4, dtype=bool), [])
    with pytest.raises(ConfigError, match="max_chars"):
        corpus.representative_quotes([True, False, False], [], max_chars=1)
    with pytest.raises(ConfigError, match="ngram_range"):
        TextCorpus(["price"], ngram_range=(2, 1))
    members = np.array([True, False, False])
    assert corpus.distinguishing_terms(members) == _reference_terms(["price"], [None, "budget"])
    with pytest.raises(ConfigError, match="min_df"):
        TextCorpus(["price budget", "price"] * 3).distinguishing_terms(
            [True, False] * 3, min_df=1.5
        )
