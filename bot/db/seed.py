"""Catalog and demo customers (ids `demo_*`, listed in the README).

Dates are relative to the day of seeding so that "overdue for 16 days" or
"closed last month" stay true for a fresh database; `make seed` re-seeds.
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta, timezone
from decimal import Decimal

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from bot.core.catalog import Catalog, load_catalog
from bot.db import models as m

DEMO_CUSTOMERS: dict[str, str] = {
    "demo_clean": "两个产品都在用，没有欠款",
    "demo_balance": "花呗、借呗都有未还账单",
    "demo_overdue": "花呗当前逾期",
    "demo_past_overdue": "约两年前有过逾期，已还清",
    "demo_instalment": "花呗和借呗都有分期在还",
    "demo_refund": "花呗有退款处理中、未确认收货的订单",
    "demo_frozen": "借呗被平台冻结",
    "demo_closed": "花呗上个月已关闭",
    "demo_paused": "花呗暂停中",
    "demo_bound": "两个产品绑定了多项服务",
    "demo_recently_closed": "借呗 10 天前刚关闭（还在重新开通的等待期内）",
}

D = Decimal


def seed_catalog(session: Session, catalog: Catalog) -> None:
    """Insert or update every catalog product (names, aliases and rules are data)."""
    for p in catalog.products:
        row = session.get(m.Product, p.id) or m.Product(id=p.id)
        row.display_name = p.display_name
        row.description = p.description
        row.kind = p.kind
        row.aliases = list(p.aliases)
        row.reopen_cooldown_days = p.reopen_cooldown_days
        row.reopen_requires_review = p.reopen_requires_review
        row.closure_review_levels = p.closure_review_levels
        row.closure_review_days = p.closure_review_days
        row.pause_available = p.pause_available
        row.pause_min_days = p.pause_min_days
        row.pause_max_days = p.pause_max_days
        session.add(row)
    session.flush()


def ensure_seeded(session: Session, *, today: date) -> bool:
    """Seed catalog and demo customers if the demo customers are missing; True if seeded."""
    seed_catalog(session, load_catalog())
    if session.get(m.Customer, "demo_clean") is not None:
        return False
    _insert_demo_customers(session, today)
    return True


def reseed_demo(session: Session, *, today: date) -> None:
    """Replace every demo customer's data with a fresh copy (audit rows stay: append-only)."""
    seed_catalog(session, load_catalog())
    _delete_demo_customers(session)
    _insert_demo_customers(session, today)


LOAD_PREFIX = "load_"


def seed_load_customers(session: Session, count: int, *, today: date) -> list[str]:
    """Replace the load-test customers with `count` fresh copies of the demo customers, in turn; their ids.

    `load_0001` is a copy of the first demo customer, `load_0002` of the second, … (benchmarks/load.py).
    """
    seed_catalog(session, load_catalog())
    old = list(session.execute(select(m.Customer.id).where(m.Customer.id.like(f"{LOAD_PREFIX}%"))).scalars())
    _delete_customers(session, old)
    ids = []
    for n in range(1, count + 1):
        customer = _BUILDERS[(n - 1) % len(_BUILDERS)](today)
        customer.id = f"{LOAD_PREFIX}{n:04d}"
        session.add(customer)
        ids.append(customer.id)
    session.flush()
    return ids


def load_copy_ids(demo_id: str, copies: int) -> list[str]:
    """The ids of the first `copies` load-test copies of one demo customer (benchmarks/bench_turns.py).

    `seed_load_customers` copies the demo customers in turn, so these exist once it has seeded at
    least as many customers as the last id's number.
    """
    first = list(DEMO_CUSTOMERS).index(demo_id) + 1
    return [f"{LOAD_PREFIX}{first + k * len(DEMO_CUSTOMERS):04d}" for k in range(copies)]


def _delete_demo_customers(session: Session) -> None:
    _delete_customers(session, list(DEMO_CUSTOMERS))


def _delete_customers(session: Session, ids: list[str]) -> None:
    account_ids = list(
        session.execute(select(m.CreditAccount.id).where(m.CreditAccount.customer_id.in_(ids))).scalars()
    )
    session.execute(delete(m.ServiceRequest).where(m.ServiceRequest.customer_id.in_(ids)))
    ticket_ids = list(session.execute(select(m.HandoffTicket.id).where(m.HandoffTicket.customer_id.in_(ids))).scalars())
    session.execute(delete(m.TicketNote).where(m.TicketNote.ticket_id.in_(ticket_ids)))
    session.execute(delete(m.HandoffTicket).where(m.HandoffTicket.customer_id.in_(ids)))
    session.execute(delete(m.VerificationCode).where(m.VerificationCode.customer_id.in_(ids)))
    session.execute(delete(m.SettlementCertificate).where(m.SettlementCertificate.customer_id.in_(ids)))
    for child in (m.Bill, m.InstalmentPlan, m.PendingOrder, m.OverdueRecord, m.BoundService):
        session.execute(delete(child).where(child.account_id.in_(account_ids)))
    session.execute(delete(m.CreditAccount).where(m.CreditAccount.customer_id.in_(ids)))
    session.execute(delete(m.Customer).where(m.Customer.id.in_(ids)))
    session.expunge_all()  # forget deleted rows so fresh ones with the same ids can be added


def _insert_demo_customers(session: Session, today: date) -> None:
    for build in _BUILDERS:
        session.add(build(today))
    session.flush()


def _account(product_id: str, limit: str, today: date, **fields: object) -> m.CreditAccount:
    values: dict[str, object] = {
        "status": "active",
        "used_amount": D("0"),
        "opened_on": today - timedelta(days=3 * 365),
    }
    values.update(fields)
    return m.CreditAccount(product_id=product_id, credit_limit=D(limit), **values)


def _at(day: date) -> datetime:
    return datetime.combine(day, time(10, 0), tzinfo=timezone.utc)


def _clean(today: date) -> m.Customer:
    return m.Customer(
        id="demo_clean",
        name="王小明",
        phone="13800001111",
        accounts=[_account("huabei", "8000", today), _account("jiebei", "20000", today)],
    )


def _balance(today: date) -> m.Customer:
    huabei = _account("huabei", "5000", today, used_amount=D("1234.50"))
    huabei.bills = [
        m.Bill(period=f"{today:%Y-%m}", amount=D("1234.50"), paid_amount=D("0"), due_date=today + timedelta(days=9))
    ]
    # Turning this off means repaying the bill above by hand (the unbind journey says so).
    huabei.bound_services = [
        m.BoundService(service_type="auto_repay", detail="余额宝", bound_on=today - timedelta(days=200))
    ]
    jiebei = _account("jiebei", "15000", today, used_amount=D("3256.80"))
    jiebei.bills = [
        m.Bill(period=f"{today:%Y-%m}", amount=D("3256.80"), paid_amount=D("0"), due_date=today + timedelta(days=12))
    ]
    return m.Customer(id="demo_balance", name="李娜", phone="13800002222", accounts=[huabei, jiebei])


def _overdue(today: date) -> m.Customer:
    due = today - timedelta(days=17)
    huabei = _account("huabei", "3000", today, used_amount=D("862.40"))
    huabei.bills = [m.Bill(period=f"{due:%Y-%m}", amount=D("862.40"), paid_amount=D("0"), due_date=due)]
    huabei.overdue_records = [m.OverdueRecord(started_on=due + timedelta(days=1), ended_on=None, amount=D("862.40"))]
    return m.Customer(
        id="demo_overdue", name="张伟", phone="13800003333", accounts=[huabei, _account("jiebei", "10000", today)]
    )


def _past_overdue(today: date) -> m.Customer:
    ended = today - timedelta(days=730)
    huabei = _account("huabei", "6000", today, opened_on=today - timedelta(days=6 * 365))
    huabei.overdue_records = [
        m.OverdueRecord(started_on=ended - timedelta(days=23), ended_on=ended, amount=D("560.00"))
    ]
    return m.Customer(
        id="demo_past_overdue", name="刘洋", phone="13800004444", accounts=[huabei, _account("jiebei", "12000", today)]
    )


def _instalment(today: date) -> m.Customer:
    huabei = _account("huabei", "10000", today, used_amount=D("2333.31"))
    huabei.instalment_plans = [
        m.InstalmentPlan(
            description="手机分期",
            total_terms=12,
            remaining_terms=7,
            remaining_amount=D("2333.31"),
            next_due_date=today + timedelta(days=6),
            early_settlement_allowed=True,
        )
    ]
    jiebei = _account("jiebei", "30000", today, used_amount=D("4250.00"))
    jiebei.instalment_plans = [
        m.InstalmentPlan(
            description="借款 ¥10,000",
            total_terms=12,
            remaining_terms=5,
            remaining_amount=D("4250.00"),
            next_due_date=today + timedelta(days=11),
            early_settlement_allowed=True,
        )
    ]
    return m.Customer(id="demo_instalment", name="陈静", phone="13800005555", accounts=[huabei, jiebei])


def _refund(today: date) -> m.Customer:
    huabei = _account("huabei", "7000", today, used_amount=D("1388.90"))
    huabei.orders = [
        m.PendingOrder(
            kind="refund_in_progress",
            merchant="优选家电旗舰店",
            amount=D("1299.00"),
            created_on=today - timedelta(days=2),
            expected_settle_on=today + timedelta(days=3),
        ),
        m.PendingOrder(
            kind="order_unconfirmed",
            merchant="鲜果生活超市",
            amount=D("89.90"),
            created_on=today - timedelta(days=1),
            expected_settle_on=today + timedelta(days=9),
        ),
    ]
    return m.Customer(
        id="demo_refund", name="杨帆", phone="13800006666", accounts=[huabei, _account("jiebei", "8000", today)]
    )


def _frozen(today: date) -> m.Customer:
    jiebei = _account(
        "jiebei",
        "20000",
        today,
        status="frozen_by_platform",
        platform_reason_code="risk_assessment",
        used_amount=D("3090.00"),
    )
    jiebei.instalment_plans = [
        m.InstalmentPlan(
            description="借款 ¥6,000",
            total_terms=6,
            remaining_terms=3,
            remaining_amount=D("3090.00"),
            next_due_date=today + timedelta(days=14),
            early_settlement_allowed=True,
        )
    ]
    return m.Customer(
        id="demo_frozen", name="赵磊", phone="13800007777", accounts=[_account("huabei", "4000", today), jiebei]
    )


def _closed(today: date) -> m.Customer:
    closed_on = today - timedelta(days=32)
    huabei = _account("huabei", "5000", today, status="closed", closed_on=closed_on)
    customer = m.Customer(
        id="demo_closed", name="黄敏", phone="13800008888", accounts=[huabei, _account("jiebei", "9000", today)]
    )
    customer_request = m.ServiceRequest(
        kind="close",
        status="approved",
        review_level=1,
        required_review_levels=1,
        account=huabei,
        created_at=_at(closed_on - timedelta(days=1)),
        decided_at=_at(closed_on),
    )
    customer.requests = [customer_request]
    return customer


def _paused(today: date) -> m.Customer:
    start = today - timedelta(days=30)
    huabei = _account("huabei", "6000", today, status="paused", paused_until=today + timedelta(days=60))
    customer = m.Customer(
        id="demo_paused", name="吴芳", phone="13800009999", accounts=[huabei, _account("jiebei", "15000", today)]
    )
    customer.requests = [
        m.ServiceRequest(
            kind="pause",
            status="approved",
            review_level=1,
            required_review_levels=1,
            account=huabei,
            details={"days": 90},
            created_at=_at(start),
            decided_at=_at(start),
        )
    ]
    return customer


def _bound(today: date) -> m.Customer:
    since = today - timedelta(days=400)
    huabei = _account("huabei", "9000", today)
    huabei.bound_services = [
        m.BoundService(service_type="auto_repay", detail="余额宝", bound_on=since),
        m.BoundService(service_type="password_free", merchant="滴滴出行", bound_on=since),
        m.BoundService(service_type="withholding", merchant="爱奇艺会员", bound_on=since),
        m.BoundService(service_type="default_payment", bound_on=since),
        m.BoundService(service_type="collection_code", detail="个人收钱码", bound_on=since),
        m.BoundService(service_type="family_repay", detail="亲友：王*", bound_on=since),
    ]
    jiebei = _account("jiebei", "25000", today)
    jiebei.bound_services = [
        m.BoundService(service_type="auto_repay", detail="招商银行储蓄卡（尾号6789）", bound_on=since),
        m.BoundService(service_type="bank_card", detail="招商银行储蓄卡（尾号6789）", bound_on=since),
        m.BoundService(service_type="third_party_auth", merchant="优选商城", bound_on=since),
    ]
    return m.Customer(id="demo_bound", name="孙丽", phone="13800000000", accounts=[huabei, jiebei])


def _recently_closed(today: date) -> m.Customer:
    closed_on = today - timedelta(days=10)
    jiebei = _account("jiebei", "12000", today, status="closed", closed_on=closed_on)
    customer = m.Customer(
        id="demo_recently_closed",
        name="周杰",
        phone="13800001212",
        accounts=[_account("huabei", "5000", today), jiebei],
    )
    customer.requests = [
        m.ServiceRequest(
            kind="close",
            status="approved",
            review_level=2,
            required_review_levels=2,
            account=jiebei,
            created_at=_at(closed_on - timedelta(days=2)),
            decided_at=_at(closed_on),
        )
    ]
    return customer


_BUILDERS = (
    _clean,
    _balance,
    _overdue,
    _past_overdue,
    _instalment,
    _refund,
    _frozen,
    _closed,
    _paused,
    _bound,
    _recently_closed,
)
