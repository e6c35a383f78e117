from decimal import Decimal
from typing import Any

import pytest
from sqlalchemy import func, select

from actions.closing import ActionCheckClosure
from bot.credit.knowledge import load_knowledge
from bot.db import models as m
from bot.db.session import session_scope
from tests.actions.conftest import make_tracker, run_action, seed_day
from tests.rendering import fragment, params, payloads, render, replies, reply, said, titles

pytestmark = pytest.mark.usefixtures("action_db")


async def closure_answer(sender: str, products: list[str] | None = None, **kw: Any) -> list[dict[str, Any]]:
    messages, _ = await run_action(
        ActionCheckClosure(clock=seed_day), make_tracker(sender, slots={"product": products}, **kw)
    )
    return messages


async def test_demo_balance_hears_its_unpaid_jiebei_bill() -> None:
    messages = await closure_answer("demo_balance", ["jiebei"])
    assert said(messages) == [
        "utter_closure_blocked_intro",
        "utter_closure_blocker_unpaid_bill",
        "utter_closure_blocked_total",
    ]
    assert params(messages[0]) == {"product_name": "借呗"}
    assert params(messages[1]) == {"amount": "¥3,256.80", "due_date": "12月4日"}
    assert params(messages[2]) == {"amount": "¥3,256.80"}


async def test_demo_clean_is_eligible_for_both() -> None:
    messages = await closure_answer("demo_clean", ["huabei", "jiebei"])
    assert replies(messages, "utter_closure_eligible") == [
        {"product_name": "花呗和借呗", "limit": "花呗 ¥8,000.00、借呗 ¥20,000.00"}
    ]
    matters = render(reply(messages, "utter_closure_what_matters"))
    assert load_knowledge().fact("closing_not_negative").text in matters
    assert "utter_closure_blocked_intro" not in said(messages)
    assert len(messages) + 1 <= 4  # + the form's confirmation question


async def test_demo_overdue() -> None:
    messages = await closure_answer("demo_overdue", ["huabei"])
    assert params(reply(messages, "utter_closure_blocker_overdue")) == {"since": "11月6日", "amount": "¥862.40"}
    assert "fact:negative_five_years" in said(messages)


async def test_demo_instalment_lists_terms_and_early_settlement() -> None:
    messages = await closure_answer("demo_instalment", ["huabei"])
    assert params(reply(messages, "utter_closure_blocker_instalments")) == {
        "description": "手机分期",
        "terms": "7",
        "amount": "¥2,333.31",
        "early_settlement": fragment("utter_closure_early_settlement_possible"),
    }


async def test_demo_refund_lists_both_orders_together() -> None:
    messages = await closure_answer("demo_refund", ["huabei"])
    assert params(reply(messages, "utter_closure_blocker_refund")) == {
        "merchant": "优选家电旗舰店",
        "amount": "¥1,299.00",
        "expected": fragment("utter_closure_expected_by", date="11月25日"),
    }
    assert params(reply(messages, "utter_closure_blocker_order")) == {
        "merchant": "鲜果生活超市",
        "amount": "¥89.90",
        "expected": fragment("utter_closure_expected_by", date="12月1日"),
    }


async def test_demo_frozen_needs_a_human() -> None:
    messages = await closure_answer("demo_frozen", ["jiebei"])
    assert params(reply(messages, "utter_closure_blocker_frozen")) == {
        "reason": fragment("utter_reason_risk_assessment")
    }
    assert said(messages)[-1] == "utter_handoff_offer"


async def test_demo_closed_is_already_closed() -> None:
    messages = await closure_answer("demo_closed", ["huabei"])
    assert said(messages) == ["utter_closure_already_closed"]
    assert params(messages[0]) == {"product_name": "花呗", "closed_on": "10月21日"}


async def test_demo_bound_says_which_services_end_and_which_agreements_stay() -> None:
    messages = await closure_answer("demo_bound", ["jiebei"])
    assert params(reply(messages, "utter_closure_eligible")) == {"product_name": "借呗", "limit": "¥25,000.00"}
    matters = render(reply(messages, "utter_closure_what_matters"))
    assert "绑定在借呗上的自动还款（招商银行储蓄卡，尾号6789）会随关闭一起结束" in matters
    assert "绑定银行卡" in matters and "第三方授权（优选商城）" in matters and "不会因为关闭而取消" in matters


async def test_missing_product_asks_with_buttons_for_the_customers_products() -> None:
    messages, _ = await run_action(ActionCheckClosure(clock=seed_day), make_tracker("demo_clean"))
    (ask,) = messages
    assert ask["response"] == "utter_ask_closure_product"
    assert titles(ask) == ["花呗", "借呗", fragment("utter_button_all_products")]
    assert payloads(ask) == [
        '/close_account{"product":"huabei"}',
        '/close_account{"product":"jiebei"}',
        '/close_account{"product":["huabei","jiebei"]}',
    ]


async def test_other_companys_product_is_not_mapped_to_ours() -> None:
    entities = [{"entity": "external_product", "value": "微粒贷", "start": 0, "end": 3}]
    messages = await closure_answer("demo_clean", None, entities=entities)
    assert said(messages) == ["utter_product_not_served"]
    assert params(messages[0]) == {"external_product": "微粒贷", "served_products": "花呗、借呗"}


@pytest.mark.parametrize(
    ("sender", "response"), [("nobody_here", "utter_customer_not_found"), ("x' OR 1=1 --", "utter_identity_unknown")]
)
async def test_unknown_or_malformed_customers_get_no_data(sender: str, response: str) -> None:
    messages = await closure_answer(sender, ["jiebei"])
    assert said(messages) == [response] and params(messages[0]) == {}


async def test_checking_changes_nothing(factory) -> None:
    def counts() -> tuple[int, int, Decimal]:
        with session_scope(factory) as s:
            return (
                s.execute(select(func.count()).select_from(m.AuditEntry)).scalar_one(),
                s.execute(select(func.count()).select_from(m.ServiceRequest)).scalar_one(),
                s.execute(select(func.sum(m.CreditAccount.used_amount))).scalar_one(),
            )

    before = counts()
    for sender in ("demo_clean", "demo_balance", "demo_frozen", "demo_closed"):
        await closure_answer(sender, ["huabei", "jiebei"])
    assert counts() == before


@pytest.mark.parametrize(
    ("line", "response"),
    [
        ("xinyonggou", "utter_separate_line_xinyonggou"),
        ("xinyongdai", "utter_separate_line_xinyongdai"),
        ("xianyonghoufu", "utter_separate_line_xianyonghoufu"),
    ],
)
async def test_separate_line_is_answered_and_no_closure_starts(line: str, response: str) -> None:
    """Issue 13.1: 「我要关闭信用购」 used to become 「确认要注销花呗吗？」 (信用购 was an alias of 花呗).

    Even with 花呗 still in the product slot from an earlier turn, nothing is set up for closing.
    """
    messages, events = await run_action(
        ActionCheckClosure(clock=seed_day),
        make_tracker(
            "demo_clean",
            slots={"product": ["huabei"]},
            entities=[{"entity": "separate_line", "value": line}],
            text="我要关闭",
        ),
    )
    assert said(messages) == [response]
    assert {e["name"]: e["value"] for e in events if e.get("event") == "slot"}["closure_ready"] is False
    assert "closure_products" not in [e["name"] for e in events if e.get("event") == "slot" and e["value"]]


async def test_separate_line_offers_the_line_beside_it() -> None:
    messages = await closure_answer("demo_clean", None, entities=[{"entity": "separate_line", "value": "xinyonggou"}])
    assert payloads(reply(messages, "utter_separate_line_xinyonggou")) == ['/close_account{"product":"huabei"}']


async def test_separate_line_with_our_product_still_checks_ours() -> None:
    entities = [{"entity": "product", "value": "huabei"}, {"entity": "separate_line", "value": "xinyonggou"}]
    messages = await closure_answer("demo_clean", ["huabei"], entities=entities)
    assert "utter_closure_eligible" in said(messages)


async def test_platform_account_gets_its_own_answer_with_what_is_owed() -> None:
    """Issue 13.1: 「注销这个号」 is the platform account, not "which product?"."""
    entities = [{"entity": "platform_account", "value": "platform_account"}]
    messages = await closure_answer("demo_balance", None, entities=entities)
    assert said(messages) == ["utter_platform_account_intro", "utter_platform_account_owed"]
    assert params(messages[1]) == {"owed": "花呗 ¥1,234.50、借呗 ¥3,256.80"}
    clean = await closure_answer("demo_clean", None, entities=entities)
    assert said(clean) == ["utter_platform_account_intro", "utter_platform_account_lines_open"]
    assert payloads(clean[1]) == ['/close_account{"product":"huabei"}', '/close_account{"product":"jiebei"}']
    closed = await closure_answer("demo_closed", None, entities=entities)
    assert said(closed)[-1] in ("utter_platform_account_lines_closed", "utter_platform_account_lines_open")


async def test_a_question_about_closing_for_a_bank_is_answered_not_started() -> None:
    # 「银行让我先注销 有必要吗」 once went straight to the closing confirmation.
    messages, events = await run_action(
        ActionCheckClosure(clock=seed_day),
        make_tracker("demo_clean", slots={"product": ["jiebei"]}, text="银行让我先把借呗注销 有必要吗"),
    )
    assert said(messages)[0] == "utter_closing_advice_intro"
    assert "fact:no_business_loan_promise" in said(messages)
    assert said(messages)[-1] == "utter_closing_advice_offer"
    assert payloads(messages[-1])[0] == '/close_account{"product":"jiebei"}'
    assert "utter_closure_eligible" not in said(messages)
    slots = {e["name"]: e["value"] for e in events if e.get("event") == "slot"}
    assert slots["closure_ready"] is False


async def test_a_decided_request_mentioning_a_bank_still_checks_closing() -> None:
    messages = await closure_answer("demo_clean", ["jiebei"], text="办房贷 帮我注销借呗")
    assert "utter_closure_eligible" in said(messages)


async def test_the_bank_question_read_as_a_credit_question_gets_the_same_answer() -> None:
    from actions.credit import ActionExplainCreditImpact

    tracker = make_tracker("demo_clean", intent="ask_credit_impact", text="银行让我先注销 有必要吗")
    messages, events = await run_action(ActionExplainCreditImpact(clock=seed_day), tracker)
    assert said(messages)[0] == "utter_closing_advice_intro" and said(messages)[-1] == "utter_closing_advice_offer"
    assert events == []
    plain = make_tracker("demo_clean", intent="ask_credit_impact", text="关闭花呗影响征信吗")
    messages, _ = await run_action(ActionExplainCreditImpact(clock=seed_day), plain)
    assert "utter_closing_advice_intro" not in said(messages)
