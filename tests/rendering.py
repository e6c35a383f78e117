"""Render what an action dispatched the way Rasa's templated NLG would."""

from __future__ import annotations

import re
from functools import lru_cache
from typing import Any

import yaml

from bot.config import REPO_ROOT

_PLACEHOLDER = re.compile(r"{([^\n{}]+?)}")


@lru_cache(maxsize=1)
def domain() -> dict[str, Any]:
    with (REPO_ROOT / "domain.yml").open(encoding="utf-8") as fh:
        doc: dict[str, Any] = yaml.safe_load(fh)
    return doc


def render(message: dict[str, Any]) -> str:
    """The text a user would see for one dispatched message; fails on unknown responses or unfilled placeholders."""
    if message.get("text"):
        return str(message["text"])
    name = message["response"]
    variants = domain()["responses"].get(name)
    assert variants, f"{name} is not a response in domain.yml"
    params = {k: v for k, v in message.items() if isinstance(v, str)}
    text = _PLACEHOLDER.sub(lambda m: params.get(m.group(1), m.group(0)), variants[0]["text"])
    assert "{" not in text, f"unfilled placeholder in {name}: {text}"
    return text


def render_all(messages: list[dict[str, Any]]) -> str:
    return "\n".join(render(m) for m in messages)
