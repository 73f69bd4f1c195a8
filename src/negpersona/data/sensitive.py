"""Recognize sensitive attributes so they stay out of personas unless the user opts in.

Personas built on gender, ethnicity, religion, age, marital status, disability or nationality
invite discrimination and break ad-platform policies. A column is treated as sensitive when its
name contains a telling word or its most frequent values look like such categories. The user can
allow a column explicitly (``--allow-sensitive age``) or mark more columns as sensitive.
"""

from __future__ import annotations

from negpersona.data.profile import ColumnProfile, name_tokens

NAME_WORDS: dict[str, str] = {
    "gender": "gender",
    "sex": "sex",
    "race": "race",
    "ethnicity": "ethnicity",
    "ethnic": "ethnicity",
    "religion": "religion",
    "religious": "religion",
    "faith": "religion",
    "age": "age",
    "dob": "date of birth",
    "birth": "date of birth",
    "birthday": "date of birth",
    "birthdate": "date of birth",
    "birthyear": "date of birth",
    "marital": "marital status",
    "married": "marital status",
    "disability": "disability",
    "disabled": "disability",
    "handicap": "disability",
    "nationality": "nationality",
    "citizenship": "nationality",
    "pregnant": "pregnancy",
    "pregnancy": "pregnancy",
    "orientation": "sexual orientation",
}

VALUE_SETS: dict[str, set[str]] = {
    "gender": {"male", "female", "man", "woman", "non-binary", "nonbinary", "m", "f"},
    "marital status": {"married", "single", "divorced", "widowed", "separated"},
    "religion": {"christian", "muslim", "jewish", "hindu", "buddhist", "atheist", "catholic"},
    "ethnicity": {"white", "black", "asian", "hispanic", "latino", "caucasian"},
}


def sensitive_reason(profile: ColumnProfile) -> str | None:
    """Why ``profile``'s column looks sensitive, or None."""
    for token in sorted(name_tokens(profile.name)):
        if token in NAME_WORDS:
            return f"looks like {NAME_WORDS[token]} (column name)"
    values = {str(value).strip().lower() for value, _ in profile.top_values}
    for label, known in VALUE_SETS.items():
        hits = values & known
        # Two single letters (m/f) are too weak alone unless they are the column's only values.
        strong = {hit for hit in hits if len(hit) > 1}
        if len(strong) >= 2 or (hits and hits == values and len(values) == 2):
            return f"looks like {label} (values {', '.join(sorted(hits)[:3])})"
    return None
