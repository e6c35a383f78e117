from __future__ import annotations

from dataclasses import replace
from datetime import timedelta

import pytest

from bot.pause import reopen as ro
from tests.factories import HUABEI, TODAY, make_account, request


def closed(days_ago: int, **over):
    return make_account(status="closed", closed_on=TODAY - timedelta(days=days_ago), **over)


def test_paused_can_resume_now() -> None:
    until = TODAY + timedelta(days=20)
    assert ro.check_reopen(make_account(status="paused", paused_until=until), today=TODAY) == ro.ResumeNow(until)


def test_a_pause_past_its_end_has_ended_by_itself() -> None:
    until = TODAY - timedelta(days=3)
    assert ro.check_reopen(make_account(status="paused", paused_until=until), today=TODAY) == ro.PauseEnded(until)


def test_active_needs_nothing() -> None:
    assert ro.check_reopen(make_account(), today=TODAY) == ro.AlreadyActive()


@pytest.mark.parametrize(("days_ago", "days_left"), [(0, 30), (10, 20), (29, 1)])
def test_within_the_cool_down_says_from_when(days_ago: int, days_left: int) -> None:
    check = ro.check_reopen(closed(days_ago), today=TODAY)
    assert check == ro.CoolingDown(TODAY - timedelta(days=days_ago), TODAY + timedelta(days=days_left), days_left)


@pytest.mark.parametrize("days_ago", [30, 32, 400])
def test_after_the_cool_down_a_reviewed_request_is_possible(days_ago: int) -> None:
    check = ro.check_reopen(closed(days_ago), today=TODAY)
    assert check == ro.CanApply(TODAY - timedelta(days=days_ago), requires_review=True)


def test_catalog_without_review_or_cool_down() -> None:
    product = replace(HUABEI, reopen_cooldown_days=0, reopen_requires_review=False)
    assert ro.check_reopen(closed(0, product=product), today=TODAY) == ro.CanApply(TODAY, requires_review=False)


def test_an_open_reopen_request_is_not_repeated() -> None:
    pending = request(kind="reopen", status="submitted", id=9)
    check = ro.check_reopen(closed(40, requests=(pending,)), today=TODAY)
    assert isinstance(check, ro.ReopenPending) and check.request_id == 9


def test_a_decided_reopen_request_does_not_block_a_new_one() -> None:
    rejected = request(kind="reopen", status="rejected")
    assert isinstance(ro.check_reopen(closed(40, requests=(rejected,)), today=TODAY), ro.CanApply)


def test_frozen_by_the_platform_gives_the_reason_category() -> None:
    account = make_account(status="frozen_by_platform", platform_reason_code="overdue")
    assert ro.check_reopen(account, today=TODAY) == ro.ReopenFrozenByPlatform("overdue")


def test_closure_still_under_review() -> None:
    assert ro.check_reopen(make_account(status="pending_closure"), today=TODAY) == ro.ClosurePending()
