"""Queries and operations on the account database: the one queries module.

Every function takes an open `Session` (from `bot.db.session.session_scope`)
and never commits itself, so the caller's unit of work decides what is atomic.
Reads return frozen snapshots from `bot.core.accounts`; writes append audit rows.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import date, datetime, timedelta, timezone
from decimal import Decimal
from typing import Any

from sqlalchemy import and_, bindparam, delete, func, select, update
from sqlalchemy.engine import Row
from sqlalchemy.orm import Session, aliased
from sqlalchemy.sql import Select

from bot.certificates import eligibility as cert
from bot.core import accounts as snap
from bot.core.formatting import as_utc
from bot.db import models as m
from bot.handoff import tickets as ho
from bot.handoff.phones import mask_phone
from bot.service_requests.lifecycle import ReviewState, advance


def to_product_info(row: m.Product) -> snap.ProductInfo:
    """Convert a catalog row to its snapshot value."""
    return snap.ProductInfo(
        id=row.id,
        display_name=row.display_name,
        description=row.description,
        kind=row.kind,
        aliases=tuple(row.aliases or ()),
        reopen_cooldown_days=row.reopen_cooldown_days,
        reopen_requires_review=row.reopen_requires_review,
        closure_review_levels=row.closure_review_levels,
        closure_review_days=row.closure_review_days,
        pause_available=row.pause_available,
        pause_min_days=row.pause_min_days,
        pause_max_days=row.pause_max_days,
    )


def load_products(session: Session) -> list[snap.ProductInfo]:
    """All products in the catalog, in id order."""
    rows = session.execute(select(m.Product).order_by(m.Product.id)).scalars()
    return [to_product_info(r) for r in rows]


def load_customer(session: Session, customer_id: str) -> snap.CustomerSnapshot | None:
    """Load a customer with every account and what the rules need, or None if unknown.

    Reads rows of columns, not ORM objects: every action call loads its customer, and
    building and tracking an ORM object for each bill, order and plan cost several times the
    queries themselves (benchmarks/bench_closure.py). The statements name the models'
    attributes, so the session still flushes its pending changes before reading.
    """
    rows = session.execute(_ACCOUNTS, {"customer_id": customer_id}).all()
    if not rows:
        return None
    parts = {name: _by_account(session, part, customer_id) for name, part in _ACCOUNT_PARTS.items()}
    requests = _requests_by_account(session, customer_id)
    accounts = tuple(_account_snapshot(row, parts, requests) for row in rows if row.account_id is not None)
    return snap.CustomerSnapshot(rows[0].customer_id, rows[0].customer_name, accounts)


_CUSTOMER_ID = bindparam("customer_id")

# The customer, each account with its product (one row per account; one row of NULL
# accounts for a customer without any).
_ACCOUNTS = (
    select(
        m.Customer.id.label("customer_id"),
        m.Customer.name.label("customer_name"),
        m.CreditAccount.id.label("account_id"),
        m.CreditAccount.status,
        m.CreditAccount.credit_limit,
        m.CreditAccount.used_amount,
        m.CreditAccount.opened_on,
        m.CreditAccount.closed_on,
        m.CreditAccount.paused_until,
        m.CreditAccount.platform_reason_code,
        m.Product,
    )
    .select_from(m.Customer)
    .outerjoin(m.CreditAccount, m.CreditAccount.customer_id == m.Customer.id)
    .outerjoin(m.Product, m.Product.id == m.CreditAccount.product_id)
    .where(m.Customer.id == _CUSTOMER_ID)
    .order_by(m.CreditAccount.product_id)
)


def _of_customer(*columns: Any) -> Select:
    """`columns` of an account part's rows for every account of one customer, account first."""
    table = columns[0].class_
    return (
        select(table.account_id, *columns)
        .join(m.CreditAccount, m.CreditAccount.id == table.account_id)
        .where(m.CreditAccount.customer_id == _CUSTOMER_ID)
    )


# What an account snapshot holds besides its own row: the statement that reads it for one
# customer (in the order of the models' relationships) and how a row becomes a snapshot value.
_ACCOUNT_PARTS: dict[str, tuple[Select, Callable[[Row], Any]]] = {
    "bills": (
        _of_customer(
            m.Bill.period, m.Bill.amount, m.Bill.paid_amount, m.Bill.due_date, m.Bill.statement_issued
        ).order_by(m.Bill.account_id, m.Bill.due_date, m.Bill.id),
        lambda r: snap.BillInfo(r.period, Decimal(r.amount), Decimal(r.paid_amount), r.due_date, r.statement_issued),
    ),
    "instalments": (
        _of_customer(
            m.InstalmentPlan.description,
            m.InstalmentPlan.total_terms,
            m.InstalmentPlan.remaining_terms,
            m.InstalmentPlan.remaining_amount,
            m.InstalmentPlan.next_due_date,
            m.InstalmentPlan.early_settlement_allowed,
        ).order_by(m.InstalmentPlan.account_id, m.InstalmentPlan.id),
        lambda r: snap.Instalment(
            r.description,
            r.total_terms,
            r.remaining_terms,
            Decimal(r.remaining_amount),
            r.next_due_date,
            r.early_settlement_allowed,
        ),
    ),
    "orders": (
        _of_customer(
            m.PendingOrder.kind,
            m.PendingOrder.merchant,
            m.PendingOrder.amount,
            m.PendingOrder.status,
            m.PendingOrder.created_on,
            m.PendingOrder.expected_settle_on,
            m.PendingOrder.completed_on,
        ).order_by(m.PendingOrder.account_id, m.PendingOrder.id),
        lambda r: snap.PendingOrderInfo(
            r.kind, r.merchant, Decimal(r.amount), r.status, r.created_on, r.expected_settle_on, r.completed_on
        ),
    ),
    "overdues": (
        _of_customer(m.OverdueRecord.started_on, m.OverdueRecord.ended_on, m.OverdueRecord.amount).order_by(
            m.OverdueRecord.account_id, m.OverdueRecord.started_on, m.OverdueRecord.id
        ),
        lambda r: snap.OverdueEpisode(r.started_on, r.ended_on, Decimal(r.amount)),
    ),
    "services": (
        _of_customer(
            m.BoundService.id,
            m.BoundService.service_type,
            m.BoundService.status,
            m.BoundService.merchant,
            m.BoundService.detail,
            m.BoundService.unbound_on,
        ).order_by(m.BoundService.account_id, m.BoundService.id),
        lambda r: snap.LinkedService(r.id, r.service_type, r.status, r.merchant, r.detail, r.unbound_on),
    ),
}


def _by_account(
    session: Session, part: tuple[Select, Callable[[Row], Any]], customer_id: str
) -> dict[int, tuple[Any, ...]]:
    statement, value_of = part
    grouped: dict[int, list[Any]] = {}
    for row in session.execute(statement, {"customer_id": customer_id}):
        grouped.setdefault(row.account_id, []).append(value_of(row))
    return {account_id: tuple(values) for account_id, values in grouped.items()}


def _requests_by_account(session: Session, customer_id: str) -> dict[int, tuple[snap.RequestInfo, ...]]:
    grouped: dict[int, list[snap.RequestInfo]] = {}
    for request in load_requests(session, customer_id):
        if request.account_id is not None:
            grouped.setdefault(request.account_id, []).append(request)
    return {k: tuple(v) for k, v in grouped.items()}


_REQUESTS = (
    select(
        m.ServiceRequest.id,
        m.ServiceRequest.kind,
        m.ServiceRequest.status,
        m.ServiceRequest.created_at,
        m.ServiceRequest.account_id,
        m.CreditAccount.product_id,
        m.ServiceRequest.review_level,
        m.ServiceRequest.required_review_levels,
        m.ServiceRequest.details,
    )
    .outerjoin(m.CreditAccount, m.CreditAccount.id == m.ServiceRequest.account_id)
    .where(m.ServiceRequest.customer_id == _CUSTOMER_ID)
    .order_by(m.ServiceRequest.created_at.desc(), m.ServiceRequest.id.desc())
)


def load_requests(session: Session, customer_id: str) -> list[snap.RequestInfo]:
    """The customer's requests, newest first."""
    return [_request_info(r) for r in session.execute(_REQUESTS, {"customer_id": customer_id})]


def list_open_requests(session: Session) -> list[m.ServiceRequest]:
    """Requests of every customer still awaiting a decision, oldest first (operator view)."""
    stmt = (
        select(m.ServiceRequest)
        .where(m.ServiceRequest.status.in_(snap.OPEN_REQUEST_STATUSES))
        .order_by(m.ServiceRequest.created_at, m.ServiceRequest.id)
    )
    return list(session.execute(stmt).scalars())


def _request_info(row: Row) -> snap.RequestInfo:
    return snap.RequestInfo(
        id=row.id,
        kind=row.kind,
        status=row.status,
        created_at=row.created_at,
        account_id=row.account_id,
        product_id=row.product_id,
        review_level=row.review_level,
        required_review_levels=row.required_review_levels,
        rejection_reason=(row.details or {}).get("rejection_reason") if row.status == "rejected" else None,
    )


def _account_snapshot(
    row: Row, parts: dict[str, dict[int, tuple[Any, ...]]], requests: dict[int, tuple[snap.RequestInfo, ...]]
) -> snap.AccountSnapshot:
    return snap.AccountSnapshot(
        account_id=row.account_id,
        customer_id=row.customer_id,
        product=to_product_info(row.Product),
        status=row.status,
        credit_limit=Decimal(row.credit_limit),
        used_amount=Decimal(row.used_amount),
        opened_on=row.opened_on,
        closed_on=row.closed_on,
        paused_until=row.paused_until,
        platform_reason_code=row.platform_reason_code,
        requests=requests.get(row.account_id, ()),
        **{name: by_account.get(row.account_id, ()) for name, by_account in parts.items()},
    )


def append_audit(
    session: Session,
    *,
    actor: str,
    action: str,
    entity_type: str,
    entity_id: str | int,
    before: dict[str, Any] | None,
    after: dict[str, Any] | None,
    channel: str,
) -> m.AuditEntry:
    """Record a change. Audit rows are never updated or deleted (see models)."""
    entry = m.AuditEntry(
        actor=actor,
        action=action,
        entity_type=entity_type,
        entity_id=str(entity_id),
        before=before,
        after=after,
        channel=channel,
    )
    session.add(entry)
    return entry


def submit_request(
    session: Session,
    *,
    customer_id: str,
    account_id: int | None,
    kind: str,
    required_review_levels: int,
    details: dict[str, Any] | None = None,
    channel: str,
) -> m.ServiceRequest:
    """Create a request in `submitted` state and audit it."""
    request = m.ServiceRequest(
        customer_id=customer_id,
        account_id=account_id,
        kind=kind,
        status="submitted",
        required_review_levels=required_review_levels,
        details=details or {},
    )
    session.add(request)
    session.flush()
    append_audit(
        session,
        actor=f"customer:{customer_id}",
        action=f"request_{kind}_submitted",
        entity_type="request",
        entity_id=request.id,
        before=None,
        after=_request_state(request),
        channel=channel,
    )
    return request


def transition_request(
    session: Session,
    *,
    request_id: int,
    action: str,
    actor: str,
    channel: str,
    customer_id: str | None = None,
    note: str | None = None,
) -> m.ServiceRequest | None:
    """Move a request through its life cycle (see bot.service_requests.lifecycle) and audit the move.

    When `customer_id` is given, only that customer's request can be moved, so a
    conversation can never touch someone else's request. Returns None if not found.
    """
    request: m.ServiceRequest | None = session.get(m.ServiceRequest, request_id)
    if request is None or (customer_id is not None and request.customer_id != customer_id):
        return None
    before = _request_state(request)
    state = advance(ReviewState(request.status, request.review_level, request.required_review_levels), action)
    request.status = state.status
    request.review_level = state.review_level
    if note:
        request.decision_note = note
    if state.status in ("approved", "rejected", "withdrawn"):
        request.decided_at = datetime.now(timezone.utc)
    append_audit(
        session,
        actor=actor,
        action=f"request_{action}",
        entity_type="request",
        entity_id=request.id,
        before=before,
        after=_request_state(request),
        channel=channel,
    )
    return request


def record_done_request(
    session: Session,
    *,
    customer_id: str,
    account_id: int,
    kind: str,
    details: dict[str, Any],
    channel: str,
    actor: str,
) -> m.ServiceRequest:
    """A request the customer confirmed that takes effect at once (pause, resume, unbind).

    It still goes through the life cycle (submitted → under_review → approved,
    each step audited), so status questions and the audit log see it like any other.
    """
    request = submit_request(
        session,
        customer_id=customer_id,
        account_id=account_id,
        kind=kind,
        required_review_levels=1,
        details=details,
        channel=channel,
    )
    for action in ("start_review", "approve"):
        transition_request(session, request_id=request.id, action=action, actor=actor, channel=channel)
    return request


def _request_state(request: m.ServiceRequest) -> dict[str, Any]:
    return {"kind": request.kind, "status": request.status, "review_level": request.review_level}


def update_account(
    session: Session, *, account_id: int, actor: str, channel: str, action: str, **changes: Any
) -> m.CreditAccount:
    """Change fields of an account (status, closed_on, paused_until ...) and audit before/after."""
    account: m.CreditAccount | None = session.get(m.CreditAccount, account_id)
    if account is None:
        raise LookupError(f"account {account_id} does not exist")
    before = {k: _jsonable(getattr(account, k)) for k in changes}
    for key, value in changes.items():
        setattr(account, key, value)
    append_audit(
        session,
        actor=actor,
        action=action,
        entity_type="account",
        entity_id=account_id,
        before=before,
        after={k: _jsonable(v) for k, v in changes.items()},
        channel=channel,
    )
    return account


def unbind_services(
    session: Session, *, service_ids: list[int], on: date, actor: str, channel: str, account_id: int | None = None
) -> list[m.BoundService]:
    """Unbind the given active services (all in the caller's transaction) and audit each.

    When `account_id` is given, services of other accounts are ignored, so a
    conversation can only touch its own customer's bindings.
    """
    stmt = select(m.BoundService).where(m.BoundService.id.in_(service_ids), m.BoundService.status == "active")
    if account_id is not None:
        stmt = stmt.where(m.BoundService.account_id == account_id)
    changed = list(session.execute(stmt).scalars())
    for service in changed:
        service.status = "unbound"
        service.unbound_on = on
        append_audit(
            session,
            actor=actor,
            action="service_unbound",
            entity_type="bound_service",
            entity_id=service.id,
            before={"status": "active"},
            after={"status": "unbound", "unbound_on": on.isoformat()},
            channel=channel,
        )
    return changed


def get_request(session: Session, request_id: int) -> m.ServiceRequest | None:
    """One request by id (operator tools; conversations use the customer-scoped functions)."""
    request: m.ServiceRequest | None = session.get(m.ServiceRequest, request_id)
    return request


def decide_request(session: Session, *, request: m.ServiceRequest, approve: bool, actor: str, channel: str) -> None:
    """An operator's approval or rejection: review starts if it had not yet, then the decision (both audited).

    Raises InvalidTransition (bot.service_requests.lifecycle) when the request is already decided.
    """
    if request.status == "submitted":
        transition_request(session, request_id=request.id, action="start_review", actor=actor, channel=channel)
    action = "approve" if approve else "reject"
    transition_request(session, request_id=request.id, action=action, actor=actor, channel=channel)


def record_rejection_reason(session: Session, *, request: m.ServiceRequest, reason: str) -> None:
    """Keep the category of why a request was rejected with the request (said to the customer with its result)."""
    request.details = {**(request.details or {}), "rejection_reason": reason}
    session.flush()


def get_customer(session: Session, customer_id: str) -> m.Customer | None:
    """One customer row by id, or None."""
    customer: m.Customer | None = session.get(m.Customer, customer_id)
    return customer


def get_account(session: Session, account_id: int) -> m.CreditAccount | None:
    """One credit account row by id, or None."""
    account: m.CreditAccount | None = session.get(m.CreditAccount, account_id)
    return account


def active_service_ids(session: Session, account_id: int) -> list[int]:
    """Ids of the account's services that are still bound (empty for an unknown account)."""
    account = get_account(session, account_id)
    return [s.id for s in account.bound_services if s.status == "active"] if account is not None else []


def _jsonable(value: Any) -> Any:
    if isinstance(value, (date, datetime)):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    return value


# ── handoff tickets ──────────────────────────────────────────────


def customer_phone(session: Session, customer_id: str) -> str | None:
    """The phone number on file for a customer (callers mask it before showing it)."""
    customer = session.get(m.Customer, customer_id)
    return customer.phone if customer is not None else None


def open_ticket(
    session: Session,
    *,
    conversation_id: str,
    customer_id: str | None,
    kind: ho.TicketKind,
    reason: str,
    summary: dict[str, Any],
    channel: str,
    message: str | None = None,
    callback_phone: str | None = None,
) -> m.HandoffTicket:
    """Create a queued live ticket (or a message-left one) and audit it (phone masked)."""
    status = ho.TicketStatus.QUEUED if kind is ho.TicketKind.LIVE else ho.TicketStatus.MESSAGE_LEFT
    ticket = m.HandoffTicket(
        conversation_id=conversation_id,
        customer_id=customer_id if customer_id and session.get(m.Customer, customer_id) else None,
        kind=kind.value,
        status=status.value,
        reason=reason,
        summary=summary,
        message=message,
        callback_phone=callback_phone,
    )
    session.add(ticket)
    session.flush()
    append_audit(
        session,
        actor=f"customer:{customer_id}" if customer_id else f"conversation:{conversation_id}",
        action="ticket_created",
        entity_type="handoff_ticket",
        entity_id=ticket.id,
        before=None,
        after={**ticket_state(ticket), "reason": reason, "callback_phone": mask_phone(callback_phone) or None},
        channel=channel,
    )
    return ticket


def live_ticket_for(session: Session, conversation_id: str) -> m.HandoffTicket | None:
    """The conversation's live ticket still waiting or being handled, if any."""
    stmt = (
        select(m.HandoffTicket)
        .where(
            m.HandoffTicket.conversation_id == conversation_id,
            m.HandoffTicket.kind == ho.TicketKind.LIVE.value,
            m.HandoffTicket.status.in_([ho.TicketStatus.QUEUED.value, ho.TicketStatus.CLAIMED.value]),
        )
        .order_by(m.HandoffTicket.id.desc())
    )
    ticket: m.HandoffTicket | None = session.execute(stmt).scalars().first()
    return ticket


def tickets_ahead(session: Session, ticket: m.HandoffTicket) -> int:
    """Live tickets queued before this one and not yet claimed."""
    return tickets_ahead_of(session, [ticket.id]).get(ticket.id, 0)


def tickets_ahead_of(session: Session, ticket_ids: list[int]) -> dict[int, int]:
    """For each ticket id: the live tickets queued before it and not yet claimed (the one definition of "ahead")."""
    if not ticket_ids:
        return {}
    ahead = aliased(m.HandoffTicket)
    stmt = (
        select(m.HandoffTicket.id, func.count(ahead.id))
        .outerjoin(
            ahead,
            and_(
                ahead.kind == ho.TicketKind.LIVE.value,
                ahead.status == ho.TicketStatus.QUEUED.value,
                ahead.id < m.HandoffTicket.id,
            ),
        )
        .where(m.HandoffTicket.id.in_(ticket_ids))
        .group_by(m.HandoffTicket.id)
    )
    return {int(ticket_id): int(count) for ticket_id, count in session.execute(stmt)}


def waiting_tickets(session: Session) -> list[m.HandoffTicket]:
    """Live tickets waiting for an agent (queued, not yet claimed), oldest first."""
    stmt = (
        select(m.HandoffTicket)
        .where(
            m.HandoffTicket.kind == ho.TicketKind.LIVE.value,
            m.HandoffTicket.status == ho.TicketStatus.QUEUED.value,
        )
        .order_by(m.HandoffTicket.id)
    )
    return list(session.execute(stmt).scalars())


def list_tickets(session: Session, *, include_finished: int = 0) -> list[m.HandoffTicket]:
    """Open tickets oldest first, then up to `include_finished` most recently finished ones."""
    open_stmt = (
        select(m.HandoffTicket)
        .where(m.HandoffTicket.status.in_([s.value for s in ho.OPEN_STATUSES]))
        .order_by(m.HandoffTicket.id)
    )
    tickets = list(session.execute(open_stmt).scalars())
    if include_finished:
        done_stmt = (
            select(m.HandoffTicket)
            .where(m.HandoffTicket.status.in_([s.value for s in ho.FINAL_STATUSES]))
            .order_by(m.HandoffTicket.id.desc())
            .limit(include_finished)
        )
        tickets.extend(session.execute(done_stmt).scalars())
    return tickets


def get_ticket(session: Session, ticket_id: int, *, for_update: bool = False) -> m.HandoffTicket | None:
    """One ticket by id; `for_update` locks the row (PostgreSQL) so two agents cannot both claim it."""
    stmt = select(m.HandoffTicket).where(m.HandoffTicket.id == ticket_id)
    if for_update:
        stmt = stmt.with_for_update()
    ticket: m.HandoffTicket | None = session.execute(stmt).scalars().first()
    return ticket


def _state_of(ticket: m.HandoffTicket) -> ho.TicketState:
    return ho.TicketState(ho.TicketStatus(ticket.status), ho.TicketKind(ticket.kind), ticket.claimed_by)


def transition_ticket(session: Session, *, ticket_id: int, action: str, agent: str, channel: str) -> m.HandoffTicket:
    """Claim, hand back or close a ticket as `agent` and audit it.

    Raises:
        LookupError: no such ticket.
        bot.handoff.tickets.InvalidTicketTransition: the state machine refuses the action.
    """
    ticket = get_ticket(session, ticket_id, for_update=True)
    if ticket is None:
        raise LookupError(f"ticket {ticket_id} does not exist")
    before = ticket_state(ticket)
    state = ho.advance(_state_of(ticket), action, agent=agent)
    now = datetime.now(timezone.utc)
    ticket.status = state.status.value
    ticket.claimed_by = state.claimed_by
    if action == "claim":
        ticket.claimed_at = now
    if state.status in ho.FINAL_STATUSES:
        ticket.closed_at = now
    append_audit(
        session,
        actor=f"agent:{agent}",
        action=f"ticket_{action}",
        entity_type="handoff_ticket",
        entity_id=ticket.id,
        before=before,
        after=ticket_state(ticket),
        channel=channel,
    )
    return ticket


def add_ticket_note(session: Session, *, ticket_id: int, agent: str, text: str, channel: str) -> m.TicketNote:
    """Add an internal note (never shown to the customer) and audit that one was added."""
    ticket = get_ticket(session, ticket_id)
    if ticket is None:
        raise LookupError(f"ticket {ticket_id} does not exist")
    ho.ensure_can_write(_state_of(ticket), agent=agent, to_customer=False)
    note = m.TicketNote(ticket_id=ticket.id, author=agent, text=text)
    session.add(note)
    session.flush()
    append_audit(
        session,
        actor=f"agent:{agent}",
        action="ticket_note_added",
        entity_type="handoff_ticket",
        entity_id=ticket.id,
        before=None,
        after={"note_id": note.id, "chars": len(text)},
        channel=channel,
    )
    return note


def record_agent_reply(session: Session, *, ticket_id: int, agent: str, text: str, channel: str) -> m.HandoffTicket:
    """Check that `agent` may answer on this ticket and audit the reply (its text lives in the tracker)."""
    ticket = get_ticket(session, ticket_id)
    if ticket is None:
        raise LookupError(f"ticket {ticket_id} does not exist")
    ho.ensure_can_write(_state_of(ticket), agent=agent, to_customer=True)
    append_audit(
        session,
        actor=f"agent:{agent}",
        action="ticket_agent_replied",
        entity_type="handoff_ticket",
        entity_id=ticket.id,
        before=None,
        after={"chars": len(text)},
        channel=channel,
    )
    return ticket


ERASED_NOTE = "[已删除]"


def erase_ticket_data(session: Session, *, customer_id: str, actor: str, channel: str) -> list[int]:
    """A data-deletion request approved: erase what the customer's tickets hold about them; the ids erased.

    Summary, left message, callback number and note texts go; the rows (state,
    reason, times) and their audit rows stay. Tickets are found by customer and
    by conversation (in production the conversation id is the customer id).
    """
    rows = (
        session.execute(
            select(m.HandoffTicket)
            .where((m.HandoffTicket.customer_id == customer_id) | (m.HandoffTicket.conversation_id == customer_id))
            .order_by(m.HandoffTicket.id)
        )
        .scalars()
        .all()
    )
    erased: list[int] = []
    for ticket in rows:
        ticket.summary = {"erased": True}
        ticket.message = None
        ticket.callback_phone = None
        for note in ticket.notes:
            note.text = ERASED_NOTE
        append_audit(
            session,
            actor=actor,
            action="ticket_data_erased",
            entity_type="handoff_ticket",
            entity_id=ticket.id,
            before=None,
            after={"erased": ["summary", "message", "callback_phone", "notes"]},
            channel=channel,
        )
        erased.append(ticket.id)
    return erased


def approved_deletions_not_erased(session: Session, *, kind: str) -> list[str]:
    """Customer ids with an approved request of `kind` and no `conversation_erased` audit row since its approval."""
    approved = session.execute(
        select(m.ServiceRequest.customer_id, m.ServiceRequest.decided_at).where(
            m.ServiceRequest.kind == kind, m.ServiceRequest.status == "approved"
        )
    ).all()
    pending: list[str] = []
    for customer_id, decided_at in approved:
        erased = select(m.AuditEntry.id).where(
            m.AuditEntry.action == "conversation_erased",
            m.AuditEntry.entity_type == "conversation",
            m.AuditEntry.entity_id == customer_id,
        )
        if decided_at is not None:
            erased = erased.where(m.AuditEntry.at >= decided_at)
        done = session.execute(erased).first()
        if done is None and customer_id not in pending:
            pending.append(customer_id)
    return pending


# The console re-reads an open ticket on every poll: one audit row per agent and ticket in this window.
TICKET_READ_WINDOW = timedelta(minutes=10)


def record_ticket_read(session: Session, *, ticket: m.HandoffTicket, agent: str, channel: str) -> m.AuditEntry:
    """An agent opened a ticket's detail (summary, transcript, callback number): audited, nothing else changes.

    A read by the same agent within TICKET_READ_WINDOW of the last recorded one is that read's
    continuation (the console polling), not a new row.
    """
    recent = (
        session.execute(
            select(m.AuditEntry)
            .where(
                m.AuditEntry.action == "ticket_viewed",
                m.AuditEntry.actor == f"agent:{agent}",
                m.AuditEntry.entity_type == "handoff_ticket",
                m.AuditEntry.entity_id == str(ticket.id),
                m.AuditEntry.at >= datetime.now(timezone.utc) - TICKET_READ_WINDOW,
            )
            .order_by(m.AuditEntry.id.desc())
        )
        .scalars()
        .first()
    )
    if recent is not None:
        entry: m.AuditEntry = recent
        return entry
    return append_audit(
        session,
        actor=f"agent:{agent}",
        action="ticket_viewed",
        entity_type="handoff_ticket",
        entity_id=ticket.id,
        before=None,
        after={"status": ticket.status, "customer_id": ticket.customer_id},
        channel=channel,
    )


def ticket_state(ticket: m.HandoffTicket) -> dict[str, Any]:
    """The audited fields of a ticket."""
    return {"kind": ticket.kind, "status": ticket.status, "claimed_by": ticket.claimed_by}


# ── handoff event outbox ─────────────────────────────────────────


def add_outbox_events(session: Session, messages: Iterable[dict[str, Any]]) -> None:
    """Keep event messages to send, in the caller's transaction (the ticket change they report)."""
    session.add_all(m.HandoffEventOutbox(event_id=message["event_id"], body=message) for message in messages)
    session.flush()


def claim_outbox_events(
    session: Session, *, now: datetime, retry_at: datetime, limit: int
) -> list[tuple[int, dict[str, Any]]]:
    """The oldest events due to be sent, as (id, message), each set to be tried again at `retry_at`.

    A process that takes rows makes them invisible to the others until `retry_at` (PostgreSQL
    skips rows another transaction holds), so two processes do not send the same event at once;
    if the sender dies or RabbitMQ refuses, the rows fall due again then.
    """
    stmt = (
        select(m.HandoffEventOutbox)
        .where(m.HandoffEventOutbox.next_try_at <= now)
        .order_by(m.HandoffEventOutbox.id)
        .limit(limit)
        .with_for_update(skip_locked=True)
    )
    rows = list(session.execute(stmt).scalars())
    for row in rows:
        row.attempts += 1
        row.next_try_at = retry_at
    session.flush()
    return [(row.id, dict(row.body)) for row in rows]


def delete_outbox_events(session: Session, ids: Iterable[int]) -> None:
    """Forget events RabbitMQ has confirmed."""
    wanted = list(ids)
    if wanted:
        session.execute(delete(m.HandoffEventOutbox).where(m.HandoffEventOutbox.id.in_(wanted)))


def drop_outbox_events_before(session: Session, moment: datetime) -> int:
    """Give up events written before `moment` (RabbitMQ was unreachable all that time); how many."""
    result = session.execute(delete(m.HandoffEventOutbox).where(m.HandoffEventOutbox.created_at < moment))
    return int(result.rowcount or 0)


def outbox_backlog(session: Session) -> tuple[int, datetime | None]:
    """How many handoff events wait to be sent, and when the oldest of them was written."""
    count, oldest = session.execute(
        select(func.count(m.HandoffEventOutbox.id), func.min(m.HandoffEventOutbox.created_at))
    ).one()
    return int(count), None if oldest is None else as_utc(oldest)


# ── one-time codes ───────────────────────────────────────────────


def add_verification_code(
    session: Session,
    *,
    customer_id: str,
    purpose: str,
    fingerprint: str,
    code_hash: str,
    salt: str,
    created_at: datetime,
    expires_at: datetime,
) -> m.VerificationCode:
    """Store a new code's salted hash (the code itself is never stored), bound to one purpose and change."""
    row = m.VerificationCode(
        customer_id=customer_id,
        purpose=purpose,
        fingerprint=fingerprint,
        code_hash=code_hash,
        salt=salt,
        created_at=created_at,
        expires_at=expires_at,
    )
    session.add(row)
    session.flush()
    return row


def pending_code(session: Session, customer_id: str, purpose: str) -> m.VerificationCode | None:
    """The customer's latest code for `purpose` that may still be entered, or None."""
    stmt = (
        select(m.VerificationCode)
        .where(
            m.VerificationCode.customer_id == customer_id,
            m.VerificationCode.purpose == purpose,
            m.VerificationCode.used_at.is_(None),
        )
        .order_by(m.VerificationCode.id.desc())
    )
    code: m.VerificationCode | None = session.execute(stmt).scalars().first()
    return code


def retire_pending_codes(session: Session, customer_id: str, purpose: str, now: datetime) -> None:
    """Mark every unused code for `purpose` as used, so only a newer one can be accepted."""
    while (old := pending_code(session, customer_id, purpose)) is not None:
        old.used_at = now
        session.flush()


def mark_code_verified(session: Session, code_id: int, now: datetime) -> None:
    """A correct code is used up, and its change counts as verified (until consumed or stale)."""
    code = session.get(m.VerificationCode, code_id)
    if code is not None:
        code.used_at = now
        code.verified_at = now


def count_wrong_attempt(session: Session, code_id: int) -> int:
    """Count one more wrong attempt at a code; returns the attempts so far."""
    code = session.get(m.VerificationCode, code_id)
    if code is None:
        return 0
    code.attempts += 1
    return int(code.attempts)


def codes_sent_since(session: Session, customer_id: str, since: datetime) -> int:
    """How many codes (any purpose) were sent to the customer since `since`."""
    stmt = select(func.count()).where(
        m.VerificationCode.customer_id == customer_id, m.VerificationCode.created_at >= since
    )
    return int(session.execute(stmt).scalar_one())


def wrong_attempts_since(session: Session, customer_id: str, since: datetime) -> int:
    """Wrong entries (any purpose) at the customer's codes sent since `since`."""
    stmt = select(func.coalesce(func.sum(m.VerificationCode.attempts), 0)).where(
        m.VerificationCode.customer_id == customer_id, m.VerificationCode.created_at >= since
    )
    return int(session.execute(stmt).scalar_one())


def consume_verification(
    session: Session, *, customer_id: str, purpose: str, fingerprint: str, verified_since: datetime, now: datetime
) -> bool:
    """Use up the customer's verification of exactly this change, if one is fresh and unused.

    A conditional UPDATE (`consumed_at IS NULL`), so of two transactions racing
    for the same verification only one gets it. Returns whether one was consumed.
    """
    candidate = (
        select(m.VerificationCode.id)
        .where(
            m.VerificationCode.customer_id == customer_id,
            m.VerificationCode.purpose == purpose,
            m.VerificationCode.fingerprint == fingerprint,
            m.VerificationCode.verified_at.is_not(None),
            m.VerificationCode.verified_at >= verified_since,
            m.VerificationCode.consumed_at.is_(None),
        )
        .order_by(m.VerificationCode.id.desc())
    )
    code_id = session.execute(candidate).scalars().first()
    if code_id is None:
        return False
    result = session.execute(
        update(m.VerificationCode)
        .where(m.VerificationCode.id == code_id, m.VerificationCode.consumed_at.is_(None))
        .values(consumed_at=now)
        .execution_options(synchronize_session=False)
    )
    return bool(result.rowcount == 1)


# ── settlement certificates ──────────────────────────────────────


def add_certificate(
    session: Session, *, customer_id: str, account_id: int, issued: cert.IssuedCertificate, channel: str
) -> m.SettlementCertificate:
    """Store an issued certificate and audit it (the download token stays out of the audit log)."""
    content = issued.content
    row = m.SettlementCertificate(
        customer_id=customer_id,
        account_id=account_id,
        product_id=content.product_id,
        verification_code=issued.verification_code,
        download_token=issued.download_token,
        masked_name=content.masked_name,
        product_name=content.product_name,
        product_description=content.product_description,
        credit_limit=content.credit_limit,
        state=content.state,
        settled_on=content.settled_on,
        issued_on=issued.issued_on,
        issued_at=issued.issued_at,
        channel=channel,
    )
    session.add(row)
    session.flush()
    append_audit(
        session,
        actor=f"customer:{customer_id}",
        action="certificate_issued",
        entity_type="settlement_certificate",
        entity_id=row.id,
        before=None,
        after={
            "product_id": content.product_id,
            "state": content.state,
            "settled_on": content.settled_on.isoformat(),
            "verification_code": issued.verification_code,
        },
        channel=channel,
    )
    return row


def certificate_by_token(session: Session, token: str) -> cert.IssuedCertificate | None:
    """The certificate a download token opens, or None."""
    stmt = select(m.SettlementCertificate).where(m.SettlementCertificate.download_token == token)
    row = session.execute(stmt).scalars().first()
    return _issued(row) if row is not None else None


def certificate_by_code(session: Session, code: str) -> cert.IssuedCertificate | None:
    """The certificate with this verification code (what a bank checks), or None."""
    stmt = select(m.SettlementCertificate).where(m.SettlementCertificate.verification_code == code)
    row = session.execute(stmt).scalars().first()
    return _issued(row) if row is not None else None


def _issued(row: m.SettlementCertificate) -> cert.IssuedCertificate:
    return cert.IssuedCertificate(
        content=cert.CertificateContent(
            masked_name=row.masked_name,
            product_id=row.product_id,
            product_name=row.product_name,
            product_description=row.product_description,
            credit_limit=Decimal(row.credit_limit),
            state=row.state,
            settled_on=row.settled_on,
        ),
        verification_code=row.verification_code,
        download_token=row.download_token,
        issued_on=row.issued_on,
        issued_at=row.issued_at,
    )
