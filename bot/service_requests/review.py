"""An operator's decision on a request: `review_request` dispatches by the request's kind.

Closure, reopen and data-deletion requests wait for an operator (`python -m bot.cli review`);
each kind settles its own way (bot.closing.submission, bot.pause.reopen,
bot.data_deletion.deletion). Requests that took effect at once (pause, resume,
unbind) are never reviewed.
"""

from __future__ import annotations

from datetime import date
from enum import Enum
from typing import TYPE_CHECKING

from sqlalchemy.orm import Session

from bot.closing.submission import review_closure
from bot.data_deletion.deletion import KIND as DATA_DELETION
from bot.data_deletion.deletion import review_data_deletion
from bot.db import queries
from bot.pause.reopen import review_reopen
from bot.service_requests.lifecycle import DEFAULT_REJECTION_REASON, REJECTION_REASONS

if TYPE_CHECKING:
    from bot.db.models import ServiceRequest


class Decision(str, Enum):
    """What the operator decided."""

    APPROVE = "approve"
    REJECT = "reject"


def review_request(
    session: Session,
    *,
    request_id: int,
    decision: Decision,
    operator: str,
    today: date,
    reason: str = DEFAULT_REJECTION_REASON,
) -> ServiceRequest | None:
    """Approve or reject a pending request of a reviewable kind, with what that means for its kind.

    Returns:
        The request, or None when there is no such request or its kind is not
        reviewed by an operator.

    Raises:
        bot.service_requests.lifecycle.InvalidTransition: the request is already decided or withdrawn.
    """
    if reason not in REJECTION_REASONS:
        raise ValueError(f"unknown rejection reason {reason!r}; one of {', '.join(REJECTION_REASONS)}")
    request = queries.get_request(session, request_id)
    kind = request.kind if request is not None else None
    approve = decision is Decision.APPROVE
    decided: ServiceRequest | None = None
    if kind == "close":
        decided = review_closure(session, request_id=request_id, approve=approve, operator=operator, today=today)
    elif kind == "reopen":
        decided = review_reopen(session, request_id=request_id, approve=approve, operator=operator, today=today)
    elif kind == DATA_DELETION:
        decided = review_data_deletion(session, request_id=request_id, approve=approve, operator=operator)
    if decided is not None and decided.status == "rejected":
        queries.record_rejection_reason(session, request=decided, reason=reason)
    return decided
