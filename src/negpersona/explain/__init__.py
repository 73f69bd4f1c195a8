"""Persona cards: counts, member profiles, survey texts, neutral language, redaction, edits."""
