"""Handing a conversation to a human agent: ticket life cycle, reasons, queue and wait.

Pure rules only; storage is in bot.db.queries, the summary in bot.handoff.summary,
service hours and phone numbers in bot.handoff.service_hours and bot.handoff.phones,
the words that mark fraud, disputes and complaints in data/handoff/reason_words.yml.

Ticket life cycle::

    queued ──claim──▶ claimed ──hand_back──▶ handed_back   (bot answers again)
      │                  │
      └──close──▶ closed ◀──close──┘
    message_left ──claim──▶ claimed ──close──▶ closed       (outside service hours: call back)
    message_left ──close──▶ closed

`handed_back` and `closed` are final. A message-left ticket was never live,
so it cannot be handed back (the bot was not paused for it).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from enum import Enum
from functools import lru_cache
from pathlib import Path
from typing import Any

import yaml

from bot.config import REPO_ROOT


class TicketStatus(str, Enum):
    """Where a ticket is in its life cycle (stored as the string value)."""

    QUEUED = "queued"
    CLAIMED = "claimed"
    HANDED_BACK = "handed_back"
    CLOSED = "closed"
    MESSAGE_LEFT = "message_left"


class TicketKind(str, Enum):
    """A live chat waiting for an agent, or a message left outside service hours."""

    LIVE = "live"
    MESSAGE = "message"


class HandoffReason(str, Enum):
    """Why the conversation goes to a human; the console shows it and sorts nothing by it."""

    REQUESTED = "requested"
    COMPLAINT = "complaint"
    REPEATED_FALLBACK = "repeated_fallback"
    FROZEN_BY_PLATFORM = "frozen_by_platform"
    DISPUTE = "dispute"
    SUSPECTED_FRAUD = "suspected_fraud"


# What the bot says when an agent hands the conversation back (domain.yml).
HANDBACK_RESPONSE = "utter_handback"

FINAL_STATUSES = (TicketStatus.HANDED_BACK, TicketStatus.CLOSED)
OPEN_STATUSES = (TicketStatus.QUEUED, TicketStatus.CLAIMED, TicketStatus.MESSAGE_LEFT)

_TRANSITIONS: dict[tuple[TicketStatus, str], TicketStatus] = {
    (TicketStatus.QUEUED, "claim"): TicketStatus.CLAIMED,
    (TicketStatus.QUEUED, "close"): TicketStatus.CLOSED,
    (TicketStatus.MESSAGE_LEFT, "claim"): TicketStatus.CLAIMED,
    (TicketStatus.MESSAGE_LEFT, "close"): TicketStatus.CLOSED,
    (TicketStatus.CLAIMED, "hand_back"): TicketStatus.HANDED_BACK,
    (TicketStatus.CLAIMED, "close"): TicketStatus.CLOSED,
}


class InvalidTicketTransition(ValueError):
    """An action that the ticket's state (or the acting agent) does not allow."""


@dataclass(frozen=True)
class TicketState:
    """What the state machine needs to know about a ticket."""

    status: TicketStatus
    kind: TicketKind
    claimed_by: str | None = None


def advance(state: TicketState, action: str, *, agent: str) -> TicketState:
    """Apply `action` ("claim", "hand_back", "close") by `agent`, or raise InvalidTicketTransition.

    Once claimed, only the agent who claimed the ticket may hand it back or close it,
    so two agents never answer the same customer at cross purposes.
    """
    target = _TRANSITIONS.get((state.status, action))
    if target is None:
        raise InvalidTicketTransition(f"cannot {action} a {state.status.value} ticket")
    if action == "hand_back" and state.kind is TicketKind.MESSAGE:
        raise InvalidTicketTransition("a message-left ticket has no paused conversation to hand back")
    if state.status is TicketStatus.CLAIMED and state.claimed_by != agent:
        raise InvalidTicketTransition(f"ticket is claimed by {state.claimed_by}")
    claimed_by = agent if action == "claim" else state.claimed_by
    return TicketState(target, state.kind, claimed_by)


def ensure_can_write(state: TicketState, *, agent: str, to_customer: bool) -> None:
    """Check that `agent` may reply to the customer (to_customer) or add an internal note.

    Replies need the ticket claimed by this agent on a live chat; notes only need
    the ticket to be still open.
    """
    if to_customer:
        if state.kind is not TicketKind.LIVE or state.status is not TicketStatus.CLAIMED:
            raise InvalidTicketTransition("replies need a claimed live ticket")
        if state.claimed_by != agent:
            raise InvalidTicketTransition(f"ticket is claimed by {state.claimed_by}")
    elif state.status in FINAL_STATUSES:
        raise InvalidTicketTransition("ticket is finished")


# Words in the customer's message that decide a handoff, in data/handoff (see the comments there).
REASON_WORDS_FILE = REPO_ROOT / "data" / "handoff" / "reason_words.yml"

ReasonWords = tuple[tuple[HandoffReason, tuple[str, ...]], ...]  # checked in order, first match wins


@dataclass(frozen=True)
class HandoffWords:
    """The word lists of data/handoff/reason_words.yml."""

    must_not_decide: ReasonWords  # handed over whatever the NLU said
    handoff_reasons: ReasonWords  # the reason recorded once a human was asked for


def load_reason_words(path: Path = REASON_WORDS_FILE) -> HandoffWords:
    """Read the word lists; raises ValueError for an unknown reason or an empty word."""
    with path.open(encoding="utf-8") as fh:
        doc: dict[str, Any] = yaml.safe_load(fh)
    return HandoffWords(_reason_words(doc["must_not_decide"]), _reason_words(doc["handoff_reasons"]))


def _reason_words(section: dict[str, list[Any]]) -> ReasonWords:
    lists = tuple((HandoffReason(reason), tuple(str(w) for w in words)) for reason, words in section.items())
    if any(not word for _, words in lists for word in words):
        raise ValueError("an empty word would match every message")
    return lists


@lru_cache(maxsize=1)
def _words() -> HandoffWords:
    return load_reason_words()


def _first_match(text: str, lists: ReasonWords) -> HandoffReason | None:
    return next((reason for reason, words in lists if any(word in text for word in words)), None)


def must_not_decide(text: str) -> HandoffReason | None:
    """Suspected fraud or a disputed transaction in the (normalised) message: a human must take it."""
    return _first_match(text, _words().must_not_decide)


def choose_reason(text: str, *, fallback_streak: int, has_frozen_account: bool) -> HandoffReason:
    """Why this conversation goes to a human, most specific first.

    Args:
        text: the user's latest message (normalised).
        fallback_streak: how many messages in a row the bot did not understand.
        has_frozen_account: the customer has a line frozen by the platform, which
            the bot cannot unfreeze or close.
    """
    marked = _first_match(text, _words().handoff_reasons)
    if marked is not None:
        return marked
    if fallback_streak >= 2:
        return HandoffReason.REPEATED_FALLBACK
    if has_frozen_account:
        return HandoffReason.FROZEN_BY_PLATFORM
    return HandoffReason.REQUESTED


def fallback_streak(intents_newest_last: list[str], *, fallback_intent: str = "nlu_fallback") -> int:
    """How many of the latest user messages in a row the NLU could not classify."""
    streak = 0
    for intent in reversed(intents_newest_last):
        if intent != fallback_intent:
            break
        streak += 1
    return streak


@dataclass(frozen=True)
class QueueEstimate:
    """The customer's place in the queue and the expected wait."""

    position: int
    wait_minutes: int


def queue_position(tickets_ahead: int) -> int:
    """The customer's place in the queue: tickets waiting ahead + 1 (1 = next)."""
    return max(tickets_ahead, 0) + 1


def estimate_wait(tickets_ahead: int, *, average_handling_minutes: float, agents_on_duty: int) -> QueueEstimate:
    """Place = tickets waiting ahead + 1; wait = place × average handling time / agents, rounded up.

    Never promises less than one minute: "0 minutes" reads like a broken promise.
    """
    position = queue_position(tickets_ahead)
    minutes = math.ceil(position * average_handling_minutes / max(agents_on_duty, 1))
    return QueueEstimate(position, max(minutes, 1))
