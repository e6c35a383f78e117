"""Slot readers tolerate any JSON a slot may hold (Rasa's HTTP API can set every slot to anything)."""

from typing import Any

import pytest

from actions.common import product_slot, slot_list
from actions.handoff import _reason
from actions.service_requests import _request_id
from bot.handoff.tickets import HandoffReason
from tests.actions.conftest import make_tracker


@pytest.mark.parametrize(
    "value, expected",
    [
        (None, []),
        ("huabei", ["huabei"]),
        (["huabei", "jiebei"], ["huabei", "jiebei"]),
        (["huabei", 1, None, {"$ne": 1}], ["huabei"]),
        (False, []),  # made action_check_closure raise: HTTP 500 from the action server (found by tests/fuzzing.py)
        (0, []),
        ({"huabei": 1}, []),
    ],
)
def test_a_list_slot_keeps_only_its_string_values(value: Any, expected: list[str]) -> None:
    assert slot_list(make_tracker("demo_clean", slots={"product": value}), "product") == expected


def test_the_product_slot_keeps_only_catalog_products() -> None:
    tracker = make_tracker("demo_clean", slots={"product": ["huabei", "微粒贷", "'; DROP TABLE x; --"]})
    assert product_slot(tracker) == ["huabei"]


@pytest.mark.parametrize(
    "value, expected",
    [(3.0, 3), (7, 7), ("12", 12), (None, None), (True, None), (1e300, None), ("x", None), (-1, None)],
)
def test_a_withdrawal_reads_only_a_request_id_from_its_slot(value: Any, expected: int | None) -> None:
    assert _request_id(value) == expected


@pytest.mark.parametrize("value", [None, "", "not-a-reason", ["fraud"], 1])
def test_an_unknown_handoff_reason_is_a_plain_request(value: Any) -> None:
    assert _reason(value) is HandoffReason.REQUESTED
