"""Lowering one's own credit limit."""
