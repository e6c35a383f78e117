"""The test tree itself: pytest collects test modules without packages, by basename."""

from collections import Counter
from pathlib import Path


def test_test_module_names_are_unique() -> None:
    """Two test files with one name in different folders stop the whole run at collection."""
    names = Counter(p.name for p in Path(__file__).parent.rglob("test_*.py"))
    assert [name for name, count in names.items() if count > 1] == []
