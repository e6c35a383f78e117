"""Issuing a settlement certificate: check again inside the transaction, store, audit.

Issuing changes no account, so it needs no confirmation; it is still recorded
(the certificate row and an audit entry) so that its code can be verified later.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timezone

from sqlalchemy.orm import Session

from bot.certificates import eligibility as cert
from bot.db import queries


@dataclass(frozen=True)
class Issued:
    """A certificate was issued and stored."""

    certificate: cert.IssuedCertificate


CertificateOutcome = Issued | cert.StillOwed | cert.AwaitingClosure


def issue_certificate(
    session: Session, *, customer_id: str, product_id: str, today: date, channel: str
) -> CertificateOutcome | None:
    """Issue a certificate for the customer's line on `product_id`, or say why not.

    Returns:
        Issued, StillOwed or AwaitingClosure; None if the customer holds no such line.
    """
    customer = queries.load_customer(session, customer_id)
    account = customer.account(product_id) if customer else None
    if customer is None or account is None:
        return None
    check = cert.check_certificate(account, customer.name, today=today)
    if not isinstance(check, cert.CertificateReady):
        return check
    issued = cert.IssuedCertificate(
        content=check.content,
        verification_code=cert.new_verification_code(),
        download_token=cert.new_download_token(),
        issued_on=today,
        issued_at=datetime.now(timezone.utc),
    )
    queries.add_certificate(
        session, customer_id=customer_id, account_id=account.account_id, issued=issued, channel=channel
    )
    return Issued(issued)
