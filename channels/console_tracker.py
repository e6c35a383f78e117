"""What the agent console does to a conversation's tracker (inside the Rasa server).

Agent replies are stored as `BotUttered` with {"sender": "agent", "agent_name"}
metadata (the contract in channels/live.py) and pushed to the widget; handing
back appends `ConversationResumed` and runs `utter_handback`, whose message is
pushed too. Whenever the bot resumes (hand back, or a live ticket closed) the
widget is also told so with a status message (`live.BOT_RESUMED`), so it can
leave its "waiting for a human" state even when the bot says nothing. Every
change to a tracker happens under the conversation's lock, so it cannot interleave with a user message being processed.
"""

from __future__ import annotations

import time
from typing import Any

from rasa.core.agent import Agent
from rasa.core.channels.channel import CollectingOutputChannel
from rasa.core.policies.policy import PolicyPrediction
from rasa.shared.core.constants import ACTION_LISTEN_NAME
from rasa.shared.core.events import ActionExecuted, BotUttered, ConversationResumed

from bot.handoff.console import ticket_session
from bot.handoff.tickets import HANDBACK_RESPONSE
from channels import live


async def transcript(
    agent: Agent, conversation_id: str, *, opened_at: float, closed_at: float | None
) -> list[dict[str, Any]]:
    """A ticket's part of the conversation as the console shows it: user, bot and agent messages, pauses, resumes.

    Only the session the ticket was opened in, up to its closing (bot.handoff.console.ticket_session).
    """
    tracker = await agent.tracker_store.retrieve_full_tracker(conversation_id)
    if tracker is None:
        return []
    events = [event.as_dict() for event in tracker.events]
    lines: list[dict[str, Any]] = []
    for data in ticket_session(events, opened_at=opened_at, closed_at=closed_at):
        line = _line(data)
        if line is not None:
            lines.append(line)
    return lines


def _line(data: dict[str, Any]) -> dict[str, Any] | None:
    kind, at = data.get("event"), data.get("timestamp")
    if kind == "user" and data.get("text"):
        return {"speaker": "user", "text": data["text"], "timestamp": at}
    if kind == "bot" and data.get("text"):
        meta = data.get("metadata") or {}
        if meta.get("sender") == "agent":
            return {"speaker": "agent", "agent_name": meta.get("agent_name"), "text": data["text"], "timestamp": at}
        return {"speaker": "bot", "text": data["text"], "timestamp": at}
    if kind in ("pause", "resume"):
        return {"speaker": "system", "event": kind, "timestamp": at}
    return None


async def agent_reply(agent: Agent, conversation_id: str, *, text: str, agent_name: str) -> bool:
    """Store the agent's message in the tracker and push it to the widget; True if a widget got it."""
    metadata = {"sender": "agent", "agent_name": agent_name}
    async with agent.lock_store.lock(conversation_id):
        tracker = await agent.processor.get_tracker(conversation_id)
        tracker.update(BotUttered(text=text, metadata=metadata))
        await agent.tracker_store.save(tracker)
    message = {"text": text, "sender": "agent", "agent_name": agent_name, "timestamp": time.time()}
    return await live.deliver(conversation_id, message)


async def hand_back(agent: Agent, conversation_id: str) -> list[str]:
    """Resume the bot and let it say so; returns the texts the bot sent (also pushed to the widget)."""
    output = CollectingOutputChannel()
    async with agent.lock_store.lock(conversation_id):
        tracker = await agent.processor.get_tracker(conversation_id)
        tracker.update(ConversationResumed())
        await agent.tracker_store.save(tracker)
        prediction = PolicyPrediction.for_action_name(agent.domain, HANDBACK_RESPONSE)
        await agent.processor.execute_action(
            conversation_id, HANDBACK_RESPONSE, output, agent.processor.nlg, prediction
        )
        await _listen(agent, conversation_id)
    texts = [str(m["text"]) for m in output.messages if m.get("text")]
    await live.deliver(conversation_id, live.BOT_RESUMED)
    for text in texts:
        await live.deliver(conversation_id, {"text": text, "sender": "bot", "timestamp": time.time()})
    return texts


async def resume_silently(agent: Agent, conversation_id: str) -> None:
    """Resume the bot without a message (a live ticket closed by the agent: nobody would read a reply)."""
    async with agent.lock_store.lock(conversation_id):
        tracker = await agent.processor.get_tracker(conversation_id)
        if not tracker.is_paused():
            return
        tracker.update(ConversationResumed())
        tracker.update(ActionExecuted(ACTION_LISTEN_NAME))
        await agent.tracker_store.save(tracker)
    await live.deliver(conversation_id, live.BOT_RESUMED)


async def _listen(agent: Agent, conversation_id: str) -> None:
    """Record that the bot now waits for the user.

    A paused conversation stops without the usual `action_listen`; without it the
    policies would read the user's next message as following the handoff action
    and mispredict.
    """
    tracker = await agent.processor.get_tracker(conversation_id)
    tracker.update(ActionExecuted(ACTION_LISTEN_NAME))
    await agent.tracker_store.save(tracker)


async def is_paused(agent: Agent, conversation_id: str) -> bool:
    """Whether the bot is currently paused for the conversation."""
    tracker = await agent.tracker_store.retrieve(conversation_id)
    return bool(tracker and tracker.is_paused())
