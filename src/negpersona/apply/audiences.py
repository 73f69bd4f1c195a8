"""Turn negative-persona decisions into files that ad platforms and CRMs can import.

The caller has already decided, per record, which negative persona it belongs to
(``negative_persona``) and what to do about it (``negative_persona_action``: ``exclude``,
``holdout`` or ``target``). This module only shapes those decisions into upload files:

* Exclusion formats (``ids``, ``google``, ``meta``, ``linkedin``) carry the ``exclude`` records
  and nothing else. Holdout records stay targetable on purpose: they are the comparison group
  that shows whether excluding the persona pays off, so they must never leak into an exclusion
  list.
* CRM formats (``hubspot``, ``salesforce``) carry every record that belongs to a persona, with
  the persona id and the action as properties, so sales and reporting see the same split.

Ad-platform files never contain raw personal data unless the caller asks for it with
``hashed=False``: identifiers are normalized the way each platform documents and then SHA-256
hashed (lowercase hex of the UTF-8 bytes), because a platform can only match a hash of exactly the
string it hashes on its side, and because an unhashed contact list is personal data that should
not sit in a download folder.

Platform rules implemented here, and where they are documented:

* Google Ads Customer Match (support.google.com/google-ads/answer/7659867 "Format your customer
  data file", answer/7476159 "Formatting guidelines for uploading hashed data", answer/7474263
  "About Customer Match data matching"): a UTF-8 CSV whose English headers are a combination of
  ``Email, Phone, First Name, Last Name, Country, Zip``; a file combining email, phone and address
  matching carries all six headers, and cells may stay empty (Google's own template leaves them
  empty). Emails are trimmed and lowercased before SHA-256; phones are E.164 (``+`` and country
  code) before SHA-256; Country and Zip are never hashed. Address matching needs First Name and
  Last Name, which this module never exports, so Google matches these files on Email and Phone.
  Gmail dots are kept: removing them is an enhanced-conversions rule, not a Customer Match one.
  Matching takes up to 48 hours.
* Meta Custom Audiences (developers.facebook.com Marketing API "Customer File Custom Audiences",
  Conversions API "Customer Information Parameters", Business Help Centre 2082575038703844 "How
  to format a customer list"): file keys are lowercase (``email``, ``phone``, ``country``, ...).
  Email: trim, lowercase, SHA-256. Phone: symbols, letters and leading zeros removed, country code
  included, digits only (no ``+``), SHA-256. Country: lowercase ISO 3166-1 alpha-2, SHA-256. The
  documented examples reproduce exactly and are the test vectors in ``tests/test_audiences.py``:
  ``John_Smith@gmail.com`` -> ``62a14e44...0f62f``, ``(650)555-1212`` -> ``16505551212`` ->
  ``e323ec62...b3176``, ``United States`` -> ``us`` -> ``79adb2a2...04621``. Meta asks to avoid
  lists of fewer than 100 people; audience changes usually take up to 24 hours.
* LinkedIn Matched Audiences contact lists (linkedin.com/help/lms/answer/a1489764 "Requirements
  for contact targeting lists", and the Campaign Manager contact template): headers
  ``email,firstname,lastname,jobtitle,employeecompany,country,googleaid`` must not be changed or
  removed, fields may stay blank; emails may be plain or SHA-256 hashed; country is an ISO
  two-letter code. A list needs at least 300 rows to upload and 300 matched members to serve; at
  most 300,000 records or 20 MB; processing takes up to 48 hours.
* HubSpot import (knowledge.hubspot.com "Set up your import files"): records are updated when a
  unique identifier column matches; for contacts that is ``Record ID`` or ``Email``. Write-back
  goes into custom properties whose internal names are ``negative_persona`` and
  ``negative_persona_action``.
* Salesforce Data Import Wizard (help.salesforce.com "What is imported": matching by Salesforce
  ID): the ``Id`` column matches existing records; write-back goes into custom fields
  ``Negative_Persona__c`` and ``Negative_Persona_Action__c``. The wizard takes up to 50,000
  records at a time; Data Loader handles more.

Exclusion through any ad platform is leaky (only the users the platform matches are excluded) and
delayed (24-48 hours of processing): :func:`audience_notes` says so for every export.
"""

from __future__ import annotations

import hashlib
import math
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pandas as pd
import phonenumbers

from negpersona.errors import ConfigError, DataError
from negpersona.model.atomic import write_text

FORMATS = ("ids", "google", "meta", "linkedin", "hubspot", "salesforce")
EXCLUSION_FORMATS = ("ids", "google", "meta", "linkedin")  # only action == 'exclude' rows
CRM_FORMATS = ("hubspot", "salesforce")  # every record in a persona: id + persona + action
ACTIONS = ("exclude", "holdout", "target")

GOOGLE_HEADERS = ("Email", "Phone", "First Name", "Last Name", "Country", "Zip")
META_KEYS = ("email", "phone", "country")
LINKEDIN_HEADERS = (
    "email",
    "firstname",
    "lastname",
    "jobtitle",
    "employeecompany",
    "country",
    "googleaid",
)
IDS_HEADERS = ("id",)
HUBSPOT_PROPERTIES = ("negative_persona", "negative_persona_action")
SALESFORCE_HEADERS = ("Id", "Negative_Persona__c", "Negative_Persona_Action__c")

LINKEDIN_MIN_ROWS = 300
LINKEDIN_MAX_ROWS = 300_000
META_MIN_ROWS = 100
SALESFORCE_WIZARD_MAX_ROWS = 50_000

# ISO 3166-1 alpha-2, the 249 officially assigned codes. Kept here as data so that country
# validation does not depend on the internals of another package.
_ISO_CODES = """
    AD AE AF AG AI AL AM AO AQ AR AS AT AU AW AX AZ BA BB BD BE BF BG BH BI BJ BL BM BN BO BQ BR
    BS BT BV BW BY BZ CA CC CD CF CG CH CI CK CL CM CN CO CR CU CV CW CX CY CZ DE DJ DK DM DO DZ
    EC EE EG EH ER ES ET FI FJ FK FM FO FR GA GB GD GE GF GG GH GI GL GM GN GP GQ GR GS GT GU GW
    GY HK HM HN HR HT HU ID IE IL IM IN IO IQ IR IS IT JE JM JO JP KE KG KH KI KM KN KP KR KW KY
    KZ LA LB LC LI LK LR LS LT LU LV LY MA MC MD ME MF MG MH MK ML MM MN MO MP MQ MR MS MT MU MV
    MW MX MY MZ NA NC NE NF NG NI NL NO NP NR NU NZ OM PA PE PF PG PH PK PL PM PN PR PS PT PW PY
    QA RE RO RS RU RW SA SB SC SD SE SG SH SI SJ SK SL SM SN SO SR SS ST SV SX SY SZ TC TD TF TG
    TH TJ TK TL TM TN TO TR TT TV TW TZ UA UG UM US UY UZ VA VC VE VG VI VN VU WF WS YE YT ZA ZM
    ZW
"""
ISO_COUNTRIES = frozenset(_ISO_CODES.split())

# The few non-ISO spellings that map to one country without doubt. Everything else that is not
# a two-letter ISO code (other names, alpha-3 codes) becomes None rather than a guess.
_COUNTRY_ALIASES = {
    "UK": "GB",  # exceptionally reserved for the United Kingdom in ISO 3166-1
    "USA": "US",
    "UNITED STATES": "US",
    "UNITED STATES OF AMERICA": "US",
    "UNITED KINGDOM": "GB",
    "GREAT BRITAIN": "GB",
}

# One @, no whitespace, a dotted domain without empty labels. Deliberately loose on the local
# part: platforms match whatever the person typed, so only clearly broken values are dropped.
_EMAIL = re.compile(r"[^@\s]+@(?:[^@\s.]+\.)+[^@\s.]+")


# --- normalization ---------------------------------------------------------------------------


def normalize_email(values: pd.Series) -> pd.Series:
    """Trim and lowercase emails; anything that is not an email becomes None.

    Dots and ``+tags`` are kept: Google Customer Match, Meta and LinkedIn all hash the address as
    typed (trimmed, lowercased), and removing Gmail dots would break the match.
    """
    cache: dict[str, str | None] = {}

    def one(value: str | None) -> str | None:
        if value is None:
            return None
        if value not in cache:
            lowered = value.lower()
            cache[value] = lowered if _EMAIL.fullmatch(lowered) else None
        return cache[value]

    return _map(_as_text(values), one)


def normalize_country(values: pd.Series) -> pd.Series:
    """ISO 3166-1 alpha-2 codes in upper case; unknown values become None.

    Two-letter codes are accepted in any case. The only other forms accepted are the unambiguous
    spellings in ``_COUNTRY_ALIASES`` ("UK", "USA", "United States", "United Kingdom", ...);
    guessing at other names or alpha-3 codes could put a person in the wrong country.
    """
    cache: dict[str, str | None] = {}

    def one(value: str | None) -> str | None:
        if value is None:
            return None
        if value not in cache:
            key = " ".join(value.replace(".", "").upper().split())
            code = _COUNTRY_ALIASES.get(key, key)
            cache[value] = code if code in ISO_COUNTRIES else None
        return cache[value]

    return _map(_as_text(values), one)


def normalize_phone(
    values: pd.Series,
    countries: pd.Series | None = None,
    default_country: str | None = None,
) -> pd.Series:
    """E.164 phone numbers (``+14155550100``) parsed with the ``phonenumbers`` library.

    A number written with a leading ``+`` carries its own country code. Any other number is read
    as a national number of the row's country (``countries``, ISO-2 or an accepted alias) or, if
    the row has none, of ``default_country``; without either it cannot be placed and becomes
    None. Numbers that ``phonenumbers`` does not consider valid become None as well, since a
    platform can only match a correctly formatted number.

    Parsing is the slow step, so each distinct (number, country) pair is parsed once.
    """
    default = _check_default_country(default_country)
    text = _as_text(values)
    if countries is None:
        regions = pd.Series(default, index=text.index, dtype=object)
    else:
        aligned = countries if countries.index.equals(text.index) else countries.reindex(text.index)
        regions = normalize_country(aligned)
        regions = _map(regions, lambda c: default if c is None else c)
    pairs = [
        (number, None if number is None or number.startswith("+") else region)
        for number, region in zip(text, regions, strict=True)
    ]
    parsed = {pair: _parse_phone(*pair) for pair in set(pairs)}
    return pd.Series([parsed[pair] for pair in pairs], index=text.index, dtype=object)


def sha256_hex(values: pd.Series) -> pd.Series:
    """Lowercase hex SHA-256 of each value's UTF-8 text; missing values stay None."""
    cache: dict[str, str] = {}

    def one(value: str | None) -> str | None:
        if value is None:
            return None
        if value not in cache:
            cache[value] = hashlib.sha256(value.encode("utf-8")).hexdigest()
        return cache[value]

    return _map(_as_text(values, strip=False), one)


def _parse_phone(number: str | None, region: str | None) -> str | None:
    if number is None or (region is None and not number.startswith("+")):
        return None
    try:
        parsed = phonenumbers.parse(number, region)
    except phonenumbers.NumberParseException:
        return None
    if not phonenumbers.is_valid_number(parsed):
        return None
    return phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.E164)


def _check_default_country(default_country: str | None) -> str | None:
    if default_country is None:
        return None
    code = normalize_country(pd.Series([default_country], dtype=object)).iloc[0]
    if code is None:
        raise ConfigError(
            f"default_country {default_country!r} is not an ISO 3166-1 alpha-2 country code.",
            'Use a two-letter code such as "US", "GB" or "DE".',
        )
    return code


def _map(values: pd.Series, function: Callable[[Any], Any]) -> pd.Series:
    """``function`` over each value, keeping None as None (``Series.map`` may turn it into NaN)."""
    return pd.Series([function(v) for v in values], index=values.index, dtype=object)


def _as_text(values: pd.Series, *, strip: bool = True) -> pd.Series:
    """Values as trimmed strings (object dtype), with None for anything missing or blank.

    Whole-number floats lose their ``.0`` (a phone or id column read with gaps becomes float).
    """

    def one(value: Any) -> str | None:
        if value is None or value is pd.NA or value is pd.NaT:
            return None
        if isinstance(value, float):
            if math.isnan(value):
                return None
            if value.is_integer():
                value = int(value)
        text = str(value)
        if strip:
            text = text.strip()
        return text or None

    return pd.Series([one(v) for v in values], index=values.index, dtype=object)


# --- audience frames -------------------------------------------------------------------------


def audience_frame(
    records: pd.DataFrame,
    fmt: str,
    *,
    id_column: str | None = None,
    email_column: str | None = None,
    phone_column: str | None = None,
    country_column: str | None = None,
    default_country: str | None = None,
    hashed: bool = True,
    persona_column: str = "negative_persona",
    action_column: str = "negative_persona_action",
) -> pd.DataFrame:
    """The rows and columns of one upload file, ready for :func:`write_audience`.

    Exclusion formats keep only records whose action is ``exclude``; CRM formats keep every record
    that has a persona. Records without a usable identifier are left out; how many were selected
    and how many were left out is in ``frame.attrs`` (``selected``, ``dropped``) so the caller can
    pass ``dropped`` on to :func:`audience_notes`.
    """
    fmt = _check_format(fmt)
    _check_columns(
        records,
        {
            "persona_column": persona_column,
            "action_column": action_column,
            "id_column": id_column,
            "email_column": email_column,
            "phone_column": phone_column,
            "country_column": country_column,
        },
    )
    actions = _actions(records, action_column)
    if fmt in EXCLUSION_FORMATS:
        selected = records[(actions == "exclude").to_numpy()]
    else:
        selected = records[_as_text(records[persona_column]).notna().to_numpy()]

    if fmt == "ids":
        frame, dropped = _ids_frame(selected, id_column)
    elif fmt in ("google", "meta", "linkedin"):
        frame, dropped = _ad_frame(
            selected,
            fmt,
            email_column=email_column,
            phone_column=phone_column,
            country_column=country_column,
            default_country=default_country,
            hashed=hashed,
        )
    else:
        frame, dropped = _crm_frame(
            selected,
            fmt,
            id_column=id_column,
            email_column=email_column,
            persona_column=persona_column,
            actions=actions.loc[selected.index],
        )
    frame = frame.reset_index(drop=True)
    frame.attrs = {"format": fmt, "selected": len(selected), "dropped": dropped}
    return frame


def _ids_frame(selected: pd.DataFrame, id_column: str | None) -> tuple[pd.DataFrame, int]:
    if id_column is None:
        raise DataError(
            "The ids audience needs a record id column.",
            "Pass id_column= naming the column that identifies each record.",
        )
    ids = _as_text(selected[id_column])
    frame = pd.DataFrame({"id": ids[ids.notna()]}, dtype=object).drop_duplicates()
    return frame, int(ids.isna().sum())


def _ad_frame(
    selected: pd.DataFrame,
    fmt: str,
    *,
    email_column: str | None,
    phone_column: str | None,
    country_column: str | None,
    default_country: str | None,
    hashed: bool,
) -> tuple[pd.DataFrame, int]:
    if fmt == "linkedin" and email_column is None:
        raise DataError(
            "The linkedin audience needs an email column: LinkedIn contact lists match on email.",
            "Pass email_column= naming the column with email addresses.",
        )
    if email_column is None and phone_column is None:
        raise DataError(
            f"The {fmt} audience needs an email or a phone column.",
            "Pass email_column= and/or phone_column= naming columns in the records.",
        )
    index = selected.index
    empty = pd.Series(None, index=index, dtype=object)
    email = normalize_email(selected[email_column]) if email_column else empty
    phone = (
        normalize_phone(
            selected[phone_column],
            selected[country_column] if country_column else None,
            default_country,
        )
        if phone_column and fmt != "linkedin"
        else empty
    )
    if phone_column is None or fmt == "linkedin":
        _check_default_country(default_country)
    country = normalize_country(selected[country_column]) if country_column else empty

    usable = (email.notna() | phone.notna()).to_numpy()
    email, phone, country = email[usable], phone[usable], country[usable]
    dropped = int((~usable).sum())
    blank = pd.Series("", index=email.index, dtype=object)

    def maybe_hash(values: pd.Series) -> pd.Series:
        return sha256_hex(values) if hashed else values

    if fmt == "google":
        columns = {
            "Email": maybe_hash(email),
            "Phone": maybe_hash(phone),
            "First Name": blank,
            "Last Name": blank,
            "Country": country,
            "Zip": blank,
        }
    elif fmt == "meta":
        columns = {}
        if email_column:
            columns["email"] = maybe_hash(email)
        if phone_column:
            digits = _map(phone, lambda v: None if v is None else v.lstrip("+"))
            columns["phone"] = maybe_hash(digits)
        if country_column:
            lower = _map(country, lambda v: None if v is None else v.lower())
            columns["country"] = maybe_hash(lower)
    else:
        columns = {
            "email": maybe_hash(email),
            "firstname": blank,
            "lastname": blank,
            "jobtitle": blank,
            "employeecompany": blank,
            "country": country,
            "googleaid": blank,
        }
    frame = pd.DataFrame(columns, index=email.index, dtype=object).drop_duplicates()
    return frame, dropped


def _crm_frame(
    selected: pd.DataFrame,
    fmt: str,
    *,
    id_column: str | None,
    email_column: str | None,
    persona_column: str,
    actions: pd.Series,
) -> tuple[pd.DataFrame, int]:
    if fmt == "salesforce" and id_column is None:
        raise DataError(
            "The salesforce file needs a record id column: the import matches on Salesforce Id.",
            "Pass id_column= naming the column with the 15- or 18-character Salesforce ids.",
        )
    if id_column is None and email_column is None:
        raise DataError(
            "The hubspot file needs a record id column (or an email column).",
            "Pass id_column= naming the HubSpot Record ID column, or email_column= to match "
            "contacts by email.",
        )
    if id_column is not None:
        key, key_name = _as_text(selected[id_column]), id_column
    else:
        key, key_name = normalize_email(selected[email_column]), email_column
    if fmt == "hubspot":
        headers = ("Record ID" if id_column is not None else "Email", *HUBSPOT_PROPERTIES)
    else:
        headers = SALESFORCE_HEADERS
    frame = pd.DataFrame(
        {
            headers[0]: key,
            headers[1]: _as_text(selected[persona_column]),
            headers[2]: actions,
        },
        index=selected.index,
        dtype=object,
    )
    has_key = frame[headers[0]].notna().to_numpy()
    frame = frame[has_key].drop_duplicates()
    repeated = frame[headers[0]][frame[headers[0]].duplicated()]
    if len(repeated):
        raise DataError(
            f"Column {key_name!r} repeats {len(repeated)} value(s) with different personas or "
            f"actions, e.g. {repeated.iloc[0]!r}.",
            "Give each record one persona decision (de-duplicate the records) before exporting.",
        )
    return frame, int((~has_key).sum())


def _actions(records: pd.DataFrame, action_column: str) -> pd.Series:
    actions = _map(_as_text(records[action_column]), lambda v: None if v is None else v.lower())
    unknown = sorted({a for a in actions if a is not None and a not in ACTIONS})
    if unknown:
        raise DataError(
            f"Column {action_column!r} has unknown action(s): {', '.join(map(repr, unknown[:5]))}.",
            f"Each record's action must be one of {', '.join(ACTIONS)} (or empty).",
        )
    return actions


def _check_format(fmt: str) -> str:
    if fmt not in FORMATS:
        raise ConfigError(
            f"Unknown audience format {fmt!r}.",
            f"Choose one of: {', '.join(FORMATS)}.",
        )
    return fmt


def _check_columns(records: pd.DataFrame, named: dict[str, str | None]) -> None:
    available = [str(c) for c in records.columns]
    for option, column in named.items():
        if column is not None and column not in records.columns:
            shown = ", ".join(available[:30]) + (" ..." if len(available) > 30 else "")
            raise DataError(
                f"Column {column!r} (given as {option}) is not in the records.",
                f"Available columns: {shown}.",
            )


# --- writing and notes -----------------------------------------------------------------------


def expected_headers(fmt: str) -> tuple[str, ...] | None:
    """The exact header row of a format, or None where it depends on the data (meta, hubspot)."""
    fixed = {
        "ids": IDS_HEADERS,
        "google": GOOGLE_HEADERS,
        "linkedin": LINKEDIN_HEADERS,
        "salesforce": SALESFORCE_HEADERS,
    }
    return fixed.get(_check_format(fmt))


def write_audience(frame: pd.DataFrame, path: str | Path, fmt: str) -> Path:
    """Write ``frame`` as a UTF-8 CSV with the format's exact headers, atomically.

    The file appears complete or not at all (temporary file + rename), so an upload never picks
    up half a list. Missing values are written as empty cells.
    """
    _check_headers(list(frame.columns), fmt)
    path = Path(path)
    text = frame.astype(object).to_csv(index=False, lineterminator="\n", na_rep="")
    try:
        write_text(path, text)
    except OSError as error:
        raise DataError(
            f"Could not write the {fmt} audience to {str(path)!r}: {error.strerror or error}.",
            "Check that the folder exists and is writable, or choose another output path.",
        ) from error
    return path


def _check_headers(columns: list[str], fmt: str) -> None:
    fixed = expected_headers(fmt)
    if fmt == "meta":
        ok = bool(columns) and columns == [k for k in META_KEYS if k in columns]
        wanted = f"a subset of {', '.join(META_KEYS)} in that order"
    elif fmt == "hubspot":
        ok = len(columns) == 3 and columns[0] in ("Record ID", "Email")
        ok = ok and tuple(columns[1:]) == HUBSPOT_PROPERTIES
        wanted = f"Record ID (or Email), {', '.join(HUBSPOT_PROPERTIES)}"
    else:
        ok = tuple(columns) == fixed
        wanted = ", ".join(fixed or ())
    if not ok:
        raise DataError(
            f"This frame's columns ({', '.join(map(str, columns))}) are not the {fmt} headers "
            f"({wanted}).",
            f'Build the frame with audience_frame(records, "{fmt}", ...).',
        )


def audience_notes(fmt: str, rows: int, *, dropped: int = 0) -> list[str]:
    """Plain-language warnings to show next to an exported file.

    ``rows`` is the number of data rows in the file; ``dropped`` the number of selected records
    left out for lack of a usable identifier (``frame.attrs["dropped"]``).
    """
    fmt = _check_format(fmt)
    notes: list[str] = []
    if rows == 0:
        notes.append("The file has no records: nothing to upload.")
    if dropped:
        what = {
            "ids": "no record id",
            "google": "neither a valid email nor a valid phone number",
            "meta": "neither a valid email nor a valid phone number",
            "linkedin": "no valid email",
            "hubspot": "no record id or email",
            "salesforce": "no record id",
        }[fmt]
        notes.append(f"{dropped} selected record(s) were left out because they have {what}.")
    if fmt in ("google", "meta", "linkedin"):
        notes.append(
            "Exclusion is leaky: the platform can exclude only the people it matches to an "
            "account, so some records in this file will still see ads."
        )
        notes.append(
            "Exclusion is delayed: the platform takes 24-48 h to process an upload, and the "
            "exclusion applies only after that."
        )
    if fmt == "ids":
        notes.append(
            "This file lists record ids only; use it to suppress these records in your own "
            "systems. Holdout records are not in it and should stay targetable."
        )
    elif fmt == "google":
        notes.append(
            "Google matches this file on Email and Phone only: names are not exported, and "
            "Country and Zip are used only together with First Name and Last Name."
        )
    elif fmt == "meta":
        notes.append(
            "Keep the audience name neutral (e.g. 'segment-a-exclusion'): Meta flags audience "
            "names that suggest health, financial status or other personal attributes."
        )
        if 0 < rows < META_MIN_ROWS:
            notes.append(
                f"Meta advises against lists of fewer than {META_MIN_ROWS} people; this file "
                f"has {rows}."
            )
    elif fmt == "linkedin":
        if rows < LINKEDIN_MIN_ROWS:
            notes.append(
                f"LinkedIn rejects contact lists with fewer than {LINKEDIN_MIN_ROWS} rows; this "
                f"file has {rows}, so it cannot be uploaded as is."
            )
        if rows > LINKEDIN_MAX_ROWS:
            notes.append(
                f"LinkedIn accepts at most {LINKEDIN_MAX_ROWS:,} records (20 MB) per list; "
                f"split this file of {rows:,} rows."
            )
        notes.append(
            f"LinkedIn serves (and excludes) a list only once at least {LINKEDIN_MIN_ROWS} "
            "members match, however many rows it has."
        )
    elif fmt == "hubspot":
        notes.append(
            "Create the contact properties 'negative_persona' and 'negative_persona_action' in "
            "HubSpot before importing; the import updates existing records by the first column."
        )
    elif fmt == "salesforce":
        notes.append(
            "Create the custom fields Negative_Persona__c and Negative_Persona_Action__c before "
            "importing, and match records by Salesforce ID."
        )
        if rows > SALESFORCE_WIZARD_MAX_ROWS:
            notes.append(
                f"The Data Import Wizard takes at most {SALESFORCE_WIZARD_MAX_ROWS:,} records at "
                f"a time; use Data Loader for these {rows:,} rows."
            )
    if fmt in CRM_FORMATS:
        notes.append(
            "Records with action 'holdout' are the comparison group: keep them in normal "
            "campaigns so the exclusion's effect can be measured."
        )
    return notes
