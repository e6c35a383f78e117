import pytest

from bot.security.no_silence import FAILED_RESPONSE, OUTAGE_RESPONSE, SILENT_RESPONSE, silence_reply
from tests.rendering import domain


def test_a_turn_that_said_something_needs_nothing_more() -> None:
    assert silence_reply(sent=1, failed=False, paused=False) is None
    assert silence_reply(sent=2, failed=True, paused=False) is None


def test_a_silent_turn_gets_a_polite_reply_unless_an_agent_has_the_conversation() -> None:
    assert silence_reply(sent=0, failed=False, paused=False) == SILENT_RESPONSE
    assert silence_reply(sent=0, failed=False, paused=True) is None


def test_a_failed_turn_gets_an_apology_even_while_an_agent_has_it() -> None:
    assert silence_reply(sent=0, failed=True, paused=False) == FAILED_RESPONSE
    assert silence_reply(sent=0, failed=True, paused=True) == FAILED_RESPONSE


def test_a_turn_failed_by_an_unreachable_store_asks_to_try_later_not_to_rephrase() -> None:
    assert silence_reply(sent=0, failed=True, paused=False, outage=True) == OUTAGE_RESPONSE
    assert silence_reply(sent=1, failed=True, paused=False, outage=True) is None
    assert "稍后" in domain()["responses"][OUTAGE_RESPONSE][0]["text"]


@pytest.mark.parametrize(
    "name", ["utter_restart", SILENT_RESPONSE, FAILED_RESPONSE, OUTAGE_RESPONSE, "utter_message_empty"]
)
def test_the_replies_are_polite_chinese_in_the_domain(name: str) -> None:
    text = domain()["responses"][name][0]["text"]
    assert "您" in text and "{" not in text
