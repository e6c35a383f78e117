"""「请删除我的资料」「注销后我的信息会删除吗」: what can be deleted, and the deletion request.

Explaining is not requesting: the answer states the reviewed facts (what the
law keeps: anti-money-laundering records, credit-report data), then what a
request would cover for *this* customer, and only offers a request. A request
is created only after the customer confirms (data_deletion_form) and enters a
one-time code bound to what the request would delete (`deletion_fingerprint`):
`submit_verified_data_deletion` consumes that verification from the database in
the same transaction, then files a `data_deletion` request in the usual life
cycle (bot/service_requests/lifecycle.py), audited.

Scope: while a line is still open, what serves it (identity, bills,
repayments) is needed for the contract, so the request covers what is not;
once every line is closed, everything except what the law requires to keep.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import TYPE_CHECKING

from sqlalchemy.orm import Session

from bot.core.accounts import CustomerSnapshot, RequestInfo
from bot.core.catalog import DataRequestPolicy
from bot.core.formatting import cn_date, join_cn, local_date
from bot.core.replies import Fragment, Part, Reply
from bot.credit.impact import intent_answer
from bot.db import queries
from bot.security.verification import Purpose, consume_verification, fingerprint

if TYPE_CHECKING:
    from bot.db.models import ServiceRequest

KIND = "data_deletion"
SCOPE_ALL = "all_but_retained"  # every line closed
SCOPE_UNUSED = "not_needed_for_open_lines"  # lines still open
# What is kept whatever the scope: fact ids in bot/credit/credit.yml.
RETAINED_BY_LAW = ("aml_retention", "credit_data_separate")
APPROVED = "approved"
CONVERSATION_ERASED = "conversation_erased"


@dataclass(frozen=True)
class DeletionAnswer:
    """What to say, and whether to offer a deletion request afterwards."""

    parts: list[Part]
    offer: bool


@dataclass(frozen=True)
class DeletionSubmitted:
    """A deletion request was created."""

    request_id: int
    scope: str
    handling_working_days: int


@dataclass(frozen=True)
class DeletionAlreadyOpen:
    """The customer already has a deletion request awaiting handling."""

    request: RequestInfo


@dataclass(frozen=True)
class DeletionNotVerified:
    """Nothing was submitted: no fresh, unused verification of this request exists for the customer."""


DeletionOutcome = DeletionSubmitted | DeletionAlreadyOpen | DeletionNotVerified


def open_lines(customer: CustomerSnapshot) -> tuple[str, ...]:
    """Names of the customer's lines that are not closed (their data still serves them)."""
    return tuple(a.product.display_name for a in customer.accounts if a.status != "closed")


def deletion_scope(customer: CustomerSnapshot) -> str:
    """What a request can delete now for this customer."""
    return SCOPE_UNUSED if open_lines(customer) else SCOPE_ALL


def deletion_fingerprint(customer: CustomerSnapshot) -> str:
    """What a deletion code is bound to: the scope the request would have, and the lines still open.

    If a line is closed or reopened between the code and the request, the code no longer fits.
    """
    open_products = sorted(a.product.id for a in customer.accounts if a.status != "closed")
    return fingerprint(Purpose.DATA_DELETION, {"scope": deletion_scope(customer), "open_products": open_products})


def pending_deletion(requests: list[RequestInfo]) -> RequestInfo | None:
    """The customer's open deletion request, if any."""
    return next((r for r in requests if r.kind == KIND and r.is_open), None)


def deletion_answer(
    customer: CustomerSnapshot | None, requests: list[RequestInfo], policy: DataRequestPolicy, *, today: date
) -> DeletionAnswer:
    """The reviewed facts, then what a request would cover for this customer, then the offer."""
    parts: list[Part] = list(intent_answer("ask_data_deletion"))
    if customer is None:
        return DeletionAnswer(parts, offer=False)
    pending = pending_deletion(requests)
    if pending is not None:
        parts.append(
            Reply(
                "utter_deletion_pending",
                {
                    "submitted": cn_date(local_date(pending.created_at), today=today),
                    "status": Fragment(f"utter_status_{pending.status}"),
                },
            )
        )
        return DeletionAnswer(parts, offer=False)
    lines = open_lines(customer)
    if lines:
        parts.append(Reply("utter_deletion_scope_open_lines", {"products": join_cn(lines)}))
    else:
        parts.append(Reply("utter_deletion_scope_all_closed"))
    parts.append(Reply("utter_deletion_offer", {"handling_days": str(policy.handling_working_days)}))
    return DeletionAnswer(parts, offer=True)


def submit_data_deletion(
    session: Session, *, customer_id: str, channel: str, policy: DataRequestPolicy
) -> DeletionSubmitted | DeletionAlreadyOpen | None:
    """Create the deletion request (re-checked inside the transaction); None for an unknown customer.

    Conversations go through `submit_verified_data_deletion`; this is the step after the code.
    """
    customer = queries.load_customer(session, customer_id)
    if customer is None:
        return None
    pending = pending_deletion(queries.load_requests(session, customer_id))
    if pending is not None:
        return DeletionAlreadyOpen(pending)
    scope = deletion_scope(customer)
    request = queries.submit_request(
        session,
        customer_id=customer_id,
        account_id=None,
        kind=KIND,
        required_review_levels=policy.review_levels,
        details={
            "scope": scope,
            "open_products": [a.product.id for a in customer.accounts if a.status != "closed"],
            "retained_by_law": list(RETAINED_BY_LAW),
            "handling_working_days": policy.handling_working_days,
            "notify_by": policy.notify_by,
        },
        channel=channel,
    )
    return DeletionSubmitted(request.id, scope, policy.handling_working_days)


def submit_verified_data_deletion(
    session: Session, *, customer_id: str, channel: str, policy: DataRequestPolicy
) -> DeletionOutcome | None:
    """Consume the customer's verification of this deletion request, then submit it; None for an unknown customer.

    The fingerprint is computed from the account as it is now, inside the
    transaction: a code confirmed for another scope does not fit.
    """
    customer = queries.load_customer(session, customer_id)
    if customer is None:
        return None
    verified = consume_verification(
        session, customer_id=customer_id, purpose=Purpose.DATA_DELETION, change=deletion_fingerprint(customer)
    )
    if not verified:
        return DeletionNotVerified()
    return submit_data_deletion(session, customer_id=customer_id, channel=channel, policy=policy)


def submission_replies(outcome: DeletionOutcome | None, *, phone_tail: str, today: date) -> list[Reply]:
    """What to say once the customer confirmed (and entered the code)."""
    if outcome is None:
        return [Reply("utter_customer_not_found")]
    if isinstance(outcome, DeletionNotVerified):
        return [Reply("utter_deletion_not_submitted")]
    if isinstance(outcome, DeletionAlreadyOpen):
        return [
            Reply(
                "utter_deletion_pending",
                {
                    "submitted": cn_date(local_date(outcome.request.created_at), today=today),
                    "status": Fragment(f"utter_status_{outcome.request.status}"),
                },
            )
        ]
    scope = "utter_deletion_scope_note_all" if outcome.scope == SCOPE_ALL else "utter_deletion_scope_note_unused"
    notify: Fragment = (
        Fragment("utter_deletion_notify_phone", {"phone_tail": phone_tail})
        if phone_tail
        else Fragment("utter_deletion_notify_contact")
    )
    return [
        Reply(
            "utter_deletion_submitted",
            {
                "request_id": str(outcome.request_id),
                "handling_days": str(outcome.handling_working_days),
                "scope": Fragment(scope),
                "notify": notify,
            },
        )
    ]


def review_data_deletion(session: Session, *, request_id: int, approve: bool, operator: str) -> ServiceRequest | None:
    """An operator's decision on a deletion request (raises InvalidTransition if it is not pending).

    Approval records that the operator checked what the law requires to keep,
    and erases at once what the handoff desk holds about the customer: their
    tickets' summaries, left messages, callback numbers and notes
    (`queries.erase_ticket_data`; ticket rows and every audit row stay, see
    RETAINED_BY_LAW). The conversation itself is erased from the tracker store
    by `python -m channels.erasure`, which erases the conversations of approved
    deletion requests not yet erased (`conversations_to_erase`).
    """
    request = queries.get_request(session, request_id)
    if request is None or request.kind != KIND:
        return None
    actor = f"operator:{operator}"
    queries.decide_request(session, request=request, approve=approve, actor=actor, channel="cli")
    if request.status == APPROVED:
        queries.erase_ticket_data(session, customer_id=request.customer_id, actor=actor, channel="cli")
    return request


def conversations_to_erase(session: Session) -> list[str]:
    """Conversation ids (= customer ids) of approved deletion requests whose conversation is not erased yet."""
    return queries.approved_deletions_not_erased(session, kind=KIND)


def conversation_erased(session: Session, *, conversation_id: str, existed: bool) -> None:
    """Record (audited) that a customer's conversation was removed from the tracker store."""
    queries.append_audit(
        session,
        actor="system:erasure",
        action=CONVERSATION_ERASED,
        entity_type="conversation",
        entity_id=conversation_id,
        before=None,
        after={"existed": existed},
        channel="cli",
    )
