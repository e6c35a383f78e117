"""Account database: models, the one place sessions open, and queries."""
