"""「不注销了，撤回申请」: the customer withdraws their own pending request, of any kind."""

from __future__ import annotations

from typing import TYPE_CHECKING

from sqlalchemy.orm import Session

from bot.closing.submission import restore_account
from bot.db import queries

if TYPE_CHECKING:
    from bot.db.models import ServiceRequest


def withdraw_request(session: Session, *, customer_id: str, request_id: int, channel: str) -> ServiceRequest | None:
    """Withdraw the customer's own pending request; a line pending closure goes back as it was.

    Only the customer's own request can be withdrawn: another customer's id
    gives None, as does an unknown one.

    Raises:
        bot.service_requests.lifecycle.InvalidTransition: the request is already decided.
    """
    actor = f"customer:{customer_id}"
    request = queries.transition_request(
        session, request_id=request_id, action="withdraw", actor=actor, channel=channel, customer_id=customer_id
    )
    if request is not None:
        restore_account(session, request, actor=actor, channel=channel)
    return request
