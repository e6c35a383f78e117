"""The checks a developer runs before committing are the ones CI runs."""

import re
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parent.parent


def _lint_recipe() -> str:
    makefile = (ROOT / "Makefile").read_text(encoding="utf-8")
    match = re.search(r"^lint:.*\n((?:\t.*\n)+)", makefile, re.M)
    assert match, "Makefile has no lint target"
    return match.group(1)


def test_pre_commit_runs_every_lint_tool_of_make_lint() -> None:
    hooks = yaml.safe_load((ROOT / ".pre-commit-config.yaml").read_text(encoding="utf-8"))["repos"][0]["hooks"]
    entries = [hook["entry"] for hook in hooks]
    recipe = _lint_recipe()
    for tool in ("ruff format --check", "ruff check", "mypy"):
        assert tool in recipe, f"make lint no longer runs {tool}"
        assert any(tool in entry for entry in entries), f".pre-commit-config.yaml does not run {tool}"


def test_make_test_gates_coverage_of_bot() -> None:
    config = (ROOT / "pyproject.toml").read_text(encoding="utf-8")
    assert re.search(r'^source = \["bot"\]', config, re.M)
    floor = re.search(r"^fail_under = (\d+)", config, re.M)
    assert floor and int(floor.group(1)) >= 90
    makefile = (ROOT / "Makefile").read_text(encoding="utf-8")
    test_recipe = re.search(r"^test:.*\n((?:\t.*\n)+)", makefile, re.M)
    assert test_recipe and "scripts/test-all.sh" in test_recipe.group(1)
    script = (ROOT / "scripts" / "test-all.sh").read_text(encoding="utf-8")
    # The floor is checked once, on the coverage of every pytest run combined; each run alone
    # must not fail on it (the model-free run covers less of bot/ than all of them together).
    assert script.count("--cov-fail-under=0") == script.count("--cov ")
    assert '"$BIN/coverage" combine --append' in script and '"$BIN/coverage" report' in script
