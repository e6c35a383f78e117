"""What to say about lowering a limit; the wording is in domain.yml."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from bot.core.accounts import AccountSnapshot
from bot.core.catalog import Catalog
from bot.core.change_offer import ChangeOffer
from bot.core.choice_replies import choice_notes, product_question, state
from bot.core.formatting import yuan
from bot.core.product_choice import ProductChoice
from bot.core.replies import Fragment, Part, Reply
from bot.limit import limit as lm


def limit_offer(choice: ProductChoice, catalog: Catalog, amount: Decimal | None, *, today: date) -> ChangeOffer:
    """The answer to 「额度调到一千」: ask what is missing, refuse with the reason, or ask to confirm."""
    replies: list[Part] = [*choice_notes(choice, catalog)]
    if choice.ask:
        return ChangeOffer([*replies, product_question("utter_ask_limit_product", "lower_limit", choice.options)])
    if len(choice.accounts) != 1:
        return ChangeOffer(replies)
    account = choice.accounts[0]
    check = lm.check_lower_limit(account, amount, today=today)
    replies.extend(limit_check_replies(account, check))
    if not isinstance(check, lm.LimitPlan):
        return ChangeOffer(replies)
    change = {"kind": "lower_limit", "product": account.product.id, "amount": str(check.new)}
    question = Fragment(
        "utter_change_question_limit", {"product_name": account.product.display_name, "new": yuan(check.new)}
    )
    return ChangeOffer(replies, change, question)


def limit_check_replies(account: AccountSnapshot, check: lm.LimitCheck) -> list[Part]:
    """Everything to say about one limit check; a wrong amount is followed by the question again."""
    name = account.product.display_name
    ask = Reply(
        "utter_ask_limit_amount",
        {"product_name": name, "limit": yuan(account.credit_limit), "used": yuan(account.used_amount)},
    )
    if isinstance(check, lm.LimitBlocked):
        return [Reply("utter_limit_blocked", {"product_name": name, "state": state(check.status)})]
    if isinstance(check, lm.NeedAmount):
        return [ask]
    if isinstance(check, lm.AmountNotPositive):
        return [Reply("utter_limit_not_positive"), ask]
    if isinstance(check, lm.NotLower):
        return [Reply("utter_limit_not_lower", {"amount": yuan(check.amount), "limit": yuan(check.credit_limit)}), ask]
    if isinstance(check, lm.BelowUsed):
        return [Reply("utter_limit_below_used", {"amount": yuan(check.amount), "used": yuan(check.used)}), ask]
    return [Reply("utter_limit_explain", {"product_name": name, "old": yuan(check.old), "new": yuan(check.new)})]


def limit_outcome_replies(outcome: object, product_id: str, catalog: Catalog, *, today: date) -> list[Part]:
    """What to say after a confirmed limit change (or its refusal on the re-check)."""
    product = catalog.product(product_id)
    name = product.display_name if product else product_id
    if isinstance(outcome, lm.LimitLowered):
        return [Reply("utter_limit_done", {"product_name": name, "new": yuan(outcome.new)})]
    return [Reply("utter_change_refused_now")]
