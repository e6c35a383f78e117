"""Issuing certificates and data-deletion requests against real SQLite and PostgreSQL."""

from datetime import timedelta
from decimal import Decimal

from sqlalchemy import select

from bot.certificates import eligibility as cert
from bot.certificates.issuing import Issued, issue_certificate
from bot.closing import submission as closure
from bot.core.catalog import load_data_request_policy
from bot.data_deletion.deletion import (
    SCOPE_ALL,
    SCOPE_UNUSED,
    DeletionAlreadyOpen,
    DeletionNotVerified,
    DeletionSubmitted,
    deletion_fingerprint,
    submit_data_deletion,
    submit_verified_data_deletion,
)
from bot.db import models as m
from bot.db.queries import certificate_by_code, certificate_by_token, load_customer, load_requests
from bot.db.session import session_scope
from bot.security.verification import Purpose
from bot.service_requests.withdrawal import withdraw_request
from tests.conftest import TODAY
from tests.factories import verify_step_up


def issue(factory, customer: str, product: str):
    with session_scope(factory) as s:
        return issue_certificate(s, customer_id=customer, product_id=product, today=TODAY, channel="rest")


def rows(factory, model):
    with session_scope(factory) as s:
        return list(s.execute(select(model).order_by(model.id)).scalars())


def test_closed_line_gets_a_stored_certificate_found_by_code_and_token(factory) -> None:
    outcome = issue(factory, "demo_closed", "huabei")
    assert isinstance(outcome, Issued)
    content = outcome.certificate.content
    assert (content.masked_name, content.state, content.settled_on, content.credit_limit) == (
        "黄*",
        cert.CLOSED,
        TODAY - timedelta(days=32),
        Decimal("5000.00"),
    )
    [row] = rows(factory, m.SettlementCertificate)
    assert (row.customer_id, row.product_id, row.verification_code) == (
        "demo_closed",
        "huabei",
        outcome.certificate.verification_code,
    )
    with session_scope(factory) as s:
        by_code, by_token = certificate_by_code(s, row.verification_code), certificate_by_token(s, row.download_token)
        for found in (by_code, by_token):
            assert found is not None and found.content == content and found.issued_on == TODAY
            assert found.download_token == outcome.certificate.download_token
        assert certificate_by_token(s, "x" * 32) is None
    [audit] = [a for a in rows(factory, m.AuditEntry) if a.action == "certificate_issued"]
    assert audit.actor == "customer:demo_closed" and audit.after["verification_code"] == row.verification_code
    assert row.download_token not in str(audit.after)  # the token is a secret: never in the audit log


def test_each_request_gets_its_own_code_and_token(factory) -> None:
    first, second = issue(factory, "demo_clean", "jiebei"), issue(factory, "demo_clean", "jiebei")
    assert first.certificate.verification_code != second.certificate.verification_code
    assert first.certificate.download_token != second.certificate.download_token
    assert first.certificate.content.state == cert.SETTLED and first.certificate.content.settled_on == TODAY


def test_money_owed_stores_nothing(factory) -> None:
    outcome = issue(factory, "demo_instalment", "huabei")
    assert isinstance(outcome, cert.StillOwed) and outcome.total == Decimal("2333.31")
    assert outcome.last_due == cert.add_months(TODAY + timedelta(days=6), 6)
    assert rows(factory, m.SettlementCertificate) == []


def test_closure_under_review_waits(factory) -> None:
    with session_scope(factory) as s:
        closure.submit_closure(s, customer_id="demo_clean", product_id="jiebei", channel="rest", today=TODAY)
    outcome = issue(factory, "demo_clean", "jiebei")
    assert isinstance(outcome, cert.AwaitingClosure) and outcome.review_days == 3


def test_no_such_line(factory) -> None:
    assert issue(factory, "demo_clean", "weilidai") is None
    assert issue(factory, "nobody", "huabei") is None


def delete_request(factory, customer: str):
    with session_scope(factory) as s:
        return submit_data_deletion(s, customer_id=customer, channel="rest", policy=load_data_request_policy())


def test_deletion_request_is_submitted_once_and_audited(factory) -> None:
    outcome = delete_request(factory, "demo_clean")
    assert isinstance(outcome, DeletionSubmitted)
    assert (outcome.scope, outcome.handling_working_days) == (SCOPE_UNUSED, 15)
    [request] = [r for r in rows(factory, m.ServiceRequest) if r.customer_id == "demo_clean"]
    assert (request.kind, request.status, request.account_id) == ("data_deletion", "submitted", None)
    assert request.details["open_products"] == ["huabei", "jiebei"]
    assert "aml_retention" in request.details["retained_by_law"]
    assert [a.action for a in rows(factory, m.AuditEntry)] == ["request_data_deletion_submitted"]
    assert isinstance(delete_request(factory, "demo_clean"), DeletionAlreadyOpen)
    assert len([r for r in rows(factory, m.ServiceRequest) if r.customer_id == "demo_clean"]) == 1


def test_deletion_scope_once_every_line_is_closed(factory) -> None:
    with session_scope(factory) as s:
        closure.submit_closure(s, customer_id="demo_closed", product_id="jiebei", channel="rest", today=TODAY)
    # jiebei needs an operator; approve it so every line is closed
    with session_scope(factory) as s:
        pending = [r for r in load_requests(s, "demo_closed") if r.is_open][0]
        closure.review_closure(s, request_id=pending.id, approve=True, operator="li", today=TODAY)
    outcome = delete_request(factory, "demo_closed")
    assert isinstance(outcome, DeletionSubmitted) and outcome.scope == SCOPE_ALL


def test_deletion_request_can_be_withdrawn_by_its_owner_only(factory) -> None:
    outcome = delete_request(factory, "demo_bound")
    with session_scope(factory) as s:
        assert withdraw_request(s, customer_id="demo_clean", request_id=outcome.request_id, channel="rest") is None
    with session_scope(factory) as s:
        withdrawn = withdraw_request(s, customer_id="demo_bound", request_id=outcome.request_id, channel="rest")
        assert withdrawn is not None and withdrawn.status == "withdrawn"


def test_operator_decides_a_deletion_request(factory) -> None:
    from bot.data_deletion.deletion import review_data_deletion

    outcome = delete_request(factory, "demo_clean")
    with session_scope(factory) as s:
        decided = review_data_deletion(s, request_id=outcome.request_id, approve=True, operator="li")
        assert decided is not None and decided.status == "approved"
    with session_scope(factory) as s:
        closed = [r for r in load_requests(s, "demo_closed") if r.kind == "close"][0]
        assert review_data_deletion(s, request_id=closed.id, approve=True, operator="li") is None


# ── a conversation's deletion request: only with a verification of this request, consumed once ──


def verified_request(factory, customer: str):
    with session_scope(factory) as s:
        return submit_verified_data_deletion(s, customer_id=customer, channel="rest", policy=load_data_request_policy())


def verify(factory, customer: str) -> None:
    with session_scope(factory) as s:
        customer_now = load_customer(s, customer)
        assert customer_now is not None
        verify_step_up(s, customer, Purpose.DATA_DELETION, deletion_fingerprint(customer_now))


def test_without_a_verified_code_no_deletion_request(factory) -> None:
    before = (len(rows(factory, m.ServiceRequest)), len(rows(factory, m.AuditEntry)))
    assert verified_request(factory, "demo_clean") == DeletionNotVerified()
    assert (len(rows(factory, m.ServiceRequest)), len(rows(factory, m.AuditEntry))) == before
    assert verified_request(factory, "nobody") is None


def test_a_verified_deletion_request_is_submitted_once(factory) -> None:
    verify(factory, "demo_clean")
    assert isinstance(verified_request(factory, "demo_clean"), DeletionSubmitted)
    assert verified_request(factory, "demo_clean") == DeletionNotVerified()  # used up


def test_a_code_for_another_scope_does_not_fit(factory) -> None:
    verify(factory, "demo_closed")  # one line (jiebei) still open
    with session_scope(factory) as s:
        outcome = closure.submit_closure(s, customer_id="demo_closed", product_id="jiebei", channel="rest", today=TODAY)
        assert isinstance(outcome, closure.ClosureSubmitted)
        closure.review_closure(s, request_id=outcome.request_id, approve=True, operator="li", today=TODAY)
    assert verified_request(factory, "demo_closed") == DeletionNotVerified()  # every line closed now: more goes


def test_an_approved_deletion_erases_the_customers_tickets_but_keeps_the_rows_and_audit(factory) -> None:
    from bot.data_deletion.deletion import conversation_erased, conversations_to_erase, review_data_deletion
    from bot.db import queries
    from bot.handoff.tickets import TicketKind

    with session_scope(factory) as s:
        for customer, kind in (
            ("demo_clean", TicketKind.MESSAGE),
            ("demo_clean", TicketKind.LIVE),
            ("demo_bound", TicketKind.LIVE),
        ):
            ticket = queries.open_ticket(
                s,
                conversation_id=customer,
                customer_id=customer,
                kind=kind,
                reason="requested",
                summary={"customer": {"name": "李娜"}, "last_messages": [{"speaker": "user", "text": "转人工"}]},
                channel="rest",
                message="请回电" if kind is TicketKind.MESSAGE else None,
                callback_phone="13812345678" if kind is TicketKind.MESSAGE else None,
            )
            queries.add_ticket_note(
                s, ticket_id=ticket.id, agent="xiaowang", text="客户说卡号尾号7890", channel="console"
            )
    rejected = delete_request(factory, "demo_bound")
    with session_scope(factory) as s:
        review_data_deletion(s, request_id=rejected.request_id, approve=False, operator="li")
    outcome = delete_request(factory, "demo_clean")
    with session_scope(factory) as s:
        assert conversations_to_erase(s) == []
        review_data_deletion(s, request_id=outcome.request_id, approve=True, operator="li")
    tickets = {t.id: t for t in rows(factory, m.HandoffTicket)}
    notes = rows(factory, m.TicketNote)
    erased = [t for t in tickets.values() if t.customer_id == "demo_clean"]
    assert len(erased) == 2 and len(tickets) == 3
    for ticket in erased:
        assert (ticket.summary, ticket.message, ticket.callback_phone) == ({"erased": True}, None, None)
        assert ticket.status in ("message_left", "queued")
    kept = next(t for t in tickets.values() if t.customer_id == "demo_bound")
    assert kept.summary["customer"]["name"] == "李娜"
    assert {n.text for n in notes if tickets[n.ticket_id].customer_id == "demo_clean"} == {queries.ERASED_NOTE}
    assert {n.text for n in notes if tickets[n.ticket_id].customer_id == "demo_bound"} == {"客户说卡号尾号7890"}
    audit = [a.action for a in rows(factory, m.AuditEntry)]
    assert audit.count("ticket_created") == 3 and audit.count("ticket_data_erased") == 2
    # the conversation itself waits for channels.erasure, once
    with session_scope(factory) as s:
        assert conversations_to_erase(s) == ["demo_clean"]
        conversation_erased(s, conversation_id="demo_clean", existed=True)
    with session_scope(factory) as s:
        assert conversations_to_erase(s) == []
