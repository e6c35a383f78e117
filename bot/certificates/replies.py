"""What to tell a customer who asks for a settlement certificate (「我要开个结清证明」)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from bot.certificates import eligibility as cert
from bot.certificates.issuing import CertificateOutcome, Issued
from bot.closing import eligibility as el
from bot.core.catalog import Catalog
from bot.core.choice_replies import choice_notes, product_question
from bot.core.formatting import cn_date, local_date, yuan
from bot.core.product_choice import ProductChoice
from bot.core.replies import Fragment, Param, Reply


@dataclass(frozen=True)
class CertificateLink:
    """A download the widget renders as a file link (custom payload, see README)."""

    url: str
    name: str

    def payload(self) -> dict[str, Any]:
        """The custom JSON sent next to the text reply."""
        return {"attachment": {"type": "file", "url": self.url, "name": self.name}}


def choice_replies(choice: ProductChoice, catalog: Catalog) -> list[Reply]:
    """Ask which product, or say the product is not ours / not held, before anything is issued."""
    replies = choice_notes(choice, catalog, no_account="utter_certificate_no_account")
    if choice.ask:
        question = "utter_ask_certificate_product"
        replies.append(product_question(question, "request_settlement_certificate", choice.options, offer_all=True))
    return replies


def outcome_replies(
    outcome: CertificateOutcome, catalog: Catalog, *, public_url: str, today: date
) -> tuple[list[Reply], CertificateLink | None]:
    """The answer for one product: the link (and what it states), what remains owed, or when to come back."""
    if isinstance(outcome, Issued):
        return _issued(outcome.certificate, public_url, today)
    product = catalog.product(outcome.product_id)
    name = product.display_name if product else outcome.product_id
    if isinstance(outcome, cert.AwaitingClosure):
        submitted: Param = (
            cn_date(local_date(outcome.submitted_at), today=today)
            if outcome.submitted_at
            else Fragment("utter_date_unknown")
        )
        return [
            Reply(
                "utter_certificate_awaiting_closure",
                {"product_name": name, "submitted": submitted, "review_days": str(outcome.review_days)},
            )
        ], None
    return _still_owed(outcome, name, today), None


def _issued(issued: cert.IssuedCertificate, public_url: str, today: date) -> tuple[list[Reply], CertificateLink]:
    content = issued.content
    url = cert.download_url(public_url, issued.download_token)
    state = "utter_certificate_state_closed" if content.state == cert.CLOSED else "utter_certificate_state_settled"
    reply = Reply(
        "utter_certificate_issued",
        {
            "product_name": content.product_name,
            "masked_name": content.masked_name,
            "limit": yuan(content.credit_limit),
            "state": Fragment(state, {"date": cn_date(content.settled_on, today=today)}),
            "verification_code": issued.verification_code,
            "url": url,
            "verify_url": cert.verify_url(public_url, issued.verification_code),
        },
    )
    return [reply], CertificateLink(url, f"{content.product_name}结清证明.pdf")


def _still_owed(owed: cert.StillOwed, name: str, today: date) -> list[Reply]:
    replies = [Reply("utter_certificate_owed_intro", {"product_name": name})]
    replies += [_debt_line(b, today) for b in owed.blockers]
    when = cn_date(owed.last_due, today=today) if owed.last_due is not None else None
    if owed.total <= 0:  # only orders or refunds still open
        replies.append(
            Reply("utter_certificate_orders_by", {"date": when}) if when else Reply("utter_certificate_orders")
        )
    elif when:
        replies.append(Reply("utter_certificate_owed_total_by", {"amount": yuan(owed.total), "date": when}))
    else:
        replies.append(Reply("utter_certificate_owed_total", {"amount": yuan(owed.total)}))
    return replies


def _debt_line(blocker: el.Blocker, today: date) -> Reply:
    if isinstance(blocker, el.UnpaidBill):
        return Reply(
            "utter_certificate_owed_bill",
            {"amount": yuan(blocker.amount), "due_date": cn_date(blocker.due_date, today=today)},
        )
    if isinstance(blocker, el.UnbilledSpending):
        return Reply("utter_certificate_owed_unbilled", {"amount": yuan(blocker.amount)})
    if isinstance(blocker, el.CurrentlyOverdue):
        return Reply(
            "utter_certificate_owed_overdue",
            {"amount": yuan(blocker.amount), "since": cn_date(blocker.since, today=today)},
        )
    if isinstance(blocker, el.InstalmentsRemaining):
        return _instalment_line(blocker, today)
    if isinstance(blocker, el.OrderPending):
        expected: Param = ""
        if blocker.expected_settle_on is not None:
            expected = Fragment("utter_closure_expected_by", {"date": cn_date(blocker.expected_settle_on, today=today)})
        response = (
            "utter_certificate_owed_refund" if blocker.kind == "refund_in_progress" else "utter_certificate_owed_order"
        )
        return Reply(response, {"merchant": blocker.merchant, "amount": yuan(blocker.amount), "expected": expected})
    raise TypeError(f"not a debt: {blocker!r}")


def _instalment_line(blocker: el.InstalmentsRemaining, today: date) -> Reply:
    last = cert.last_instalment_due(blocker)
    params: dict[str, Param] = {
        "description": blocker.description,
        "terms": str(blocker.remaining_terms),
        "amount": yuan(blocker.remaining_amount),
    }
    if blocker.next_due_date is None or last is None:
        return Reply("utter_certificate_owed_instalments", params)
    params.update(next_due=cn_date(blocker.next_due_date, today=today), last_due=cn_date(last, today=today))
    return Reply("utter_certificate_owed_instalments_dated", params)
