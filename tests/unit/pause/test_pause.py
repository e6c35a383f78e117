from __future__ import annotations

from dataclasses import replace
from datetime import date, timedelta
from decimal import Decimal

import pytest

from bot.core.repayments import NextRepayment
from bot.pause import pause as pz
from tests.factories import HUABEI, TODAY, bill, instalment, make_account, service


def test_a_valid_length_gives_the_plan_with_dates_and_what_stays_due() -> None:
    account = make_account(bills=(bill("300", date(2026, 12, 9)),), services=(service("auto_repay"),))
    check = pz.check_pause(account, 90, today=TODAY)
    assert check == pz.PausePlan(
        days=90,
        until=date(2027, 2, 20),
        credit_limit=Decimal("5000"),
        next_due=NextRepayment(date(2026, 12, 9), Decimal("300")),
        auto_repay_on=True,
    )


def test_instalment_term_is_the_next_repayment_when_earlier() -> None:
    account = make_account(instalments=(instalment(4, "400"),))  # next term 2026-12-01
    check = pz.check_pause(account, 30, today=TODAY)
    assert isinstance(check, pz.PausePlan)
    assert check.next_due == NextRepayment(date(2026, 12, 1), Decimal("100.00")) and not check.auto_repay_on


def test_no_length_asks_with_the_catalog_bounds() -> None:
    assert pz.check_pause(make_account(), None, today=TODAY) == pz.NeedDuration(7, 365)


@pytest.mark.parametrize("days", [0, 1, 6, 366, 730])
def test_out_of_range_lengths_are_refused_with_the_bounds(days: int) -> None:
    assert pz.check_pause(make_account(), days, today=TODAY) == pz.DurationOutOfRange(days, 7, 365)


@pytest.mark.parametrize("days", [7, 365])
def test_bounds_are_inclusive(days: int) -> None:
    assert isinstance(pz.check_pause(make_account(), days, today=TODAY), pz.PausePlan)


def test_product_without_pause_in_the_catalog() -> None:
    product = replace(HUABEI, pause_available=False)
    assert pz.check_pause(make_account(product), 30, today=TODAY) == pz.PauseNotOffered()


def test_an_ongoing_pause_is_reported_with_its_end() -> None:
    account = make_account(status="paused", paused_until=TODAY + timedelta(days=10))
    assert pz.check_pause(account, 30, today=TODAY) == pz.AlreadyPaused(TODAY + timedelta(days=10))


def test_a_pause_that_ran_out_counts_as_active_so_a_new_one_is_possible() -> None:
    account = make_account(status="paused", paused_until=TODAY - timedelta(days=1))
    assert account.effective_status(TODAY) == "active"
    assert isinstance(pz.check_pause(account, 30, today=TODAY), pz.PausePlan)


def test_the_last_paused_day_is_still_paused() -> None:
    account = make_account(status="paused", paused_until=TODAY)
    assert account.effective_status(TODAY) == "paused"
    assert account.effective_status(TODAY + timedelta(days=1)) == "active"


@pytest.mark.parametrize("status", ["closed", "frozen_by_platform", "pending_closure"])
def test_lines_not_in_use_cannot_be_paused(status: str) -> None:
    assert pz.check_pause(make_account(status=status), 30, today=TODAY) == pz.PauseBlocked(status)
