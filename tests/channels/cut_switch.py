"""A check shared by the tests of single cuts: `turn_cost.install()` puts the cut in, `uninstall()` takes it out."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from channels import turn_cost


def assert_put_in_place_and_taken_away(current: Callable[[], Any], ours: str, rasas: str) -> None:
    """`current()` (the patched function) comes from module `ours` once installed, `rasas` once uninstalled."""
    installed = bool(turn_cost._originals)
    try:
        turn_cost.install()
        assert current().__module__ == ours
        turn_cost.uninstall()
        assert current().__module__ == rasas
    finally:
        if installed:  # as the test process had it
            turn_cost.install()
