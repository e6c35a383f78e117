"""What benchmarks/load.py checks after a load run: plain functions over plain data (unit-tested).

- `tracker_problems`: one conversation's stored events against what its client sent and received.
  Every message answered with HTTP 200 must be in the tracker exactly once, in the order sent, each
  followed by exactly the bot texts the client got; the rows must be in time order and no event may
  be stored twice. A message that failed (no HTTP 200) may or may not be in it (nginx may have cut
  the connection after Rasa took the message), but never twice.
- `change_problems`: every change the client saw confirmed is in the account database exactly once,
  with exactly one audit row; a change that was not confirmed is not there at all.
- `summary`: messages/s, latency percentiles, errors and empty replies.
- `timeline`: the same latencies by when the messages were sent, to tell a burst from a slow run.
"""

from __future__ import annotations

import json
import statistics
from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from functools import cache
from typing import Any


@dataclass(frozen=True)
class Exchange:
    """One message of a load conversation and what came back."""

    message: str
    status: int  # HTTP status, 0 when no response came (timeout, connection refused)
    replies: tuple[str, ...]  # the reply texts, in order
    seconds: float
    sent_at: float = 0.0  # time.perf_counter() as it was sent (only differences mean anything)


@dataclass(frozen=True)
class StoredEvent:
    """A row of Rasa's SQL tracker store (`events` table), in id order."""

    id: int
    type_name: str
    timestamp: float
    data: Mapping[str, Any]


def tracker_problems(sender: str, exchanges: list[Exchange], events: list[StoredEvent]) -> list[str]:
    """What is wrong with one conversation's stored events (empty: nothing).

    The stored user messages are lined up with the sent ones, in order (`_line_up`): an answered
    message must be stored and followed by the replies its client got; a failed one may be missing.
    A stored message lined up with none was never sent there: duplicated or out of order.
    """
    turns = _turns(events)
    problems = _order_problems(sender, events)
    for exchange, turn in _line_up(exchanges, turns):
        if turn is None and exchange is not None:
            problems.append(f"{sender}: answered message {exchange.message!r} is not next in the tracker (lost?)")
        elif exchange is None and turn is not None:
            problems.append(f"{sender}: stored message {turn[0]!r} was not sent there (duplicated or reordered)")
        elif exchange is not None and turn is not None and _replies_differ(exchange, turn):
            problems.append(
                f"{sender}: after {exchange.message!r} the tracker has {turn[1]}, "
                f"the client got {list(exchange.replies)}"
            )
    return problems


Turn = tuple[str, list[str]]


def _replies_differ(exchange: Exchange, turn: Turn) -> bool:
    return exchange.status == 200 and tuple(turn[1]) != exchange.replies


Pair = tuple[Exchange | None, Turn | None]


def _line_up(exchanges: list[Exchange], turns: list[Turn]) -> list[Pair]:
    """Pair sent and stored messages in order with the fewest problems; unpaired ones get None.

    A walk that pairs greedily goes wrong when a message failed and the client sent the same text
    again: the failed one would take the stored copy of the answered one, and the answered one would
    look lost. So every way of pairing is weighed (a failed message left unpaired costs nothing);
    on a tie, pairing comes first.
    """

    @cache
    def best(i: int, at: int) -> tuple[int, tuple[Pair, ...]]:
        if i == len(exchanges):  # what is stored beyond was never sent there
            return len(turns) - at, tuple((None, turn) for turn in turns[at:])
        x = exchanges[i]
        options = []
        if at < len(turns) and turns[at][0] == x.message:
            cost, rest = best(i + 1, at + 1)
            options.append((cost + _replies_differ(x, turns[at]), ((x, turns[at]), *rest)))
        cost, rest = best(i + 1, at)  # sent, not stored: lost if it was answered
        options.append((cost + 1, ((x, None), *rest)) if x.status == 200 else (cost, rest))
        if at < len(turns):
            cost, rest = best(i, at + 1)
            options.append((cost + 1, ((None, turns[at]), *rest)))
        return min(options, key=lambda option: option[0])

    return list(best(0, 0)[1])


def _order_problems(sender: str, events: list[StoredEvent]) -> list[str]:
    problems = []
    for before, after in zip(events, events[1:], strict=False):
        if after.id <= before.id or after.timestamp < before.timestamp:
            problems.append(f"{sender}: event {after.id} ({after.type_name}) is out of order after {before.id}")
    seen = Counter((e.type_name, e.timestamp, json.dumps(e.data, sort_keys=True)) for e in events)
    problems += [f"{sender}: {key[0]} event at {key[1]} stored {n} times" for key, n in seen.items() if n > 1]
    return problems


def _turns(events: list[StoredEvent]) -> list[Turn]:
    """Each user message with the bot texts that follow it until the next one."""
    turns: list[Turn] = []
    for event in events:
        if event.type_name == "user":
            turns.append((str(event.data.get("text") or ""), []))
        elif event.type_name == "bot" and turns and event.data.get("text"):
            turns[-1][1].append(str(event.data["text"]))
    return turns


def change_problems(
    confirmed: Iterable[str], requests: Mapping[str, int], audits: Mapping[str, int], customers: Iterable[str]
) -> list[str]:
    """Each confirmed change stored once with one audit row; nothing stored for the others.

    Args:
        confirmed: customers whose conversation ended a change with its confirmation reply.
        requests: per customer, the change requests recorded during the run.
        audits: per customer, the audit rows of the change itself during the run.
        customers: every customer of the run.
    """
    wanted = set(confirmed)
    problems = []
    for customer in sorted(set(customers) | set(requests) | set(audits)):
        expected = 1 if customer in wanted else 0
        if requests.get(customer, 0) != expected:
            problems.append(f"{customer}: {requests.get(customer, 0)} change requests stored, expected {expected}")
        if audits.get(customer, 0) != expected:
            problems.append(f"{customer}: {audits.get(customer, 0)} audit rows for the change, expected {expected}")
    return problems


def percentile(values: list[float], share: float) -> float:
    """The nearest-rank percentile (share 0.95 = p95); 0 for no values."""
    if not values:
        return 0.0
    ranked = sorted(values)
    return ranked[min(len(ranked) - 1, max(0, round(share * len(ranked)) - 1))]


def summary(exchanges: Iterable[Exchange], wall_seconds: float) -> dict[str, float]:
    """Messages/s, p50/p95/p99 (ms) of every message, errors (no HTTP 200) and empty replies."""
    done = list(exchanges)
    times = [x.seconds for x in done]
    return {
        "messages": len(done),
        "messages_per_second": len(done) / wall_seconds if wall_seconds else 0.0,
        "p50_ms": statistics.median(times) * 1000 if times else 0.0,
        "p95_ms": percentile(times, 0.95) * 1000,
        "p99_ms": percentile(times, 0.99) * 1000,
        "errors": sum(1 for x in done if x.status != 200),
        "empty_replies": sum(1 for x in done if x.status == 200 and not any(r.strip() for r in x.replies)),
    }


def per_message(exchanges: Iterable[Exchange]) -> dict[str, tuple[int, float, float]]:
    """For each message sent, in the order first sent: how often, and its p50 and p95 (ms)."""
    times: dict[str, list[float]] = {}
    for exchange in exchanges:
        times.setdefault(exchange.message, []).append(exchange.seconds)
    return {
        message: (len(seconds), statistics.median(seconds) * 1000, percentile(seconds, 0.95) * 1000)
        for message, seconds in times.items()
    }


def timeline(exchanges: Iterable[Exchange], window: float = 5.0) -> list[tuple[float, int, float, float]]:
    """(window start, messages sent in it, their p50 and p95 in ms) for each `window` seconds.

    Windows count from the first message sent; those where nothing was sent are left out.
    """
    done = list(exchanges)
    if not done:
        return []
    first = min(x.sent_at for x in done)
    windows: dict[int, list[float]] = {}
    for exchange in done:
        windows.setdefault(int((exchange.sent_at - first) // window), []).append(exchange.seconds)
    return [
        (n * window, len(seconds), statistics.median(seconds) * 1000, percentile(seconds, 0.95) * 1000)
        for n, seconds in sorted(windows.items())
    ]
