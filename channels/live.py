"""Live delivery of messages into a user's open chat widget.

Agent replies and hand-back notices do not come from the dialogue policy, so they
cannot travel as the answer to a user message. The socket channel registers a
deliverer here when Rasa starts; the agent console calls `deliver`. Keeping the
contract in one tiny module lets either side be tested without the other.

Message format (the same dict the widget receives as a `bot_uttered` event)::

    {"text": "您好，我是人工客服小王", "sender": "agent" | "bot" | "system",
     "agent_name": "小王",            # only when sender == "agent"
     "timestamp": 1732320000.0}       # seconds since the epoch, UTC

Status messages carry no text and change what the widget shows about a handoff::

    {"sender": "system", "status": "bot_resumed"}   # the agent handed back or closed the
                                                    # ticket: the bot answers again
    {"sender": "system", "status": "queued", "position": 2}
                                                    # still waiting; the place in the queue now
                                                    # (sent when a ticket ahead is claimed or closed)

(The "waiting for an agent" state comes from the bot's own custom payload
{"handoff": {"ticket_id", "position", "wait_minutes"}}, and "agent joined" from
the first message with sender "agent".)

Agent messages are also stored in the conversation's tracker as `BotUttered`
events whose metadata carries {"sender": "agent", "agent_name": ...}, so the
transcript and a reloaded widget show them as the agent's.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

BOT_RESUMED: dict[str, Any] = {"sender": "system", "status": "bot_resumed"}


def queue_place(position: int) -> dict[str, Any]:
    """The status message telling a waiting customer their current place in the queue (1 = next)."""
    return {"sender": "system", "status": "queued", "position": position}


Deliverer = Callable[[str, dict[str, Any]], Awaitable[bool]]

_deliverer: Deliverer | None = None


def register(deliverer: Deliverer | None) -> None:
    """Install (or, with None, remove) the function that pushes a message to a conversation."""
    global _deliverer
    _deliverer = deliverer


async def deliver(conversation_id: str, message: dict[str, Any]) -> bool:
    """Push `message` to the widget showing `conversation_id`; False when nobody is listening."""
    if _deliverer is None:
        return False
    return await _deliverer(conversation_id, message)
