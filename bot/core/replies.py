"""Replies as data: a response name plus its parameters, resolved by the actions.

A `FactUse` names a reviewed fact instead (credit reporting, retention, rights);
its wording comes from the knowledge file, never from a response or from code.

`bot/` decides *what* to say (which `utter_*` and with which facts); the text
itself lives in domain.yml. A parameter can itself be a `Fragment` (a short
response such as "，预计12月1日完成"), which the action renders first.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Union


@dataclass(frozen=True)
class Fragment:
    """A piece of text taken from a domain response, used inside another reply (may nest)."""

    response: str
    params: dict[str, Param] = field(default_factory=dict)


Param = Union[str, Fragment]  # noqa: UP007 - a runtime alias that refers to Fragment before it exists


@dataclass(frozen=True)
class Reply:
    """One message to the user."""

    response: str
    params: dict[str, Param] = field(default_factory=dict)
    buttons: tuple[tuple[Param, str], ...] = ()  # (title, payload)


@dataclass(frozen=True)
class FactUse:
    """A reviewed fact from bot/credit/credit.yml, said in its own wording."""

    id: str
    params: dict[str, str] = field(default_factory=dict)


Part = Union[Reply, FactUse]  # noqa: UP007 - runtime alias


# A button that hands the conversation to a human (the request_human intent).
HUMAN_BUTTON: tuple[tuple[Param, str], ...] = ((Fragment("utter_button_human"), "/request_human"),)
HUMAN_OFFER = Reply("utter_handoff_offer", buttons=HUMAN_BUTTON)
