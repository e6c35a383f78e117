from __future__ import annotations

from decimal import Decimal

import pytest

from bot.limit import limit as lm
from tests.factories import TODAY, make_account

D = Decimal


def account(limit: str = "8000", used: str = "1200", **over):
    return make_account(credit_limit=D(limit), used_amount=D(used), **over)


def test_lower_within_bounds_gives_the_plan() -> None:
    assert lm.check_lower_limit(account(), D("1200"), today=TODAY) == lm.LimitPlan(D("8000"), D("1200"))


def test_no_amount_asks_with_limit_and_used() -> None:
    assert lm.check_lower_limit(account(), None, today=TODAY) == lm.NeedAmount(D("8000"), D("1200"))


def test_never_below_what_is_used() -> None:
    assert lm.check_lower_limit(account(), D("1000"), today=TODAY) == lm.BelowUsed(D("1000"), D("1200"))


@pytest.mark.parametrize("amount", ["8000", "9000"])
def test_not_lower_is_refused(amount: str) -> None:
    assert lm.check_lower_limit(account(), D(amount), today=TODAY) == lm.NotLower(D(amount), D("8000"))


@pytest.mark.parametrize("amount", ["0", "-1"])
def test_zero_is_not_a_limit(amount: str) -> None:
    assert lm.check_lower_limit(account(used="0"), D(amount), today=TODAY) == lm.AmountNotPositive()


def test_a_paused_line_can_be_lowered() -> None:
    assert isinstance(lm.check_lower_limit(account(status="paused"), D("5000"), today=TODAY), lm.LimitPlan)


@pytest.mark.parametrize("status", ["closed", "frozen_by_platform", "pending_closure"])
def test_lines_not_in_use_cannot_be_changed(status: str) -> None:
    assert lm.check_lower_limit(account(status=status), D("5000"), today=TODAY) == lm.LimitBlocked(status)
