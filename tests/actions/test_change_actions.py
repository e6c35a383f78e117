"""Pause, resume/reopen, lower limit and unbind actions against a real, seeded database (both backends)."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import func, select

from actions.changes import ActionApplyChange
from actions.limit import ActionCheckLimit
from actions.pause import ActionCheckPause, ActionCheckReopen
from actions.unbinding import ActionCheckUnbind
from bot.db import models as m
from bot.db.queries import load_customer
from bot.db.session import session_scope
from tests.actions.conftest import make_tracker, run_action
from tests.conftest import TODAY
from tests.rendering import render_all

pytestmark = pytest.mark.usefixtures("action_db")


def slots_of(events: list[dict[str, Any]]) -> dict[str, Any]:
    return {e["name"]: e["value"] for e in events if e.get("event") == "slot"}


def entity(kind: str, value: Any) -> dict[str, Any]:
    return {"entity": kind, "value": value}


def snapshot(factory, customer: str) -> dict[str, Any]:  # type: ignore[no-untyped-def]
    with session_scope(factory) as s:
        c = load_customer(s, customer)
        audit = s.execute(select(func.count()).select_from(m.AuditEntry)).scalar_one()
        return {
            "accounts": {a.product.id: (a.status, a.paused_until, a.credit_limit) for a in c.accounts},
            "services": sorted(svc.id for a in c.accounts for svc in a.active_services),
            "audit": audit,
        }


async def check(action: Any, sender: str, **tracker: Any) -> tuple[str, dict[str, Any]]:
    messages, events = await run_action(action, make_tracker(sender, **tracker))
    return render_all(messages), slots_of(events)


async def apply(sender: str, change: dict[str, Any] | None, confirmed: bool | None) -> str:
    slots = {"pending_change": change, "change_confirmed": confirmed}
    messages, events = await run_action(ActionApplyChange(), make_tracker(sender, intent="affirm", slots=slots))
    assert slots_of(events)["pending_change"] is None  # the flow is reset either way
    return render_all(messages)


# ── pause ──


async def test_pause_with_a_length_explains_and_asks_to_confirm(factory) -> None:  # type: ignore[no-untyped-def]
    before = snapshot(factory, "demo_balance")
    text, slots = await check(
        ActionCheckPause(), "demo_balance", intent="pause_credit", slots={"product": ["huabei"], "duration": 90.0}
    )
    until = TODAY + timedelta(days=90)
    assert f"到{until.year}年{until.month}月{until.day}日为止花呗不能再付款或借款" in text
    assert "¥5,000.00的额度保留不变" in text and "自动还款也会照常扣款" in text
    assert "最近一笔要还的是" in text and "¥1,234.50" in text and "不算不良记录" in text
    assert slots["change_ready"] is True and slots["pending_change"] == {
        "kind": "pause",
        "product": "huabei",
        "days": 90,
    }
    assert "确认把花呗暂停 90 天" in slots["change_question"]
    assert snapshot(factory, "demo_balance") == before  # nothing changes before the yes


async def test_pause_without_a_length_asks_for_one_with_the_bounds() -> None:
    text, slots = await check(ActionCheckPause(), "demo_clean", intent="pause_credit", slots={"product": ["jiebei"]})
    assert "借呗想暂停多久？可以停 7 到 365 天" in text
    assert slots["change_ready"] is False


@pytest.mark.parametrize("days", [400.0, 3.0])
async def test_pause_out_of_range_is_answered_and_asked_again(days: float) -> None:
    text, slots = await check(
        ActionCheckPause(), "demo_clean", intent="inform", slots={"product": ["huabei"], "duration": days}
    )
    assert f"你说的是 {int(days)} 天" in text and "想暂停多久" in text
    assert slots["change_ready"] is False and slots["duration"] is None  # the wrong length is forgotten


async def test_pause_vague_length_is_asked() -> None:
    text, _ = await check(
        ActionCheckPause(), "demo_clean", intent="pause_credit", slots={"product": ["huabei"], "duration": "一阵子"}
    )
    assert "想暂停多久" in text


async def test_pause_without_a_product_asks_and_keeps_the_length() -> None:
    messages, events = await run_action(
        ActionCheckPause(), make_tracker("demo_clean", intent="pause_credit", slots={"duration": 90.0})
    )
    assert "你想暂停哪一个" in render_all(messages)
    assert '/pause_credit{"product":"huabei","duration":90}' in [b["payload"] for b in messages[0]["buttons"]]
    assert "duration" not in slots_of(events)


async def test_confirmed_pause_is_applied_and_unconfirmed_is_not(factory) -> None:  # type: ignore[no-untyped-def]
    change = {"kind": "pause", "product": "huabei", "days": 30}
    before = snapshot(factory, "demo_clean")
    assert "没有做任何更改" in await apply("demo_clean", change, confirmed=False)
    assert "没有做任何更改" in await apply("demo_clean", change, confirmed=None)
    assert snapshot(factory, "demo_clean") == before
    assert "花呗已经暂停" in await apply("demo_clean", change, confirmed=True)
    assert snapshot(factory, "demo_clean")["accounts"]["huabei"][:2] == ("paused", TODAY + timedelta(days=30))


async def test_frozen_line_cannot_be_paused() -> None:
    text, slots = await check(
        ActionCheckPause(), "demo_frozen", intent="pause_credit", slots={"product": ["jiebei"], "duration": 30.0}
    )
    assert "借呗目前被平台暂停使用，不能设置暂停" in text and slots["change_ready"] is False


# ── resume / reopen ──


async def test_paused_line_offers_to_resume_now(factory) -> None:  # type: ignore[no-untyped-def]
    text, slots = await check(ActionCheckReopen(), "demo_paused", intent="reopen_account")
    assert "花呗暂停到" in text and slots["pending_change"] == {"kind": "reopen", "product": "huabei"}
    assert "花呗已经恢复" in await apply("demo_paused", slots["pending_change"], confirmed=True)
    assert snapshot(factory, "demo_paused")["accounts"]["huabei"][:2] == ("active", None)


async def test_inside_the_cool_down_gives_the_dates() -> None:
    text, slots = await check(ActionCheckReopen(), "demo_recently_closed", intent="reopen_account")
    allowed = TODAY + timedelta(days=20)
    assert (
        "注销满 30 天后才能申请重新开通" in text
        and f"{allowed.month}月{allowed.day}日起" in text
        and "还要等 20 天" in text
    )
    assert slots["change_ready"] is False


async def test_after_the_cool_down_a_reopen_request_can_be_submitted(factory) -> None:  # type: ignore[no-untyped-def]
    text, slots = await check(ActionCheckReopen(), "demo_closed", intent="reopen_account")
    assert "现在可以申请重新开通" in text and "审核" in text
    assert "要提交花呗的重新开通申请吗" in slots["change_question"]
    assert "重新开通申请已提交" in await apply("demo_closed", slots["pending_change"], confirmed=True)
    with session_scope(factory) as s:
        kinds = [(r.kind, r.status) for r in load_customer(s, "demo_closed").account("huabei").requests]
    assert ("reopen", "submitted") in kinds


async def test_frozen_by_the_platform_gives_the_reason_and_offers_a_human() -> None:
    messages, events = await run_action(ActionCheckReopen(), make_tracker("demo_frozen", intent="reopen_account"))
    text = render_all(messages)
    assert "被平台暂停使用的（原因是平台的综合评估）" in text and "不是你自己能开关的设置" in text
    assert "/request_human" in [b["payload"] for m in messages for b in (m.get("buttons") or [])]
    assert slots_of(events)["change_ready"] is False


async def test_nothing_to_resume() -> None:
    text, _ = await check(ActionCheckReopen(), "demo_clean", intent="reopen_account")
    assert "都在正常使用，不需要恢复" in text


# ── lower the limit ──


async def test_lower_limit_to_a_named_amount(factory) -> None:  # type: ignore[no-untyped-def]
    text, slots = await check(
        ActionCheckLimit(), "demo_clean", intent="lower_limit", slots={"product": ["huabei"]}, text="花呗额度只留两千五"
    )
    assert "从 ¥8,000.00 变成 ¥2,500.00" in text
    assert slots["pending_change"] == {"kind": "lower_limit", "product": "huabei", "amount": "2500.00"}
    assert "额度已经调到 ¥2,500.00" in await apply("demo_clean", slots["pending_change"], confirmed=True)
    assert snapshot(factory, "demo_clean")["accounts"]["huabei"][2] == 2500


async def test_lower_limit_below_used_is_refused_and_asked_again() -> None:
    text, slots = await check(
        ActionCheckLimit(), "demo_balance", intent="inform", slots={"product": ["huabei"]}, text="一千"
    )
    assert "不能低于已用的 ¥1,234.50" in text and "想调到多少" in text and slots["change_ready"] is False


async def test_lower_limit_keeps_the_amount_while_asking_for_the_product() -> None:
    text, slots = await check(ActionCheckLimit(), "demo_clean", intent="lower_limit", text="额度给我留一千")
    assert "你想调低哪一个的额度" in text and slots["limit_amount"] == "1000.00"
    text, slots = await check(
        ActionCheckLimit(),
        "demo_clean",
        intent="lower_limit",
        slots={"product": ["jiebei"], "limit_amount": "1000.00"},
        text='/lower_limit{"product":"jiebei"}',
    )
    assert "从 ¥20,000.00 变成 ¥1,000.00" in text


# ── unbind ──


async def test_unbind_by_merchant_explains_and_asks(factory) -> None:  # type: ignore[no-untyped-def]
    text, slots = await check(
        ActionCheckUnbind(),
        "demo_bound",
        intent="unbind_service",
        entities=[entity("service", "password_free")],
        text="把滴滴的免密关了",
    )
    assert "花呗免密支付（滴滴出行）：关闭后在滴滴出行用花呗付款时需要输入密码" in text
    ids = slots["pending_change"]["service_ids"]
    before = snapshot(factory, "demo_bound")
    assert "已解绑：花呗免密支付（滴滴出行）" in await apply("demo_bound", slots["pending_change"], confirmed=True)
    assert snapshot(factory, "demo_bound")["services"] == [i for i in before["services"] if i not in ids]


async def test_unbind_auto_repay_gives_the_next_due_date_and_amount() -> None:
    text, _ = await check(
        ActionCheckUnbind(), "demo_balance", intent="unbind_service", entities=[entity("service", "auto_repay")]
    )
    due = TODAY + timedelta(days=9)
    assert f"花呗下一笔是{due.month}月{due.day}日到期的 ¥1,234.50" in text and "自己还" in text


async def test_unbind_nothing_named_lists_with_buttons() -> None:
    messages, events = await run_action(
        ActionCheckUnbind(), make_tracker("demo_bound", intent="unbind_service", text="我绑了哪些服务")
    )
    assert "想解绑哪个" in render_all(messages)
    assert len(messages[-1]["buttons"]) == 9 and slots_of(events)["change_ready"] is False


async def test_unbind_with_nothing_bound() -> None:
    text, slots = await check(
        ActionCheckUnbind(), "demo_clean", intent="unbind_service", entities=[entity("service", "withholding")]
    )
    assert "你没有绑定代扣协议" in text and "目前没有绑定任何关联服务" in text and slots["change_ready"] is False


async def test_unbind_declined_changes_nothing(factory) -> None:  # type: ignore[no-untyped-def]
    before = snapshot(factory, "demo_bound")
    _, slots = await check(
        ActionCheckUnbind(), "demo_bound", intent="unbind_service", entities=[entity("service", "auto_repay")]
    )
    assert len(slots["pending_change"]["service_ids"]) == 2
    assert "没有做任何更改" in await apply("demo_bound", slots["pending_change"], confirmed=False)
    assert snapshot(factory, "demo_bound") == before


async def test_unclear_answer_to_the_amount_question_asks_again_and_keeps_the_journey() -> None:
    text, slots = await check(
        ActionCheckLimit(),
        "demo_clean",
        intent="nlu_fallback",
        slots={"product": ["huabei"], "limit_amount": "1000"},
        text="嗯嗯嗯？",
    )
    assert "换个说法" in text and slots["change_ready"] is False and "limit_amount" not in slots


async def test_unclear_message_with_a_usable_length_is_taken() -> None:
    _, slots = await check(
        ActionCheckPause(),
        "demo_clean",
        intent="nlu_fallback",
        slots={"product": ["huabei"], "duration": 60.0},
        entities=[entity("duration", 60)],
        text="额那就两个月",
    )
    assert slots["pending_change"] == {"kind": "pause", "product": "huabei", "days": 60}


async def test_everything_after_the_list() -> None:
    _, slots = await check(ActionCheckUnbind(), "demo_bound", intent="unbind_service", text="全部解绑")
    assert len(slots["pending_change"]["service_ids"]) == 9
