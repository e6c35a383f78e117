"""What a test does when something on the machine is missing."""

from __future__ import annotations

import os
from typing import NoReturn

import pytest

CI = os.environ.get("CI", "").lower() == "true"


def unavailable(message: str) -> NoReturn:
    """Skip on a developer's machine; fail with CI=true, where every service and tool must be there."""
    if CI:
        pytest.fail(message)
    pytest.skip(message)
