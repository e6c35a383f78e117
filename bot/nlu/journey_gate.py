"""Precision before recall for change journeys: when unsure, ask; never start one on a guess.

Most real messages use the domain's words (关闭, 自动还款, 恢复) without asking for a
change. Starting a closure or an unbinding for a question is the worst error the
assistant can make, worse than "I can't help with that". So a change-journey intent
must win clearly: confident on its own and well ahead of the runner-up. Otherwise
the message is treated as unclear and the user is asked which of the two readings
they meant (`clarification`), with buttons that carry the entities already found.

Questions (credit impact, closure effects, ...) keep the ordinary fallback threshold:
answering the wrong question costs a rephrase, not an account change.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from bot.core.replies import Button, Fragment, Reply, intent_button

# Intents whose rules start a change to the account (after a check and a confirmation).
CHANGE_JOURNEYS = frozenset(
    {
        "close_account",
        "pause_credit",
        "reopen_account",
        "unbind_service",
        "lower_limit",
        "cancel_request",
        "ask_data_deletion",
    }
)
# Intents a clarifying question may offer as a button: the contract's domain intents.
OFFERABLE = CHANGE_JOURNEYS | {
    "ask_credit_impact",
    "ask_closure_effects",
    "ask_closed_by_platform",
    "request_settlement_certificate",
    "check_request_status",
    "request_human",
    "out_of_scope",
}
# Entities a button may carry (their values were canonicalised by the NLU rules).
BUTTON_ENTITIES = ("product", "service")


@dataclass(frozen=True)
class GateSettings:
    """How clearly a change journey must win; chosen by cross-validation (docs/nlu.md)."""

    min_confidence: float = 0.75
    min_margin: float = 0.4
    # A runner-up below this is not worth offering as a reading.
    min_offer: float = 0.08


Ranking = Sequence[tuple[str, float]]
# FallbackClassifier and the gate put this verdict on top of the ranking they keep.
FALLBACK_VERDICT = "nlu_fallback"


def ranking_of(intent_ranking: Iterable[Mapping[str, Any]] | None) -> list[tuple[str, float]]:
    """(intent, confidence) pairs from NLU output, without a fallback verdict.

    The verdict is not a reading of the message: what the user may have meant is
    the classifier's ranking underneath it.
    """
    return [
        (str(r.get("name")), float(r.get("confidence") or 0.0))
        for r in intent_ranking or ()
        if r.get("name") != FALLBACK_VERDICT
    ]


def holds(ranking: Ranking, settings: GateSettings | None = None) -> bool:
    """True when the top reading is a change journey that did not win clearly."""
    settings = settings or GateSettings()
    if not ranking or ranking[0][0] not in CHANGE_JOURNEYS:
        return False
    top = ranking[0][1]
    runner_up = ranking[1][1] if len(ranking) > 1 else 0.0
    return top < settings.min_confidence or top - runner_up < settings.min_margin


def readings(ranking: Ranking, settings: GateSettings | None = None) -> tuple[str, ...]:
    """The (at most two) readings worth offering back, best first."""
    settings = settings or GateSettings()
    offered = [name for name, confidence in ranking[:2] if name in OFFERABLE and confidence >= settings.min_offer]
    return tuple(offered)


def clarification(ranking: Ranking, entities: Mapping[str, str], settings: GateSettings | None = None) -> Reply | None:
    """One short question with a button per reading, or None when there is no journey to ask about.

    `ranking` is the NLU's intent ranking without `nlu_fallback`; `entities` the
    canonical product/service values found in the message.
    """
    offered = readings(ranking, settings)
    if not any(name in CHANGE_JOURNEYS for name in offered):
        return None
    carried = {name: entities[name] for name in BUTTON_ENTITIES if entities.get(name)}
    buttons: list[Button] = [
        intent_button(_title(name), name, **({} if name in ("out_of_scope", "request_human") else carried))
        for name in offered
    ]
    if "out_of_scope" not in offered:
        buttons.append(intent_button(Fragment("utter_clarify_none"), "out_of_scope"))
    if len(offered) == 1:
        return Reply("utter_clarify_one", {"reading": _title(offered[0])}, buttons=tuple(buttons))
    return Reply("utter_clarify_two", {"first": _title(offered[0]), "second": _title(offered[1])}, tuple(buttons))


def _title(intent: str) -> Fragment:
    return Fragment(f"utter_clarify_{intent}")
