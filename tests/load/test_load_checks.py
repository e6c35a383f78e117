"""The load test's checks (benchmarks/load_checks.py): each kind of damage it must see is seen.

A clean conversation passes; then one thing at a time is broken the way a broken lock store,
tracker store or action could break it (an event lost, stored twice, out of order, a reply the
tracker does not have, a confirmed change missing or doubled, an audit row missing) and the
check must say so. The load run itself (make load) is not part of make test.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from benchmarks.load_checks import (
    Exchange,
    StoredEvent,
    change_problems,
    per_message,
    percentile,
    summary,
    timeline,
    tracker_problems,
)


def _conversation() -> tuple[list[Exchange], list[StoredEvent]]:
    exchanges = [
        Exchange("你好", 200, ("你好，我是信用账户自助助手。",), 0.1),
        Exchange("借呗能注销吗", 200, ("借呗现在还不能注销：", "· 有一笔账单还没还"), 0.2),
        Exchange("/affirm", 200, ("花呗已经暂停。",), 0.3),
    ]
    rows: list[tuple[str, dict[str, Any]]] = [
        ("action", {"name": "action_session_start"}),
        ("session_started", {}),
        ("action", {"name": "action_listen"}),
        ("user", {"text": "你好"}),
        ("bot", {"text": "你好，我是信用账户自助助手。"}),
        ("action", {"name": "action_listen"}),
        ("user", {"text": "借呗能注销吗"}),
        ("slot", {"name": "product", "value": ["jiebei"]}),
        ("bot", {"text": "借呗现在还不能注销："}),
        ("bot", {"text": "· 有一笔账单还没还"}),
        ("action", {"name": "action_listen"}),
        ("user", {"text": "/affirm"}),
        ("bot", {"text": "花呗已经暂停。"}),
        ("action", {"name": "action_listen"}),
    ]
    events = [StoredEvent(n + 1, kind, 1000.0 + n, data) for n, (kind, data) in enumerate(rows)]
    return exchanges, events


def test_a_clean_conversation_passes() -> None:
    exchanges, events = _conversation()
    assert tracker_problems("load_0001", exchanges, events) == []


def test_a_lost_user_message_is_seen() -> None:
    exchanges, events = _conversation()
    lost = [e for e in events if e.data.get("text") != "借呗能注销吗"]
    assert any("借呗能注销吗" in p for p in tracker_problems("load_0001", exchanges, lost))


def test_a_lost_bot_reply_is_seen() -> None:
    exchanges, events = _conversation()
    lost = [e for e in events if e.data.get("text") != "· 有一笔账单还没还"]
    assert any("client got" in p for p in tracker_problems("load_0001", exchanges, lost))


def test_a_reply_the_tracker_does_not_have_is_seen() -> None:
    exchanges, events = _conversation()
    exchanges[0] = replace(exchanges[0], replies=("我在。请问有什么可以帮您？",))  # made by the channel, not Rasa
    assert tracker_problems("load_0001", exchanges, events)


def test_an_event_stored_twice_is_seen() -> None:
    exchanges, events = _conversation()
    twice = [*events, replace(events[11], id=99)]  # the /affirm message again, same time and data
    problems = tracker_problems("load_0001", exchanges, twice)
    assert any("stored 2 times" in p for p in problems)
    assert any("duplicated or reordered" in p for p in problems)


def test_messages_stored_in_another_order_are_seen() -> None:
    exchanges, events = _conversation()
    swapped = events[:3] + events[6:11] + events[3:6] + events[11:]
    renumbered = [replace(e, id=n + 1) for n, e in enumerate(swapped)]
    assert tracker_problems("load_0001", exchanges, renumbered)


def test_rows_out_of_time_order_are_seen() -> None:
    exchanges, events = _conversation()
    events[5] = replace(events[5], timestamp=1.0)
    assert any("out of order" in p for p in tracker_problems("load_0001", exchanges, events))


def test_a_failed_message_may_be_missing_but_never_doubled() -> None:
    exchanges, events = _conversation()
    failed = [*exchanges, Exchange("谢谢", 0, (), 60.0)]  # no answer: Rasa may not have taken it
    assert tracker_problems("load_0001", failed, events) == []
    taken = [*events, StoredEvent(50, "user", 2000.0, {"text": "谢谢"})]
    assert tracker_problems("load_0001", failed, taken) == []
    twice = [*taken, StoredEvent(51, "user", 2001.0, {"text": "谢谢"})]
    assert tracker_problems("load_0001", failed, twice)


def test_confirmed_changes_are_stored_once_with_their_audit_row() -> None:
    customers = ["load_0001", "load_0002", "load_0003"]
    good = change_problems({"load_0001"}, {"load_0001": 1}, {"load_0001": 1}, customers)
    assert good == []
    assert change_problems({"load_0001"}, {}, {"load_0001": 1}, customers)  # the change is missing
    assert change_problems({"load_0001"}, {"load_0001": 2}, {"load_0001": 2}, customers)  # made twice
    assert change_problems({"load_0001"}, {"load_0001": 1}, {}, customers)  # without its audit row
    assert change_problems(set(), {"load_0002": 1}, {"load_0002": 1}, customers)  # never confirmed


def test_summary_counts_errors_and_empty_replies() -> None:
    exchanges = [Exchange("a", 200, ("好",), 0.1), Exchange("b", 502, (), 0.2), Exchange("c", 200, (), 0.3)]
    figures = summary(exchanges, wall_seconds=2.0)
    assert figures["messages"] == 3 and figures["messages_per_second"] == 1.5
    assert figures["errors"] == 1 and figures["empty_replies"] == 1
    assert round(figures["p50_ms"]) == 200
    assert percentile([1.0, 2.0, 3.0, 4.0], 0.95) == 4.0
    assert percentile([], 0.5) == 0.0


def test_a_message_sent_again_after_a_failure_is_paired_with_its_own_answer() -> None:
    exchanges, events = _conversation()
    # 借呗能注销吗 timed out before Rasa took it; the client sent it again and got the answer.
    again = [exchanges[0], Exchange("借呗能注销吗", 0, (), 60.0), *exchanges[1:]]
    assert tracker_problems("load_0001", again, events) == []
    # ... and when Rasa had taken the first one too, both are in the tracker, once each.
    first = [e for e in events if e.id in (7, 8, 9, 10)]
    both = [*events[:6], *first, *events[6:]]
    both = [replace(e, id=n + 1, timestamp=1000.0 + n) for n, e in enumerate(both)]
    assert tracker_problems("load_0001", again, both) == []
    # The answered copy lost while the failed one was stored: still seen.
    answered_lost = [*events[:6], *(e for e in first if e.type_name == "user"), *events[10:]]
    answered_lost = [replace(e, id=n + 1, timestamp=1000.0 + n) for n, e in enumerate(answered_lost)]
    assert tracker_problems("load_0001", again, answered_lost)


def test_per_message_gives_each_message_its_count_and_percentiles_in_the_order_first_sent() -> None:
    exchanges = [Exchange("你好", 200, ("您好",), s) for s in (0.1, 0.2, 0.3)]
    exchanges += [Exchange("谢谢", 200, ("不客气",), 1.0), Exchange("你好", 200, ("您好",), 2.0)]
    assert per_message(exchanges) == {"你好": (4, 250.0, 2000.0), "谢谢": (1, 1000.0, 1000.0)}


def test_timeline_groups_the_latencies_by_when_they_were_sent() -> None:
    sent = [(100.0, 0.1), (101.0, 0.3), (104.9, 0.2), (105.0, 2.0), (117.0, 0.4)]  # (sent_at, seconds)
    exchanges = [Exchange("你好", 200, ("您好",), seconds, at) for at, seconds in sent]
    assert timeline(reversed(exchanges)) == [(0.0, 3, 200.0, 300.0), (5.0, 1, 2000.0, 2000.0), (15.0, 1, 400.0, 400.0)]
    assert timeline([]) == []
