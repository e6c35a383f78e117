"""People, not keywords (issue 12.5): theft signals, disowned closures, complaints and anger.

What to do with such a message rests on its words, not on the intent the NLU
guessed (an angry complaint about collection calls read as out_of_scope, 是不是被盗号了
as a status question). `decide` names the action; components/must_not_decide_policy.py
runs it right after the message. Punctuation runs and emoji never matter: the words
are matched on the normalised text, and they are not words.

* account theft (盗号, 被盗用, 不是我本人操作): the fraud handoff, with brief safety
  advice and the offer to pause the customer's open lines first, even inside a form
  (the step stops, nothing changed); never inside the callback form, where the
  customer is describing exactly that for the agent;
* a disputed transaction: a human (as before);
* 我没关过 and the like: the account data decides (actions/handoff.py): a closure on
  record that the customer disowns is a theft signal, otherwise the platform's own
  closure is explained;
* a complaint or anger with nothing named (no product, service or length): an
  acknowledgement, the complaint channels and a handoff offer. A message that names a
  product is a request and keeps its journey; 「我要投诉」 read as request_human keeps
  the handoff (with the acknowledgement and channels first).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from datetime import date

from bot.core.accounts import AccountSnapshot, CustomerSnapshot
from bot.core.formatting import join_cn
from bot.core.replies import HUMAN_BUTTON, FactUse, Fragment, Part, Reply, intent_button
from bot.handoff.complaints import mentions_complaint
from bot.handoff.tickets import HandoffReason, must_not_decide
from bot.nlu.textnorm import normalise

FRAUD_ACTION = "action_fraud_handoff"
DISOWNED_ACTION = "action_check_disowned"
COMPLAINT_ACTION = "action_handle_complaint"
HANDOFF_ACTION = "action_request_human"
# The form where the customer writes what the agent should call back about: a theft report there is the message.
CALLBACK_FORM = "callback_form"
# How long the lines are paused when the customer takes the offer: long enough for an agent to check, and
# ended at once with 恢复使用 (a pause keeps the limit and the repayments; bot/pause).
FRAUD_PAUSE_DAYS = 30

# 「我没关过」「不是我注销的」: the customer disowns a closure (or a closure request).
_DISOWNED = re.compile(
    r"(我|自己)?(没|没有|从没|从来没)(关|注销|申请注销|申请关闭)过|不是我(关|注销|申请)的|我没(有)?申请过?(注销|关闭)"
)
# A complaint or anger: complaining words, and words of anger that carry no request of their own.
_COMPLAINT = re.compile(
    r"投诉|举报|骚扰|太过分|过分了|气死|垃圾|恶心|坑人|坑爹|骗子|破服务|什么破|受不了|受够了|态度(太)?差|态度恶劣"
    r"|暴力催收|爆通讯录|威胁|辱骂|烦死|忍无可忍|欺人太甚|太离谱|离谱|凭什么"
)
_ASKS_WHERE = re.compile(r"渠道|哪里|哪儿|去哪|怎么投诉|如何投诉|电话|方式|途径")
_COLLECTION = re.compile(r"催收|催债|催款|打电话给我家人|通讯录")


def disowns_closure(text: str) -> bool:
    """「我没关过」: the customer says they did not close (or ask to close) a line."""
    return bool(_DISOWNED.search(normalise(text)))


def is_complaint(text: str) -> bool:
    """A complaint or anger in the message (words only: punctuation and emoji are no signal)."""
    return bool(_COMPLAINT.search(normalise(text)))


def decide(text: str, *, intent: str | None, names_something: bool, active_loop: str | None) -> str | None:
    """The action a message's words call for, or None to leave it to the other policies.

    Args:
        text: the message as typed.
        intent: the NLU's reading (request_human keeps its handoff).
        names_something: the message names a product, service or length (a request, not a complaint).
        active_loop: the form waiting for an answer, if any.
    """
    norm = normalise(text)
    reason = must_not_decide(norm)
    if reason is HandoffReason.SUSPECTED_FRAUD and active_loop != CALLBACK_FORM:
        return FRAUD_ACTION
    if active_loop:
        return None  # the forms' own rules answer a person or a question
    if reason is HandoffReason.DISPUTE:
        return HANDOFF_ACTION
    if disowns_closure(norm):
        return DISOWNED_ACTION
    if intent != "request_human" and not names_something and is_complaint(norm):
        return COMPLAINT_ACTION
    return None


def complaint_replies(text: str) -> list[Part]:
    """An acknowledgement, the collection rules when collection is the subject, the channels, a handoff offer."""
    parts: list[Part] = [Reply("utter_complaint_ack")]
    if _COLLECTION.search(normalise(text)):
        parts.append(FactUse("collection_rules"))
    parts.append(FactUse("complaint_channels"))
    parts.append(Reply("utter_complaint_offer_human", buttons=HUMAN_BUTTON))
    return parts


def complaint_before_handoff(text: str) -> list[Part]:
    """「我要投诉」 going to a human: the acknowledgement and the channels first (the handoff follows).

    「投诉渠道是什么」 only asks where: the channels, without an apology for a bad experience nobody mentioned.
    """
    if not mentions_complaint(text):
        return []
    ack: list[Part] = [] if _ASKS_WHERE.search(normalise(text)) else [Reply("utter_complaint_ack")]
    return [*ack, FactUse("complaint_channels")]


def lines_to_pause(customer: CustomerSnapshot | None, *, today: date) -> list[AccountSnapshot]:
    """The customer's lines that can still be used today, and so could be misused: the ones worth pausing."""
    if customer is None:
        return []
    return [a for a in customer.accounts if a.effective_status(today) == "active"]


def pause_changes(lines: Sequence[AccountSnapshot]) -> list[dict[str, object]]:
    """The pauses the customer said yes to, as bot.changes applies them (confirm-only, like any pause)."""
    return [{"kind": "pause", "product": a.product.id, "days": FRAUD_PAUSE_DAYS} for a in lines]


def fraud_replies(lines: Sequence[AccountSnapshot], *, stopped_a_step: bool) -> list[Part]:
    """What to say on a theft signal: the step stopped (if one was open), safety advice, and the pause offer."""
    parts: list[Part] = [Reply("utter_step_stopped")] if stopped_a_step else []
    parts += [Reply("utter_fraud_ack"), Reply("utter_fraud_keep_codes"), FactUse("misuse_check_report")]
    if lines:
        names = join_cn(a.product.display_name for a in lines)
        offer = Reply(
            "utter_fraud_pause_offer",
            {"products": names, "days": str(FRAUD_PAUSE_DAYS)},
            buttons=(
                intent_button(Fragment("utter_fraud_button_pause"), "affirm"),
                intent_button(Fragment("utter_fraud_button_human"), "deny"),
            ),
        )
        parts.append(offer)
    return parts
