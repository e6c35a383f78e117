"""What to tell a customer about their requests (「我的注销申请到哪一步了」)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from bot.core.accounts import RequestInfo
from bot.core.catalog import Catalog
from bot.core.formatting import cn_date, local_date
from bot.core.replies import Button, Fragment, Param, Reply, intent_button
from bot.service_requests.lifecycle import DEFAULT_REJECTION_REASON, REJECTION_REASONS
from bot.service_requests.withdrawal import Withdrawn

# What a withdrawal leaves behind differs by request kind (a withdrawn reopen request leaves
# the line closed); kinds not listed are never open long enough to withdraw.
_WITHDRAWN = {
    "close": "utter_withdraw_done_close",
    "reopen": "utter_withdraw_done_reopen",
    "data_deletion": "utter_withdraw_done_data_deletion",
}


def request_status_replies(requests: list[RequestInfo], catalog: Catalog, *, today: date) -> list[Reply]:
    """List each request with its product, kind, submission date and state, newest first.

    A rejected request is followed by why (its category) and what the customer can do.
    """
    if not requests:
        return [Reply("utter_requests_none")]
    replies = [Reply("utter_requests_intro")]
    for r in requests:
        replies.append(Reply("utter_request_line", _line_params(r, catalog, today)))
        if r.status == "rejected":
            reason = r.rejection_reason if r.rejection_reason in REJECTION_REASONS else DEFAULT_REJECTION_REASON
            replies.append(Reply(f"utter_rejection_reason_{reason}"))
    return replies


def nothing_pending_replies(
    requests: list[RequestInfo], catalog: Catalog, *, today: date, offered: bool = False
) -> list[Reply]:
    """「确认」「好的」 when no question waits for an answer: say so honestly, never a bare 「好的」.

    Nothing was changed by the yes; requests still being handled are listed (a yes does not speed them
    up), otherwise what the customer can ask for. `offered`: the previous answer had buttons, which a
    yes cannot choose between.
    """
    replies = [Reply("utter_nothing_to_confirm")]
    if offered:
        replies.append(Reply("utter_nothing_to_confirm_buttons"))
    still_open = [r for r in requests if r.is_open]
    if not still_open:
        return replies if offered else [*replies, Reply("utter_nothing_to_confirm_help")]
    replies.append(Reply("utter_nothing_to_confirm_open"))
    for r in still_open:
        replies.append(Reply("utter_request_line", _line_params(r, catalog, today)))
    return replies


def _line_params(r: RequestInfo, catalog: Catalog, today: date) -> dict[str, Param]:
    product = catalog.product(r.product_id) if r.product_id else None
    return {
        "product_name": product.display_name if product else "",
        "kind": Fragment(f"utter_request_kind_{r.kind}"),
        "submitted": cn_date(local_date(r.created_at), today=today),
        "status": Fragment(f"utter_status_{r.status}"),
    }


@dataclass(frozen=True)
class WithdrawalChoice:
    """Which open request the customer wants to withdraw, or what to ask or say instead."""

    replies: list[Reply]
    request_id: int | None = None
    description: Fragment | None = None  # "借呗注销申请（11月22日提交）", shown in the confirmation


def choose_withdrawal(
    requests: list[RequestInfo], product_ids: list[str], catalog: Catalog, *, today: date, kinds: tuple[str, ...] = ()
) -> WithdrawalChoice:
    """Pick the open request to withdraw (narrowed by the products or request kinds named), asking when ambiguous."""
    open_requests = [r for r in requests if r.is_open]
    if product_ids:
        open_requests = [r for r in open_requests if r.product_id in product_ids] or open_requests
    if kinds:
        open_requests = [r for r in open_requests if r.kind in kinds] or open_requests
    if not open_requests:
        return WithdrawalChoice([Reply("utter_withdraw_nothing")])
    if len(open_requests) == 1:
        only = open_requests[0]
        return WithdrawalChoice([], only.id, _describe(only, catalog, today))
    buttons = tuple(_pick_button(r, catalog, today) for r in open_requests)
    return WithdrawalChoice([Reply("utter_ask_withdraw_which", buttons=buttons)])


def _pick_button(request: RequestInfo, catalog: Catalog, today: date) -> Button:
    # A request about one line is picked by its product; one about the customer
    # (data deletion) by its kind (the request_kind entity only buttons send).
    title = _describe(request, catalog, today)
    if request.product_id:
        return intent_button(title, "cancel_request", product=request.product_id)
    return intent_button(title, "cancel_request", request_kind=request.kind)


def _describe(request: RequestInfo, catalog: Catalog, today: date) -> Fragment:
    product = catalog.product(request.product_id) if request.product_id else None
    return Fragment(
        "utter_request_description",
        {
            "product_name": product.display_name if product else "",
            "kind": Fragment(f"utter_request_kind_{request.kind}"),
            "submitted": cn_date(local_date(request.created_at), today=today),
        },
    )


def withdrawal_done(withdrawn: Withdrawn, description: str, catalog: Catalog, *, today: date) -> Reply:
    """One message per request kind and the state the line is left in."""
    product = catalog.product(withdrawn.product_id) if withdrawn.product_id else None
    params: dict[str, Param] = {
        "withdraw_description": description,
        "product_name": product.display_name if product else "",
    }
    if withdrawn.kind == "close":
        params["state"] = _state_after(withdrawn, today)
    return Reply(_WITHDRAWN.get(withdrawn.kind, "utter_withdraw_done"), params)


def _state_after(withdrawn: Withdrawn, today: date) -> Fragment:
    if withdrawn.account_status == "paused" and withdrawn.paused_until is not None:
        return Fragment("utter_withdraw_state_paused", {"until": cn_date(withdrawn.paused_until, today=today)})
    if withdrawn.account_status == "active":
        return Fragment("utter_withdraw_state_active")
    return Fragment(f"utter_state_{withdrawn.account_status or 'active'}")
