"""Data-quality checks run before discovery (leakage, maturity, placeholders, drift ...)."""
