"""bot.security.redaction: what is masked in free text before it is stored, and what is left alone."""

from __future__ import annotations

import pytest

from bot.security.redaction import CODE_MASK, redact, redact_events, requested_after


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("我的手机13812345678", "我的手机138****5678"),
        ("打 138 1234 5678 找我", "打 138****5678 找我"),
        ("+86 138-1234-5678", "138****5678"),
        ("8613812345678", "138****5678"),
        ("手机１３８１２３４５６７８", "手机138****5678"),
        ("身份证110101199003071234", "身份证[身份证号尾号1234]"),
        ("身份证11010119900307123X", "身份证[身份证号尾号123X]"),
        ("身份证11010119900307123x。", "身份证[身份证号尾号123x]。"),
        ("卡号6222021234567890", "卡号[卡号尾号7890]"),
        ("卡号 6222 0212 3456 7890 123 扣错了", "卡号 [卡号尾号0123] 扣错了"),
        ("6222021234567890123", "[卡号尾号0123]"),
        ("123456", CODE_MASK),
        ("验证码是 654321 。", f"验证码是 {CODE_MASK} 。"),
        ("验证码是６５４３２１", f"验证码是{CODE_MASK}"),
    ],
)
def test_personal_numbers_are_masked_keeping_the_last_four(text: str, expected: str) -> None:
    assert redact(text) == expected


@pytest.mark.parametrize(
    "text",
    [
        "借呗能注销吗",
        "借呗额度降到5000",
        "还了 100000 元",
        "¥123456",
        "12月4日到期，2026-11-22 还的",
        "申请号 12345",
        "https://example.com/c/ab123456cd",
        "客服电话 95188",
        "订单 1234567",  # seven digits: not a code, not a phone
        "",
    ],
)
def test_other_text_is_left_as_it_is(text: str) -> None:
    assert redact(text) == text


def test_while_a_code_is_awaited_any_six_digits_are_a_code() -> None:
    assert redact("123 456", expecting_code=True) == CODE_MASK
    assert redact("123456元", expecting_code=True) == f"{CODE_MASK}元"
    assert redact("123 456") == "123 456"


def test_several_numbers_in_one_message() -> None:
    text = "手机13812345678，卡6222021234567890，码 112233"
    assert redact(text) == f"手机138****5678，卡[卡号尾号7890]，码 {CODE_MASK}"


def test_redacting_twice_changes_nothing_more() -> None:
    once = redact("13812345678 11010119900307123X 6222021234567890 123456")
    assert redact(once) == once


CONVERSATION: list[dict[str, object]] = [
    {"event": "user", "text": "123 456"},
    {"event": "slot", "name": "requested_slot", "value": "closure_code"},
    {"event": "user", "text": "123 456", "parse_data": {"text": "123 456", "entities": []}},
    {"event": "slot", "name": "closure_code", "value": "123456"},
    {"event": "session_started"},
    {"event": "user", "text": "654 321"},
    {"event": "slot", "name": "requested_slot", "value": "callback_code"},
    {"event": "restart"},
    {"event": "user", "text": "111 222"},
]


@pytest.mark.parametrize("split", range(len(CONVERSATION) + 1))
def test_a_conversation_redacted_in_parts_is_redacted_as_a_whole(split: int) -> None:
    whole = redact_events(CONVERSATION)
    first, rest = CONVERSATION[:split], CONVERSATION[split:]
    in_parts = redact_events(first) + redact_events(rest, requested=requested_after(first))
    assert in_parts == whole
    assert whole[2]["text"] == CODE_MASK and whole[0]["text"] == "123 456"  # only while the code was awaited
    assert whole[5]["text"] == "654 321" and whole[8]["text"] == "111 222"  # the wait ends with the session
