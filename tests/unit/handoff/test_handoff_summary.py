from datetime import date
from decimal import Decimal

from bot.closing import eligibility as el
from bot.handoff.summary import Turn, blocker_data, build_summary
from tests.factories import (
    HUABEI,
    JIEBEI,
    TODAY,
    bill,
    instalment,
    make_account,
    make_customer,
    order,
    overdue,
)

TURNS = [
    Turn("user", "借呗能注销吗", "close_account"),
    Turn("bot", "借呗现在还不能注销，需要先处理下面这些："),
    Turn("user", "我的电话是13812345678", "inform"),
    Turn("user", "关了影响征信吗", "ask_credit_impact"),
    Turn("bot", "借呗现在还不能注销，需要先处理下面这些："),  # said twice, listed once
    Turn("user", "转人工", "request_human"),
]


def summary_for(customer, turns=TURNS, phone="13800002222"):
    return build_summary(reason="requested", customer=customer, phone=phone, turns=turns, today=TODAY)


def test_customer_with_unpaid_bills_on_both_products() -> None:
    customer = make_customer(
        make_account(HUABEI, bills=(bill("1234.50", date(2026, 12, 1)),)),
        make_account(JIEBEI, account_id=2, instalments=(instalment(5, "4250.00"),)),
    )
    s = summary_for(customer)
    assert s["customer"] == {"id": "c1", "name": "测试用户", "phone_masked": "138****2222"}
    huabei, jiebei = s["products"]
    assert (huabei["name"], huabei["status"], huabei["owed"]) == ("花呗", "active", "¥1,234.50")
    assert huabei["blockers"] == [{"kind": "unpaid_bill", "amount": "¥1,234.50", "due_date": "2026-12-01"}]
    assert jiebei["owed"] == "¥4,250.00"
    assert jiebei["blockers"][0]["kind"] == "instalments_remaining"
    assert jiebei["blockers"][0]["remaining_terms"] == 5


def test_frozen_line_and_overdue_line() -> None:
    customer = make_customer(
        make_account(HUABEI, overdues=(overdue(date(2026, 11, 6), None, "862.40"),)),
        make_account(JIEBEI, account_id=2, status="frozen_by_platform", platform_reason_code="risk_assessment"),
    )
    huabei, jiebei = summary_for(customer)["products"]
    assert huabei["blockers"][0] == {"kind": "currently_overdue", "since": "2026-11-06", "amount": "¥862.40"}
    assert (jiebei["status"], jiebei["reason_code"]) == ("frozen_by_platform", "risk_assessment")
    assert jiebei["blockers"][0] == {"kind": "frozen_by_platform", "reason_code": "risk_assessment"}


def test_clean_customer_has_no_blockers_and_refund_customer_has_one() -> None:
    clean = summary_for(make_customer(make_account(HUABEI)))
    assert clean["products"][0]["blockers"] == [] and clean["products"][0]["owed"] == "¥0.00"
    refund = summary_for(make_customer(make_account(HUABEI, orders=(order(),))))
    assert refund["products"][0]["blockers"][0]["kind"] == "order_pending"
    assert refund["products"][0]["blockers"][0]["merchant"] == "优选家电旗舰店"
    assert refund["products"][0]["blockers"][0]["order_kind"] == "refund_in_progress"


def test_conversation_part_intents_explanations_last_messages() -> None:
    s = summary_for(make_customer(make_account(HUABEI)))
    assert s["reason"] == "requested"
    assert s["intents"] == ["close_account", "inform", "ask_credit_impact", "request_human"]
    assert s["bot_explained"] == ["借呗现在还不能注销，需要先处理下面这些："]
    assert s["last_messages"][-1] == {"speaker": "user", "text": "转人工"}
    assert len(s["last_messages"]) == len(TURNS)


def test_phone_numbers_never_appear_in_full() -> None:
    s = summary_for(make_customer(make_account(HUABEI)), phone="13800002222")
    text = repr(s)
    assert "13812345678" not in text and "13800002222" not in text
    assert "我的电话是138****5678" in text


def test_codes_id_and_card_numbers_are_masked_in_the_summary() -> None:
    turns = [Turn("user", "身份证11010119900307123X，卡6222021234567890，验证码 482913", "inform")]
    text = repr(summary_for(make_customer(make_account(HUABEI)), turns=turns))
    assert "11010119900307123X" not in text and "6222021234567890" not in text and "482913" not in text
    assert "[身份证号尾号123X]" in text and "[卡号尾号7890]" in text


def test_unknown_customer_still_gets_a_summary() -> None:
    s = summary_for(None, phone=None)
    assert s["customer"] is None and s["products"] == []
    assert s["intents"][0] == "close_account"


def test_only_the_latest_messages_are_kept() -> None:
    turns = [Turn("user", f"消息{i}", "nlu_fallback") for i in range(20)]
    s = summary_for(None, turns=turns, phone=None)
    assert [m["text"] for m in s["last_messages"]] == [f"消息{i}" for i in range(12, 20)]


def test_blocker_data_names_the_kind() -> None:
    assert blocker_data(el.UnbilledSpending(Decimal("12.3"))) == {"kind": "unbilled_spending", "amount": "¥12.30"}
