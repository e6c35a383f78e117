"""Questions about closing for a bank are answered; wishes for more credit never lower the limit."""

import pytest

from bot.core.replies import FactUse, Reply
from bot.credit.advice import closing_advice_answer, is_closing_advice_question, wants_more_credit
from tests.factories import TODAY, make_account, make_customer


@pytest.mark.parametrize(
    "text",
    [
        "银行让我先注销 有必要吗",
        "办房贷银行说要把借呗关了 必须要关吗",
        "贷款经理让我注销花呗，不注销行不行",
        "买房前要不要把花呗注销？",
    ],
)
def test_a_question_about_closing_for_a_loan(text: str) -> None:
    assert is_closing_advice_question(text)


@pytest.mark.parametrize(
    "text", ["借呗能注销吗", "我想把花呗关了", "办房贷 帮我注销借呗", "银行要求的 我要注销借呗", "办房贷前借呗能注销吗"]
)
def test_a_request_to_close_is_no_advice_question(text: str) -> None:
    assert not is_closing_advice_question(text)


def test_the_answer_offers_closing_and_the_alternatives_without_starting_anything() -> None:
    parts = closing_advice_answer(make_customer(make_account()), ["huabei"], today=TODAY)
    assert parts[0] == Reply("utter_closing_advice_intro")
    assert FactUse("no_business_loan_promise") in parts
    offer = parts[-1]
    assert isinstance(offer, Reply) and offer.response == "utter_closing_advice_offer"
    assert [payload for _, payload in offer.buttons] == [
        '/close_account{"product":"huabei"}',
        '/request_settlement_certificate{"product":"huabei"}',
        '/lower_limit{"product":"huabei"}',
    ]


@pytest.mark.parametrize(
    "text",
    [
        "经营贷想要多一点额度",
        "能不能给我提额",
        "额度太低了不够用",
        "想借更多",
        "借呗额度能不能提高一点",
        "生意需要 贷款能再多一点吗",
    ],
)
def test_a_wish_for_more_credit(text: str) -> None:
    assert wants_more_credit(text)


@pytest.mark.parametrize("text", ["额度太高了，只给我留一千", "借呗额度降到5000", "花呗额度调低一点", "额度给我留一千"])
def test_lowering_is_no_wish_for_more(text: str) -> None:
    assert not wants_more_credit(text)
