"""Short answers to push-back: the point disputed, the records as they stand now, and a person offered.

Never the earlier block again: a repeat gets one line per product, a 「我早就收到货了」
only the records it disputes (re-read from the database, so a change since is seen),
a 「你刚才说过了」 no records at all.
"""

from __future__ import annotations

from dataclasses import replace

from bot.closing import eligibility as el
from bot.conversation.answers import Facts, accounts_of, bill, blocker_lines, closing, progress, status_line
from bot.conversation.context import Question, Subject
from bot.conversation.push_back import Done, PushBack
from bot.core.accounts import AccountSnapshot
from bot.core.formatting import yuan
from bot.core.replies import HUMAN_BUTTON, Part, Reply

# The blockers each kind of 「已经办了」 disputes.
_DISPUTED: dict[Done, tuple[type, ...]] = {
    Done.RECEIVED: (el.OrderPending,),
    Done.REFUNDED: (el.OrderPending,),
    Done.REPAID: (el.UnpaidBill, el.UnbilledSpending, el.CurrentlyOverdue, el.InstalmentsRemaining),
}
_ORDER_KIND = {Done.RECEIVED: "order_unconfirmed", Done.REFUNDED: "refund_in_progress"}


def push_back_answer(kind: PushBack, done: Done | None, question: Question, facts: Facts) -> list[Part]:
    """What to say to a push-back on the answer about `question` (the conversation's last subject)."""
    human = Reply("utter_push_back_human", buttons=HUMAN_BUTTON)
    if kind is PushBack.SAID_BEFORE:
        return [Reply("utter_push_back_said_before", buttons=HUMAN_BUTTON)]
    if kind is PushBack.ALREADY_DONE and done is not None:
        return _records_disputed(done, question, facts)
    intro = "utter_push_back_same_again" if kind is PushBack.REPEAT else "utter_push_back_not_working"
    return [Reply(intro), *short_summary(question, facts), human]


def short_summary(question: Question, facts: Facts) -> list[Part]:
    """One line per product on the subject, where the full answer had a block."""
    if question.subject is Subject.REQUESTS:
        return progress(question, facts)
    parts: list[Part] = []
    for account in accounts_of(question.products, facts, parts):
        parts += _short_for(question.subject, account, facts)
    return parts


def _short_for(subject: Subject, account: AccountSnapshot, facts: Facts) -> list[Part]:
    if subject is Subject.BILL:
        return bill(account, facts.today)
    if subject not in (Subject.CLOSING, Subject.REPAY_THEN_CLOSE):
        return [status_line(account, facts.today)]
    check = el.check_closure(account, today=facts.today)
    name = account.product.display_name
    if check.eligible:
        return closing(account, facts.today)  # with the button that starts it: asked again, maybe to do it
    if isinstance(check.blockers[0], el.AlreadyClosed):
        return [status_line(account, facts.today)]
    owed = yuan(check.amount_owed) if check.amount_owed > 0 else ""
    response = "utter_short_blocked_owed" if owed else "utter_short_blocked"
    return [Reply(response, {"product_name": name, "count": str(len(check.blockers)), "amount": owed})]


def _records_disputed(done: Done, question: Question, facts: Facts) -> list[Part]:
    """The records the user disputes, as they stand now; if they are gone, say so and what follows."""
    parts: list[Part] = []
    shown: list[Part] = []
    for account in accounts_of(question.products, facts, parts):
        check = el.check_closure(account, today=facts.today)
        disputed = tuple(b for b in check.blockers if _disputed_by(done, b))
        if disputed:
            shown += blocker_lines(account, replace(check, blockers=disputed), facts.today)
    if not shown:
        cleared = [p for a in accounts_of(question.products, facts, []) for p in closing(a, facts.today)]
        return [Reply("utter_push_back_records_clear"), *cleared]
    return [
        *parts,
        Reply("utter_push_back_records_say"),
        *shown,
        Reply(f"utter_push_back_done_{done.value}", buttons=HUMAN_BUTTON),
    ]


def _disputed_by(done: Done, blocker: el.Blocker) -> bool:
    if not isinstance(blocker, _DISPUTED[done]):
        return False
    return not isinstance(blocker, el.OrderPending) or blocker.kind == _ORDER_KIND[done]
