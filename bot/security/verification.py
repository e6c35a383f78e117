"""One-time codes: the step-up check before a change that hurts.

Closing a line, unbinding services, lowering a limit and asking for personal
data to be deleted each need a code (a `Purpose`), bound to exactly the change
the customer confirmed (a `fingerprint` of it), so a code sent for one change
cannot confirm another. Entering it correctly leaves a server-side record
(`verified_at`); the change itself then `consume_verification`s that record
in its own transaction: fresh (minutes old), for this customer, purpose and
change, and only once. A slot saying "verified" proves nothing on its own.

Sending is capped per customer (per hour and per day) and so are wrong entries
per day, whatever the purpose.

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
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from enum import Enum
from pathlib import Path
from typing import Any, Protocol

from sqlalchemy.orm import Session

from bot.config import Settings
from bot.core.formatting import as_utc
from bot.db import queries

logger = logging.getLogger(__name__)

CODE_LENGTH = 6
CODE_LIFETIME = timedelta(minutes=5)
MAX_ATTEMPTS = 3  # wrong entries per code
# How long a correct entry may confirm its change, and how often codes may be sent and mistyped.
VERIFIED_LIFETIME = timedelta(minutes=5)
MAX_SENDS_PER_HOUR = 5
MAX_SENDS_PER_DAY = 10
MAX_WRONG_PER_DAY = 10
HOUR = timedelta(hours=1)
DAY = timedelta(days=1)
# A code in a message: exactly CODE_LENGTH digits, not part of a longer number.
_CODE_IN_TEXT = re.compile(rf"(?<!\d)(\d{{{CODE_LENGTH}}})(?!\d)")


def code_terms() -> dict[str, str]:
    """The code's length and lifetime for the responses that state them ({code_length}, {code_minutes})."""
    return {"code_length": str(CODE_LENGTH), "code_minutes": str(CODE_LIFETIME // timedelta(minutes=1))}


def find_code(text: str) -> str | None:
    """The code in what the customer typed (normalised: half-width digits), or None."""
    match = _CODE_IN_TEXT.search(text)
    return match.group(1) if match else None


# 「验证码没收到」「再发一次」「收不到短信」「等半天了还没有」: the customer asks for a new code (sent within
# the caps below). Three ways people say it: it has not arrived, send it again, it expired.
_NEW_CODE = re.compile(
    r"没有?(?:收|接|看)(?:到|着|见)|收不(?:到|着|了)|没有?(?:来|到|发|动静|验证码|短信)|还没有|还没(?:发|来|到|收)|不来"
    r"|一直没|(?:啥|什么)(?:都|也)没有"
    r"|重发|重新发|再发|再给我?发|再来一?个|换一?个|发了(?:吗|没|么)|验证码(?:呢|在哪)"
    r"|过期|失效|超时"
)


# An answer that is no code at all is asked again at most twice (the second time with the ways out); the third
# ends the step with nothing changed, so the code question is never a trap.
MAX_CODE_REASKS = 2


def is_no_code(text: str) -> bool:
    """Whether an answer to the code question is neither a code nor a request for a new one."""
    return find_code(text) is None and not wants_new_code(text)


def wants_new_code(text: str) -> bool:
    """Whether the answer to the code question asks for a new code rather than being one."""
    return find_code(text) is None and bool(_NEW_CODE.search(text))


class Purpose(str, Enum):
    """What a code may confirm: the changes that cannot be undone at once by self-service."""

    CLOSE = "close"
    UNBIND = "unbind"
    LOWER_LIMIT = "lower_limit"
    DATA_DELETION = "data_deletion"


def fingerprint(purpose: Purpose, change: Mapping[str, Any]) -> str:
    """A stable hash of exactly what the customer confirmed (keys sorted, so the same change hashes the same)."""
    canonical = json.dumps({"purpose": purpose.value, "change": change}, sort_keys=True, ensure_ascii=False)
    return hashlib.sha256(canonical.encode()).hexdigest()


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
    LOCKED = "locked"  # too many wrong attempts at this code
    LOCKED_TODAY = "locked_today"  # too many wrong entries today, any code
    NONE_PENDING = "none_pending"


@dataclass(frozen=True)
class CheckResult:
    """What happened, and how many attempts remain after a wrong code."""

    outcome: CodeCheck
    attempts_left: int = 0


@dataclass(frozen=True)
class CodeSent:
    """A code went out, to the phone ending in `phone_tail` ("" when the customer has no phone)."""

    phone_tail: str


class SendRefusal(Enum):
    """Why no code was sent."""

    HOURLY_LIMIT = "hourly_limit"
    DAILY_LIMIT = "daily_limit"
    TOO_MANY_WRONG = "too_many_wrong"


@dataclass(frozen=True)
class CodeNotSent:
    """A cap was reached: nothing was sent."""

    reason: SendRefusal


def phone_tail(phone: str | None) -> str:
    """The last four digits, as shown to the customer ("尾号1111")."""
    return phone[-4:] if phone else ""


def send_refusal(session: Session, customer_id: str, now: datetime) -> SendRefusal | None:
    """Which cap (if any) stops another code for this customer now."""
    if queries.wrong_attempts_since(session, customer_id, now - DAY) >= MAX_WRONG_PER_DAY:
        return SendRefusal.TOO_MANY_WRONG
    if queries.codes_sent_since(session, customer_id, now - DAY) >= MAX_SENDS_PER_DAY:
        return SendRefusal.DAILY_LIMIT
    if queries.codes_sent_since(session, customer_id, now - HOUR) >= MAX_SENDS_PER_HOUR:
        return SendRefusal.HOURLY_LIMIT
    return None


def issue_code(
    session: Session,
    *,
    customer_id: str,
    purpose: Purpose,
    change: str,
    sender: CodeSender,
    now: datetime | None = None,
) -> CodeSent | CodeNotSent | None:
    """Create and send a new code for `purpose` and the change fingerprinted `change`, replacing any earlier one.

    Returns:
        Where the code went, or which cap stopped it; None when the customer is unknown.
    """
    customer = queries.get_customer(session, customer_id)
    if customer is None:
        return None
    now = now or datetime.now(timezone.utc)
    refusal = send_refusal(session, customer_id, now)
    if refusal is not None:
        logger.info("one-time code refused for %s (%s): %s", customer_id, purpose.value, refusal.value)
        return CodeNotSent(refusal)
    # A new code invalidates the previous one, so only the latest message counts.
    queries.retire_pending_codes(session, customer_id, purpose.value, now)
    code = "".join(secrets.choice("0123456789") for _ in range(CODE_LENGTH))
    salt = secrets.token_hex(16)
    queries.add_verification_code(
        session,
        customer_id=customer_id,
        purpose=purpose.value,
        fingerprint=change,
        code_hash=_hash(code, salt),
        salt=salt,
        created_at=now,
        expires_at=now + CODE_LIFETIME,
    )
    sender.send(customer_id=customer_id, phone=customer.phone, code=code, purpose=purpose.value)
    return CodeSent(phone_tail(customer.phone))


def check_code(
    session: Session, *, customer_id: str, purpose: Purpose, change: str, typed: str, now: datetime | None = None
) -> CheckResult:
    """Check a typed code for `purpose` and the change fingerprinted `change`.

    A correct code is used up and leaves the verification that the change then
    consumes (`consume_verification`); wrong ones count toward the code's limit
    and the customer's daily limit. A code sent for another change is not pending.
    """
    now = now or datetime.now(timezone.utc)
    pending = queries.pending_code(session, customer_id, purpose.value)
    if pending is None or not hmac.compare_digest(pending.fingerprint, change):
        return CheckResult(CodeCheck.NONE_PENDING)
    if queries.wrong_attempts_since(session, customer_id, now - DAY) >= MAX_WRONG_PER_DAY:
        return CheckResult(CodeCheck.LOCKED_TODAY)
    if as_utc(pending.expires_at) <= now:
        return CheckResult(CodeCheck.EXPIRED)
    if pending.attempts >= MAX_ATTEMPTS:
        return CheckResult(CodeCheck.LOCKED)
    if hmac.compare_digest(pending.code_hash, _hash(typed.strip(), pending.salt)):
        queries.mark_code_verified(session, pending.id, now)
        return CheckResult(CodeCheck.OK)
    left = MAX_ATTEMPTS - queries.count_wrong_attempt(session, pending.id)
    session.flush()
    if queries.wrong_attempts_since(session, customer_id, now - DAY) >= MAX_WRONG_PER_DAY:
        return CheckResult(CodeCheck.LOCKED_TODAY)
    return CheckResult(CodeCheck.WRONG if left > 0 else CodeCheck.LOCKED, left)


def consume_verification(
    session: Session, *, customer_id: str, purpose: Purpose, change: str, now: datetime | None = None
) -> bool:
    """Use up a fresh (VERIFIED_LIFETIME), unused verification of exactly this change; False when there is none.

    Call it inside the transaction that applies the change, before applying it:
    a change whose verification cannot be consumed must not happen.
    """
    now = now or datetime.now(timezone.utc)
    return queries.consume_verification(
        session,
        customer_id=customer_id,
        purpose=purpose.value,
        fingerprint=change,
        verified_since=now - VERIFIED_LIFETIME,
        now=now,
    )


def _hash(code: str, salt: str) -> str:
    return hashlib.sha256(f"{salt}:{code}".encode()).hexdigest()
