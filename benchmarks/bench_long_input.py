"""Parse time of the rule layer on long, hostile messages (issue 14).

Runs, in-process and without a trained model, what the Rasa server does to a
message's text besides DIET (the text normaliser, the spaCy duration/catalog
rules, `parse_duration` and the entity merge) and what the action server does
to it (`bot.core.product_choice.means_all`), for 1k/5k/10k-character inputs
of a few shapes. The channels reject messages over MAX_MESSAGE_CHARS before
Rasa sees them; these figures show the rules stay cheap even without that
guard. Not a test: it only prints figures.
Usage: python benchmarks/bench_long_input.py [SIZE ...]
"""

from __future__ import annotations

import sys
import time
from collections.abc import Callable
from datetime import date
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from spacy.language import Language  # noqa: E402

from bot.core.catalog import CATALOG_DIR  # noqa: E402
from bot.core.product_choice import means_all  # noqa: E402
from bot.nlu import rules  # noqa: E402
from bot.nlu.amounts import parse_amount  # noqa: E402
from bot.nlu.durations import parse_duration  # noqa: E402
from bot.nlu.textnorm import normalise  # noqa: E402
from components.rule_entities import build_pipeline, rule_matches  # noqa: E402

SIZES = (1_000, 5_000, 10_000)
TODAY = date(2026, 1, 15)

# name -> text of about n characters
SHAPES: dict[str, Callable[[int], str]] = {
    "一×n+天": lambda n: "一" * n + "天",
    "1×n+天": lambda n: "1" * n + "天",
    "一×n": lambda n: "一" * n,
    "吧×n+好": lambda n: "吧" * n + "好",
    "sentence×k": lambda n: ("花呗先暂停三个月吧，借呗能注销吗？" * (n // 17 + 1))[:n],
}


def timed(work: Callable[[], object]) -> str:
    """Wall time of one call in ms, or the exception it raised."""
    start = time.perf_counter()
    try:
        work()
    except Exception as problem:  # noqa: BLE001 - a benchmark reports, it does not stop
        return type(problem).__name__
    return f"{(time.perf_counter() - start) * 1000:.1f}ms"


COLUMNS = ("normalise", "spaCy rules", "merge", "durations", "amounts", "means_all")


def row(text: str, nlp: Language, index: dict[str, tuple[str, str]]) -> list[str]:
    """Time each step on `text`; later steps get the earlier steps' results, as in the server."""
    norm = normalise(text)
    found: list[list[rules.RuleMatch]] = [[]]

    def spacy_rules() -> None:
        found[0] = rule_matches(nlp, norm)

    def merge() -> None:
        ctx = rules.MergeContext.build(norm, index, "bench", today=TODAY)
        rules.merge_entities([], rules.select_matches(found[0], norm), ctx)

    steps: list[Callable[[], object]] = [
        lambda: normalise(text),
        spacy_rules,
        merge,
        lambda: parse_duration(text, today=TODAY),
        lambda: parse_amount(text),
        lambda: means_all(text),
    ]
    return [timed(step) for step in steps]


def main(sizes: tuple[int, ...]) -> None:
    catalog = rules.load_alias_catalog(CATALOG_DIR)
    nlp = build_pipeline(rules.ruler_patterns(catalog))
    index = rules.alias_index(catalog)
    print(f"{'input':<12} {'chars':>7} " + " ".join(f"{c:>13}" for c in COLUMNS))
    for name, make in SHAPES.items():
        for size in sizes:
            text = make(size)
            print(f"{name:<12} {len(text):>7} " + " ".join(f"{c:>13}" for c in row(text, nlp, index)))


if __name__ == "__main__":
    main(tuple(int(a) for a in sys.argv[1:]) or SIZES)
