"""review_request: one operator review for every reviewable kind (SQLite and PostgreSQL)."""

from __future__ import annotations

import pytest
from sqlalchemy import select
from sqlalchemy.orm import sessionmaker

from bot.closing.submission import ClosureSubmitted, submit_closure
from bot.core.catalog import load_data_request_policy
from bot.data_deletion.deletion import DeletionSubmitted, submit_data_deletion
from bot.db import models as m
from bot.db import queries
from bot.db.session import session_scope
from bot.pause.reopen import ReopenSubmitted, apply_reopen
from bot.service_requests.lifecycle import InvalidTransition
from bot.service_requests.review import Decision, review_request
from tests.conftest import TODAY


def review(factory: sessionmaker, request_id: int, decision: Decision) -> tuple[str, int] | None:
    with session_scope(factory) as s:
        request = review_request(s, request_id=request_id, decision=decision, operator="li", today=TODAY)
        return (request.status, request.review_level) if request is not None else None


def status_of(factory: sessionmaker, customer_id: str, product_id: str) -> str:
    with session_scope(factory) as s:
        customer = queries.load_customer(s, customer_id)
        assert customer is not None
        account = customer.account(product_id)
        assert account is not None
        return account.status


def pending_closure(factory: sessionmaker) -> int:
    with session_scope(factory) as s:
        outcome = submit_closure(s, customer_id="demo_clean", product_id="jiebei", channel="rest", today=TODAY)
    assert isinstance(outcome, ClosureSubmitted) and outcome.status == "under_review"
    return outcome.request_id


def test_approving_a_closure_closes_the_line(factory: sessionmaker) -> None:
    request_id = pending_closure(factory)
    assert review(factory, request_id, Decision.APPROVE) == ("approved", 2)
    assert status_of(factory, "demo_clean", "jiebei") == "closed"


def test_rejecting_a_closure_gives_the_line_back(factory: sessionmaker) -> None:
    request_id = pending_closure(factory)
    assert review(factory, request_id, Decision.REJECT) == ("rejected", 1)
    assert status_of(factory, "demo_clean", "jiebei") == "active"


def test_approving_a_reopen_request_opens_the_line(factory: sessionmaker) -> None:
    with session_scope(factory) as s:
        outcome = apply_reopen(s, customer_id="demo_closed", product_id="huabei", channel="rest", today=TODAY)
    assert isinstance(outcome, ReopenSubmitted) and not outcome.reopened
    assert review(factory, outcome.request_id, Decision.APPROVE) == ("approved", 1)
    assert status_of(factory, "demo_closed", "huabei") == "active"


def test_a_data_deletion_request_is_decided_and_no_line_changes(factory: sessionmaker) -> None:
    with session_scope(factory) as s:
        outcome = submit_data_deletion(s, customer_id="demo_bound", channel="rest", policy=load_data_request_policy())
    assert isinstance(outcome, DeletionSubmitted)
    assert review(factory, outcome.request_id, Decision.REJECT) == ("rejected", 0)
    assert status_of(factory, "demo_bound", "huabei") == "active"


def test_every_decision_is_audited_as_the_operator(factory: sessionmaker) -> None:
    request_id = pending_closure(factory)
    review(factory, request_id, Decision.APPROVE)
    with session_scope(factory) as s:
        stmt = select(m.AuditEntry.actor, m.AuditEntry.action).where(m.AuditEntry.actor == "operator:li")
        actions = [action for _, action in s.execute(stmt.order_by(m.AuditEntry.id))]
    assert actions[:2] == ["request_approve", "account_closed"]


def test_a_decided_request_cannot_be_decided_again(factory: sessionmaker) -> None:
    request_id = pending_closure(factory)
    review(factory, request_id, Decision.REJECT)
    with pytest.raises(InvalidTransition):
        review(factory, request_id, Decision.APPROVE)
    assert status_of(factory, "demo_clean", "jiebei") == "active"


def test_unknown_requests_and_kinds_no_operator_reviews_are_none(factory: sessionmaker) -> None:
    assert review(factory, 999_999, Decision.APPROVE) is None
    with session_scope(factory) as s:
        customer = queries.load_customer(s, "demo_clean")
        assert customer is not None
        account = customer.account("huabei")
        assert account is not None
        pause = queries.record_done_request(
            s,
            customer_id="demo_clean",
            account_id=account.account_id,
            kind="pause",
            details={},
            channel="rest",
            actor="customer:demo_clean",
        )
        pause_id = pause.id
    assert review(factory, pause_id, Decision.REJECT) is None


def test_a_rejection_keeps_its_reason_and_the_status_says_why_and_what_to_do(factory: sessionmaker) -> None:
    """Issue 13.6: a rejected request used to be listed as 「未通过审核」 with no reason and no next step."""
    from bot.core.catalog import load_catalog
    from bot.service_requests.replies import request_status_replies

    with session_scope(factory) as s:
        outcome = submit_data_deletion(s, customer_id="demo_clean", channel="rest", policy=load_data_request_policy())
    assert isinstance(outcome, DeletionSubmitted)
    with session_scope(factory) as s:
        review_request(
            s,
            request_id=outcome.request_id,
            decision=Decision.REJECT,
            operator="li",
            today=TODAY,
            reason="legal_retention",
        )
    with session_scope(factory) as s:
        [info] = queries.load_requests(s, "demo_clean")
    assert info.status == "rejected" and info.rejection_reason == "legal_retention"
    replies = request_status_replies([info], load_catalog(), today=TODAY)
    assert [r.response for r in replies] == [
        "utter_requests_intro",
        "utter_request_line",
        "utter_rejection_reason_legal_retention",
    ]


def test_an_unknown_rejection_reason_is_refused(factory: sessionmaker) -> None:
    request_id = pending_closure(factory)
    with pytest.raises(ValueError), session_scope(factory) as s:
        review_request(s, request_id=request_id, decision=Decision.REJECT, operator="li", today=TODAY, reason="nope")


def test_every_rejection_reason_has_a_response() -> None:
    from bot.service_requests.lifecycle import REJECTION_REASONS
    from tests.rendering import domain

    for reason in REJECTION_REASONS:
        text = domain()["responses"][f"utter_rejection_reason_{reason}"][0]["text"]
        assert "原因" in text and any(step in text for step in ("可以", "请", "转人工"))
