"""What to say about pausing; the wording is in domain.yml (resuming and reopening: bot.pause.reopen_replies)."""

from __future__ import annotations

from datetime import date

from bot.core.accounts import AccountSnapshot
from bot.core.catalog import Catalog
from bot.core.change_offer import ChangeOffer
from bot.core.choice_replies import choice_notes, product_question, state
from bot.core.formatting import cn_date, yuan
from bot.core.product_choice import ProductChoice
from bot.core.replies import FactUse, Fragment, Param, Part, Reply, intent_button
from bot.pause import pause as pz

# Lengths offered as buttons when asking how long to pause.
SUGGESTED_DAYS = ((30, "utter_button_one_month"), (90, "utter_button_three_months"), (180, "utter_button_half_year"))


def pause_offer(choice: ProductChoice, catalog: Catalog, days: int | None, *, today: date) -> ChangeOffer:
    """The answer to 「先暂停三个月」: ask what is missing, refuse with the reason, or explain and ask to confirm."""
    replies: list[Part] = [*choice_notes(choice, catalog)]
    extra = {"duration": days} if days is not None else {}
    if choice.ask:
        return ChangeOffer(
            [*replies, product_question("utter_ask_pause_product", "pause_credit", choice.options, extra=extra)]
        )
    if len(choice.accounts) != 1:
        return ChangeOffer(replies)  # nothing we hold was named; choice_notes said so
    account = choice.accounts[0]
    check = pz.check_pause(account, days, today=today)
    replies.extend(pause_check_replies(account, check, today=today))
    if not isinstance(check, pz.PausePlan):
        return ChangeOffer(replies)
    change = {"kind": "pause", "product": account.product.id, "days": check.days}
    question = Fragment(
        "utter_change_question_pause",
        {
            "product_name": account.product.display_name,
            "days": str(check.days),
            "until": cn_date(check.until, today=today),
        },
    )
    return ChangeOffer(replies, change, question)


def pause_check_replies(account: AccountSnapshot, check: pz.PauseCheck, *, today: date) -> list[Part]:
    """Everything to say about one pause check."""
    name = account.product.display_name
    if isinstance(check, pz.PauseNotOffered):
        return [Reply("utter_pause_not_offered", {"product_name": name})]
    if isinstance(check, pz.PauseBlocked):
        return [Reply("utter_pause_blocked", {"product_name": name, "state": state(check.status)})]
    if isinstance(check, pz.AlreadyPaused):
        until: Param = cn_date(check.until, today=today) if check.until else Fragment("utter_date_unknown")
        return [Reply("utter_pause_already", {"product_name": name, "until": until})]
    if isinstance(check, pz.NeedDuration):
        return [_ask_duration(account, check.min_days, check.max_days)]
    if isinstance(check, pz.DurationOutOfRange):
        bounds: dict[str, Param] = {
            "days": str(check.days),
            "min_days": str(check.min_days),
            "max_days": str(check.max_days),
        }
        return [Reply("utter_pause_out_of_range", bounds), _ask_duration(account, check.min_days, check.max_days)]
    return _plan_replies(account, check, today)


def _ask_duration(account: AccountSnapshot, min_days: int, max_days: int) -> Reply:
    buttons = tuple(
        intent_button(Fragment(title), "pause_credit", product=account.product.id, duration=days)
        for days, title in SUGGESTED_DAYS
        if min_days <= days <= max_days
    )
    params: dict[str, Param] = {
        "product_name": account.product.display_name,
        "min_days": str(min_days),
        "max_days": str(max_days),
    }
    return Reply("utter_ask_pause_duration", params, buttons)


def _plan_replies(account: AccountSnapshot, plan: pz.PausePlan, today: date) -> list[Part]:
    """The answer, then what matters for this customer in one message: two messages before the question."""
    name = account.product.display_name
    until = cn_date(plan.until, today=today)
    next_due: Param = ""
    if plan.next_due is not None:
        due: dict[str, Param] = {
            "due_date": cn_date(plan.next_due.due_date, today=today),
            "amount": yuan(plan.next_due.amount),
        }
        next_due = Fragment("utter_pause_next_due", due)
    matters: dict[str, Param] = {
        "not_negative": FactUse("pause_not_negative"),  # bills and instalments stay due, not a bad record
        "auto_repay": Fragment("utter_pause_auto_repay_continues") if plan.auto_repay_on else "",
        "next_due": next_due,
    }
    return [
        Reply("utter_pause_explain", {"product_name": name, "until": until, "limit": yuan(plan.credit_limit)}),
        Reply("utter_pause_what_matters", matters),
    ]


def pause_outcome_replies(outcome: object, product_id: str, catalog: Catalog, *, today: date) -> list[Part]:
    """What to say after a confirmed pause was applied (or refused on the re-check)."""
    product = catalog.product(product_id)
    name = product.display_name if product else product_id
    if isinstance(outcome, pz.PauseApplied):
        return [Reply("utter_pause_done", {"product_name": name, "until": cn_date(outcome.until, today=today)})]
    return [Reply("utter_change_refused_now")]
