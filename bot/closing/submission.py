"""Closing a credit line: submit, review, apply; what a withdrawn or rejected closure leaves behind.

Every function runs inside the caller's unit of work (one `session_scope`), so
a request, its status changes, the unbinding of services and the audit rows
are written together or not at all. The customer confirms in the dialogue and
enters a one-time code bound to exactly the products confirmed
(`closure_fingerprint`); `submit_verified_closures` consumes that verification
from the database in the same transaction before anything is submitted, so a
conversation that merely claims "verified" closes nothing.

Review (the catalog's `closure_review_levels`): the demo's deterministic first
level re-checks eligibility at submission and approves clean accounts; any
further level waits for an operator (`python -m bot.cli review`, through
bot.service_requests.review). Withdrawing any request is
bot.service_requests.withdrawal.withdraw_request, which calls `restore_account`.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import TYPE_CHECKING

from sqlalchemy.orm import Session

from bot.closing import eligibility as el
from bot.db import queries
from bot.security.verification import Purpose, consume_verification, fingerprint

if TYPE_CHECKING:
    from bot.db.models import ServiceRequest

AUTO_REVIEWER = "system:auto_review"


@dataclass(frozen=True)
class ClosureSubmitted:
    """A closure request was created; `status` is approved (closed now) or under_review."""

    product_id: str
    request_id: int
    status: str
    review_days: int
    services_stopped: int
    service_types: tuple[str, ...] = ()  # kinds of the services unlinked from the closed line


@dataclass(frozen=True)
class ClosureRefused:
    """Nothing was submitted: the account is (no longer) eligible, e.g. a duplicate request."""

    product_id: str
    check: el.ClosureCheck


@dataclass(frozen=True)
class ClosureNotVerified:
    """Nothing was submitted: no fresh, unused verification of this closure exists for the customer."""

    product_ids: tuple[str, ...]


ClosureOutcome = ClosureSubmitted | ClosureRefused


def closure_fingerprint(product_ids: list[str] | tuple[str, ...]) -> str:
    """What a closing code is bound to: exactly these products, in any order."""
    return fingerprint(Purpose.CLOSE, {"products": sorted(set(product_ids))})


def submit_verified_closures(
    session: Session, *, customer_id: str, product_ids: list[str], channel: str, today: date
) -> list[ClosureOutcome] | ClosureNotVerified:
    """Consume the customer's verification of closing exactly `product_ids`, then submit each closure.

    Returns:
        The outcomes of the products the customer holds, or ClosureNotVerified
        (nothing written) when no fresh, unused verification matches.
    """
    verified = consume_verification(
        session, customer_id=customer_id, purpose=Purpose.CLOSE, change=closure_fingerprint(product_ids)
    )
    if not verified:
        return ClosureNotVerified(tuple(product_ids))
    outcomes = (
        submit_closure(session, customer_id=customer_id, product_id=pid, channel=channel, today=today)
        for pid in product_ids
    )
    return [o for o in outcomes if o is not None]


def submit_closure(
    session: Session, *, customer_id: str, product_id: str, channel: str, today: date
) -> ClosureOutcome | None:
    """Submit (and auto-review) a closure of the customer's `product_id` line.

    Eligibility is checked again here, inside the transaction: the account may
    have changed since the customer was told it could be closed.

    Returns:
        The outcome, or None if the customer holds no such account.
    """
    customer = queries.load_customer(session, customer_id)
    account = customer.account(product_id) if customer else None
    if account is None:
        return None
    check = el.check_closure(account, today=today)
    if not check.eligible:
        return ClosureRefused(product_id, check)
    actor = f"customer:{customer_id}"
    request = queries.submit_request(
        session,
        customer_id=customer_id,
        account_id=account.account_id,
        kind="close",
        required_review_levels=account.product.closure_review_levels,
        details={"previous_status": account.status, "product_id": product_id},
        channel=channel,
    )
    queries.update_account(
        session,
        account_id=account.account_id,
        actor=actor,
        channel=channel,
        action="closure_requested",
        status="pending_closure",
    )
    _auto_review(session, request, channel=channel, today=today)
    return ClosureSubmitted(
        product_id=product_id,
        request_id=request.id,
        status=request.status,
        review_days=account.product.closure_review_days,
        services_stopped=len(check.affected_services) if request.status == "approved" else 0,
        service_types=tuple(s.service_type for s in check.affected_services) if request.status == "approved" else (),
    )


def review_closure(
    session: Session, *, request_id: int, approve: bool, operator: str, today: date
) -> ServiceRequest | None:
    """An operator's decision on a pending closure (raises InvalidTransition if it is not pending)."""
    request = queries.get_request(session, request_id)
    if request is None or request.kind != "close":
        return None
    actor = f"operator:{operator}"
    queries.decide_request(session, request=request, approve=approve, actor=actor, channel="cli")
    _settle(session, request, actor=actor, channel="cli", today=today)
    return request


def _auto_review(session: Session, request: ServiceRequest, *, channel: str, today: date) -> None:
    # The first review level is the deterministic demo rule: the account was
    # re-checked as eligible just before submission, so it passes.
    queries.transition_request(
        session, request_id=request.id, action="start_review", actor=AUTO_REVIEWER, channel=channel
    )
    queries.transition_request(session, request_id=request.id, action="approve", actor=AUTO_REVIEWER, channel=channel)
    _settle(session, request, actor=AUTO_REVIEWER, channel=channel, today=today)


def _settle(session: Session, request: ServiceRequest, *, actor: str, channel: str, today: date) -> None:
    if request.status == "approved":
        _apply_closure(session, request, actor=actor, channel=channel, today=today)
    elif request.status == "rejected":
        restore_account(session, request, actor=actor, channel=channel)


def _apply_closure(session: Session, request: ServiceRequest, *, actor: str, channel: str, today: date) -> None:
    account_id = request.account_id
    assert account_id is not None  # closure requests always name an account
    queries.update_account(
        session,
        account_id=account_id,
        actor=actor,
        channel=channel,
        action="account_closed",
        status="closed",
        closed_on=today,
        paused_until=None,
    )
    active = queries.active_service_ids(session, account_id)
    queries.unbind_services(session, service_ids=active, on=today, actor=actor, channel=channel, account_id=account_id)


def restore_account(session: Session, request: ServiceRequest, *, actor: str, channel: str) -> None:
    """A closure that will not happen (rejected or withdrawn): a line pending closure gets its previous status back.

    Any other request leaves its account as it is.
    """
    account = queries.get_account(session, request.account_id) if request.account_id else None
    if account is not None and account.status == "pending_closure":
        previous = (request.details or {}).get("previous_status", "active")
        queries.update_account(
            session, account_id=account.id, actor=actor, channel=channel, action="closure_not_applied", status=previous
        )
