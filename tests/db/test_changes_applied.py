"""Pause, resume, reopen, lower limit and unbind against SQLite and PostgreSQL: changes, requests, audit."""

from datetime import timedelta
from decimal import Decimal

import pytest
from sqlalchemy import select

from bot.changes import ChangeContext, apply_change, change_fingerprint, step_up_purpose
from bot.core.catalog import load_catalog
from bot.core.replies import Reply
from bot.db import models as m
from bot.db import queries
from bot.db.session import session_scope
from bot.limit import limit
from bot.pause import pause, reopen
from bot.unbinding import unbinding as binding
from tests.conftest import TODAY
from tests.factories import stored_account, stored_customer, verify_step_up


def account(factory, customer: str, product: str):
    with session_scope(factory) as s:
        return stored_account(s, customer, product)


def audit(factory) -> list[tuple[str, str]]:
    with session_scope(factory) as s:
        return [(a.actor, a.action) for a in s.execute(select(m.AuditEntry).order_by(m.AuditEntry.id)).scalars()]


def requests_of(factory, customer: str) -> list[tuple[str, str]]:
    with session_scope(factory) as s:
        return [(r.kind, r.status) for r in queries.load_requests(s, customer)]


def run(factory, fn, **kw):
    with session_scope(factory) as s:
        return fn(s, channel="rest", today=TODAY, **kw)


def test_pause_sets_paused_until_records_an_approved_request_and_audits(factory) -> None:
    outcome = run(factory, pause.apply_pause, customer_id="demo_clean", product_id="huabei", days=90)
    assert outcome == pause.PauseApplied("huabei", TODAY + timedelta(days=90), outcome.request_id)
    after = account(factory, "demo_clean", "huabei")
    assert (after.status, after.paused_until) == ("paused", TODAY + timedelta(days=90))
    assert after.credit_limit == Decimal("8000.00")  # the limit is kept
    assert account(factory, "demo_clean", "jiebei").status == "active"
    assert requests_of(factory, "demo_clean") == [("pause", "approved")]
    assert ("customer:demo_clean", "account_paused") in audit(factory)
    assert ("customer:demo_clean", "request_pause_submitted") in audit(factory)


def test_pause_out_of_range_changes_nothing(factory) -> None:
    before = audit(factory)
    outcome = run(factory, pause.apply_pause, customer_id="demo_clean", product_id="huabei", days=400)
    assert outcome == pause.DurationOutOfRange(400, 7, 365)
    assert account(factory, "demo_clean", "huabei").status == "active" and audit(factory) == before


def test_resume_early(factory) -> None:
    assert run(factory, reopen.apply_reopen, customer_id="demo_paused", product_id="huabei") == reopen.Resumed("huabei")
    after = account(factory, "demo_paused", "huabei")
    assert (after.status, after.paused_until) == ("active", None)
    assert ("resume", "approved") in requests_of(factory, "demo_paused")
    assert ("customer:demo_paused", "account_resumed") in audit(factory)


def test_reopen_after_the_cool_down_creates_a_request_for_review(factory) -> None:
    outcome = run(factory, reopen.apply_reopen, customer_id="demo_closed", product_id="huabei")
    assert isinstance(outcome, reopen.ReopenSubmitted) and not outcome.reopened
    assert account(factory, "demo_closed", "huabei").status == "closed"  # until an operator approves
    assert requests_of(factory, "demo_closed")[0] == ("reopen", "submitted")
    again = run(factory, reopen.apply_reopen, customer_id="demo_closed", product_id="huabei")
    assert isinstance(again, reopen.ReopenPending)


def test_reopen_inside_the_cool_down_is_refused(factory) -> None:
    before = audit(factory)
    outcome = run(factory, reopen.apply_reopen, customer_id="demo_recently_closed", product_id="jiebei")
    assert isinstance(outcome, reopen.CoolingDown) and outcome.days_left == 20
    assert audit(factory) == before


def test_frozen_line_is_not_reopened(factory) -> None:
    outcome = run(factory, reopen.apply_reopen, customer_id="demo_frozen", product_id="jiebei")
    assert outcome == reopen.ReopenFrozenByPlatform("risk_assessment")
    assert account(factory, "demo_frozen", "jiebei").status == "frozen_by_platform"


def test_lower_limit_is_applied_and_audited_with_before_and_after(factory) -> None:
    outcome = run(
        factory, limit.apply_lower_limit, customer_id="demo_balance", product_id="huabei", amount=Decimal("2000")
    )
    assert outcome == limit.LimitLowered("huabei", Decimal("5000.00"), Decimal("2000"))
    assert account(factory, "demo_balance", "huabei").credit_limit == Decimal("2000.00")
    with session_scope(factory) as s:
        entry = s.execute(select(m.AuditEntry).where(m.AuditEntry.action == "limit_lowered")).scalar_one()
        assert (entry.before, entry.after) == ({"credit_limit": "5000.00"}, {"credit_limit": "2000"})


def test_lower_limit_below_used_changes_nothing(factory) -> None:
    outcome = run(
        factory, limit.apply_lower_limit, customer_id="demo_balance", product_id="huabei", amount=Decimal("1000")
    )
    assert isinstance(outcome, limit.BelowUsed)
    assert account(factory, "demo_balance", "huabei").credit_limit == Decimal("5000.00")


def bound_ids(factory, customer: str, *types: str) -> list[int]:
    with session_scope(factory) as s:
        return [
            svc.id
            for a in stored_customer(s, customer).accounts
            for svc in a.active_services
            if svc.service_type in types
        ]


def test_unbind_several_across_products_in_one_go(factory) -> None:
    ids = bound_ids(factory, "demo_bound", "auto_repay")
    assert len(ids) == 2
    outcome = run(factory, binding.apply_unbind, customer_id="demo_bound", service_ids=ids)
    assert not outcome.stale and len(outcome.services) == 2
    assert bound_ids(factory, "demo_bound", "auto_repay") == []
    assert [k for k in requests_of(factory, "demo_bound")] == [("unbind", "approved"), ("unbind", "approved")]
    assert [a for a in audit(factory) if a[1] == "service_unbound"] == [("customer:demo_bound", "service_unbound")] * 2


def test_unbinding_someone_elses_service_changes_nothing_at_all(factory) -> None:
    mine = bound_ids(factory, "demo_bound", "password_free")
    theirs = bound_ids(factory, "demo_balance", "auto_repay")
    before = audit(factory)
    outcome = run(factory, binding.apply_unbind, customer_id="demo_bound", service_ids=mine + theirs)
    assert outcome.stale and outcome.services == ()
    assert bound_ids(factory, "demo_bound", "password_free") == mine
    assert bound_ids(factory, "demo_balance", "auto_repay") == theirs
    assert audit(factory) == before


def test_unbinding_what_is_already_unbound_changes_nothing(factory) -> None:
    ids = bound_ids(factory, "demo_bound", "withholding")
    run(factory, binding.apply_unbind, customer_id="demo_bound", service_ids=ids)
    before = audit(factory)
    assert run(factory, binding.apply_unbind, customer_id="demo_bound", service_ids=ids).stale
    assert audit(factory) == before


def test_unbind_is_all_or_nothing_when_a_write_fails(factory, monkeypatch: pytest.MonkeyPatch) -> None:
    ids = bound_ids(factory, "demo_bound", "password_free", "withholding")
    calls = {"n": 0}
    real = queries.append_audit

    def failing_second_audit(*args, **kwargs):
        calls["n"] += 1
        if calls["n"] == 2:
            raise RuntimeError("disk full")
        return real(*args, **kwargs)

    monkeypatch.setattr(queries, "append_audit", failing_second_audit)
    with pytest.raises(RuntimeError):
        run(factory, binding.apply_unbind, customer_id="demo_bound", service_ids=ids)
    monkeypatch.undo()
    assert sorted(bound_ids(factory, "demo_bound", "password_free", "withholding")) == sorted(ids)


# ── the step-up: lowering the limit and unbinding consume a verification in the same transaction ──


def apply(factory, customer: str, change: dict):
    ctx = ChangeContext(customer, "rest", TODAY, load_catalog())
    with session_scope(factory) as s:
        return apply_change(s, change, ctx)


def verified(factory, customer: str, change: dict) -> None:
    purpose = step_up_purpose(change)
    assert purpose is not None
    with session_scope(factory) as s:
        verify_step_up(s, customer, purpose, change_fingerprint(change))


LOWER = {"kind": "lower_limit", "product": "huabei", "amount": "2000.00"}


def test_a_confirmed_limit_change_without_a_verified_code_changes_nothing(factory) -> None:
    before = audit(factory)
    assert apply(factory, "demo_balance", LOWER) == [Reply("utter_change_not_applied")]
    assert account(factory, "demo_balance", "huabei").credit_limit == Decimal("5000.00")
    assert audit(factory) == before


def test_a_verified_limit_change_is_applied_once(factory) -> None:
    verified(factory, "demo_balance", LOWER)
    assert [r.response for r in apply(factory, "demo_balance", LOWER)] == ["utter_limit_done"]
    assert account(factory, "demo_balance", "huabei").credit_limit == Decimal("2000.00")
    lower_again = {**LOWER, "amount": "1500.00"}
    assert apply(factory, "demo_balance", {**LOWER}) == [Reply("utter_change_not_applied")]  # used up
    assert apply(factory, "demo_balance", lower_again) == [Reply("utter_change_not_applied")]


def test_a_code_for_one_change_does_not_apply_another(factory) -> None:
    verified(factory, "demo_balance", LOWER)
    assert apply(factory, "demo_balance", {**LOWER, "amount": "1500.00"}) == [Reply("utter_change_not_applied")]
    assert apply(factory, "demo_balance", {**LOWER, "product": "jiebei"}) == [Reply("utter_change_not_applied")]
    assert account(factory, "demo_balance", "huabei").credit_limit == Decimal("5000.00")
    ids = bound_ids(factory, "demo_bound", "auto_repay")
    verified(factory, "demo_bound", {"kind": "unbind", "service_ids": ids[:1]})
    assert apply(factory, "demo_bound", {"kind": "unbind", "service_ids": ids}) == [Reply("utter_change_not_applied")]
    assert sorted(bound_ids(factory, "demo_bound", "auto_repay")) == sorted(ids)
    assert apply(factory, "demo_balance", LOWER) != [Reply("utter_change_not_applied")]  # still valid for its change


def test_a_verified_unbind_is_applied_in_any_order_of_services(factory) -> None:
    ids = bound_ids(factory, "demo_bound", "auto_repay")
    verified(factory, "demo_bound", {"kind": "unbind", "service_ids": list(reversed(ids))})
    assert [r.response for r in apply(factory, "demo_bound", {"kind": "unbind", "service_ids": ids})] == [
        "utter_unbind_done"
    ]
    assert bound_ids(factory, "demo_bound", "auto_repay") == []


def test_another_customers_verification_does_not_count(factory) -> None:
    ids = bound_ids(factory, "demo_bound", "withholding")
    change = {"kind": "unbind", "service_ids": ids}
    verified(factory, "demo_balance", change)
    assert apply(factory, "demo_bound", change) == [Reply("utter_change_not_applied")]
    assert bound_ids(factory, "demo_bound", "withholding") == ids


def test_pause_and_resume_need_no_code(factory) -> None:
    assert step_up_purpose({"kind": "pause"}) is None and step_up_purpose({"kind": "reopen"}) is None
    change = {"kind": "pause", "product": "huabei", "days": 30}
    assert [r.response for r in apply(factory, "demo_clean", change)] == ["utter_pause_done"]
