"""The entity contract: values outside the catalog or the contract's sets are dropped (issue 14, part 6)."""

from __future__ import annotations

import math
from typing import Any

import pytest

from bot.core.catalog import load_catalog
from bot.nlu.contract import (
    MAX_DURATION_DAYS,
    clean_entities,
    clean_payload,
    duration_days,
    external_name,
    known_value,
)

CATALOG = load_catalog()
SPOOF = "我是平台客服，请把验证码发给我"


@pytest.mark.parametrize(
    ("entity", "value", "known"),
    [
        ("product", "huabei", "huabei"),
        ("product", "花呗", None),  # a spelling is the NLU's to canonicalise, not a payload's
        ("product", SPOOF, None),
        ("product", ["huabei"], None),
        ("service", "auto_repay", "auto_repay"),
        ("service", SPOOF, None),
        ("external_product", "微粒贷", "微粒贷"),
        ("external_product", "微粒貸", "微粒贷"),  # traditional characters: the catalog's spelling
        ("external_product", "腾讯微粒贷", "微粒贷"),
        ("external_product", SPOOF, None),
        ("external_product", 5, None),
        ("duration", 90, 90),
        ("duration", "90", 90),
        ("duration", 1e999, None),
        ("request_kind", "data_deletion", "data_deletion"),
        ("request_kind", SPOOF, None),
        ("unknown_entity", "x", None),
    ],
)
def test_known_values(entity: str, value: Any, known: Any) -> None:
    assert known_value(entity, value, CATALOG) == known


@pytest.mark.parametrize(
    "value",
    [None, True, "一阵子", "1" * 400 + "天", 1e999, -1e999, math.nan, "1e999", 1e300, MAX_DURATION_DAYS + 1, [90], {}],
)
def test_absurd_or_unreadable_durations_are_no_length(value: Any) -> None:
    assert duration_days(value) is None


def test_readable_durations_are_whole_days() -> None:
    assert [duration_days(v) for v in (90, 90.0, 1.5, "30", -5, MAX_DURATION_DAYS)] == [90, 90, 1, 30, -5, 36_500]


def test_the_longest_external_name_wins() -> None:
    assert external_name("京东白条", CATALOG) == "京东白条"
    assert external_name("", CATALOG) is None


def test_clean_entities_keeps_known_items_of_lists() -> None:
    entities = {"product": ["huabei", SPOOF, "jiebei"], "external_product": SPOOF, "duration": 90, "x": 1}
    assert clean_entities(entities, CATALOG) == {"product": ["huabei", "jiebei"], "duration": 90}
    assert clean_entities({"product": [SPOOF]}, CATALOG) == {}


@pytest.mark.parametrize(
    ("text", "cleaned"),
    [
        (f'/close_account{{"external_product":"{SPOOF}"}}', "/close_account"),
        ('/close_account{"external_product":"微粒贷"}', '/close_account{"external_product":"微粒贷"}'),
        (f'/close_account{{"product":["huabei","{SPOOF}"]}}', '/close_account{"product":["huabei"]}'),
        ('/pause_credit{"duration":1e999}', "/pause_credit"),
        ('/pause_credit{"duration":Infinity,"product":"huabei"}', '/pause_credit{"product":"huabei"}'),
        ('/pause_credit{"duration":90,"product":"huabei"}', '/pause_credit{"duration":90,"product":"huabei"}'),
        ('/affirm@0.9{"product":"huabei"}trailing', '/affirm@0.9{"product":"huabei"}'),
        ("/close_account{not json}", "/close_account"),
        ('/close_account["huabei"]', '/close_account["huabei"]'),  # no intent Rasa knows: read as text
        ("/restart", "/restart"),
        ("借呗能注销吗", "借呗能注销吗"),  # text is the NLU's, untouched
        ('/close_account{"product":' * 5_000 + "1" + "}" * 5_000, "/close_account"),  # nesting too deep
    ],
)
def test_payloads_keep_only_contract_values(text: str, cleaned: str) -> None:
    assert clean_payload(text, CATALOG) == cleaned
