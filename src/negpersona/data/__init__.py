"""Reading data: sources, related tables and event features, roles, the outcome, the split, profiles."""
