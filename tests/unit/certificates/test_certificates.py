"""Settlement certificate rules: masking, month arithmetic, who can have one, what remains owed."""

from __future__ import annotations

import re
from dataclasses import replace
from datetime import date, datetime, timezone
from decimal import Decimal

import pytest

from bot.certificates import eligibility as cert
from bot.closing.eligibility import InstalmentsRemaining
from tests.factories import (
    HUABEI,
    JIEBEI,
    TODAY,
    bill,
    instalment,
    make_account,
    order,
    overdue,
    request,
)


@pytest.mark.parametrize(
    ("name", "masked"),
    [("王小明", "王*明"), ("李娜", "李*"), ("欧阳娜娜", "欧**娜"), ("王", "王"), (" 黄敏 ", "黄*"), ("", "")],
)
def test_names_are_masked_like_printed_certificates(name: str, masked: str) -> None:
    assert cert.mask_name(name) == masked


@pytest.mark.parametrize(
    ("start", "months", "expected"),
    [
        (date(2024, 1, 31), 1, date(2024, 2, 29)),  # leap year: end of February
        (date(2025, 1, 31), 1, date(2025, 2, 28)),  # common year
        (date(2023, 12, 31), 2, date(2024, 2, 29)),  # across a year end into a leap February
        (date(2024, 2, 29), 12, date(2025, 2, 28)),  # 29 Feb has no anniversary next year
        (date(2024, 2, 29), 48, date(2028, 2, 29)),  # ... but has one four years on
        (date(2026, 11, 30), 3, date(2027, 2, 28)),
        (date(2026, 8, 31), 1, date(2026, 9, 30)),  # 30-day month
        (date(2026, 5, 15), 0, date(2026, 5, 15)),
        (date(2026, 12, 5), 13, date(2028, 1, 5)),
    ],
)
def test_add_months_clamps_to_the_month_end(start: date, months: int, expected: date) -> None:
    assert cert.add_months(start, months) == expected


@pytest.mark.parametrize(
    ("next_due", "terms", "last"),
    [
        (date(2026, 1, 31), 7, date(2026, 7, 31)),
        (date(2027, 12, 31), 3, date(2028, 2, 29)),
        (date(2026, 12, 1), 1, date(2026, 12, 1)),
    ],
)
def test_last_instalment_due(next_due: date, terms: int, last: date) -> None:
    blocker = InstalmentsRemaining("手机分期", terms, Decimal("100"), True, next_due)
    assert cert.last_instalment_due(blocker) == last


def test_last_instalment_unknown_without_a_next_due_date() -> None:
    assert cert.last_instalment_due(InstalmentsRemaining("x", 3, Decimal("1"), True, None)) is None


@pytest.mark.parametrize("product", [HUABEI, JIEBEI])
def test_open_line_with_no_history_is_settled_as_of_today(product) -> None:
    check = cert.check_certificate(make_account(product, credit_limit=Decimal("8000")), "王小明", today=TODAY)
    assert isinstance(check, cert.CertificateReady)
    c = check.content
    assert (c.masked_name, c.product_id, c.product_name, c.credit_limit, c.state, c.settled_on) == (
        "王*明",
        product.id,
        product.display_name,
        Decimal("8000"),
        cert.SETTLED,
        TODAY,
    )


@pytest.mark.parametrize("product", [HUABEI, JIEBEI])
def test_closed_line_is_certified_with_its_closure_date(product) -> None:
    account = make_account(product, status="closed", closed_on=date(2024, 2, 29))
    check = cert.check_certificate(account, "黄敏", today=TODAY)
    assert isinstance(check, cert.CertificateReady)
    assert (check.content.state, check.content.settled_on, check.content.masked_name) == (
        cert.CLOSED,
        date(2024, 2, 29),
        "黄*",
    )


def test_past_overdue_that_was_repaid_does_not_block() -> None:
    account = make_account(overdues=(overdue(date(2024, 1, 2), date(2024, 2, 1)),))
    assert isinstance(cert.check_certificate(account, "刘洋", today=TODAY), cert.CertificateReady)


def test_frozen_line_with_nothing_owed_can_be_certified() -> None:
    account = make_account(JIEBEI, status="frozen_by_platform", platform_reason_code="risk_assessment")
    assert isinstance(cert.check_certificate(account, "赵磊", today=TODAY), cert.CertificateReady)


def test_unpaid_bill_is_owed_until_its_due_date() -> None:
    account = make_account(bills=(bill("1234.50", date(2026, 12, 1)),))
    check = cert.check_certificate(account, "李娜", today=TODAY)
    assert isinstance(check, cert.StillOwed)
    assert (check.total, check.last_due) == (Decimal("1234.50"), date(2026, 12, 1))


def test_instalments_and_bills_last_due_is_the_final_term() -> None:
    # instalment(): next due 2026-12-01; 7 terms → the last on 2027-06-01
    account = make_account(JIEBEI, bills=(bill("100", date(2026, 12, 10)),), instalments=(instalment(7, "2333.31"),))
    check = cert.check_certificate(account, "陈静", today=TODAY)
    assert isinstance(check, cert.StillOwed)
    assert (check.total, check.last_due) == (Decimal("2433.31"), date(2027, 6, 1))


def test_current_overdue_has_no_schedule_to_wait_for() -> None:
    account = make_account(
        bills=(bill("862.40", date(2026, 11, 5)),), overdues=(overdue(date(2026, 11, 6), None, "862.40"),)
    )
    check = cert.check_certificate(account, "张伟", today=TODAY)
    assert isinstance(check, cert.StillOwed)
    assert (check.total, check.last_due) == (Decimal("862.40"), None)


def test_unbilled_spending_is_owed_without_a_date() -> None:
    account = make_account(bills=(bill("50", date(2026, 12, 20), issued=False),))
    check = cert.check_certificate(account, "x", today=TODAY)
    assert isinstance(check, cert.StillOwed) and check.total == Decimal("50") and check.last_due is None


def test_refund_in_progress_blocks_until_it_completes() -> None:
    check = cert.check_certificate(make_account(orders=(order(),)), "杨帆", today=TODAY)
    assert isinstance(check, cert.StillOwed)
    assert (check.total, check.last_due) == (Decimal("0"), date(2026, 11, 25))
    done = make_account(orders=(order(completed=TODAY),))
    assert isinstance(cert.check_certificate(done, "杨帆", today=TODAY), cert.CertificateReady)


def test_closure_under_review_waits_for_the_closure() -> None:
    product = replace(JIEBEI, closure_review_days=3)
    account = make_account(product, status="pending_closure", requests=(request(),))
    check = cert.check_certificate(account, "孙丽", today=TODAY)
    assert isinstance(check, cert.AwaitingClosure)
    assert check.review_days == 3
    assert check.submitted_at == datetime(2026, 11, 20, 10, tzinfo=timezone.utc)


def test_verification_codes_are_readable_and_distinct() -> None:
    codes = {cert.new_verification_code() for _ in range(300)}
    assert len(codes) == 300
    for code in codes:
        assert re.fullmatch(r"JQ-[2-9A-HJKMNP-Z]{4}-[2-9A-HJKMNP-Z]{4}-[2-9A-HJKMNP-Z]{2}", code)


def test_download_tokens_are_long_and_url_safe() -> None:
    tokens = {cert.new_download_token() for _ in range(100)}
    assert len(tokens) == 100 and all(re.fullmatch(r"[A-Za-z0-9_-]{32}", t) for t in tokens)


def test_urls_start_with_the_public_address() -> None:
    assert cert.download_url("https://bot.example/", "tok") == "https://bot.example/webhooks/certificates/download/tok"
    assert cert.verify_url("http://localhost:5005", "JQ-1") == "http://localhost:5005/webhooks/certificates/verify/JQ-1"
