"""Mask emails, phone numbers and links in free-text answers before they reach a report.

Persona cards quote survey answers, churn and loss reasons and interview notes verbatim. Those
reports are shared widely (sales decks, ad-platform audiences, agencies), so they must never carry
a respondent's contact details: privacy rules (GDPR, CCPA) forbid spreading personal data beyond
its purpose, and ad platforms reject audiences and creatives that contain it. ``redact`` replaces
emails with ``[email]``, phone numbers with ``[phone]`` and URLs with ``[link]`` and leaves every
other character alone, so quotes stay readable and ordinary numbers (years, money, percentages,
counts, dates, versions) survive.

Everything uses compiled standard-library ``re`` patterns. Links are masked first (a URL may
contain an email or digits), then emails (a local part may contain digits), then phone numbers.
The placeholders contain no digits, dots or ``@``, so redacting twice changes nothing.

The patterns lean towards privacy where text is ambiguous: a word with a dot followed by a path
(``Node.js/React``) counts as a link. Long digit runs without a leading ``+`` or ``0`` and without
phone-style grouping (order numbers, ``12000000``) are kept. A number of two or more digits
written right after a phone number with only a space between (``+1 415 555 0100 50 seats``) is
read as part of the phone number.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any

EMAIL_PLACEHOLDER = "[email]"
PHONE_PLACEHOLDER = "[phone]"
LINK_PLACEHOLDER = "[link]"

# Characters that may end a sentence or a parenthetical right after a link; they stay outside.
_TRAILING = ".,;:!?'\")]}>"

_URL = re.compile(
    r"""
    (?<![\w@.-])                            # not inside a word, a domain or an email address
    (?:
        https?://[^\s<>"']+                 # explicit scheme, anything up to whitespace
      | www\.[^\s<>"']+                     # www. without a scheme
      | (?:[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}   # bare domain ...
        (?::\d{2,5})?/[^\s<>"']*            # ... only when a path follows (example.com/feedback)
    )
    """,
    re.IGNORECASE | re.VERBOSE,
)

_EMAIL = re.compile(
    r"""
    (?<![\w.%+-])                           # start of the local part
    [a-z0-9._%+-]+                          # local part, incl. dots and +tags
    @
    (?:[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+   # (sub)domains
    [a-z]{2,63}                             # top-level domain; a final period stays outside
    \b
    """,
    re.IGNORECASE | re.VERBOSE,
)

_PHONE = re.compile(
    r"""
    (?<![\w$€£¥.,/+-])                      # not glued to a word, number, currency, date or path
    (?:
        # International: +CC, optional (0), then digit groups (separators optional).
        (?P<intl>\+\d{1,3}(?:[ .-]?\(\d{1,4}\))?[ .-]?\d{1,5}(?:[ .-]?\d{2,5}){0,6})
        # Area code in parentheses: (415) 555-0100, +1 (415) 555 0100.
      | (?P<paren>(?:\+\d{1,3}[ .-]?)?\(\d{2,5}\)[ .-]?\d{3,4}[ .-]?\d{3,4})
        # North American groups 3-3-4 with one consistent separator, optional leading 1.
      | (?P<nanp>(?:1[ .-])?[2-9]\d{2}(?P<sep>[ .-])[2-9]\d{2}(?P=sep)\d{4})
        # National number with trunk prefix 0: 0151 1234 5678, 020 7946 0958.
      | (?P<trunk>0\d{1,4}(?:[ .-]?\d{2,8}){1,3})
    )
    (?![\w%]|[.,/-]\d)                      # not followed by more of a number or a unit
    """,
    re.VERBOSE,
)

# Digit counts a real number has; international numbers have at most 15 digits (E.164).
_DIGIT_RANGE = {"intl": (9, 15), "paren": (7, 15), "nanp": (10, 11), "trunk": (9, 12)}


def _strip_trailing(url: str) -> tuple[str, str]:
    """Split ``url`` into the link and the punctuation that belongs to the sentence."""
    end = len(url)
    while end > 0 and url[end - 1] in _TRAILING:
        char = url[end - 1]
        # Keep a closing paren that balances one inside the link (wiki/Foo_(bar)).
        if char == ")" and url[:end].count("(") >= url[:end].count(")"):
            break
        end -= 1
    return url[:end], url[end:]


def _replace_url(match: re.Match[str]) -> str:
    link, tail = _strip_trailing(match.group(0))
    if not link or link.endswith("://"):
        return match.group(0)
    return LINK_PLACEHOLDER + tail


def _replace_phone(match: re.Match[str]) -> str:
    kind = next(name for name in _DIGIT_RANGE if match.group(name) is not None)
    low, high = _DIGIT_RANGE[kind]
    digits = sum(char.isdigit() for char in match.group(0))
    return PHONE_PLACEHOLDER if low <= digits <= high else match.group(0)


def redact(text: str | None) -> str | None:
    """Replace emails, phone numbers and URLs in ``text`` with placeholders; None stays None."""
    if not text:
        return text
    text = _URL.sub(_replace_url, text)
    text = _EMAIL.sub(EMAIL_PLACEHOLDER, text)
    return _PHONE.sub(_replace_phone, text)


def redact_many(texts: Iterable[str | None]) -> list[str | None]:
    """Redact each text, keeping order and None values."""
    return [redact(text) for text in texts]


def redact_nested(value: Any) -> Any:
    """``value`` with every string inside it (dicts, lists, tuples) redacted.

    Reports build a plain-data model before rendering; redacting the whole model at once means no
    field added later can slip past (record ids that are emails, values copied from the data).
    """
    if isinstance(value, str):
        return redact(value)
    if isinstance(value, dict):
        return {key: redact_nested(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [redact_nested(item) for item in value]
    return value


def contains_pii(text: str | None) -> bool:
    """Whether ``text`` holds an email, phone number or URL that ``redact`` would mask."""
    return bool(text) and redact(text) != text
