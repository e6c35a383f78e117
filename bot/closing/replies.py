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
from bot.core.replies import HUMAN_OFFER, FactUse, Fragment, Param, Part, Reply, concat, intent_button

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

    An eligible closure is said in at most three messages before the form's
    confirmation question: the answer (what goes), the facts that matter for
    this customer in one message, and the alternatives (offered once).

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
    eligible: list[tuple[AccountSnapshot, el.ClosureCheck]] = []
    for account in choice.accounts:
        check = el.check_closure(account, today=today)
        if check.eligible:
            eligible.append((account, check))
        else:
            replies.extend(closure_replies(account, check, today=today))
    if eligible and len(eligible) < len(choice.accounts):
        # Some lines asked about cannot be closed now: what blocks them is the answer, and closing the
        # others is offered by a button (the one-line closure), never asked after that long list: at
        # most 4 messages before a confirmation (issue 13, Voice).
        replies.append(_offer_the_eligible([a for a, _ in eligible]))
        eligible = []
    elif eligible:
        replies.extend(_eligible_answer(eligible, customer, catalog))
        if offer_alternatives:
            replies.append(_alternatives([a for a, _ in eligible]))
    if any(a.status == "frozen_by_platform" for a in choice.accounts):
        replies.append(HUMAN_OFFER)  # the bot must not decide about a line the platform froze
    return ClosureAnswer(replies, tuple(a for a, _ in eligible))


def _eligible_answer(
    eligible: list[tuple[AccountSnapshot, el.ClosureCheck]], customer: CustomerSnapshot, catalog: Catalog
) -> list[Part]:
    """Two messages: the answer and what goes, then the facts that matter for this customer."""
    accounts = [a for a, _ in eligible]
    names = join_cn(a.product.display_name for a in accounts)
    if len(accounts) == 1:
        limits = yuan(accounts[0].credit_limit)
    else:
        limits = join_cn((f"{a.product.display_name} {yuan(a.credit_limit)}" for a in accounts), and_last=False)
    closing_ids = {a.product.id for a in accounts}
    others = [o for o in customer.accounts if o.product.id not in closing_ids and o.status in ("active", "paused")]
    other: Param = ""
    if others:
        other_names = join_cn(o.product.display_name for o in others)
        other = Fragment("utter_closure_other_product_unaffected", {"other_product": other_names})
    services: list[Param] = []
    for account, check in eligible:
        services.extend(_services_after_closing(account, check, catalog))
    return [
        Reply("utter_closure_eligible", {"product_name": names, "limit": limits}),
        Reply(
            "utter_closure_what_matters",
            {
                "history": FactUse("history_kept"),
                "not_negative": FactUse("closing_not_negative"),
                "other": other,
                "services": concat(services),
                "reopen": concat(_reopen_rules(accounts)),
            },
        ),
    ]


def _offer_the_eligible(accounts: list[AccountSnapshot]) -> Reply:
    """「借呗目前没有欠款…可以关闭」 with a button per line that closes it on its own."""
    names = join_cn(a.product.display_name for a in accounts)
    buttons = tuple(
        intent_button(
            Fragment("utter_follow_button_close", {"product_name": a.product.display_name}),
            "close_account",
            product=a.product.id,
        )
        for a in accounts
    )
    return Reply("utter_follow_can_close", {"product_name": names}, buttons)


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


def _reopen_rules(accounts: list[AccountSnapshot]) -> list[Param]:
    """The platform's reopening rule (this deployment's catalog rule), once per distinct cool-down."""
    by_days: dict[int, list[str]] = {}
    for account in accounts:
        by_days.setdefault(account.product.reopen_cooldown_days, []).append(account.product.display_name)
    return [
        Fragment("utter_closure_reopen_rule", {"product_name": join_cn(names), "cooldown_days": str(days)})
        for days, names in by_days.items()
    ]


def _services_after_closing(account: AccountSnapshot, check: el.ClosureCheck, catalog: Catalog) -> list[Param]:
    """What closing does to the line's bound services: the line's own end; the payment account's agreements stay."""
    ending: list[str] = []
    staying: list[str] = []
    for bound in check.affected_services:
        info = catalog.service(bound.service_type)
        label = with_note(info.display_name if info else bound.service_type, bound.merchant or bound.detail)
        (staying if info is not None and info.stays_after_closing else ending).append(label)
    params = {"product_name": account.product.display_name}
    parts: list[Param] = []
    if ending:
        services = join_cn(dict.fromkeys(ending), and_last=False)
        parts.append(Fragment("utter_closure_services_end", {**params, "services": services}))
    if staying:
        services = join_cn(dict.fromkeys(staying), and_last=False)
        parts.append(Fragment("utter_closure_agreements_stay", {**params, "services": services}))
    return parts


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
        replies.append(
            Reply("utter_overdue_help", {"help": FactUse("overdue_help"), "collection": FactUse("collection_rules")})
        )
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
            note = concat(_done_notes(outcome.service_types, name, catalog))
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


def _done_notes(service_types: tuple[str, ...], product_name: str, catalog: Catalog) -> list[Param]:
    """After closing: the line's own services ended; the payment account's agreements stay and where to cancel them."""
    infos = [catalog.service(t) for t in dict.fromkeys(service_types)]
    ending = [i.display_name for i in infos if i is not None and not i.stays_after_closing]
    staying = [i.display_name for i in infos if i is not None and i.stays_after_closing]
    notes: list[Param] = []
    if ending:
        notes.append(
            Fragment("utter_closure_done_services", {"product_name": product_name, "services": join_cn(ending)})
        )
    if staying:
        notes.append(Fragment("utter_closure_done_agreements", {"services": join_cn(staying)}))
    return notes


def reopen_later_replies(product_ids: list[str], catalog: Catalog) -> list[Part]:
    """「关了以后还能再开吗」 asked while a closure waits for its yes: the reopening rule for those products.

    The closure is not touched: the form asks its question again afterwards (issue 12.2).
    """
    by_days: dict[int, list[str]] = {}
    for product_id in product_ids:
        product = catalog.product(product_id)
        if product is not None:
            by_days.setdefault(product.reopen_cooldown_days, []).append(product.display_name)
    return [
        Reply("utter_closure_reopen_rule", {"product_name": join_cn(names), "cooldown_days": str(days)})
        for days, names in by_days.items()
    ]
