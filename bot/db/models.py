"""SQLAlchemy models of the account database: the one models module.

Written in the SQLAlchemy 2.0 style that 1.4 supports (Rasa 3.6 pins 1.4), so
moving to 2.x is a version bump. Enumerated values are plain strings checked by
CHECK constraints, which behave the same on SQLite and PostgreSQL.
"""

from __future__ import annotations

from datetime import datetime, timezone
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    CheckConstraint,
    Column,
    Date,
    DateTime,
    ForeignKey,
    Integer,
    String,
    Text,
    TypeDecorator,
    UniqueConstraint,
    event,
)
from sqlalchemy.orm import declarative_base, relationship

Base: Any = declarative_base()

PRODUCT_KINDS = ("pay_later", "cash_loan")
ACCOUNT_STATUSES = ("active", "paused", "closed", "pending_closure", "frozen_by_platform")
SERVICE_TYPES = (
    "auto_repay",
    "withholding",
    "default_payment",
    "collection_code",
    "password_free",
    "bank_card",
    "third_party_auth",
    "family_repay",
)
SERVICE_STATUSES = ("active", "unbound")
ORDER_KINDS = ("order_unconfirmed", "refund_in_progress")
ORDER_STATUSES = ("pending", "completed")
REQUEST_KINDS = ("close", "pause", "resume", "reopen", "unbind", "data_deletion")
REQUEST_STATUSES = ("submitted", "under_review", "approved", "rejected", "withdrawn")
TICKET_STATUSES = ("queued", "claimed", "handed_back", "closed", "message_left")  # bot.handoff.tickets.TicketStatus
TICKET_KINDS = ("live", "message")  # bot.handoff.tickets.TicketKind
CERTIFICATE_STATES = ("closed", "settled")  # bot.certificates.eligibility


class Money(TypeDecorator):
    """Yuan amounts stored as integer fen.

    SQLite has no exact decimal type (Numeric round-trips through float there),
    so money is kept in whole fen on every backend and read back as Decimal.
    """

    impl = BigInteger
    cache_ok = True

    def process_bind_param(self, value: Any, dialect: Any) -> int | None:
        if value is None:
            return None
        return int((Decimal(str(value)) * 100).quantize(Decimal("1"), rounding=ROUND_HALF_UP))

    def process_result_value(self, value: Any, dialect: Any) -> Decimal | None:
        return None if value is None else (Decimal(value) / 100).quantize(Decimal("0.01"))


def _utcnow() -> datetime:
    return datetime.now(timezone.utc)


def _one_of(column: str, values: tuple[str, ...], name: str) -> CheckConstraint:
    quoted = ", ".join(f"'{v}'" for v in values)
    return CheckConstraint(f"{column} IN ({quoted})", name=name)


class Customer(Base):
    """A platform user."""

    __tablename__ = "customers"

    id = Column(String(64), primary_key=True)
    name = Column(String(64), nullable=False)
    phone = Column(String(32), nullable=True)
    created_at = Column(DateTime(timezone=True), nullable=False, default=_utcnow)

    accounts = relationship("CreditAccount", back_populates="customer", order_by="CreditAccount.id")
    requests = relationship("ServiceRequest", order_by="ServiceRequest.id")


class Product(Base):
    """A credit product the platform offers; names, aliases and rules are data."""

    __tablename__ = "products"
    __table_args__ = (_one_of("kind", PRODUCT_KINDS, "ck_products_kind"),)

    id = Column(String(32), primary_key=True)
    display_name = Column(String(32), nullable=False)
    description = Column(String(64), nullable=False)
    kind = Column(String(16), nullable=False)
    aliases = Column(JSON, nullable=False, default=list)
    reopen_cooldown_days = Column(Integer, nullable=False, default=0)
    reopen_requires_review = Column(Boolean, nullable=False, default=True)
    closure_review_levels = Column(Integer, nullable=False, default=1)
    closure_review_days = Column(Integer, nullable=False, default=0, server_default="0")
    pause_available = Column(Boolean, nullable=False, default=False)
    pause_min_days = Column(Integer, nullable=True)
    pause_max_days = Column(Integer, nullable=True)


class CreditAccount(Base):
    """One customer's line on one product."""

    __tablename__ = "credit_accounts"
    __table_args__ = (
        UniqueConstraint("customer_id", "product_id", name="uq_account_customer_product"),
        _one_of("status", ACCOUNT_STATUSES, "ck_accounts_status"),
    )

    id = Column(Integer, primary_key=True)
    customer_id = Column(String(64), ForeignKey("customers.id"), nullable=False, index=True)
    product_id = Column(String(32), ForeignKey("products.id"), nullable=False)
    status = Column(String(24), nullable=False, default="active")
    credit_limit = Column(Money(), nullable=False, default=Decimal("0"))
    used_amount = Column(Money(), nullable=False, default=Decimal("0"))
    opened_on = Column(Date, nullable=False)
    closed_on = Column(Date, nullable=True)
    paused_until = Column(Date, nullable=True)
    # Why the platform froze the line or cut its limit (a category, e.g. "overdue").
    platform_reason_code = Column(String(32), nullable=True)
    updated_at = Column(DateTime(timezone=True), nullable=False, default=_utcnow, onupdate=_utcnow)

    customer = relationship("Customer", back_populates="accounts")
    product = relationship("Product")
    bills = relationship("Bill", order_by="Bill.due_date")
    instalment_plans = relationship("InstalmentPlan", order_by="InstalmentPlan.id")
    orders = relationship("PendingOrder", order_by="PendingOrder.id")
    overdue_records = relationship("OverdueRecord", order_by="OverdueRecord.started_on")
    bound_services = relationship("BoundService", order_by="BoundService.id")


class Bill(Base):
    """A statement: what was billed for a period, what is paid, when it is due."""

    __tablename__ = "bills"

    id = Column(Integer, primary_key=True)
    account_id = Column(Integer, ForeignKey("credit_accounts.id"), nullable=False, index=True)
    period = Column(String(7), nullable=False)  # YYYY-MM
    amount = Column(Money(), nullable=False)
    paid_amount = Column(Money(), nullable=False, default=Decimal("0"))
    due_date = Column(Date, nullable=False)
    # False for spending not yet on a statement (未出账): still owed, no due date yet.
    statement_issued = Column(Boolean, nullable=False, default=True)


class InstalmentPlan(Base):
    """Purchases or loans repaid over several terms."""

    __tablename__ = "instalment_plans"

    id = Column(Integer, primary_key=True)
    account_id = Column(Integer, ForeignKey("credit_accounts.id"), nullable=False, index=True)
    description = Column(String(128), nullable=False)
    total_terms = Column(Integer, nullable=False)
    remaining_terms = Column(Integer, nullable=False)
    remaining_amount = Column(Money(), nullable=False)
    next_due_date = Column(Date, nullable=True)
    early_settlement_allowed = Column(Boolean, nullable=False, default=True)


class PendingOrder(Base):
    """A purchase not yet confirmed as received, or a refund still in progress."""

    __tablename__ = "pending_orders"
    __table_args__ = (
        _one_of("kind", ORDER_KINDS, "ck_orders_kind"),
        _one_of("status", ORDER_STATUSES, "ck_orders_status"),
    )

    id = Column(Integer, primary_key=True)
    account_id = Column(Integer, ForeignKey("credit_accounts.id"), nullable=False, index=True)
    kind = Column(String(24), nullable=False)
    merchant = Column(String(64), nullable=False)
    amount = Column(Money(), nullable=False)
    status = Column(String(16), nullable=False, default="pending")
    created_on = Column(Date, nullable=False)
    expected_settle_on = Column(Date, nullable=True)
    completed_on = Column(Date, nullable=True)


class OverdueRecord(Base):
    """An overdue episode; ended_on is when it was repaid (None while ongoing)."""

    __tablename__ = "overdue_records"

    id = Column(Integer, primary_key=True)
    account_id = Column(Integer, ForeignKey("credit_accounts.id"), nullable=False, index=True)
    started_on = Column(Date, nullable=False)
    ended_on = Column(Date, nullable=True)
    amount = Column(Money(), nullable=False)


class BoundService(Base):
    """A linked service on an account (auto-repay, a merchant's withholding ...)."""

    __tablename__ = "bound_services"
    __table_args__ = (
        _one_of("service_type", SERVICE_TYPES, "ck_services_type"),
        _one_of("status", SERVICE_STATUSES, "ck_services_status"),
    )

    id = Column(Integer, primary_key=True)
    account_id = Column(Integer, ForeignKey("credit_accounts.id"), nullable=False, index=True)
    service_type = Column(String(24), nullable=False)
    merchant = Column(String(64), nullable=True)
    detail = Column(String(64), nullable=True)  # e.g. a card's last digits
    status = Column(String(16), nullable=False, default="active")
    bound_on = Column(Date, nullable=False)
    unbound_on = Column(Date, nullable=True)


class ServiceRequest(Base):
    """A customer's request (close, pause, ...) moving through review."""

    __tablename__ = "requests"
    __table_args__ = (
        _one_of("kind", REQUEST_KINDS, "ck_requests_kind"),
        _one_of("status", REQUEST_STATUSES, "ck_requests_status"),
    )

    id = Column(Integer, primary_key=True)
    customer_id = Column(String(64), ForeignKey("customers.id"), nullable=False, index=True)
    # None for requests about the customer rather than one line (data deletion).
    account_id = Column(Integer, ForeignKey("credit_accounts.id"), nullable=True)
    kind = Column(String(16), nullable=False)
    status = Column(String(16), nullable=False, default="submitted")
    review_level = Column(Integer, nullable=False, default=0)  # levels passed so far
    required_review_levels = Column(Integer, nullable=False, default=1)
    details = Column(JSON, nullable=False, default=dict)
    decision_note = Column(Text, nullable=True)
    created_at = Column(DateTime(timezone=True), nullable=False, default=_utcnow)
    updated_at = Column(DateTime(timezone=True), nullable=False, default=_utcnow, onupdate=_utcnow)
    decided_at = Column(DateTime(timezone=True), nullable=True)

    account = relationship("CreditAccount")


class AuditEntry(Base):
    """Append-only record of every change: who, what, before/after, when, channel."""

    __tablename__ = "audit_log"

    id = Column(Integer, primary_key=True)
    at = Column(DateTime(timezone=True), nullable=False, default=_utcnow)
    actor = Column(String(96), nullable=False)  # "customer:demo_clean", "operator:li", "system"
    action = Column(String(48), nullable=False)
    entity_type = Column(String(32), nullable=False)
    entity_id = Column(String(64), nullable=False)
    before = Column(JSON, nullable=True)
    after = Column(JSON, nullable=True)
    channel = Column(String(32), nullable=False)


class HandoffTicket(Base):
    """A conversation handed to a human agent, or a message left outside service hours.

    The life cycle is bot.handoff.tickets's state machine; every change is audited.
    `callback_phone` holds the full number only for message-left tickets, because
    the agent must be able to call back; everything else stores it masked.
    """

    __tablename__ = "handoff_tickets"
    __table_args__ = (
        _one_of("status", TICKET_STATUSES, "ck_tickets_status"),
        _one_of("kind", TICKET_KINDS, "ck_tickets_kind"),
    )

    id = Column(Integer, primary_key=True)
    customer_id = Column(String(64), ForeignKey("customers.id"), nullable=True, index=True)
    conversation_id = Column(String(128), nullable=False, index=True)
    kind = Column(String(16), nullable=False, default="live", server_default="live")
    status = Column(String(16), nullable=False, default="queued")
    reason = Column(String(48), nullable=False)
    summary = Column(JSON, nullable=False, default=dict)
    message = Column(Text, nullable=True)  # what the customer left outside service hours
    callback_phone = Column(String(32), nullable=True)
    claimed_by = Column(String(64), nullable=True)
    created_at = Column(DateTime(timezone=True), nullable=False, default=_utcnow)
    claimed_at = Column(DateTime(timezone=True), nullable=True)
    closed_at = Column(DateTime(timezone=True), nullable=True)  # handed back or closed

    notes = relationship("TicketNote", order_by="TicketNote.id")


class TicketNote(Base):
    """An agent's internal note on a ticket; never shown to the customer."""

    __tablename__ = "ticket_notes"

    id = Column(Integer, primary_key=True)
    ticket_id = Column(Integer, ForeignKey("handoff_tickets.id"), nullable=False, index=True)
    author = Column(String(64), nullable=False)
    text = Column(Text, nullable=False)
    created_at = Column(DateTime(timezone=True), nullable=False, default=_utcnow)


class VerificationCode(Base):
    """A one-time code sent to the customer before a change that hurts, and what became of it.

    Only a salted hash is stored; the code itself exists only in the message
    sent to the customer. The code is bound to one purpose ("close", "unbind",
    "lower_limit", "data_deletion") and one change (`fingerprint`, a hash of
    exactly what the customer confirmed). A correct entry sets `verified_at`:
    that is the server-side record the change itself consumes (`consumed_at`,
    once, within minutes) in the transaction that applies it.
    """

    __tablename__ = "verification_codes"

    id = Column(Integer, primary_key=True)
    customer_id = Column(String(64), ForeignKey("customers.id"), nullable=False, index=True)
    purpose = Column(String(32), nullable=False)  # bot.security.verification.Purpose
    fingerprint = Column(String(64), nullable=False, default="", server_default="")
    code_hash = Column(String(64), nullable=False)
    salt = Column(String(32), nullable=False)
    attempts = Column(Integer, nullable=False, default=0)
    created_at = Column(DateTime(timezone=True), nullable=False, default=_utcnow)
    expires_at = Column(DateTime(timezone=True), nullable=False)
    used_at = Column(DateTime(timezone=True), nullable=True)  # no longer accepted: entered correctly or replaced
    verified_at = Column(DateTime(timezone=True), nullable=True)  # entered correctly
    consumed_at = Column(DateTime(timezone=True), nullable=True)  # the verified change was applied


class SettlementCertificate(Base):
    """A settlement certificate (结清证明) as issued: what it states and how it is found.

    The PDF is rendered from this row on every download, so what a bank
    verifies by code is exactly what the customer downloaded.
    """

    __tablename__ = "settlement_certificates"
    __table_args__ = (_one_of("state", CERTIFICATE_STATES, "ck_certificates_state"),)

    id = Column(Integer, primary_key=True)
    customer_id = Column(String(64), ForeignKey("customers.id"), nullable=False, index=True)
    account_id = Column(Integer, ForeignKey("credit_accounts.id"), nullable=False)
    product_id = Column(String(32), ForeignKey("products.id"), nullable=False)
    verification_code = Column(String(24), nullable=False, unique=True)
    download_token = Column(String(64), nullable=False, unique=True)
    masked_name = Column(String(64), nullable=False)
    product_name = Column(String(32), nullable=False)
    product_description = Column(String(64), nullable=False)
    credit_limit = Column(Money(), nullable=False)
    state = Column(String(16), nullable=False)
    settled_on = Column(Date, nullable=False)
    issued_on = Column(Date, nullable=False)
    issued_at = Column(DateTime(timezone=True), nullable=False, default=_utcnow)
    channel = Column(String(32), nullable=False)


class HandoffEventOutbox(Base):
    """A handoff event written with the ticket change it reports, until RabbitMQ has taken it.

    Written in the change's own transaction, so a ticket is never without its event and an
    event never reports a change that was rolled back; bot.handoff.outbox sends the rows and
    deletes each once RabbitMQ has confirmed it. Only written while events are on.
    """

    __tablename__ = "handoff_event_outbox"

    id = Column(Integer, primary_key=True)
    event_id = Column(String(32), nullable=False, unique=True)  # the message's own id: helpdesks dedupe on it
    body = Column(JSON, nullable=False)  # the message as bot.handoff.events.event_message built it
    created_at = Column(DateTime(timezone=True), nullable=False, default=_utcnow)
    attempts = Column(Integer, nullable=False, default=0)
    next_try_at = Column(DateTime(timezone=True), nullable=False, default=_utcnow, index=True)


class AuditLogIsAppendOnly(RuntimeError):
    """Raised when code tries to change or remove an audit entry."""


@event.listens_for(AuditEntry, "before_update")
def _refuse_audit_update(*_: object) -> None:
    raise AuditLogIsAppendOnly("audit entries cannot be changed")


@event.listens_for(AuditEntry, "before_delete")
def _refuse_audit_delete(*_: object) -> None:
    raise AuditLogIsAppendOnly("audit entries cannot be deleted")


__all__ = [
    "AuditEntry",
    "AuditLogIsAppendOnly",
    "Base",
    "Bill",
    "BoundService",
    "CreditAccount",
    "Customer",
    "HandoffTicket",
    "InstalmentPlan",
    "OverdueRecord",
    "PendingOrder",
    "Product",
    "ServiceRequest",
    "SettlementCertificate",
    "TicketNote",
    "VerificationCode",
]
