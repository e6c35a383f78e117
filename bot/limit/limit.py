"""Lowering one's own credit limit (「额度太高了想调低」「只给我留一千」).

Only downwards and never below what is used now; raising it back is a
review matter and not self-service. `apply_lower_limit` re-checks inside the
caller's transaction.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from sqlalchemy.orm import Session

from bot.core.accounts import AccountSnapshot
from bot.db import queries

ZERO = Decimal("0")


@dataclass(frozen=True)
class LimitBlocked:
    """The line is closed, frozen or closing: its limit cannot be changed here."""

    status: str


@dataclass(frozen=True)
class NeedAmount:
    """No amount given: ask, saying the current limit and what is used."""

    credit_limit: Decimal
    used: Decimal


@dataclass(frozen=True)
class AmountNotPositive:
    """Zero or less: that is pausing or closing, not a limit."""


@dataclass(frozen=True)
class NotLower:
    """The amount is not below the current limit (raising needs a review)."""

    amount: Decimal
    credit_limit: Decimal


@dataclass(frozen=True)
class BelowUsed:
    """The amount is below what is used now."""

    amount: Decimal
    used: Decimal


@dataclass(frozen=True)
class LimitPlan:
    """The new limit the customer is asked to confirm."""

    old: Decimal
    new: Decimal


LimitCheck = LimitBlocked | NeedAmount | AmountNotPositive | NotLower | BelowUsed | LimitPlan


def check_lower_limit(account: AccountSnapshot, amount: Decimal | None, *, today: date) -> LimitCheck:
    """Whether the limit of `account` can be lowered to `amount` (None: not given yet)."""
    if account.effective_status(today) not in ("active", "paused"):
        return LimitBlocked(account.status)
    if amount is None:
        return NeedAmount(account.credit_limit, account.used_amount)
    if amount <= ZERO:
        return AmountNotPositive()
    if amount >= account.credit_limit:
        return NotLower(amount, account.credit_limit)
    if amount < account.used_amount:
        return BelowUsed(amount, account.used_amount)
    return LimitPlan(account.credit_limit, amount)


@dataclass(frozen=True)
class LimitLowered:
    """The limit was changed."""

    product_id: str
    old: Decimal
    new: Decimal


def apply_lower_limit(
    session: Session, *, customer_id: str, product_id: str, amount: Decimal, channel: str, today: date
) -> LimitLowered | LimitCheck | None:
    """Lower the limit after the customer confirmed; the check that now refuses it, or None if no such line."""
    customer = queries.load_customer(session, customer_id)
    account = customer.account(product_id) if customer else None
    if account is None:
        return None
    check = check_lower_limit(account, amount, today=today)
    if not isinstance(check, LimitPlan):
        return check
    queries.update_account(
        session,
        account_id=account.account_id,
        actor=f"customer:{customer_id}",
        channel=channel,
        action="limit_lowered",
        credit_limit=check.new,
    )
    return LimitLowered(product_id, check.old, check.new)
