"""Rules about bot/ as a whole, checked on the source (ast) rather than by importing it."""

from __future__ import annotations

import ast
from collections import defaultdict
from pathlib import Path

BOT = Path(__file__).resolve().parents[2] / "bot"
# bot/ is plain Python: the frameworks and the glue packages build on it, never the reverse.
GLUE_AND_FRAMEWORKS = ("rasa", "rasa_sdk", "sanic", "socketio", "actions", "channels", "components")


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


# What bot/core may import from bot/: itself and the settings. Core is what every
# journey shares (snapshots, catalog, product choice, formatting, replies as data),
# so it depends on no journey package (closing, pause, credit ...) and on none of the
# infrastructure packages either (db, security, nlu): they build on core, not the reverse.
CORE_MAY_IMPORT = ("bot.core", "bot.config")


def _bot_imports(module: ast.Module) -> set[str]:
    """Every bot.* module a module imports, anywhere in it (also inside functions)."""
    found: set[str] = set()
    for node in ast.walk(module):
        if isinstance(node, ast.Import):
            found |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            # `from bot import x` imports the package bot.x
            found |= {f"bot.{a.name}" for a in node.names} if node.module == "bot" else {node.module}
    return {name for name in found if name == "bot" or name.startswith("bot.")}


def _allowed(name: str) -> bool:
    return any(name == prefix or name.startswith(prefix + ".") for prefix in CORE_MAY_IMPORT)


def test_core_imports_no_journey_or_infrastructure_package() -> None:
    core = {path: module for path, module in _modules().items() if path.startswith("bot/core/")}
    assert core, "bot/core not found"
    outside = {path: sorted(n for n in _bot_imports(m) if not _allowed(n)) for path, m in core.items()}
    assert {path: names for path, names in outside.items() if names} == {}


def test_the_import_check_sees_the_ways_of_importing() -> None:
    module = ast.parse(
        "import bot.db.queries\nfrom bot.credit.explanations import X\nfrom bot import pause\n"
        "from . import sibling\ndef f():\n    from bot.config import Settings\n"
    )
    assert _bot_imports(module) == {"bot.db.queries", "bot.credit.explanations", "bot.pause", "bot.config"}


def test_bot_knows_nothing_of_rasa_or_the_glue() -> None:
    found: dict[str, list[str]] = {}
    for path, module in _modules().items():
        names = [alias.name for node in ast.walk(module) if isinstance(node, ast.Import) for alias in node.names]
        names += [
            node.module
            for node in ast.walk(module)
            if isinstance(node, ast.ImportFrom) and node.level == 0 and node.module
        ]
        offending = sorted(n for n in names if n.split(".")[0] in GLUE_AND_FRAMEWORKS)
        if offending:
            found[path] = offending
    assert found == {}


def test_tests_mirror_the_bot_packages() -> None:
    unit = Path(__file__).resolve().parent
    packages = {p.name for p in BOT.iterdir() if (p / "__init__.py").exists()} - {"db"}  # db: tests/db/
    missing = sorted(name for name in packages if not any((unit / name).glob("test_*.py")))
    assert missing == [], f"bot packages without tests/unit/<package>/: {missing}"
