"""The next repayment an account has coming: what to keep paying while paused or without auto-repay."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import ROUND_HALF_UP, Decimal

from bot.core.accounts import AccountSnapshot

ZERO = Decimal("0")


@dataclass(frozen=True)
class NextRepayment:
    """The earliest amount due on an account (a bill, or one instalment term)."""

    due_date: date
    amount: Decimal


def next_repayment(account: AccountSnapshot) -> NextRepayment | None:
    """The earliest unpaid issued bill or instalment term, or None when nothing is due.

    An instalment term is the remaining amount shared evenly over the remaining
    terms (the schedule itself is not stored).
    """
    candidates = [
        NextRepayment(b.due_date, b.outstanding) for b in account.bills if b.statement_issued and b.outstanding > ZERO
    ]
    for plan in account.instalments:
        if plan.remaining_terms > 0 and plan.remaining_amount > ZERO and plan.next_due_date is not None:
            term = (plan.remaining_amount / plan.remaining_terms).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)
            candidates.append(NextRepayment(plan.next_due_date, term))
    if not candidates:
        return None
    first = min(c.due_date for c in candidates)
    return NextRepayment(first, sum((c.amount for c in candidates if c.due_date == first), ZERO))
