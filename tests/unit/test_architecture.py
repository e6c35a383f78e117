"""The layout's promises (docs/architecture.md), checked on the source itself."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

BOT = Path(__file__).resolve().parents[2] / "bot"
GLUE_AND_FRAMEWORKS = ("rasa", "rasa_sdk", "sanic", "socketio", "actions", "channels", "components")


def _imports(path: Path) -> list[str]:
    modules: list[str] = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            modules.extend(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            modules.append(node.module)
    return modules


@pytest.mark.parametrize("path", sorted(BOT.rglob("*.py")), ids=lambda p: str(p.relative_to(BOT)))
def test_bot_knows_nothing_of_rasa_or_the_glue(path: Path) -> None:
    offending = [m for m in _imports(path) if m.split(".")[0] in GLUE_AND_FRAMEWORKS]
    assert offending == []


def test_tests_mirror_the_bot_packages() -> None:
    unit = Path(__file__).resolve().parent
    packages = {p.name for p in BOT.iterdir() if (p / "__init__.py").exists()} - {"db"}
    missing = sorted(name for name in packages if not any((unit / name).glob("test_*.py")))
    assert missing == [], f"bot packages without tests/unit/<package>/: {missing}"
