"""Closing a credit line: the eligibility check, the closure request, what to tell the customer."""
