"""What to tell a customer about a closure check: replies built from blockers."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from bot.closing import eligibility as el
from bot.closing.submission import ClosureOutcome, ClosureRefused
from bot.core.accounts import AccountSnapshot, CustomerSnapshot
from bot.core.catalog import Catalog
from bot.core.choice_replies import choice_notes, product_question, reason
from bot.core.formatting import cn_date, join_cn, local_date, with_note, yuan
from bot.core.product_choice import ProductChoice
from bot.core.replies import HUMAN_OFFER, FactUse, Fragment, Param, Part, Reply, intent_button

# Response names per blocker type; the wording is in domain.yml.
_REQUEST_STATUS = {"submitted": "utter_status_submitted", "under_review": "utter_status_under_review"}


@dataclass(frozen=True)
class ClosureAnswer:
    """What to say, and which products the customer may go on to close."""

    replies: list[Part]
    eligible: tuple[AccountSnapshot, ...]


def closure_answer(
    choice: ProductChoice, customer: CustomerSnapshot, catalog: Catalog, *, today: date, offer_alternatives: bool
) -> ClosureAnswer:
    """The whole answer to "can I close ...?" for the products the customer asked about.

    Args:
        choice: which accounts the question is about (see bot.core.product_choice).
        customer: the customer's snapshot (for the other product's status).
        catalog: product and service names.
        today: the business date.
        offer_alternatives: mention pausing / lowering the limit (offered once per conversation).
    """
    replies: list[Part] = [*choice_notes(choice, catalog, no_account="utter_no_account_for_product")]
    if choice.ask:
        replies.append(product_question("utter_ask_closure_product", "close_account", choice.options, offer_all=True))
    service_names = {s.id: s.display_name for s in catalog.services}
    eligible: list[AccountSnapshot] = []
    for account in choice.accounts:
        check = el.check_closure(account, today=today)
        replies.extend(closure_replies(account, check, today=today))
        if check.eligible:
            eligible.append(account)
            replies.extend(_consequences(account, customer, closing=choice.accounts))
            replies.extend(_affected_services(check, service_names))
            replies.append(_reopen_rule(account))
    if eligible and offer_alternatives:
        replies.append(_alternatives(eligible))
    if any(a.status == "frozen_by_platform" for a in choice.accounts):
        replies.append(HUMAN_OFFER)  # the bot must not decide about a line the platform froze
    return ClosureAnswer(replies, tuple(eligible))


def _alternatives(eligible: list[AccountSnapshot]) -> Reply:
    """Pausing or lowering the limit instead; the buttons start those journeys for the same product."""
    entities = {"product": eligible[0].product.id} if len(eligible) == 1 else {}
    return Reply(
        "utter_closure_alternatives",
        buttons=(
            intent_button(Fragment("utter_button_pause_instead"), "pause_credit", **entities),
            intent_button(Fragment("utter_button_lower_limit_instead"), "lower_limit", **entities),
        ),
    )


def _consequences(
    account: AccountSnapshot, customer: CustomerSnapshot, closing: tuple[AccountSnapshot, ...]
) -> list[Part]:
    name = account.product.display_name
    replies: list[Part] = [
        Reply("utter_closure_consequences", {"product_name": name, "limit": yuan(account.credit_limit)}),
        FactUse("history_kept"),
        FactUse("closing_not_negative"),
    ]
    closing_ids = {a.product.id for a in closing}
    for other in customer.accounts:
        if other.product.id not in closing_ids and other.status in ("active", "paused"):
            replies.append(
                Reply("utter_closure_other_product_unaffected", {"other_product": other.product.display_name})
            )
    return replies


def _reopen_rule(account: AccountSnapshot) -> Reply:
    return Reply(
        "utter_closure_reopen_rule",
        {"product_name": account.product.display_name, "cooldown_days": str(account.product.reopen_cooldown_days)},
    )


def closure_replies(account: AccountSnapshot, check: el.ClosureCheck, *, today: date) -> list[Part]:
    """Everything to say about one account's closure check, in order.

    Args:
        account: the account checked.
        check: the result of `bot.closing.eligibility.check_closure`.
        today: the business date (dates this year are written without the year).
    """
    name = account.product.display_name
    if check.eligible:
        return [Reply("utter_closure_eligible", {"product_name": name})]
    first = check.blockers[0]
    if isinstance(first, el.AlreadyClosed):
        closed_on: Param = cn_date(first.closed_on, today=today) if first.closed_on else Fragment("utter_date_unknown")
        return [Reply("utter_closure_already_closed", {"product_name": name, "closed_on": closed_on})]
    replies: list[Part] = [Reply("utter_closure_blocked_intro", {"product_name": name})]
    replies += [_blocker_reply(b, today) for b in check.blockers]
    if any(isinstance(b, el.CurrentlyOverdue) for b in check.blockers):
        replies.append(FactUse("negative_five_years"))
    if check.amount_owed > 0:
        replies.append(Reply("utter_closure_blocked_total", {"amount": yuan(check.amount_owed)}))
    return replies


def _blocker_reply(blocker: el.Blocker, today: date) -> Reply:
    if isinstance(blocker, el.UnpaidBill):
        return Reply(
            "utter_closure_blocker_unpaid_bill",
            {"amount": yuan(blocker.amount), "due_date": cn_date(blocker.due_date, today=today)},
        )
    if isinstance(blocker, el.UnbilledSpending):
        return Reply("utter_closure_blocker_unbilled", {"amount": yuan(blocker.amount)})
    if isinstance(blocker, el.CurrentlyOverdue):
        return Reply(
            "utter_closure_blocker_overdue",
            {"since": cn_date(blocker.since, today=today), "amount": yuan(blocker.amount)},
        )
    if isinstance(blocker, el.InstalmentsRemaining):
        early = (
            "utter_closure_early_settlement_possible"
            if blocker.early_settlement_allowed
            else "utter_closure_early_settlement_impossible"
        )
        return Reply(
            "utter_closure_blocker_instalments",
            {
                "description": blocker.description,
                "terms": str(blocker.remaining_terms),
                "amount": yuan(blocker.remaining_amount),
                "early_settlement": Fragment(early),
            },
        )
    if isinstance(blocker, el.OrderPending):
        return _order_reply(blocker, today)
    if isinstance(blocker, el.FrozenByPlatform):
        return Reply("utter_closure_blocker_frozen", {"reason": reason(blocker.reason_code)})
    if isinstance(blocker, el.RequestPending):
        return Reply(
            "utter_closure_blocker_pending_request",
            {
                "submitted": _when(blocker.submitted_at, today),
                "status": Fragment(_REQUEST_STATUS.get(blocker.status, "utter_status_under_review")),
            },
        )
    raise TypeError(f"no reply for blocker {blocker!r}")  # a new blocker type needs a reply


def _order_reply(order: el.OrderPending, today: date) -> Reply:
    expected: str | Fragment = ""
    if order.expected_settle_on is not None:
        expected = Fragment("utter_closure_expected_by", {"date": cn_date(order.expected_settle_on, today=today)})
    response = "utter_closure_blocker_refund" if order.kind == "refund_in_progress" else "utter_closure_blocker_order"
    return Reply(response, {"merchant": order.merchant, "amount": yuan(order.amount), "expected": expected})


def _when(moment: datetime | None, today: date) -> str | Fragment:
    return cn_date(local_date(moment), today=today) if moment is not None else Fragment("utter_date_unknown")


def _affected_services(check: el.ClosureCheck, service_names: dict[str, str]) -> list[Reply]:
    if not check.affected_services:
        return []
    names = [service_names.get(s.service_type, s.service_type) for s in check.affected_services]
    labelled = [with_note(n, s.merchant or s.detail) for n, s in zip(names, check.affected_services, strict=False)]
    return [Reply("utter_closure_affected_services", {"services": join_cn(dict.fromkeys(labelled), and_last=False)})]


def submission_replies(outcomes: list[ClosureOutcome], catalog: Catalog, *, today: date) -> list[Part]:
    """What to tell the customer after their confirmed closure was submitted."""
    replies: list[Part] = []
    for outcome in outcomes:
        product = catalog.product(outcome.product_id)
        name = product.display_name if product else outcome.product_id
        if isinstance(outcome, ClosureRefused):
            replies.append(Reply("utter_closure_refused_now", {"product_name": name}))
            replies.extend(_blocker_reply(b, today) for b in outcome.check.blockers)
        elif outcome.status == "approved":
            note: Param = (
                Fragment("utter_closure_done_services", {"count": str(outcome.services_stopped)})
                if outcome.services_stopped
                else ""
            )
            replies.append(Reply("utter_closure_done", {"product_name": name, "services_note": note}))
        else:
            replies.append(
                Reply(
                    "utter_closure_under_review",
                    {
                        "product_name": name,
                        "request_id": str(outcome.request_id),
                        "review_days": str(outcome.review_days),
                    },
                )
            )
    return replies
