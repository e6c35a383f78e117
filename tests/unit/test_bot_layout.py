"""Rules about bot/ as a whole, checked on the source (ast) rather than by importing it."""

from __future__ import annotations

import ast
from collections import defaultdict
from pathlib import Path

BOT = Path(__file__).resolve().parents[2] / "bot"


def _modules() -> dict[str, ast.Module]:
    return {str(p.relative_to(BOT.parent)): ast.parse(p.read_text(encoding="utf-8")) for p in sorted(BOT.rglob("*.py"))}


def test_every_top_level_class_name_in_bot_is_unique() -> None:
    """One name, one thing: `Catalog` or `FrozenByPlatform` in two packages reads as the same class and is not."""
    where: dict[str, list[str]] = defaultdict(list)
    for path, module in _modules().items():
        for node in module.body:
            if isinstance(node, ast.ClassDef):
                where[node.name].append(path)
    assert {name: paths for name, paths in where.items() if len(paths) > 1} == {}
