"""A journey's answer when an account change may follow: what to say, and what to confirm."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from bot.core.replies import Fragment, Part


@dataclass(frozen=True)
class ChangeOffer:
    """Replies, and the change to confirm (None: nothing to confirm).

    `change` is a plain dict (kept in the `pending_change` slot until the
    customer answers), e.g. {"kind": "pause", "product": "huabei", "days": 90};
    `question` is the confirmation question, rendered from domain.yml.
    """

    replies: list[Part]
    change: dict[str, Any] | None = None
    question: Fragment | None = None
