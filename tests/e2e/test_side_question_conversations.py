"""Issue 12.2/12.3 end to end: every pending step survives a side question; 算了 with nothing pending is honest.

REST channel, both servers, the database. Answers are typed the way people type where a rule reads them
(那就帮我办吧, 行 就这么办, 那就三个月吧, 停两年, 提交申请, 不撤回, 算了, digits); the side questions, which the
model reads, are sent as `/intent` payloads so that no conversation hangs on one sentence's confidence.
Every conversation checks the database afterwards: nothing changes unless confirmed.
"""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal
from typing import Any

import pytest

from bot.core.formatting import cn_date
from tests.e2e.conftest import business_today, last_code
from tests.e2e.test_conversation_holds import button, closed_window, state, tickets

pytestmark = pytest.mark.e2e

CREDIT = "不算不良记录"  # the general credit-report answer (bot/credit/credit.yml: closing_not_negative)
EFFECTS = "分开开通、分开关闭"  # the closure-effects answer (products_independent)


def close_huabei_asked(c: Any) -> None:
    assert "确认要关闭花呗吗" in c.say('/close_account{"product":"huabei"}')


# ── the closing confirmation and its code ─────────────────────────────────────


def test_a_credit_question_while_confirming_a_closure_is_answered_and_the_closure_goes_on(chat, db, outbox) -> None:
    before = state(db, "demo_clean")
    c = chat("demo_clean")
    close_huabei_asked(c)
    reply = c.say("/ask_credit_impact")
    assert CREDIT in reply and "确认要关闭花呗吗" in reply
    assert state(db, "demo_clean") == before
    assert "验证码已发送到您尾号 1111" in c.say("那就帮我办吧")
    assert "花呗已经关闭" in c.say(last_code(outbox, "demo_clean"))
    assert state(db, "demo_clean")["accounts"]["huabei"][0] == "closed"


def test_can_i_reopen_later_while_confirming_is_answered_not_a_withdrawal(chat, db) -> None:
    # Once: asking about reopening while 「确认注销」 waited withdrew the closure.
    before = state(db, "demo_clean")
    c = chat("demo_clean")
    close_huabei_asked(c)
    reply = c.say("/reopen_account")
    assert "关闭满 30 天后才能申请重新开通" in reply and "确认要关闭花呗吗" in reply
    assert "没有提交关闭申请" not in reply and "正常使用，不需要恢复" not in reply
    assert "验证码已发送" in c.say("确认关闭")  # the button's title, typed
    assert "没有提交关闭申请" in c.say("算了")
    assert state(db, "demo_clean") == before


def test_closure_effects_while_confirming_then_cancel(chat, db) -> None:
    before = state(db, "demo_clean")
    c = chat("demo_clean")
    close_huabei_asked(c)
    reply = c.say("/ask_closure_effects")
    assert EFFECTS in reply and "确认要关闭花呗吗" in reply
    assert "没有提交关闭申请" in c.say("取消")
    assert state(db, "demo_clean") == before
    assert "现在没有等您确认的操作" in c.say("确认")


def test_a_question_while_the_closure_code_is_awaited_asks_for_the_code_again(chat, db, outbox) -> None:
    c = chat("demo_clean")
    close_huabei_asked(c)
    c.say("/affirm")
    reply = c.say("/ask_credit_impact")
    assert CREDIT in reply and "请输入收到的 6 位验证码" in reply
    assert state(db, "demo_clean")["accounts"]["huabei"][0] == "active"
    assert "花呗已经关闭" in c.say(last_code(outbox, "demo_clean"))
    assert state(db, "demo_clean")["accounts"]["huabei"][0] == "closed"


def test_why_was_it_closed_while_confirming_then_no(chat, db) -> None:
    before = state(db, "demo_clean")
    c = chat("demo_clean")
    close_huabei_asked(c)
    reply = c.say("/ask_closed_by_platform")
    assert "都没有被平台冻结" in reply and "确认要关闭花呗吗" in reply
    assert "没有提交关闭申请" in c.say("不要了")
    assert state(db, "demo_clean") == before


def test_a_status_question_and_thanks_while_confirming_then_agreement_in_words(chat, db, outbox) -> None:
    before = state(db, "demo_clean")
    c = chat("demo_clean")
    close_huabei_asked(c)
    reply = c.say("/check_request_status")
    assert "没有提交过" in reply and "确认要关闭花呗吗" in reply
    reply = c.say("/thank")
    assert "不客气" in reply and "确认要关闭花呗吗" in reply
    assert "验证码已发送" in c.say("行 就这么办")
    assert state(db, "demo_clean") == before
    assert "没有提交关闭申请" in c.say("不用了")
    assert state(db, "demo_clean") == before


# ── pausing: the confirmation and the length question ────────────────────────


def test_a_credit_question_while_confirming_a_pause_then_yes_in_words(chat, db) -> None:
    c = chat("demo_balance")
    assert "确认把花呗暂停 90 天" in c.say('/pause_credit{"product":"huabei","duration":90}')
    reply = c.say("/ask_credit_impact")
    assert CREDIT in reply and "确认把花呗暂停 90 天" in reply
    assert state(db, "demo_balance")["accounts"]["huabei"][0] == "active"
    assert "花呗已经暂停" in c.say("行 就这么办")
    assert state(db, "demo_balance")["accounts"]["huabei"][:2] == ("paused", business_today() + timedelta(days=90))


def test_the_length_question_survives_a_credit_question(chat, db) -> None:
    # Once: a credit question while choosing a pause length dropped the pause; 确认 then got 「好的。」.
    c = chat("demo_balance")
    assert "花呗想暂停多久" in c.say('/pause_credit{"product":"huabei"}')
    reply = c.say("/ask_credit_impact")
    assert CREDIT in reply and "回到刚才的问题" in reply and "花呗想暂停多久" in reply
    reply = c.say("那就三个月吧")
    assert "确认把花呗暂停 90 天" in reply and "不能再付款或借款" in reply
    assert state(db, "demo_balance")["accounts"]["huabei"][0] == "active"
    assert "花呗已经暂停" in c.say("确认")
    assert state(db, "demo_balance")["accounts"]["huabei"][:2] == ("paused", business_today() + timedelta(days=90))


def test_an_out_of_range_length_after_a_side_question_is_answered_and_asked_again(chat, db) -> None:
    before = state(db, "demo_balance")
    c = chat("demo_balance")
    c.say('/pause_credit{"product":"huabei"}')
    assert "花呗想暂停多久" in c.say("/ask_closure_effects")
    reply = c.say("停两年")
    assert "7 到 365 天之间，您说的是 730 天" in reply and "花呗想暂停多久" in reply
    assert "确认把花呗暂停 180 天" in c.say("半年吧")
    assert "这次没有做任何更改" in c.say("算了")
    assert state(db, "demo_balance") == before


def test_are_you_a_robot_while_the_length_is_asked(chat, db) -> None:
    before = state(db, "demo_balance")
    c = chat("demo_balance")
    c.say('/pause_credit{"product":"jiebei"}')
    reply = c.say("/bot_challenge")
    assert "智能助手" in reply and "借呗想暂停多久" in reply
    assert "确认把借呗暂停 30 天" in c.say("一个月")  # a button's title, typed
    assert "这次没有做任何更改" in c.say("先不了")
    assert state(db, "demo_balance") == before


def test_no_to_the_waiting_length_question_ends_it_honestly(chat, db) -> None:
    before = state(db, "demo_balance")
    c = chat("demo_balance")
    c.say('/pause_credit{"product":"huabei"}')
    assert "花呗想暂停多久" in c.say("/check_request_status")
    reply = c.say("算了")
    assert "这次没有做任何更改" in reply and reply != "好的。"
    assert "现在没有等您确认的操作" in c.say("确认")
    assert state(db, "demo_balance") == before


# ── lowering the limit: the amount question ──────────────────────────────────


def test_the_amount_question_survives_a_side_question(chat, db, outbox) -> None:
    c = chat("demo_clean")
    assert "想调到多少" in c.say('/lower_limit{"product":"huabei"}')
    reply = c.say("/ask_credit_impact")
    assert CREDIT in reply and "花呗现在的额度是 ¥8,000.00" in reply
    assert "确认把花呗的额度调到 ¥5,000.00 吗" in c.say("5000")
    assert state(db, "demo_clean")["accounts"]["huabei"][2] == Decimal("8000")
    c.say("/affirm")
    assert "额度已经调到 ¥5,000.00" in c.say(last_code(outbox, "demo_clean"))
    assert state(db, "demo_clean")["accounts"]["huabei"][2] == Decimal("5000")


def test_no_at_the_amount_question_after_a_side_question_changes_nothing(chat, db) -> None:
    before = state(db, "demo_clean")
    c = chat("demo_clean")
    c.say('/lower_limit{"product":"jiebei"}')
    assert "借呗现在的额度是" in c.say("/ask_closed_by_platform")
    assert "这次没有做任何更改" in c.say("不要了")
    assert state(db, "demo_clean") == before


# ── unbinding: the choice of services and of the line ────────────────────────


def test_the_unbinding_choice_survives_a_side_question(chat, db, outbox) -> None:
    before = state(db, "demo_bound")
    c = chat("demo_bound")
    assert "想解绑哪个" in c.say("/unbind_service")
    replies = c.send("/ask_credit_impact")
    assert "想解绑哪个" in "\n".join(r.get("text", "") for r in replies)
    assert any(r.get("buttons") for r in replies)  # the choices come back as buttons too
    reply = c.say('/inform{"service":"password_free"}')
    assert "确认解绑花呗免密支付（滴滴出行）吗" in reply
    assert state(db, "demo_bound") == before
    c.say("/affirm")
    assert "已解绑" in c.say(last_code(outbox, "demo_bound"))
    gone = set(before["services"]) - set(state(db, "demo_bound")["services"])
    assert gone == {("huabei", "password_free")}


def test_which_line_survives_a_side_question_and_only_that_line_is_confirmed(chat, db) -> None:
    before = state(db, "demo_bound")
    c = chat("demo_bound")
    assert "解绑哪一个" in c.say('/unbind_service{"service":"auto_repay"}')
    replies = c.send("/bot_challenge")
    assert "解绑哪一个" in "\n".join(r.get("text", "") for r in replies)
    reply = c.say(button(replies, "借呗自动还款")["payload"])
    assert "确认解绑借呗自动还款" in reply and "花呗自动还款" not in reply.split("确认解绑")[1]
    assert "这次没有做任何更改" in c.say("先不了")
    assert state(db, "demo_bound") == before


def test_a_mixed_unbinding_request_confirms_exactly_what_was_named(chat, db, outbox) -> None:
    # Once: 「把滴滴的免密和自动还款关了」 asked only about the auto-repay, 滴滴 forgotten.
    before = state(db, "demo_bound")
    c = chat("demo_bound")
    replies = c.send("把滴滴免密和自动还款都解了")
    reply = "\n".join(r.get("text", "") for r in replies)
    assert "滴滴出行" in reply and "会一起解绑" in reply and "解绑哪一个" in reply and "确认解绑" not in reply
    reply = c.say(button(replies, "借呗自动还款")["payload"])
    question = reply.split("确认解绑")[1]
    assert "滴滴出行" in question and "借呗自动还款" in question and "花呗自动还款" not in question
    assert state(db, "demo_bound") == before
    c.say("/affirm")
    c.say(last_code(outbox, "demo_bound"))
    gone = set(before["services"]) - set(state(db, "demo_bound")["services"])
    assert gone == {("huabei", "password_free"), ("jiebei", "auto_repay")}


# ── withdrawal and data deletion ─────────────────────────────────────────────


def _jiebei_closure_under_review(c: Any, outbox: Any) -> None:
    c.say('/close_account{"product":"jiebei"}')
    c.say("/affirm")
    assert "关闭申请已提交" in c.say(last_code(outbox, "demo_clean"))


def test_a_question_while_confirming_a_withdrawal_then_no_in_words_keeps_the_request(chat, db, outbox) -> None:
    c = chat("demo_clean")
    _jiebei_closure_under_review(c, outbox)
    submitted = state(db, "demo_clean")
    assert "确认撤回" in c.say('/cancel_request{"product":"jiebei"}')
    reply = c.say("/ask_credit_impact")
    assert CREDIT in reply and "确认撤回" in reply
    assert "申请保留" in c.say("不撤回")  # the button's title, typed (the model read it as a withdrawal)
    assert state(db, "demo_clean")["requests"] == submitted["requests"]


def test_are_you_a_robot_while_confirming_a_withdrawal_then_the_title_typed(chat, db, outbox) -> None:
    c = chat("demo_clean")
    _jiebei_closure_under_review(c, outbox)
    c.say('/cancel_request{"product":"jiebei"}')
    reply = c.say("/bot_challenge")
    assert "智能助手" in reply and "确认撤回" in reply
    assert "已撤回" in c.say("确认撤回")
    assert ("close", "withdrawn") in state(db, "demo_clean")["requests"]


def test_the_deletion_offer_survives_a_status_question_and_is_accepted_by_its_typed_title(chat, db, outbox) -> None:
    before = state(db, "demo_clean")
    c = chat("demo_clean")
    assert "要现在提交删除个人信息的申请吗" in c.say("/ask_data_deletion")
    reply = c.say("/check_request_status")
    assert "没有提交过" in reply and "要现在提交删除个人信息的申请吗" in reply
    assert "验证码已发送" in c.say("提交申请")  # the button's title, typed (read as out_of_scope before)
    assert state(db, "demo_clean") == before
    assert "删除个人信息的申请已提交" in c.say(last_code(outbox, "demo_clean"))
    assert ("data_deletion", "submitted") in state(db, "demo_clean")["requests"]


def test_a_credit_question_at_the_deletion_offer_then_not_now(chat, db) -> None:
    before = state(db, "demo_clean")
    c = chat("demo_clean")
    c.say("/ask_data_deletion")
    reply = c.say("/ask_credit_impact")
    assert CREDIT in reply and "要现在提交删除个人信息的申请吗" in reply
    assert "没有提交删除申请" in c.say("先不用")
    assert state(db, "demo_clean") == before


# ── the callback form ─────────────────────────────────────────────────────────


def test_a_question_at_the_callback_number_is_answered_and_the_number_still_taken(chat, db, action_settings) -> None:
    action_settings(BOT_SERVICE_HOURS=closed_window())
    c = chat("demo_balance")
    assert "可以给客服留言" in c.say("/request_human")
    assert "手机号码" in c.say("想问下账单能不能分期")
    reply = c.say("/ask_closure_effects")
    assert EFFECTS in reply and "手机号码" in reply and "号码好像不对" not in reply
    assert "留言已收到" in c.say("138 0000 2222")
    assert [t.kind for t in tickets(db, "demo_balance")] == ["message"]


# ── nothing pending, nothing pretended ───────────────────────────────────────


@pytest.mark.parametrize("no", ["不用了", "算了"])
def test_no_with_nothing_pending_is_answered_honestly(chat, db, no: str) -> None:
    before = state(db, "demo_balance")
    c = chat("demo_balance")
    c.say("/ask_credit_impact")
    reply = c.say(no)
    assert reply != "好的。" and "现在没有正在办的事" in reply and "没有做任何更改" in reply
    assert state(db, "demo_balance") == before


def test_a_greeting_while_the_length_is_asked_then_the_length_in_words(chat, db) -> None:
    before = state(db, "demo_clean")
    c = chat("demo_clean")
    c.say('/pause_credit{"product":"huabei"}')
    assert "花呗想暂停多久" in c.say("/greet")
    until = business_today() + timedelta(days=30)
    reply = c.say("先停一个月")
    assert f"确认把花呗暂停 30 天（到{cn_date(until, today=business_today())}）吗" in reply
    assert state(db, "demo_clean") == before
    assert "花呗已经暂停" in c.say("好的")
    assert state(db, "demo_clean")["accounts"]["huabei"][:2] == ("paused", until)


def test_which_line_to_close_survives_a_side_question(chat, db) -> None:
    before = state(db, "demo_clean")
    c = chat("demo_clean")
    assert "您想关闭哪一个" in c.say("/close_account")
    replies = c.send("/ask_credit_impact")
    reply = "\n".join(r.get("text", "") for r in replies)
    assert CREDIT in reply and "回到刚才的问题" in reply and "您想关闭哪一个" in reply
    assert "确认要关闭借呗吗" in c.say('/inform{"product":"jiebei"}')
    assert "没有提交关闭申请" in c.say("算了")
    assert state(db, "demo_clean") == before
