"""Tests for the fit-not-worth language checker."""

from __future__ import annotations

from importlib.resources import files

import pytest

from negpersona.explain.language import (
    JUDGMENTAL,
    SENSITIVE,
    LanguageIssue,
    check_text,
    is_neutral,
    judgmental_entries,
    normalize_attribute,
    parse_word_list,
    talking_note,
)

JUDGMENTAL_NAMES = [
    ("Bad fit customers from paid social", "Bad fit"),
    ("Bad leads, budget band is none", "Bad leads"),
    ("Worthless trial signups", "Worthless"),
    ("Junk leads from content download", "Junk"),
    ("Garbage signups under 3 pages", "Garbage"),
    ("Trash tier, company size under 10", "Trash"),
    ("Losers with personal email", "Losers"),
    ("Lazy browsers, pages viewed under 2", "Lazy"),
    ("Cheap customers on the starter plan", "Cheap"),
    ("Cheapskates with no budget", "Cheapskates"),
    ("Stingy small businesses", "Stingy"),
    ("Dumb questions segment", "Dumb"),
    ("Stupid signups", "Stupid"),
    ("Useless webinar attendees", "Useless"),
    ("Time-wasters from organic search", "Time-wasters"),
    ("Tire kickers, demo requested is no", "Tire kickers"),
    ("Freeloaders on the free plan", "Freeloaders"),
    ("Deadbeats with overdue invoices", "Deadbeats"),
    ("Low-quality leads from events", "Low-quality"),
    ("Low value accounts", "Low value"),
    ("Bottom feeders of the funnel", "Bottom feeders"),
    ("Riff-raff from coupon sites", "Riff-raff"),
    ("Unworthy prospects", "Unworthy"),
    ("Hopeless cases in EMEA", "Hopeless"),
    ("Clueless interns", "Clueless"),
    ("Poor fit, email domain type is education", "Poor fit"),
]

NEUTRAL_NAMES = [
    "Email domain type is education",
    "Company size under 13, budget band is none",
    "Lead source is content download, demo requested is no",
    "Pages viewed under 6",
    "Role seniority is intern, pages viewed under 8",
    "Role seniority is senior, industry is retail",
    "Job title is student, trial started is no",
    "Personal email, company size under 10",
    "Account age under 30 days, plan is free",
    "Lead source is whitepaper download",
    "Downloaded the white paper, no sales call",
    "Uses the old version, no upgrade in 12 months",
    "Chose the cheapest plan, seats under 3",
    "Country is Germany, currency is EUR",
    "Region is APAC, annual revenue under 1M",
    "Badge scanned at event, no follow-up meeting",
    "Signed up on Black Friday promo, no second order",
    "Single seat licence, usage under 2 hours",
    "Budget band is low, timeline is over 12 months",
    "Trial users with under 2 logins",
    "Old customers with a lapsed contract",
    "Unlikely to convert with the current offer: no budget, no decision maker",
    "Bounced email, lead age over 90 days",
    "Invoices aged over 90 days, payment terms net 60",
]


@pytest.mark.parametrize(("name", "word"), JUDGMENTAL_NAMES)
def test_judgmental_names_rejected(name: str, word: str) -> None:
    issues = check_text(name)
    assert not is_neutral(name)
    assert issues[0] == LanguageIssue(word, JUDGMENTAL, issues[0].suggestion)
    assert issues[0].suggestion
    assert is_neutral(issues[0].suggestion)


@pytest.mark.parametrize("name", NEUTRAL_NAMES)
def test_neutral_names_accepted(name: str) -> None:
    assert check_text(name) == []
    assert is_neutral(name)


def test_enough_cases() -> None:
    assert len(JUDGMENTAL_NAMES) >= 20
    assert len(NEUTRAL_NAMES) >= 20


@pytest.mark.parametrize(
    ("text", "word"),
    [
        ("tire-kicker", "tire-kicker"),
        ("tire kickers", "tire kickers"),
        ("Tirekickers", "Tirekickers"),
        ("tire_kickers", "tire_kickers"),
        ("TIME WASTERS", "TIME WASTERS"),
        ("timewaster", "timewaster"),
        ("freeloading", "freeloading"),
        ("freeloaders", "freeloaders"),
        ("trashed accounts", "trashed"),
        ("leeches", "leeches"),
        ("parasites", "parasites"),
        ("hillbillies", "hillbillies"),
        ("junk_leads", "junk"),
        ("dirt-cheap buyers", "cheap"),
        ("riffraff", "riffraff"),
        ("bottom-feeding", "bottom-feeding"),
        ("penny pinching", "penny pinching"),
    ],
)
def test_inflections_and_hyphen_variants(text: str, word: str) -> None:
    issues = check_text(text)
    assert [issue.word for issue in issues] == [word]
    assert issues[0].reason == JUDGMENTAL


@pytest.mark.parametrize(
    "text",
    [
        "badge",
        "trashcan-free",
        "cheapest plan",
        "cheaper tier",
        "dumbbell",
        "foolproof",
        "losing deals",
    ],
)
def test_word_boundaries(text: str) -> None:
    assert is_neutral(text)


def test_longest_phrase_reported_once() -> None:
    issues = check_text("bad fit customers")
    assert [(i.word, i.reason) for i in issues] == [("bad fit", JUDGMENTAL)]


@pytest.mark.parametrize(
    ("text", "attribute"),
    [
        ("Gender is female", "gender"),
        ("Women in procurement", "gender"),
        ("Men aged 45", "gender"),
        ("Age under 30", "age"),
        ("Elderly visitors", "age"),
        ("Young people on mobile", "age"),
        ("Old people with landlines", "age"),
        ("Millennials on the free plan", "age"),
        ("Boomers who call support", "age"),
        ("65 years old and up", "age"),
        ("Married homeowners", "marital status"),
        ("Marital status is single", "marital status"),
        ("Muslim shoppers", "religion"),
        ("Religion is Catholic", "religion"),
        ("Hispanic households", "ethnicity"),
        ("White customers in the midwest", "ethnicity"),
        ("Disabled users", "disability"),
        ("Wheelchair users", "disability"),
        ("Immigrants with prepaid cards", "nationality"),
        ("Germans on the annual plan", "nationality"),
        ("Chinese people in Canada", "nationality"),
    ],
)
def test_sensitive_terms_rejected_unless_allowed(text: str, attribute: str) -> None:
    issues = check_text(text)
    assert issues and all(issue.reason == SENSITIVE for issue in issues)
    assert attribute in issues[0].suggestion
    others = [a for a in ("gender", "age") if a != attribute]
    assert is_neutral(text, allowed_sensitive=[attribute, *others])
    assert not is_neutral(text, allowed_sensitive=["sexual orientation"])


def test_allowed_only_lifts_that_attribute() -> None:
    text = "Junk leads: women over 60, married"
    reasons = {(i.word, i.reason) for i in check_text(text, allowed_sensitive=["gender"])}
    assert reasons == {("Junk", JUDGMENTAL), ("married", SENSITIVE)}


def test_attribute_names_normalized() -> None:
    assert normalize_attribute("Marital_Status") == "marital status"
    assert normalize_attribute("sex") == "gender"
    assert normalize_attribute("customer_gender") == "gender"
    assert normalize_attribute("date of birth") == "age"
    assert normalize_attribute("plan") is None
    assert is_neutral("Gender is male", allowed_sensitive="gender")


def test_word_file_parses() -> None:
    text = (files("negpersona.explain") / "judgmental_words.txt").read_text(encoding="utf-8")
    entries = parse_word_list(text)
    assert 80 <= len(entries) <= 150
    assert entries == list(judgmental_entries())
    for line in text.splitlines():
        if line.strip() and not line.startswith("#"):
            word, tab, suggestion = line.partition("\t")
            assert tab and word.strip() and suggestion.strip(), line
    words = [word for word, _ in entries]
    assert len(words) == len(set(words))
    for expected in ("bad", "worthless", "junk", "tire-kicker", "freeloader", "riff-raff"):
        assert expected in words
    for _, suggestion in entries:
        assert is_neutral(suggestion), suggestion


def test_malformed_line_rejected() -> None:
    with pytest.raises(ValueError, match="line 2"):
        parse_word_list("# comment\nbad without suggestion\n")


def test_talking_note_is_neutral() -> None:
    note = talking_note()
    assert "unlikely to convert with the current offer" in note
    assert check_text(note) == []
