"""Account changes that wait for the customer's "yes": pause, resume/reopen, lower limit, unbind.

Each journey's check produces a `ChangeOffer`: what to say, and, when a change
is possible, the change itself (a plain dict kept in the `pending_change`
slot) and the question to confirm it. After an explicit yes, `apply_change`
carries it out in one transaction through the journey's own function, which
re-checks first. Shared by all four journeys so the confirmation works the
same everywhere (one form, one apply action).

Lowering the limit and unbinding cannot be undone by self-service (a limit
is raised only after the platform re-assesses; a binding is renewed with the
merchant or bank, and a missed auto-repayment is an overdue on the credit
report), so they also need a one-time code bound to exactly this change
(`step_up_purpose`, `change_fingerprint`): `apply_change` consumes that
verification from the database in the same transaction, or changes nothing.
Pausing and resuming are undone at once by the customer, so a yes suffices.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

from sqlalchemy.orm import Session

from bot.core.catalog import Catalog
from bot.core.replies import Part, Reply
from bot.limit import replies as limit_replies
from bot.limit.limit import apply_lower_limit
from bot.pause import reopen_replies
from bot.pause import replies as pause_replies
from bot.pause.pause import apply_pause
from bot.pause.reopen import apply_reopen
from bot.security.verification import Purpose, consume_verification, fingerprint
from bot.unbinding import replies as binding_replies
from bot.unbinding.unbinding import apply_unbind

# The changes that need a one-time code, and what the code is for.
_STEP_UP: dict[str, Purpose] = {"lower_limit": Purpose.LOWER_LIMIT, "unbind": Purpose.UNBIND}


@dataclass(frozen=True)
class ChangeContext:
    """Who asks, through which channel, on which business day."""

    customer_id: str
    channel: str
    today: date
    catalog: Catalog


def step_up_purpose(change: dict[str, Any]) -> Purpose | None:
    """What a one-time code for this change is for; None when a yes is enough (pause, resume, reopen)."""
    return _STEP_UP.get(str(change.get("kind")))


def change_fingerprint(change: dict[str, Any]) -> str:
    """What a code for this change is bound to: its kind and every detail (services in any order)."""
    purpose = step_up_purpose(change)
    if purpose is None:
        return ""
    canonical = dict(change)
    if "service_ids" in canonical:
        canonical["service_ids"] = sorted(int(i) for i in canonical["service_ids"])
    return fingerprint(purpose, canonical)


def apply_change(session: Session, change: dict[str, Any], ctx: ChangeContext) -> list[Part]:
    """Carry out a confirmed change and say what happened (or why nothing did).

    A change that needs a code happens only when this transaction can consume a
    fresh, unused verification of exactly this change for this customer.
    """
    handler = _HANDLERS.get(str(change.get("kind")))
    if handler is None:
        return [Reply("utter_change_not_applied")]
    purpose = step_up_purpose(change)
    if purpose is not None and not consume_verification(
        session, customer_id=ctx.customer_id, purpose=purpose, change=change_fingerprint(change)
    ):
        return [Reply("utter_change_not_applied")]
    return handler(session, change, ctx)


def _pause(session: Session, change: dict[str, Any], ctx: ChangeContext) -> list[Part]:
    product = str(change["product"])
    outcome = apply_pause(
        session,
        customer_id=ctx.customer_id,
        product_id=product,
        days=int(change["days"]),
        channel=ctx.channel,
        today=ctx.today,
    )
    return pause_replies.pause_outcome_replies(outcome, product, ctx.catalog, today=ctx.today)


def _reopen(session: Session, change: dict[str, Any], ctx: ChangeContext) -> list[Part]:
    product = str(change["product"])
    outcome = apply_reopen(
        session, customer_id=ctx.customer_id, product_id=product, channel=ctx.channel, today=ctx.today
    )
    return reopen_replies.reopen_outcome_replies(outcome, product, ctx.catalog, today=ctx.today)


def _lower_limit(session: Session, change: dict[str, Any], ctx: ChangeContext) -> list[Part]:
    product = str(change["product"])
    outcome = apply_lower_limit(
        session,
        customer_id=ctx.customer_id,
        product_id=product,
        amount=Decimal(str(change["amount"])),
        channel=ctx.channel,
        today=ctx.today,
    )
    return limit_replies.limit_outcome_replies(outcome, product, ctx.catalog, today=ctx.today)


def _unbind(session: Session, change: dict[str, Any], ctx: ChangeContext) -> list[Part]:
    ids = [int(i) for i in change.get("service_ids", [])]
    outcome = apply_unbind(session, customer_id=ctx.customer_id, service_ids=ids, channel=ctx.channel, today=ctx.today)
    return binding_replies.unbind_outcome_replies(outcome, ctx.catalog)


_HANDLERS: dict[str, Callable[[Session, dict[str, Any], ChangeContext], list[Part]]] = {
    "pause": _pause,
    "reopen": _reopen,
    "lower_limit": _lower_limit,
    "unbind": _unbind,
}
