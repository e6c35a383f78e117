from datetime import date
from decimal import Decimal

import pytest

from bot.core.replies import FactUse, Reply
from bot.credit.impact import credit_impact_answer, detect_topic, intent_answer, record_kept_until
from bot.credit.knowledge import load_knowledge
from tests.factories import HUABEI, JIEBEI, TODAY, make_account, make_customer, overdue

KNOWLEDGE = load_knowledge()


@pytest.mark.parametrize(
    ("text", "topic"),
    [
        ("关闭花呗影响征信吗", "closing"),
        ("注销了借呗征信上还有记录吗", "closing"),
        ("逾期记录多久能消", "overdue"),
        ("晚还了两天会上征信吗", "overdue"),
        ("花钱找人能修复征信吗", "overdue"),
        ("只还最低还款会影响信用吗", "minimum_repayment"),
        ("分期会不会影响征信", "instalments"),
        ("暂停花呗对征信有影响吗", "pausing"),
        ("关掉自动还款影响信用吗", "unbinding"),
        ("关了以后重新开通会查征信吗", "inquiries"),
        ("我是开公司的 关了花呗对企业贷款有影响吗", "business_loan"),
        ("关花唄影響徵信嗎", "closing"),
        ("用花呗会上征信吗", "use"),
        ("征信", "general"),
        ("", "general"),
    ],
)
def test_detect_topic(text: str, topic: str) -> None:
    assert detect_topic(text, KNOWLEDGE) == topic


@pytest.mark.parametrize(
    ("ended", "until"),
    [
        (date(2024, 11, 22), date(2029, 11, 22)),
        (date(2024, 2, 29), date(2029, 2, 28)),  # leap day
        (date(2023, 12, 31), date(2028, 12, 31)),  # year end
        (date(2028, 2, 29), date(2033, 2, 28)),
    ],
)
def test_record_kept_until(ended: date, until: date) -> None:
    assert record_kept_until(ended) == until


def responses(parts) -> list[str]:
    return [p.response if isinstance(p, Reply) else f"fact:{p.id}" for p in parts]


def test_past_overdue_gets_its_dates() -> None:
    customer = make_customer(make_account(HUABEI, overdues=(overdue(date(2024, 10, 30), date(2024, 11, 22), "560"),)))
    parts = credit_impact_answer("overdue", customer, today=TODAY)
    personal = [p for p in parts if isinstance(p, Reply)]
    assert personal == [
        Reply(
            "utter_credit_personal_overdue_ended",
            {"product_name": "花呗", "ended": "2024年11月22日", "until": "2029年11月22日"},
        )
    ]
    assert responses(parts)[:2] == ["fact:overdue_reported", "fact:negative_five_years"]
    assert "fact:objection" in responses(parts) and "fact:no_paid_repair" in responses(parts)


def test_ongoing_overdue_clock_has_not_started() -> None:
    customer = make_customer(make_account(HUABEI, overdues=(overdue(date(2026, 11, 6), None, "862.40"),)))
    (personal,) = (p for p in credit_impact_answer("closing", customer, today=TODAY) if isinstance(p, Reply))
    assert personal.response == "utter_credit_personal_overdue_ongoing"
    assert personal.params == {"product_name": "花呗", "since": "11月6日", "amount": "¥862.40"}


def test_overdue_older_than_five_years_is_not_mentioned() -> None:
    customer = make_customer(make_account(HUABEI, overdues=(overdue(date(2019, 1, 1), date(2020, 1, 1)),)))
    personal = [p for p in credit_impact_answer("overdue", customer, today=TODAY) if isinstance(p, Reply)]
    assert [p.response for p in personal] == ["utter_credit_personal_no_overdue"]


def test_clean_customer_closing_both_hears_the_total_limit() -> None:
    customer = make_customer(
        make_account(HUABEI, credit_limit=Decimal("8000")),
        make_account(JIEBEI, account_id=2, credit_limit=Decimal("20000")),
    )
    parts = credit_impact_answer("closing", customer, today=TODAY)
    assert responses(parts) == [
        "fact:closing_not_negative",
        "fact:history_kept",
        "utter_credit_personal_no_overdue",
        "utter_credit_personal_total_limit",
        "fact:free_reports",
    ]
    total = parts[3]
    assert isinstance(total, Reply) and total.params["amount"] == "¥28,000.00"


def test_unknown_customer_gets_general_facts_only() -> None:
    parts = credit_impact_answer("pausing", None, today=TODAY)
    assert all(isinstance(p, FactUse) for p in parts) and responses(parts) == ["fact:pause_not_negative"]


def test_intent_answers_are_facts() -> None:
    assert responses(intent_answer("ask_data_deletion")) == [
        "fact:deletion_after_closing",
        "fact:aml_retention",
        "fact:credit_data_separate",
    ]
    assert intent_answer("greet") == []
