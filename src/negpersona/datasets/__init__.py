"""Built-in data: the seeded demo generator."""
