"""People, not keywords (bot/handoff/people.py): which words decide, and what is said."""

from __future__ import annotations

from datetime import date

import pytest

from bot.core.replies import FactUse, Reply
from bot.handoff import people
from tests.factories import HUABEI, JIEBEI, make_account, make_customer

TODAY = date(2026, 11, 22)


def decided(text: str, *, intent: str = "out_of_scope", names: bool = False, loop: str | None = None) -> str | None:
    return people.decide(text, intent=intent, names_something=names, active_loop=loop)


@pytest.mark.parametrize("text", ["是不是被盗号了", "我的花呗被盗用了！！！", "不是我本人操作的😡", "有人盗号了吧"])
def test_theft_signals_go_to_the_fraud_handoff(text: str) -> None:
    assert decided(text) == people.FRAUD_ACTION
    assert decided(text, loop="closure_form") == people.FRAUD_ACTION  # the open step stops
    assert decided(text, loop="callback_form") is None  # there it is the message for the agent


@pytest.mark.parametrize("text", ["我没关过", "我从来没注销过花呗啊", "不是我关的", "我没申请过注销"])
def test_disowning_a_closure_is_checked_against_the_record(text: str) -> None:
    assert people.disowns_closure(text)
    assert decided(text, intent="ask_closed_by_platform") == people.DISOWNED_ACTION


@pytest.mark.parametrize("text", ["你们催收天天打电话骚扰我家人 太过分了", "什么破服务 垃圾", "受够了！！！"])
def test_complaints_and_anger_with_nothing_named_are_acknowledged(text: str) -> None:
    assert decided(text) == people.COMPLAINT_ACTION
    assert decided(text, intent="request_human") is None  # 「我要投诉」: the handoff, with the channels first
    assert decided(text, names=True) is None  # a product named: a request keeps its journey
    assert decided(text, loop="change_form") is None


@pytest.mark.parametrize("text", ["借呗能注销吗？？？", "关闭花呗！！！", "花呗先暂停三个月🙏", "谢谢"])
def test_ordinary_messages_and_punctuation_or_emoji_decide_nothing(text: str) -> None:
    assert decided(text) is None


def test_a_complaint_about_collection_gets_the_collection_rules_and_a_human_offer() -> None:
    parts = people.complaint_replies("催收打电话给我家人 太过分了")
    assert parts[0] == Reply("utter_complaint_ack")
    assert parts[1:3] == [FactUse("collection_rules"), FactUse("complaint_channels")]
    offer = parts[3]
    assert isinstance(offer, Reply) and offer.response == "utter_complaint_offer_human"
    assert [payload for _, payload in offer.buttons] == ["/request_human"]
    assert FactUse("collection_rules") not in people.complaint_replies("什么破服务")


def test_asking_where_to_complain_gets_the_channels_without_an_apology() -> None:
    assert people.complaint_before_handoff("投诉渠道是什么") == [FactUse("complaint_channels")]
    assert people.complaint_before_handoff("我要投诉你们") == [
        Reply("utter_complaint_ack"),
        FactUse("complaint_channels"),
    ]
    assert people.complaint_before_handoff("转人工") == []


def test_only_lines_usable_today_are_offered_a_pause() -> None:
    who = make_customer(make_account(HUABEI, status="active"), make_account(JIEBEI, status="closed"))
    lines = people.lines_to_pause(who, today=TODAY)
    assert [a.product.id for a in lines] == ["huabei"]
    assert people.pause_changes(lines) == [{"kind": "pause", "product": "huabei", "days": people.FRAUD_PAUSE_DAYS}]
    assert people.lines_to_pause(None, today=TODAY) == []


def test_the_fraud_reply_stops_the_step_advises_and_offers_the_pause_with_two_buttons() -> None:
    who = make_customer(make_account(HUABEI, status="active"), make_account(JIEBEI, status="active"))
    parts = people.fraud_replies(people.lines_to_pause(who, today=TODAY), stopped_a_step=True)
    names = [p.response if isinstance(p, Reply) else f"fact:{p.id}" for p in parts]
    assert names == [
        "utter_step_stopped",
        "utter_fraud_ack",
        "utter_fraud_keep_codes",
        "fact:misuse_check_report",
        "utter_fraud_pause_offer",
    ]
    offer = parts[-1]
    assert isinstance(offer, Reply) and offer.params["products"] == "花呗和借呗"
    assert [payload for _, payload in offer.buttons] == ["/affirm", "/deny"]
    assert [p for p in people.fraud_replies([], stopped_a_step=False) if isinstance(p, Reply)][-1] == Reply(
        "utter_fraud_keep_codes"
    )
