"""Answers to follow-ups, from the customer's own data: the bill, progress, whether a line can be used.

Every answer here only says and offers: a change is one tap away (a button that
starts its journey, which confirms first), never started by a follow-up.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import date, timedelta

from bot.closing import eligibility as el
from bot.closing.replies import closure_replies
from bot.conversation.context import JOURNEY_REQUEST_KINDS, Ask, Question, Subject
from bot.core.accounts import AccountSnapshot, CustomerSnapshot, RequestInfo
from bot.core.catalog import Catalog
from bot.core.choice_replies import reason
from bot.core.formatting import cn_date, local_date, yuan
from bot.core.repayments import next_repayment
from bot.core.replies import HUMAN_BUTTON, HUMAN_OFFER, Fragment, Param, Part, Reply, intent_button
from bot.credit.explanations import closure_effects_answer, platform_closure_answer
from bot.credit.impact import credit_impact_answer
from bot.credit.topics import detect_topics

# Journeys a 「那借呗呢」 after them offers for the other product (a button; the journey confirms first).
_JOURNEY_BUTTONS = {
    Subject.PAUSE: ("pause_credit", "utter_follow_button_pause"),
    Subject.REOPEN: ("reopen_account", "utter_follow_button_reopen"),
    Subject.LIMIT: ("lower_limit", "utter_follow_button_limit"),
    Subject.UNBIND: ("unbind_service", "utter_follow_button_unbind"),
    Subject.CERTIFICATE: ("request_settlement_certificate", "utter_follow_button_certificate"),
    Subject.CLOSING: ("close_account", "utter_follow_button_close"),
}
# Blockers that repaying removes.
_MONEY = (el.UnpaidBill, el.UnbilledSpending, el.CurrentlyOverdue, el.InstalmentsRemaining)
WEEKEND = (5, 6)


@dataclass(frozen=True)
class Facts:
    """What the answers read: the customer's lines and requests, the catalog, the business date."""

    customer: CustomerSnapshot
    requests: tuple[RequestInfo, ...]
    catalog: Catalog
    today: date
    deletion_days: int  # working days a personal-data request takes (data/catalog/data_requests.yml)


def answer(questions: Sequence[Question], facts: Facts) -> list[Part]:
    """Every question answered, in the order asked."""
    parts: list[Part] = []
    for question in questions:
        parts += answer_one(question, facts)
    return parts


def answer_one(question: Question, facts: Facts) -> list[Part]:
    """One question, for each product it is about (the customer's lines when it names none)."""
    if question.subject is Subject.REQUESTS:
        return progress(question, facts)
    if question.subject is Subject.CREDIT:
        return _credit(question, facts)
    if question.subject is Subject.PLATFORM:
        return platform_closure_answer(facts.customer, today=facts.today)
    if question.subject is Subject.EFFECTS:
        return closure_effects_answer(facts.customer, list(question.products), today=facts.today)
    parts: list[Part] = []
    for account in accounts_of(question.products, facts, parts):
        parts += _for_account(question, account, facts)
    return parts


def accounts_of(products: Sequence[str], facts: Facts, notes: list[Part]) -> list[AccountSnapshot]:
    """The customer's lines on `products` (all of them when none is named); a line not held is noted."""
    if not products:
        return list(facts.customer.accounts)
    found = []
    for product in products:
        account = facts.customer.account(product)
        if account is None:
            info = facts.catalog.product(product)
            notes.append(Reply("utter_no_such_account", {"product_name": info.display_name if info else product}))
        else:
            found.append(account)
    return found


def _for_account(question: Question, account: AccountSnapshot, facts: Facts) -> list[Part]:
    today = facts.today
    if question.subject is Subject.BILL:
        return bill(account, today)
    if question.subject is Subject.USABLE:
        return usable(account, today)
    if question.subject is Subject.STATUS:
        return [status_line(account, today), *_open_request_lines(account.product.id, facts)]
    if question.subject is Subject.REPAY_THEN_CLOSE:
        return repay_then_close(account, today)
    if question.subject is Subject.CLOSING:
        return closing(account, today)
    return _offer_same(question.subject, account, today)


def bill(account: AccountSnapshot, today: date) -> list[Part]:
    """The next amount due and its date, overdue said as such, auto-repay noted."""
    name = account.product.display_name
    due = next_repayment(account)
    if due is None:
        return [Reply("utter_follow_bill_none", {"product_name": name})]
    params: dict[str, Param] = {
        "product_name": name,
        "amount": yuan(due.amount),
        "due_date": cn_date(due.due_date, today=today),
    }
    if due.due_date < today:
        return [Reply("utter_follow_bill_overdue", params)]
    auto = any(s.service_type == "auto_repay" for s in account.active_services)
    params["auto_repay"] = Fragment("utter_follow_bill_auto_repay") if auto else ""
    return [Reply("utter_follow_bill", params)]


def usable(account: AccountSnapshot, today: date) -> list[Part]:
    """Whether the line can be used now, and if not, until when or what would change it."""
    name = account.product.display_name
    state = account.effective_status(today)
    if state == "active":
        return [Reply("utter_follow_usable_active", {"product_name": name})]
    if state == "paused" and account.paused_until is not None:
        until = cn_date(account.paused_until, today=today)
        button = intent_button(
            Fragment("utter_follow_button_reopen", {"product_name": name}), "reopen_account", product=account.product.id
        )
        return [Reply("utter_follow_usable_paused", {"product_name": name, "until": until}, (button,))]
    if state == "frozen_by_platform":
        params: dict[str, Param] = {"product_name": name, "reason": reason(account.platform_reason_code)}
        return [Reply("utter_follow_usable_frozen", params, HUMAN_BUTTON)]
    if state == "closed":
        return [Reply("utter_follow_usable_closed", {"product_name": name, "closed_on": _closed_on(account, today)})]
    return [Reply("utter_follow_usable_pending_closure", {"product_name": name})]


def status_line(account: AccountSnapshot, today: date) -> Reply:
    """「您的借呗正在正常使用。」: the line's state as of today."""
    return Reply(
        "utter_follow_status", {"product_name": account.product.display_name, "state": state_of(account, today)}
    )


def state_of(account: AccountSnapshot, today: date) -> Fragment:
    """The state of a line as words, with its date where it has one."""
    state = account.effective_status(today)
    if state == "paused" and account.paused_until is not None:
        return Fragment("utter_follow_state_paused", {"until": cn_date(account.paused_until, today=today)})
    if state == "closed":
        return Fragment("utter_follow_state_closed", {"closed_on": _closed_on(account, today)})
    if state == "frozen_by_platform":
        return Fragment("utter_follow_state_frozen", {"reason": reason(account.platform_reason_code)})
    return Fragment(f"utter_state_{state}")


def _closed_on(account: AccountSnapshot, today: date) -> Param:
    return cn_date(account.closed_on, today=today) if account.closed_on else Fragment("utter_date_unknown")


def repay_then_close(account: AccountSnapshot, today: date) -> list[Part]:
    """「还上是不是就能关」: yes when only money stands in the way; otherwise what else does."""
    check = el.check_closure(account, today=today)
    name = account.product.display_name
    if check.eligible:
        return closing(account, today)
    if isinstance(check.blockers[0], el.AlreadyClosed):
        return closure_replies(account, check, today=today)
    others = tuple(b for b in check.blockers if not isinstance(b, _MONEY))
    owed = yuan(check.amount_owed)
    if not others:
        return [
            Reply("utter_follow_repay_then_close", {"product_name": name, "amount": owed}),
            *_instalments_wait(check),
        ]
    intro = "utter_follow_repay_not_enough" if check.amount_owed > 0 else "utter_follow_repay_not_money"
    lines = blocker_lines(account, replace(check, blockers=others), today)
    return [Reply(intro, {"product_name": name, "amount": owed}), *lines]


def _instalments_wait(check: el.ClosureCheck) -> list[Part]:
    fixed = [b for b in check.blockers if isinstance(b, el.InstalmentsRemaining) and not b.early_settlement_allowed]
    return [Reply("utter_follow_repay_instalments_wait", {"description": b.description}) for b in fixed]


def blocker_lines(account: AccountSnapshot, check: el.ClosureCheck, today: date) -> list[Part]:
    """Only the 「· …」 lines of a closure answer: no intro, no facts, no total."""
    return [
        p
        for p in closure_replies(account, check, today=today)
        if isinstance(p, Reply) and p.response.startswith("utter_closure_blocker_")
    ]


def closing(account: AccountSnapshot, today: date) -> list[Part]:
    """Whether the line can be closed, said without starting the closure (a button does that)."""
    check = el.check_closure(account, today=today)
    if not check.eligible:
        # the bot must not decide about a line the platform froze: a person is offered, as when closing
        frozen = [HUMAN_OFFER] if account.status == "frozen_by_platform" else []
        return [*closure_replies(account, check, today=today), *frozen]
    name = account.product.display_name
    return [Reply("utter_follow_can_close", {"product_name": name}, (journey_button(Subject.CLOSING, account),))]


def journey_button(subject: Subject, account: AccountSnapshot) -> tuple[Param, str]:
    """A button that starts `subject`'s journey for this line (the journey checks and confirms first)."""
    intent, title = _JOURNEY_BUTTONS[subject]
    return intent_button(
        Fragment(title, {"product_name": account.product.display_name}), intent, product=account.product.id
    )


# The states in which offering a journey makes sense (resuming an active line does not).
_OFFERED_IN = {
    Subject.PAUSE: ("active",),
    Subject.REOPEN: ("paused", "closed"),
    Subject.LIMIT: ("active", "paused"),
    Subject.UNBIND: ("active", "paused"),
    Subject.CERTIFICATE: ("active", "paused", "closed"),
}


def _offer_same(subject: Subject, account: AccountSnapshot, today: date) -> list[Part]:
    if account.effective_status(today) not in _OFFERED_IN.get(subject, ()):
        return [status_line(account, today)]
    offer = Reply(
        "utter_follow_offer_same", {"product_name": account.product.display_name}, (journey_button(subject, account),)
    )
    return [status_line(account, today), offer]


def _credit(question: Question, facts: Facts) -> list[Part]:
    if question.ask is Ask.SAME:
        # 「那借呗呢」 after a credit answer: the reviewed facts were not about one product; say so, not again
        names = [a.product.display_name for a in accounts_of(question.products, facts, [])]
        return [Reply("utter_follow_credit_same", {"product_name": "、".join(names)})]
    return credit_impact_answer(detect_topics(question.text), facts.customer, today=facts.today)


def progress(question: Question, facts: Facts) -> list[Part]:
    """Requests on the products asked about, open ones with the date a result is expected by."""
    mine = [
        r for r in facts.requests if not question.products or r.product_id in question.products or r.product_id is None
    ]
    still_open = [r for r in mine if r.is_open]
    if still_open:
        return [_progress_line(r, facts) for r in _journey_first(still_open, question.journey)]
    if not mine and question.products:
        names = "、".join(_names(question.products, facts))
        return [Reply("utter_follow_progress_none_for", {"product_name": names})]
    if not mine:
        return [Reply("utter_requests_none")]
    return [Reply("utter_follow_progress_none_open"), *(_done_line(r, facts) for r in mine[:3])]


def _open_request_lines(product: str, facts: Facts) -> list[Part]:
    return [_progress_line(r, facts) for r in facts.requests if r.is_open and r.product_id == product]


def _journey_first(requests: list[RequestInfo], journey: str | None) -> list[RequestInfo]:
    kind = JOURNEY_REQUEST_KINDS.get(journey or "")
    return [r for r in requests if r.kind == kind] or requests


def _progress_line(request: RequestInfo, facts: Facts) -> Reply:
    days = _handling_days(request, facts)
    params: dict[str, Param] = {
        "description": _description(request, facts),
        "status": Fragment(f"utter_status_{request.status}"),
    }
    if not days:
        return Reply("utter_follow_progress_open", params)
    submitted = local_date(request.created_at)
    expected = max(add_working_days(submitted, days), facts.today)
    params.update({"days": str(days), "expected": cn_date(expected, today=facts.today)})
    return Reply("utter_follow_progress_expected", params)


def _done_line(request: RequestInfo, facts: Facts) -> Reply:
    return Reply(
        "utter_request_line",
        {
            "product_name": _product_name(request, facts),
            "kind": Fragment(f"utter_request_kind_{request.kind}"),
            "submitted": cn_date(local_date(request.created_at), today=facts.today),
            "status": Fragment(f"utter_status_{request.status}"),
        },
    )


def _description(request: RequestInfo, facts: Facts) -> Fragment:
    return Fragment(
        "utter_request_description",
        {
            "product_name": _product_name(request, facts),
            "kind": Fragment(f"utter_request_kind_{request.kind}"),
            "submitted": cn_date(local_date(request.created_at), today=facts.today),
        },
    )


def _names(products: Sequence[str], facts: Facts) -> list[str]:
    infos = [facts.catalog.product(p) for p in products]
    return [info.display_name for info in infos if info is not None]


def _product_name(request: RequestInfo, facts: Facts) -> str:
    info = facts.catalog.product(request.product_id) if request.product_id else None
    return info.display_name if info else ""


def _handling_days(request: RequestInfo, facts: Facts) -> int:
    """Working days the operator commits to for this kind of request (0: no commitment to quote)."""
    if request.kind == "data_deletion":
        return facts.deletion_days
    info = facts.catalog.product(request.product_id) if request.product_id else None
    return info.closure_review_days if info is not None and request.kind == "close" else 0


def add_working_days(start: date, days: int) -> date:
    """`start` plus `days` Monday-to-Friday days; public holidays are not known here (the reply says so)."""
    day = start
    left = days
    while left > 0:
        day += timedelta(days=1)
        if day.weekday() not in WEEKEND:
            left -= 1
    return day
