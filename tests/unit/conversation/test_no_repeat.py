"""No block twice word for word (bot/conversation/no_repeat.py): what counts as a repeat, and what is said instead."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.conversation.no_repeat import (
    HUMAN_PAYLOAD,
    Outgoing,
    earlier_answers,
    is_verbatim_repeat,
    shorter_answer,
)

BLOCK = [
    "借呗现在还不能注销，需要先处理下面这些：\n· 有一笔账单还没还：¥3,256.80，12月14日到期。",
    "以上合计需要还 ¥3,256.80。",
]


def out(*texts: str, buttons: tuple[str, ...] = (), payload: bool = False) -> list[Outgoing]:
    return [Outgoing(t, buttons, payload) for t in texts]


def user(text: str) -> dict[str, Any]:
    return {"event": "user", "text": text}


def bot(text: str) -> dict[str, Any]:
    return {"event": "bot", "text": text}


def test_the_same_block_again_is_a_repeat() -> None:
    assert is_verbatim_repeat(out(*BLOCK), [BLOCK], sets_up_a_step=False)


def test_spacing_differences_do_not_hide_a_repeat() -> None:
    assert is_verbatim_repeat(out(*(f"  {t}\n" for t in BLOCK)), [BLOCK], sets_up_a_step=False)


def test_a_repeat_inside_a_longer_earlier_answer_counts() -> None:
    # the earlier answer also asked a waiting question again after the block
    earlier = [["您好", *BLOCK, "回到刚才的问题：", "花呗想暂停多久？"]]
    assert is_verbatim_repeat(out(*BLOCK), earlier, sets_up_a_step=False)


def test_anything_changed_is_no_repeat() -> None:
    changed = [BLOCK[0], "以上合计需要还 ¥3,000.00。"]
    assert not is_verbatim_repeat(out(*changed), [BLOCK], sets_up_a_step=False)
    assert not is_verbatim_repeat(out(*BLOCK), [[BLOCK[0]]], sets_up_a_step=False)  # more than was said before


def test_a_one_line_reply_may_be_said_again() -> None:
    assert not is_verbatim_repeat(out("请输入收到的 6 位验证码"), [["请输入收到的 6 位验证码"]], sets_up_a_step=False)


@pytest.mark.parametrize(
    "answer",
    [
        out(*BLOCK, buttons=('/close_account{"product":"jiebei"}',)),  # asks the customer to choose
        out(*BLOCK, payload=True),  # a download link, a handoff card
    ],
)
def test_an_answer_that_leads_on_is_never_shortened(answer: list[Outgoing]) -> None:
    assert not is_verbatim_repeat(answer, [BLOCK], sets_up_a_step=False)


def test_the_handoff_button_alone_does_not_lead_on() -> None:
    assert is_verbatim_repeat(out(*BLOCK, buttons=(HUMAN_PAYLOAD,)), [BLOCK], sets_up_a_step=False)


def test_an_answer_setting_up_a_step_is_never_shortened() -> None:
    assert not is_verbatim_repeat(out(*BLOCK), [BLOCK], sets_up_a_step=True)


def test_earlier_answers_are_the_last_turns_of_this_session_only() -> None:
    events = [
        user("旧的"),
        bot("上一次会话的回答"),
        {"event": "session_started"},
        user("一"),
        bot("答一"),
        user("二"),
        bot("答二a"),
        bot("答二b"),
        user("三"),
        bot("答三"),
        user("四"),
        bot("答四"),
        user("五"),  # the latest message: its answer is being made
    ]
    assert earlier_answers(events) == [["答二a", "答二b"], ["答三"], ["答四"]]
    assert earlier_answers(events, turns=5) == [["答一"], ["答二a", "答二b"], ["答三"], ["答四"]]
    assert earlier_answers([user("只有一句")]) == []


def _every_answer_then_the_last(events: list[dict[str, Any]], turns: int) -> list[list[str]]:
    """The answers to every customer message of the session, then the last `turns` of them (the plain way)."""
    starts = [i for i, e in enumerate(events) if e.get("event") in ("restart", "session_started", "resume")]
    session = events[starts[-1] + 1 :] if starts else events
    users = [i for i, e in enumerate(session) if e.get("event") == "user"]
    answers = [
        [str(e.get("text")) for e in session[begin + 1 : end] if e.get("event") == "bot" and e.get("text")]
        for begin, end in zip(users[:-1], users[1:], strict=True)
    ]
    return answers[-turns:] if turns > 0 else []


_EVENT = st.one_of(
    st.builds(user, st.sampled_from(["一", "二"])),
    st.builds(bot, st.sampled_from(["答一", "答二", ""])),
    st.sampled_from([{"event": k} for k in ("session_started", "restart", "resume", "pause", "action", "slot")]),
)


@settings(max_examples=300, deadline=None)
@given(st.lists(_EVENT, max_size=30), st.integers(min_value=-1, max_value=5))
def test_earlier_answers_are_the_last_answers_of_the_session(events: list[dict[str, Any]], turns: int) -> None:
    assert earlier_answers(events, turns) == _every_answer_then_the_last(events, turns)


def test_after_an_agent_hands_back_earlier_answers_no_longer_count() -> None:
    events = [
        user("借呗能关闭吗"),
        bot("答"),
        {"event": "pause"},
        user("我想先还清"),
        {"event": "resume"},
        user("借呗能关闭吗"),
    ]
    assert earlier_answers(events) == []


@pytest.mark.parametrize(
    ("message", "response"),
    [
        ("我早就还了", "utter_push_back_done_repaid"),
        ("我早就还清了 为什么借呗还关不了", "utter_push_back_done_repaid"),
        ("早就确认收货了", "utter_push_back_done_received"),
        ("还是不行", "utter_push_back_said_before"),
        ("你刚才说过了", "utter_push_back_said_before"),
        ("我没关过啊", "utter_follow_unchanged"),
        ("借呗还是用不了啊", "utter_follow_unchanged"),
    ],
)
def test_the_short_answer_addresses_the_push_back_and_offers_a_person(message: str, response: str) -> None:
    (reply,) = shorter_answer(message)
    assert reply.response == response
    assert [payload for _, payload in reply.buttons] == [HUMAN_PAYLOAD]
