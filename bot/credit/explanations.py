"""「关了借呗花呗还能用吗」「为什么突然给我关了」: general facts, then this customer's accounts."""

from __future__ import annotations

from datetime import date

from bot.closing import eligibility as el
from bot.core.accounts import AccountSnapshot, CustomerSnapshot
from bot.core.choice_replies import reason
from bot.core.formatting import cn_date, join_cn, local_date, yuan
from bot.core.replies import HUMAN_BUTTON, Fragment, Part, Reply
from bot.credit.impact import intent_answer


def closure_effects_answer(customer: CustomerSnapshot | None, product_ids: list[str], *, today: date) -> list[Part]:
    """What closing would do, then for each product asked about (or all): what is owed, what stops."""
    parts: list[Part] = list(intent_answer("ask_closure_effects"))
    if customer is None:
        return parts
    accounts = [a for a in customer.accounts if not product_ids or a.product.id in product_ids]
    for account in accounts:
        parts.extend(_effects_for(account, today))
    return parts


def _effects_for(account: AccountSnapshot, today: date) -> list[Part]:
    name = account.product.display_name
    if account.status == "closed":
        return []
    check = el.check_closure(account, today=today)
    parts: list[Part] = []
    if check.amount_owed > 0:
        parts.append(Reply("utter_effects_still_owed", {"product_name": name, "amount": yuan(check.amount_owed)}))
    refunds = [b for b in check.blockers if isinstance(b, el.OrderPending)]
    if refunds:
        parts.append(Reply("utter_effects_pending_orders", {"product_name": name, "count": str(len(refunds))}))
    if check.affected_services:
        parts.append(
            Reply("utter_effects_services", {"product_name": name, "count": str(len(check.affected_services))})
        )
    if not parts:
        parts.append(Reply("utter_effects_nothing_owed", {"product_name": name}))
    return parts


def platform_closure_answer(customer: CustomerSnapshot | None, *, today: date) -> list[Part]:
    """Which of the customer's lines the platform stopped and why (by category), then their rights."""
    if customer is None:
        return list(intent_answer("ask_closed_by_platform"))
    parts: list[Part] = []
    frozen = [a for a in customer.accounts if a.status == "frozen_by_platform"]
    for account in frozen:
        said = reason(account.platform_reason_code)
        parts.append(Reply("utter_platform_frozen", {"product_name": account.product.display_name, "reason": said}))
    for account in customer.accounts:
        closure = _customers_closure(account)
        if closure is not None:
            submitted, closed_on = closure
            parts.append(
                Reply(
                    "utter_platform_closed_by_you",
                    {
                        "product_name": account.product.display_name,
                        "submitted": cn_date(submitted, today=today),
                        "closed_on": cn_date(closed_on, today=today) if closed_on else Fragment("utter_date_unknown"),
                    },
                )
            )
    if not frozen and not parts:
        names = join_cn(a.product.display_name for a in customer.accounts)
        parts.append(Reply("utter_platform_nothing_stopped", {"products": names}))
    parts.extend(intent_answer("ask_closed_by_platform"))
    if frozen:
        parts.append(Reply("utter_platform_human_can_check", buttons=HUMAN_BUTTON))
    return parts


def _customers_closure(account: AccountSnapshot) -> tuple[date, date | None] | None:
    """For a line closed at the customer's request: the day they asked (business timezone) and the day it closed.

    The request is dated by its submission, never by the closure that followed its review.
    """
    if account.status != "closed":
        return None
    approved = [r for r in account.requests if r.kind == "close" and r.status == "approved"]
    if not approved:
        return None
    latest = max(approved, key=lambda r: r.created_at)
    return local_date(latest.created_at), account.closed_on


def closures_on_record(customer: CustomerSnapshot | None) -> list[AccountSnapshot]:
    """Lines closed at this customer's request, or with a closure request still open.

    「我没关过」 about one of these disowns something done in the customer's name: a theft signal
    (bot/handoff/people.py). Lines the platform stopped are not on this list.
    """
    if customer is None:
        return []
    open_statuses = ("submitted", "under_review")
    return [
        a
        for a in customer.accounts
        if _customers_closure(a) is not None or any(r.kind == "close" and r.status in open_statuses for r in a.requests)
    ]
