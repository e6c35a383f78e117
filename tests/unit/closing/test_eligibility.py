from datetime import date
from decimal import Decimal

import pytest

from bot.closing import eligibility as el
from tests.factories import (
    JIEBEI,
    TODAY,
    bill,
    instalment,
    make_account,
    order,
    overdue,
    request,
    service,
)


def kinds(check: el.ClosureCheck) -> list[type]:
    return [type(b) for b in check.blockers]


def test_clean_account_is_eligible() -> None:
    check = el.check_closure(make_account(), today=TODAY)
    assert check.eligible
    assert check.blockers == ()
    assert check.amount_owed == Decimal("0")


@pytest.mark.parametrize(
    ("account", "expected"),
    [
        (
            make_account(bills=(bill("1234.50", date(2026, 12, 1)),)),
            el.UnpaidBill(Decimal("1234.50"), date(2026, 12, 1)),
        ),
        (make_account(bills=(bill("88.00", date(2026, 12, 1), issued=False),)), el.UnbilledSpending(Decimal("88.00"))),
        (
            make_account(overdues=(overdue(date(2026, 11, 6), None, "862.40"),)),
            el.CurrentlyOverdue(date(2026, 11, 6), Decimal("862.40")),
        ),
        (
            make_account(instalments=(instalment(7, "2333.31"),)),
            el.InstalmentsRemaining("手机分期", 7, Decimal("2333.31"), True, date(2026, 12, 1)),
        ),
        (
            make_account(orders=(order(),)),
            el.OrderPending("refund_in_progress", "优选家电旗舰店", Decimal("1299.00"), date(2026, 11, 25)),
        ),
        (make_account(status="frozen_by_platform", platform_reason_code="overdue"), el.FrozenByPlatform("overdue")),
        (make_account(requests=(request(),)), el.RequestPending(7, "under_review", request().created_at)),
        (make_account(status="pending_closure"), el.RequestPending(None, "under_review", None)),
    ],
)
def test_each_blocker_is_reported(account, expected) -> None:
    check = el.check_closure(account, today=TODAY)
    assert not check.eligible
    assert check.blockers == (expected,)


def test_closed_account_reports_only_that_it_is_closed() -> None:
    account = make_account(status="closed", closed_on=date(2026, 10, 21), bills=(bill("10", date(2026, 12, 1)),))
    assert el.check_closure(account, today=TODAY).blockers == (el.AlreadyClosed(date(2026, 10, 21)),)


def test_all_blockers_come_back_together_in_a_stable_order() -> None:
    account = make_account(
        product=JIEBEI,
        status="frozen_by_platform",
        platform_reason_code="risk_assessment",
        bills=(bill("100", date(2026, 12, 1)), bill("50", date(2026, 12, 1), issued=False)),
        overdues=(overdue(date(2026, 11, 1), None, "30"),),
        instalments=(instalment(3, "300", early=False),),
        orders=(order("order_unconfirmed"),),
        requests=(request(),),
    )
    check = el.check_closure(account, today=TODAY)
    assert kinds(check) == [
        el.RequestPending,
        el.FrozenByPlatform,
        el.CurrentlyOverdue,
        el.UnpaidBill,
        el.UnbilledSpending,
        el.InstalmentsRemaining,
        el.OrderPending,
    ]
    assert check.amount_owed == Decimal("480")


def test_zero_amount_and_fully_paid_bills_do_not_block() -> None:
    account = make_account(bills=(bill("0", date(2026, 12, 1)), bill("300", date(2026, 12, 1), paid="300")))
    assert el.check_closure(account, today=TODAY).eligible


def test_overpaid_bill_counts_as_settled() -> None:
    assert el.check_closure(make_account(bills=(bill("100", date(2026, 12, 1), paid="120"),)), today=TODAY).eligible


def test_settled_instalments_do_not_block() -> None:
    account = make_account(instalments=(instalment(0, "0"), instalment(0, "12.00")))
    assert el.check_closure(account, today=TODAY).eligible


def test_refund_completed_today_does_not_block() -> None:
    completed = make_account(orders=(order(status="completed", completed=TODAY),))
    marked_today = make_account(orders=(order(status="pending", completed=TODAY),))
    assert el.check_closure(completed, today=TODAY).eligible
    assert el.check_closure(marked_today, today=TODAY).eligible


def test_bill_due_today_is_unpaid_not_overdue() -> None:
    check = el.check_closure(make_account(bills=(bill("10", TODAY),)), today=TODAY)
    assert check.blockers == (el.UnpaidBill(Decimal("10"), TODAY),)


def test_past_due_bill_without_overdue_record_is_overdue_from_the_next_day() -> None:
    check = el.check_closure(make_account(bills=(bill("10", date(2026, 11, 20)),)), today=TODAY)
    assert check.blockers == (el.CurrentlyOverdue(date(2026, 11, 21), Decimal("10")),)


def test_ended_overdue_does_not_block() -> None:
    account = make_account(overdues=(overdue(date(2024, 10, 1), date(2024, 11, 22)),))
    assert el.check_closure(account, today=TODAY).eligible


def test_several_ongoing_overdues_are_summed_from_the_earliest() -> None:
    account = make_account(overdues=(overdue(date(2026, 11, 10), None, "5"), overdue(date(2026, 10, 2), None, "7")))
    assert el.check_closure(account, today=TODAY).blockers == (el.CurrentlyOverdue(date(2026, 10, 2), Decimal("12")),)


def test_decided_closure_requests_do_not_block() -> None:
    for status in ("approved", "rejected", "withdrawn"):
        assert el.check_closure(make_account(requests=(request(status=status),)), today=TODAY).eligible


def test_other_kinds_of_open_request_do_not_block() -> None:
    assert el.check_closure(make_account(requests=(request(kind="pause"),)), today=TODAY).eligible


def test_latest_open_closure_request_is_the_one_shown() -> None:
    older = request(id=1, status="submitted", day=date(2026, 11, 1))
    newer = request(id=2, status="under_review", day=date(2026, 11, 20))
    blocker = el.check_closure(make_account(requests=(older, newer)), today=TODAY).blockers[0]
    assert isinstance(blocker, el.RequestPending) and blocker.request_id == 2


def test_bound_services_are_affected_not_blocking() -> None:
    account = make_account(
        services=(service("auto_repay"), service("password_free", "滴滴出行", status="unbound", id=2))
    )
    check = el.check_closure(account, today=TODAY)
    assert check.eligible
    assert [s.service_type for s in check.affected_services] == ["auto_repay"]


def test_paused_account_can_be_closed() -> None:
    assert el.check_closure(make_account(status="paused", paused_until=date(2027, 1, 1)), today=TODAY).eligible
