"""「不注销了，撤回申请」: the customer withdraws their own pending request, of any kind."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
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


@dataclass(frozen=True)
class Withdrawn:
    """A withdrawn request and the state its line is left in, for saying what the withdrawal means."""

    kind: str
    product_id: str | None
    account_status: str | None
    paused_until: date | None = None


def withdraw(session: Session, *, customer_id: str, request_id: int, channel: str) -> Withdrawn | None:
    """`withdraw_request`, returning the request's kind and its line's state afterwards (None: nothing withdrawn).

    Raises:
        bot.service_requests.lifecycle.InvalidTransition: the request is already decided.
    """
    request = withdraw_request(session, customer_id=customer_id, request_id=request_id, channel=channel)
    if request is None:
        return None
    account = queries.get_account(session, request.account_id) if request.account_id else None
    if account is None:
        return Withdrawn(request.kind, None, None)
    return Withdrawn(request.kind, account.product_id, account.status, account.paused_until)
