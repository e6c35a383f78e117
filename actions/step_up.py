"""The one-time code step, shared by every form that needs one (closing, account changes, data deletion).

A form confirms first; on a yes its validator calls `send_code`; the code slot's
validator calls `check_typed_code`; the form's question is an `AskCodeAction`.
Whether a change may then happen is decided again in `bot/`, which consumes the
verification from the database in the change's own transaction.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from enum import Enum
from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions.common import in_session, send, settings
from bot.nlu.textnorm import normalise
from bot.security.code_replies import (
    code_check_reply,
    code_format_reply,
    code_question,
    code_resending_reply,
    code_sent_reply,
)
from bot.security.verification import (
    CodeCheck,
    CodeSent,
    Purpose,
    check_code,
    find_code,
    is_no_code,
    issue_code,
    sender_for,
    wants_new_code,
)

# What a code slot holds once its code checked out (the code itself is never kept).
VERIFIED = "verified"
# How many answers in a row to the code question were no code (bot.security.verification.MAX_CODE_REASKS).
CODE_REASKS = "code_reasks"


class Entered(Enum):
    """What the customer's answer to the code question leads to."""

    VERIFIED = "verified"  # the right code: the form may finish
    ASK_AGAIN = "ask_again"  # not a code, or a wrong one with attempts left
    STOP = "stop"  # expired, locked, or no customer: the change is off


async def send_code(
    dispatcher: CollectingDispatcher, domain: DomainDict, *, customer_id: str | None, purpose: Purpose, change: str
) -> bool:
    """Send a code for `purpose` and the change fingerprinted `change`, and say so; False when none went out."""
    sender = sender_for(settings())
    if customer_id is None or sender is None or not change:
        send(dispatcher, domain, [code_sent_reply(None)])
        return False
    outcome = await in_session(
        lambda s: issue_code(s, customer_id=customer_id, purpose=purpose, change=change, sender=sender)
    )
    send(dispatcher, domain, [code_sent_reply(outcome)])
    return isinstance(outcome, CodeSent)


async def check_typed_code(
    dispatcher: CollectingDispatcher,
    domain: DomainDict,
    *,
    customer_id: str | None,
    purpose: Purpose,
    change: str,
    value: Any,
    reasks: int = 0,
) -> Entered:
    """Check what the customer typed against the pending code of this purpose and change, and say what is wrong.

    「验证码没收到」「再发一次」 sends a new code for the same change (within the send caps) and asks again.
    """
    typed = normalise(str(value))
    if wants_new_code(typed) and customer_id is not None and change:
        send(dispatcher, domain, [code_resending_reply()])
        await send_code(dispatcher, domain, customer_id=customer_id, purpose=purpose, change=change)
        return Entered.ASK_AGAIN
    code = find_code(typed)
    if code is None:
        format_reply = code_format_reply(reasks + 1)
        send(dispatcher, domain, [format_reply])
        return Entered.STOP if format_reply.response == "utter_code_gave_up" else Entered.ASK_AGAIN
    if customer_id is None or not change:
        return Entered.STOP
    result = await in_session(
        lambda s: check_code(s, customer_id=customer_id, purpose=purpose, change=change, typed=code)
    )
    reply = code_check_reply(result)
    if reply is not None:
        send(dispatcher, domain, [reply])
    if result.outcome is CodeCheck.OK:
        return Entered.VERIFIED
    return Entered.ASK_AGAIN if result.outcome is CodeCheck.WRONG else Entered.STOP


def code_reasks(tracker: Tracker) -> int:
    """Answers in a row to the code question that were no code (the `code_reasks` slot)."""
    value = tracker.get_slot(CODE_REASKS)
    return int(value) if isinstance(value, (int, float)) and value > 0 else 0


def reask_slot(tracker: Tracker, value: Any, entered: Entered) -> dict[str, Any]:
    """The `code_reasks` slot after this answer: one more after an answer that was no code, else cleared (if set)."""
    if entered is Entered.ASK_AGAIN and is_no_code(normalise(str(value))):
        return {CODE_REASKS: float(code_reasks(tracker) + 1)}
    return reasks_cleared(tracker)


def reasks_cleared(tracker: Tracker) -> dict[str, Any]:
    """Clear the `code_reasks` count (a new code went out, or the step ended), when there is one."""
    return {CODE_REASKS: None} if code_reasks(tracker) else {}


class AskCodeAction(Action, ABC):
    """A form's question for the code (an action, so the code's length and lifetime come from the constants).

    Abstract, so the action server does not register it as an action itself.
    """

    @property
    @abstractmethod
    def question(self) -> str:
        """The response that asks for the code (it says how to back out of this journey)."""

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> list[dict[str, Any]]:
        """Ask for the code."""
        send(dispatcher, domain, [code_question(self.question)])
        return []
