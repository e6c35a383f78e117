"""Read-only snapshots of a customer's accounts: the seam between DB and rules.

Business rules (eligibility, credit impact) take these frozen values and never
touch the database, so they are unit-tested without one.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal

OPEN_REQUEST_STATUSES = ("submitted", "under_review")


@dataclass(frozen=True)
class ProductInfo:
    """A catalog product and the operator's rules for it."""

    id: str
    display_name: str
    description: str
    kind: str
    aliases: tuple[str, ...] = ()
    reopen_cooldown_days: int = 0
    reopen_requires_review: bool = True
    closure_review_levels: int = 1
    closure_review_days: int = 0
    pause_available: bool = False
    pause_min_days: int | None = None
    pause_max_days: int | None = None


@dataclass(frozen=True)
class BillInfo:
    """A statement (or unbilled spending when `statement_issued` is False)."""

    period: str
    amount: Decimal
    paid_amount: Decimal
    due_date: date
    statement_issued: bool = True

    @property
    def outstanding(self) -> Decimal:
        """What is still owed on this bill (never negative)."""
        return max(self.amount - self.paid_amount, Decimal("0"))


@dataclass(frozen=True)
class Instalment:
    """An instalment plan; settled when no terms remain."""

    description: str
    total_terms: int
    remaining_terms: int
    remaining_amount: Decimal
    next_due_date: date | None
    early_settlement_allowed: bool = True


@dataclass(frozen=True)
class PendingOrderInfo:
    """An unconfirmed purchase or a refund in progress."""

    kind: str  # "order_unconfirmed" | "refund_in_progress"
    merchant: str
    amount: Decimal
    status: str  # "pending" | "completed"
    created_on: date
    expected_settle_on: date | None = None
    completed_on: date | None = None


@dataclass(frozen=True)
class OverdueEpisode:
    """An overdue period; `ended_on` is the repayment date, None while ongoing."""

    started_on: date
    ended_on: date | None
    amount: Decimal


@dataclass(frozen=True)
class LinkedService:
    """A service bound to an account (contract `service` values)."""

    id: int
    service_type: str
    status: str
    merchant: str | None = None
    detail: str | None = None
    unbound_on: date | None = None


@dataclass(frozen=True)
class RequestInfo:
    """A customer's request as the rules need to see it."""

    id: int
    kind: str
    status: str
    created_at: datetime
    account_id: int | None = None
    product_id: str | None = None
    review_level: int = 0
    required_review_levels: int = 1
    # why a rejected request was rejected: a category of bot.service_requests.review.REJECTION_REASONS
    rejection_reason: str | None = None

    @property
    def is_open(self) -> bool:
        """Whether the request still awaits a decision."""
        return self.status in OPEN_REQUEST_STATUSES


@dataclass(frozen=True)
class AccountSnapshot:
    """One credit line with everything the rules look at."""

    account_id: int
    customer_id: str
    product: ProductInfo
    status: str
    credit_limit: Decimal
    used_amount: Decimal
    opened_on: date
    closed_on: date | None = None
    paused_until: date | None = None
    platform_reason_code: str | None = None
    bills: tuple[BillInfo, ...] = ()
    instalments: tuple[Instalment, ...] = ()
    orders: tuple[PendingOrderInfo, ...] = ()
    overdues: tuple[OverdueEpisode, ...] = ()
    services: tuple[LinkedService, ...] = ()
    requests: tuple[RequestInfo, ...] = ()

    def effective_status(self, today: date) -> str:
        """Status as of `today`: a pause ends by itself once `paused_until` has passed."""
        if self.status == "paused" and self.paused_until is not None and self.paused_until < today:
            return "active"
        return self.status

    @property
    def active_services(self) -> tuple[LinkedService, ...]:
        """Services still bound."""
        return tuple(s for s in self.services if s.status == "active")


@dataclass(frozen=True)
class CustomerSnapshot:
    """A customer and all their credit lines."""

    customer_id: str
    name: str
    accounts: tuple[AccountSnapshot, ...] = field(default=())

    def account(self, product_id: str) -> AccountSnapshot | None:
        """The customer's line on `product_id`, if they have one."""
        return next((a for a in self.accounts if a.product.id == product_id), None)
