"""benchmarks/bench_turns.py: how the long conversation is paired with fresh ones, and the growth report."""

from __future__ import annotations

import re

from benchmarks import bench_turns
from benchmarks.bench_turns import LONG_SENDERS, Turn, growth, growth_lines

MESSAGES = [f"m{i}" for i in range(10)]


def test_each_long_turn_is_sent_beside_the_same_message_at_the_start_of_a_fresh_conversation(monkeypatch) -> None:
    monkeypatch.setattr(bench_turns, "LONG_TURNS", 30)
    sent: list[tuple[str, str]] = []

    def send(sender: str, message: str) -> float:
        sent.append((sender, message))
        return 0.01

    long, fresh = growth(send, "long", ["f0", "f1", "f2"], MESSAGES, {})
    assert len(long) == len(fresh) == 30 and len(sent) == 60
    pairs = [sent[i : i + 2] for i in range(0, 60, 2)]
    for i, pair in enumerate(pairs):
        assert {sender for sender, _ in pair} == {"long", f"f{i // 10}"}  # a new fresh conversation every 10
        assert [message for _, message in pair] == [MESSAGES[i % 10]] * 2
    # which goes first alternates, so neither side always meets a cache the other just filled
    assert [pair[0][0] == "long" for pair in pairs[:4]] == [True, False, True, False]
    # each fresh conversation sees the messages from its start, once each
    assert [m for s, m in sent if s == "f1"] == MESSAGES


def _turns(times_ms: list[float], cpu_ms: float = 5.0) -> list[Turn]:
    return [Turn(t / 1000, {"Rasa server": cpu_ms / 1000}) for t in times_ms]


def _ratios(lines: list[str]) -> list[tuple[float, float]]:
    """(against its own first turns, against the fresh turns beside them) for each span."""
    found = [re.findall(r"(\d+\.\d+) ×", line) for line in lines if line.startswith("turns")]
    return [(float(own), float(beside)) for own, beside in found]


def test_a_machine_that_slows_down_is_not_taken_for_growth() -> None:
    slowing = [20.0 + i for i in range(80)]  # both conversations slow down alike over the run
    lines = growth_lines(_turns(slowing), _turns(slowing))
    assert [beside for _, beside in _ratios(lines)] == [1.0, 1.0, 1.0]
    assert _ratios(lines)[-1][0] > 3  # its own first turns were answered on a faster machine


def test_growth_of_the_long_conversation_is_reported() -> None:
    fresh = [20.0] * 80
    long = [20.0] * 40 + [30.0] * 40
    lines = growth_lines(_turns(long, cpu_ms=9.0), _turns(fresh, cpu_ms=6.0))
    assert _ratios(lines) == [(1.0, 1.0), (1.5, 1.5), (1.5, 1.5)]
    assert lines[-1] == "CPU of the Rasa server, ms a turn (long vs fresh): " + ", ".join(["  9.0 vs   6.0"] * 3)


def test_the_senders_are_distinct_copies_for_the_long_conversation_and_each_fresh_one() -> None:
    assert len(set(LONG_SENDERS)) == len(LONG_SENDERS) == 1 + bench_turns.LONG_CONVERSATIONS
    assert bench_turns.LONG_CONVERSATIONS * len(bench_turns.OURS) >= bench_turns.LONG_TURNS
