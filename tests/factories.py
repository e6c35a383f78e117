"""Builders for snapshots used by unit tests (no database), and loaders that assert a stored one exists."""

from __future__ import annotations

from datetime import date, datetime, timezone
from decimal import Decimal
from typing import Any

from sqlalchemy.orm import Session

from bot.core.accounts import (
    AccountSnapshot,
    BillInfo,
    CustomerSnapshot,
    Instalment,
    LinkedService,
    OverdueEpisode,
    PendingOrderInfo,
    ProductInfo,
    RequestInfo,
)
from bot.db import models as m
from bot.db.queries import load_customer, open_ticket
from bot.handoff.events import event_message
from bot.handoff.tickets import TicketKind
from bot.security.verification import CodeCheck, CodeSent, Purpose, check_code, issue_code

TODAY = date(2026, 11, 22)
HUABEI = ProductInfo(
    "huabei", "花呗", "消费信用额度", "pay_later", ("花呗", "花被"),
    reopen_cooldown_days=30, reopen_requires_review=True, closure_review_levels=1, closure_review_days=0,
    pause_available=True, pause_min_days=7, pause_max_days=365,
)  # fmt: skip
JIEBEI = ProductInfo(
    "jiebei", "借呗", "现金借款额度", "cash_loan", ("借呗", "借贝"),
    reopen_cooldown_days=30, reopen_requires_review=True, closure_review_levels=2, closure_review_days=3,
    pause_available=True, pause_min_days=7, pause_max_days=365,
)  # fmt: skip


def make_account(product: ProductInfo = HUABEI, **over: Any) -> AccountSnapshot:
    values: dict[str, Any] = {
        "account_id": 1,
        "customer_id": "c1",
        "product": product,
        "status": "active",
        "credit_limit": Decimal("5000"),
        "used_amount": Decimal("0"),
        "opened_on": date(2023, 1, 1),
    }
    values.update(over)
    return AccountSnapshot(**values)


def make_customer(*accounts: AccountSnapshot, customer_id: str = "c1") -> CustomerSnapshot:
    return CustomerSnapshot(customer_id, "测试用户", tuple(accounts))


def bill(amount: str, due: date, paid: str = "0", issued: bool = True) -> BillInfo:
    return BillInfo("2026-11", Decimal(amount), Decimal(paid), due, issued)


def instalment(terms: int, amount: str, early: bool = True) -> Instalment:
    return Instalment("手机分期", 12, terms, Decimal(amount), date(2026, 12, 1), early)


def order(kind: str = "refund_in_progress", status: str = "pending", completed: date | None = None) -> PendingOrderInfo:
    return PendingOrderInfo(
        kind, "优选家电旗舰店", Decimal("1299.00"), status, date(2026, 11, 20), date(2026, 11, 25), completed
    )


def overdue(start: date, end: date | None, amount: str = "100") -> OverdueEpisode:
    return OverdueEpisode(start, end, Decimal(amount))


def service(kind: str, merchant: str | None = None, status: str = "active", id: int = 1) -> LinkedService:
    return LinkedService(id, kind, status, merchant)


def request(
    kind: str = "close", status: str = "under_review", id: int = 7, day: date = date(2026, 11, 20)
) -> RequestInfo:
    return RequestInfo(id, kind, status, datetime(day.year, day.month, day.day, 10, tzinfo=timezone.utc), 1, "huabei")


def stored_customer(session: Session, customer_id: str) -> CustomerSnapshot:
    """The stored customer's snapshot; fails the test when there is no such customer."""
    customer = load_customer(session, customer_id)
    assert customer is not None, f"no customer {customer_id!r} in the test database"
    return customer


def stored_account(session: Session, customer_id: str, product_id: str) -> AccountSnapshot:
    """The stored customer's line on one product; fails the test when there is none."""
    account = stored_customer(session, customer_id).account(product_id)
    assert account is not None, f"{customer_id!r} has no {product_id} line"
    return account


class CodeRecorder:
    """A code sender that keeps what it sent (the customer's phone, for tests)."""

    def __init__(self) -> None:
        self.sent: list[dict[str, Any]] = []

    def send(self, *, customer_id: str, phone: str | None, code: str, purpose: str) -> None:
        self.sent.append({"customer_id": customer_id, "phone": phone, "code": code, "purpose": purpose})


def verify_step_up(session: Session, customer_id: str, purpose: Purpose, change: str) -> None:
    """What a customer does before a change that needs a code: receive it and enter it correctly."""
    sender = CodeRecorder()
    assert isinstance(
        issue_code(session, customer_id=customer_id, purpose=purpose, change=change, sender=sender), CodeSent
    )
    typed = sender.sent[-1]["code"]
    result = check_code(session, customer_id=customer_id, purpose=purpose, change=change, typed=typed)
    assert result.outcome is CodeCheck.OK


def handoff_event(event: str = "ticket_created", ticket_id: int = 1, status: str = "queued") -> dict[str, Any]:
    """A handoff event message for a live ticket of conversation `c<ticket_id>` (docs/handoff-events.md)."""
    return event_message(
        event,
        ticket_id=ticket_id,
        conversation_id=f"c{ticket_id}",
        customer_id=None,
        kind="live",
        status=status,
        reason="requested",
    )


def open_live_ticket(
    session: Session, conversation: str = "demo_balance", customer: str | None = "demo_balance"
) -> m.HandoffTicket:
    """A queued live ticket, as a customer's 转人工 opens it (summary cut short)."""
    return open_ticket(
        session,
        conversation_id=conversation,
        customer_id=customer,
        kind=TicketKind.LIVE,
        reason="requested",
        summary={"reason": "requested"},
        channel="rest",
    )
