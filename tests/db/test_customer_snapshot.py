"""`load_customer` reads columns, not ORM objects: it must give what the models' relationships say.

The reference below builds the snapshot by walking the ORM relationships (how `load_customer`
read it before), and every demo customer, their load-test copies, a customer without accounts
and requests of every shape must come out the same on both backends.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta, timezone
from decimal import Decimal
from typing import Any

import pytest
from sqlalchemy import event, select
from sqlalchemy.orm import Session, sessionmaker

from bot.core import accounts as snap
from bot.db import models as m
from bot.db.queries import load_customer, load_requests, to_product_info
from bot.db.seed import DEMO_CUSTOMERS, seed_load_customers
from bot.db.session import session_scope
from tests.conftest import TODAY


def by_relationships(session: Session, customer_id: str) -> snap.CustomerSnapshot | None:
    """The customer's snapshot as the models' relationships (and their order_by) give it."""
    customer = session.get(m.Customer, customer_id)
    if customer is None:
        return None
    requests = sorted((r for r in customer.requests), key=lambda r: (r.created_at, r.id), reverse=True)
    accounts = sorted(customer.accounts, key=lambda a: a.product_id)
    return snap.CustomerSnapshot(
        customer.id, customer.name, tuple(_account(a, [r for r in requests if r.account_id == a.id]) for a in accounts)
    )


def _account(a: m.CreditAccount, requests: list[m.ServiceRequest]) -> snap.AccountSnapshot:
    return snap.AccountSnapshot(
        account_id=a.id,
        customer_id=a.customer_id,
        product=to_product_info(a.product),
        status=a.status,
        credit_limit=Decimal(a.credit_limit),
        used_amount=Decimal(a.used_amount),
        opened_on=a.opened_on,
        closed_on=a.closed_on,
        paused_until=a.paused_until,
        platform_reason_code=a.platform_reason_code,
        bills=tuple(
            snap.BillInfo(b.period, Decimal(b.amount), Decimal(b.paid_amount), b.due_date, b.statement_issued)
            for b in a.bills
        ),
        instalments=tuple(
            snap.Instalment(
                p.description,
                p.total_terms,
                p.remaining_terms,
                Decimal(p.remaining_amount),
                p.next_due_date,
                p.early_settlement_allowed,
            )
            for p in a.instalment_plans
        ),
        orders=tuple(
            snap.PendingOrderInfo(
                o.kind, o.merchant, Decimal(o.amount), o.status, o.created_on, o.expected_settle_on, o.completed_on
            )
            for o in a.orders
        ),
        overdues=tuple(snap.OverdueEpisode(o.started_on, o.ended_on, Decimal(o.amount)) for o in a.overdue_records),
        services=tuple(
            snap.LinkedService(s.id, s.service_type, s.status, s.merchant, s.detail, s.unbound_on)
            for s in a.bound_services
        ),
        requests=tuple(_request(r) for r in requests),
    )


def _request(r: m.ServiceRequest) -> snap.RequestInfo:
    return snap.RequestInfo(
        id=r.id,
        kind=r.kind,
        status=r.status,
        created_at=r.created_at,
        account_id=r.account_id,
        product_id=r.account.product_id if r.account is not None else None,
        review_level=r.review_level,
        required_review_levels=r.required_review_levels,
        rejection_reason=(r.details or {}).get("rejection_reason") if r.status == "rejected" else None,
    )


def _add_requests(session: Session, customer_id: str) -> None:
    """Requests of every shape: on each line, rejected with and without a reason, about no line."""
    at = datetime(2026, 11, 1, 9, 0, tzinfo=timezone.utc)
    accounts = session.execute(select(m.CreditAccount).where(m.CreditAccount.customer_id == customer_id)).scalars()
    shapes: list[tuple[int | None, str, str, dict[str, Any]]] = [(None, "data_deletion", "submitted", {})]
    for account in accounts:
        shapes += [
            (account.id, "close", "rejected", {"rejection_reason": "open_balance"}),
            (account.id, "pause", "rejected", {}),
            (account.id, "close", "under_review", {"rejection_reason": "not read unless rejected"}),
        ]
    for n, (account_id, kind, status, details) in enumerate(shapes):
        session.add(
            m.ServiceRequest(
                customer_id=customer_id,
                account_id=account_id,
                kind=kind,
                status=status,
                details=details,
                # two requests share each time: the newest-first order falls back on the id
                created_at=at.replace(hour=9 + n // 2),
            )
        )
    session.flush()


def _add_rows_out_of_order(session: Session, customer_id: str) -> None:
    """More rows of each kind on every line, inserted against the relationships' order."""
    accounts = session.execute(select(m.CreditAccount).where(m.CreditAccount.customer_id == customer_id)).scalars()
    for account in accounts:
        for days in (40, 10, 25):
            due = date(2026, 10, 1) + timedelta(days=days)
            account.bills.append(m.Bill(period=f"{due:%Y-%m}", amount=Decimal("100.10"), due_date=due))
            account.overdue_records.append(m.OverdueRecord(started_on=due, amount=Decimal("5")))
            account.instalment_plans.append(
                m.InstalmentPlan(description=f"分{days}期", total_terms=days, remaining_terms=3, remaining_amount=1)
            )
            account.orders.append(
                m.PendingOrder(kind="refund_in_progress", merchant=f"商户{days}", amount=2, created_on=due)
            )
    session.flush()


@pytest.fixture
def customers(factory: sessionmaker) -> list[str]:
    """Every demo customer, four load-test copies, one customer without lines; requests on some."""
    with session_scope(factory) as s:
        load_ids = seed_load_customers(s, 4, today=TODAY)
        s.add(m.Customer(id="no_lines", name="无额度"))
        s.flush()
        for customer_id in ("demo_clean", "demo_bound", load_ids[0], "no_lines"):
            _add_requests(s, customer_id)
        for customer_id in ("demo_overdue", "demo_instalment", load_ids[1]):
            _add_rows_out_of_order(s, customer_id)
    return [*DEMO_CUSTOMERS, *load_ids, "no_lines"]


def test_the_snapshot_is_what_the_relationships_say(factory: sessionmaker, customers: list[str]) -> None:
    with session_scope(factory) as s:
        for customer_id in customers:
            expected = by_relationships(s, customer_id)
            assert load_customer(s, customer_id) == expected, customer_id
        assert load_customer(s, "nobody") is None


def test_requests_are_newest_first_with_their_product(factory: sessionmaker, customers: list[str]) -> None:
    with session_scope(factory) as s:
        requests = load_requests(s, "demo_bound")
        expected = by_relationships(s, "demo_bound")
    assert expected is not None
    assert [r.created_at for r in requests] == sorted((r.created_at for r in requests), reverse=True)
    assert {r for r in requests if r.account_id is not None} == {r for a in expected.accounts for r in a.requests}
    assert [r.kind for r in requests if r.account_id is None] == ["data_deletion"]
    assert {r.rejection_reason for r in requests} == {"open_balance", None}


def test_pending_changes_in_the_session_are_read(factory: sessionmaker) -> None:
    """A change made through the ORM and not yet flushed is in the snapshot read after it."""
    with session_scope(factory) as s:
        bill = (
            s.execute(select(m.Bill).join(m.CreditAccount).where(m.CreditAccount.customer_id == "demo_balance"))
            .scalars()
            .first()
        )
        assert bill is not None
        bill.paid_amount = bill.amount
        s.add(m.OverdueRecord(account_id=bill.account_id, started_on=date(2026, 1, 5), amount=Decimal("12.50")))
        customer = load_customer(s, "demo_balance")
    assert customer is not None
    [account] = [a for a in customer.accounts if a.account_id == bill.account_id]
    assert Decimal("12.50") in [o.amount for o in account.overdues]
    assert all(b.outstanding == 0 for b in account.bills if b.period == bill.period and b.due_date == bill.due_date)


def selects_run(factory: sessionmaker, work: Any) -> int:
    """How many SELECT statements `work(session)` sends."""
    engine = factory.kw["bind"]
    statements: list[str] = []

    def record(_conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        statements.append(statement)

    with session_scope(factory) as s:
        event.listen(engine, "before_cursor_execute", record)
        try:
            work(s)
        finally:
            event.remove(engine, "before_cursor_execute", record)
    return len([q for q in statements if q.lstrip().upper().startswith("SELECT")])


def test_the_statements_do_not_grow_with_the_lines(factory: sessionmaker, customers: list[str]) -> None:
    """One statement per kind of row, whatever a customer holds (no query per line or per bill)."""
    counts = {c: selects_run(factory, lambda s, c=c: load_customer(s, c)) for c in ("demo_clean", "demo_instalment")}
    assert counts["demo_clean"] == counts["demo_instalment"] <= 7, counts
