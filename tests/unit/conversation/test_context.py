"""Reading short follow-ups and folding the conversation's context (bot/conversation/context.py)."""

from __future__ import annotations

import pytest

from bot.conversation.context import (
    Ask,
    Context,
    Subject,
    UserTurn,
    fold,
    mark_products,
    read_clause,
    read_follow_up,
    read_message,
    resolve,
    split_clauses,
    turn_reading,
)


@pytest.mark.parametrize(
    ("text", "ask"),
    [
        ("那借呗呢", Ask.SAME),
        ("借贝呢？", Ask.SAME),
        ("花被那边怎么样", Ask.SAME),
        ("另外一个呢", Ask.SAME),
        ("借呗也一样吗", Ask.SAME),
        ("另一个也关了没", Ask.STATUS),
        ("注销了吗", Ask.STATUS),
        ("进度呢", Ask.PROGRESS),
        ("大概要几天", Ask.PROGRESS),
        ("审核要多久啊", Ask.PROGRESS),
        ("这个月要还多少 哪天还", Ask.BILL),
        ("花呗下个月还多少", Ask.BILL),
        ("几号还款", Ask.BILL),
        ("那现在能用了吗", Ask.USABLE),
        ("可以借钱了吗", Ask.USABLE),
        ("我现在还上是不是就能关", Ask.REPAY_THEN_CLOSE),
        ("还清了就能注销吗", Ask.REPAY_THEN_CLOSE),
        ("那我把钱还完能关吗", Ask.REPAY_THEN_CLOSE),
        ("我现在还上是不是就能关！！！", Ask.REPAY_THEN_CLOSE),
        ("是不是还了钱就能注销", Ask.REPAY_THEN_CLOSE),
        ("多久能办好", Ask.PROGRESS),
        ("下期还款多少钱", Ask.BILL),
        ("这个月账单多少 几号到期", Ask.BILL),
        ("借呗现在是什么状态", Ask.STATUS),
        ("借呗还能借钱吗", Ask.USABLE),
    ],
)
def test_follow_ups_are_read_whatever_the_punctuation(text: str, ask: Ask) -> None:
    follow_up = read_follow_up(text)
    assert follow_up is not None and follow_up.ask is ask


@pytest.mark.parametrize(
    "text",
    [
        "逾期记录多久能消",  # a credit question with 多久
        "关了以后还能用吗",  # what closing does, not whether it can be used now
        "暂停三个月",
        "我的注销申请到哪一步了 顺便说下我想撤回",  # a clause that is no follow-up shape
        "花呗能注销吗",  # can-close alone stays the model's (a journey reading)
        "关闭花呗影响征信吗",
        "自动还款帮我关了吧",
        '/close_account{"product":"jiebei"}',
        "那我想问一下如果我现在把借呗的钱全部都还上的话以后还能不能再开通",  # too long to be elliptical
        "什么时候还能再开",
        "我的申请到哪一步了",  # names what it asks about: the model's check_request_status
        "暂停什么时候到期",  # the pause, not a bill
        "还能注销吗",  # 还 as "still", no repayment
        "多久能还完",
        "那借呗也关了吧",  # a request, the model's to read
    ],
)
def test_requests_and_full_questions_are_no_follow_up(text: str) -> None:
    assert read_follow_up(text) is None


def test_products_are_named_by_any_alias_and_never_inside_a_latin_word() -> None:
    assert mark_products("蚂蚁花呗和借贝")[1] == ("huabei", "jiebei")
    assert mark_products("github呢")[1] == ()
    assert mark_products("hb呢") == ("Ｐ呢", ("huabei",))


def test_other_means_the_product_not_talked_about() -> None:
    follow_up = read_follow_up("另一个也关了没")
    assert follow_up is not None and follow_up.other
    question = resolve(follow_up, Context(Subject.CLOSING, ("huabei",)))
    assert question is not None and question.products == ("jiebei",) and question.subject is Subject.STATUS


def test_same_needs_a_subject_to_lean_on() -> None:
    follow_up = read_follow_up("那借呗呢")
    assert follow_up is not None
    assert resolve(follow_up, Context()) is None
    question = resolve(follow_up, Context(Subject.BILL, ("huabei",)))
    assert question is not None and (question.subject, question.products) == (Subject.BILL, ("jiebei",))


def test_a_follow_up_without_product_keeps_the_context_products() -> None:
    follow_up = read_follow_up("进度呢")
    assert follow_up is not None
    question = resolve(follow_up, Context(Subject.CLOSING, ("jiebei",), "close_account"))
    assert question is not None
    assert (question.subject, question.products, question.journey) == (Subject.REQUESTS, ("jiebei",), "close_account")


def test_clauses_split_on_spaces_punctuation_and_joining_words() -> None:
    assert split_clauses("借呗能注销吗 这个月要还多少") == ["借呗能注销吗", "这个月要还多少"]
    assert split_clauses("借呗进度呢还有一个问题花呗能用吗") == ["借呗进度呢", "花呗能用吗"]
    assert split_clauses("花呗 进度呢") == ["花呗进度呢"]  # a bare product name belongs to the next clause
    assert split_clauses("进度呢 花呗") == ["进度呢花呗"]
    assert split_clauses('/close_account{"product":"jiebei"}') == ['/close_account{"product":"jiebei"}']


def test_two_different_questions_are_no_single_follow_up() -> None:
    readings = read_message("借呗能注销吗 这个月要还多少")
    assert [r.ask for r in readings if r is not None] == [Ask.CAN_CLOSE, Ask.BILL]
    assert read_follow_up("借呗能注销吗 这个月要还多少") is None
    assert read_clause("影响征信吗") is not None


def test_payloads_are_read_as_intent_and_products() -> None:
    assert turn_reading(UserTurn('/close_account{"product":"jiebei"}')) == ("close_account", ("jiebei",))
    assert turn_reading(UserTurn('/unbind_service{"product":["huabei","x"]}')) == ("unbind_service", ("huabei",))
    assert turn_reading(UserTurn("/affirm")) == ("affirm", ())
    assert turn_reading(UserTurn("/close_account{broken", "close_account")) == ("close_account", ())


def test_the_context_follows_intents_products_and_follow_ups() -> None:
    turns = [
        UserTurn("借呗能注销吗", "close_account"),
        UserTurn("好的", "affirm"),  # keeps everything
        UserTurn("进度呢", "check_request_status"),
        UserTurn("那花呗呢", "close_account"),  # the model's guess does not count: it leans on the subject
    ]
    assert fold(turns[:1]) == Context(Subject.CLOSING, ("jiebei",), "close_account")
    assert fold(turns[:2]) == fold(turns[:1])
    assert fold(turns[:3]) == Context(Subject.REQUESTS, ("jiebei",), "close_account")
    assert fold(turns) == Context(Subject.REQUESTS, ("huabei",), "close_account")


def test_a_product_chosen_keeps_the_subject() -> None:
    turns = [UserTurn("我想注销", "close_account"), UserTurn('/inform{"product":"huabei"}', "inform")]
    assert fold(turns) == Context(Subject.CLOSING, ("huabei",), "close_account")
    assert fold([UserTurn("花呗", "inform")]) == Context(None, ("huabei",))
