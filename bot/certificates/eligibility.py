"""Settlement certificates (结清证明): who may have one, what it says, what stands in the way.

A certificate states that nothing is owed on one credit line: the line was
closed (its closure date), or it is open and fully repaid as of the day the
certificate is issued. With money still owed, the customer is told exactly
what remains and from when a certificate can be issued; with a closure still
under review, that it can be issued once the line is closed.

Pure rules over an `AccountSnapshot`; issuing (database) is in
`bot.certificates.issuing`, the PDF in `bot.certificates.pdf`.
"""

from __future__ import annotations

import calendar
import secrets
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal

from bot.closing import eligibility as el
from bot.core.accounts import AccountSnapshot

# What an account's line looks like on the certificate.
CLOSED = "closed"  # closed; settled_on is the closure date
SETTLED = "settled"  # still open, nothing owed; settled_on is the issue date
CERTIFICATE_STATES = (CLOSED, SETTLED)

# Blockers that are money still owed (or held by an order) on the line.
DEBT_BLOCKERS = (el.UnpaidBill, el.UnbilledSpending, el.CurrentlyOverdue, el.InstalmentsRemaining, el.OrderPending)

# Verification codes avoid characters that are easy to misread on paper (0/O, 1/I/L).
_CODE_ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"
CODE_PREFIX = "JQ"


@dataclass(frozen=True)
class CertificateContent:
    """What a certificate states, fixed at issue time (stored with it)."""

    masked_name: str
    product_id: str
    product_name: str
    product_description: str
    credit_limit: Decimal
    state: str  # CLOSED | SETTLED
    settled_on: date


@dataclass(frozen=True)
class IssuedCertificate:
    """A certificate as stored: its content plus how it is found and checked."""

    content: CertificateContent
    verification_code: str
    download_token: str
    issued_on: date
    issued_at: datetime


@dataclass(frozen=True)
class CertificateReady:
    """Nothing is owed: a certificate can be issued with this content."""

    content: CertificateContent


@dataclass(frozen=True)
class StillOwed:
    """Money is still owed (or held by an order) on the line.

    Attributes:
        blockers: each debt, as found by `bot.closing.eligibility.check_closure`.
        total: the sum still to repay.
        last_due: the day the last scheduled payment or order falls due, when
            known: repaid on schedule, a certificate can be issued from then.
    """

    product_id: str
    blockers: tuple[el.Blocker, ...]
    total: Decimal
    last_due: date | None


@dataclass(frozen=True)
class AwaitingClosure:
    """A closure request is under review: the certificate comes once the line is closed."""

    product_id: str
    submitted_at: datetime | None
    review_days: int


CertificateCheck = CertificateReady | StillOwed | AwaitingClosure


def mask_name(name: str) -> str:
    """Mask a name as printed certificates do: 张*明, 欧**娜; two characters keep the first (李*)."""
    name = name.strip()
    if len(name) <= 1:
        return name
    if len(name) == 2:
        return name[0] + "*"
    return name[0] + "*" * (len(name) - 2) + name[-1]


def add_months(day: date, months: int) -> date:
    """The same day `months` later, clamped to the month's end (31 Jan + 1 → 28/29 Feb)."""
    index = day.month - 1 + months
    year, month = day.year + index // 12, index % 12 + 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def last_instalment_due(blocker: el.InstalmentsRemaining) -> date | None:
    """When the last remaining term falls due: monthly terms after the next one."""
    if blocker.next_due_date is None or blocker.remaining_terms <= 0:
        return None
    return add_months(blocker.next_due_date, blocker.remaining_terms - 1)


def check_certificate(account: AccountSnapshot, customer_name: str, *, today: date) -> CertificateCheck:
    """Can a settlement certificate be issued for `account` today, and if not, why.

    Args:
        account: the customer's line.
        customer_name: the name on record (printed masked).
        today: the business date (the "settled as of" date of an open line).
    """
    check = el.check_closure(account, today=today)
    debts = tuple(b for b in check.blockers if isinstance(b, DEBT_BLOCKERS))
    if debts:
        return StillOwed(account.product.id, debts, _total(debts), _last_due(debts))
    pending = next((b for b in check.blockers if isinstance(b, el.RequestPending)), None)
    if pending is not None:
        return AwaitingClosure(account.product.id, pending.submitted_at, account.product.closure_review_days)
    closed = account.status == "closed"
    return CertificateReady(
        CertificateContent(
            masked_name=mask_name(customer_name),
            product_id=account.product.id,
            product_name=account.product.display_name,
            product_description=account.product.description,
            credit_limit=account.credit_limit,
            state=CLOSED if closed else SETTLED,
            settled_on=(account.closed_on or today) if closed else today,
        )
    )


def _total(debts: tuple[el.Blocker, ...]) -> Decimal:
    total = Decimal("0")
    for b in debts:
        if isinstance(b, el.InstalmentsRemaining):
            total += b.remaining_amount
        elif isinstance(b, (el.UnpaidBill, el.UnbilledSpending, el.CurrentlyOverdue)):
            total += b.amount
    return total


def _last_due(debts: tuple[el.Blocker, ...]) -> date | None:
    days: list[date] = []
    for b in debts:
        if isinstance(b, (el.CurrentlyOverdue, el.UnbilledSpending)):
            return None  # due now, or no date yet: no schedule to quote
        if isinstance(b, el.UnpaidBill):
            days.append(b.due_date)
        elif isinstance(b, el.InstalmentsRemaining):
            last = last_instalment_due(b)
            if last is None:
                return None
            days.append(last)
        elif isinstance(b, el.OrderPending) and b.expected_settle_on is not None:
            days.append(b.expected_settle_on)
    return max(days) if days else None


def new_verification_code() -> str:
    """A code printed on the certificate and looked up when someone verifies it: JQ-XXXX-XXXX-XX."""
    chars = "".join(secrets.choice(_CODE_ALPHABET) for _ in range(10))
    return f"{CODE_PREFIX}-{chars[:4]}-{chars[4:8]}-{chars[8:]}"


def new_download_token() -> str:
    """An unguessable token (192 bits) that is the only way to download one certificate."""
    return secrets.token_urlsafe(24)


def download_url(public_url: str, token: str) -> str:
    """Where the PDF is served (channels/certificates.py)."""
    return f"{public_url.rstrip('/')}/webhooks/certificates/download/{token}"


def verify_url(public_url: str, code: str) -> str:
    """Where a bank checks a certificate by its verification code."""
    return f"{public_url.rstrip('/')}/webhooks/certificates/verify/{code}"
