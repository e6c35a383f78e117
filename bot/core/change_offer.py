"""A journey's answer when an account change may follow: what to say, and what to confirm."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from bot.core.replies import Fragment, Part, Reply


@dataclass(frozen=True)
class ChangeOffer:
    """Replies, and the change to confirm (None: nothing to confirm).

    `change` is a plain dict (kept in the `pending_change` slot until the
    customer answers), e.g. {"kind": "pause", "product": "huabei", "days": 90};
    `question` is the confirmation question, rendered from domain.yml.
    """

    replies: list[Part]
    change: dict[str, Any] | None = None
    question: Fragment | None = None

    @property
    def asks(self) -> bool:
        """Whether the offer ends by asking the customer something (a product, a length, an amount, a service)."""
        last = self.last_question_part()
        return isinstance(last, Reply) and (last.response.startswith("utter_ask_") or last.response in QUESTIONS)

    def last_question_part(self) -> Part | None:
        """The last reply, not counting the ways out said after a question (they belong to it)."""
        parts = [p for p in self.replies if not (isinstance(p, Reply) and p.response == WAY_OUT)]
        return parts[-1] if parts else None


WAY_OUT = "utter_reask_way_out"
# Questions of the journeys that do not follow the utter_ask_ naming (bot/unbinding/replies.py).
QUESTIONS = frozenset({"utter_unbind_list", "utter_unbind_list_other", "utter_unbind_which_product"})
# A journey question is asked again at most twice after answers that do not settle it (the second time with the
# ways out); after that the journey stops, nothing changed. No question is a trap.
MAX_REASKS = 2


def question_of(offer: ChangeOffer) -> str | None:
    """The response that asks the offer's question, or None when it asks nothing."""
    last = offer.last_question_part()
    return last.response if offer.change is None and offer.asks and isinstance(last, Reply) else None


def limit_reasks(offer: ChangeOffer, asked_before: str | None, reasks: int) -> tuple[ChangeOffer, int]:
    """The offer to say when the customer answered a journey question, and how often it has now been re-asked.

    Args:
        offer: the journey's answer to the customer's answer.
        asked_before: the question the customer was answering (None: none was pending).
        reasks: how many times in a row that question was already asked again.

    The same question asked again counts; a different one (the product was given, now the length is
    asked) starts over. The second re-ask adds the ways out; instead of a third, the journey stops.
    """
    question = question_of(offer)
    if question is None or question != asked_before:
        return offer, 0
    if reasks >= MAX_REASKS:
        return ChangeOffer([*offer.replies[:-1], Reply("utter_reask_stopped")]), 0
    if reasks + 1 == MAX_REASKS:
        return ChangeOffer([*offer.replies, Reply(WAY_OUT)]), reasks + 1
    return offer, reasks + 1


def unclear_in_form(reasks: int) -> tuple[list[Reply], bool]:
    """A confirmation answered with something not understood, after `reasks` earlier re-asks.

    Returns what to say, and whether to stop (True: the confirmation ends as a no, nothing changes).
    """
    if reasks >= MAX_REASKS:
        return [Reply("utter_form_unclear_stopped")], True
    replies = [Reply("utter_default")]
    if reasks + 1 == MAX_REASKS:
        replies.append(Reply(WAY_OUT))
    return replies, False
