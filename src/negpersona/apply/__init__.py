"""Applying personas: matching records, the exclusion policy, impact, SQL and audience exports."""
