import pytest
from sqlalchemy import func, select

from bot.db import models as m
from bot.db.queries import (
    append_audit,
    list_open_requests,
    load_customer,
    load_requests,
    submit_request,
    transition_request,
)
from bot.db.session import session_scope
from bot.service_requests.lifecycle import InvalidTransition
from tests.factories import stored_account, stored_customer


def audit_rows(session, entity_id) -> list[m.AuditEntry]:
    stmt = select(m.AuditEntry).where(m.AuditEntry.entity_id == str(entity_id)).order_by(m.AuditEntry.id)
    return list(session.execute(stmt).scalars())


def test_unknown_customer_is_none(session) -> None:
    assert load_customer(session, "nobody") is None


def test_submit_request_is_audited_and_visible_on_the_account(factory) -> None:
    with session_scope(factory) as s:
        account = stored_account(s, "demo_clean", "jiebei")
        req = submit_request(
            s,
            customer_id="demo_clean",
            account_id=account.account_id,
            kind="close",
            required_review_levels=2,
            channel="rest",
        )
        req_id = req.id
    with session_scope(factory) as s:
        (info,) = (r for r in load_requests(s, "demo_clean"))
        assert (info.id, info.kind, info.status, info.product_id) == (req_id, "close", "submitted", "jiebei")
        assert stored_account(s, "demo_clean", "jiebei").requests[0].id == req_id
        (row,) = audit_rows(s, req_id)
        assert (row.actor, row.action, row.channel, row.before) == (
            "customer:demo_clean",
            "request_close_submitted",
            "rest",
            None,
        )
        assert row.after["status"] == "submitted"
        assert req_id in [r.id for r in list_open_requests(s)]


def test_transitions_are_audited_and_scoped_to_the_customer(factory) -> None:
    with session_scope(factory) as s:
        account = stored_account(s, "demo_clean", "huabei")
        req_id = submit_request(
            s,
            customer_id="demo_clean",
            account_id=account.account_id,
            kind="close",
            required_review_levels=1,
            channel="rest",
        ).id
    with session_scope(factory) as s:
        # another customer cannot touch it
        assert (
            transition_request(
                s,
                request_id=req_id,
                action="withdraw",
                actor="customer:demo_balance",
                channel="rest",
                customer_id="demo_balance",
            )
            is None
        )
        moved = transition_request(
            s,
            request_id=req_id,
            action="withdraw",
            actor="customer:demo_clean",
            channel="rest",
            customer_id="demo_clean",
        )
        assert moved is not None and moved.status == "withdrawn" and moved.decided_at is not None
    with session_scope(factory) as s:
        rows = audit_rows(s, req_id)
        assert [r.action for r in rows] == ["request_close_submitted", "request_withdraw"]
        assert rows[1].before["status"] == "submitted" and rows[1].after["status"] == "withdrawn"
        with pytest.raises(InvalidTransition):
            transition_request(s, request_id=req_id, action="approve", actor="operator:li", channel="cli")


def test_audit_log_is_append_only(factory) -> None:
    with session_scope(factory) as s:
        entry = append_audit(
            s, actor="system", action="test", entity_type="x", entity_id=1, before=None, after={}, channel="cli"
        )
        s.flush()
        entry_id = entry.id
    with pytest.raises(m.AuditLogIsAppendOnly):
        with session_scope(factory) as s:
            s.get(m.AuditEntry, entry_id).action = "changed"
    with pytest.raises(m.AuditLogIsAppendOnly):
        with session_scope(factory) as s:
            s.delete(s.get(m.AuditEntry, entry_id))
    with session_scope(factory) as s:
        assert s.get(m.AuditEntry, entry_id).action == "test"


def test_a_failed_unit_of_work_leaves_nothing_behind(factory) -> None:
    with session_scope(factory) as s:
        before = s.execute(select(func.count()).select_from(m.ServiceRequest)).scalar_one()
    with pytest.raises(RuntimeError):
        with session_scope(factory) as s:
            account = stored_account(s, "demo_clean", "huabei")
            submit_request(
                s,
                customer_id="demo_clean",
                account_id=account.account_id,
                kind="close",
                required_review_levels=1,
                channel="rest",
            )
            raise RuntimeError("fails after the insert")
    with session_scope(factory) as s:
        assert s.execute(select(func.count()).select_from(m.ServiceRequest)).scalar_one() == before


def test_check_constraints_reject_unknown_values(factory) -> None:
    from sqlalchemy.exc import IntegrityError

    with pytest.raises(IntegrityError):
        with session_scope(factory) as s:
            s.get(m.CreditAccount, stored_customer(s, "demo_clean").accounts[0].account_id).status = "deleted"


def test_money_is_exact(factory) -> None:
    from decimal import Decimal

    with session_scope(factory) as s:
        row = s.get(m.CreditAccount, stored_customer(s, "demo_clean").accounts[0].account_id)
        row.used_amount = Decimal("0.10") + Decimal("0.20")
    with session_scope(factory) as s:
        assert stored_customer(s, "demo_clean").accounts[0].used_amount == Decimal("0.30")
