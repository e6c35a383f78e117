"""What an action dispatched: response names, parameters and reviewed facts, or the text a user would see."""

from __future__ import annotations

import re
from functools import lru_cache
from typing import Any

import yaml

from actions.common import render as render_param
from bot.config import REPO_ROOT
from bot.core.replies import Fragment, Param
from bot.credit.knowledge import load_knowledge

_PLACEHOLDER = re.compile(r"{([^\n{}]+?)}")
# What CollectingDispatcher.utter_message puts in every message; the rest are the response's parameters.
_MESSAGE_KEYS = frozenset({"text", "buttons", "elements", "custom", "template", "response", "image", "attachment"})


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


# ── asserting on names and parameters, not on wording ──


@lru_cache(maxsize=1)
def _fact_patterns() -> tuple[tuple[str, re.Pattern[str]], ...]:
    patterns = []
    for fact in load_knowledge().facts.values():
        pieces = _PLACEHOLDER.split(fact.text)  # literal, name, literal, name, ...
        regex = "".join(re.escape(p) if i % 2 == 0 else ".+?" for i, p in enumerate(pieces))
        patterns.append((fact.id, re.compile(regex, re.DOTALL)))
    return tuple(patterns)


def fact_id(text: str) -> str:
    """The id of the reviewed fact a text message says (fails for any other text)."""
    ids = [fid for fid, pattern in _fact_patterns() if pattern.fullmatch(text)]
    assert len(ids) == 1, f"not exactly one knowledge fact says: {text!r} ({ids})"
    return ids[0]


def said(messages: list[dict[str, Any]]) -> list[str]:
    """What was said, in order: each message's response name, `fact:<id>` for a reviewed fact, `custom` for JSON."""
    names = []
    for message in messages:
        if message.get("response"):
            names.append(str(message["response"]))
        elif message.get("text"):
            names.append(f"fact:{fact_id(str(message['text']))}")
        else:
            assert message.get("custom"), f"neither a response, a fact nor a custom payload: {message}"
            names.append("custom")
    return names


def params(message: dict[str, Any]) -> dict[str, Any]:
    """A response's parameters (what the action filled in), without the dispatcher's own keys."""
    return {k: v for k, v in message.items() if k not in _MESSAGE_KEYS}


def reply(messages: list[dict[str, Any]], response: str) -> dict[str, Any]:
    """The one message with this response name (fails when there is none or more than one)."""
    found = [m for m in messages if m.get("response") == response]
    assert len(found) == 1, f"{response}: {len(found)} messages in {said(messages)}"
    return found[0]


def replies(messages: list[dict[str, Any]], response: str) -> list[dict[str, Any]]:
    """The parameters of every message with this response name, in order."""
    return [params(m) for m in messages if m.get("response") == response]


def fragment(response: str, **values: Param) -> str:
    """A parameter made from a domain fragment, rendered as the actions render it (the wording stays in domain.yml)."""
    return render_param(domain(), Fragment(response, dict(values)))


def titles(message: dict[str, Any]) -> list[str]:
    return [str(b["title"]) for b in message.get("buttons") or []]


def payloads(message: dict[str, Any]) -> list[str]:
    return [str(b["payload"]) for b in message.get("buttons") or []]
