"""Split the labelled real messages into training data and the held-out test set.

    python scripts/real_split.py

Reads labelling/labelled.tsv and writes
- tests/nlu/real_heldout.tsv: about a quarter of the messages, never trained on
  and never used to choose settings;
- data/nlu/real/<intent>.yml: the rest, as Rasa training examples. Out-of-scope
  messages carry their FAQ topic as a retrieval intent (`out_of_scope/<topic>`),
  from labelling/faq_topics.tsv; a topic without an answer in bot/credit/faq.yml
  becomes `out_of_scope/other`.

The split is stratified by slice (random traffic vs journey-word sample) and by
intent, with a fixed seed. Near-duplicates (most of their character bigrams in
common) stay on one side together, so the held-out set does not score a
paraphrase the model was trained on.
"""

from __future__ import annotations

import csv
import random
from collections import defaultdict
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[1]
LABELLED = ROOT / "labelling" / "labelled.tsv"
HELDOUT = ROOT / "tests" / "nlu" / "real_heldout.tsv"
TRAINING_DIR = ROOT / "data" / "nlu" / "real"
FAQ_TOPICS = ROOT / "labelling" / "faq_topics.tsv"
FAQ_ANSWERS = ROOT / "bot" / "credit" / "faq.yml"
SEED = 11
HELDOUT_SHARE = 0.26
NEAR_DUPLICATE = 0.75  # Jaccard similarity of character bigram sets


def bigrams(text: str) -> frozenset[str]:
    chars = [c for c in text if c.isalnum()]
    return frozenset("".join(chars[i : i + 2]) for i in range(max(1, len(chars) - 1)))


def near_duplicate_groups(rows: list[dict[str, str]]) -> list[int]:
    """A group number per row; rows joined by a chain of near-duplicates share one (union-find)."""
    parent = list(range(len(rows)))

    def find(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    grams = [bigrams(r["text"]) for r in rows]
    by_gram: dict[str, list[int]] = defaultdict(list)
    for i, gs in enumerate(grams):
        for g in gs:
            by_gram[g].append(i)
    for i, gs in enumerate(grams):
        candidates = {j for g in gs for j in by_gram[g] if j > i}
        for j in candidates:
            if len(gs & grams[j]) / len(gs | grams[j]) >= NEAR_DUPLICATE:
                parent[find(j)] = find(i)
    return [find(i) for i in range(len(rows))]


def split(rows: list[dict[str, str]]) -> tuple[list[dict[str, str]], list[dict[str, str]]]:
    """(training, held-out); whole near-duplicate groups go one way, by the group's first row's stratum."""
    groups: dict[int, list[dict[str, str]]] = defaultdict(list)
    for row, group in zip(rows, near_duplicate_groups(rows), strict=True):
        groups[group].append(row)
    strata: dict[tuple[str, str], list[list[dict[str, str]]]] = defaultdict(list)
    for members in groups.values():
        first = members[0]
        strata[(first["slice"].split(":")[0], first["intent"])].append(members)
    rng = random.Random(SEED)
    training: list[dict[str, str]] = []
    heldout: list[dict[str, str]] = []
    for key in sorted(strata):
        members_list = strata[key]
        rng.shuffle(members_list)
        wanted = round(sum(len(m) for m in members_list) * HELDOUT_SHARE)
        taken = 0
        for members in members_list:
            if taken < wanted:
                heldout += members
                taken += len(members)
            else:
                training += members
    return training, heldout


def write_heldout(rows: list[dict[str, str]]) -> None:
    with HELDOUT.open("w", encoding="utf-8") as out:
        out.write("id\tslice\ttext\tintent\talternates\n")
        for r in sorted(rows, key=lambda r: r["id"]):
            out.write(f"{r['id']}\t{r['slice']}\t{r['text']}\t{r['intent']}\t{r['alternates']}\n")


def yaml_text(text: str) -> str:
    """A training example as a YAML block-list item (texts are one line; no escaping needed in a block)."""
    return f"    - {text}\n"


def faq_intents() -> dict[str, str]:
    """Message id -> `out_of_scope/<topic>` for every labelled out-of-scope training message."""
    answered = {a["topic"] for a in yaml.safe_load(FAQ_ANSWERS.read_text(encoding="utf-8"))["answers"]}
    with FAQ_TOPICS.open(encoding="utf-8", newline="") as f:
        topics = {r["id"]: r["topic"] for r in csv.DictReader(f, delimiter="\t", quoting=csv.QUOTE_NONE)}
    return {i: f"out_of_scope/{t if t in answered else 'other'}" for i, t in topics.items()}


def training_intent(row: dict[str, str], faq: dict[str, str]) -> str:
    """The row's intent; an out-of-scope message carries its FAQ topic (Rasa needs one on every example)."""
    if row["intent"] != "out_of_scope":
        return row["intent"]
    return faq[row["id"]]  # a KeyError means: label the message in labelling/faq_topics.tsv first


def write_training(rows: list[dict[str, str]]) -> None:
    """One file per intent, examples in id order.

    An out-of-scope message's block names its topic; consecutive messages of one topic
    share a block, so the examples keep the order they had before topics existed and the
    intent classifier trains on exactly the same sequence (its batches depend on it).
    """
    TRAINING_DIR.mkdir(parents=True, exist_ok=True)
    for old in TRAINING_DIR.glob("*.yml"):
        old.unlink()
    faq = faq_intents()
    files: dict[str, list[tuple[str, list[str]]]] = defaultdict(list)
    for r in sorted(rows, key=lambda r: (r["intent"], r["id"])):
        intent = training_intent(r, faq)
        blocks = files[r["intent"]]
        if not blocks or blocks[-1][0] != intent:
            blocks.append((intent, []))
        blocks[-1][1].append(r["text"])
    header = "# Generated by scripts/real_split.py from labelling/labelled.tsv; do not edit.\n"
    for name, blocks in files.items():
        body = "".join(f"- intent: {i}\n  examples: |\n" + "".join(yaml_text(t) for t in ts) for i, ts in blocks)
        (TRAINING_DIR / f"{name}.yml").write_text(f'{header}version: "3.1"\nnlu:\n{body}', encoding="utf-8")


def main() -> None:
    with LABELLED.open(encoding="utf-8", newline="") as f:
        rows = list(csv.DictReader(f, delimiter="\t", quoting=csv.QUOTE_NONE))
    # Round 2 (sample2.tsv) came after the split and skipped near-duplicates of the
    # held-out set: it is training data only, and the held-out set stays as it was.
    first_round = [r for r in rows if not r["slice"].startswith("round2:")]
    training, heldout = split(first_round)
    training += [r for r in rows if r["slice"].startswith("round2:")]
    write_heldout(heldout)
    write_training(training)
    print(f"{len(training)} training, {len(heldout)} held out -> {HELDOUT}")


if __name__ == "__main__":
    main()
