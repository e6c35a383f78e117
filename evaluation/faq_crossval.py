"""Choose the FAQ answer threshold by cross-validation on the real *training* messages.

    python -m evaluation.faq_crossval [--folds 3]

The held-out set is never used here. Each fold trains config.yml's featurizers and
ResponseSelector (the intent classifier plays no part in picking a topic) on the
hand-written out-of-scope examples plus the other folds' real ones, and parses its own
real out-of-scope messages. Every candidate threshold is then replayed on the kept
picks: an answer for the right topic counts +1, a wrong answer -WRONG_COST (it
misleads, where the out-of-scope reply only disappoints). Writes docs/nlu-faq.md.
"""

from __future__ import annotations

import argparse
import random
import shutil
import subprocess
import sys
import tempfile
import time
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml
from rasa.core.agent import Agent
from rasa.shared.nlu.training_data.loading import load_data

from bot.credit.faq import load_faq, topic_of
from evaluation.heldout import ROOT
from evaluation.model import latest_model, parse_all

REAL_OUT_OF_SCOPE = ROOT / "data" / "nlu" / "real" / "out_of_scope.yml"
HAND_WRITTEN = ROOT / "data" / "nlu" / "out_of_scope.yml"
DOC = ROOT / "docs" / "nlu-faq.md"
WRONG_COST = 2.0
THRESHOLDS = (0.0, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9)
# Components that pick no topic: trained only by the full model.
NOT_FOR_TOPICS = ("DIETClassifier", "DigitMessages", "RuleEntityExtractor", "EntitySynonymMapper", "Fallback", "Gate")


@dataclass(frozen=True)
class Pick:
    """A real message's labelled topic and the selector's pick for it."""

    text: str
    topic: str
    picked: str
    confidence: float


def real_examples() -> list[tuple[str, str]]:
    """(text, topic) of every real out-of-scope training message."""
    return [
        (e.get("text"), topic_of(e.get("intent_response_key")))
        for e in load_data(str(REAL_OUT_OF_SCOPE)).intent_examples
    ]


def selector_config(target: Path) -> None:
    """config.yml's NLU pipeline without the components that do not pick a topic."""
    config = yaml.safe_load((ROOT / "config.yml").read_text(encoding="utf-8"))
    config["pipeline"] = [c for c in config["pipeline"] if not any(n in c["name"] for n in NOT_FOR_TOPICS)]
    config.pop("policies", None)
    target.write_text(yaml.safe_dump(config, allow_unicode=True), encoding="utf-8")


def write_responses(target: Path) -> None:
    """Every topic's response into an NLU data folder (the ResponseSelector trains on their keys)."""
    shutil.copy(ROOT / "data" / "faq" / "responses.yml", target / "faq_responses.yml")
    (target / "faq_other.yml").write_text(
        'version: "3.1"\nresponses:\n  utter_out_of_scope/other:\n  - text: "-"\n', encoding="utf-8"
    )


def write_fold_data(target: Path, train: list[tuple[str, str]]) -> None:
    """Hand-written out-of-scope examples, this fold's real ones, and every topic's response."""
    target.mkdir(parents=True)
    shutil.copy(HAND_WRITTEN, target / "hand_written.yml")
    write_responses(target)
    by_topic: dict[str, list[str]] = {}
    for text, topic in train:
        by_topic.setdefault(topic, []).append(text)
    body = "".join(
        f"- intent: out_of_scope/{t}\n  examples: |\n" + "".join(f"    - {x}\n" for x in xs)
        for t, xs in by_topic.items()
    )
    (target / "real_fold.yml").write_text(f'version: "3.1"\nnlu:\n{body}', encoding="utf-8")


def pick_of(parsed: dict[str, Any]) -> tuple[str, float]:
    """The topic the selector picked and its confidence."""
    response = ((parsed.get("response_selector") or {}).get("out_of_scope") or {}).get("response") or {}
    return topic_of(response.get("intent_response_key")), float(response.get("confidence") or 0.0)


def fold_picks(folds: int, timings: list[float]) -> list[Pick]:
    """The selector's pick for every real out-of-scope training message, each from a model that never saw it."""
    examples = real_examples()
    random.Random(7).shuffle(examples)
    picks: list[Pick] = []
    for k in range(folds):
        test = examples[k::folds]
        train = [e for i, e in enumerate(examples) if i % folds != k]
        with tempfile.TemporaryDirectory() as tmp:
            data, out, config = Path(tmp) / "nlu", Path(tmp) / "models", Path(tmp) / "config.yml"
            write_fold_data(data, train)
            selector_config(config)
            started = time.perf_counter()
            command = [sys.executable, "-m", "rasa", "train", "nlu", "--nlu", str(data), "--out", str(out)]
            subprocess.run([*command, "--config", str(config), "--quiet"], check=True, cwd=ROOT)
            timings.append(time.perf_counter() - started)
            parsed = parse_all(Agent.load(str(latest_model(out))), [t for t, _ in test])
        picks += [Pick(t, topic, *pick_of(p)) for (t, topic), p in zip(test, parsed, strict=True)]
        print(f"fold {k + 1}/{folds} done", flush=True)
    return picks


@dataclass(frozen=True)
class Outcome:
    """What a threshold does to the kept picks."""

    threshold: float
    right: int
    wrong: int
    answerable: int

    @property
    def utility(self) -> float:
        """Right answers minus the cost of the wrong ones."""
        return self.right - WRONG_COST * self.wrong

    @property
    def precision(self) -> float:
        """Share of the answers given that were right."""
        return self.right / (self.right + self.wrong) if self.right + self.wrong else 1.0

    @property
    def coverage(self) -> float:
        """Share of the answerable messages answered right."""
        return self.right / self.answerable if self.answerable else 0.0


def replay(picks: list[Pick], threshold: float, answered: set[str]) -> Outcome:
    """Answers given at this threshold: right when the pick is the labelled topic."""
    given = [p for p in picks if p.picked in answered and p.confidence >= threshold]
    right = sum(p.picked == p.topic for p in given)
    return Outcome(threshold, right, len(given) - right, sum(p.topic in answered for p in picks))


def main() -> None:
    """Run the folds, replay the thresholds, write docs/nlu-faq.md."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--folds", type=int, default=3)
    folds = parser.parse_args().folds
    timings: list[float] = []
    picks = fold_picks(folds, timings)
    answered = {a.topic for a in load_faq()}
    outcomes = [replay(picks, t, answered) for t in THRESHOLDS]
    best = max(outcomes, key=lambda o: (o.utility, o.threshold))
    top1 = sum(p.picked == p.topic for p in picks) / len(picks)
    lines = [
        "| threshold | right answers | wrong answers | precision | coverage | utility |",
        "|---|---|---|---|---|---|",
    ]
    lines += [
        f"| {o.threshold} | {o.right} | {o.wrong} | {o.precision:.3f} | {o.coverage:.3f} | {o.utility:.0f} |"
        for o in outcomes
    ]
    per_topic = Counter(p.topic for p in picks)
    right_topic = Counter(p.topic for p in picks if p.picked == p.topic)
    topics = ["| topic | messages | selector top-1 |", "|---|---|---|"]
    topics += [f"| {t} | {n} | {right_topic[t] / n:.2f} |" for t, n in per_topic.most_common()]
    DOC.write_text(
        "# FAQ answer threshold by cross-validation\n\n"
        f"Written by `python -m evaluation.faq_crossval`. {folds} folds over the {len(picks)} real out-of-scope "
        "training messages (never the held-out set), each parsed by a ResponseSelector that did not see it "
        f"(config.yml's featurizers and selector; {sum(timings) / len(timings):.0f} s per fold). A right answer "
        f"counts +1, a wrong one -{WRONG_COST:g}; coverage is the share of answerable messages answered right.\n\n"
        f"Selector top-1 accuracy over all topics (`other` included): {top1:.3f}.\n\n"
        + "\n".join(lines)
        + f"\n\nchosen: {best.threshold} (bot/credit/faq.py MIN_CONFIDENCE)\n\n"
        + "\n".join(topics)
        + "\n",
        encoding="utf-8",
    )
    print("\n".join(lines), f"chosen: {best.threshold}", f"top-1 {top1:.3f}", sep="\n")


if __name__ == "__main__":
    main()
