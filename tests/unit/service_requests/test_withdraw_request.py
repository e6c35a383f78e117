"""withdraw_request: a customer withdraws their own pending request of any kind (SQLite and PostgreSQL)."""

from __future__ import annotations

import pytest
from sqlalchemy.orm import sessionmaker

from bot.closing.submission import ClosureSubmitted, submit_closure
from bot.db import queries
from bot.db.session import session_scope
from bot.pause.reopen import ReopenSubmitted, apply_reopen
from bot.service_requests.lifecycle import InvalidTransition
from bot.service_requests.withdrawal import withdraw_request
from tests.conftest import TODAY


def withdraw(factory: sessionmaker, customer_id: str, request_id: int) -> str | None:
    with session_scope(factory) as s:
        request = withdraw_request(s, customer_id=customer_id, request_id=request_id, channel="rest")
        return request.status if request is not None else None


def status_of(factory: sessionmaker, customer_id: str, product_id: str) -> str:
    with session_scope(factory) as s:
        customer = queries.load_customer(s, customer_id)
        assert customer is not None
        account = customer.account(product_id)
        assert account is not None
        return account.status


def test_a_withdrawn_closure_gives_the_line_its_previous_status_back(factory: sessionmaker) -> None:
    with session_scope(factory) as s:
        outcome = submit_closure(s, customer_id="demo_paused", product_id="jiebei", channel="rest", today=TODAY)
    assert isinstance(outcome, ClosureSubmitted) and outcome.status == "under_review"
    assert status_of(factory, "demo_paused", "jiebei") == "pending_closure"
    assert withdraw(factory, "demo_paused", outcome.request_id) == "withdrawn"
    assert status_of(factory, "demo_paused", "jiebei") == "active"


def test_a_withdrawn_reopen_request_leaves_the_line_closed(factory: sessionmaker) -> None:
    with session_scope(factory) as s:
        outcome = apply_reopen(s, customer_id="demo_closed", product_id="huabei", channel="rest", today=TODAY)
    assert isinstance(outcome, ReopenSubmitted)
    assert withdraw(factory, "demo_closed", outcome.request_id) == "withdrawn"
    assert status_of(factory, "demo_closed", "huabei") == "closed"


def test_only_the_owner_can_withdraw_and_only_once(factory: sessionmaker) -> None:
    with session_scope(factory) as s:
        outcome = submit_closure(s, customer_id="demo_clean", product_id="jiebei", channel="rest", today=TODAY)
    assert isinstance(outcome, ClosureSubmitted)
    assert withdraw(factory, "demo_bound", outcome.request_id) is None
    assert withdraw(factory, "demo_clean", 999_999) is None
    assert status_of(factory, "demo_clean", "jiebei") == "pending_closure"
    assert withdraw(factory, "demo_clean", outcome.request_id) == "withdrawn"
    with pytest.raises(InvalidTransition):
        withdraw(factory, "demo_clean", outcome.request_id)
