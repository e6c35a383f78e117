"""Replies as data: a response name plus its parameters, resolved by the actions.

A `FactUse` names a reviewed fact instead (credit reporting, retention, rights);
its wording comes from the knowledge file, never from a response or from code.

`bot/` decides *what* to say (which `utter_*` and with which facts); the text
itself lives in domain.yml. A parameter can itself be a `Fragment` (a short
response such as "，预计12月1日完成") or a `FactUse`, which the action renders first.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Union


@dataclass(frozen=True)
class FactUse:
    """A reviewed fact from bot/credit/credit.yml, said in its own wording."""

    id: str
    params: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class Fragment:
    """A piece of text taken from a domain response, used inside another reply (may nest)."""

    response: str
    params: dict[str, Param] = field(default_factory=dict)


# A FactUse as a parameter puts a reviewed fact, in its own wording, inside a
# longer message (several facts that matter to this customer in one message).
Param = Union[str, Fragment, FactUse]  # noqa: UP007 - a runtime alias that refers to Fragment before it exists
Button = tuple[Param, str]  # (title, payload); build payloads with `intent_button`


@dataclass(frozen=True)
class Reply:
    """One message to the user."""

    response: str
    params: dict[str, Param] = field(default_factory=dict)
    buttons: tuple[Button, ...] = ()


Part = Union[Reply, FactUse]  # noqa: UP007 - runtime alias


def concat(parts: list[Param], *, lines: bool = False) -> Param:
    """Several sentences (or, with `lines`, lines) as one parameter: nested fragments, "" for none.

    One message that says several things is shorter to read than one message per thing.
    """
    if not parts:
        return ""
    response = "utter_concat_lines" if lines else "utter_concat"
    result = parts[-1]
    for part in reversed(parts[:-1]):
        result = Fragment(response, {"first": part, "second": result})
    return result


def intent_button(title: Param, intent: str, **entities: object) -> Button:
    """A button whose tap sends `intent` with `entities`, bypassing the NLU.

    The payload is Rasa's `/intent{"entity":value}` message format (no JSON
    part without entities); this is the only place that writes it.
    """
    payload = f"/{intent}"
    if entities:
        payload += json.dumps(entities, ensure_ascii=False, separators=(",", ":"))
    return (title, payload)


# A button that hands the conversation to a human (the request_human intent).
HUMAN_BUTTON: tuple[Button, ...] = (intent_button(Fragment("utter_button_human"), "request_human"),)
HUMAN_OFFER = Reply("utter_handoff_offer", buttons=HUMAN_BUTTON)
