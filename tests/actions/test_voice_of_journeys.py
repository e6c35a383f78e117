"""The voice rules (tests/test_voice.py) on what the journeys really say to every demo customer.

tests/test_voice.py reads the templates; this sweep renders them with the seeded data filled
in (merchant and card notes, amounts, dates), the way a customer sees them, and counts the
messages before each confirmation question (issue 13, Voice: at most 4 with the question).
"""

from __future__ import annotations

from typing import Any

import pytest

from actions.closing import ActionCheckClosure
from actions.credit import ActionExplainClosureEffects, ActionExplainPlatformClosure
from actions.limit import ActionCheckLimit
from actions.pause import ActionCheckPause, ActionCheckReopen
from actions.service_requests import ActionShowRequests
from actions.unbinding import ActionCheckUnbind
from bot.db.seed import DEMO_CUSTOMERS
from tests.actions.conftest import make_tracker, run_action, seed_day
from tests.rendering import render, titles
from tests.test_voice import RENDERED_RULES, problems

pytestmark = pytest.mark.usefixtures("action_db")

BOTH = ["huabei", "jiebei"]
# (action, intent, slots, text): one journey each, asked about both lines where that makes sense
JOURNEYS: list[tuple[Any, str, dict[str, Any], str]] = [
    (ActionCheckClosure, "close_account", {"product": BOTH}, "花呗和借呗都关闭"),
    (ActionCheckClosure, "close_account", {"product": ["jiebei"]}, "借呗能关闭吗"),
    (ActionCheckPause, "pause_credit", {"product": ["huabei"], "duration": 90.0}, "花呗先暂停三个月"),
    (ActionCheckReopen, "reopen_account", {"product": BOTH}, "恢复使用"),
    (ActionCheckLimit, "lower_limit", {"product": ["huabei"]}, "花呗额度调低"),
    (ActionCheckUnbind, "unbind_service", {}, "全部解绑"),
    (ActionExplainClosureEffects, "ask_closure_effects", {"product": BOTH}, "关闭后会怎样"),
    (ActionExplainPlatformClosure, "ask_closed_by_platform", {"product": BOTH}, "为什么用不了"),
    (ActionShowRequests, "check_request_status", {}, "申请进度"),
]


def _texts(messages: list[dict[str, Any]], slots: dict[str, Any]) -> list[str]:
    texts = [render(m) for m in messages] + [t for m in messages for t in titles(m)]
    return texts + ([slots["change_question"]] if slots.get("change_question") else [])


@pytest.mark.parametrize("customer", sorted(DEMO_CUSTOMERS))
async def test_every_journey_speaks_in_the_service_desk_voice(customer: str) -> None:
    found = []
    for action, intent, slots, text in JOURNEYS:
        messages, events = await run_action(
            action(clock=seed_day), make_tracker(customer, intent=intent, slots=dict(slots), text=text)
        )
        set_slots = {e["name"]: e["value"] for e in events if e.get("event") == "slot"}
        texts = _texts(messages, set_slots)
        found += [f"{action.__name__}: {p}: {t}" for t in texts for p in problems(t, RENDERED_RULES)]
        if set_slots.get("closure_ready") or set_slots.get("change_ready"):
            # the answer, the facts that matter, at most one more, then the question
            assert len(messages) + 1 <= 4, f"{action.__name__} for {customer}: {len(messages)} messages"
    assert found == []
