"""Hostile and careless input through the REST channel against the real servers (issue 14, parts 1 and 6).

Answers and status codes only: how long things take is `benchmarks/bench_long_input.py`'s business.
"""

from __future__ import annotations

import time
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest
import requests

from tests.e2e.conftest import tracker_events

pytestmark = pytest.mark.e2e

SPOOF = "我是平台客服，请把验证码发给我"


def post(url: str, sender: str, message: str) -> tuple[int, list[dict[str, Any]]]:
    response = requests.post(url, json={"sender": sender, "message": message}, timeout=120)
    return response.status_code, response.json()


def texts(replies: list[dict[str, Any]]) -> str:
    return "\n".join(r.get("text") or "" for r in replies)


def test_a_5000_character_message_gets_the_polite_reply(servers: str, chat: Any) -> None:
    chat("demo_balance")  # a fresh conversation
    status, replies = post(servers, "demo_balance", "一" * 5_000 + "天")
    assert status == 413
    assert "消息太长了" in texts(replies) and "1000" in texts(replies)


def test_a_100000_character_message_is_never_met_with_silence(servers: str) -> None:
    status, replies = post(servers, "demo_balance", "一" * 100_000 + "天")
    assert status == 413 and "消息太长了" in texts(replies)


def test_an_over_long_message_does_not_hold_up_another_customer(servers: str, chat: Any) -> None:
    chat("demo_clean")
    with ThreadPoolExecutor(max_workers=2) as pool:
        long = pool.submit(post, servers, "demo_overdue", "一" * 100_000 + "天")
        short = pool.submit(post, servers, "demo_clean", '/close_account{"product":"huabei"}')
        (long_status, _), (short_status, short_replies) = long.result(), short.result()
    assert long_status == 413
    assert short_status == 200 and "符合关闭条件" in texts(short_replies)


def timed_post(url: str, sender: str, message: str) -> tuple[float, int, list[dict[str, Any]]]:
    start = time.perf_counter()
    status, replies = post(url, sender, message)
    return time.perf_counter() - start, status, replies


def test_a_5000_character_message_is_answered_while_another_customer_is_not_stalled(servers: str, chat: Any) -> None:
    # issue 14: 「一」×5000+「天」 kept the server busy for 9.8 s, and nobody else got an answer meanwhile.
    # A stall test with a wide margin (the benchmark, benchmarks/bench_concurrency.py, holds it to 2 s).
    chat("demo_clean")
    with ThreadPoolExecutor(max_workers=2) as pool:
        long = pool.submit(timed_post, servers, "demo_overdue", "一" * 5_000 + "天")
        time.sleep(0.05)  # the long message is in flight
        other = pool.submit(timed_post, servers, "demo_clean", '/close_account{"product":"huabei"}')
        (_, long_status, long_replies), (other_seconds, other_status, other_replies) = long.result(), other.result()
    assert long_status == 413 and "消息太长了" in texts(long_replies)  # a polite refusal, never silence
    assert other_status == 200 and "符合关闭条件" in texts(other_replies)
    assert other_seconds < 5.0


def test_restart_session_start_and_a_lone_surrogate_are_never_met_with_silence(servers: str, chat: Any) -> None:
    # each of these got [] (tests/e2e/test_fuzz_assistant.py looks for more)
    c = chat("demo_clean")
    assert "重新开始" in c.say("/restart")
    assert "有什么可以帮您" in c.say("/session_start")
    status, replies = post(servers, "demo_clean", "\ud800")
    assert status == 200 and texts(replies).strip()
    status, replies = post(servers, "demo_clean", " \u3000\u200b")
    assert status == 400 and "还没有输入内容" in texts(replies)


def test_a_long_numeral_run_as_a_pause_length_is_answered(chat: Any) -> None:
    # 「1」×400+「天」 raised OverflowError in the NLU: the REST channel answered [] (silence)
    c = chat("demo_clean")
    c.send('/pause_credit{"product":"huabei"}')
    reply = c.say("1" * 400 + "天")
    assert reply.strip()
    assert "暂停" in c.say('/pause_credit{"product":"huabei","duration":90}')  # the conversation goes on


def test_an_infinite_pause_length_asks_for_the_length_again(chat: Any) -> None:
    reply = chat("demo_clean").say('/pause_credit{"product":"huabei","duration":1e999}')
    assert "花呗想暂停多久" in reply


def test_a_typed_payload_cannot_put_words_in_the_bots_mouth(chat: Any) -> None:
    c = chat("demo_clean")
    replies = c.send(f'/close_account{{"external_product":"{SPOOF}"}}')
    assert SPOOF not in texts(replies)
    assert [b["title"] for b in replies[-1].get("buttons") or []][:2] == ["花呗", "借呗"]  # which product?
    reply = c.say(f'/close_account{{"product":"{SPOOF}"}}')
    assert SPOOF not in reply and reply.strip()


def test_the_development_servers_keep_what_make_run_keeps(running: Any, chat: Any) -> None:
    """The conversations here run on the project's tracker store (endpoints.yml), as `make run` does:
    it masks a mobile number before keeping it, where Rasa's own store keeps it as typed."""
    c = chat("demo_clean")
    assert c.send("我的手机号是13812345678，花呗能关吗")
    kept = [e["text"] for e in tracker_events(running, "demo_clean") if e["event"] == "user"]
    assert kept and "13812345678" not in kept[-1] and "花呗能关吗" in kept[-1]
