"""Merge the two blind labelling passes of the real messages (see labelling/README.md).

    python scripts/real_labels.py agreement   # per-chunk agreement, writes labelling/disagreements.tsv
    python scripts/real_labels.py merge       # writes labelling/labelled.tsv (needs every disagreement adjudicated)

Where both passes chose the same intent, that is the label and either pass's
alternates are accepted. Where they differ, the adjudication (a third reading with
both labels in view, labelling/adjudicated.tsv) decides.
"""

from __future__ import annotations

import csv
import sys
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

REAL = Path(__file__).resolve().parents[1] / "labelling"


@dataclass(frozen=True)
class Label:
    """One labeller's reading of a message: the intent and the other acceptable ones."""

    intent: str
    alternates: tuple[str, ...]


def read_tsv(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8", newline="") as f:
        return list(csv.DictReader(f, delimiter="\t", quoting=csv.QUOTE_NONE))


def labels(path: Path) -> dict[str, Label]:
    return {
        row["id"]: Label(row["intent"], tuple(a for a in (row.get("alternates") or "").split(",") if a))
        for row in read_tsv(path)
    }


def kappa(pairs: list[tuple[str, str]]) -> float:
    """Cohen's kappa: agreement beyond what the two passes' label frequencies give by chance."""
    n = len(pairs)
    observed = sum(a == b for a, b in pairs) / n
    first, second = Counter(a for a, _ in pairs), Counter(b for _, b in pairs)
    expected = sum(first[k] * second[k] for k in first) / (n * n)
    return (observed - expected) / (1 - expected)


# (first pass, second pass) folders of each labelling round.
ROUNDS = (("pass1", "pass2"), ("pass1_round2", "pass2_round2"))


def sample() -> dict[str, dict[str, str]]:
    rows = read_tsv(REAL / "sample.tsv") + (read_tsv(REAL / "sample2.tsv") if (REAL / "sample2.tsv").exists() else [])
    return {row["id"]: row for row in rows}


def chunk_pairs() -> list[tuple[Path, Path]]:
    """(first pass, second pass) files of every chunk of every round, where the first pass exists."""
    return [
        (first, REAL / second_dir / first.name)
        for first_dir, second_dir in ROUNDS
        for first in sorted((REAL / first_dir).glob("chunk_*.tsv"))
    ]


def agreement() -> None:
    texts = sample()
    rows: list[list[str]] = []
    all_pairs: list[tuple[str, str]] = []
    for first_path, second_path in chunk_pairs():
        if not second_path.exists():
            continue
        first, second = labels(first_path), labels(second_path)
        if set(first) != set(second):  # the second pass is still under way
            continue
        pairs = [(first[i].intent, second[i].intent) for i in first]
        all_pairs += pairs
        agreed = sum(a == b for a, b in pairs)
        share = f"{agreed}/{len(pairs)} agree ({agreed / len(pairs):.1%})"
        print(f"{first_path.parent.name}/{first_path.stem}: {share}, kappa {kappa(pairs):.2f}")
        for i in first:
            a, b = first[i], second[i]
            if a.intent != b.intent:
                rows.append([i, texts[i]["text"], a.intent, ",".join(a.alternates), b.intent, ",".join(b.alternates)])
    if all_pairs:
        agreed = sum(a == b for a, b in all_pairs)
        print(f"all: {agreed}/{len(all_pairs)} ({agreed / len(all_pairs):.1%}), kappa {kappa(all_pairs):.2f}")
    with (REAL / "disagreements.tsv").open("w", encoding="utf-8") as out:
        out.write("id\ttext\tpass1\tpass1_alternates\tpass2\tpass2_alternates\n")
        out.writelines("\t".join(r) + "\n" for r in rows)
    print(f"{len(rows)} disagreements -> {REAL / 'disagreements.tsv'}")


def merge() -> None:
    texts = sample()
    adjudicated = labels(REAL / "adjudicated.tsv") if (REAL / "adjudicated.tsv").exists() else {}
    out_rows: list[list[str]] = []
    missing: list[str] = []
    for first_path, second_path in chunk_pairs():
        first, second = labels(first_path), labels(second_path)
        for i in first:
            a, b = first[i], second[i]
            if a.intent == b.intent:
                final, how = Label(a.intent, tuple(sorted(set(a.alternates) | set(b.alternates)))), "agreed"
            elif i in adjudicated:
                final, how = adjudicated[i], "adjudicated"
            else:
                missing.append(i)
                continue
            alternates = ",".join(x for x in final.alternates if x != final.intent)
            out_rows.append([i, texts[i]["slice"], texts[i]["text"], final.intent, alternates, how])
    if missing:
        sys.exit(f"{len(missing)} disagreements not adjudicated yet, e.g. {missing[:5]}")
    out_rows.sort(key=lambda r: r[0])
    with (REAL / "labelled.tsv").open("w", encoding="utf-8") as out:
        out.write("id\tslice\ttext\tintent\talternates\tagreement\n")
        out.writelines("\t".join(r) + "\n" for r in out_rows)
    print(f"{len(out_rows)} labelled messages -> {REAL / 'labelled.tsv'}")
    print(Counter(r[3] for r in out_rows).most_common())


if __name__ == "__main__":
    {"agreement": agreement, "merge": merge}[sys.argv[1]]()
