from datetime import date
from decimal import Decimal

import pytest

from bot.core.replies import FactUse, Reply
from bot.credit.impact import credit_impact_answer, intent_answer, record_kept_until
from bot.credit.topics import detect_topics
from tests.factories import HUABEI, JIEBEI, TODAY, make_account, make_customer, overdue


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
    parts = credit_impact_answer(("overdue",), customer, today=TODAY)
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
    (personal,) = (p for p in credit_impact_answer(("closing",), customer, today=TODAY) if isinstance(p, Reply))
    assert personal.response == "utter_credit_personal_overdue_ongoing"
    assert personal.params == {"product_name": "花呗", "since": "11月6日", "amount": "¥862.40"}


def test_overdue_older_than_five_years_is_not_mentioned() -> None:
    customer = make_customer(make_account(HUABEI, overdues=(overdue(date(2019, 1, 1), date(2020, 1, 1)),)))
    personal = [p for p in credit_impact_answer(("overdue",), customer, today=TODAY) if isinstance(p, Reply)]
    assert [p.response for p in personal] == ["utter_credit_personal_no_overdue"]


def test_clean_customer_closing_both_hears_the_total_limit() -> None:
    customer = make_customer(
        make_account(HUABEI, credit_limit=Decimal("8000")),
        make_account(JIEBEI, account_id=2, credit_limit=Decimal("20000")),
    )
    parts = credit_impact_answer(("closing",), customer, today=TODAY)
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
    parts = credit_impact_answer(("pausing",), None, today=TODAY)
    assert all(isinstance(p, FactUse) for p in parts) and responses(parts) == ["fact:pause_not_negative"]


def test_intent_answers_are_facts() -> None:
    assert responses(intent_answer("ask_data_deletion")) == [
        "fact:deletion_after_closing",
        "fact:aml_retention",
        "fact:credit_data_separate",
    ]
    assert intent_answer("greet") == []


def clean_customer_with_both():
    return make_customer(
        make_account(HUABEI, credit_limit=Decimal("8000")),
        make_account(JIEBEI, account_id=2, credit_limit=Decimal("20000")),
    )


def answer_to(question: str, customer=None) -> list[str]:
    return responses(credit_impact_answer(detect_topics(question), customer, today=TODAY))


def test_is_closing_a_bad_record_hears_that_it_is_not() -> None:
    # 不良记录 used to pick the overdue answer, which never says closing is not a bad record
    assert answer_to("主动关闭算不算不良记录")[0] == "fact:closing_not_negative"
    assert answer_to("关闭花呗算不算有不良记录啊")[0] == "fact:closing_not_negative"


@pytest.mark.parametrize(
    ("question", "first_fact"),
    [
        ("征信上会显示我买了什么东西吗", "fact:report_shows_lender"),
        ("提前还款影响征信吗", "fact:early_repayment_not_negative"),
        ("借呗一次性还清会有不良记录吗", "fact:early_repayment_not_negative"),
        ("调低额度会影响征信吗", "fact:lower_limit_not_negative"),
        ("芝麻分是不是就是征信", "fact:zhima_not_credit_report"),
        ("怎么查自己的征信", "fact:free_reports"),
    ],
)
def test_questions_that_got_the_closing_answer_get_their_own(question: str, first_fact: str) -> None:
    said = answer_to(question, clean_customer_with_both())
    assert said[0] == first_fact
    assert "fact:closing_not_negative" not in said and "utter_credit_personal_total_limit" not in said


@pytest.mark.parametrize(
    "question",
    ["我开公司要贷款，关借呗会不会对贷款好一点", "我是开公司的 关了花呗对企业贷款有影响吗", "借呗和房贷有关联没"],
)
def test_a_loan_question_never_hears_the_total_limit_sum(question: str) -> None:
    said = answer_to(question, clean_customer_with_both())
    assert said[0] == "fact:no_business_loan_promise"
    assert "utter_credit_personal_total_limit" not in said


def test_one_day_late_hears_repay_now_and_check_not_only_the_five_year_rule() -> None:
    said = answer_to("我的借呗不小心逾期了一天，是否会影响信用")
    assert said[:2] == ["fact:late_repay_now", "fact:negative_five_years"]
    assert "fact:free_reports" in said


def test_two_topics_are_both_answered_each_fact_once_and_briefly() -> None:
    said = answer_to("之前的逾期会不会因为我注销就没了", clean_customer_with_both())
    facts = [s for s in said if s.startswith("fact:")]
    assert facts[:4] == [
        "fact:closing_not_negative",
        "fact:history_kept",
        "fact:overdue_reported",
        "fact:negative_five_years",
    ]
    assert len(facts) == len(set(facts)) and len(facts) <= 6  # at most 2 routes after the facts of 2 topics


def test_at_most_two_topics_are_answered() -> None:
    parts = credit_impact_answer(("closing", "zhima", "instalments"), None, today=TODAY)
    assert "fact:on_time_is_normal" not in responses(parts)
    assert "fact:zhima_not_credit_report" in responses(parts)
