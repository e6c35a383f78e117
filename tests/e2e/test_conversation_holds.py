"""Issue 12 end to end: wrong actions fixed, nothing pretended, no trap (REST channel, both servers, the database).

Typed the way people type on a phone where the words are the subject (卡, 验证码没收到, a bank's request,
a bigger loan, 确认 with nothing pending, a question inside the callback form); button payloads elsewhere.
Every conversation also checks what the database holds afterwards: nothing changes unless confirmed.
"""

from __future__ import annotations

import json
from datetime import datetime, time, timedelta, timezone
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select

from bot.config import Settings
from bot.core.formatting import cn_date
from bot.db import models as m
from bot.db import queries
from bot.db.queries import load_requests
from bot.db.session import session_scope
from tests.e2e.conftest import business_today, last_code
from tests.factories import stored_account, stored_customer

pytestmark = pytest.mark.e2e


def state(db: Any, customer: str) -> dict[str, Any]:
    """What these conversations could change for one customer, audit rows included."""
    with session_scope(db) as s:
        snapshot = stored_customer(s, customer)
        audit = s.execute(select(m.AuditEntry.id).where(m.AuditEntry.actor == f"customer:{customer}")).scalars().all()
        return {
            "accounts": {a.product.id: (a.status, a.paused_until, a.credit_limit) for a in snapshot.accounts},
            "services": sorted(
                (a.product.id, svc.service_type) for a in snapshot.accounts for svc in a.active_services
            ),
            "requests": [(r.kind, r.status) for r in load_requests(s, customer)],
            "audit": len(audit),
        }


def tickets(db: Any, conversation_id: str) -> list[m.HandoffTicket]:
    with session_scope(db) as s:
        stmt = select(m.HandoffTicket).where(m.HandoffTicket.conversation_id == conversation_id)
        return list(s.execute(stmt.order_by(m.HandoffTicket.id)).scalars())


def codes_sent(outbox: Path, customer: str) -> int:
    if not outbox.exists():
        return 0
    lines = [json.loads(line) for line in outbox.read_text(encoding="utf-8").splitlines()]
    return sum(1 for x in lines if x["customer_id"] == customer)


def text_of(replies: list[dict[str, Any]]) -> str:
    return "\n".join(r.get("text", "") for r in replies)


def button(replies: list[dict[str, Any]], title_part: str) -> dict[str, Any]:
    return next(b for r in replies for b in r.get("buttons", []) if title_part in b["title"])


def closed_window() -> str:
    now = datetime.now(ZoneInfo("Asia/Shanghai"))
    return f"{now + timedelta(hours=2):%H:%M}-{now + timedelta(hours=3):%H:%M}"


# ── part 8: wrong actions and facts ─────────────────────────────────────────


def test_the_card_bound_to_jiebei_is_found_and_unbound(chat, db, outbox) -> None:
    # Once: 「借呗绑的那张卡解绑」 → 「你没有绑定卡。」 while a bank card was bound.
    before = state(db, "demo_bound")
    c = chat("demo_bound")
    reply = c.say("借呗绑的那张卡解绑")
    assert "没有绑定" not in reply and "上没有" not in reply
    assert "尾号6789" in reply and "确认解绑借呗绑定银行卡" in reply
    assert "花呗" not in reply.split("确认解绑")[1]  # the question names only what was asked for
    assert state(db, "demo_bound") == before
    assert "尾号 0000" in c.say("/affirm")
    assert "已解绑" in c.say(last_code(outbox, "demo_bound"))
    after = state(db, "demo_bound")
    assert ("jiebei", "bank_card") not in after["services"]
    assert set(before["services"]) - set(after["services"]) == {("jiebei", "bank_card")}


def test_auto_repay_on_both_lines_is_asked_about_not_both_confirmed(chat, db, outbox) -> None:
    # Once: the confirmation included the other product's auto-repay the user never named.
    before = state(db, "demo_bound")
    c = chat("demo_bound")
    replies = c.send("自动还款帮我关了吧")
    reply = text_of(replies)
    assert "在花呗和借呗上都有" in reply and "解绑哪一个" in reply and "确认解绑" not in reply
    jiebei = button(replies, "借呗自动还款")
    reply = c.say(jiebei["payload"])
    assert "确认解绑借呗自动还款" in reply and "花呗自动还款" not in reply
    assert state(db, "demo_bound") == before
    c.say("/affirm")
    assert "已解绑：借呗自动还款" in c.say(last_code(outbox, "demo_bound"))
    after = state(db, "demo_bound")
    assert ("huabei", "auto_repay") in after["services"] and ("jiebei", "auto_repay") not in after["services"]


def test_request_dates_are_business_timezone_days(chat, db) -> None:
    # Once: a request made at 04:00 Beijing time showed the previous (UTC) day.
    today = business_today()
    zone = Settings.from_env().zone
    with session_scope(db) as s:
        jiebei = stored_account(s, "demo_clean", "jiebei")
        request = queries.submit_request(
            s,
            customer_id="demo_clean",
            account_id=jiebei.account_id,
            kind="close",
            required_review_levels=2,
            channel="t",
        )
        # 04:00 Beijing time = 20:00 UTC the day before; stored in UTC, as the application stores it
        request.created_at = datetime.combine(today, time(4, 0), tzinfo=zone).astimezone(timezone.utc)
    c = chat("demo_clean")
    reply = c.say("我的注销申请到哪一步了")
    assert f"{cn_date(today, today=today)}提交" in reply
    assert f"{cn_date(today - timedelta(days=1), today=today)}提交" not in reply


def test_a_closure_is_dated_by_its_submission_not_its_closure(chat, db) -> None:
    # Once: 「你自己在<closure day>申请注销的」.
    today = business_today()
    closed_on = today - timedelta(days=32)  # bot/db/seed.py: demo_closed
    before = state(db, "demo_closed")
    reply = chat("demo_closed").say("/ask_closed_by_platform")
    asked = cn_date(closed_on - timedelta(days=1), today=today)
    assert f"您自己在{asked}申请关闭的" in reply and f"{cn_date(closed_on, today=today)}审核通过后关闭" in reply
    assert state(db, "demo_closed") == before


def test_a_code_not_received_is_sent_again(chat, db, outbox) -> None:
    # Once: 「验证码没收到」 → 「请再输入一次」 and no new code.
    c = chat("demo_clean")
    c.say('/close_account{"product":"huabei"}')
    c.say("/affirm")
    first, sent = last_code(outbox, "demo_clean"), codes_sent(outbox, "demo_clean")
    reply = c.say("验证码没收到啊")
    assert "重新给您发一个验证码" in reply and "验证码已发送到您尾号" in reply and "请再输入一次" not in reply
    assert codes_sent(outbox, "demo_clean") == sent + 1
    second = last_code(outbox, "demo_clean")
    assert state(db, "demo_clean")["accounts"]["huabei"][0] == "active"
    if first != second:
        assert "验证码不对" in c.say(first)  # the new code replaced the old one
    assert "已经关闭" in c.say(second)
    assert state(db, "demo_clean")["accounts"]["huabei"][0] == "closed"


def test_a_bank_asking_to_close_first_is_answered_not_started(chat, db) -> None:
    # Once: 「银行让我先注销 有必要吗」 went straight to the closing confirmation.
    before = state(db, "demo_clean")
    c = chat("demo_clean")
    replies = c.send("银行让我先把借呗注销 有必要吗")
    reply = text_of(replies)
    assert "要不要关闭由您自己决定" in reply and "没有依据" in reply
    assert "确认要注销" not in reply and "符合注销条件" not in reply
    check = button(replies, "查一下能不能关闭")
    assert "现在没有等您确认的操作" in c.say("好的")
    assert state(db, "demo_clean") == before
    assert "符合关闭条件" in c.say(check["payload"])  # only when the user asks for it
    assert "没有提交关闭申请" in c.say("/deny")
    assert state(db, "demo_clean") == before


def test_a_wish_for_a_bigger_loan_never_lowers_the_limit(chat, db) -> None:
    # Once: a wish for more business credit started the lower-limit journey.
    before = state(db, "demo_clean")
    c = chat("demo_clean")
    reply = c.say("做生意资金不够 经营贷想要多一点额度")
    assert "调到" not in reply and "调低后" not in reply and "想调到多少" not in reply
    assert "现在没有等您确认的操作" in c.say("行")
    assert state(db, "demo_clean") == before


# ── part 3: nothing pending, nothing pretended ───────────────────────────────


def test_a_yes_with_nothing_pending_is_answered_honestly(chat, db) -> None:
    before = state(db, "demo_balance")
    c = chat("demo_balance")
    for yes in ("确认", "好的", "行"):
        reply = c.say(yes)
        assert reply != "好的。"
        assert "现在没有等您确认的操作" in reply and "没有做任何更改" in reply
    assert state(db, "demo_balance") == before


def test_a_yes_after_a_closure_went_to_review_lists_the_request(chat, db, outbox) -> None:
    c = chat("demo_clean")
    c.say('/close_account{"product":"jiebei"}')
    c.say("/affirm")
    c.say(last_code(outbox, "demo_clean"))
    after_submit = state(db, "demo_clean")
    assert ("close", "submitted") in after_submit["requests"] or ("close", "under_review") in after_submit["requests"]
    reply = c.say("确认")
    assert "现在没有等您确认的操作" in reply and "借呗关闭申请" in reply
    assert state(db, "demo_clean") == after_submit


# ── part 4: no trap ──────────────────────────────────────────────────────────


def test_the_callback_form_answers_questions_and_lets_go(chat, db, action_settings) -> None:
    # Once: every later message was taken as a phone number (「这个号码好像不对」) until 11 digits came.
    window = closed_window()
    action_settings(BOT_SERVICE_HOURS=window)
    c = chat("demo_frozen")
    assert "可以给客服留言" in c.say("转人工")
    assert "手机号码" in c.say("借呗被冻结了 想问问原因")
    reply = c.say("关闭花呗影响征信吗")
    assert "号码好像不对" not in reply and "不良记录" in reply and "手机号码" in reply
    reply = c.say("转人工")
    assert f"服务时间是每天 {window}" in reply and "号码好像不对" not in reply and "手机号码" in reply
    assert "号码好像不对" in c.say("12345")
    assert "不用了" in c.say("139")  # the second re-ask says how to get out
    reply = c.say("1380013")
    assert "这次先不留言了" in reply
    assert tickets(db, "demo_frozen") == []
    # The bot is itself again, with demo_frozen's own data.
    assert "被平台冻结" in c.say('/close_account{"product":"jiebei"}')


def test_a_new_request_leaves_the_callback_form(chat, db, action_settings) -> None:
    action_settings(BOT_SERVICE_HOURS=closed_window())
    before = state(db, "demo_balance")
    c = chat("demo_balance")
    c.say("转人工")
    c.say("想问下借呗的账单")
    reply = c.say('/close_account{"product":"jiebei"}')
    assert "不留言了" in reply and "¥3,256.80" in reply
    assert tickets(db, "demo_balance") == []
    assert state(db, "demo_balance") == before


def test_no_code_is_asked_again_at_most_twice(chat, db) -> None:
    before = state(db, "demo_clean")
    c = chat("demo_clean")
    c.say('/close_account{"product":"jiebei"}')
    c.say("/affirm")
    # Digits are read by rule (bot/nlu/digits.py): the test does not hang on how a word is classified.
    assert "6 位数字" in c.say("12")
    reply = c.say("123")
    assert "重新发送" in reply and "算了" in reply and "转人工" in reply
    reply = c.say("1234")
    assert "这次先不办了" in reply and "没有提交关闭申请" in reply
    assert state(db, "demo_clean") == before
    assert "现在没有等您确认的操作" in c.say("确认")  # nothing still waits after the way out


def test_asking_for_a_human_while_confirming_a_withdrawal_keeps_the_request(chat, db, outbox) -> None:
    c = chat("demo_clean")
    c.say('/close_account{"product":"jiebei"}')
    c.say("/affirm")
    c.say(last_code(outbox, "demo_clean"))
    submitted = state(db, "demo_clean")
    assert "撤回" in c.say('/cancel_request{"product":"jiebei"}')
    reply = c.say("转人工")
    assert "申请保留" in reply and "转接人工客服" in reply
    assert state(db, "demo_clean")["requests"] == submitted["requests"]


def test_a_length_that_does_not_fit_is_asked_again_at_most_twice(chat, db) -> None:
    before = state(db, "demo_balance")
    c = chat("demo_balance")
    assert "想暂停多久" in c.say('/pause_credit{"product":"huabei"}')
    reply = c.say('/inform{"duration":730}')
    assert "7 到 365 天之间" in reply and "想暂停多久" in reply and "算了" not in reply
    reply = c.say('/inform{"duration":730}')
    assert "想暂停多久" in reply and "不想办了可以说“算了”" in reply
    reply = c.say('/inform{"duration":730}')
    assert "这次先不办了，没有做任何更改" in reply and "想暂停多久" not in reply
    assert "现在没有等您确认的操作" in c.say("确认")
    assert state(db, "demo_balance") == before


def test_a_closure_confirmation_not_understood_is_asked_again_at_most_twice(chat, db) -> None:
    # Free text the NLU cannot read (nlu_fallback) is the subject here: nonsense at the yes/no question.
    before = state(db, "demo_clean")
    c = chat("demo_clean")
    assert "确认要关闭借呗吗" in c.say('/close_account{"product":"jiebei"}')
    assert "没太看懂" in c.say("/nlu_fallback")
    reply = c.say("/nlu_fallback")
    assert "不想办了可以说“算了”" in reply and "确认要关闭借呗吗" in reply
    reply = c.say("/nlu_fallback")
    assert "这次先不办了" in reply and "没有提交关闭申请" in reply
    assert state(db, "demo_clean") == before
