"""Pause, resume/reopen, lower limit and unbind actions against a real, seeded database (both backends)."""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pytest
from rasa_sdk.executor import CollectingDispatcher
from sqlalchemy import func, select
from sqlalchemy.orm import sessionmaker

from actions.changes import ActionApplyChange, ActionAskChangeCode, ValidateChangeForm
from actions.limit import ActionCheckLimit
from actions.pause import ActionCheckPause, ActionCheckReopen
from actions.service_requests import ActionPrepareWithdrawal, ActionWithdrawRequest
from actions.unbinding import ActionCheckUnbind
from bot.core.formatting import cn_date
from bot.credit.knowledge import load_knowledge
from bot.db import models as m
from bot.db.session import session_scope
from bot.security.verification import MAX_SENDS_PER_HOUR
from tests.actions.conftest import last_code, make_tracker, run_action, seed_day
from tests.conftest import TODAY
from tests.factories import stored_customer
from tests.rendering import domain, fragment, params, payloads, render, reply, said

pytestmark = pytest.mark.usefixtures("action_db")
FORM = ValidateChangeForm()
Messages = list[dict[str, Any]]


def slots_of(events: list[dict[str, Any]]) -> dict[str, Any]:
    return {e["name"]: e["value"] for e in events if e.get("event") == "slot"}


def entity(kind: str, value: Any) -> dict[str, Any]:
    return {"entity": kind, "value": value}


def snapshot(factory: sessionmaker, customer: str) -> dict[str, Any]:
    with session_scope(factory) as s:
        c = stored_customer(s, customer)
        audit = s.execute(select(func.count()).select_from(m.AuditEntry)).scalar_one()
        return {
            "accounts": {a.product.id: (a.status, a.paused_until, a.credit_limit) for a in c.accounts},
            "services": sorted(svc.id for a in c.accounts for svc in a.active_services),
            "audit": audit,
        }


async def check(action: Any, sender: str, **tracker: Any) -> tuple[Messages, dict[str, Any]]:
    messages, events = await run_action(action, make_tracker(sender, **tracker))
    return messages, slots_of(events)


async def apply(
    sender: str, change: dict[str, Any] | None, confirmed: bool | None, code: str | None = None
) -> Messages:
    """action_apply_change with the slots the form leaves (`code`: what change_code holds)."""
    slots = {"pending_change": change, "change_confirmed": confirmed, "change_code": code}
    messages, events = await run_action(
        ActionApplyChange(clock=seed_day), make_tracker(sender, intent="affirm", slots=slots)
    )
    assert slots_of(events)["pending_change"] is None  # the flow is reset either way
    return messages


async def confirm_change(sender: str, change: dict[str, Any]) -> tuple[dict[str, Any], Messages]:
    """The customer says yes to change_form's question."""
    dispatcher = CollectingDispatcher()
    tracker = make_tracker(sender, intent="affirm", slots={"pending_change": change})
    result = await FORM.validate_change_confirmed(True, dispatcher, tracker, domain())
    return result, dispatcher.messages


async def enter_change_code(sender: str, change: dict[str, Any], text: str) -> tuple[dict[str, Any], Messages]:
    dispatcher = CollectingDispatcher()
    slots = {"pending_change": change, "change_confirmed": True}
    result = await FORM.validate_change_code(
        text, dispatcher, make_tracker(sender, intent="inform", slots=slots), domain()
    )
    return result, dispatcher.messages


async def apply_with_code(sender: str, change: dict[str, Any], outbox: Path) -> Messages:
    """Yes, the code from the SMS, then the change: what a customer does for a limit or an unbind."""
    result, messages = await confirm_change(sender, change)
    assert result == {"change_confirmed": True} and said(messages) == ["utter_code_sent"]
    result, messages = await enter_change_code(sender, change, last_code(outbox))
    assert result == {"change_code": "verified"} and messages == []
    return await apply(sender, change, confirmed=True, code="verified")


def day(d: date) -> str:
    """How the replies write a date near the seeded day."""
    return cn_date(d, today=TODAY)


# ── pause ──


async def test_pause_with_a_length_explains_and_asks_to_confirm(factory: sessionmaker) -> None:
    before = snapshot(factory, "demo_balance")
    messages, slots = await check(
        ActionCheckPause(clock=seed_day),
        "demo_balance",
        intent="pause_credit",
        slots={"product": ["huabei"], "duration": 90.0},
    )
    until = TODAY + timedelta(days=90)
    # the answer, then what matters for this customer in one message, then the question (issue 13: at most 4)
    assert said(messages) == ["utter_pause_explain", "utter_pause_what_matters"]
    assert len(messages) + 1 <= 4
    assert params(messages[0]) == {"product_name": "花呗", "until": day(until), "limit": "¥5,000.00"}
    assert params(messages[1]) == {
        "not_negative": load_knowledge().fact("pause_not_negative").text,
        "auto_repay": fragment("utter_pause_auto_repay_continues"),
        "next_due": fragment("utter_pause_next_due", due_date=day(TODAY + timedelta(days=9)), amount="¥1,234.50"),
    }
    assert slots["change_ready"] is True
    assert slots["pending_change"] == {"kind": "pause", "product": "huabei", "days": 90}
    assert slots["change_question"] == fragment(
        "utter_change_question_pause", product_name="花呗", days="90", until=day(until)
    )
    assert snapshot(factory, "demo_balance") == before  # nothing changes before the yes


DURATION_BUTTONS = [30, 90, 180]


async def test_pause_without_a_length_asks_for_one_with_the_bounds() -> None:
    messages, slots = await check(
        ActionCheckPause(clock=seed_day), "demo_clean", intent="pause_credit", slots={"product": ["jiebei"]}
    )
    assert said(messages) == ["utter_ask_pause_duration"]
    assert params(messages[0]) == {"product_name": "借呗", "min_days": "7", "max_days": "365"}
    assert payloads(messages[0]) == [
        f'/pause_credit{{"product":"jiebei","duration":{days}}}' for days in DURATION_BUTTONS
    ]
    assert slots["change_ready"] is False


@pytest.mark.parametrize("days", [400.0, 3.0])
async def test_pause_out_of_range_is_answered_and_asked_again(days: float) -> None:
    messages, slots = await check(
        ActionCheckPause(clock=seed_day), "demo_clean", intent="inform", slots={"product": ["huabei"], "duration": days}
    )
    assert said(messages) == ["utter_pause_out_of_range", "utter_ask_pause_duration"]
    assert params(messages[0]) == {"days": str(int(days)), "min_days": "7", "max_days": "365"}
    assert slots["change_ready"] is False and slots["duration"] is None  # the wrong length is forgotten


async def test_a_length_that_does_not_fit_is_asked_again_at_most_twice(factory: sessionmaker) -> None:
    # No trap: 「停两年」 again and again gets the ways out on the second re-ask, then the journey stops.
    before = snapshot(factory, "demo_clean")
    _, slots = await check(
        ActionCheckPause(clock=seed_day), "demo_clean", intent="pause_credit", slots={"product": ["huabei"]}
    )
    waiting = slots["journey_question"]
    assert (waiting["question"], waiting["reasks"]) == ("utter_ask_pause_duration", 0)
    # kept as said, so it can be asked again after a side question (bot/core/pending.py)
    assert waiting["reply"]["params"]["product_name"] == "花呗"
    assert [title for title, _ in waiting["reply"]["buttons"]] == ["一个月", "三个月", "半年"]
    said_each = []
    for _ in range(3):
        messages, slots = await check(
            ActionCheckPause(clock=seed_day),
            "demo_clean",
            intent="inform",
            slots={"product": ["huabei"], "duration": 730.0, "journey_question": slots["journey_question"]},
        )
        said_each.append(said(messages))
    assert said_each == [
        ["utter_pause_out_of_range", "utter_ask_pause_duration"],
        ["utter_pause_out_of_range", "utter_ask_pause_duration", "utter_reask_way_out"],
        ["utter_pause_out_of_range", "utter_reask_stopped"],
    ]
    assert slots["journey_question"] is None and slots["change_ready"] is False
    assert snapshot(factory, "demo_clean") == before


async def test_unclear_answers_to_a_journey_question_are_asked_again_at_most_twice() -> None:
    waiting = {"question": "utter_ask_limit_amount", "reasks": 1}
    messages, slots = await check(
        ActionCheckLimit(clock=seed_day),
        "demo_clean",
        intent="nlu_fallback",
        slots={"product": ["huabei"], "journey_question": waiting},
        text="嗯嗯嗯？",
    )
    assert said(messages) == ["utter_default", "utter_reask_way_out"]
    assert slots["journey_question"] == {"question": "utter_ask_limit_amount", "reasks": 2}
    messages, slots = await check(
        ActionCheckLimit(clock=seed_day),
        "demo_clean",
        intent="nlu_fallback",
        slots={"product": ["huabei"], "journey_question": slots["journey_question"]},
        text="啊？",
    )
    assert said(messages) == ["utter_reask_stopped"] and slots["journey_question"] is None


async def test_pause_vague_length_is_asked() -> None:
    messages, _ = await check(
        ActionCheckPause(clock=seed_day),
        "demo_clean",
        intent="pause_credit",
        slots={"product": ["huabei"], "duration": "一阵子"},
    )
    assert said(messages) == ["utter_ask_pause_duration"]


async def test_pause_without_a_product_asks_and_keeps_the_length() -> None:
    messages, slots = await check(
        ActionCheckPause(clock=seed_day), "demo_clean", intent="pause_credit", slots={"duration": 90.0}
    )
    assert said(messages) == ["utter_ask_pause_product"]
    assert payloads(messages[0]) == [
        '/pause_credit{"product":"huabei","duration":90}',
        '/pause_credit{"product":"jiebei","duration":90}',
    ]
    assert "duration" not in slots


async def test_confirmed_pause_is_applied_and_unconfirmed_is_not(factory: sessionmaker) -> None:
    change = {"kind": "pause", "product": "huabei", "days": 30}
    before = snapshot(factory, "demo_clean")
    assert said(await apply("demo_clean", change, confirmed=False)) == ["utter_change_not_applied"]
    assert said(await apply("demo_clean", change, confirmed=None)) == ["utter_change_not_applied"]
    assert snapshot(factory, "demo_clean") == before
    messages = await apply("demo_clean", change, confirmed=True)
    until = TODAY + timedelta(days=30)
    assert said(messages) == ["utter_pause_done"] and params(messages[0]) == {
        "product_name": "花呗",
        "until": day(until),
    }
    assert snapshot(factory, "demo_clean")["accounts"]["huabei"][:2] == ("paused", until)


async def test_frozen_line_cannot_be_paused() -> None:
    messages, slots = await check(
        ActionCheckPause(clock=seed_day),
        "demo_frozen",
        intent="pause_credit",
        slots={"product": ["jiebei"], "duration": 30.0},
    )
    assert said(messages) == ["utter_pause_blocked"]
    assert params(messages[0]) == {"product_name": "借呗", "state": fragment("utter_state_frozen_by_platform")}
    assert slots["change_ready"] is False


# ── resume / reopen ──


async def test_paused_line_offers_to_resume_now(factory: sessionmaker) -> None:
    paused_until = snapshot(factory, "demo_paused")["accounts"]["huabei"][1]
    messages, slots = await check(ActionCheckReopen(clock=seed_day), "demo_paused", intent="reopen_account")
    assert said(messages) == ["utter_resume_explain"]
    assert params(messages[0]) == {"product_name": "花呗", "until": day(paused_until)}
    assert slots["pending_change"] == {"kind": "reopen", "product": "huabei"}
    assert slots["change_question"] == fragment("utter_change_question_resume", product_name="花呗")
    messages = await apply("demo_paused", slots["pending_change"], confirmed=True)
    assert said(messages) == ["utter_resume_done"] and params(messages[0]) == {"product_name": "花呗"}
    assert snapshot(factory, "demo_paused")["accounts"]["huabei"][:2] == ("active", None)


async def test_inside_the_cool_down_gives_the_dates() -> None:
    messages, slots = await check(ActionCheckReopen(clock=seed_day), "demo_recently_closed", intent="reopen_account")
    assert said(messages) == ["utter_reopen_cooling_down"]
    assert params(messages[0]) == {
        "product_name": "借呗",
        "closed_on": day(TODAY - timedelta(days=10)),
        "cooldown_days": "30",
        "allowed_from": day(TODAY + timedelta(days=20)),
        "days_left": "20",
    }
    assert slots["change_ready"] is False


async def test_after_the_cool_down_a_reopen_request_can_be_submitted(factory: sessionmaker) -> None:
    messages, slots = await check(ActionCheckReopen(clock=seed_day), "demo_closed", intent="reopen_account")
    assert said(messages) == ["utter_reopen_can_apply_review", "fact:applying_creates_inquiry"]
    assert params(messages[0]) == {"product_name": "花呗", "closed_on": "10月21日"}
    assert slots["change_question"] == fragment("utter_change_question_reopen", product_name="花呗")
    messages = await apply("demo_closed", slots["pending_change"], confirmed=True)
    with session_scope(factory) as s:
        requests = [(r.id, r.kind, r.status) for r in stored_customer(s, "demo_closed").accounts[0].requests]
    [request_id] = [i for i, kind, status in requests if (kind, status) == ("reopen", "submitted")]
    assert said(messages) == ["utter_reopen_submitted"]
    assert params(messages[0]) == {"product_name": "花呗", "request_id": str(request_id)}


async def test_withdrawing_a_reopen_request_says_the_line_stays_closed(factory: sessionmaker) -> None:
    """Issue 13.5: it used to say 「你的账户恢复原状，可以照常使用」 while the line is still closed."""
    _, slots = await check(ActionCheckReopen(clock=seed_day), "demo_closed", intent="reopen_account")
    await apply("demo_closed", slots["pending_change"], confirmed=True)
    _, events = await run_action(
        ActionPrepareWithdrawal(clock=seed_day), make_tracker("demo_closed", intent="cancel_request")
    )
    withdraw_slots = {**slots_of(events), "withdraw_confirmed": True}
    messages, _ = await run_action(
        ActionWithdrawRequest(clock=seed_day), make_tracker("demo_closed", intent="affirm", slots=withdraw_slots)
    )
    assert said(messages) == ["utter_withdraw_done_reopen"]
    text = render(messages[0])
    assert "仍然是关闭状态" in text and "照常使用" not in text and "恢复原状" not in text
    assert snapshot(factory, "demo_closed")["accounts"]["huabei"][0] == "closed"


async def test_frozen_by_the_platform_gives_the_reason_and_offers_a_human() -> None:
    messages, slots = await check(ActionCheckReopen(clock=seed_day), "demo_frozen", intent="reopen_account")
    assert said(messages) == [
        "utter_reopen_frozen",
        "fact:debt_still_due",
        "fact:right_to_explanation",
        "utter_offer_human",
    ]
    assert params(messages[0]) == {"product_name": "借呗", "reason": fragment("utter_reason_risk_assessment")}
    assert payloads(messages[-1]) == ["/request_human"]
    assert slots["change_ready"] is False


async def test_nothing_to_resume() -> None:
    messages, _ = await check(ActionCheckReopen(clock=seed_day), "demo_clean", intent="reopen_account")
    assert said(messages) == ["utter_reopen_all_active"] and params(messages[0]) == {"products": "花呗、借呗"}


# ── lower the limit ──


async def test_lower_limit_to_a_named_amount(factory: sessionmaker, outbox: Path) -> None:
    messages, slots = await check(
        ActionCheckLimit(clock=seed_day),
        "demo_clean",
        intent="lower_limit",
        slots={"product": ["huabei"]},
        text="花呗额度只留两千五",
    )
    assert said(messages) == ["utter_limit_explain"]
    assert params(messages[0]) == {"product_name": "花呗", "old": "¥8,000.00", "new": "¥2,500.00"}
    assert slots["pending_change"] == {"kind": "lower_limit", "product": "huabei", "amount": "2500.00"}
    assert slots["change_question"] == fragment("utter_change_question_limit", product_name="花呗", new="¥2,500.00")
    before = snapshot(factory, "demo_clean")
    assert said(await apply("demo_clean", slots["pending_change"], confirmed=True)) == ["utter_change_not_applied"]
    assert snapshot(factory, "demo_clean") == before  # a yes alone lowers nothing
    messages = await apply_with_code("demo_clean", slots["pending_change"], outbox)
    assert said(messages) == ["utter_limit_done"] and params(messages[0]) == {
        "product_name": "花呗",
        "new": "¥2,500.00",
    }
    assert snapshot(factory, "demo_clean")["accounts"]["huabei"][2] == 2500


@pytest.mark.parametrize("text", ["经营贷想要多一点额度", "借呗额度能不能提高一点", "想借更多 额度不够用"])
async def test_a_wish_for_more_credit_never_starts_lowering_the_limit(factory: sessionmaker, text: str) -> None:
    before = snapshot(factory, "demo_clean")
    messages, slots = await check(ActionCheckLimit(clock=seed_day), "demo_clean", intent="lower_limit", text=text)
    assert said(messages) == ["utter_limit_raise_not_self_service"]
    assert payloads(messages[0]) == ["/request_human"]
    assert slots["change_ready"] is False and slots["pending_change"] is None
    assert snapshot(factory, "demo_clean") == before


async def test_lower_limit_below_used_is_refused_and_asked_again() -> None:
    messages, slots = await check(
        ActionCheckLimit(clock=seed_day), "demo_balance", intent="inform", slots={"product": ["huabei"]}, text="一千"
    )
    assert said(messages) == ["utter_limit_below_used", "utter_ask_limit_amount"]
    assert params(messages[0]) == {"amount": "¥1,000.00", "used": "¥1,234.50"}
    assert params(messages[1]) == {"product_name": "花呗", "limit": "¥5,000.00", "used": "¥1,234.50"}
    assert slots["change_ready"] is False


async def test_lower_limit_keeps_the_amount_while_asking_for_the_product() -> None:
    messages, slots = await check(
        ActionCheckLimit(clock=seed_day), "demo_clean", intent="lower_limit", text="额度给我留一千"
    )
    assert said(messages) == ["utter_ask_limit_product"] and slots["limit_amount"] == "1000.00"
    assert payloads(messages[0]) == ['/lower_limit{"product":"huabei"}', '/lower_limit{"product":"jiebei"}']
    messages, slots = await check(
        ActionCheckLimit(clock=seed_day),
        "demo_clean",
        intent="lower_limit",
        slots={"product": ["jiebei"], "limit_amount": "1000.00"},
        text='/lower_limit{"product":"jiebei"}',
    )
    assert params(reply(messages, "utter_limit_explain")) == {
        "product_name": "借呗",
        "old": "¥20,000.00",
        "new": "¥1,000.00",
    }


# ── unbind ──


async def test_unbind_by_merchant_explains_and_asks(factory: sessionmaker, outbox: Path) -> None:
    messages, slots = await check(
        ActionCheckUnbind(clock=seed_day),
        "demo_bound",
        intent="unbind_service",
        entities=[entity("service", "password_free")],
        text="把滴滴的免密关了",
    )
    assert said(messages) == ["utter_unbind_effects"]
    assert params(messages[0]) == {
        "effects": fragment(
            "utter_unbind_effect_password_free",
            service="花呗免密支付（滴滴出行）",
            product_name="花呗",
            merchant="滴滴出行",
        )
    }
    assert slots["change_question"] == fragment("utter_change_question_unbind", services="花呗免密支付（滴滴出行）")
    ids = slots["pending_change"]["service_ids"]
    before = snapshot(factory, "demo_bound")
    messages = await apply_with_code("demo_bound", slots["pending_change"], outbox)
    assert said(messages) == ["utter_unbind_done"] and params(messages[0]) == {"services": "花呗免密支付（滴滴出行）"}
    assert snapshot(factory, "demo_bound")["services"] == [i for i in before["services"] if i not in ids]


async def test_unbind_auto_repay_gives_the_next_due_date_and_amount() -> None:
    messages, _ = await check(
        ActionCheckUnbind(clock=seed_day),
        "demo_balance",
        intent="unbind_service",
        entities=[entity("service", "auto_repay")],
    )
    assert said(messages) == ["utter_unbind_effects"]
    next_due = fragment(
        "utter_unbind_next_due", product_name="花呗", due_date=day(TODAY + timedelta(days=9)), amount="¥1,234.50"
    )
    effect = fragment(
        "utter_unbind_effect_auto_repay",
        service="花呗自动还款（余额宝）",
        product_name="花呗",
        merchant="余额宝",
        next_due=next_due,
    )
    fact = load_knowledge().fact("unbinding_auto_repay").text
    assert params(messages[0]) == {"effects": f"{effect}\n{fact}"}


async def test_unbinding_everything_says_all_consequences_in_one_message_before_the_question() -> None:
    """Issue 13, Voice: at most 4 messages before a confirmation, however many services go (demo_bound has 9)."""
    messages, slots = await check(
        ActionCheckUnbind(clock=seed_day), "demo_bound", intent="unbind_service", text="全部解绑"
    )
    assert said(messages) == ["utter_unbind_effects"] and len(messages) + 1 <= 4
    assert len(slots["pending_change"]["service_ids"]) == 9
    assert render(messages[0]).count("\n· ") == 9


async def test_unbind_nothing_named_lists_with_buttons() -> None:
    messages, slots = await check(
        ActionCheckUnbind(clock=seed_day), "demo_bound", intent="unbind_service", text="我绑了哪些服务"
    )
    assert said(messages)[-1] == "utter_unbind_list"
    assert len(payloads(messages[-1])) == 9 and slots["change_ready"] is False
    assert payloads(messages[-1])[0] == '/unbind_service{"service":"auto_repay","product":"huabei"}'


async def test_the_card_bound_to_jiebei_is_found(factory: sessionmaker) -> None:
    # 「借呗绑的那张卡解绑」 once answered 「你没有绑定卡」 while a bank card was bound.
    messages, slots = await check(
        ActionCheckUnbind(clock=seed_day),
        "demo_bound",
        intent="unbind_service",
        entities=[entity("product", "jiebei")],
        text="借呗绑的那张卡解绑",
    )
    assert said(messages) == ["utter_unbind_effects"]
    assert "借呗绑定银行卡（招商银行储蓄卡，尾号6789）" in params(messages[0])["effects"]
    with session_scope(factory) as s:
        card = [
            svc.id
            for a in stored_customer(s, "demo_bound").accounts
            for svc in a.active_services
            if svc.service_type == "bank_card"
        ]
    assert slots["pending_change"] == {"kind": "unbind", "service_ids": card}
    assert slots["change_question"] == fragment(
        "utter_change_question_unbind", services="借呗绑定银行卡（招商银行储蓄卡，尾号6789）"
    )


async def test_auto_repay_on_both_lines_asks_which_and_confirms_nothing(factory: sessionmaker) -> None:
    before = snapshot(factory, "demo_bound")
    messages, slots = await check(
        ActionCheckUnbind(clock=seed_day),
        "demo_bound",
        intent="unbind_service",
        entities=[entity("service", "auto_repay")],
        text="把自动还款关了",
    )
    assert said(messages) == ["utter_unbind_which_product"]
    assert payloads(messages[0]) == [
        '/unbind_service{"service":"auto_repay","product":"huabei"}',
        '/unbind_service{"service":"auto_repay","product":"jiebei"}',
    ]
    assert slots["change_ready"] is False and slots["pending_change"] is None
    # The button names one line: the confirmation lists that one auto-repay and nothing else.
    messages, slots = await check(
        ActionCheckUnbind(clock=seed_day),
        "demo_bound",
        intent="unbind_service",
        entities=[entity("service", "auto_repay"), entity("product", "jiebei")],
        text='/unbind_service{"service":"auto_repay","product":"jiebei"}',
    )
    assert said(messages) == ["utter_unbind_effects"]
    assert load_knowledge().fact("unbinding_auto_repay").text in params(messages[0])["effects"]
    assert len(slots["pending_change"]["service_ids"]) == 1
    assert "花呗" not in str(slots["change_question"])
    assert snapshot(factory, "demo_bound") == before


async def test_unbind_with_nothing_bound() -> None:
    messages, slots = await check(
        ActionCheckUnbind(clock=seed_day),
        "demo_clean",
        intent="unbind_service",
        entities=[entity("service", "withholding")],
    )
    assert said(messages) == ["utter_unbind_not_bound", "utter_unbind_nothing_bound"]
    assert params(messages[0]) == {"service_name": "代扣协议", "products": "花呗、借呗"}
    assert params(messages[1]) == {"products": "花呗、借呗"}
    assert slots["change_ready"] is False


async def test_unbind_declined_changes_nothing(factory: sessionmaker) -> None:
    before = snapshot(factory, "demo_bound")
    _, slots = await check(
        ActionCheckUnbind(clock=seed_day),
        "demo_bound",
        intent="unbind_service",
        entities=[entity("product", "huabei"), entity("product", "jiebei"), entity("service", "auto_repay")],
    )
    assert len(slots["pending_change"]["service_ids"]) == 2
    assert said(await apply("demo_bound", slots["pending_change"], confirmed=False)) == ["utter_change_not_applied"]
    assert snapshot(factory, "demo_bound") == before


async def test_unclear_answer_to_the_amount_question_asks_again_and_keeps_the_journey() -> None:
    messages, slots = await check(
        ActionCheckLimit(clock=seed_day),
        "demo_clean",
        intent="nlu_fallback",
        slots={"product": ["huabei"], "limit_amount": "1000"},
        text="嗯嗯嗯？",
    )
    assert said(messages) == ["utter_default"]
    assert slots["change_ready"] is False and "limit_amount" not in slots


async def test_unclear_message_with_a_usable_length_is_taken() -> None:
    _, slots = await check(
        ActionCheckPause(clock=seed_day),
        "demo_clean",
        intent="nlu_fallback",
        slots={"product": ["huabei"], "duration": 60.0},
        entities=[entity("duration", 60)],
        text="额那就两个月",
    )
    assert slots["pending_change"] == {"kind": "pause", "product": "huabei", "days": 60}


async def test_everything_after_the_list() -> None:
    _, slots = await check(ActionCheckUnbind(clock=seed_day), "demo_bound", intent="unbind_service", text="全部解绑")
    assert len(slots["pending_change"]["service_ids"]) == 9


@pytest.mark.parametrize("duration", [float("inf"), 1e300, float("nan"), "1" * 400 + "天"])
async def test_an_absurd_pause_length_is_asked_again(duration: Any) -> None:
    # /pause_credit{"duration":1e999} set the float slot to inf: int(inf) raised OverflowError
    messages, slots = await check(
        ActionCheckPause(clock=seed_day),
        "demo_clean",
        intent="pause_credit",
        slots={"product": ["huabei"], "duration": duration},
        entities=[entity("duration", duration)],
    )
    assert said(messages) == ["utter_ask_pause_duration"]
    assert slots["change_ready"] is False


async def test_a_typed_payload_cannot_make_the_bot_repeat_its_text() -> None:
    spoof = "我是平台客服，请把验证码发给我"
    messages, _ = await check(
        ActionCheckPause(clock=seed_day),
        "demo_clean",
        intent="pause_credit",
        slots={"product": [spoof], "external_product": spoof},
        entities=[entity("external_product", spoof), entity("product", spoof)],
    )
    assert said(messages) == ["utter_product_not_served_unnamed"]
    assert all(spoof not in str(v) for m in messages for v in m.values())


# ── the one-time code for a change that hurts (lower limit, unbind) ──


def unbind_change(factory: sessionmaker, customer: str, service_type: str) -> dict[str, Any]:
    with session_scope(factory) as s:
        ids = [svc.id for a in stored_customer(s, customer).accounts for svc in a.active_services]
        types = {svc.id: svc.service_type for a in stored_customer(s, customer).accounts for svc in a.active_services}
    return {"kind": "unbind", "service_ids": [i for i in ids if types[i] == service_type]}


@pytest.mark.parametrize(
    ("change", "slots"),
    [
        ({"kind": "pause", "product": "huabei", "days": 30}, ["change_confirmed"]),
        ({"kind": "reopen", "product": "huabei"}, ["change_confirmed"]),
        ({"kind": "lower_limit", "product": "huabei", "amount": "1000.00"}, ["change_confirmed", "change_code"]),
        ({"kind": "unbind", "service_ids": [1]}, ["change_confirmed", "change_code"]),
    ],
)
async def test_only_changes_that_hurt_ask_for_a_code(change: dict[str, Any], slots: list[str]) -> None:
    tracker = make_tracker("demo_clean", intent="affirm", slots={"pending_change": change})
    assert await FORM.required_slots(
        ["change_confirmed", "change_code"], CollectingDispatcher(), tracker, domain()
    ) == (slots)
    declined = make_tracker("demo_clean", intent="deny", slots={"pending_change": change, "change_confirmed": False})
    assert (
        await FORM.required_slots(["change_confirmed", "change_code"], CollectingDispatcher(), declined, domain()) == []
    )


async def test_a_yes_to_a_pause_sends_no_code(outbox: Path) -> None:
    result, messages = await confirm_change("demo_clean", {"kind": "pause", "product": "huabei", "days": 30})
    assert result == {"change_confirmed": True} and messages == [] and not outbox.exists()


async def test_a_slot_saying_verified_unbinds_nothing_without_a_verified_code(factory: sessionmaker) -> None:
    # What anyone holding the HTTP API token could do: set change_confirmed and change_code by hand.
    change = unbind_change(factory, "demo_bound", "auto_repay")
    before = snapshot(factory, "demo_bound")
    assert said(await apply("demo_bound", change, confirmed=True, code="verified")) == ["utter_change_not_applied"]
    await confirm_change("demo_bound", change)  # sent, never entered
    assert said(await apply("demo_bound", change, confirmed=True, code="verified")) == ["utter_change_not_applied"]
    assert snapshot(factory, "demo_bound") == before


async def test_a_code_for_one_unbind_does_not_confirm_another(factory: sessionmaker, outbox: Path) -> None:
    didi = unbind_change(factory, "demo_bound", "password_free")
    everything = unbind_change(factory, "demo_bound", "auto_repay")
    await confirm_change("demo_bound", didi)
    result, messages = await enter_change_code("demo_bound", everything, last_code(outbox))
    assert result == {"change_confirmed": False, "change_code": None} and said(messages) == ["utter_code_expired"]
    result, _ = await enter_change_code("demo_bound", didi, last_code(outbox))
    assert result == {"change_code": "verified"}
    before = snapshot(factory, "demo_bound")
    assert said(await apply("demo_bound", everything, confirmed=True, code="verified")) == ["utter_change_not_applied"]
    assert snapshot(factory, "demo_bound") == before
    assert said(await apply("demo_bound", didi, confirmed=True, code="verified")) == ["utter_unbind_done"]


async def test_a_wrong_limit_code_counts_down_and_a_locked_one_stops_the_change(outbox: Path) -> None:
    change = {"kind": "lower_limit", "product": "huabei", "amount": "1000.00"}
    await confirm_change("demo_clean", change)
    wrong = "000000" if last_code(outbox) != "000000" else "999999"
    result, messages = await enter_change_code("demo_clean", change, wrong)
    assert result == {"change_code": None} and said(messages) == ["utter_code_wrong"]
    assert params(messages[0]) == {"attempts_left": "2"}
    result, messages = await enter_change_code("demo_clean", change, "不知道")
    assert result == {"change_code": None, "code_reasks": 1.0} and said(messages) == ["utter_code_format"]
    await enter_change_code("demo_clean", change, wrong)
    result, messages = await enter_change_code("demo_clean", change, wrong)
    assert result == {"change_confirmed": False, "change_code": None} and said(messages) == ["utter_code_locked"]


async def test_a_code_not_received_is_sent_again_and_only_the_new_one_counts(outbox: Path) -> None:
    # 「验证码没收到」 once got 「请再输入一次」 and no new code.
    change = {"kind": "lower_limit", "product": "huabei", "amount": "1000.00"}
    await confirm_change("demo_clean", change)
    first = last_code(outbox)
    sent_before = len(outbox.read_text(encoding="utf-8").splitlines())
    result, messages = await enter_change_code("demo_clean", change, "验证码没收到")
    assert result == {"change_code": None} and said(messages) == ["utter_code_resending", "utter_code_sent"]
    assert len(outbox.read_text(encoding="utf-8").splitlines()) == sent_before + 1
    second = last_code(outbox)
    if first != second:  # a new code replaces the previous one
        result, messages = await enter_change_code("demo_clean", change, first)
        assert said(messages) == ["utter_code_wrong"]
    result, _ = await enter_change_code("demo_clean", change, second)
    assert result == {"change_code": "verified"}


async def test_resending_stays_within_the_hourly_send_limit(outbox: Path) -> None:
    change = {"kind": "lower_limit", "product": "huabei", "amount": "1000.00"}
    await confirm_change("demo_clean", change)
    for _ in range(MAX_SENDS_PER_HOUR - 1):
        _, messages = await enter_change_code("demo_clean", change, "还是收不到 再发一次")
        assert said(messages) == ["utter_code_resending", "utter_code_sent"]
    sent = len(outbox.read_text(encoding="utf-8").splitlines())
    result, messages = await enter_change_code("demo_clean", change, "没收到啊")
    assert said(messages) == ["utter_code_resending", "utter_code_send_limit_hour"]
    assert result == {"change_code": None}
    assert len(outbox.read_text(encoding="utf-8").splitlines()) == sent


async def test_the_change_form_asks_for_the_code_with_its_terms() -> None:
    messages, events = await run_action(ActionAskChangeCode(), make_tracker("demo_clean", intent="affirm"))
    assert said(messages) == ["utter_ask_change_code"] and events == []
    assert params(messages[0]) == {"code_length": "6", "code_minutes": "5"}


@pytest.mark.parametrize(
    ("form", "confirm"),
    [
        ("change_form", "change_confirmed"),
        ("closure_form", "closure_confirmed"),
        ("data_deletion_form", "deletion_confirmed"),
    ],
)
async def test_a_confirmation_not_understood_is_asked_again_at_most_twice(form: str, confirm: str) -> None:
    from rasa_sdk import Tracker

    from actions.changes import ActionUnclearInForm

    def in_form(reasks: float | None, requested: str = confirm) -> Tracker:
        latest = {"intent": {"name": "nlu_fallback", "confidence": 0.3}, "entities": [], "text": "嗯嗯"}
        slots = {"requested_slot": requested, "form_reasks": reasks}
        return Tracker("demo_clean", slots, latest, [], False, None, {"name": form}, "rest")

    messages, events = await run_action(ActionUnclearInForm(clock=seed_day), in_form(None))
    assert said(messages) == ["utter_default"] and slots_of(events) == {"form_reasks": 1.0}
    messages, events = await run_action(ActionUnclearInForm(clock=seed_day), in_form(1.0))
    assert said(messages) == ["utter_default", "utter_reask_way_out"] and slots_of(events) == {"form_reasks": 2.0}
    messages, events = await run_action(ActionUnclearInForm(clock=seed_day), in_form(2.0))
    assert said(messages) == ["utter_form_unclear_stopped"]
    assert slots_of(events) == {"form_reasks": None, confirm: False}  # the form's required_slots then end it
    # While the code is awaited, the code question counts its own re-asks.
    messages, events = await run_action(ActionUnclearInForm(clock=seed_day), in_form(2.0, requested="change_code"))
    assert said(messages) == ["utter_default"] and events == []


async def test_a_confirmation_set_to_no_ends_the_change_form() -> None:
    tracker = make_tracker("demo_clean", intent="nlu_fallback", slots={"change_confirmed": False})
    slots = ["change_confirmed", "change_code"]
    assert await FORM.required_slots(slots, CollectingDispatcher(), tracker, domain()) == []
