"""Audience exports: normalization, hashing, platform file layouts, selection and safe writing."""

from __future__ import annotations

import csv
import hashlib
import io
import math
import re
from pathlib import Path

import pandas as pd
import pytest

from negpersona.apply import audiences
from negpersona.apply.audiences import (
    CRM_FORMATS,
    EXCLUSION_FORMATS,
    FORMATS,
    audience_frame,
    audience_notes,
    normalize_country,
    normalize_email,
    normalize_phone,
    sha256_hex,
    write_audience,
)
from negpersona.errors import ConfigError, DataError
from negpersona.model import atomic

HEX64 = re.compile(r"[0-9a-f]{64}")

# Meta, Conversions API "Customer Information Parameters" (the normalization Custom Audiences
# use): documented input -> normalized form -> expected SHA-256.
META_EMAIL = ("John_Smith@gmail.com", "john_smith@gmail.com")
META_EMAIL_SHA = "62a14e44f765419d10fea99367361a727c12365e2520f32218d505ed9aa0f62f"
META_PHONE = ("(650)555-1212", "16505551212")  # "US phone number (650)555-1212"
META_PHONE_SHA = "e323ec626319ca94ee8bff2e4c87cf613be6ea19919ed1364124e16807ab3176"
META_COUNTRY = ("United States", "us")
META_COUNTRY_SHA = "79adb2a2fce5c6ba215fe5f27f532d4e7edbac4b6a5e09e1ef3a08084a904621"


def sha(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def series(*values: object) -> pd.Series:
    return pd.Series(list(values), dtype=object)


@pytest.fixture
def leads() -> pd.DataFrame:
    """Six leads: three excluded, one holdout, one target with a persona, one without."""
    return pd.DataFrame(
        {
            "lead_id": ["L1", "L2", "L3", "L4", "L5", "L6"],
            "email": [
                "  John.Doe@Example.COM ",
                "ana@firma.de",
                None,
                "holdout.person@example.com",
                "target.person@example.com",
                "plain@example.com",
            ],
            "phone": [
                "(415) 555-0100",
                "030 123456",
                "020 7946 0958",
                "(415) 555-0199",
                "(415) 555-0188",
                None,
            ],
            "country": ["us", "DE", "GB", "US", "US", None],
            "negative_persona": ["students", "students", "tiny-teams", "students", "x", None],
            "negative_persona_action": [
                "exclude",
                "exclude",
                "exclude",
                "holdout",
                "target",
                "target",
            ],
        }
    )


def ad_kwargs(fmt: str) -> dict:
    kwargs = {"email_column": "email", "country_column": "country", "default_country": "US"}
    if fmt != "linkedin":
        kwargs["phone_column"] = "phone"
    if fmt in ("ids", "hubspot", "salesforce"):
        kwargs = {"id_column": "lead_id"}
    return kwargs


def read_csv_text(path: Path) -> list[list[str]]:
    return list(csv.reader(io.StringIO(path.read_text(encoding="utf-8"))))


# --- normalization ---------------------------------------------------------------------------


def test_email_is_trimmed_and_lowercased_with_dots_kept():
    out = normalize_email(series("  John.Doe@Example.COM ", "first.last+tag@gmail.com"))
    assert out.tolist() == ["john.doe@example.com", "first.last+tag@gmail.com"]


@pytest.mark.parametrize(
    "bad",
    ["not-an-email", "a@b", "a b@c.com", "a@@b.com", "@example.com", "", "  ", None, math.nan],
)
def test_invalid_email_becomes_none(bad):
    assert normalize_email(series(bad)).tolist() == [None]


def test_email_keeps_index_and_missing_values():
    values = pd.Series(["A@B.co", None, "x"], index=[10, 20, 30])
    out = normalize_email(values)
    assert out.index.tolist() == [10, 20, 30]
    assert out.tolist() == ["a@b.co", None, None]


def test_sha256_matches_hashlib_and_keeps_none():
    out = sha256_hex(series("john.doe@example.com", None, "+14155550100"))
    assert out.tolist() == [sha("john.doe@example.com"), None, sha("+14155550100")]
    assert all(HEX64.fullmatch(v) for v in out.dropna())


def test_sha256_of_non_ascii_uses_utf8():
    assert sha256_hex(series("valéry")).iloc[0] == sha("valéry")
    assert sha256_hex(series("valéry")).iloc[0] != hashlib.sha256("valéry".encode("latin-1"))


@pytest.mark.parametrize(
    "raw", ["(415) 555-0100", "415.555.0100", "+1 415 555 0100", "415-555-0100", "1 415 555 0100"]
)
def test_us_phone_formats_give_one_e164(raw):
    assert normalize_phone(series(raw), default_country="US").tolist() == ["+14155550100"]


def test_phone_uses_each_rows_country_before_the_default():
    values = series("020 7946 0958", "030 123456", "(415) 555-0100", "+44 20 7946 0958")
    countries = series("GB", "de", None, "US")  # a + number keeps its own country code
    out = normalize_phone(values, countries, default_country="US")
    assert out.tolist() == ["+442079460958", "+4930123456", "+14155550100", "+442079460958"]


def test_phone_without_any_country_or_valid_number_is_none():
    assert normalize_phone(series("(415) 555-0100")).tolist() == [None]
    assert normalize_phone(series("+1 415 555 0100")).tolist() == ["+14155550100"]
    out = normalize_phone(series("garbage", "123", "", None, "+99 123"), default_country="US")
    assert out.tolist() == [None, None, None, None, None]


def test_phone_numbers_read_as_floats_lose_the_decimal():
    out = normalize_phone(pd.Series([4155550100.0, math.nan]), default_country="US")
    assert out.tolist() == ["+14155550100", None]


def test_phone_parses_each_distinct_value_once(monkeypatch):
    calls = []
    real = audiences._parse_phone

    def counting(number, region):
        calls.append((number, region))
        return real(number, region)

    monkeypatch.setattr(audiences, "_parse_phone", counting)
    values = pd.Series(["(415) 555-0100", "020 7946 0958"] * 500)
    countries = pd.Series(["US", "GB"] * 500)
    out = normalize_phone(values, countries)
    assert len(calls) == 2
    assert out.iloc[0] == "+14155550100" and out.iloc[1] == "+442079460958"


def test_country_accepts_iso_codes_and_unambiguous_spellings_only():
    out = normalize_country(
        series("us", " gb ", "De", "UK", "USA", "U.S.A.", "United States", "united kingdom")
    )
    assert out.tolist() == ["US", "GB", "DE", "GB", "US", "US", "US", "GB"]
    unknown = normalize_country(series("XX", "DEU", "Germany", "", None, 49))
    assert unknown.tolist() == [None] * 6


def test_bad_default_country_is_a_config_error():
    with pytest.raises(ConfigError, match="default_country"):
        normalize_phone(series("(415) 555-0100"), default_country="America")


# --- documented test vectors -----------------------------------------------------------------


def test_meta_documented_vectors_reproduce_exactly():
    records = pd.DataFrame(
        {
            "email": [META_EMAIL[0]],
            "phone": [META_PHONE[0]],
            "country": [META_COUNTRY[0]],
            "negative_persona": ["p"],
            "negative_persona_action": ["exclude"],
        }
    )
    frame = audience_frame(
        records,
        "meta",
        email_column="email",
        phone_column="phone",
        country_column="country",
    )
    assert frame.iloc[0].tolist() == [META_EMAIL_SHA, META_PHONE_SHA, META_COUNTRY_SHA]
    plain = audience_frame(
        records,
        "meta",
        email_column="email",
        phone_column="phone",
        country_column="country",
        hashed=False,
    )
    assert plain.iloc[0].tolist() == [META_EMAIL[1], META_PHONE[1], META_COUNTRY[1]]


def test_meta_vectors_agree_with_hashlib_on_the_documented_rules():
    # The documented rules applied by hand: trim + lowercase; digits with country code, no "+";
    # lowercase ISO-2 country.
    assert sha(META_EMAIL[0].strip().lower()) == META_EMAIL_SHA
    assert sha("1" + re.sub(r"\D", "", META_PHONE[0])) == META_PHONE_SHA
    assert sha("us") == META_COUNTRY_SHA


def test_meta_file_hashes_match_independent_hashlib(leads):
    frame = audience_frame(leads, "meta", **ad_kwargs("meta"))
    expected_emails = {sha("john.doe@example.com"), sha("ana@firma.de")}
    assert set(frame["email"].dropna()) == expected_emails
    expected_phones = {sha("14155550100"), sha("4930123456"), sha("442079460958")}
    assert set(frame["phone"]) == expected_phones
    assert set(frame["country"]) == {sha("us"), sha("de"), sha("gb")}


def test_google_hashes_email_and_e164_phone_with_plus(leads):
    frame = audience_frame(leads, "google", **ad_kwargs("google"))
    first = frame.iloc[0]
    assert first["Email"] == sha("john.doe@example.com")
    assert first["Phone"] == sha("+14155550100")
    assert first["Country"] == "US"  # Google: Country and Zip are never hashed
    assert first["First Name"] == "" and first["Last Name"] == "" and first["Zip"] == ""


# --- file layouts ----------------------------------------------------------------------------


EXPECTED_HEADERS = {
    "ids": ["id"],
    "google": ["Email", "Phone", "First Name", "Last Name", "Country", "Zip"],
    "meta": ["email", "phone", "country"],
    "linkedin": [
        "email",
        "firstname",
        "lastname",
        "jobtitle",
        "employeecompany",
        "country",
        "googleaid",
    ],
    "hubspot": ["Record ID", "negative_persona", "negative_persona_action"],
    "salesforce": ["Id", "Negative_Persona__c", "Negative_Persona_Action__c"],
}


@pytest.mark.parametrize("fmt", FORMATS)
def test_written_headers_are_exactly_as_documented(fmt, leads, tmp_path):
    frame = audience_frame(leads, fmt, **ad_kwargs(fmt))
    path = write_audience(frame, tmp_path / f"{fmt}.csv", fmt)
    raw = path.read_bytes()
    raw.decode("utf-8")  # UTF-8, no BOM
    assert not raw.startswith(b"\xef\xbb\xbf")
    assert read_csv_text(path)[0] == EXPECTED_HEADERS[fmt]


def test_meta_writes_only_the_keys_it_has(leads):
    frame = audience_frame(leads, "meta", email_column="email")
    assert list(frame.columns) == ["email"]
    frame = audience_frame(leads, "meta", phone_column="phone", country_column="country")
    assert list(frame.columns) == ["phone", "country"]


def test_hubspot_keys_on_email_without_an_id_column(leads):
    frame = audience_frame(leads, "hubspot", email_column="email")
    assert list(frame.columns) == ["Email", "negative_persona", "negative_persona_action"]
    assert "john.doe@example.com" in frame["Email"].tolist()


@pytest.mark.parametrize("fmt", ["google", "meta", "linkedin"])
def test_hashed_files_hold_no_raw_personal_data(fmt, leads, tmp_path):
    frame = audience_frame(leads, fmt, **ad_kwargs(fmt))
    text = write_audience(frame, tmp_path / "a.csv", fmt).read_text(encoding="utf-8").lower()
    for email in leads["email"].dropna():
        assert email.strip().lower() not in text
        assert email.strip().lower().split("@")[0] not in text
    for needle in ["@", "4155550100", "123456", "79460958", "+1", "(415)", "555-01"]:
        assert needle not in text
    rows = read_csv_text(tmp_path / "a.csv")[1:]
    hashed_columns = {"google": [0, 1], "meta": [0, 1, 2], "linkedin": [0]}[fmt]
    cells = [row[i] for row in rows for i in hashed_columns if row[i]]
    assert cells and all(HEX64.fullmatch(cell) for cell in cells)


def test_unhashed_files_hold_normalized_plaintext(leads):
    google = audience_frame(leads, "google", hashed=False, **ad_kwargs("google"))
    assert google.iloc[0][["Email", "Phone", "Country"]].tolist() == [
        "john.doe@example.com",
        "+14155550100",
        "US",
    ]
    meta = audience_frame(leads, "meta", hashed=False, **ad_kwargs("meta"))
    assert meta.iloc[0].tolist() == ["john.doe@example.com", "14155550100", "us"]
    assert not any(str(v).startswith("+") for v in meta["phone"].dropna())
    linkedin = audience_frame(leads, "linkedin", hashed=False, **ad_kwargs("linkedin"))
    assert linkedin["email"].tolist() == ["john.doe@example.com", "ana@firma.de"]
    assert linkedin["country"].tolist() == ["US", "DE"]


def test_csv_round_trips_awkward_values(tmp_path):
    records = pd.DataFrame(
        {
            "id": [1.0, 2.0, math.nan],  # an id column with a gap is read as float
            "negative_persona": ['small, "free" plan', "é-persona", "p"],
            "negative_persona_action": ["exclude", "holdout", "exclude"],
        }
    )
    frame = audience_frame(records, "salesforce", id_column="id")
    path = write_audience(frame, tmp_path / "sf.csv", "salesforce")
    back = pd.read_csv(path, dtype=str)
    assert back["Id"].tolist() == ["1", "2"]
    assert back["Negative_Persona__c"].tolist() == ['small, "free" plan', "é-persona"]
    assert frame.attrs["dropped"] == 1


# --- which records go where ------------------------------------------------------------------


@pytest.mark.parametrize("fmt", EXCLUSION_FORMATS)
def test_holdout_and_target_rows_never_reach_an_exclusion_file(fmt, leads, tmp_path):
    kwargs = ad_kwargs(fmt) if fmt != "ids" else {"id_column": "lead_id"}
    frame = audience_frame(leads, fmt, hashed=False, **kwargs)
    text = write_audience(frame, tmp_path / "x.csv", fmt).read_text(encoding="utf-8")
    for lead_id, email, phone in [
        ("L4", "holdout.person@example.com", "4155550199"),
        ("L5", "target.person@example.com", "4155550188"),
        ("L6", "plain@example.com", None),
    ]:
        assert lead_id not in text.split()
        assert email not in text
        if phone:
            assert phone not in text
    assert frame.attrs["selected"] == 3


def test_ids_file_lists_exactly_the_excluded_ids(leads):
    frame = audience_frame(leads, "ids", id_column="lead_id")
    assert frame["id"].tolist() == ["L1", "L2", "L3"]


def test_hashed_exclusion_files_omit_holdout_hashes(leads):
    frame = audience_frame(leads, "google", **ad_kwargs("google"))
    assert sha("holdout.person@example.com") not in set(frame["Email"])
    assert sha("+14155550199") not in set(frame["Phone"])


@pytest.mark.parametrize("fmt", CRM_FORMATS)
def test_crm_files_carry_persona_records_with_their_action(fmt, leads):
    frame = audience_frame(leads, fmt, id_column="lead_id")
    key, persona, action = frame.columns
    rows = {r[key]: (r[persona], r[action]) for _, r in frame.iterrows()}
    assert rows["L1"] == ("students", "exclude")
    assert rows["L3"] == ("tiny-teams", "exclude")
    assert rows["L4"] == ("students", "holdout")
    assert "L6" not in rows  # target without a persona: nothing to write back
    assert set(frame[action]) >= {"exclude", "holdout"}


def test_records_without_identifier_are_dropped_and_counted(leads):
    leads.loc[0, ["email", "phone"]] = [None, "not a phone"]
    frame = audience_frame(leads, "google", **ad_kwargs("google"))
    assert len(frame) == 2 and frame.attrs["dropped"] == 1
    notes = audience_notes("google", len(frame), dropped=frame.attrs["dropped"])
    assert any("1 selected record(s) were left out" in note for note in notes)


# --- notes -----------------------------------------------------------------------------------


@pytest.mark.parametrize("fmt", ["google", "meta", "linkedin"])
def test_ad_platform_notes_warn_that_exclusion_is_leaky_and_delayed(fmt):
    text = " ".join(audience_notes(fmt, 5000))
    assert "leaky" in text and "24-48 h" in text


def test_linkedin_notes_on_the_300_floor():
    small = " ".join(audience_notes("linkedin", 120))
    assert "fewer than 300 rows" in small and "120" in small
    large = " ".join(audience_notes("linkedin", 5000))
    assert "fewer than 300 rows" not in large and "at least 300 members match" in large
    assert any("300,000" in n for n in audience_notes("linkedin", 400_000))


def test_meta_notes_ask_for_a_neutral_name():
    assert any("neutral" in note for note in audience_notes("meta", 5000))
    assert any("fewer than 100" in note for note in audience_notes("meta", 40))


def test_notes_for_an_empty_file():
    assert any("no records" in note for note in audience_notes("ids", 0))


# --- atomic writing --------------------------------------------------------------------------


def test_failed_write_leaves_no_file_behind(monkeypatch, leads, tmp_path):
    frame = audience_frame(leads, "google", **ad_kwargs("google"))

    def refuse(src, dst):
        raise PermissionError(13, "Permission denied")

    monkeypatch.setattr(atomic.os, "replace", refuse)
    target = tmp_path / "out" / "google.csv"
    with pytest.raises(DataError, match="Could not write the google audience") as info:
        write_audience(frame, target, "google")
    assert "writable" in str(info.value)
    assert not target.exists()
    assert list(target.parent.iterdir()) == []  # the temporary file was removed too


def test_failed_write_keeps_the_previous_file(monkeypatch, leads, tmp_path):
    target = tmp_path / "ids.csv"
    target.write_text("id\nOLD\n", encoding="utf-8")
    frame = audience_frame(leads, "ids", id_column="lead_id")

    real_fdopen = atomic.os.fdopen

    class DiskFull:
        """A file handle that writes half of the text, then runs out of space."""

        def __init__(self, *args, **kwargs):
            self.handle = real_fdopen(*args, **kwargs)

        def __enter__(self):
            return self

        def __exit__(self, *exc):
            self.handle.close()

        def write(self, text):
            self.handle.write(text[: len(text) // 2])
            raise OSError(28, "No space left on device")

    monkeypatch.setattr(atomic.os, "fdopen", DiskFull)
    with pytest.raises(DataError, match="No space left on device"):
        write_audience(frame, target, "ids")
    assert target.read_text(encoding="utf-8") == "id\nOLD\n"
    assert [p.name for p in tmp_path.iterdir()] == ["ids.csv"]


# --- bad input -------------------------------------------------------------------------------


def test_unknown_format_lists_the_formats(leads):
    with pytest.raises(ConfigError) as info:
        audience_frame(leads, "tiktok", email_column="email")
    assert all(fmt in str(info.value) for fmt in FORMATS)
    with pytest.raises(ConfigError):
        audience_notes("tiktok", 10)


@pytest.mark.parametrize("fmt", ["google", "meta"])
def test_ad_formats_need_email_or_phone(fmt, leads):
    with pytest.raises(DataError, match="email or a phone column") as info:
        audience_frame(leads, fmt, country_column="country")
    assert "email_column=" in str(info.value)


def test_linkedin_needs_an_email_column(leads):
    with pytest.raises(DataError, match="linkedin audience needs an email column"):
        audience_frame(leads, "linkedin", phone_column="phone")


@pytest.mark.parametrize("fmt", ["ids", "salesforce"])
def test_id_formats_need_an_id_column(fmt, leads):
    with pytest.raises(DataError, match="id column") as info:
        audience_frame(leads, fmt, email_column="email")
    assert "id_column=" in str(info.value)


def test_hubspot_needs_an_id_or_email_column(leads):
    with pytest.raises(DataError, match="record id column"):
        audience_frame(leads, "hubspot", phone_column="phone")


def test_unknown_column_lists_the_available_columns(leads):
    with pytest.raises(DataError) as info:
        audience_frame(leads, "google", email_column="e_mail")
    message = str(info.value)
    assert "'e_mail'" in message and "email_column" in message
    assert "lead_id" in message and "negative_persona_action" in message


def test_missing_decision_columns_are_named(leads):
    with pytest.raises(DataError, match="'negative_persona_action'"):
        audience_frame(leads.drop(columns="negative_persona_action"), "ids", id_column="lead_id")


def test_unknown_action_is_rejected(leads):
    leads.loc[0, "negative_persona_action"] = "exlude"
    with pytest.raises(DataError, match="'exlude'"):
        audience_frame(leads, "ids", id_column="lead_id")


def test_conflicting_duplicate_ids_are_rejected_for_crm(leads):
    leads.loc[1, "lead_id"] = "L1"
    leads.loc[1, "negative_persona"] = "other"
    with pytest.raises(DataError, match="repeats"):
        audience_frame(leads, "hubspot", id_column="lead_id")


def test_writing_a_frame_under_the_wrong_format_is_rejected(leads, tmp_path):
    frame = audience_frame(leads, "google", **ad_kwargs("google"))
    with pytest.raises(DataError, match="not the linkedin headers"):
        write_audience(frame, tmp_path / "x.csv", "linkedin")
    assert not (tmp_path / "x.csv").exists()
