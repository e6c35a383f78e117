"""One-time codes: the step-up check before an irreversible change.

A code is sent through a `CodeSender` and only its salted hash is stored. In
development mode `OutboxSender` writes the code to the action server's log and
to a JSON-lines outbox file (the test hook); a real SMS gateway plugs in by
implementing `CodeSender` and naming it in BOT_CODE_SENDER.
"""

from __future__ import annotations

import hashlib
import hmac
import importlib
import json
import logging
import re
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from enum import Enum
from pathlib import Path
from typing import Protocol

from sqlalchemy.orm import Session

from bot.config import Settings
from bot.db import queries

logger = logging.getLogger(__name__)

CODE_LENGTH = 6
CODE_LIFETIME = timedelta(minutes=5)
MAX_ATTEMPTS = 3
# A code in a message: exactly CODE_LENGTH digits, not part of a longer number.
_CODE_IN_TEXT = re.compile(rf"(?<!\d)(\d{{{CODE_LENGTH}}})(?!\d)")


def code_terms() -> dict[str, str]:
    """The code's length and lifetime for the responses that state them ({code_length}, {code_minutes})."""
    return {"code_length": str(CODE_LENGTH), "code_minutes": str(CODE_LIFETIME // timedelta(minutes=1))}


def find_code(text: str) -> str | None:
    """The code in what the customer typed (normalised: half-width digits), or None."""
    match = _CODE_IN_TEXT.search(text)
    return match.group(1) if match else None


class CodeSender(Protocol):
    """Delivers a one-time code to the customer (SMS in production)."""

    def send(self, *, customer_id: str, phone: str | None, code: str, purpose: str) -> None:
        """Send `code`; raise on delivery failure."""


@dataclass(frozen=True)
class OutboxSender:
    """Development sender: logs the code and appends it to an outbox file."""

    outbox: Path

    def send(self, *, customer_id: str, phone: str | None, code: str, purpose: str) -> None:
        """Record the code where a developer (log) or a test (outbox file) can read it."""
        logger.warning("DEV one-time code for %s (%s): %s", customer_id, purpose, code)
        self.outbox.parent.mkdir(parents=True, exist_ok=True)
        line = json.dumps({"customer_id": customer_id, "purpose": purpose, "code": code}, ensure_ascii=False)
        with self.outbox.open("a", encoding="utf-8") as fh:
            fh.write(line + "\n")


def sender_for(settings: Settings) -> CodeSender | None:
    """The configured sender; None when codes cannot be sent safely.

    The outbox sender exposes codes, so it is refused outside development mode.
    Otherwise BOT_CODE_SENDER names "package.module:ClassName" (built without arguments).
    """
    if settings.code_sender == "outbox":
        return OutboxSender(Path(settings.dev_outbox)) if settings.dev_mode else None
    module_name, _, class_name = settings.code_sender.partition(":")
    sender: CodeSender = getattr(importlib.import_module(module_name), class_name)()
    return sender


class CodeCheck(Enum):
    """The outcome of checking a code the customer typed."""

    OK = "ok"
    WRONG = "wrong"
    EXPIRED = "expired"
    LOCKED = "locked"  # too many wrong attempts
    NONE_PENDING = "none_pending"


@dataclass(frozen=True)
class CheckResult:
    """What happened, and how many attempts remain after a wrong code."""

    outcome: CodeCheck
    attempts_left: int = 0


def phone_tail(phone: str | None) -> str:
    """The last four digits, as shown to the customer ("尾号1111")."""
    return phone[-4:] if phone else ""


def issue_code(
    session: Session, *, customer_id: str, purpose: str, sender: CodeSender, now: datetime | None = None
) -> str | None:
    """Create and send a new code for `purpose`, replacing any earlier one.

    Returns:
        The phone tail the code went to ("" if the customer has no phone), or
        None when the customer is unknown.
    """
    customer = queries.get_customer(session, customer_id)
    if customer is None:
        return None
    now = now or datetime.now(timezone.utc)
    # A new code invalidates the previous one, so only the latest message counts.
    queries.retire_pending_codes(session, customer_id, purpose, now)
    code = "".join(secrets.choice("0123456789") for _ in range(CODE_LENGTH))
    salt = secrets.token_hex(16)
    queries.add_verification_code(
        session,
        customer_id=customer_id,
        purpose=purpose,
        code_hash=_hash(code, salt),
        salt=salt,
        created_at=now,
        expires_at=now + CODE_LIFETIME,
    )
    sender.send(customer_id=customer_id, phone=customer.phone, code=code, purpose=purpose)
    return phone_tail(customer.phone)


def check_code(
    session: Session, *, customer_id: str, purpose: str, typed: str, now: datetime | None = None
) -> CheckResult:
    """Check a typed code; a correct code is used up, wrong ones count toward the limit."""
    now = now or datetime.now(timezone.utc)
    pending = queries.pending_code(session, customer_id, purpose)
    if pending is None:
        return CheckResult(CodeCheck.NONE_PENDING)
    if _aware(pending.expires_at) <= now:
        return CheckResult(CodeCheck.EXPIRED)
    if pending.attempts >= MAX_ATTEMPTS:
        return CheckResult(CodeCheck.LOCKED)
    if hmac.compare_digest(pending.code_hash, _hash(typed.strip(), pending.salt)):
        queries.mark_code_used(session, pending.id, now)
        return CheckResult(CodeCheck.OK)
    left = MAX_ATTEMPTS - queries.count_wrong_attempt(session, pending.id)
    return CheckResult(CodeCheck.WRONG if left > 0 else CodeCheck.LOCKED, left)


def _hash(code: str, salt: str) -> str:
    return hashlib.sha256(f"{salt}:{code}".encode()).hexdigest()


def _aware(moment: datetime) -> datetime:
    # SQLite returns naive datetimes; they were stored as UTC.
    return moment if moment.tzinfo else moment.replace(tzinfo=timezone.utc)
