"""The real held-out set (tests/nlu/real_heldout.tsv): read it, and its perturbed copy."""

from __future__ import annotations

import csv
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
REAL_HELDOUT = ROOT / "tests" / "nlu" / "real_heldout.tsv"


@dataclass(frozen=True)
class Labelled:
    """A real message with its label and the other readings the border rules accept."""

    id: str
    slice: str
    text: str
    intent: str
    alternates: frozenset[str]

    def accepts(self, intent: str) -> bool:
        """True for the label and for any alternate the border rules accept."""
        return intent == self.intent or intent in self.alternates


def read_heldout(path: Path = REAL_HELDOUT) -> list[Labelled]:
    """The labelled messages of a held-out TSV (id, slice, text, intent, alternates)."""
    with path.open(encoding="utf-8", newline="") as f:
        rows = list(csv.DictReader(f, delimiter="\t", quoting=csv.QUOTE_NONE))
    return [
        Labelled(r["id"], r["slice"], r["text"], r["intent"], frozenset(a for a in r["alternates"].split(",") if a))
        for r in rows
    ]
