"""The redacting tracker stores: a conversation full of personal numbers, stored, contains none of them.

Driven through the real classes: the in-memory store of endpoints.yml and the SQL
store of endpoints.production.yml on PostgreSQL; the stored form is then searched
(the serialised tracker, the rows of the events table) for the numbers as typed.
"""

from __future__ import annotations

import json
import uuid
from typing import Any

import pytest
from rasa.core.tracker_store import TrackerStore
from rasa.core.utils import AvailableEndpoints
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import (
    ActionExecuted,
    ActiveLoop,
    BotUttered,
    Event,
    SessionStarted,
    SlotSet,
    UserUttered,
)
from rasa.shared.core.trackers import DialogueStateTracker
from sqlalchemy import select
from sqlalchemy.orm import sessionmaker

from bot.config import REPO_ROOT
from bot.core.catalog import load_data_request_policy
from bot.data_deletion.deletion import DeletionSubmitted, review_data_deletion, submit_data_deletion
from bot.db import models as m
from bot.db.session import session_scope
from channels.erasure import erase_approved
from channels.redacting_store import (
    RedactingInMemoryTrackerStore,
    RedactingSQLTrackerStore,
    erase_conversation,
)

CODE, PHONE, OTHER_PHONE = "482913", "13812345678", "15987654321"
ID_NUMBER, CARD, SPACED_CARD = "11010119900307123X", "6222021234567890", "6217 0012 3456 7890 123"
SECRETS = (CODE, PHONE, OTHER_PHONE, ID_NUMBER, CARD, SPACED_CARD, SPACED_CARD.replace(" ", ""), "138 1234 5678")


@pytest.fixture(scope="module")
def domain() -> Domain:
    return Domain.load(str(REPO_ROOT / "domain.yml"))


def _user(message: str, intent: str = "inform", entities: list[dict[str, object]] | None = None) -> UserUttered:
    return UserUttered(
        message, {"name": intent, "confidence": 1.0}, entities or [], {"text": message, "intent": {"name": intent}}
    )


def turns() -> list[list[Event]]:
    """What Rasa appends per message (each list is saved once, as the processor does)."""
    return [
        [SessionStarted(), ActionExecuted("action_listen")],
        [_user("借呗能注销吗", "close_account"), BotUttered("借呗可以注销。"), ActionExecuted("action_listen")],
        [
            _user("确认", "affirm"),
            ActiveLoop("closure_form"),
            SlotSet("closure_confirmed", True),
            SlotSet("requested_slot", "closure_code"),
            BotUttered("请输入验证码"),
            ActionExecuted("action_listen"),
        ],
        [
            # the code as typed; action_extract_slots copies it into the slot, the form's validation replaces it
            _user(CODE, "inform", [{"entity": "amount", "value": int(CODE), "start": 0, "end": 6}]),
            SlotSet("closure_code", CODE),
            SlotSet("closure_code", "verified"),
            SlotSet("requested_slot", None),
            ActiveLoop(None),
            ActionExecuted("action_listen"),
        ],
        [
            _user(f"我身份证{ID_NUMBER}，卡号{CARD}被扣了两次", "request_human"),
            ActiveLoop("callback_form"),
            SlotSet("requested_slot", "callback_message"),
            ActionExecuted("action_listen"),
        ],
        [
            _user(f"卡 {SPACED_CARD} 的事，打 138 1234 5678"),
            SlotSet("callback_message", f"卡 {SPACED_CARD} 的事，打 138 1234 5678"),
            SlotSet("requested_slot", "callback_phone"),
            ActionExecuted("action_listen"),
        ],
        [
            _user(f"+86 {OTHER_PHONE}"),
            SlotSet("callback_phone", OTHER_PHONE),
            BotUttered("您好，我是人工客服", metadata={"sender": "agent", "agent_name": "小王"}),
            BotUttered(f"是尾号7890吗？{PHONE}", metadata={"sender": "agent", "agent_name": "小王"}),
            ActionExecuted("action_listen"),
        ],
    ]


async def _drive(store: TrackerStore, domain: Domain, sender: str) -> DialogueStateTracker:
    """Each turn: read the stored tracker (or start one), append the turn's events, save; as Rasa's processor."""
    tracker = DialogueStateTracker(sender, domain.slots)
    for events in turns():
        stored = await store.retrieve(sender)
        tracker = stored if stored is not None else DialogueStateTracker(sender, domain.slots)
        for event in events:
            tracker.update(event)
        await store.save(tracker)
    return tracker


def _assert_no_secret(stored: str) -> None:
    for secret in SECRETS:
        assert secret not in stored, secret


def _assert_masked(tracker: DialogueStateTracker) -> None:
    texts = [e.text for e in tracker.events if isinstance(e, UserUttered)]
    assert "[验证码]" in texts
    assert any("[身份证号尾号123X]" in t and "[卡号尾号7890]" in t for t in texts if t)
    assert "159****4321" in texts
    assert tracker.get_slot("closure_code") == "verified"
    assert tracker.get_slot("callback_phone") == "159****4321"  # the ticket row keeps the full number
    assert tracker.get_slot("callback_message") == "卡 [卡号尾号0123] 的事，打 138****5678"


async def test_the_in_memory_store_keeps_no_number_in_clear(domain: Domain) -> None:
    store = RedactingInMemoryTrackerStore(domain)
    last = await _drive(store, domain, "demo_balance")
    # the tracker of the turn (what its actions saw) is untouched; earlier turns were read back masked
    assert last.latest_message is not None and last.latest_message.text == f"+86 {OTHER_PHONE}"
    assert last.get_slot("callback_phone") == OTHER_PHONE
    stored = store.stored_json("demo_balance")
    assert stored is not None
    _assert_no_secret(stored)
    again = await store.retrieve("demo_balance")
    assert again is not None
    _assert_masked(again)
    assert await erase_conversation(store, "demo_balance") is True
    assert await store.retrieve("demo_balance") is None


def test_endpoints_yml_configures_the_redacting_in_memory_store(
    domain: Domain, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("BOT_ACTION_SECRET", "x" * 32)
    endpoints = AvailableEndpoints.read_endpoints(str(REPO_ROOT / "endpoints.yml"))
    # an unknown class path would silently give a plain InMemoryTrackerStore
    assert isinstance(TrackerStore.create(endpoints.tracker_store, domain), RedactingInMemoryTrackerStore)


@pytest.fixture
def sql_store(sql_tracker_store: Any, domain: Domain) -> RedactingSQLTrackerStore:
    """The production store on the run's tracker database, next to the test database."""
    store: RedactingSQLTrackerStore = sql_tracker_store(domain)
    return store


async def test_the_sql_store_writes_no_number_in_clear(sql_store: RedactingSQLTrackerStore, domain: Domain) -> None:
    sender = f"redact-{uuid.uuid4().hex}"
    await _drive(sql_store, domain, sender)
    with sql_store.session_scope() as session:
        rows = session.query(sql_store.SQLEvent).filter(sql_store.SQLEvent.sender_id == sender).all()
        stored = json.dumps([r.data for r in rows], ensure_ascii=False)
    assert len(rows) == sum(len(t) for t in turns())
    _assert_no_secret(stored)
    _assert_no_secret(json.dumps([json.loads(r) for r in json.loads(stored)], ensure_ascii=False))
    again = await sql_store.retrieve(sender)
    assert again is not None
    _assert_masked(again)
    assert await erase_conversation(TrackerStore.create(sql_store), sender) is True
    assert await sql_store.retrieve_full_tracker(sender) is None


async def test_an_approved_deletion_erases_the_customers_conversation_once(
    factory: sessionmaker, db_url: str, domain: Domain
) -> None:
    store = RedactingInMemoryTrackerStore(domain)
    for sender in ("demo_clean", "demo_bound"):
        await _drive(store, domain, sender)
    with session_scope(factory) as s:
        outcome = submit_data_deletion(s, customer_id="demo_clean", channel="rest", policy=load_data_request_policy())
    assert isinstance(outcome, DeletionSubmitted)
    assert await erase_approved(store, db_url) == []  # not approved yet
    with session_scope(factory) as s:
        review_data_deletion(s, request_id=outcome.request_id, approve=True, operator="li")
    assert await erase_approved(store, db_url) == ["demo_clean"]
    assert await store.retrieve("demo_clean") is None and await store.retrieve("demo_bound") is not None
    assert await erase_approved(store, db_url) == []  # done once
    with session_scope(factory) as s:
        audit = s.execute(select(m.AuditEntry).where(m.AuditEntry.action == "conversation_erased")).scalars().all()
        assert [(a.entity_id, a.after) for a in audit] == [("demo_clean", {"existed": True})]
