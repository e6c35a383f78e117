"""The life cycle of a customer request (close, pause, reopen, unbind, data deletion).

    submitted ──start_review──▶ under_review ──approve──▶ approved
        │                           │  └────reject───▶ rejected
        └──────────withdraw─────────┴──withdraw──▶ withdrawn

Multi-level review: `approve` on an under-review request with levels still to
pass keeps it under review and counts the level; the last level approves it.
"""

from __future__ import annotations

from dataclasses import dataclass

TRANSITIONS: dict[tuple[str, str], str] = {
    ("submitted", "start_review"): "under_review",
    ("submitted", "withdraw"): "withdrawn",
    ("under_review", "approve"): "approved",
    ("under_review", "reject"): "rejected",
    ("under_review", "withdraw"): "withdrawn",
}
FINAL_STATUSES = frozenset({"approved", "rejected", "withdrawn"})


class InvalidTransition(ValueError):
    """The request cannot make that move from its current status."""


@dataclass(frozen=True)
class ReviewState:
    """Where a request stands: its status and how many review levels it has passed."""

    status: str
    review_level: int
    required_levels: int


def advance(state: ReviewState, action: str) -> ReviewState:
    """Apply `action` to a request's review state.

    Args:
        state: the current state.
        action: one of start_review, approve, reject, withdraw.

    Returns:
        The new state.

    Raises:
        InvalidTransition: when the move is not allowed from `state.status`.
    """
    target = TRANSITIONS.get((state.status, action))
    if target is None:
        raise InvalidTransition(f"cannot {action} a request that is {state.status}")
    if action == "approve":
        level = state.review_level + 1
        status = "approved" if level >= state.required_levels else "under_review"
        return ReviewState(status, level, state.required_levels)
    return ReviewState(target, state.review_level, state.required_levels)


# Why a request may be rejected. A rejection must say why and what the customer can do
# (for personal data a legal duty: 《个人信息保护法》第50条); each category has its
# response utter_rejection_reason_<category> in domain.yml.
REJECTION_REASONS = ("owed", "risk_assessment", "identity_unverified", "legal_retention", "other")
DEFAULT_REJECTION_REASON = "other"
