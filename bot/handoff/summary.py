"""The summary an agent reads before answering, so the customer is not asked again.

Built from plain values: the customer's account snapshot (from the database)
and the conversation so far as `Turn`s (the action extracts them from the
tracker). Stored as JSON on the ticket; codes (statuses, blocker kinds, intents)
stay codes and the console labels them, amounts are formatted, phone, ID and card
numbers and one-time codes are masked everywhere in it (bot.security.redaction).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, fields
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from bot.closing import eligibility as el
from bot.core.accounts import AccountSnapshot, CustomerSnapshot
from bot.core.formatting import yuan
from bot.handoff.phones import mask_phone
from bot.security.redaction import redact

LAST_MESSAGES = 8
BOT_EXPLAINED = 10
_CAMEL = re.compile(r"(?<!^)(?=[A-Z])")


@dataclass(frozen=True)
class Turn:
    """One step of the conversation: a user message (with its intent) or a bot message."""

    speaker: str  # "user" | "bot" | "agent"
    text: str
    intent: str | None = None


def build_summary(
    *,
    reason: str,
    customer: CustomerSnapshot | None,
    phone: str | None,
    turns: list[Turn],
    today: date,
) -> dict[str, Any]:
    """Everything an agent needs to act without re-asking, as JSON-ready data.

    Args:
        reason: the HandoffReason value.
        customer: the customer's accounts, or None when identity is unknown.
        phone: the customer's phone on file (only its masked form is kept).
        turns: the conversation so far, oldest first.
        today: the business date blockers are judged against.
    """
    return {
        "reason": reason,
        "customer": _customer(customer, phone),
        "products": [_product(a, today) for a in customer.accounts] if customer else [],
        "intents": _intents(turns),
        "bot_explained": _explained(turns),
        "last_messages": [{"speaker": t.speaker, "text": redact(t.text)} for t in turns if t.text][-LAST_MESSAGES:],
    }


def _customer(customer: CustomerSnapshot | None, phone: str | None) -> dict[str, str] | None:
    if customer is None:
        return None
    return {"id": customer.customer_id, "name": customer.name, "phone_masked": mask_phone(phone)}


def _product(account: AccountSnapshot, today: date) -> dict[str, Any]:
    check = el.check_closure(account, today=today)
    return {
        "product_id": account.product.id,
        "name": account.product.display_name,
        "status": account.effective_status(today),
        "reason_code": account.platform_reason_code,
        "credit_limit": yuan(account.credit_limit),
        "owed": yuan(check.amount_owed),
        "blockers": [blocker_data(b) for b in check.blockers],
        "active_services": [s.service_type for s in account.active_services],
    }


def blocker_data(blocker: el.Blocker) -> dict[str, Any]:
    """A blocker as {"kind": "unpaid_bill", ...its facts}, amounts as ¥ and dates as ISO."""
    data: dict[str, Any] = {"kind": _CAMEL.sub("_", type(blocker).__name__).lower()}
    for f in fields(blocker):
        # An order blocker has a kind of its own (refund or unconfirmed order).
        data["order_kind" if f.name == "kind" else f.name] = _jsonable(getattr(blocker, f.name))
    return data


def _jsonable(value: Any) -> Any:
    if isinstance(value, Decimal):
        return yuan(value)
    if isinstance(value, (date, datetime)):
        return value.isoformat()
    return value


def _intents(turns: list[Turn]) -> list[str]:
    """The user's intents in the order first seen (repeats dropped, fallbacks kept)."""
    seen: list[str] = []
    for turn in turns:
        if turn.speaker == "user" and turn.intent and turn.intent not in seen:
            seen.append(turn.intent)
    return seen


def _explained(turns: list[Turn]) -> list[str]:
    """What the bot already told the customer (latest last, repeats dropped)."""
    said: list[str] = []
    for turn in turns:
        if turn.speaker == "bot" and turn.text and turn.text not in said:
            said.append(redact(turn.text))
    return said[-BOT_EXPLAINED:]
