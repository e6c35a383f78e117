"""Certificate and personal-data actions against a real, seeded database (both backends)."""

from pathlib import Path
from typing import Any

import pytest
from rasa_sdk.executor import CollectingDispatcher
from sqlalchemy import select
from sqlalchemy.orm import sessionmaker

from actions import common
from actions.certificates import ActionIssueCertificate
from actions.data_deletion import (
    ActionAskDeletionCode,
    ActionExplainDataDeletion,
    ActionSubmitDataDeletion,
    ValidateDataDeletionForm,
)
from bot.db import models as m
from bot.db.session import session_scope
from tests.actions.conftest import last_code, make_tracker, run_action, seed_day
from tests.rendering import domain, fragment, params, said

pytestmark = pytest.mark.usefixtures("action_db")
FORM = ValidateDataDeletionForm()


def slots_of(events: list[dict[str, Any]]) -> dict[str, Any]:
    return {e["name"]: e["value"] for e in events if e.get("event") == "slot"}


def stored(factory: sessionmaker, model: Any, customer: str) -> list[Any]:
    with session_scope(factory) as s:
        return list(s.execute(select(model).where(model.customer_id == customer)).scalars())


async def test_certificate_is_a_link_and_a_file_payload(factory: sessionmaker, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("BOT_PUBLIC_URL", "https://bot.example")
    common.settings.cache_clear()
    tracker = make_tracker("demo_clean", intent="request_settlement_certificate", slots={"product": ["huabei"]})
    messages, events = await run_action(ActionIssueCertificate(clock=seed_day), tracker)
    [row] = stored(factory, m.SettlementCertificate, "demo_clean")
    url = f"https://bot.example/webhooks/certificates/download/{row.download_token}"
    [message] = messages
    assert message["response"] == "utter_certificate_issued"
    assert params(message) == {
        "product_name": "花呗",
        "masked_name": "王*明",
        "limit": "¥8,000.00",
        "state": fragment("utter_certificate_state_settled", date="11月22日"),
        "verification_code": row.verification_code,
        "url": url,
        "verify_url": f"https://bot.example/webhooks/certificates/verify/{row.verification_code}",
    }
    assert message["custom"] == {"attachment": {"type": "file", "url": url, "name": "花呗结清证明.pdf"}}
    assert events == [{"event": "slot", "name": "journey_question", "timestamp": None, "value": None}]  # nothing waits


async def test_both_products_owed_are_listed_and_nothing_is_stored(factory: sessionmaker) -> None:
    tracker = make_tracker(
        "demo_balance", intent="request_settlement_certificate", slots={"product": ["huabei", "jiebei"]}
    )
    messages, _ = await run_action(ActionIssueCertificate(clock=seed_day), tracker)
    owed = ["utter_certificate_owed_intro", "utter_certificate_owed_bill", "utter_certificate_owed_total_by"]
    assert said(messages) == owed + owed
    assert [params(x) for x in messages] == [
        {"product_name": "花呗"},
        {"amount": "¥1,234.50", "due_date": "12月1日"},
        {"amount": "¥1,234.50", "date": "12月1日"},
        {"product_name": "借呗"},
        {"amount": "¥3,256.80", "due_date": "12月4日"},
        {"amount": "¥3,256.80", "date": "12月4日"},
    ]
    assert stored(factory, m.SettlementCertificate, "demo_balance") == []


async def test_explaining_offers_but_creates_no_request(factory: sessionmaker) -> None:
    messages, events = await run_action(
        ActionExplainDataDeletion(clock=seed_day), make_tracker("demo_clean", intent="ask_data_deletion")
    )
    assert slots_of(events)["deletion_ready"] is True
    assert said(messages) == [
        "fact:deletion_after_closing",
        "fact:aml_retention",
        "fact:credit_data_separate",
        "utter_deletion_scope_open_lines",
        "utter_deletion_offer",
    ]
    assert params(messages[-1]) == {"handling_days": "15"}
    assert stored(factory, m.ServiceRequest, "demo_clean") == []


def test_deleting_while_lines_are_open_promises_no_particular_data() -> None:
    """The request is reviewed by staff: chat records may have to be kept (complaints, disputes), so
    the reply names no category it cannot promise (issue 13.7), only the rule."""
    text = fragment("utter_deletion_scope_open_lines", products="借呗")
    assert "聊天记录" not in text and "营销偏好" not in text
    assert "不影响服务" in text and "依法保存" in text


async def test_no_confirmation_no_request(factory: sessionmaker) -> None:
    tracker = make_tracker("demo_clean", intent="deny", slots={"deletion_confirmed": False})
    messages, _ = await run_action(ActionSubmitDataDeletion(clock=seed_day), tracker)
    assert said(messages) == ["utter_deletion_not_submitted"]
    assert stored(factory, m.ServiceRequest, "demo_clean") == []


async def confirm_deletion(customer: str) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    dispatcher = CollectingDispatcher()
    tracker = make_tracker(customer, intent="affirm", slots={"deletion_ready": True})
    return await FORM.validate_deletion_confirmed(True, dispatcher, tracker, domain()), dispatcher.messages


async def enter_deletion_code(customer: str, text: str) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    dispatcher = CollectingDispatcher()
    tracker = make_tracker(customer, intent="inform", slots={"deletion_confirmed": True})
    return await FORM.validate_deletion_code(text, dispatcher, tracker, domain()), dispatcher.messages


async def submit_deletion(customer: str, code: str | None = "verified") -> tuple[list[dict[str, Any]], list[Any]]:
    tracker = make_tracker(customer, intent="inform", slots={"deletion_confirmed": True, "deletion_code": code})
    return await run_action(ActionSubmitDataDeletion(clock=seed_day), tracker)


async def test_a_yes_sends_a_code_and_the_form_asks_for_it(outbox: Path) -> None:
    result, messages = await confirm_deletion("demo_bound")
    assert result == {"deletion_confirmed": True} and said(messages) == ["utter_code_sent"]
    assert params(messages[0]) == {"phone_tail": "0000", "code_length": "6", "code_minutes": "5"}
    messages, _ = await run_action(ActionAskDeletionCode(), make_tracker("demo_bound", intent="affirm"))
    assert said(messages) == ["utter_ask_deletion_code"]
    assert params(messages[0]) == {"code_length": "6", "code_minutes": "5"}
    result, messages = await enter_deletion_code("demo_bound", "好的")
    assert result == {"deletion_code": None, "code_reasks": 1.0} and said(messages) == ["utter_code_format"]


async def test_a_confirmed_request_without_a_verified_code_is_not_submitted(factory: sessionmaker) -> None:
    # What anyone holding the HTTP API token could do: set deletion_confirmed and deletion_code by hand.
    messages, _ = await submit_deletion("demo_bound")
    assert said(messages) == ["utter_deletion_not_submitted"]
    await confirm_deletion("demo_bound")  # sent, never entered
    messages, _ = await submit_deletion("demo_bound")
    assert said(messages) == ["utter_deletion_not_submitted"]
    messages, _ = await submit_deletion("demo_bound", code=None)  # the form was left before the code
    assert said(messages) == ["utter_deletion_not_submitted"]
    assert stored(factory, m.ServiceRequest, "demo_bound") == []


async def test_confirmed_request_is_stored_and_announced(factory: sessionmaker, outbox: Path) -> None:
    await confirm_deletion("demo_bound")
    result, messages = await enter_deletion_code("demo_bound", last_code(outbox))
    assert result == {"deletion_code": "verified"} and messages == []
    messages, events = await submit_deletion("demo_bound")
    [request] = stored(factory, m.ServiceRequest, "demo_bound")
    assert request.kind == "data_deletion" and request.status == "submitted"
    assert said(messages) == ["utter_deletion_submitted"]
    assert params(messages[0]) == {
        "request_id": str(request.id),
        "handling_days": "15",
        "scope": fragment("utter_deletion_scope_note_unused"),
        "notify": fragment("utter_deletion_notify_phone", phone_tail="0000"),
    }
    assert slots_of(events) == {
        "deletion_ready": False,
        "deletion_confirmed": None,
        "deletion_code": None,
        "form_reasks": None,
    }
    messages, _ = await submit_deletion("demo_bound")  # the same slots again: the code is used up
    assert said(messages) == ["utter_deletion_not_submitted"]
    assert len(stored(factory, m.ServiceRequest, "demo_bound")) == 1
