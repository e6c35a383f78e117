"""Never the same block twice: an answer the bot already gave word for word in the last turns is shortened (issue 12.6).

When a customer pushes back (「我早就还了」「我没关过啊」「还是不行」) in words that start the same
journey or explanation again, the answer would be the earlier multi-line block, word for word.
A person would not read it out again: they say nothing has changed, answer the objection, and
offer someone who can check. This module decides that from plain data (what the action is about
to send, what the bot said in the last turns, the customer's message); actions/common.py applies
it to every answering action in one place.

An answer that leads somewhere is never shortened: one asking the customer to choose (buttons
other than the handoff button), carrying a payload (a certificate link, a handoff card) or setting
up a step (a confirmation follows). Only multi-line answers count: a one-line reply said again
(「请输入验证码」) is a question asked again, not a canned block.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from bot.conversation.push_back import PushBack, done_of, read_push_back
from bot.core.replies import HUMAN_BUTTON, Reply

# The answers to how many earlier customer messages an answer is compared with.
REPEAT_TURNS = 3
# Fewer lines than this is a short reply, which may be said again.
MIN_LINES = 2
# The payload of the handoff button: an offer of a person, not a question to the customer.
HUMAN_PAYLOAD = HUMAN_BUTTON[0][1]

Event = Mapping[str, Any]
# Events after which earlier answers no longer count as "already said" (a new session, a restart, a hand-back).
_FRESH_START = frozenset({"restart", "session_started", "resume"})


@dataclass(frozen=True)
class Outgoing:
    """One message an action is about to send, as the customer will read it."""

    text: str
    buttons: tuple[str, ...] = ()  # the buttons' payloads
    payload: bool = False  # a custom payload rides along (a download link, a handoff card)

    @property
    def leads_on(self) -> bool:
        """The customer is asked to choose or given something to open: never shortened."""
        return self.payload or any(b != HUMAN_PAYLOAD for b in self.buttons)


def earlier_answers(events: Sequence[Event], turns: int = REPEAT_TURNS) -> list[list[str]]:
    """The bot's texts in answer to each of the last `turns` customer messages before the latest one.

    `events`: the tracker's events in Rasa's JSON form, oldest first. Only what the bot said since the
    session started, or since an agent handed the conversation back (Rasa's `resume`), counts: after
    talking with a person, the customer asking again is a new question, and gets the whole answer.
    """
    if turns <= 0:
        return []
    # from the latest event back, only as far as the user messages needed: an action calls this
    # at every answer, and the conversation only grows
    users: list[int] = []
    for position in range(len(events) - 1, -1, -1):
        kind = events[position].get("event")
        if kind in _FRESH_START:
            break
        if kind == "user":
            users.append(position)
            if len(users) > turns:
                break
    users.reverse()
    return [
        [str(e.get("text")) for e in events[begin + 1 : end] if e.get("event") == "bot" and e.get("text")]
        for begin, end in zip(users[:-1], users[1:], strict=True)
    ]


def is_verbatim_repeat(answer: Sequence[Outgoing], earlier: Sequence[Sequence[str]], *, sets_up_a_step: bool) -> bool:
    """Whether `answer` is a multi-line block the bot already sent, word for word, in one of the `earlier` answers.

    It counts when its texts appear in the same order, one after another, in an earlier answer (that answer
    may have said more, e.g. asked a waiting question again after it).
    """
    texts = [_plain(o.text) for o in answer if o.text.strip()]
    if sets_up_a_step or any(o.leads_on for o in answer) or _lines(texts) < MIN_LINES:
        return False
    return any(_contains(before, texts) for before in earlier)


def shorter_answer(message: str) -> list[Reply]:
    """What to say instead of the block again: the push-back's point, or that nothing changed; a person offered.

    `message`: the customer's message the block would have answered.
    """
    done = done_of(message)
    if done is not None:  # 我早就还了 (怎么还不能关): records can lag; someone can check them
        return [Reply(f"utter_push_back_done_{done.value}", buttons=HUMAN_BUTTON)]
    kind = read_push_back(message)
    if kind in (PushBack.NOT_WORKING, PushBack.SAID_BEFORE):  # 还是不行: which point is unclear, or a person
        return [Reply("utter_push_back_said_before", buttons=HUMAN_BUTTON)]
    return [Reply("utter_follow_unchanged", buttons=HUMAN_BUTTON)]


def _plain(text: str) -> str:
    return "\n".join(line.strip() for line in text.strip().splitlines())


def _lines(texts: Sequence[str]) -> int:
    return sum(len(t.splitlines()) for t in texts)


def _contains(before: Sequence[str], texts: Sequence[str]) -> bool:
    said = [_plain(t) for t in before if t.strip()]
    width = len(texts)
    return any(said[i : i + width] == list(texts) for i in range(len(said) - width + 1))
