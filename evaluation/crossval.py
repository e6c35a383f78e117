"""Choose the journey gate's settings by cross-validation on the real *training* messages.

    python -m evaluation.crossval [--folds 3]

The held-out set (tests/nlu/real_heldout.tsv) is never used here. Each fold trains
an NLU model on the hand-written data plus the other folds' real messages and
parses its own real messages; the gate is then replayed on the kept rankings for
every candidate setting. Prints the grid and the setting with the best accuracy
whose false-journey rate stays under the target; writes docs/nlu-crossval.md.
"""

from __future__ import annotations

import argparse
import random
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from rasa.core.agent import Agent

from bot.nlu.journey_gate import GateSettings, holds, ranking_of
from evaluation.faq_crossval import write_responses
from evaluation.heldout import ROOT, Labelled
from evaluation.metrics import score
from evaluation.model import latest_model, parse_all

REAL_TRAINING = ROOT / "data" / "nlu" / "real"
DOC = ROOT / "docs" / "nlu-crossval.md"
FALSE_JOURNEY_TARGET = 0.015  # under the 2 % gate, with room for another machine's model
# When no setting meets the target, the fewest false journeys among the settings
# that cost at most this much accuracy against the best one.
ACCURACY_SLACK = 0.005
CONFIDENCES = (0.0, 0.5, 0.6, 0.7, 0.75, 0.8, 0.85, 0.9)
MARGINS = (0.0, 0.2, 0.3, 0.4, 0.5, 0.6)
FALLBACK_THRESHOLD = 0.45  # config.yml's FallbackClassifier
FALLBACK_AMBIGUITY = 0.05


def real_training() -> list[Labelled]:
    """The real training messages with their labels (alternates are in labelling/labelled.tsv)."""
    import csv

    with (ROOT / "labelling" / "labelled.tsv").open(encoding="utf-8", newline="") as f:
        rows = {r["text"]: r for r in csv.DictReader(f, delimiter="\t", quoting=csv.QUOTE_NONE)}
    from rasa.shared.nlu.training_data.loading import load_data

    examples = load_data(str(REAL_TRAINING)).intent_examples
    return [
        Labelled(
            rows[t]["id"],
            rows[t]["slice"],
            t,
            rows[t]["intent"],
            frozenset(filter(None, rows[t]["alternates"].split(","))),
        )
        for t in (e.get("text") for e in examples)
    ]


def full_intents() -> dict[str, str]:
    """Text -> the intent it is trained as: out-of-scope messages keep their FAQ topic (`out_of_scope/<topic>`)."""
    from rasa.shared.nlu.training_data.loading import load_data

    return {
        e.get("text"): e.get("intent_response_key") or e.get("intent")
        for e in load_data(str(REAL_TRAINING)).intent_examples
    }


def write_fold_data(target: Path, hand_written: Path, train: list[Labelled]) -> None:
    """Hand-written data as it is, plus this fold's real training messages."""
    shutil.copytree(hand_written, target, ignore=shutil.ignore_patterns("real"))
    write_responses(target)
    intents = full_intents()  # a retrieval intent needs its sub-intent on every example
    by_intent: dict[str, list[str]] = {}
    for e in train:
        by_intent.setdefault(intents.get(e.text, e.intent), []).append(e.text)
    body = "".join(
        f"- intent: {i}\n  examples: |\n" + "".join(f"    - {t}\n" for t in ts) for i, ts in by_intent.items()
    )
    (target / "real_fold.yml").write_text(f'version: "3.1"\nnlu:\n{body}', encoding="utf-8")


Kept = list[tuple[Labelled, list[tuple[str, float]]]]


def fold_rankings(folds: int, config: Path | None = None, timings: list[float] | None = None) -> Kept:
    """(message, the classifier's ranking without the gate's verdict) for every real training message.

    `config` is the Rasa config to train with (config.yml by default); each fold's
    training time in seconds is appended to `timings` when given.
    """
    examples = real_training()
    random.Random(7).shuffle(examples)
    kept: Kept = []
    for k in range(folds):
        test = examples[k::folds]
        train = [e for i, e in enumerate(examples) if i % folds != k]
        with tempfile.TemporaryDirectory() as tmp:
            data, out = Path(tmp) / "nlu", Path(tmp) / "models"
            write_fold_data(data, ROOT / "data" / "nlu", train)
            command = [sys.executable, "-m", "rasa", "train", "nlu", "--nlu", str(data), "--out", str(out), "--quiet"]
            started = time.perf_counter()
            subprocess.run([*command, "--config", str(config or ROOT / "config.yml")], check=True, cwd=ROOT)
            if timings is not None:
                timings.append(time.perf_counter() - started)
            parsed = parse_all(Agent.load(str(latest_model(out))), [e.text for e in test])
        kept += [(e, ranking(p)) for e, p in zip(test, parsed, strict=True)]
        print(f"fold {k + 1}/{folds} done", flush=True)
    return kept


def ranking(parsed: dict[str, Any]) -> list[tuple[str, float]]:
    """The intent ranking without any fallback verdict."""
    return ranking_of(parsed["intent_ranking"])


def decide(rank: list[tuple[str, float]], settings: GateSettings) -> str:
    """The intent the bot acts on: the fallback classifier, then the journey gate."""
    if not rank or rank[0][1] < FALLBACK_THRESHOLD or holds(rank, settings):
        return "nlu_fallback"
    if len(rank) > 1 and rank[0][1] - rank[1][1] < FALLBACK_AMBIGUITY:
        return "nlu_fallback"
    return rank[0][0]


def main() -> None:
    """Run the folds, replay the grid, report."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--folds", type=int, default=3)
    folds = parser.parse_args().folds
    kept = fold_rankings(folds)
    examples = [e for e, _ in kept]
    lines = [
        "| min confidence | min margin | accuracy | macro-F1 | false journeys | fallback |",
        "|---|---|---|---|---|---|",
    ]
    best: tuple[float, GateSettings] | None = None
    grid: list[tuple[float, float, GateSettings]] = []
    for confidence in CONFIDENCES:
        for margin in MARGINS:
            settings = GateSettings(min_confidence=confidence, min_margin=margin)
            s = score(examples, [decide(r, settings) for _, r in kept])
            figures = f"{s.accuracy:.3f} | {s.macro_f1:.3f} | {s.false_journey_rate:.2%} | {s.fallback_rate:.1%}"
            lines.append(f"| {confidence} | {margin} | {figures} |")
            grid.append((s.accuracy, s.false_journey_rate, settings))
            if s.false_journey_rate <= FALSE_JOURNEY_TARGET and (best is None or s.accuracy > best[0]):
                best = (s.accuracy, settings)
    if best is not None:
        chosen = f"chosen: {best[1]} (accuracy {best[0]:.3f}, false journeys under the target)"
    else:
        top = max(a for a, _, _ in grid)
        accuracy, rate, settings = min((g for g in grid if g[0] >= top - ACCURACY_SLACK), key=lambda g: (g[1], -g[0]))
        chosen = (
            f"no setting meets the target; chosen: {settings} (accuracy {accuracy:.3f}, false journeys {rate:.2%}: "
            f"the fewest among settings within {ACCURACY_SLACK} of the best accuracy)"
        )
    DOC.write_text(
        "# Journey gate settings by cross-validation\n\nWritten by `python -m evaluation.crossval`. "
        f"{folds} folds over the {len(kept)} real training messages (never the held-out set); "
        f"target: false journeys ≤ {FALSE_JOURNEY_TARGET:.1%}.\n\n" + "\n".join(lines) + f"\n\n{chosen}\n",
        encoding="utf-8",
    )
    print("\n".join(lines), chosen, sep="\n")


if __name__ == "__main__":
    main()
