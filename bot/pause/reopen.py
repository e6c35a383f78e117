"""Resuming a paused line or reopening a closed one (「暂停的怎么恢复」「关了以后还能再开吗」).

Paused → resume at once after confirmation. Closed → the catalog decides:
a cool-down after closing (`reopen_cooldown_days`), then a reopen request that
an operator reviews (`reopen_requires_review`). Frozen by the platform → not a
user setting: the recorded reason category and a human.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import TYPE_CHECKING

from sqlalchemy.orm import Session

from bot.core.accounts import AccountSnapshot
from bot.db import queries

if TYPE_CHECKING:
    from bot.db.models import ServiceRequest


@dataclass(frozen=True)
class ResumeNow:
    """Paused until `until`; can be resumed at once."""

    until: date | None


@dataclass(frozen=True)
class PauseEnded:
    """The pause ran out by itself (on `until`): the line is usable already."""

    until: date


@dataclass(frozen=True)
class AlreadyActive:
    """Nothing to resume or reopen."""


@dataclass(frozen=True)
class CoolingDown:
    """Closed too recently: a reopen request is possible from `allowed_from`."""

    closed_on: date
    allowed_from: date
    days_left: int


@dataclass(frozen=True)
class CanApply:
    """Closed long enough ago: the customer may ask to reopen."""

    closed_on: date | None
    requires_review: bool


@dataclass(frozen=True)
class ReopenPending:
    """A reopen request is already awaiting review."""

    request_id: int
    submitted_at: datetime


@dataclass(frozen=True)
class ClosurePending:
    """A closure is still under review: withdrawing it keeps the line."""


@dataclass(frozen=True)
class ReopenFrozenByPlatform:
    """The platform froze the line: not a setting the customer can change."""

    reason_code: str | None


ReopenCheck = (
    ResumeNow
    | PauseEnded
    | AlreadyActive
    | CoolingDown
    | CanApply
    | ReopenPending
    | ClosurePending
    | ReopenFrozenByPlatform
)


def check_reopen(account: AccountSnapshot, *, today: date) -> ReopenCheck:
    """Where the customer stands on using `account` again, judged on `today`."""
    if account.status == "paused":
        if account.effective_status(today) == "active" and account.paused_until is not None:
            return PauseEnded(account.paused_until)
        return ResumeNow(account.paused_until)
    if account.status == "frozen_by_platform":
        return ReopenFrozenByPlatform(account.platform_reason_code)
    if account.status == "pending_closure":
        return ClosurePending()
    if account.status != "closed":
        return AlreadyActive()
    return _closed(account, today)


def _closed(account: AccountSnapshot, today: date) -> ReopenCheck:
    pending = [r for r in account.requests if r.kind == "reopen" and r.is_open]
    if pending:
        latest = max(pending, key=lambda r: r.created_at)
        return ReopenPending(latest.id, latest.created_at)
    closed_on = account.closed_on
    if closed_on is not None:
        allowed_from = closed_on + timedelta(days=account.product.reopen_cooldown_days)
        if today < allowed_from:
            return CoolingDown(closed_on, allowed_from, (allowed_from - today).days)
    return CanApply(closed_on, account.product.reopen_requires_review)


@dataclass(frozen=True)
class Resumed:
    """The paused line is active again."""

    product_id: str


@dataclass(frozen=True)
class ReopenSubmitted:
    """A reopen request was created; `reopened` when no review was needed and it is open already."""

    product_id: str
    request_id: int
    reopened: bool


ReopenOutcome = Resumed | ReopenSubmitted


def apply_reopen(
    session: Session, *, customer_id: str, product_id: str, channel: str, today: date
) -> ReopenOutcome | ReopenCheck | None:
    """Resume or request reopening after the customer confirmed; re-checked inside the transaction.

    Returns:
        The outcome, the check that now refuses it (nothing changed), or None
        when the customer holds no such line.
    """
    customer = queries.load_customer(session, customer_id)
    account = customer.account(product_id) if customer else None
    if account is None:
        return None
    check = check_reopen(account, today=today)
    actor = f"customer:{customer_id}"
    if isinstance(check, ResumeNow):
        queries.record_done_request(
            session,
            customer_id=customer_id,
            account_id=account.account_id,
            kind="resume",
            details={"paused_until": check.until.isoformat() if check.until else None},
            channel=channel,
            actor=actor,
        )
        queries.update_account(
            session,
            account_id=account.account_id,
            actor=actor,
            channel=channel,
            action="account_resumed",
            status="active",
            paused_until=None,
        )
        return Resumed(product_id)
    if isinstance(check, CanApply):
        return _submit_reopen(session, account, check, actor=actor, channel=channel)
    return check


def _submit_reopen(
    session: Session, account: AccountSnapshot, check: CanApply, *, actor: str, channel: str
) -> ReopenSubmitted:
    details = {"closed_on": check.closed_on.isoformat() if check.closed_on else None}
    if check.requires_review:
        request = queries.submit_request(
            session,
            customer_id=account.customer_id,
            account_id=account.account_id,
            kind="reopen",
            required_review_levels=1,
            details=details,
            channel=channel,
        )
        return ReopenSubmitted(account.product.id, request.id, reopened=False)
    done = queries.record_done_request(
        session,
        customer_id=account.customer_id,
        account_id=account.account_id,
        kind="reopen",
        details=details,
        channel=channel,
        actor=actor,
    )
    queries.update_account(
        session,
        account_id=account.account_id,
        actor=actor,
        channel=channel,
        action="account_reopened",
        status="active",
        closed_on=None,
    )
    return ReopenSubmitted(account.product.id, done.id, reopened=True)


def review_reopen(
    session: Session, *, request_id: int, approve: bool, operator: str, today: date
) -> ServiceRequest | None:
    """An operator's decision on a reopen request; approval opens the line again.

    Raises InvalidTransition when the request is already decided.
    """
    request = queries.get_request(session, request_id)
    if request is None or request.kind != "reopen":
        return None
    actor = f"operator:{operator}"
    queries.decide_request(session, request=request, approve=approve, actor=actor, channel="cli")
    if request.status == "approved" and request.account_id is not None:
        queries.update_account(
            session,
            account_id=request.account_id,
            actor=actor,
            channel="cli",
            action="account_reopened",
            status="active",
            closed_on=None,
            paused_until=None,
        )
    return request
