"""Certificate and personal-data actions against a real, seeded database (both backends)."""

import pytest
from sqlalchemy import select

from actions import common
from actions.certificates import ActionIssueCertificate
from actions.data_deletion import ActionExplainDataDeletion, ActionSubmitDataDeletion
from bot.db import models as m
from bot.db.session import session_scope
from tests.actions.conftest import make_tracker, run_action, seed_day
from tests.rendering import render_all

pytestmark = pytest.mark.usefixtures("action_db")


def slots_of(events) -> dict:  # type: ignore[no-untyped-def]
    return {e["name"]: e["value"] for e in events if e.get("event") == "slot"}


def stored(factory, model, customer: str) -> list:  # type: ignore[no-untyped-def]
    with session_scope(factory) as s:
        return list(s.execute(select(model).where(model.customer_id == customer)).scalars())


async def test_certificate_is_a_link_and_a_file_payload(factory, monkeypatch: pytest.MonkeyPatch) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.setenv("BOT_PUBLIC_URL", "https://bot.example")
    common.settings.cache_clear()
    tracker = make_tracker("demo_clean", intent="request_settlement_certificate", slots={"product": ["huabei"]})
    messages, events = await run_action(ActionIssueCertificate(clock=seed_day), tracker)
    [row] = stored(factory, m.SettlementCertificate, "demo_clean")
    url = f"https://bot.example/webhooks/certificates/download/{row.download_token}"
    [message] = messages
    assert message["response"] == "utter_certificate_issued" and message["url"] == url
    assert message["custom"] == {"attachment": {"type": "file", "url": url, "name": "花呗结清证明.pdf"}}
    assert row.verification_code in render_all(messages) and events == []


async def test_both_products_owed_are_listed_and_nothing_is_stored(factory) -> None:  # type: ignore[no-untyped-def]
    tracker = make_tracker(
        "demo_balance", intent="request_settlement_certificate", slots={"product": ["huabei", "jiebei"]}
    )
    messages, _ = await run_action(ActionIssueCertificate(clock=seed_day), tracker)
    said = render_all(messages)
    assert "花呗还有没结清的款项" in said and "借呗还有没结清的款项" in said
    assert "¥1,234.50" in said and "¥3,256.80" in said
    assert stored(factory, m.SettlementCertificate, "demo_balance") == []


async def test_explaining_offers_but_creates_no_request(factory) -> None:  # type: ignore[no-untyped-def]
    messages, events = await run_action(
        ActionExplainDataDeletion(clock=seed_day), make_tracker("demo_clean", intent="ask_data_deletion")
    )
    assert slots_of(events)["deletion_ready"] is True
    assert "至少保存 10 年" in render_all(messages) and "15 个工作日内" in render_all(messages)
    assert stored(factory, m.ServiceRequest, "demo_clean") == []


async def test_no_confirmation_no_request(factory) -> None:  # type: ignore[no-untyped-def]
    tracker = make_tracker("demo_clean", intent="deny", slots={"deletion_confirmed": False})
    messages, _ = await run_action(ActionSubmitDataDeletion(clock=seed_day), tracker)
    assert [x["response"] for x in messages] == ["utter_deletion_not_submitted"]
    assert stored(factory, m.ServiceRequest, "demo_clean") == []


async def test_confirmed_request_is_stored_and_announced(factory) -> None:  # type: ignore[no-untyped-def]
    tracker = make_tracker("demo_bound", intent="affirm", slots={"deletion_confirmed": True})
    messages, events = await run_action(ActionSubmitDataDeletion(clock=seed_day), tracker)
    [request] = stored(factory, m.ServiceRequest, "demo_bound")
    assert request.kind == "data_deletion" and request.status == "submitted"
    said = render_all(messages)
    assert f"申请编号 {request.id}" in said and "尾号0000的手机" in said
    assert slots_of(events) == {"deletion_ready": False, "deletion_confirmed": None}
