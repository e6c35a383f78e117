"""Can this account be closed today, and if not, what exactly stands in the way.

`check_closure` is pure: it looks only at an `AccountSnapshot` and a date, and
returns every blocker at once (users should not discover them one per turn).
Each blocker carries raw facts; wording lives in the domain's responses.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal

from bot.core.accounts import AccountSnapshot, LinkedService

ZERO = Decimal("0")


@dataclass(frozen=True)
class AlreadyClosed:
    """The line is closed already."""

    closed_on: date | None


@dataclass(frozen=True)
class RequestPending:
    """A closure request is already under way; a second one would be a duplicate."""

    request_id: int | None
    status: str
    submitted_at: datetime | None


@dataclass(frozen=True)
class FrozenByPlatform:
    """The platform froze the line; the customer cannot self-serve a closure."""

    reason_code: str | None


@dataclass(frozen=True)
class CurrentlyOverdue:
    """Money is overdue now."""

    since: date
    amount: Decimal


@dataclass(frozen=True)
class UnpaidBill:
    """An issued statement with money still owed, not yet past its due date."""

    amount: Decimal
    due_date: date


@dataclass(frozen=True)
class UnbilledSpending:
    """Spending not yet on a statement (未出账), which must also be repaid first."""

    amount: Decimal


@dataclass(frozen=True)
class InstalmentsRemaining:
    """An instalment plan with terms left."""

    description: str
    remaining_terms: int
    remaining_amount: Decimal
    early_settlement_allowed: bool
    next_due_date: date | None


@dataclass(frozen=True)
class OrderPending:
    """A purchase awaiting confirmation of receipt, or a refund still in progress."""

    kind: str
    merchant: str
    amount: Decimal
    expected_settle_on: date | None


Blocker = (
    AlreadyClosed
    | RequestPending
    | FrozenByPlatform
    | CurrentlyOverdue
    | UnpaidBill
    | UnbilledSpending
    | InstalmentsRemaining
    | OrderPending
)


@dataclass(frozen=True)
class ClosureCheck:
    """The answer to "can I close this line?" for one account."""

    product_id: str
    blockers: tuple[Blocker, ...]
    affected_services: tuple[LinkedService, ...]

    @property
    def eligible(self) -> bool:
        """True when nothing blocks a closure request."""
        return not self.blockers

    @property
    def amount_owed(self) -> Decimal:
        """Everything that must be repaid before closing (bills, unbilled, overdue, instalments)."""
        total = ZERO
        for b in self.blockers:
            if isinstance(b, (UnpaidBill, UnbilledSpending, CurrentlyOverdue)):
                total += b.amount
            elif isinstance(b, InstalmentsRemaining):
                total += b.remaining_amount
        return total


def check_closure(account: AccountSnapshot, *, today: date) -> ClosureCheck:
    """List everything that blocks closing `account` on `today`.

    Args:
        account: the customer's line, as loaded from the database.
        today: the business date (due dates and overdue are judged against it).

    Returns:
        All blockers together, plus the bound services a closure would switch off.
    """
    if account.status == "closed":
        blockers: tuple[Blocker, ...] = (AlreadyClosed(account.closed_on),)
        return ClosureCheck(account.product.id, blockers, ())
    found: list[Blocker] = []
    found.extend(_pending_closure(account))
    if account.status == "frozen_by_platform":
        found.append(FrozenByPlatform(account.platform_reason_code))
    found.extend(_debts(account, today))
    found.extend(_instalments(account))
    found.extend(_orders(account, today))
    return ClosureCheck(account.product.id, tuple(found), account.active_services)


def _pending_closure(account: AccountSnapshot) -> list[Blocker]:
    open_closures = [r for r in account.requests if r.kind == "close" and r.is_open]
    if open_closures:
        latest = max(open_closures, key=lambda r: r.created_at)
        return [RequestPending(latest.id, latest.status, latest.created_at)]
    if account.status == "pending_closure":
        return [RequestPending(None, "under_review", None)]
    return []


def _debts(account: AccountSnapshot, today: date) -> list[Blocker]:
    found: list[Blocker] = []
    ongoing = [o for o in account.overdues if o.ended_on is None]
    past_due = [b for b in account.bills if b.statement_issued and b.outstanding > ZERO and b.due_date < today]
    if ongoing:
        found.append(CurrentlyOverdue(min(o.started_on for o in ongoing), sum((o.amount for o in ongoing), ZERO)))
    elif past_due:
        # A past-due bill with no overdue record yet is still overdue from the day after it was due.
        since = min(b.due_date for b in past_due) + timedelta(days=1)
        found.append(CurrentlyOverdue(since, sum((b.outstanding for b in past_due), ZERO)))
    for bill in account.bills:
        if bill.statement_issued and bill.outstanding > ZERO and bill.due_date >= today:
            found.append(UnpaidBill(bill.outstanding, bill.due_date))
    unbilled = sum((b.outstanding for b in account.bills if not b.statement_issued), ZERO)
    if unbilled > ZERO:
        found.append(UnbilledSpending(unbilled))
    return found


def _instalments(account: AccountSnapshot) -> list[Blocker]:
    return [
        InstalmentsRemaining(
            p.description, p.remaining_terms, p.remaining_amount, p.early_settlement_allowed, p.next_due_date
        )
        for p in account.instalments
        if p.remaining_terms > 0 and p.remaining_amount > ZERO
    ]


def _orders(account: AccountSnapshot, today: date) -> list[Blocker]:
    # An order or refund completed today no longer holds any credit.
    return [
        OrderPending(o.kind, o.merchant, o.amount, o.expected_settle_on)
        for o in account.orders
        if o.status == "pending" and not (o.completed_on is not None and o.completed_on <= today)
    ]
