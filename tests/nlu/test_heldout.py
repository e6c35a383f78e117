"""Self-written held-out sets: a secondary report, no longer a gate (issue 11).

These sets were written by the team, in the team's style, and scored 0.92-0.94
while real messages scored 0.58: they measure the writers, not the users. The
gates are on real messages (tests/nlu/test_real_heldout.py); these are printed
for comparison, and a large drop on them would still be worth a look.

- tests/nlu/heldout.yml, tests/nlu/heldout_v2.yml: written blind to the training data.
- tests/nlu/dev_heldout.yml: its errors once steered the training data.

Prints per-intent reports into the test log. (Cross-validation over the real
training messages: `make crossval`, `make pipelines`.)
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from rasa.shared.nlu.training_data.loading import load_data
from sklearn.metrics import classification_report, f1_score

from bot.config import REPO_ROOT
from evaluation.model import Parser, parse_all

pytestmark = pytest.mark.slow
HELDOUT = REPO_ROOT / "tests" / "nlu" / "heldout.yml"
DEV_HELDOUT = REPO_ROOT / "tests" / "nlu" / "dev_heldout.yml"
HELDOUT_V2 = REPO_ROOT / "tests" / "nlu" / "heldout_v2.yml"
# A floor far below their past figures: they are a report, but a collapse is a bug.
MIN_MACRO_F1 = 0.60


def predict(agent: Parser, path: Path, seen: frozenset[str]) -> list[tuple[Any, dict[str, Any]]]:
    """Parse every held-out message that is not also a training text (those would score for free)."""
    examples = [e for e in load_data(str(path)).intent_examples if e.get("text") not in seen]
    return list(zip(examples, parse_all(agent, [e.get("text") for e in examples]), strict=True))


@pytest.fixture(scope="module")
def predictions(agent: Parser, training_texts: frozenset[str]) -> list[tuple[Any, dict[str, Any]]]:
    return predict(agent, HELDOUT, training_texts)


# heldout_v2.yml was written after the training data, independently; the dozen
# everyday phrases it shares with it (你是机器人吗, 查一下我的申请进度) are
# coincidences, and `predict` leaves every shared text out of the score anyway.
@pytest.mark.parametrize("path", [HELDOUT, DEV_HELDOUT])
def test_no_held_out_sentence_leaked_into_training(path: Path, training_texts: frozenset[str]) -> None:
    """Short everyday messages (你好, 好的, 转人工) may appear in both; real sentences must not."""
    heldout = {e.get("text") for e in load_data(str(path)).intent_examples}
    leaked = sorted(t for t in heldout & training_texts if len(t) > 4)
    assert leaked == []


def report(predictions: list[tuple[Any, dict[str, Any]]], title: str) -> float:
    """Print the per-intent report and misses; returns intent macro-F1."""
    truth = [e.get("intent") for e, _ in predictions]
    # nlu_fallback counts as a miss: the user would be asked to rephrase.
    predicted = [p["intent"]["name"] for _, p in predictions]
    macro = f1_score(truth, predicted, average="macro", labels=sorted(set(truth)))
    misses = [
        (e.get("text"), e.get("intent"), p["intent"]["name"])
        for e, p in predictions
        if e.get("intent") != p["intent"]["name"]
    ]
    print(f"\n\n{title} ({len(truth)} messages)")
    print(classification_report(truth, predicted, labels=sorted(set(truth)), zero_division=0, digits=3))
    print(f"intent macro-F1: {macro:.3f}")
    for text, want, got in misses:
        print(f"  miss: {text!r}: {want} -> {got}")
    return float(macro)


def test_intent_macro_f1(agent, predictions, training_texts, capsys) -> None:
    with capsys.disabled():
        report(
            predict(agent, DEV_HELDOUT, training_texts),
            "Dev held-out set (steered training data; for comparison, not gated)",
        )
        macro = report(predictions, "Self-written held-out set (secondary report)")
        macro_v2 = report(
            predict(agent, HELDOUT_V2, training_texts), "Second self-written held-out set (secondary report)"
        )
    assert macro >= MIN_MACRO_F1
    assert macro_v2 >= MIN_MACRO_F1


def test_product_entities(predictions, capsys) -> None:
    from bot.core.catalog import load_catalog

    aliases = {a: p.id for p in load_catalog().products for a in p.aliases}
    expected, found = 0, 0
    for example, parsed in predictions:
        for ent in example.get("entities") or []:
            if ent["entity"] != "product":
                continue
            want = aliases.get(ent["value"], ent["value"])
            expected += 1
            found += any(e["entity"] == "product" and e["value"] == want for e in parsed["entities"])
    with capsys.disabled():
        print(f"product entities found with the right id: {found}/{expected}")
    assert expected and found / expected >= 0.9
