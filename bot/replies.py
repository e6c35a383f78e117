"""Replies as data: a response name plus its parameters, resolved by the actions.

`bot/` decides *what* to say (which `utter_*` and with which facts); the text
itself lives in domain.yml. A parameter can itself be a `Fragment` (a short
response such as "，预计12月1日完成"), which the action renders first.
"""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class Fragment:
    """A piece of text taken from a domain response, used inside another reply."""

    response: str
    params: dict[str, str] = field(default_factory=dict)


Param = str | Fragment


@dataclass(frozen=True)
class Reply:
    """One message to the user."""

    response: str
    params: dict[str, Param] = field(default_factory=dict)
    buttons: tuple[tuple[str, str], ...] = ()  # (title, payload)
