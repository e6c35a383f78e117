"""Choose the NLU pipeline's sizes by cross-validation, with training time as a criterion.

    python -m evaluation.pipelines [--folds 3] [--only NAME ...]

Each candidate is config.yml with a few settings set (DIET epochs, whether
character n-grams seen in one message only are kept). Every candidate is trained on the
same folds of the real *training* messages as evaluation.crossval (never the
held-out set) and scored at the journey gate's settings. Results are kept per
candidate in results/pipelines/ so a long run can be split; docs/nlu-pipelines.md
gets the table and the choice.

Choice: among candidates whose accuracy and macro-F1 are within the slack of the
best and whose false-journey rate is no worse than the best rate plus its slack,
the fastest to train. A slower pipeline must earn its minutes on real messages.
"""

from __future__ import annotations

import argparse
import copy
import json
import statistics
import tempfile
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import yaml

from bot.nlu.journey_gate import GateSettings
from evaluation.crossval import decide, fold_rankings
from evaluation.heldout import ROOT
from evaluation.metrics import score

RESULTS = ROOT / "results" / "pipelines"
DOC = ROOT / "docs" / "nlu-pipelines.md"
ACCURACY_SLACK = 0.005
MACRO_F1_SLACK = 0.01
FALSE_JOURNEY_SLACK = 0.003

# Changes to config.yml's pipeline, by component: "char" is the character
# n-gram CountVectorsFeaturizer, "diet" the DIETClassifier.
CANDIDATES: dict[str, dict[str, dict[str, Any]]] = {
    "100 epochs, all n-grams": {"diet": {"epochs": 100}, "char": {"min_df": 1}},
    "40 epochs, all n-grams": {"diet": {"epochs": 40}, "char": {"min_df": 1}},
    "40 epochs, n-grams seen twice": {"diet": {"epochs": 40}, "char": {"min_df": 2}},
}


@dataclass(frozen=True)
class Result:
    """One candidate's cross-validated figures at the gate's settings."""

    name: str
    accuracy: float
    macro_f1: float
    false_journey_rate: float
    fallback_rate: float
    training_seconds: float  # mean per fold, process start included


def candidate_config(changes: dict[str, dict[str, Any]]) -> dict[str, Any]:
    """config.yml with the candidate's changes applied to its components."""
    config = yaml.safe_load((ROOT / "config.yml").read_text(encoding="utf-8"))
    pipeline = copy.deepcopy(config["pipeline"])
    for component in pipeline:
        key = _key(component)
        if key in changes:
            component.update(changes[key])
    unknown = set(changes) - {_key(c) for c in pipeline}
    if unknown:
        raise ValueError(f"config.yml has no component for {sorted(unknown)}")
    return {**config, "pipeline": pipeline}


def _key(component: dict[str, Any]) -> str:
    if component["name"] == "DIETClassifier":
        return "diet"
    if component["name"] == "CountVectorsFeaturizer" and component.get("analyzer") == "char_wb":
        return "char"
    return str(component["name"])


def evaluate(name: str, folds: int) -> Result:
    """Train the candidate on each fold and score its replayed rankings at the gate's settings."""
    timings: list[float] = []
    with tempfile.TemporaryDirectory() as tmp:
        config = Path(tmp) / "config.yml"
        config.write_text(yaml.safe_dump(candidate_config(CANDIDATES[name]), allow_unicode=True), encoding="utf-8")
        kept = fold_rankings(folds, config=config, timings=timings)
    settings = GateSettings()
    s = score([e for e, _ in kept], [decide(r, settings) for _, r in kept])
    return Result(
        name, s.accuracy, s.macro_f1, s.false_journey_rate, s.fallback_rate, round(statistics.mean(timings), 1)
    )


def choose(results: list[Result]) -> Result:
    """The fastest candidate that gives up nothing that matters on real messages."""
    best_accuracy = max(r.accuracy for r in results)
    best_f1 = max(r.macro_f1 for r in results)
    fewest_false = min(r.false_journey_rate for r in results)
    good = [
        r
        for r in results
        if r.accuracy >= best_accuracy - ACCURACY_SLACK
        and r.macro_f1 >= best_f1 - MACRO_F1_SLACK
        and r.false_journey_rate <= fewest_false + FALSE_JOURNEY_SLACK
    ]
    return min(good, key=lambda r: r.training_seconds)


def report(results: list[Result], folds: int) -> str:
    """The markdown page: the table and the choice."""
    lines = [
        "| candidate | accuracy | macro-F1 | false journeys | fallback | training per fold |",
        "|---|---|---|---|---|---|",
        *(
            f"| {r.name} | {r.accuracy:.3f} | {r.macro_f1:.3f} | {r.false_journey_rate:.2%} | "
            f"{r.fallback_rate:.1%} | {r.training_seconds:.0f} s |"
            for r in results
        ),
    ]
    chosen = choose(results)
    return (
        "# NLU pipeline sizes by cross-validation\n\n"
        f"Written by `python -m evaluation.pipelines`. {folds} folds over the real training messages "
        "(never the held-out set), each candidate scored at the journey gate's settings; training time "
        "is the mean wall time of `rasa train nlu` per fold on the machine that ran it.\n\n"
        + "\n".join(lines)
        + f"\n\nChosen: **{chosen.name}**, the fastest to train among the candidates within "
        f"{ACCURACY_SLACK} accuracy and {MACRO_F1_SLACK} macro-F1 of the best and within "
        f"{FALSE_JOURNEY_SLACK:.1%} of the fewest false journeys.\n"
    )


def main() -> None:
    """Evaluate the requested candidates (cached per candidate), then write the page from all cached ones."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--folds", type=int, default=3)
    parser.add_argument("--only", nargs="*", choices=sorted(CANDIDATES), help="evaluate only these")
    args = parser.parse_args()
    RESULTS.mkdir(parents=True, exist_ok=True)
    for name in args.only or CANDIDATES:
        result = evaluate(name, args.folds)
        (RESULTS / f"{_slug(name)}.json").write_text(json.dumps(asdict(result), ensure_ascii=False), encoding="utf-8")
        print(result, flush=True)
    files = [RESULTS / f"{_slug(n)}.json" for n in CANDIDATES]
    cached = [Result(**json.loads(f.read_text(encoding="utf-8"))) for f in files if f.exists()]
    DOC.write_text(report(cached, args.folds), encoding="utf-8")
    print(DOC.read_text(encoding="utf-8"))


def _slug(name: str) -> str:
    return "".join(c if c.isalnum() else "-" for c in name)


if __name__ == "__main__":
    main()
