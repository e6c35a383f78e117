"""A conversation's transcript as the widget shows it, from tracker events.

The same message shapes the socket channel emits live: {"sender": "user" |
"bot" | "agent", "text", "timestamp"} plus "buttons", "custom" or
"agent_name" when present. Bot texts are split on blank lines as Rasa's
socket output does, so a reloaded widget looks like the live one.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from channels.auth import DISPLAY_TEXT

MAX_MESSAGES = 200


def transcript(events: Iterable[dict[str, Any]], limit: int = MAX_MESSAGES) -> list[dict[str, Any]]:
    """User, bot and agent messages of `events` (serialised tracker events), oldest first."""
    messages: list[dict[str, Any]] = []
    for event in events:
        if event.get("event") == "user":
            messages.extend(_user(event))
        elif event.get("event") == "bot":
            messages.extend(_bot(event))
    return messages[-limit:]


def _user(event: dict[str, Any]) -> list[dict[str, Any]]:
    text = event.get("text") or ""
    metadata = event.get("metadata") or {}
    if text.startswith("/"):
        # a button payload: show what the user clicked, or nothing (payloads are not for people)
        text = metadata.get(DISPLAY_TEXT) or ""
    if not text:
        return []
    return [{"sender": "user", "text": text, "timestamp": event.get("timestamp")}]


def _bot(event: dict[str, Any]) -> list[dict[str, Any]]:
    metadata = event.get("metadata") or {}
    data = event.get("data") or {}
    base: dict[str, Any] = {"sender": "bot", "timestamp": event.get("timestamp")}
    if metadata.get("sender") == "agent":
        base = {**base, "sender": "agent", "agent_name": metadata.get("agent_name") or ""}
    parts = [p for p in (event.get("text") or "").strip().split("\n\n") if p] or [""]
    messages = [{**base, "text": part} for part in parts]
    if data.get("buttons"):
        messages[-1]["buttons"] = [{"title": b.get("title"), "payload": b.get("payload")} for b in data["buttons"]]
    if data.get("custom"):
        messages[-1]["custom"] = data["custom"]
    return [m for m in messages if m["text"] or m.get("buttons") or m.get("custom")]
