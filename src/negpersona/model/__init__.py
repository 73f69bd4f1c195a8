"""The domain objects every stage shares: conditions, personas, the run document, atomic IO."""
