"""Failed turns: what a log line may say about the message, and whether a store was out of reach.

A failure log line gives the message's length and ids, never its text: an exception's message can
quote what it failed on (a parse error on the text, a tracker dump), so only its type and where it
was raised are logged.
"""

from __future__ import annotations

import traceback
from typing import Any

from rasa.core.lock_store import LockError


class TrackerStoreUnavailable(RuntimeError):
    """The conversation could not be read from the tracker store: the turn must not run as a new one."""


def is_outage(exc: BaseException) -> bool:
    """Whether a turn failed because its lock (Redis) or its conversation (tracker store) was out of reach.

    The channels then say "try again later" (bot.security.no_silence.OUTAGE_RESPONSE), not "rephrase".
    """
    return isinstance(exc, LockError | TrackerStoreUnavailable)


def failure_fields(exc: BaseException, *, text: str | None = None, sender_id: str | None = None) -> dict[str, Any]:
    """Structured fields for a failure log line: the exception's type and place, the message's length and sender."""
    frames = traceback.extract_tb(exc.__traceback__)
    where = [f"{frame.filename.rsplit('/', 1)[-1]}:{frame.lineno} {frame.name}" for frame in frames[-5:]]
    fields: dict[str, Any] = {"error": type(exc).__name__, "where": where}
    if text is not None:
        fields["length"] = len(text)
    if sender_id is not None:
        fields["sender_id"] = sender_id
    return fields
