"""Settlement certificates end to end: the reply, the stored certificate, the PDF served over HTTP."""

from __future__ import annotations

import io
from datetime import date, datetime, timedelta
from typing import Any
from urllib.parse import quote

import pytest
import requests
from pypdf import PdfReader
from sqlalchemy import select

from bot.certificates.eligibility import add_months
from bot.closing import submission as closure
from bot.config import Settings
from bot.core.formatting import cn_date
from bot.db import models as m
from bot.db.session import session_scope
from tests.e2e.conftest import RASA_PORT

pytestmark = pytest.mark.e2e
BASE = f"http://localhost:{RASA_PORT}/webhooks/certificates"


def business_today() -> date:
    return datetime.now(Settings.from_env().zone).date()


def certificates(db, customer: str) -> list[m.SettlementCertificate]:
    with session_scope(db) as s:
        stmt = select(m.SettlementCertificate).where(m.SettlementCertificate.customer_id == customer)
        return list(s.execute(stmt).scalars())


def pdf_text(pdf: bytes) -> str:
    return "".join("".join(p.extract_text().split()) for p in PdfReader(io.BytesIO(pdf)).pages)


def ask(chat, customer: str, message: str) -> tuple[str, list[dict[str, Any]]]:
    messages = chat(customer).send(message)
    text = "\n".join(x.get("text", "") for x in messages)
    return text, [x["custom"] for x in messages if "custom" in x]


@pytest.mark.parametrize(
    ("customer", "message", "product", "name", "limit", "state"),
    [
        ("demo_closed", '/request_settlement_certificate{"product":"huabei"}', "huabei", "黄*", "¥5,000.00", "closed"),
        (
            "demo_clean",
            '/request_settlement_certificate{"product":"jiebei"}',
            "jiebei",
            "王*明",
            "¥20,000.00",
            "settled",
        ),
        (
            "demo_past_overdue",
            '/request_settlement_certificate{"product":"huabei"}',
            "huabei",
            "刘*",
            "¥6,000.00",
            "settled",
        ),
    ],
)
def test_nothing_owed_gets_a_certificate_link_and_a_pdf(
    chat, db, customer, message, product, name, limit, state
) -> None:
    today = business_today()
    text, custom = ask(chat, customer, message)
    [row] = certificates(db, customer)
    assert (row.product_id, row.masked_name, row.state) == (product, name, state)
    settled = today - timedelta(days=32) if state == "closed" else today
    assert row.settled_on == settled
    url = f"{BASE}/download/{row.download_token}"
    assert url in text and row.verification_code in text and limit in text and name in text
    assert (
        f"已于{cn_date(settled, today=today)}结清并关闭"
        if state == "closed"
        else f"截至{cn_date(settled, today=today)}已全部结清"
    ) in text
    assert custom == [{"attachment": {"type": "file", "url": url, "name": f"{row.product_name}结清证明.pdf"}}]

    pdf = requests.get(url, timeout=30)
    assert pdf.status_code == 200 and pdf.headers["Content-Type"] == "application/pdf"
    assert row.verification_code in pdf.headers["Content-Disposition"]
    assert "filename*=UTF-8''" + quote(f"{row.product_name}结清证明-") in pdf.headers["Content-Disposition"]
    body = pdf_text(pdf.content)
    for fact in ["结清证明", name, row.product_name, limit, cn_date(settled), cn_date(today), row.verification_code]:
        assert fact in body, fact

    check = requests.get(f"{BASE}/verify/{row.verification_code}", timeout=10).json()
    assert check == {
        "valid": True,
        "verification_code": row.verification_code,
        "customer": name,
        "product": row.product_name,
        "credit_limit": f"{row.credit_limit:.2f}",
        "state": state,
        "settled_on": settled.isoformat(),
        "issued_on": today.isoformat(),
    }


@pytest.mark.parametrize(
    ("customer", "message", "facts"),
    [
        (
            "demo_balance",
            '/request_settlement_certificate{"product":"jiebei"}',
            lambda t: ["账单 ¥3,256.80", f"{cn_date(t + timedelta(days=12), today=t)}到期", "合计 ¥3,256.80"],
        ),
        (
            "demo_instalment",
            '/request_settlement_certificate{"product":"huabei"}',
            lambda t: [
                "手机分期，还剩 7 期，共 ¥2,333.31",
                f"最后一期{cn_date(add_months(t + timedelta(days=6), 6), today=t)}到期",
                f"最后一笔在{cn_date(add_months(t + timedelta(days=6), 6), today=t)}到期",
            ],
        ),
        (
            "demo_overdue",
            '/request_settlement_certificate{"product":"huabei"}',
            lambda t: ["逾期欠款 ¥862.40", "合计 ¥862.40。全部还清后"],
        ),
    ],
)
def test_money_owed_says_exactly_what_remains_and_issues_nothing(chat, db, customer, message, facts) -> None:
    text, custom = ask(chat, customer, message)
    assert "现在还开不了结清证明" in text and custom == []
    for fact in facts(business_today()):
        assert fact in text, fact
    assert certificates(db, customer) == []


def test_closure_under_review_is_certified_after_closing(chat, db) -> None:
    with session_scope(db) as s:
        closure.submit_closure(s, customer_id="demo_bound", product_id="jiebei", channel="rest", today=business_today())
    text, _ = ask(chat, "demo_bound", '/request_settlement_certificate{"product":"jiebei"}')
    assert "借呗的关闭申请还在审核中" in text and "关闭后就能开结清证明" in text and "3 个工作日" in text
    assert certificates(db, "demo_bound") == []


def test_without_a_product_the_bot_asks_which(chat) -> None:
    [question] = chat("demo_clean").send("/request_settlement_certificate")
    assert question["text"] == "要开哪个产品的结清证明？"
    assert [b["title"] for b in question["buttons"]] == ["花呗", "借呗", "两个都看看"]


@pytest.mark.parametrize(
    "path",
    [
        "download/" + "A" * 32,
        "download/",
        "download/..%2F..%2Fetc%2Fpasswd",
        "download/%3Cscript%3E",
        "verify/JQ-0000-0000-00",
        "verify/",
        "",
    ],
)
def test_unknown_or_malformed_links_are_404_and_nothing_is_listed(servers, path: str) -> None:
    assert requests.get(f"{BASE}/{path}", timeout=10).status_code == 404
