"""What the customer is told about a certificate: the link, or exactly what remains owed."""

from __future__ import annotations

from dataclasses import replace
from datetime import date, datetime, timezone
from decimal import Decimal

from actions.common import render
from bot.certificates import eligibility as cert
from bot.certificates.issuing import Issued
from bot.certificates.replies import choice_replies, outcome_replies
from bot.core.accounts import AccountSnapshot
from bot.core.catalog import load_catalog
from bot.core.product_choice import choose_products
from bot.core.replies import Reply
from tests.factories import (
    HUABEI,
    JIEBEI,
    TODAY,
    bill,
    instalment,
    make_account,
    make_customer,
    order,
    request,
)
from tests.rendering import domain

CATALOG = load_catalog()


def text(replies: list[Reply]) -> str:
    out = []
    for reply in replies:
        template = domain()["responses"][reply.response][0]["text"]
        out.append(template.format(**{k: render(domain(), v) for k, v in reply.params.items()}))
    return "\n".join(out)


def owed(account: AccountSnapshot) -> str:
    check = cert.check_certificate(account, "李娜", today=TODAY)
    assert isinstance(check, cert.StillOwed)
    replies, link = outcome_replies(check, CATALOG, public_url="http://x", today=TODAY)
    assert link is None
    return text(replies)


def test_issued_certificate_is_a_link_with_its_facts_and_a_file_payload() -> None:
    content = cert.CertificateContent(
        "黄*", "huabei", "花呗", "消费信用额度", Decimal("5000"), cert.CLOSED, date(2026, 10, 21)
    )
    issued = cert.IssuedCertificate(
        content, "JQ-AAAA-BBBB-CC", "tok" * 11, TODAY, datetime(2026, 11, 22, tzinfo=timezone.utc)
    )
    replies, link = outcome_replies(Issued(issued), CATALOG, public_url="http://bot:5005", today=TODAY)
    said = text(replies)
    url = "http://bot:5005/webhooks/certificates/download/" + "tok" * 11
    assert url in said and "JQ-AAAA-BBBB-CC" in said and "¥5,000.00" in said and "已于10月21日结清并关闭" in said
    assert "http://bot:5005/webhooks/certificates/verify/JQ-AAAA-BBBB-CC" in said
    # the share code is for checking the certificate, not a one-time code: never called 验证码
    assert "核验码 JQ-AAAA-BBBB-CC" in said and "验证码" not in said
    assert link is not None and link.payload() == {
        "attachment": {"type": "file", "url": url, "name": "花呗结清证明.pdf"}
    }


def test_bill_owed_says_amount_due_date_and_when() -> None:
    said = owed(make_account(bills=(bill("1234.50", date(2026, 12, 1)),)))
    assert "账单 ¥1,234.50，12月1日到期" in said and "合计 ¥1,234.50" in said and "最后一笔在12月1日到期" in said


def test_instalments_say_terms_and_the_last_term_across_the_year_end() -> None:
    said = owed(make_account(JIEBEI, instalments=(instalment(7, "2333.31"),)))
    assert "手机分期，还剩 7 期，共 ¥2,333.31，下一期12月1日到期，最后一期2027年6月1日到期" in said
    assert "最后一笔在2027年6月1日到期" in said


def test_overdue_has_no_schedule_only_the_total() -> None:
    account = make_account(bills=(bill("862.40", date(2026, 11, 5)),))
    said = owed(account)
    assert "逾期欠款 ¥862.40（从11月6日起逾期）" in said and "合计 ¥862.40。全部还清后" in said


def test_orders_only_name_the_merchant_and_expected_date() -> None:
    said = owed(make_account(orders=(order(),)))
    assert "优选家电旗舰店的退款 ¥1,299.00 还在处理中，预计11月25日完成" in said and "预计11月25日前" in said
    assert "合计" not in said


def test_closure_in_review_says_when() -> None:
    account = make_account(replace(JIEBEI, closure_review_days=3), status="pending_closure", requests=(request(),))
    check = cert.check_certificate(account, "孙丽", today=TODAY)
    assert isinstance(check, cert.AwaitingClosure)
    said = text(outcome_replies(check, CATALOG, public_url="http://x", today=TODAY)[0])
    assert "借呗的关闭申请还在审核中（11月20日提交）" in said and "3 个工作日" in said


def test_no_product_named_asks_with_a_button_per_product() -> None:
    customer = make_customer(make_account(HUABEI), make_account(JIEBEI, account_id=2))
    [ask] = choice_replies(choose_products([], customer), CATALOG)
    assert ask.response == "utter_ask_certificate_product"
    assert [p for _, p in ask.buttons][:2] == [
        '/request_settlement_certificate{"product":"huabei"}',
        '/request_settlement_certificate{"product":"jiebei"}',
    ]


def test_product_not_held_or_not_ours() -> None:
    customer = make_customer(make_account(HUABEI))
    [missing] = choice_replies(choose_products(["jiebei"], customer), CATALOG)
    assert "没有开通过借呗" in text([missing])
    [other] = choice_replies(choose_products([], customer, external="微粒贷"), CATALOG)
    assert other.response == "utter_product_not_served"
