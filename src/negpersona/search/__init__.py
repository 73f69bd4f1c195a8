"""The search machinery: column plan, features, the compressed table, bitsets, measures, top-k, selection."""
