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


def handoff_state(events: Iterable[dict[str, Any]]) -> dict[str, Any] | None:
    """Where a handoff stands for a reloaded widget, from tracker events; None when the bot is answering.

    Paused (the bot handed over and no agent has resumed it): {"state": "waiting",
    "position", "wait_minutes"} from the handoff payload the bot sent, or
    {"state": "agent", "agent_name"} once an agent has written since the pause.
    The queue position is as the bot announced it; the history route refreshes it.
    """
    state: dict[str, Any] | None = None
    paused = False
    for event in events:
        kind = event.get("event")
        custom = (event.get("data") or {}).get("custom") if kind == "bot" else None
        if kind == "pause":
            paused = True
        elif kind in ("resume", "restart", "session_started"):
            paused, state = False, None
        elif isinstance(custom, dict) and isinstance(custom.get("handoff"), dict):
            payload = custom["handoff"]
            state = {
                "state": "waiting",
                "position": payload.get("position"),
                "wait_minutes": payload.get("wait_minutes"),
            }
        elif kind == "bot" and (event.get("metadata") or {}).get("sender") == "agent":
            state = {"state": "agent", "agent_name": (event.get("metadata") or {}).get("agent_name") or ""}
    return state if paused and state is not None else None
