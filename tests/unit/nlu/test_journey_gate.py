"""The journey gate: a change journey starts only on a clear reading; otherwise the user is asked."""

from __future__ import annotations

import pytest

from bot.core.replies import Fragment
from bot.nlu.journey_gate import CHANGE_JOURNEYS, GateSettings, clarification, holds, ranking_of, readings

SETTINGS = GateSettings(min_confidence=0.75, min_margin=0.4, min_offer=0.08)


@pytest.mark.parametrize(
    ("ranking", "held"),
    [
        ([("close_account", 0.95), ("out_of_scope", 0.03)], False),  # clear win
        ([("close_account", 0.70), ("out_of_scope", 0.10)], True),  # not confident enough
        ([("unbind_service", 0.80), ("out_of_scope", 0.45)], True),  # runner-up too close
        ([("unbind_service", 0.80)], False),  # nothing behind it
        ([("ask_credit_impact", 0.50), ("close_account", 0.40)], False),  # a question is not gated here
        ([], False),
    ],
)
def test_holds_only_unclear_change_journeys(ranking: list[tuple[str, float]], held: bool) -> None:
    assert holds(ranking, SETTINGS) is held


def test_every_change_journey_is_gated() -> None:
    for intent in CHANGE_JOURNEYS:
        assert holds([(intent, 0.6), ("out_of_scope", 0.3)], SETTINGS)


def test_readings_offer_at_most_two_plausible_domain_intents() -> None:
    ranking = [("unbind_service", 0.5), ("out_of_scope", 0.3), ("close_account", 0.2)]
    assert readings(ranking, SETTINGS) == ("unbind_service", "out_of_scope")
    assert readings([("unbind_service", 0.9), ("out_of_scope", 0.05)], SETTINGS) == ("unbind_service",)
    # conversation intents are no reading to offer back
    assert readings([("close_account", 0.5), ("affirm", 0.4)], SETTINGS) == ("close_account",)


def test_two_readings_are_asked_with_a_button_each_carrying_the_entities() -> None:
    reply = clarification(
        [("unbind_service", 0.55), ("out_of_scope", 0.35)], {"service": "auto_repay", "duration": "90"}, SETTINGS
    )
    assert reply is not None
    assert reply.response == "utter_clarify_two"
    assert reply.params == {
        "first": Fragment("utter_clarify_unbind_service"),
        "second": Fragment("utter_clarify_out_of_scope"),
    }
    assert [payload for _, payload in reply.buttons] == ['/unbind_service{"service":"auto_repay"}', "/out_of_scope"]


def test_one_reading_is_asked_with_a_way_out() -> None:
    reply = clarification([("close_account", 0.6), ("greet", 0.3)], {"product": "huabei"}, SETTINGS)
    assert reply is not None
    assert reply.response == "utter_clarify_one"
    assert [payload for _, payload in reply.buttons] == ['/close_account{"product":"huabei"}', "/out_of_scope"]


def test_no_question_without_a_journey_among_the_readings() -> None:
    assert clarification([("ask_credit_impact", 0.4), ("out_of_scope", 0.35)], {}, SETTINGS) is None
    assert clarification([("greet", 0.4), ("thank", 0.3)], {}, SETTINGS) is None
    assert clarification([], {}, SETTINGS) is None


def test_ranking_of_drops_the_fallback_verdict_and_keeps_the_order() -> None:
    nlu_output: list[dict[str, object]] = [
        {"name": "nlu_fallback", "confidence": 0.6},
        {"name": "unbind_service", "confidence": 0.6},
        {"name": "out_of_scope", "confidence": None},
    ]
    assert ranking_of(nlu_output) == [("unbind_service", 0.6), ("out_of_scope", 0.0)]
    assert ranking_of(None) == []
