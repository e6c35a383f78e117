"""Scores on the real held-out set: alternates count, fallbacks miss, questions that start journeys are counted."""

from __future__ import annotations

import pytest

from evaluation.heldout import Labelled, read_heldout
from evaluation.metrics import score


def msg(intent: str, *alternates: str, text: str = "x") -> Labelled:
    return Labelled("r0", "random", text, intent, frozenset(alternates))


def test_an_accepted_alternate_counts_and_a_fallback_misses() -> None:
    examples = [msg("ask_closed_by_platform", "reopen_account"), msg("close_account"), msg("out_of_scope")]
    s = score(examples, ["reopen_account", "nlu_fallback", "out_of_scope"])
    assert s.accuracy == pytest.approx(2 / 3)
    assert s.fallback_rate == pytest.approx(1 / 3)
    by_intent = {i.intent: i for i in s.per_intent}
    assert by_intent["ask_closed_by_platform"].f1 == 1.0
    assert by_intent["close_account"].recall == 0.0


def test_false_journeys_are_out_of_scope_messages_that_would_start_a_change() -> None:
    examples = [
        msg("out_of_scope"),
        msg("out_of_scope"),
        msg("out_of_scope", "close_account"),  # 不想借了能取消吗: closing is an accepted reading
        msg("out_of_scope"),
    ]
    s = score(examples, ["unbind_service", "ask_credit_impact", "close_account", "out_of_scope"])
    assert s.out_of_scope_n == 4
    assert s.false_journey_rate == pytest.approx(1 / 4)


def test_macro_f1_averages_the_labelled_intents_only() -> None:
    examples = [msg("close_account"), msg("out_of_scope")]
    s = score(examples, ["close_account", "greet"])
    assert [i.intent for i in s.per_intent] == ["close_account", "out_of_scope"]
    assert s.macro_f1 == pytest.approx(0.5)


def test_the_committed_held_out_set_is_well_formed() -> None:
    from bot.nlu.journey_gate import OFFERABLE

    allowed = OFFERABLE | {"greet", "goodbye", "affirm", "deny", "thank", "bot_challenge", "inform"}
    heldout = read_heldout()
    assert len(heldout) >= 800 and len({e.id for e in heldout}) == len(heldout)
    assert {e.intent for e in heldout} <= allowed
    assert all(a in allowed and a != e.intent for e in heldout for a in e.alternates)
    assert {e.slice.split(":")[0] for e in heldout} == {"random", "keyword"}
