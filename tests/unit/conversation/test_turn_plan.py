"""What a turn is (follow-up, push-back, two questions) and what comes next (bot/conversation: turn_plan, events)."""

from __future__ import annotations

from typing import Any

import pytest

from bot.conversation.context import Context, Subject, UserTurn
from bot.conversation.events import SessionReader, previous_bot_texts, turn_view, user_turns
from bot.conversation.push_back import Done, PushBack, done_of, is_repeat, read_push_back
from bot.conversation.turn_plan import Step, TurnView, decide, push_back_of, questions_of, second_question

CLOSING_JIEBEI = UserTurn('/close_account{"product":"jiebei"}', "close_account")


def view(text: str, intent: str | None = None, earlier: tuple[UserTurn, ...] = (), **over: Any) -> TurnView:
    values: dict[str, Any] = {
        "text": text,
        "intent": intent,
        "earlier": earlier,
        "just_asked": True,
        "ours_ran": False,
        "answered_by": None,
        "pending": False,
        "offer_waiting": False,
    }
    values.update(over)
    return TurnView(**values)


def test_a_follow_up_is_answered_whatever_the_model_read() -> None:
    assert decide(view("那借呗呢", "reopen_account", (CLOSING_JIEBEI,))) is Step.FOLLOW_UP
    assert decide(view("进度呢", "out_of_scope")) is Step.FOLLOW_UP  # its own subject: no context needed


def test_same_without_a_subject_is_left_to_the_model() -> None:
    assert decide(view("那借呗呢", "close_account")) is None


def test_nothing_is_read_inside_a_form_or_a_journey_question() -> None:
    assert decide(view("进度呢", "check_request_status", (CLOSING_JIEBEI,), pending=True)) is None


def test_asking_for_a_person_or_leaving_is_never_a_push_back() -> None:
    assert decide(view("还是不行 转人工", "request_human", (CLOSING_JIEBEI,))) is None
    assert decide(view("还是不行", "deny", (CLOSING_JIEBEI,))) is Step.PUSH_BACK


def test_push_back_needs_something_said_before() -> None:
    assert decide(view("你刚才说过了", "out_of_scope")) is None
    assert decide(view("你刚才说过了", "out_of_scope", (CLOSING_JIEBEI,))) is Step.PUSH_BACK


def test_the_same_question_again_is_a_push_back_but_a_change_asked_again_is_not() -> None:
    asked = UserTurn("借呗这个月还多少", "out_of_scope")
    again = view("借呗这个月还多少。", "out_of_scope", (asked,))
    assert decide(again) is Step.PUSH_BACK and push_back_of(again) is PushBack.REPEAT
    unbind = UserTurn("把滴滴的免密支付关了", "unbind_service")
    assert decide(view("把滴滴的免密支付关了", "unbind_service", (unbind,))) is None


def test_after_one_of_ours_the_turn_ends() -> None:
    assert decide(view("进度呢", just_asked=False, ours_ran=True, answered_by="action_answer_follow_up")) is Step.LISTEN


def test_a_second_question_is_offered_after_an_answer_that_leaves_nothing_waiting() -> None:
    after: dict[str, Any] = {"just_asked": False, "answered_by": "utter_iamabot"}
    assert decide(view("你是机器人吗 另外借呗哪天还款", "bot_challenge", **after)) is Step.OFFER_NEXT
    assert decide(view("你是机器人吗 另外借呗哪天还款", "bot_challenge", **after, pending=True)) is None
    closing: dict[str, Any] = {"just_asked": False, "answered_by": "action_check_pause"}
    assert decide(view("暂停花呗 另外借呗哪天还款", "pause_credit", **closing)) is None
    assert decide(view("你是机器人吗", "bot_challenge", **after)) is None


def test_the_offered_question_is_answered_on_yes() -> None:
    assert decide(view("好的", "affirm", offer_waiting=True)) is Step.ANSWER_OFFERED
    assert decide(view("好的", "affirm")) is None  # nothing offered: the nothing-pending rule answers
    assert decide(view("嗯 说吧", "thank", offer_waiting=True)) is Step.ANSWER_OFFERED  # whatever the model read
    assert decide(view("不用了", "deny", offer_waiting=True)) is None


def test_second_question_is_one_the_main_answer_left_open() -> None:
    assert second_question("你是机器人吗 另外借呗哪天还款", "bot_challenge") == "借呗哪天还款"
    assert second_question("关了影响征信吗 进度呢", "ask_credit_impact") == "进度呢"
    assert second_question("影响征信吗 还有征信怎么查", "ask_credit_impact") is None  # both credit: answered
    assert second_question("进度呢", "check_request_status") is None


def test_all_questions_of_a_message_in_order_one_per_subject() -> None:
    questions = questions_of("借呗能注销吗 这个月要还多少 哪天还", Context())
    assert [(q.subject, q.products) for q in questions] == [
        (Subject.CLOSING, ("jiebei",)),
        (Subject.BILL, ("jiebei",)),  # the product of the clause before
    ]


@pytest.mark.parametrize(
    ("text", "kind"),
    [
        ("我早就收到货了", PushBack.ALREADY_DONE),
        ("钱我已经还了", PushBack.ALREADY_DONE),
        ("还是不行啊", PushBack.NOT_WORKING),
        ("不管用", PushBack.NOT_WORKING),
        ("你刚才说过了", PushBack.SAID_BEFORE),
        ("别重复了！！", PushBack.SAID_BEFORE),
        ("已经还了吗", None),  # a question, not a push-back
        ("我想注销", None),
    ],
)
def test_push_back_reading(text: str, kind: PushBack | None) -> None:
    assert read_push_back(text) is kind


def test_what_was_done() -> None:
    assert done_of("我早就收到货了") is Done.RECEIVED
    assert done_of("退款已经到账了") is Done.REFUNDED
    assert done_of("早还清了") is Done.REPAID
    assert done_of("我想注销") is None


def test_repeats_are_questions_in_the_same_words() -> None:
    assert is_repeat("借呗能注销吗？", "close_account", ["借呗能注销吗"])
    assert not is_repeat("好的好的", "affirm", ["好的好的"])
    assert not is_repeat("借呗", "inform", ["借呗"])  # too short to be a question
    assert not is_repeat("借呗能注销吗", "close_account", ["借呗能注销吗", "a", "b", "c", "d"])  # long ago
    assert is_repeat("那借呗到底能注销吗", "close_account", ["借呗能注销吗"])  # insisting, same question
    assert not is_repeat("花呗能注销吗", "close_account", ["借呗能注销吗"])


def _events(*pairs: tuple[str, Any]) -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = []
    for kind, value in pairs:
        if kind == "user":
            text, intent = value
            out.append({"event": "user", "text": text, "parse_data": {"intent": {"name": intent}}})
        elif kind == "action":
            out.append({"event": "action", "name": value})
        elif kind == "bot":
            out.append({"event": "bot", "text": value[0], "data": {"buttons": value[1]}})
        else:
            out.append({"event": kind, **value})
    return out


def test_the_turn_is_read_from_the_events_of_this_session() -> None:
    events = _events(
        ("user", ("花呗能注销吗", "close_account")),
        ("restart", {}),
        ("action", "action_listen"),
        ("user", ("借呗能注销吗", "close_account")),
        ("action", "action_check_closure"),
        ("bot", ("借呗现在还不能注销", None)),
        ("action", "action_listen"),
        ("user", ("那花呗呢", "close_account")),
    )
    turn = turn_view(events)
    assert turn is not None and turn.just_asked and not turn.pending
    assert turn.earlier == (UserTurn("借呗能注销吗", "close_account"),)
    assert [t.text for t in user_turns(events)] == ["借呗能注销吗", "那花呗呢"]
    assert previous_bot_texts(events) == ["借呗现在还不能注销"]
    assert turn_view(_events(("action", "action_listen"))) is None


def test_pending_comes_from_loops_journey_questions_ready_slots_buttons_and_handoffs() -> None:
    asked = _events(("slot", {"name": "journey_question", "value": {"question": "q"}}), ("user", ("进度呢", None)))
    turn = turn_view(asked)
    assert turn is not None and turn.pending
    # a journey question from a turn before the last one no longer waits
    old = _events(
        ("slot", {"name": "journey_question", "value": {"question": "q"}}),
        ("user", ("算了", "deny")),
        ("user", ("进度呢", None)),
    )
    turn = turn_view(old)
    assert turn is not None and not turn.pending
    looping = _events(("active_loop", {"name": "closure_form"}), ("user", ("进度呢", None)))
    turn = turn_view(looping)
    assert turn is not None and turn.pending
    for after in (
        ("slot", {"name": "closure_ready", "value": True}),
        ("bot", ("选一个", [{"title": "花呗", "payload": "/inform"}])),
        ("pause", {}),
    ):
        turn = turn_view(_events(("user", ("x 进度呢", None)), ("action", "action_check_closure"), after))
        assert turn is not None and turn.pending and turn.answered_by == "action_check_closure"


def test_an_offer_waits_when_it_was_the_last_thing_the_bot_did() -> None:
    events = _events(
        ("user", ("你是机器人吗 另外借呗哪天还款", "bot_challenge")),
        ("action", "utter_iamabot"),
        ("action", "action_offer_second_question"),
        ("action", "action_listen"),
        ("user", ("好的", "affirm")),
    )
    turn = turn_view(events)
    assert turn is not None and turn.offer_waiting and decide(turn) is Step.ANSWER_OFFERED


def test_a_question_answered_only_with_an_apology_is_answered_when_asked_again() -> None:
    # the action server was down: 「借呗能注销吗」 got 「抱歉，系统刚才出了点问题……」, then it is asked again
    def conversation(reply: str, response: str) -> list[dict[str, Any]]:
        events = _events(("user", ("借呗能注销吗", "close_account")), ("action", "action_check_closure"))
        events.append({"event": "bot", "text": reply, "metadata": {"utter_action": response}})
        return events + _events(("action", "action_listen"), ("user", ("借呗能注销吗", "close_account")))

    turn = turn_view(conversation("抱歉，系统刚才出了点问题", "utter_try_again_later"))
    assert turn is not None and turn.unanswered == frozenset({0})
    assert decide(turn) is None  # not a push-back: the journey answers it
    again = turn_view(conversation("借呗现在还不能注销", "utter_closure_blocked"))
    assert again is not None and again.unanswered == frozenset() and decide(again) is Step.PUSH_BACK


# A session with everything the reading keeps across events: earlier sessions, failed turns, a
# loop that starts and ends, an offer, a journey question, buttons and a handover.
EVERY_KIND = _events(
    ("user", ("花呗能注销吗", "close_account")),
    ("bot", ("抱歉，系统刚才出了点问题", None)),
    ("restart", {}),
    ("action", "action_listen"),
    ("user", ("借呗能注销吗", "close_account")),
    ("bot", ("抱歉，系统刚才出了点问题", None)),
    ("action", "action_listen"),
    ("user", ("借呗能注销吗", "close_account")),
    ("action", "action_check_closure"),
    ("slot", {"name": "closure_ready", "value": True}),
    ("active_loop", {"name": "closure_form"}),
    ("action", "action_listen"),
    ("user", ("算了", "deny")),
    ("active_loop", {"name": None}),
    ("action", "action_offer_second_question"),
    ("action", "action_listen"),
    ("user", ("进度呢", None)),
    ("slot", {"name": "journey_question", "value": {"question": "q"}}),
    ("bot", ("选一个", [{"title": "花呗", "payload": "/inform"}])),
    ("action", "action_listen"),
    ("user", ("花呗", "inform")),
    ("pause", {}),
    ("session_started", {}),
    ("action", "action_listen"),
    ("user", ("你好", "greet")),
)
for event in EVERY_KIND:  # the failure apology, as channels/action_failures.py records it
    if event.get("text") == "抱歉，系统刚才出了点问题":
        event["metadata"] = {"utter_action": "utter_try_again_later"}


def test_a_reading_continued_event_by_event_is_a_reading_from_scratch() -> None:
    going_on = SessionReader()
    for end, event in enumerate(EVERY_KIND, start=1):
        going_on.read([event])
        assert going_on.view() == SessionReader().read(EVERY_KIND[:end]).view(), f"after event {end}"
    chunks = SessionReader().read(EVERY_KIND[:7]).read(EVERY_KIND[7:15]).read(EVERY_KIND[15:])
    assert chunks.view() == turn_view(EVERY_KIND)


def test_the_reading_keeps_failed_turns_loops_and_offers() -> None:
    view = SessionReader().read(EVERY_KIND[:17]).view()  # up to 「进度呢」
    assert view is not None and view.unanswered == frozenset({0}) and view.offer_waiting
    assert not view.pending  # the loop ended before this turn, and no journey question was asked
    assert SessionReader().read(EVERY_KIND[:13]).view().pending  # type: ignore[union-attr]  # in the loop
