"""Keep persona names and texts about fit, never about worth.

A negative persona says "these records are unlikely to convert with the current offer"; it never
says the people or companies behind them are bad. :func:`check_text` reports two kinds of issue:

* ``"judgmental"``: a word or phrase from the maintained list ``explain/judgmental_words.txt``
  (``word_or_phrase<TAB>neutral suggestion``, ``#`` comments), such as "junk", "tire-kickers" or
  "bad fit customers".
* ``"sensitive"``: a term that names a group by gender, age, marital status, religion, ethnicity,
  disability, nationality, sexual orientation or pregnancy, unless that attribute is listed in
  ``allowed_sensitive``.

Matching decisions:

* Case-insensitive, on whole words: a term must not touch another letter or digit. Hyphens,
  underscores, spaces and punctuation are boundaries, so "badge" and "trashcan-free" are fine, while
  "dirt-cheap" and "junk_leads" are flagged.
* Inflections come from simple rules instead of listing every form: the last word of an entry may
  take -s, -es, -ed or -ing (a final "y" may become -ies/-ied; a final "e" may be dropped before
  -ed/-ing; an agent noun with a stem of 4+ letters gives -ing: "freeloader" -> "freeloading"). Comparatives and superlatives are not added, so "cheapest plan" and "cheaper tier"
  describe a product and pass, while "cheap customers" and "cheapskates" are flagged.
* Words of a phrase may be joined by spaces, hyphens, underscores or nothing: "tire-kicker" also
  catches "tire kickers", "tirekickers" and "tire_kickers".
* Overlapping matches keep the longest, so "bad fit customers" reports "bad fit", not "bad".
* Ambiguous everyday words are only flagged in a group sense. "old" and "young" count as age only
  before a people word ("old people", "young adults") or in "years old"; "old version" passes.
  "senior", "junior", "student" and "education" are role or business words and pass; "senior
  citizens" is flagged. "age" is flagged ("age under 30") unless it follows a business noun
  ("account age", "domain age", "lead age"). "single" and "separated" pass (single seat); "married",
  "divorced" and "marital status" are flagged. "white"/"black" are flagged only before a people
  word, so "white paper" and "black friday" pass. Nationality is flagged for group words
  ("foreigners", "immigrants") and plural demonyms ("Germans", "Mexicans"), not for place names or
  languages.

Allowed attributes are named as in :mod:`negpersona.data.sensitive` ("gender", "age", "marital status",
"religion", "ethnicity", "disability", "nationality", "sexual orientation", "pregnancy"). Aliases
("sex", "race", "date of birth", "citizenship") and column-like names ("customer_gender") are
mapped to these; unknown names are ignored, which keeps the check strict.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from functools import cache
from importlib.resources import files

JUDGMENTAL = "judgmental"
SENSITIVE = "sensitive"

# People words that turn an everyday adjective into a group label. "old customers" (previous
# customers) stays neutral, so age only uses the narrow list.
_PEOPLE = r"(?:people|persons?|folks?|adults?|men|women|individuals?)"
_PEOPLE_WIDE = (
    r"(?:people|persons?|folks?|adults?|men|women|individuals?|customers?|users?|buyers?|families)"
)

# attribute -> plain terms (words separated by spaces; an optional -s/-es is added). Terms that
# need context are raw regex fragments in _SENSITIVE_PATTERNS below.
SENSITIVE_TERMS: dict[str, tuple[str, ...]] = {
    "gender": (
        "gender",
        "sex",
        "male",
        "female",
        "man",
        "men",
        "woman",
        "women",
        "boy",
        "girl",
        "lady",
        "ladies",
        "gentleman",
        "gentlemen",
        "mother",
        "father",
        "mom",
        "mum",
        "dad",
        "transgender",
        "non binary",
        "nonbinary",
    ),
    "age": (
        "age",
        "age group",
        "age band",
        "age bracket",
        "age range",
        "years old",
        "year old",
        "elderly",
        "senior citizen",
        "retiree",
        "pensioner",
        "youngster",
        "youth",
        "teen",
        "teenager",
        "millennial",
        "boomer",
        "baby boomer",
        "zoomer",
        "gen z",
        "gen x",
        "gen y",
        "generation z",
        "generation x",
        "middle aged",
        "date of birth",
        "birth year",
    ),
    "marital status": (
        "marital status",
        "marital",
        "married",
        "unmarried",
        "divorced",
        "divorcee",
        "widow",
        "widowed",
        "widower",
        "spouse",
        "husband",
        "wife",
        "wives",
        "single parent",
        "single mother",
        "single father",
        "never married",
        "domestic partner",
    ),
    "religion": (
        "religion",
        "religious",
        "faith",
        "christian",
        "muslim",
        "moslem",
        "islamic",
        "jew",
        "jewish",
        "hindu",
        "buddhist",
        "sikh",
        "atheist",
        "catholic",
        "protestant",
        "mormon",
        "evangelical",
        "churchgoer",
    ),
    "ethnicity": (
        "ethnicity",
        "ethnic",
        "race",
        "racial",
        "caucasian",
        "hispanic",
        "latino",
        "latina",
        "latinx",
        "asian",
        "african american",
        "people of color",
        "minority",
        "minorities",
        "indigenous",
        "aboriginal",
        "arab",
        "gypsy",
        "gypsies",
    ),
    "disability": (
        "disability",
        "disabilities",
        "disabled",
        "handicap",
        "handicapped",
        "wheelchair user",
        "blind",
        "deaf",
        "mentally ill",
        "mental illness",
        "impaired",
        "autistic",
        "special needs",
        "cripple",
        "crippled",
    ),
    "nationality": (
        "nationality",
        "nationalities",
        "citizenship",
        "foreigner",
        "foreign national",
        "immigrant",
        "migrant",
        "expat",
        "expatriate",
        "refugee",
        "non native",
        "americans",
        "canadians",
        "mexicans",
        "brazilians",
        "germans",
        "italians",
        "russians",
        "ukrainians",
        "brits",
        "indians",
        "pakistanis",
        "nigerians",
        "africans",
        "europeans",
        "filipinos",
        "koreans",
        "australians",
    ),
    "sexual orientation": (
        "sexual orientation",
        "gay",
        "lesbian",
        "bisexual",
        "homosexual",
        "heterosexual",
        "lgbt",
        "lgbtq",
        "queer",
    ),
    "pregnancy": ("pregnant", "pregnancy", "expecting mother"),
}

# Raw regex fragments for terms that need context (matched case-insensitively, whole words).
_SENSITIVE_PATTERNS: dict[str, tuple[str, ...]] = {
    "age": (
        rf"(?:old|older|young|younger)[\s_-]*{_PEOPLE}",
        r"\d+[\s_-]*years?[\s_-]*olds?",
        r"aged[\s_-]*\d+",
        r"minors",
    ),
    "ethnicity": (rf"(?:white|black|brown)[\s_-]*{_PEOPLE_WIDE}",),
    "nationality": (
        r"(?:chinese|japanese|vietnamese|french|british|english|irish|spanish|dutch|polish"
        rf"|swiss|turkish)[\s_-]*{_PEOPLE_WIDE}",
        r"aliens",
    ),
}

# "age" right after one of these is a business measure, not a person's age.
_BUSINESS_AGE_WORDS = {
    "account",
    "company",
    "domain",
    "lead",
    "record",
    "contract",
    "subscription",
    "data",
    "page",
    "document",
    "cookie",
    "session",
    "deal",
    "ticket",
    "invoice",
    "device",
    "inventory",
    "listing",
    "email",
    "mailbox",
    "trial",
    "opportunity",
    "cart",
    "asset",
    "file",
    "content",
    "website",
    "site",
    "app",
    "customer",
    "relationship",
    "tenure",
}

_ALIASES = {
    "sex": "gender",
    "race": "ethnicity",
    "ethnic": "ethnicity",
    "religious": "religion",
    "faith": "religion",
    "marital": "marital status",
    "married": "marital status",
    "dob": "age",
    "date of birth": "age",
    "birth": "age",
    "birthdate": "age",
    "birthday": "age",
    "disabled": "disability",
    "handicap": "disability",
    "citizenship": "nationality",
    "orientation": "sexual orientation",
    "pregnant": "pregnancy",
}

_NEUTRAL_SENSITIVE_SUGGESTION = (
    "describe the segment by behavior or fit, or allow the {attr} attribute explicitly"
)


@dataclass(frozen=True)
class LanguageIssue:
    """One problem found in a persona name or text."""

    word: str  # the offending word or phrase as found
    reason: str  # "judgmental" | "sensitive"
    suggestion: str  # a neutral alternative or what to do


@dataclass(frozen=True)
class _Rule:
    pattern: re.Pattern[str]
    reason: str
    suggestion: str
    attribute: str | None = None


_LEFT = r"(?<![^\W_])"  # not preceded by a letter or digit
_RIGHT = r"(?![^\W_])"  # not followed by a letter or digit
_SEP = r"[\s_-]*"


def _inflect(word: str) -> str:
    """A regex for ``word`` plus its simple inflections."""
    w = re.escape(word)
    if len(word) > 2 and word.endswith("y") and word[-2] not in "aeiou":
        return rf"(?:{w}(?:s|ed|ing)?|{re.escape(word[:-1])}(?:ies|ied))"
    if len(word) > 2 and word.endswith("e"):
        return rf"{re.escape(word[:-1])}(?:e|es|ed|ing)"
    if len(word) >= 6 and word.endswith("er"):  # freeloader -> freeloading, not loser -> losing
        return rf"(?:{w}(?:s)?|{re.escape(word[:-2])}ing)"
    return rf"{w}(?:s|es|ed|ing)?"


def _phrase_pattern(phrase: str, *, inflect: bool) -> str:
    words = [w for w in re.split(r"[\s_-]+", phrase.strip().lower()) if w]
    if not words:
        raise ValueError("empty phrase")
    parts = [re.escape(w) for w in words[:-1]]
    last = _inflect(words[-1]) if inflect else rf"{re.escape(words[-1])}(?:s|es)?"
    return _SEP.join([*parts, last])


def _compile(body: str) -> re.Pattern[str]:
    return re.compile(f"{_LEFT}(?:{body}){_RIGHT}", re.IGNORECASE)


def parse_word_list(text: str) -> list[tuple[str, str]]:
    """Parse ``word_or_phrase<TAB>suggestion`` lines; raise ValueError on a malformed line."""
    entries: list[tuple[str, str]] = []
    for number, raw in enumerate(text.splitlines(), start=1):
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        word, sep, suggestion = raw.partition("\t")
        if not sep or not word.strip() or not suggestion.strip():
            raise ValueError(f"judgmental_words.txt line {number}: expected word<TAB>suggestion")
        entries.append((word.strip().lower(), suggestion.strip()))
    return entries


@cache
def judgmental_entries() -> tuple[tuple[str, str], ...]:
    """The maintained ``(word_or_phrase, neutral suggestion)`` list."""
    resource = files("negpersona.explain") / "judgmental_words.txt"
    return tuple(parse_word_list(resource.read_text(encoding="utf-8")))


@cache
def _rules() -> tuple[_Rule, ...]:
    rules = [
        _Rule(_compile(_phrase_pattern(word, inflect=True)), JUDGMENTAL, suggestion)
        for word, suggestion in judgmental_entries()
    ]
    for attr, terms in SENSITIVE_TERMS.items():
        suggestion = _NEUTRAL_SENSITIVE_SUGGESTION.format(attr=attr)
        for term in terms:
            body = _phrase_pattern(term, inflect=False)
            rules.append(_Rule(_compile(body), SENSITIVE, suggestion, attr))
        for body in _SENSITIVE_PATTERNS.get(attr, ()):
            rules.append(_Rule(_compile(body), SENSITIVE, suggestion, attr))
    return tuple(rules)


def normalize_attribute(name: str) -> str | None:
    """Map an attribute or column name to a known sensitive attribute, or None."""
    text = " ".join(re.split(r"[\s_\-.]+", name.strip().lower())).strip()
    if text in SENSITIVE_TERMS:
        return text
    if text in _ALIASES:
        return _ALIASES[text]
    tokens = text.split()
    for attr in SENSITIVE_TERMS:  # multi-word attributes inside a longer name
        if " " in attr and attr in text:
            return attr
    for alias in _ALIASES:
        if " " in alias and alias in text:
            return _ALIASES[alias]
    for token in tokens:
        if token in SENSITIVE_TERMS:
            return token
        if token in _ALIASES:
            return _ALIASES[token]
    return None


def _is_business_age(text: str, start: int, found: str) -> bool:
    """True for "account age", "lead ages", "invoices aged 90 days" and the like."""
    if not re.match(r"ages?$|aged\b", found, re.IGNORECASE):
        return False
    before = re.findall(r"[^\W_]+", text[:start])
    if not before:
        return False
    word = before[-1].lower()
    return word in _BUSINESS_AGE_WORDS or word.removesuffix("s") in _BUSINESS_AGE_WORDS


def check_text(text: str, *, allowed_sensitive: Iterable[str] = ()) -> list[LanguageIssue]:
    """Judgmental words and unallowed sensitive terms in ``text``, in order of appearance."""
    if isinstance(allowed_sensitive, str):
        allowed_sensitive = [allowed_sensitive]
    allowed = {attr for name in allowed_sensitive if (attr := normalize_attribute(name))}
    spans: list[tuple[int, int, _Rule]] = []
    for rule in _rules():
        for match in rule.pattern.finditer(text):
            spans.append((match.start(), match.end(), rule))
    # Longest match first at each position; drop anything overlapping an accepted match.
    spans.sort(key=lambda item: (item[0], -(item[1] - item[0])))
    issues: list[LanguageIssue] = []
    taken_until = -1
    for start, end, rule in spans:
        if start < taken_until:
            continue
        found = text[start:end]
        if rule.reason == SENSITIVE and _is_business_age(text, start, found):
            continue
        taken_until = end
        if rule.attribute is not None and rule.attribute in allowed:
            continue
        issues.append(LanguageIssue(found, rule.reason, rule.suggestion))
    return issues


def is_neutral(text: str, *, allowed_sensitive: Iterable[str] = ()) -> bool:
    """True when ``text`` has no judgmental words and no unallowed sensitive terms."""
    return not check_text(text, allowed_sensitive=allowed_sensitive)


def talking_note() -> str:
    """A short note for persona cards on how to talk about a negative persona."""
    return (
        "How to talk about this persona: these records are unlikely to convert with the current "
        "offer. Describe the segment by its observable attributes and its fit with the offer, "
        "not by the worth of the people or companies in it. Say 'not a fit for the current "
        "offer' or 'lower expected conversion', and remember that a change in the offer, price "
        "or timing can change the fit."
    )
