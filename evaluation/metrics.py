"""Scores for a labelled set and the intents a model predicted for it.

An accepted alternate counts as correct (the border rules name them). `nlu_fallback`
counts as a miss: the user is asked to rephrase or to choose, not answered.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from bot.nlu.journey_gate import CHANGE_JOURNEYS
from evaluation.heldout import Labelled


@dataclass(frozen=True)
class IntentScore:
    """Precision, recall and F1 of one intent, and how many messages carry it."""

    intent: str
    precision: float
    recall: float
    f1: float
    support: int


@dataclass(frozen=True)
class Scores:
    """The figures the gates and the report use."""

    n: int
    accuracy: float
    macro_f1: float
    per_intent: tuple[IntentScore, ...]
    fallback_rate: float
    false_journey_rate: float  # share of out_of_scope messages that would start a change journey
    out_of_scope_n: int


def credited(examples: Sequence[Labelled], predicted: Sequence[str]) -> list[str]:
    """The prediction, or the message's own label where the prediction is an accepted alternate."""
    return [e.intent if e.accepts(p) else p for e, p in zip(examples, predicted, strict=True)]


def per_intent(truth: Sequence[str], predicted: Sequence[str]) -> tuple[IntentScore, ...]:
    """Precision, recall and F1 for every intent that is some message's label."""
    scores = []
    for intent in sorted(set(truth)):
        tp = sum(t == intent and p == intent for t, p in zip(truth, predicted, strict=True))
        predicted_n = sum(p == intent for p in predicted)
        support = sum(t == intent for t in truth)
        precision = tp / predicted_n if predicted_n else 0.0
        recall = tp / support
        f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
        scores.append(IntentScore(intent, precision, recall, f1, support))
    return tuple(scores)


def score(examples: Sequence[Labelled], predicted: Sequence[str]) -> Scores:
    """All figures for one set of predictions (`predicted[i]` is the intent for `examples[i]`)."""
    fair = credited(examples, predicted)
    truth = [e.intent for e in examples]
    intents = per_intent(truth, fair)
    out_of_scope = [(e, p) for e, p in zip(examples, predicted, strict=True) if e.intent == "out_of_scope"]
    false_journeys = sum(p in CHANGE_JOURNEYS and not e.accepts(p) for e, p in out_of_scope)
    return Scores(
        n=len(examples),
        accuracy=sum(t == p for t, p in zip(truth, fair, strict=True)) / len(examples),
        macro_f1=sum(s.f1 for s in intents) / len(intents),
        per_intent=intents,
        fallback_rate=sum(p == "nlu_fallback" for p in predicted) / len(examples),
        false_journey_rate=false_journeys / len(out_of_scope) if out_of_scope else 0.0,
        out_of_scope_n=len(out_of_scope),
    )
