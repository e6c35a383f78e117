from decimal import Decimal

import pytest
from sqlalchemy import func, select

from actions.closing import ActionCheckClosure
from bot.db import models as m
from bot.db.session import session_scope
from tests.actions.conftest import make_tracker, run_action
from tests.rendering import render_all

pytestmark = pytest.mark.usefixtures("action_db")


async def closure_answer(sender: str, products: list[str] | None = None, **kw) -> str:  # type: ignore[no-untyped-def]
    messages, _ = await run_action(ActionCheckClosure(), make_tracker(sender, slots={"product": products}, **kw))
    return render_all(messages)


async def test_demo_balance_hears_its_unpaid_jiebei_bill() -> None:
    text = await closure_answer("demo_balance", ["jiebei"])
    assert "借呗现在还不能注销" in text and "¥3,256.80" in text and "12月4日到期" in text


async def test_demo_clean_is_eligible_for_both() -> None:
    text = await closure_answer("demo_clean", ["huabei", "jiebei"])
    assert "你的花呗目前没有欠款" in text and "你的借呗目前没有欠款" in text


async def test_demo_overdue() -> None:
    text = await closure_answer("demo_overdue", ["huabei"])
    assert "11月6日起逾期" in text and "¥862.40" in text


async def test_demo_instalment_lists_terms_and_early_settlement() -> None:
    text = await closure_answer("demo_instalment", ["huabei"])
    assert "手机分期还剩 7 期未还，共 ¥2,333.31" in text and "提前一次性还清" in text


async def test_demo_refund_lists_both_orders_together() -> None:
    text = await closure_answer("demo_refund", ["huabei"])
    assert "优选家电旗舰店的退款 ¥1,299.00 还在处理中，预计11月25日完成" in text
    assert "鲜果生活超市的订单 ¥89.90 还没确认收货" in text


async def test_demo_frozen_needs_a_human() -> None:
    text = await closure_answer("demo_frozen", ["jiebei"])
    assert "被平台暂停使用" in text and "综合评估" in text and "人工客服" in text


async def test_demo_closed_is_already_closed() -> None:
    text = await closure_answer("demo_closed", ["huabei"])
    assert "已经在10月21日关闭了" in text


async def test_demo_bound_lists_services_that_stop() -> None:
    text = await closure_answer("demo_bound", ["jiebei"])
    assert "符合注销条件" in text and "自动还款" in text and "第三方授权（优选商城）" in text


async def test_missing_product_asks_with_buttons_for_the_customers_products() -> None:
    messages, _ = await run_action(ActionCheckClosure(), make_tracker("demo_clean"))
    (ask,) = messages
    assert ask["response"] == "utter_ask_closure_product"
    assert [b["title"] for b in ask["buttons"]] == ["花呗", "借呗", "两个都看看"]
    assert ask["buttons"][0]["payload"] == '/close_account{"product":"huabei"}'
    assert ask["buttons"][2]["payload"] == '/close_account{"product":["huabei","jiebei"]}'


async def test_other_companys_product_is_not_mapped_to_ours() -> None:
    entities = [{"entity": "external_product", "value": "微粒贷", "start": 0, "end": 3}]
    text = await closure_answer("demo_clean", None, entities=entities)
    assert "微粒贷不是我们平台的产品" in text and "花呗、借呗" in text


@pytest.mark.parametrize("sender", ["nobody_here", "x' OR 1=1 --"])
async def test_unknown_or_malformed_customers_get_no_data(sender: str) -> None:
    text = await closure_answer(sender, ["jiebei"])
    assert "¥" not in text
    assert "没有查到" in text or "无法确认你的身份" in text


async def test_checking_changes_nothing(factory) -> None:  # type: ignore[no-untyped-def]
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
