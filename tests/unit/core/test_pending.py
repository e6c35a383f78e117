"""A journey question survives a side question (bot/core/pending.py): asked again, then the answer goes back."""

from __future__ import annotations

import pytest

from bot.core.pending import (
    LISTEN,
    RETURN_ACTION,
    WaitingQuestion,
    next_step,
    still_waiting,
    waiting_from_slot,
)

LENGTH = WaitingQuestion("utter_ask_pause_duration", 0, {"params": {"product_name": "花呗"}, "buttons": []})


def test_the_slot_round_trips_and_names_the_journey_that_asked() -> None:
    assert waiting_from_slot(LENGTH.as_slot()) == LENGTH
    assert LENGTH.asked_by == "action_check_pause"
    assert WaitingQuestion("utter_unbind_which_product", 1).asked_by == "action_check_unbind"


@pytest.mark.parametrize("value", [None, "utter_ask_pause_duration", {"question": 3}, [], {"reasks": 1}])
def test_anything_else_in_the_slot_is_no_question(value: object) -> None:
    assert waiting_from_slot(value) is None


def test_odd_counts_and_replies_in_the_slot_are_dropped() -> None:
    waiting = waiting_from_slot({"question": "utter_ask_limit_amount", "reasks": True, "reply": "x"})
    assert waiting == WaitingQuestion("utter_ask_limit_amount", 0, None)


def test_the_question_waits_while_its_journey_is_the_latest_step() -> None:
    history = ["action_listen", "action_check_pause", "action_listen", "action_explain_credit_impact"]
    assert still_waiting(LENGTH, history) == LENGTH


@pytest.mark.parametrize("later", ["action_check_closure", "closure_form", "action_request_human", "action_decline"])
def test_a_new_journey_a_form_a_handoff_or_a_no_ends_it(later: str) -> None:
    assert still_waiting(LENGTH, ["action_check_pause", "action_listen", later]) is None


@pytest.mark.parametrize(
    "walked_away",
    [
        "action_handle_complaint",
        "action_fraud_handoff",
        "action_check_disowned",
        "utter_goodbye",
        "action_session_start",
    ],
)
def test_walking_away_in_any_other_way_ends_it_even_after_side_questions(walked_away: str) -> None:
    # Once: a complaint or a goodbye left the question in the slot, and the next side question asked it again.
    history = ["action_check_pause", LISTEN, "action_explain_credit_impact", RETURN_ACTION, LISTEN, walked_away]
    assert still_waiting(LENGTH, history) is None
    assert still_waiting(LENGTH, [*history, LISTEN, "action_explain_credit_impact"]) is None


def test_side_answers_follow_ups_and_asking_again_keep_it_waiting() -> None:
    history = [
        "action_check_pause",
        LISTEN,
        "action_show_requests",
        RETURN_ACTION,
        LISTEN,
        "action_answer_follow_up",
        LISTEN,
        "utter_iamabot",
    ]
    assert still_waiting(LENGTH, history) == LENGTH


def test_the_journey_asking_again_starts_the_count_from_there() -> None:
    history = ["action_check_pause", LISTEN, "action_handle_complaint", LISTEN, "action_check_pause", LISTEN]
    assert still_waiting(LENGTH, history) == LENGTH


def test_the_certificate_product_question_goes_back_to_the_certificate() -> None:
    which = WaitingQuestion("utter_ask_certificate_product", 0)
    assert which.asked_by == "action_issue_certificate"
    history = ["action_issue_certificate", LISTEN, "action_explain_credit_impact"]
    assert still_waiting(which, history) == which
    assert next_step(which, latest_action=LISTEN, intent="inform", in_form=False) == "action_issue_certificate"


def test_a_question_of_no_known_journey_never_waits() -> None:
    assert still_waiting(WaitingQuestion("utter_greet", 0), ["action_check_pause"]) is None
    assert still_waiting(None, ["action_check_pause"]) is None


@pytest.mark.parametrize("side", ["action_explain_credit_impact", "action_show_requests", "utter_iamabot"])
def test_after_a_side_answer_the_question_is_asked_again(side: str) -> None:
    assert next_step(LENGTH, latest_action=side, intent="ask_credit_impact", in_form=False) == RETURN_ACTION


def test_after_asking_again_the_bot_listens_and_the_answer_goes_back() -> None:
    assert next_step(LENGTH, latest_action=RETURN_ACTION, intent="ask_credit_impact", in_form=False) == LISTEN
    assert next_step(LENGTH, latest_action=LISTEN, intent="inform", in_form=False) == "action_check_pause"
    assert next_step(LENGTH, latest_action=LISTEN, intent="nlu_fallback", in_form=False) == "action_check_pause"


@pytest.mark.parametrize(
    ("waiting", "latest", "intent", "in_form"),
    [
        (None, "action_explain_credit_impact", "ask_credit_impact", False),  # nothing waits
        (LENGTH, "action_explain_credit_impact", "ask_credit_impact", True),  # forms ask again themselves
        (LENGTH, LISTEN, "deny", False),  # 算了: the rules end it (action_decline)
        (LENGTH, LISTEN, "pause_credit", False),  # a journey intent starts over by its own rule
        (LENGTH, "action_check_pause", "inform", False),  # the journey's own rules follow
    ],
)
def test_anywhere_else_it_leaves_the_turn_alone(
    waiting: WaitingQuestion | None, latest: str, intent: str, in_form: bool
) -> None:
    assert next_step(waiting, latest_action=latest, intent=intent, in_form=in_form) is None
