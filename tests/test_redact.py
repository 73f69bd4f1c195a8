"""Redaction of emails, phone numbers and links in quoted free text."""

from __future__ import annotations

import numpy as np
import pytest

from negpersona.explain.redact import contains_pii, redact, redact_many

PHONES = [
    "+1 415 555 0100",
    "(415) 555-0100",
    "415-555-0100",
    "415.555.0100",
    "+44 20 7946 0958",
    "+4915112345678",
    "0151 1234 5678",
    "+1 (415) 555-0100",
    "+44 (0)20 7946 0958",
    "+33 1 23 45 67 89",
    "020 7946 0958",
]

EMAILS = [
    "jane@example.com",
    "first.last+tag@mail.example.co.uk",
    "J.Doe_99@Sub.Domain.IO",
]

URLS = [
    "https://example.com",
    "http://example.com/path?utm_source=x&ref=a%20b#top",
    "https://shop.example.co.uk/cart?id=42&sku=ab-9",
    "www.example.org/pricing",
    "www.example.org",
    "example.com/feedback",
    "sub.example.io/form?q=1",
    "HTTPS://EXAMPLE.COM/UPPER",
    "https://en.wikipedia.org/wiki/Foo_(bar)",
]

HARMLESS = [
    "2024",
    "$12,000",
    "12000 USD",
    "€1.200,50",
    "15%",
    "12.5%",
    "50 seats",
    "3 users",
    "2024-05-31",
    "31.05.2024",
    "05/31/2024",
    "v2.3.1",
    "2.3.1",
    "Q3 2024",
    "10:30",
    "1,000,000",
    "12000000",
    "(2024) 100 users",
    "e.g. the i.e. clause",
    "+20%",
    "0.5",
    "ticket #123456",
]


@pytest.mark.parametrize("phone", PHONES)
def test_phone_formats_are_redacted(phone: str) -> None:
    assert redact(phone) == "[phone]"
    assert redact(f"Call me on {phone} please.") == "Call me on [phone] please."
    assert redact(f"Call me on {phone}.") == "Call me on [phone]."
    assert contains_pii(phone)


@pytest.mark.parametrize("email", EMAILS)
def test_emails_are_redacted(email: str) -> None:
    assert redact(email) == "[email]"
    assert redact(f"Write to {email}.") == "Write to [email]."
    assert redact(f"(contact: {email})") == "(contact: [email])"


@pytest.mark.parametrize("url", URLS)
def test_urls_are_redacted(url: str) -> None:
    assert redact(url) == "[link]"
    assert redact(f"See {url}.") == "See [link]."
    assert redact(f"See {url}, then decide") == "See [link], then decide"
    assert redact(f"(see {url})") == "(see [link])"
    assert redact(f"Is it {url}?") == "Is it [link]?"


@pytest.mark.parametrize("text", HARMLESS)
def test_ordinary_numbers_are_kept(text: str) -> None:
    assert redact(text) == text
    assert redact(f"We paid {text} in total.") == f"We paid {text} in total."
    assert not contains_pii(text)


def test_plain_domain_without_path_is_kept() -> None:
    # A bare domain names a company more often than it links somewhere.
    assert redact("We moved to example.com last year.") == "We moved to example.com last year."


def test_mixed_sentence() -> None:
    text = (
        "Churned in 2024 after the $12,000 renewal (50 seats, v2.3.1): email "
        "first.last+tag@mail.example.co.uk or call +44 20 7946 0958, details at "
        "https://example.com/feedback?id=7&src=mail."
    )
    assert redact(text) == (
        "Churned in 2024 after the $12,000 renewal (50 seats, v2.3.1): email "
        "[email] or call [phone], details at [link]."
    )


def test_email_inside_url_becomes_one_link() -> None:
    assert redact("go to https://x.example.com/?u=a@b.com now") == "go to [link] now"


def test_idempotent() -> None:
    texts = [*PHONES, *EMAILS, *URLS, *HARMLESS, "mixed 415-555-0100 and a@b.io at x.io/y."]
    for text in texts:
        once = redact(text)
        assert redact(once) == once


def test_none_and_empty() -> None:
    assert redact(None) is None
    assert redact("") == ""
    assert redact("   ") == "   "
    assert not contains_pii(None)
    assert not contains_pii("")
    assert redact_many([None, "", "a@b.io", "3 users"]) == [None, "", "[email]", "3 users"]
    assert redact_many(iter(())) == []


def test_placeholders_are_not_pii() -> None:
    assert not contains_pii("[email] [phone] [link]")


def _random_pii(rng: np.random.Generator) -> tuple[str, str]:
    """One generated email, phone number or link and the placeholder it must become."""

    def digits(n: int) -> str:
        return "".join(str(d) for d in rng.integers(0, 10, size=n))

    def area() -> str:
        return str(rng.integers(2, 10)) + digits(2)

    kind = int(rng.integers(0, 3))
    if kind == 0:
        local = rng.choice(["jane", "first.last", "j_doe", "sam+crm", "a.b+tag"])
        domain = rng.choice(["example.com", "mail.example.co.uk", "corp.io", "x-y.de"])
        return f"{local}{digits(int(rng.integers(0, 3)))}@{domain}", "[email]"
    if kind == 1:
        formats = [
            lambda: f"+1 {area()} {area()} {digits(4)}",
            lambda: f"({area()}) {area()}-{digits(4)}",
            lambda: f"{area()}-{area()}-{digits(4)}",
            lambda: f"{area()}.{area()}.{digits(4)}",
            lambda: f"+44 20 {digits(4)} {digits(4)}",
            lambda: f"+49151{digits(8)}",
            lambda: f"0151 {digits(4)} {digits(4)}",
        ]
        return formats[int(rng.integers(0, len(formats)))](), "[phone]"
    host = rng.choice(["example.com", "www.example.org", "shop.example.co.uk"])
    path = rng.choice(["", "/feedback", "/a/b?x=1&y=2", "/p?id=" + digits(5)])
    scheme = rng.choice(["https://", "http://", ""])
    if scheme == "" and not host.startswith("www.") and path == "":
        path = "/survey"
    return f"{scheme}{host}{path}", "[link]"


def _random_harmless(rng: np.random.Generator) -> str:
    n = int(rng.integers(1, 500))
    formats = [
        lambda: str(rng.integers(1990, 2031)),
        lambda: f"${n * 1000:,}",
        lambda: f"{n * 100} USD",
        lambda: f"{n % 100}%",
        lambda: f"{n} seats",
        lambda: f"{n % 9 + 1} users",
        lambda: f"{rng.integers(2000, 2031)}-{rng.integers(1, 13):02d}-{rng.integers(1, 29):02d}",
        lambda: f"v{rng.integers(0, 10)}.{rng.integers(0, 20)}.{rng.integers(0, 100)}",
    ]
    return formats[int(rng.integers(0, len(formats)))]()


def test_generated_sentences() -> None:
    rng = np.random.default_rng(20240531)
    joiners = [" and ", ", ", "; then ", " (see ", " or "]
    for _ in range(500):
        parts: list[tuple[str, str | None]] = []
        for _ in range(int(rng.integers(1, 7))):
            if rng.random() < 0.5:
                parts.append(_random_pii(rng))
            else:
                parts.append((_random_harmless(rng), None))
        text, expected = "Reason:", "Reason:"
        for index, (fragment, placeholder) in enumerate(parts):
            joiner = " " if index == 0 else joiners[int(rng.integers(0, len(joiners)))]
            text += joiner + fragment
            expected += joiner + (placeholder or fragment)
        end = rng.choice([".", "!", ")", ""])
        text += end
        expected += end

        redacted = redact(text)
        assert redacted == expected, text
        assert redact(redacted) == redacted
        assert contains_pii(text) == any(placeholder for _, placeholder in parts)
        for fragment, placeholder in parts:
            if placeholder is not None:
                assert fragment not in redacted
