"""The turn as `bot.conversation.turn_plan` sees it, read from the tracker's events in Rasa's JSON form.

The dialogue policy (Rasa's event objects, `as_dict()`) and the action server
(rasa_sdk's dicts) pass the same JSON, so both read the conversation through
this one function and decide the same way.
"""

from __future__ import annotations

from bisect import bisect_left
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from bot.conversation.context import UserTurn
from bot.conversation.turn_plan import TurnView

Event = Mapping[str, Any]

ANSWER_FOLLOW_UP = "action_answer_follow_up"
ANSWER_PUSH_BACK = "action_answer_push_back"
OFFER_SECOND_QUESTION = "action_offer_second_question"
ANSWER_SECOND_QUESTION = "action_answer_second_question"
OUR_ACTIONS = frozenset({ANSWER_FOLLOW_UP, ANSWER_PUSH_BACK, OFFER_SECOND_QUESTION, ANSWER_SECOND_QUESTION})
LISTEN = "action_listen"
# Set true by a check when a confirmation follows (the form starts right after): something is pending.
READY_SLOTS = frozenset({"closure_ready", "change_ready", "deletion_ready", "withdraw_ready"})
# A journey question (product, length, amount, service) waiting for its answer (actions/changes.py).
JOURNEY_QUESTION = "journey_question"
# What the bot says when a turn failed on our side (channels/action_failures.py, channels/action_server.py).
FAILED_REPLIES = frozenset({"utter_try_again_later", "utter_accounts_unavailable"})


def since_session_start(events: Sequence[Event]) -> list[Event]:
    """The events of the current session (after the last restart or session start)."""
    starts = [i for i, e in enumerate(events) if e.get("event") in ("restart", "session_started")]
    return list(events[starts[-1] + 1 :] if starts else events)


def user_turns(events: Sequence[Event]) -> list[UserTurn]:
    """Every user message of the session, oldest first."""
    return [_turn(e) for e in since_session_start(events) if e.get("event") == "user"]


def _turn(event: Event) -> UserTurn:
    intent = ((event.get("parse_data") or {}).get("intent") or {}).get("name")
    return UserTurn(str(event.get("text") or ""), str(intent) if intent else None)


def turn_view(events: Sequence[Event]) -> TurnView | None:
    """The latest turn, or None before the first user message."""
    return SessionReader().read(events).view()


class SessionReader:
    """The session's turns, read one event at a time, so a growing conversation is not read again.

    `read` takes the events that follow the ones already read; `view` is `turn_view` of all of
    them, reading only the latest turn (the dialogue policy asks three or four times a turn).
    """

    def __init__(self) -> None:
        self.events: list[Event] = []
        self._begin_session(0)

    def _begin_session(self, start: int) -> None:
        self.start = start  # where the session's events begin in `events`
        self.users: list[int] = []  # where its user messages are
        self.turns: list[UserTurn] = []
        self.unanswered: set[int] = set()  # finished turns answered only with the failure apology
        self.loop: str | None = None  # its active loop

    def read(self, events: Iterable[Event]) -> SessionReader:
        """Read `events`, which follow those read so far."""
        for event in events:
            kind = event.get("event")
            if kind in ("restart", "session_started"):
                self._begin_session(len(self.events) + 1)
            elif kind == "user":
                if self.users and _failed(self.events[self.users[-1] :]):  # the turn before is over
                    self.unanswered.add(len(self.users) - 1)
                self.users.append(len(self.events))
                self.turns.append(_turn(event))
            elif kind == "active_loop":
                self.loop = str(event.get("name")) if event.get("name") else None
            self.events.append(event)
        return self

    def rewind(self, count: int) -> bool:
        """Forget every event from the `count`-th on, as if only the first `count` had been read.

        A store read gives the last turn's events back as new objects (channels/kept_trackers.py),
        so a reader goes on from the events before them instead of reading the session again.
        False, and nothing forgotten, where the session began at or after `count`: read afresh.
        """
        if count < self.start:
            return False
        del self.events[count:]
        kept = bisect_left(self.users, count)
        del self.users[kept:], self.turns[kept:]
        # a turn is marked unanswered when the next user message is read (`read`)
        self.unanswered = {turn for turn in self.unanswered if turn + 1 < kept}
        loops = (e for e in reversed(self.events[self.start :]) if e.get("event") == "active_loop")
        last = next(loops, None)
        self.loop = str(last.get("name")) if last is not None and last.get("name") else None
        return True

    def view(self) -> TurnView | None:
        """The latest turn, or None before the session's first user message."""
        if not self.users:
            return None
        latest = self.users[-1]
        actions = [str(e.get("name")) for e in self.events[latest + 1 :] if e.get("event") == "action"]
        return TurnView(
            text=self.turns[-1].text,
            intent=self.turns[-1].intent,
            earlier=tuple(self.turns[:-1]),
            just_asked=not actions,
            ours_ran=any(a in OUR_ACTIONS for a in actions),
            answered_by=actions[-1] if actions else None,
            pending=self._pending(just_asked=not actions),
            offer_waiting=self._last_action_before(latest) == OFFER_SECOND_QUESTION,
            unanswered=frozenset(self.unanswered),
        )

    def _pending(self, *, just_asked: bool) -> bool:
        """A form, a journey question just asked, or (once this turn was answered) a confirmation or choice coming up.

        A journey question counts only when the bot's last turn asked it: the slot outlives a journey
        the user walked away from.
        """
        latest = self.users[-1]
        previous = self.events[self.users[-2] + 1 if len(self.users) > 1 else self.start : latest]
        if self.loop or _asked(previous, JOURNEY_QUESTION):
            return True
        if just_asked:
            return False
        after = self.events[latest + 1 :]
        ready = any(e.get("event") == "slot" and e.get("name") in READY_SLOTS and e.get("value") is True for e in after)
        buttons = any(e.get("event") == "bot" and (e.get("data") or {}).get("buttons") for e in after)
        handed_over = any(e.get("event") == "pause" for e in after)  # a person has the conversation now
        return ready or buttons or handed_over

    def _last_action_before(self, index: int) -> str | None:
        for position in range(index - 1, self.start - 1, -1):
            event = self.events[position]
            if event.get("event") == "action" and event.get("name") != LISTEN:
                return str(event.get("name"))
        return None


def _failed(turn: Sequence[Event]) -> bool:
    """Whether a turn's answer was the apology for a failure (the question was never answered)."""
    said = [(e.get("metadata") or {}).get("utter_action") for e in turn if e.get("event") == "bot"]
    return bool(said) and all(name in FAILED_REPLIES for name in said)


def _asked(events: Sequence[Event], slot: str) -> bool:
    values = [e.get("value") for e in events if e.get("event") == "slot" and e.get("name") == slot]
    return bool(values) and values[-1] is not None


def previous_bot_texts(events: Sequence[Event]) -> list[str]:
    """What the bot said in answer to the message before the latest one (to never say it again word for word)."""
    session = since_session_start(events)
    users = [i for i, e in enumerate(session) if e.get("event") == "user"]
    if len(users) < 2:
        return []
    return [str(e.get("text") or "") for e in session[users[-2] + 1 : users[-1]] if e.get("event") == "bot"]
