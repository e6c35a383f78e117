"""Pausing a credit line for a while (「先暂停三个月」): rules and the confirmed change.

Pausing is this product's own feature; whether a product offers it and its
bounds (e.g. 7–365 days) come from the catalog. A pause ends by itself once
`paused_until` has passed (`AccountSnapshot.effective_status`), so no
background job is needed; it can also end early (bot.pause.reopen).

`check_pause` is pure; `apply_pause` re-checks inside the caller's transaction
because the account may have changed since the customer confirmed.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

from sqlalchemy.orm import Session

from bot.core.accounts import AccountSnapshot
from bot.core.repayments import NextRepayment, next_repayment
from bot.db import queries


@dataclass(frozen=True)
class PauseNotOffered:
    """The catalog offers no pause for this product."""


@dataclass(frozen=True)
class PauseBlocked:
    """The line cannot be paused in its current status (closed, frozen, closing)."""

    status: str


@dataclass(frozen=True)
class AlreadyPaused:
    """The line is paused already (until `until`)."""

    until: date | None


@dataclass(frozen=True)
class NeedDuration:
    """No usable length was given: ask, saying the bounds."""

    min_days: int
    max_days: int


@dataclass(frozen=True)
class DurationOutOfRange:
    """The length is outside the catalog's bounds."""

    days: int
    min_days: int
    max_days: int


@dataclass(frozen=True)
class PausePlan:
    """The pause the customer is asked to confirm, with what it means for this account."""

    days: int
    until: date
    credit_limit: Decimal
    next_due: NextRepayment | None
    auto_repay_on: bool


PauseCheck = PauseNotOffered | PauseBlocked | AlreadyPaused | NeedDuration | DurationOutOfRange | PausePlan


def check_pause(account: AccountSnapshot, days: int | None, *, today: date) -> PauseCheck:
    """Whether `account` can be paused for `days` from `today`, and if so the plan to confirm.

    Args:
        account: the customer's line.
        days: the requested length in days (None when not given or too vague).
        today: the business date; the pause runs until today + days.
    """
    product = account.product
    if not product.pause_available or product.pause_min_days is None or product.pause_max_days is None:
        return PauseNotOffered()
    status = account.effective_status(today)
    if status == "paused":
        return AlreadyPaused(account.paused_until)
    if status != "active":
        return PauseBlocked(status)
    if days is None:
        return NeedDuration(product.pause_min_days, product.pause_max_days)
    if not product.pause_min_days <= days <= product.pause_max_days:
        return DurationOutOfRange(days, product.pause_min_days, product.pause_max_days)
    return PausePlan(
        days=days,
        until=today + timedelta(days=days),
        credit_limit=account.credit_limit,
        next_due=next_repayment(account),
        auto_repay_on=any(s.service_type == "auto_repay" for s in account.active_services),
    )


@dataclass(frozen=True)
class PauseApplied:
    """The line is paused; `request_id` is the recorded (already approved) request."""

    product_id: str
    until: date
    request_id: int


def apply_pause(
    session: Session, *, customer_id: str, product_id: str, days: int, channel: str, today: date
) -> PauseApplied | PauseCheck | None:
    """Pause the customer's `product_id` line for `days` after their confirmation.

    Returns:
        PauseApplied, or the check that now refuses it (nothing changed),
        or None when the customer holds no such line.
    """
    customer = queries.load_customer(session, customer_id)
    account = customer.account(product_id) if customer else None
    if account is None:
        return None
    check = check_pause(account, days, today=today)
    if not isinstance(check, PausePlan):
        return check
    actor = f"customer:{customer_id}"
    request = queries.record_done_request(
        session,
        customer_id=customer_id,
        account_id=account.account_id,
        kind="pause",
        details={"days": days, "until": check.until.isoformat()},
        channel=channel,
        actor=actor,
    )
    queries.update_account(
        session,
        account_id=account.account_id,
        actor=actor,
        channel=channel,
        action="account_paused",
        status="paused",
        paused_until=check.until,
    )
    return PauseApplied(product_id, check.until, request.id)
