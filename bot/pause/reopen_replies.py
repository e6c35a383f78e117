"""What to say about resuming a paused line and reopening a closed one; the wording is in domain.yml."""

from __future__ import annotations

from datetime import date

from bot.core.accounts import AccountSnapshot, CustomerSnapshot
from bot.core.catalog import Catalog
from bot.core.change_offer import ChangeOffer
from bot.core.choice_replies import choice_notes, product_question, reason
from bot.core.formatting import cn_date, join_cn, local_date
from bot.core.product_choice import ProductChoice
from bot.core.replies import HUMAN_BUTTON, FactUse, Fragment, Param, Part, Reply
from bot.pause import reopen as ro


def reopen_offer(customer: CustomerSnapshot, choice: ProductChoice, catalog: Catalog, *, today: date) -> ChangeOffer:
    """The answer to 「恢复使用」「关了还能再开吗」 for the product asked about (or the one not in use)."""
    replies: list[Part] = [*choice_notes(choice, catalog)]
    accounts = choice.accounts
    if choice.ask:
        not_in_use = tuple(a for a in customer.accounts if a.effective_status(today) != "active")
        if not not_in_use:
            names = join_cn((a.product.display_name for a in customer.accounts), and_last=False)
            return ChangeOffer([*replies, Reply("utter_reopen_all_active", {"products": names})])
        if len(not_in_use) > 1:
            return ChangeOffer([*replies, product_question("utter_ask_reopen_product", "reopen_account", not_in_use)])
        accounts = not_in_use
    if len(accounts) != 1:
        return ChangeOffer(replies)
    account = accounts[0]
    check = ro.check_reopen(account, today=today)
    replies.extend(reopen_check_replies(account, check, today=today))
    name = account.product.display_name
    if isinstance(check, ro.ResumeNow):
        return ChangeOffer(
            replies,
            {"kind": "reopen", "product": account.product.id},
            Fragment("utter_change_question_resume", {"product_name": name}),
        )
    if isinstance(check, ro.CanApply):
        return ChangeOffer(
            replies,
            {"kind": "reopen", "product": account.product.id},
            Fragment("utter_change_question_reopen", {"product_name": name}),
        )
    return ChangeOffer(replies)


def reopen_check_replies(account: AccountSnapshot, check: ro.ReopenCheck, *, today: date) -> list[Part]:
    """Everything to say about one resume/reopen check."""
    name = account.product.display_name
    if isinstance(check, ro.ResumeNow):
        until: Param = cn_date(check.until, today=today) if check.until else Fragment("utter_date_unknown")
        return [Reply("utter_resume_explain", {"product_name": name, "until": until})]
    if isinstance(check, ro.PauseEnded):
        return [Reply("utter_resume_pause_ended", {"product_name": name, "until": cn_date(check.until, today=today)})]
    if isinstance(check, ro.AlreadyActive):
        return [Reply("utter_reopen_already_active", {"product_name": name})]
    if isinstance(check, ro.CoolingDown):
        return [
            Reply(
                "utter_reopen_cooling_down",
                {
                    "product_name": name,
                    "closed_on": cn_date(check.closed_on, today=today),
                    "cooldown_days": str(account.product.reopen_cooldown_days),
                    "allowed_from": cn_date(check.allowed_from, today=today),
                    "days_left": str(check.days_left),
                },
            )
        ]
    if isinstance(check, ro.CanApply):
        return _can_apply(account, check, today)
    if isinstance(check, ro.ReopenPending):
        submitted = cn_date(local_date(check.submitted_at), today=today)
        return [Reply("utter_reopen_pending", {"product_name": name, "submitted": submitted})]
    if isinstance(check, ro.ClosurePending):
        return [Reply("utter_reopen_closure_pending", {"product_name": name})]
    return [
        Reply("utter_reopen_frozen", {"product_name": name, "reason": reason(check.reason_code)}),
        FactUse("debt_still_due"),
        FactUse("right_to_explanation"),
        Reply("utter_offer_human", buttons=HUMAN_BUTTON),
    ]


def _can_apply(account: AccountSnapshot, check: ro.CanApply, today: date) -> list[Part]:
    closed_on: Param = cn_date(check.closed_on, today=today) if check.closed_on else Fragment("utter_date_unknown")
    params: dict[str, Param] = {"product_name": account.product.display_name, "closed_on": closed_on}
    response = "utter_reopen_can_apply_review" if check.requires_review else "utter_reopen_can_apply"
    return [Reply(response, params), FactUse("applying_creates_inquiry")]


def reopen_outcome_replies(outcome: object, product_id: str, catalog: Catalog, *, today: date) -> list[Part]:
    """What to say after a confirmed resume or reopen request."""
    product = catalog.product(product_id)
    name = product.display_name if product else product_id
    if isinstance(outcome, ro.Resumed):
        return [Reply("utter_resume_done", {"product_name": name})]
    if isinstance(outcome, ro.ReopenSubmitted):
        if outcome.reopened:
            return [Reply("utter_reopen_done", {"product_name": name})]
        return [Reply("utter_reopen_submitted", {"product_name": name, "request_id": str(outcome.request_id)})]
    return [Reply("utter_change_refused_now")]
