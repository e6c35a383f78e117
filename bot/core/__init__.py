"""Shared by every journey: account snapshots, the catalog, product choice, formatting, replies as data."""
