from datetime import timedelta
from decimal import Decimal

from sqlalchemy import func, select

from bot.closing.eligibility import check_closure
from bot.db import models as m
from bot.db.queries import load_products
from bot.db.seed import DEMO_CUSTOMERS, ensure_seeded, load_copy_ids, reseed_demo, seed_load_customers
from bot.db.session import session_scope
from tests.conftest import TODAY
from tests.factories import stored_account, stored_customer


def test_catalog_comes_from_the_data_files(session) -> None:
    products = {p.id: p for p in load_products(session)}
    assert set(products) == {"huabei", "jiebei"}
    assert products["huabei"].kind == "pay_later" and products["jiebei"].kind == "cash_loan"
    assert "花被" in products["huabei"].aliases and "借贝" in products["jiebei"].aliases
    assert products["jiebei"].closure_review_levels >= 1


def test_every_demo_customer_exists_with_both_products(session) -> None:
    for cid in DEMO_CUSTOMERS:
        customer = stored_customer(session, cid)
        assert customer is not None, cid
        assert [a.product.id for a in customer.accounts] == ["huabei", "jiebei"]


def blockers(session, cid: str, product: str) -> list[str]:
    account = stored_account(session, cid, product)
    return [type(b).__name__ for b in check_closure(account, today=TODAY).blockers]


def test_demo_customers_show_what_the_readme_says(session) -> None:
    assert blockers(session, "demo_clean", "huabei") == [] and blockers(session, "demo_clean", "jiebei") == []
    assert blockers(session, "demo_balance", "jiebei") == ["UnpaidBill"]
    assert blockers(session, "demo_overdue", "huabei") == ["CurrentlyOverdue"]
    assert blockers(session, "demo_past_overdue", "huabei") == []
    assert blockers(session, "demo_instalment", "huabei") == ["InstalmentsRemaining"]
    assert blockers(session, "demo_instalment", "jiebei") == ["InstalmentsRemaining"]
    assert blockers(session, "demo_refund", "huabei") == ["OrderPending", "OrderPending"]
    assert blockers(session, "demo_frozen", "jiebei") == ["FrozenByPlatform", "InstalmentsRemaining"]
    assert blockers(session, "demo_closed", "huabei") == ["AlreadyClosed"]
    assert blockers(session, "demo_paused", "huabei") == []
    assert blockers(session, "demo_bound", "huabei") == [] and blockers(session, "demo_bound", "jiebei") == []


def test_demo_dates(session) -> None:
    past = stored_account(session, "demo_past_overdue", "huabei")
    (episode,) = past.overdues
    assert episode.ended_on == TODAY - timedelta(days=730)
    closed = stored_account(session, "demo_closed", "huabei")
    assert closed.status == "closed" and closed.closed_on is not None and 28 <= (TODAY - closed.closed_on).days <= 35
    paused = stored_account(session, "demo_paused", "huabei")
    assert paused.effective_status(TODAY) == "paused"
    assert paused.paused_until is not None and paused.paused_until > TODAY
    balance = stored_account(session, "demo_balance", "jiebei")
    assert balance.bills[0].outstanding == Decimal("3256.80")


def test_bound_services_span_both_products_with_contract_types(session) -> None:
    customer = stored_customer(session, "demo_bound")
    types = {a.product.id: {s.service_type for s in a.active_services} for a in customer.accounts}
    assert {"auto_repay", "password_free", "withholding", "default_payment"} <= types["huabei"]
    assert {"auto_repay", "bank_card", "third_party_auth"} <= types["jiebei"]
    assert types["huabei"] | types["jiebei"] <= set(m.SERVICE_TYPES)


def test_seeding_is_idempotent_and_reseed_restores(factory) -> None:
    with session_scope(factory) as s:
        assert ensure_seeded(s, today=TODAY) is False
        s.get(m.CreditAccount, stored_customer(s, "demo_clean").accounts[0].account_id).status = "closed"
    with session_scope(factory) as s:
        reseed_demo(s, today=TODAY)
    with session_scope(factory) as s:
        assert stored_customer(s, "demo_clean").accounts[0].status == "active"
        count = s.execute(select(func.count()).select_from(m.Customer)).scalar_one()
        assert count == len(DEMO_CUSTOMERS)


def test_load_customers_are_fresh_copies_of_the_demo_customers_in_turn(session) -> None:
    ids = seed_load_customers(session, 13, today=TODAY)
    assert ids[0] == "load_0001" and ids[-1] == "load_0013" and len(ids) == 13
    demo = list(DEMO_CUSTOMERS)
    for n, cid in enumerate(ids):  # same accounts and blockers as the demo customer it copies
        template = demo[n % len(demo)]
        for product in ("huabei", "jiebei"):
            assert blockers(session, cid, product) == blockers(session, template, product), (cid, template)
    # seeding again replaces them (a second run starts from the same state)
    again = seed_load_customers(session, 2, today=TODAY)
    left = session.scalars(select(m.Customer.id).where(m.Customer.id.like("load_%"))).all()
    assert again == ["load_0001", "load_0002"] and sorted(left) == again


def test_load_copy_ids_name_copies_of_that_demo_customer(session) -> None:
    ids = load_copy_ids("demo_overdue", 3)
    assert len(set(ids)) == 3
    seeded = seed_load_customers(session, int(ids[-1].removeprefix("load_")), today=TODAY)
    assert set(ids) <= set(seeded)
    for cid in ids:
        for product in ("huabei", "jiebei"):
            assert blockers(session, cid, product) == blockers(session, "demo_overdue", product), cid
    others = set(seeded) - set(ids)
    assert all(blockers(session, cid, "huabei") != blockers(session, "demo_overdue", "huabei") for cid in others)
