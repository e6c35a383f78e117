"""Theft reports, disowned closures and complaints: the actions against the seeded database (issue 12.5)."""

from __future__ import annotations

from typing import Any
from unittest.mock import AsyncMock, patch

import pytest
from rasa_sdk import Tracker
from sqlalchemy.orm import sessionmaker

from actions import handoff
from bot.handoff.tickets import HandoffReason
from tests.actions.conftest import run_action, seed_day
from tests.actions.test_change_actions import snapshot
from tests.rendering import params, said

pytestmark = pytest.mark.usefixtures("action_db")


def tracker(sender: str, intent: str, text: str, *, loop: str | None = None) -> Tracker:
    latest = {"intent": {"name": intent, "confidence": 1.0}, "entities": [], "text": text}
    active = {"name": loop} if loop else {}
    return Tracker(sender, {}, latest, [], False, None, active, "rest")


def slots(events: list[dict[str, Any]]) -> dict[str, Any]:
    return {e["name"]: e["value"] for e in events if e["event"] == "slot"}


async def test_a_theft_report_advises_and_offers_to_pause_the_open_lines_first(factory: sessionmaker) -> None:
    before = snapshot(factory, "demo_clean")
    with patch.object(handoff, "hand_over", AsyncMock(return_value=[])) as hand_over:
        messages, events = await run_action(
            handoff.ActionFraudHandoff(clock=seed_day), tracker("demo_clean", "check_request_status", "是不是被盗号了")
        )
    assert said(messages) == [
        "utter_fraud_ack",
        "utter_fraud_keep_codes",
        "fact:misuse_check_report",
        "utter_fraud_pause_offer",
    ]
    assert params(messages[-1])["products"] == "花呗和借呗"
    assert events == []  # the answer to the offer follows this action directly (a rule)
    hand_over.assert_not_awaited()  # the answer to the offer hands over
    assert snapshot(factory, "demo_clean") == before


async def test_inside_a_form_the_step_stops_first() -> None:
    with patch.object(handoff, "hand_over", AsyncMock(return_value=[])):
        messages, events = await run_action(
            handoff.ActionFraudHandoff(clock=seed_day),
            tracker("demo_clean", "deny", "不是我本人操作的", loop="closure_form"),
        )
    assert said(messages)[0] == "utter_step_stopped"
    assert {"event": "active_loop", "name": None, "timestamp": None} in events
    assert slots(events)["closure_ready"] is False


async def test_with_no_line_to_pause_it_hands_over_at_once() -> None:
    with patch.object(handoff, "hand_over", AsyncMock(return_value=[])) as hand_over:
        messages, _ = await run_action(
            handoff.ActionFraudHandoff(clock=seed_day), tracker("no_such_customer", "out_of_scope", "被盗号了")
        )
    assert "utter_fraud_pause_offer" not in said(messages)
    assert hand_over.await_args is not None and hand_over.await_args.args[3] is HandoffReason.SUSPECTED_FRAUD


async def test_yes_pauses_every_open_line_then_hands_over(factory: sessionmaker) -> None:
    with patch.object(handoff, "hand_over", AsyncMock(return_value=[])) as hand_over:
        messages, events = await run_action(
            handoff.ActionFraudPauseThenHandoff(clock=seed_day), tracker("demo_clean", "affirm", "好的")
        )
    assert said(messages) == ["utter_pause_done", "utter_pause_done"]
    accounts = snapshot(factory, "demo_clean")
    assert all(status == "paused" for status, *_ in accounts["accounts"].values())
    assert hand_over.await_args is not None and hand_over.await_args.args[3] is HandoffReason.SUSPECTED_FRAUD


async def test_no_pauses_nothing_and_hands_over(factory: sessionmaker) -> None:
    before = snapshot(factory, "demo_clean")
    with patch.object(handoff, "hand_over", AsyncMock(return_value=[])) as hand_over:
        messages, _ = await run_action(
            handoff.ActionFraudPauseThenHandoff(clock=seed_day), tracker("demo_clean", "deny", "直接转人工")
        )
    assert messages == [] and snapshot(factory, "demo_clean") == before
    hand_over.assert_awaited_once()


async def test_i_never_closed_it_about_a_closure_on_record_is_a_theft_signal() -> None:
    _, events = await run_action(
        handoff.ActionCheckDisowned(clock=seed_day), tracker("demo_closed", "ask_closed_by_platform", "我没关过")
    )
    assert events == [{"event": "followup", "name": "action_fraud_handoff", "timestamp": None}]


async def test_i_never_closed_it_with_no_closure_on_record_explains_the_platforms_side() -> None:
    messages, events = await run_action(
        handoff.ActionCheckDisowned(clock=seed_day), tracker("demo_frozen", "ask_closed_by_platform", "我没关过")
    )
    assert said(messages)[0] == "utter_platform_frozen" and events == []


async def test_a_complaint_is_acknowledged_with_the_channels_and_a_human_offer() -> None:
    messages, events = await run_action(
        handoff.ActionHandleComplaint(clock=seed_day),
        tracker("demo_overdue", "out_of_scope", "催收天天骚扰我 太过分了"),
    )
    assert said(messages) == [
        "utter_complaint_ack",
        "fact:collection_rules",
        "fact:complaint_channels",
        "utter_complaint_offer_human",
    ]
    assert messages[-1]["buttons"][0]["payload"] == "/request_human"
    assert events == [{"event": "slot", "name": "journey_question", "timestamp": None, "value": None}]  # walked away
