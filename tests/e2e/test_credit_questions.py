"""Credit-report questions end to end: reviewed facts plus this customer's dates and amounts."""

from __future__ import annotations

from datetime import date, datetime, timedelta

import pytest

from bot.config import Settings
from bot.core.formatting import cn_date
from bot.credit.impact import record_kept_until

pytestmark = pytest.mark.e2e


def business_today() -> date:
    return datetime.now(Settings.from_env().zone).date()


def test_past_overdue_hears_when_its_record_goes(chat) -> None:
    today = business_today()
    ended = today - timedelta(days=730)
    reply = chat("demo_past_overdue").say("逾期记录多久能消除")
    assert "5 年" in reply
    assert f"在{cn_date(ended, today=today)}还清过一笔逾期" in reply
    assert f"如已报送征信，按 5 年规则，这条记录会保留到{cn_date(record_kept_until(ended), today=today)}前后" in reply
    assert "征信修复" in reply and "20 日内" in reply


def test_current_overdue_hears_the_clock_has_not_started(chat) -> None:
    reply = chat("demo_overdue").say("关了花呗是不是就不上征信了")
    assert "不算不良记录" in reply and "¥862.40" in reply and "还清那天才开始算" in reply


def test_clean_customer_closing_both(chat) -> None:
    reply = chat("demo_clean").say("关掉会不会影响我的信用")
    assert "不算不良记录" in reply and "没有逾期记录" in reply and "¥28,000.00" in reply
    assert "至少可以免费查询 2 次" in reply and "授信额度会一共减少" in reply


def test_pause_question(chat) -> None:
    assert "不算不良记录" in chat("demo_paused").say("暂停使用会在征信上留记录吗")


def test_closure_effects_and_data_deletion_are_reviewed_facts(chat) -> None:
    c = chat("demo_bound")
    assert "另一个一般不受影响" in c.say('/ask_closure_effects{"product":"jiebei"}')
    reply = c.say("/ask_data_deletion")
    assert "至少保存 10 年" in reply and "匿名化" in reply and "注销整个平台账户" in reply


@pytest.mark.parametrize(
    ("customer", "message", "facts"),
    [
        (
            "demo_frozen",
            "/ask_closed_by_platform",
            ["借呗目前被平台冻结", "综合评估", "有权要求说明", "12378", "人工客服"],
        ),
        ("demo_closed", "/ask_closed_by_platform", ["是您自己在", "申请关闭的"]),
        ("demo_clean", "/ask_closed_by_platform", ["都没有被平台冻结", "逾期或还款异常"]),
    ],
)
def test_platform_closure_questions(chat, customer, message, facts) -> None:
    reply = chat(customer).say(message)
    for fact in facts:
        assert fact in reply, fact


@pytest.mark.parametrize(
    ("customer", "message", "facts"),
    [
        ("demo_balance", '/ask_closure_effects{"product":"jiebei"}', ["还有 ¥3,256.80 没还完", "关闭不会免除欠款"]),
        ("demo_bound", '/ask_closure_effects{"product":"huabei"}', ["绑定了 6 项关联服务"]),
        ("demo_refund", '/ask_closure_effects{"product":"huabei"}', ["2 笔订单或退款没处理完"]),
    ],
)
def test_closure_effects_questions(chat, customer, message, facts) -> None:
    reply = chat(customer).say(message)
    for fact in facts:
        assert fact in reply, fact


@pytest.mark.parametrize(
    ("message", "facts", "not_said"),
    [
        ("主动关闭算不算不良记录", ["不算不良记录"], []),
        ("征信上会显示我买了什么东西吗", ["放款机构的名称", "不报送具体买了什么"], ["¥28,000.00"]),
        ("提前还款影响征信吗", ["提前还款不是违约"], ["¥28,000.00"]),
        ("我开公司要贷款，关借呗会不会对贷款好一点", ["无法作任何承诺"], ["¥28,000.00"]),
        ("晚还一天会不会影响信用", ["尽快还清", "按月报送"], []),
        ("芝麻分会受影响吗", ["不是人民银行征信中心的个人信用报告"], []),
    ],
)
def test_each_credit_question_gets_its_own_answer(chat, message, facts, not_said) -> None:
    reply = chat("demo_clean").say(message)
    for fact in facts:
        assert fact in reply, fact
    for wrong in not_said:
        assert wrong not in reply, wrong
