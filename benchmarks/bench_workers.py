"""Throughput of the production topology with one Rasa worker, then with two (issue 15: target >= 1.7x).

    python benchmarks/bench_workers.py --rounds 3             (make bench-workers; about 5 minutes)
    python benchmarks/bench_workers.py --conversations 50 --workers 1,2,3

For each worker count, in turn: fresh databases with the load-test customers, scripts/run-prod.sh with
RASA_WORKERS=n (and two action servers each time), the same conversations as `make load`
(benchmarks/load.py) with no think time, so that the Rasa processes are the bottleneck, bounded by
--deadline; then the topology is stopped. It prints messages/s for each count and each count's ratio
to the first. With --rounds the counts alternate (1, 2, 1, 2, ...) and each round's ratio is taken
within the round: the same code's one-worker runs differ by a quarter from one quarter hour to the
next on this machine, so a single pair of runs says little. The verdict is on the median ratio.
The machine may be shared: the load average before each run is printed with it.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import sys
from dataclasses import dataclass
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))
import cpu_share  # noqa: E402
import load  # noqa: E402
import prod_topology  # noqa: E402
from load_checks import summary  # noqa: E402

TARGET = 1.7  # issue 15: two workers deliver at least 1.7 times one worker's throughput


@dataclass(frozen=True)
class Run:
    """One worker count's figures."""

    workers: int
    messages: int
    seconds: float
    errors: int
    empty: int
    apologies: int  # answered with a failure reply (an action or a store failed): not real answers
    unfinished: int
    p50_ms: float
    p95_ms: float
    load_average: float  # the machine's 1-minute load average just before the run
    events_published: int | None = None  # tracker events in RabbitMQ as the last answer came (None: not counted)
    events_stored: int = 0  # tracker events in the tracker store after the run
    machine_cpu_s: float | None = None  # CPU seconds the whole machine spent during the run (None: not read)

    @property
    def per_second(self) -> float:
        """Messages answered per second of wall clock (the run's throughput)."""
        return self.messages / self.seconds if self.seconds else 0.0


def worker_counts(text: str) -> list[int]:
    """`1,2` → [1, 2]: distinct positive counts, in the order given (the first is the baseline)."""
    try:
        counts = [int(part) for part in text.split(",") if part.strip()]
    except ValueError:
        raise argparse.ArgumentTypeError(f"worker counts are whole numbers separated by commas, not {text!r}") from None
    if len(counts) < 2 or any(n < 1 for n in counts) or len(set(counts)) != len(counts):
        raise argparse.ArgumentTypeError(f"at least two distinct positive worker counts, e.g. 1,2 (got {text!r})")
    return counts


def arguments(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--workers", type=worker_counts, default=[1, 2], help="Rasa worker counts, baseline first")
    parser.add_argument("--conversations", type=int, default=100)
    parser.add_argument("--deadline", type=float, default=600.0, help="seconds per run, at most")
    parser.add_argument("--port-base", type=int, default=17000)
    parser.add_argument("--seed", type=int, default=15)
    parser.add_argument("--rounds", type=int, default=1, help="run the worker counts this many times, alternating")
    parser.add_argument("--name", default=os.environ.get("LOAD_DB_NAME", "credit_load"), help="account database")
    args = parser.parse_args(argv)
    if args.conversations < 1 or args.deadline <= 0 or args.rounds < 1:
        parser.error("--conversations, --deadline and --rounds must be positive")
    args.think = 0.0  # no think time: throughput, not latency, is measured
    return args


def report(runs: list[Run], target: float = TARGET, per_round: int | None = None, cores: int | None = None) -> str:
    """The table: each run's messages/s and its ratio to its round's first run; the verdict for two workers.

    Runs come in rounds of `per_round` (all of them one round by default): each round runs every
    worker count once, so a ratio compares runs minutes apart, not a fast quarter hour with a slow one.
    With several rounds the verdict is on the median ratio. Where the machine's CPU was read, it
    also says what two workers could deliver at most on `cores` cores (the machine's by default):
    the cores over the machine's CPU a message in the round's two-worker run, against the one worker.
    """
    size = per_round or len(runs)
    rounds = [runs[n : n + size] for n in range(0, len(runs), size)]
    lines = [
        "Rasa workers | messages | seconds | messages/s | ratio | p50 ms | p95 ms | errors | empty | apologies"
        " | unfinished | load avg",
    ]
    for one_round in rounds:
        base = one_round[0].per_second
        for run in one_round:
            ratio = run.per_second / base if base else 0.0
            lines.append(
                f"{run.workers:>12} | {run.messages:>8} | {run.seconds:>7.1f} | {run.per_second:>10.1f}"
                f" | {ratio:>4.2f}x | {run.p50_ms:>6.0f} | {run.p95_ms:>6.0f} | {run.errors:>6} | {run.empty:>5}"
                f" | {run.apologies:>9} | {run.unfinished:>10} | {run.load_average:>8.1f}"
            )
    for run in runs:
        if run.events_published is not None:
            lines.append(
                f"{run.workers} worker(s): {run.events_published} of {run.events_stored} tracker events"
                " were in RabbitMQ as the last answer came"
            )
    ratios = [r for r in map(_two_to_one, rounds) if r is not None]
    if ratios:
        middle = statistics.median(ratios)
        verdict = "met" if middle >= target else "not met"
        figures = f"{middle:.2f}x"
        if len(ratios) > 1:
            figures = ", ".join(f"{r:.2f}x" for r in ratios) + f"; median {figures}"
        lines.append(f"2 workers / 1 worker: {figures} (target >= {target}x: {verdict})")
    cores = cores or os.cpu_count() or 1
    bounds = [b for b in (_machine_bound(r, cores) for r in rounds) if b is not None]
    if bounds:
        lines.append(
            f"2 workers with all {cores} cores busy, at the run's machine CPU a message: at most "
            + ", ".join(f"{bound:.2f}x ({busy:.0f} % busy)" for bound, busy in bounds)
            + " one worker"
        )
    if any(r.errors or r.empty or r.apologies or r.unfinished for r in runs):
        lines.append("some messages failed, came back empty or with an apology, or did not finish: not comparable")
    return "\n".join(lines)


def _two_to_one(one_round: list[Run]) -> float | None:
    """A round's two-worker throughput over its one-worker throughput (None: not both in it)."""
    one = next((r for r in one_round if r.workers == 1), None)
    two = next((r for r in one_round if r.workers == 2), None)
    if one is None or two is None or not one.per_second:
        return None
    return two.per_second / one.per_second


def _machine_bound(one_round: list[Run], cores: int) -> tuple[float, float] | None:
    """The most two workers could deliver with every core busy (a ratio to the round's one worker), and %.

    The % is how busy the round's two-worker run kept the machine; None without the figures.
    """
    one = next((r for r in one_round if r.workers == 1), None)
    two = next((r for r in one_round if r.workers == 2), None)
    if one is None or two is None or not one.per_second or not two.machine_cpu_s or not two.messages:
        return None
    capacity = cores * two.messages / two.machine_cpu_s  # messages/s with every core busy at this CPU a message
    return capacity / one.per_second, 100 * two.machine_cpu_s / (cores * two.seconds)


def apologies() -> set[str]:
    """The texts of the replies that mean a turn failed (bot.security.no_silence, channels/action_server.py)."""
    with (ROOT / "domain.yml").open(encoding="utf-8") as fh:
        responses = yaml.safe_load(fh)["responses"]
    names = ("utter_message_failed", "utter_try_again_later", "utter_accounts_unavailable")
    return {str(responses[name][0]["text"]) for name in names}


def measure(args: argparse.Namespace, workers: int) -> Run:
    """One worker count: fresh databases, the topology, the conversations, the topology stopped."""
    work = Path(os.environ.get("LOAD_WORK_DIR") or ROOT / "var" / "load") / f"workers-{workers}"
    work.mkdir(parents=True, exist_ok=True)
    database_url = load.fresh_database(args.name)
    tracker_url = load.fresh_database(f"{args.name}_tracker")
    customers = load.seed(database_url, args.conversations)
    env = load.topology_env(args, database_url, work, rasa_workers=workers)
    print(f"{workers} Rasa worker(s): starting the production topology …", flush=True)
    proc = load.start_topology(env, work)
    try:
        url = f"http://127.0.0.1:{env['PUBLIC_PORT']}/webhooks/rest/webhook"
        load_average = os.getloadavg()[0]
        cpu_before = cpu_share.snapshot(work)
        exchanges, _, cancelled, seconds = asyncio.run(load.drive(args, url, customers, env["BOT_JWT_SECRET"]))
        cpu_after = cpu_share.snapshot(work)
        # events the broker has delivered by the last answer: work left over is not in the throughput
        published = prod_topology.queued_messages(env["RABBITMQ_EVENTS_QUEUE"], load.amqp_url())
        # which process a second worker is waiting for (printed as the run ends)
        print("  " + "\n  ".join(cpu_share.lines(cpu_before, cpu_after, sum(map(len, exchanges.values())))))
    finally:
        prod_topology.stop(proc)
        load.delete_queue(env["RABBITMQ_EVENTS_QUEUE"], env["RABBITMQ_EXCHANGE"])
    stored = load.stored_event_count(tracker_url)
    done = [x for xs in exchanges.values() for x in xs]
    figures = summary(done, seconds)
    failure_texts = apologies()
    return Run(
        workers=workers,
        messages=int(figures["messages"]),
        seconds=seconds,
        errors=int(figures["errors"]),
        empty=int(figures["empty_replies"]),
        apologies=sum(1 for x in done if failure_texts & set(x.replies)),
        unfinished=cancelled,
        p50_ms=figures["p50_ms"],
        p95_ms=figures["p95_ms"],
        load_average=load_average,
        events_published=published,
        events_stored=stored,
        machine_cpu_s=cpu_share.spent(cpu_before, cpu_after)[1],
    )


def main(argv: list[str] | None = None) -> int:
    args = arguments(argv)
    runs = []
    for _ in range(args.rounds):
        for workers in args.workers:
            runs.append(measure(args, workers))
            print(report(runs, per_round=len(args.workers)), flush=True)
    print(f"\n{args.conversations} conversations per run, no think time, {len(load.SCRIPT)} messages each at most:")
    print(report(runs, per_round=len(args.workers)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
