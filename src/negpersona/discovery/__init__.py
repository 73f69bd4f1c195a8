"""The discovery pipeline: composes data, audit, search, explain and the policy choice."""
