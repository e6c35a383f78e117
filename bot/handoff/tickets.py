"""Handing a conversation to a human agent: ticket life cycle, reasons, queue and wait.

Pure rules only; storage is in bot.db.queries, the summary in bot.handoff.summary,
service hours and phone numbers in bot.handoff.service_hours and bot.handoff.phones.

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


# Words that make a request for a human something more specific. The contract keeps
# complaints inside `request_human`, and disputes or fraud must not be decided by the bot.
_REASON_MARKERS: tuple[tuple[HandoffReason, tuple[str, ...]], ...] = (
    (
        HandoffReason.SUSPECTED_FRAUD,
        ("盗用", "被盗", "盗刷", "不是我本人", "不是本人", "不是自己借", "不是我借", "冒用", "冒名", "诈骗", "骗子"),
    ),
    (HandoffReason.DISPUTE, ("不认可", "有异议", "争议", "乱扣", "多扣", "扣错", "乱收费", "不是我买", "没买过")),
    (HandoffReason.COMPLAINT, ("投诉", "举报", "12378")),
)


# Reports the bot must hand over whatever the NLU made of them (a fraud report can
# read like a reopen or platform-closure question). Narrower than the markers above:
# "乱扣" or "骗子" also come up in angry requests the bot can serve.
_MUST_NOT_DECIDE: tuple[tuple[HandoffReason, tuple[str, ...]], ...] = (
    (
        HandoffReason.SUSPECTED_FRAUD,
        ("盗用", "被盗", "盗刷", "不是我本人", "不是本人", "不是自己借", "不是我借", "冒用", "冒名", "诈骗"),
    ),
    (HandoffReason.DISPUTE, ("不认可", "有异议", "扣错", "多扣", "不是我买", "没买过")),
)


def must_not_decide(text: str) -> HandoffReason | None:
    """Suspected fraud or a disputed transaction in the message: a human must take it."""
    for reason, markers in _MUST_NOT_DECIDE:
        if any(marker in text for marker in markers):
            return reason
    return None


def choose_reason(text: str, *, fallback_streak: int, has_frozen_account: bool) -> HandoffReason:
    """Why this conversation goes to a human, most specific first.

    Args:
        text: the user's latest message (normalised).
        fallback_streak: how many messages in a row the bot did not understand.
        has_frozen_account: the customer has a line frozen by the platform, which
            the bot cannot unfreeze or close.
    """
    for reason, markers in _REASON_MARKERS:
        if any(marker in text for marker in markers):
            return reason
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
