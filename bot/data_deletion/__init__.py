"""Deleting personal data: what can go, what the law keeps, the deletion request."""
