"""`make evaluate`: score the trained model on the real held-out set and write docs/nlu.md.

    python -m evaluation.report [--no-rasa-default]

In one run: the model (clean and perturbed copies), the keyword baseline and Rasa's
default pipeline trained on the same data; per-intent figures, a confusion matrix
(docs/nlu/confusion.png), the false-journey rate and the 30 worst errors.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import tempfile
from collections import Counter
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import matplotlib

matplotlib.use("Agg")  # files only, no display
import matplotlib.pyplot as plt  # noqa: E402
from rasa.core.agent import Agent  # noqa: E402

from evaluation import keyword_baseline  # noqa: E402
from evaluation.heldout import ROOT, Labelled, read_heldout  # noqa: E402
from evaluation.metrics import Scores, credited, score  # noqa: E402
from evaluation.model import intents, latest_model, parse_all  # noqa: E402
from evaluation.perturb import perturbed  # noqa: E402

DOC = ROOT / "docs" / "nlu.md"
PICTURES = ROOT / "docs" / "nlu"


def rasa_default_intents(texts: Sequence[str]) -> list[str]:
    """Train Rasa's default pipeline on data/nlu (NLU only) in a temporary folder and parse `texts`."""
    with tempfile.TemporaryDirectory() as out:
        subprocess.run(
            [sys.executable, "-m", "rasa", "train", "nlu",
             "--config", str(ROOT / "evaluation" / "rasa_default_config.yml"),
             "--nlu", str(ROOT / "data" / "nlu"), "--out", out, "--quiet"],
            check=True, cwd=ROOT,
        )  # fmt: skip
        return intents(parse_all(Agent.load(str(latest_model(Path(out)))), texts))


def confusion_png(  # noqa: D103 - draws the matrix of label vs prediction
    examples: Sequence[Labelled], predicted: Sequence[str], path: Path
) -> None:
    truth = [e.intent for e in examples]
    fair = credited(examples, predicted)
    labels = sorted(set(truth) | set(fair))
    counts = Counter(zip(truth, fair, strict=True))
    grid = [[counts[(t, p)] for p in labels] for t in labels]
    fig, ax = plt.subplots(figsize=(11, 9))
    ax.imshow([[min(v, 40) for v in row] for row in grid], cmap="Blues")
    ax.set_xticks(range(len(labels)), labels, rotation=60, ha="right", fontsize=8)
    ax.set_yticks(range(len(labels)), labels, fontsize=8)
    for i, row in enumerate(grid):
        for j, v in enumerate(row):
            if v:
                ax.text(j, i, str(v), ha="center", va="center", fontsize=7, color="white" if v > 25 else "black")
    ax.set_xlabel("predicted (an accepted alternate counts as the label)")
    ax.set_ylabel("label")
    ax.set_title("Real held-out set: confusion matrix")
    fig.tight_layout()
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=110)
    plt.close(fig)


def worst_errors(examples: Sequence[Labelled], parsed: Sequence[dict[str, Any]], n: int = 30) -> list[str]:
    """Confident mistakes first: those are the ones a threshold cannot catch."""
    wrong = [
        (float(p["intent"].get("confidence") or 0.0), e, str(p["intent"]["name"]))
        for e, p in zip(examples, parsed, strict=True)
        if not e.accepts(str(p["intent"]["name"]))
    ]
    wrong.sort(key=lambda w: -w[0])
    return [f"| {e.text} | {e.intent} | {got} | {conf:.2f} |" for conf, e, got in wrong[:n]]


def figures_row(name: str, s: Scores) -> str:
    """One row of the comparison table."""
    return f"| {name} | {s.accuracy:.3f} | {s.macro_f1:.3f} | {s.false_journey_rate:.1%} | {s.fallback_rate:.1%} |"


def write_report(  # noqa: D103 - docs/nlu.md from the figures
    rows: list[str], model: Scores, noisy: Scores, errors: list[str], heldout: list[Labelled]
) -> None:
    slices = Counter(e.slice.split(":")[0] for e in heldout)
    per_intent = [
        f"| {s.intent} | {s.precision:.2f} | {s.recall:.2f} | {s.f1:.2f} | {s.support} |" for s in model.per_intent
    ]
    DOC.write_text(
        "\n".join(
            [
                "# NLU on real messages",
                "",
                "Written by `make evaluate` (evaluation/report.py); do not edit by hand.",
                "",
                f"Held-out set: {len(heldout)} real messages (tests/nlu/real_heldout.tsv; {slices['random']} from the",
                f"random slice, {slices['keyword']} from the journey-word slice), labelled by reading and never",
                "trained on (labelling/README.md). An accepted alternate reading counts as correct; `nlu_fallback`",
                "(the bot asks to rephrase or to choose) counts as a miss. False-journey rate: share of the",
                f"{model.out_of_scope_n} out-of-scope messages that would start a change journey.",
                "",
                "| | accuracy | macro-F1 | false journeys | fallback |",
                "|---|---|---|---|---|",
                *rows,
                "",
                f"Perturbed copy (homophones, traditional characters, punctuation, filler words): accuracy "
                f"{noisy.accuracy:.3f} vs {model.accuracy:.3f} clean ({model.accuracy - noisy.accuracy:+.3f} drop).",
                "",
                "Gates in `make test` (tests/nlu/test_real_heldout.py): accuracy ≥ 0.88, macro-F1 ≥ 0.80,",
                "false journeys ≤ 2 %, perturbed within 3 points of clean.",
                "",
                "Out-of-scope messages also get a topic (retrieval intent `out_of_scope/<topic>`, a",
                "ResponseSelector) and, when it is sure, a reviewed FAQ answer: threshold and per-topic",
                "figures in docs/nlu-faq.md, held-out gates in tests/nlu/test_faq_heldout.py.",
                "",
                "## Per intent (this model)",
                "",
                "| intent | precision | recall | F1 | messages |",
                "|---|---|---|---|---|",
                *per_intent,
                "",
                "![confusion matrix](nlu/confusion.png)",
                "",
                "## The 30 worst errors (most confident first)",
                "",
                "| message | label | predicted | confidence |",
                "|---|---|---|---|",
                *errors,
                "",
            ]
        ),
        encoding="utf-8",
    )


def main() -> None:
    """Score, compare, draw and write."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--no-rasa-default", action="store_true", help="skip training Rasa's default pipeline")
    args = parser.parse_args()
    heldout = read_heldout()
    texts = [e.text for e in heldout]
    agent = Agent.load(str(latest_model(ROOT / "models")))
    parsed = parse_all(agent, texts)
    model = score(heldout, intents(parsed))
    noisy_set = perturbed(heldout)
    noisy = score(noisy_set, intents(parse_all(agent, [e.text for e in noisy_set])))
    rows = [figures_row("this assistant", model), figures_row("this assistant, perturbed copy", noisy)]
    rows.append(figures_row("13 keyword rules", score(heldout, [keyword_baseline.classify(t) for t in texts])))
    if not args.no_rasa_default:
        rows.append(figures_row("Rasa's default pipeline, same data", score(heldout, rasa_default_intents(texts))))
    confusion_png(heldout, intents(parsed), PICTURES / "confusion.png")
    write_report(rows, model, noisy, worst_errors(heldout, parsed), heldout)
    print("\n".join(rows))
    print(f"-> {DOC}")


if __name__ == "__main__":
    main()
