"""The reviewed knowledge file (credit.yml): facts with sources.

Answers about credit reporting are assembled from these facts plus the
customer's data; no such statement is written anywhere else.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

import yaml

KNOWLEDGE_FILE = Path(__file__).with_name("credit.yml")
STATABLE = ("高", "中")  # confidence levels the assistant may state as fact


@dataclass(frozen=True)
class Fact:
    """One reviewed statement."""

    id: str
    text: str
    source: str
    confidence: str

    def render(self, **params: str) -> str:
        """The wording with the customer's values filled in."""
        return self.text.format(**params) if params else self.text


@dataclass(frozen=True)
class Knowledge:
    """The whole file."""

    facts: dict[str, Fact]

    def fact(self, fact_id: str) -> Fact:
        """A fact by id (KeyError for an unknown id: a bug, caught by the tests)."""
        return self.facts[fact_id]


@lru_cache(maxsize=4)
def load_knowledge(path: Path = KNOWLEDGE_FILE) -> Knowledge:
    """Read and check the knowledge file; raises ValueError if a fact is not statable."""
    with path.open(encoding="utf-8") as fh:
        doc: dict[str, Any] = yaml.safe_load(fh)
    facts = {f["id"]: Fact(f["id"], f["text"], f.get("source", ""), f.get("confidence", "")) for f in doc["facts"]}
    for fact in facts.values():
        if not fact.source.strip() or fact.confidence not in STATABLE:
            raise ValueError(f"fact {fact.id} needs a source and a confidence of 高 or 中")
    return Knowledge(facts)
