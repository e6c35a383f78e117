from datetime import datetime, timedelta, timezone

import pytest
from sqlalchemy import select

from bot.closing import submission as closure
from bot.closing.eligibility import RequestPending, UnpaidBill
from bot.db import models as m
from bot.db.session import session_scope
from bot.security.verification import Purpose
from bot.service_requests.lifecycle import InvalidTransition
from bot.service_requests.withdrawal import withdraw_request
from tests.conftest import TODAY
from tests.factories import stored_account, verify_step_up


def submit(factory, customer: str, product: str):
    with session_scope(factory) as s:
        return closure.submit_closure(s, customer_id=customer, product_id=product, channel="rest", today=TODAY)


def account(factory, customer: str, product: str):
    with session_scope(factory) as s:
        return stored_account(s, customer, product)


def audit_actions(factory) -> list[str]:
    with session_scope(factory) as s:
        return list(s.execute(select(m.AuditEntry.action).order_by(m.AuditEntry.id)).scalars())


def test_single_level_product_closes_at_once_and_stops_services(factory) -> None:
    outcome = submit(factory, "demo_bound", "huabei")
    assert isinstance(outcome, closure.ClosureSubmitted)
    assert outcome.status == "approved" and outcome.services_stopped == 6
    after = account(factory, "demo_bound", "huabei")
    assert after.status == "closed" and after.closed_on == TODAY and after.active_services == ()
    assert account(factory, "demo_bound", "jiebei").status == "active"  # the other product is untouched
    actions = audit_actions(factory)
    assert actions[:5] == [
        "request_close_submitted",
        "closure_requested",
        "request_start_review",
        "request_approve",
        "account_closed",
    ]
    assert actions.count("service_unbound") == 6


def test_two_level_product_waits_for_an_operator(factory) -> None:
    outcome = submit(factory, "demo_clean", "jiebei")
    assert outcome.status == "under_review" and outcome.review_days == 3
    assert account(factory, "demo_clean", "jiebei").status == "pending_closure"
    with session_scope(factory) as s:
        request = closure.review_closure(s, request_id=outcome.request_id, approve=True, operator="li", today=TODAY)
        assert request is not None and request.status == "approved" and request.review_level == 2
    assert account(factory, "demo_clean", "jiebei").status == "closed"


def test_operator_rejection_restores_the_account(factory) -> None:
    outcome = submit(factory, "demo_clean", "jiebei")
    with session_scope(factory) as s:
        closure.review_closure(s, request_id=outcome.request_id, approve=False, operator="li", today=TODAY)
    assert account(factory, "demo_clean", "jiebei").status == "active"
    with session_scope(factory) as s, pytest.raises(InvalidTransition):
        closure.review_closure(s, request_id=outcome.request_id, approve=True, operator="li", today=TODAY)


def test_duplicate_request_is_refused(factory) -> None:
    first = submit(factory, "demo_clean", "jiebei")
    second = submit(factory, "demo_clean", "jiebei")
    assert isinstance(second, closure.ClosureRefused)
    (blocker,) = second.check.blockers
    assert isinstance(blocker, RequestPending) and blocker.request_id == first.request_id


def test_ineligible_account_is_refused_and_nothing_changes(factory) -> None:
    before = audit_actions(factory)
    outcome = submit(factory, "demo_balance", "jiebei")
    assert isinstance(outcome, closure.ClosureRefused)
    assert isinstance(outcome.check.blockers[0], UnpaidBill)
    assert audit_actions(factory) == before
    assert account(factory, "demo_balance", "jiebei").status == "active"


def test_unknown_product_or_customer(factory) -> None:
    assert submit(factory, "nobody", "huabei") is None
    assert submit(factory, "demo_clean", "weilidai") is None


def test_withdrawal_is_scoped_to_the_customer_and_restores_status(factory) -> None:
    outcome = submit(factory, "demo_paused", "jiebei")
    with session_scope(factory) as s:
        assert withdraw_request(s, customer_id="demo_clean", request_id=outcome.request_id, channel="rest") is None
    assert account(factory, "demo_paused", "jiebei").status == "pending_closure"
    with session_scope(factory) as s:
        request = withdraw_request(s, customer_id="demo_paused", request_id=outcome.request_id, channel="rest")
        assert request is not None and request.status == "withdrawn"
    assert account(factory, "demo_paused", "jiebei").status == "active"


def test_paused_account_closure_clears_the_pause(factory) -> None:
    assert submit(factory, "demo_paused", "huabei").status == "approved"
    after = account(factory, "demo_paused", "huabei")
    assert after.status == "closed" and after.paused_until is None


def test_timestamps_are_recorded(factory) -> None:
    outcome = submit(factory, "demo_clean", "huabei")
    with session_scope(factory) as s:
        request = s.get(m.ServiceRequest, outcome.request_id)
        created = request.created_at if request.created_at.tzinfo else request.created_at.replace(tzinfo=timezone.utc)
        assert datetime.now(timezone.utc) - created < timedelta(minutes=5)
        assert request.decided_at is not None


# ── a conversation's closure: only with a verification of exactly these products, consumed once ──


def submit_verified(factory, customer: str, products: list[str]):
    with session_scope(factory) as s:
        return closure.submit_verified_closures(
            s, customer_id=customer, product_ids=products, channel="rest", today=TODAY
        )


def test_without_a_verified_code_nothing_is_submitted(factory) -> None:
    before = audit_actions(factory)
    assert submit_verified(factory, "demo_bound", ["huabei"]) == closure.ClosureNotVerified(("huabei",))
    assert account(factory, "demo_bound", "huabei").status == "active" and audit_actions(factory) == before


def test_a_verified_closure_is_submitted_once(factory) -> None:
    with session_scope(factory) as s:
        verify_step_up(s, "demo_clean", Purpose.CLOSE, closure.closure_fingerprint(["jiebei", "huabei"]))
    outcomes = submit_verified(factory, "demo_clean", ["huabei", "jiebei"])
    assert [o.status for o in outcomes] == ["approved", "under_review"]
    assert isinstance(submit_verified(factory, "demo_clean", ["huabei", "jiebei"]), closure.ClosureNotVerified)


def test_a_code_for_one_product_does_not_close_two(factory) -> None:
    with session_scope(factory) as s:
        verify_step_up(s, "demo_clean", Purpose.CLOSE, closure.closure_fingerprint(["huabei"]))
    assert isinstance(submit_verified(factory, "demo_clean", ["huabei", "jiebei"]), closure.ClosureNotVerified)
    assert isinstance(submit_verified(factory, "demo_clean", ["jiebei"]), closure.ClosureNotVerified)
    assert account(factory, "demo_clean", "jiebei").status == "active"
