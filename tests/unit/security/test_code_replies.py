"""Which reply each step of a one-time code gets: sent, capped, wrong, expired, locked."""

import pytest

from bot.core.replies import Reply
from bot.security.code_replies import code_check_reply, code_sent_reply
from bot.security.verification import CheckResult, CodeCheck, CodeNotSent, CodeSent, SendRefusal
from tests.rendering import render


def test_sent_or_not_sent() -> None:
    assert code_sent_reply(CodeSent("1111")).response == "utter_code_sent"
    assert code_sent_reply(CodeSent("")).response == "utter_code_sent_no_phone"
    assert code_sent_reply(None) == Reply("utter_code_unavailable")


@pytest.mark.parametrize(
    ("reason", "response"),
    [
        (SendRefusal.HOURLY_LIMIT, "utter_code_send_limit_hour"),
        (SendRefusal.DAILY_LIMIT, "utter_code_send_limit_day"),
        (SendRefusal.TOO_MANY_WRONG, "utter_code_wrong_today"),
    ],
)
def test_a_cap_gets_a_polite_reply_and_no_code(reason: SendRefusal, response: str) -> None:
    reply = code_sent_reply(CodeNotSent(reason))
    assert reply == Reply(response)
    assert "请" in render({"response": reply.response})


@pytest.mark.parametrize(
    ("result", "expected"),
    [
        (CheckResult(CodeCheck.OK), None),
        (CheckResult(CodeCheck.WRONG, 2), Reply("utter_code_wrong", {"attempts_left": "2"})),
        (CheckResult(CodeCheck.EXPIRED), Reply("utter_code_expired")),
        (CheckResult(CodeCheck.NONE_PENDING), Reply("utter_code_expired")),
        (CheckResult(CodeCheck.LOCKED), Reply("utter_code_locked")),
        (CheckResult(CodeCheck.LOCKED_TODAY), Reply("utter_code_wrong_today")),
    ],
)
def test_after_a_check(result: CheckResult, expected: Reply | None) -> None:
    assert code_check_reply(result) == expected
