"""「投诉渠道是什么」「去哪投诉」: the complaint channels are said before any handoff (issue 13.9).

A plain 「我要投诉」 still goes to an agent; the channels come first either way when the
message is about complaining, so the customer knows the routes outside this platform too.
"""

from __future__ import annotations

import re

from bot.nlu.textnorm import normalise

_COMPLAINT = re.compile(r"投诉|申诉|举报")


def mentions_complaint(text: str) -> bool:
    """Whether a message is about complaining (asking where, or wanting to)."""
    return bool(_COMPLAINT.search(normalise(text)))
