"""Cost of a full REST turn beside Rasa's own moodbot, and whether it grows with the conversation (issue 15).

In one run:
1. builds the moodbot (`rasa init --no-prompt` into a temporary folder, which trains it: a minute or
   two; MOODBOT_DIR=path reuses one built before) and starts it with `rasa run` (REST only);
2. starts this assistant as `make run` does (scripts/run.sh: development mode, in-memory trackers,
   a throwaway SQLite database, the latest model);
3. alternates rounds between the two (ROUNDS fresh conversations of 10 turns each), so both see the
   same machine load, and prints each one's full-turn median and p95 and the ratio;
4. holds one conversation of LONG_TURNS turns with each, the same 10 messages over and over. Each
   turn is sent back to back with the same message in a fresh conversation (a new one every 10
   turns; for this assistant, copies of one demo customer), so the turns late in the long
   conversation are compared with turns at the start of one, answered at the same moments. It
   prints the medians of turns 1-10, 41-50 (the 50th message) and the last 10, each against its own
   turns 1-10 (minutes earlier) and against the fresh turns beside it (the growth), and the CPU
   each server process spent on both.
Then each Rasa server's resident memory. The machine is shared: compare the ratios, not the ms.

Usage: python benchmarks/bench_turns.py      (make bench runs it)
Ports: BENCH_RASA_PORT (17005), BENCH_ACTION_PORT (17055), BENCH_MOODBOT_PORT (17006).
"""

from __future__ import annotations

import os
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import requests

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))
import bench_concurrency  # noqa: E402
from bench_concurrency import ACTION_PORT, start_servers, wait_until_up  # noqa: E402

from bot.db.seed import load_copy_ids  # noqa: E402

# BENCH_REPO=/path/to/another/checkout measures that checkout's assistant (e.g. main, for a before/after)
bench_concurrency.ROOT = Path(os.environ.get("BENCH_REPO") or ROOT)

RASA = ROOT / ".venv" / "bin" / "rasa"
RASA_PORT = int(os.environ.get("BENCH_RASA_PORT", "17005"))
MOODBOT_PORT = int(os.environ.get("BENCH_MOODBOT_PORT", "17006"))
ROUNDS = int(os.environ.get("BENCH_ROUNDS", "6"))
LONG_TURNS = int(os.environ.get("BENCH_LONG_TURNS", "80"))
# a realistic first ten messages: closing checks, a credit question, services, a pause left halfway
OURS = [
    "你好",
    "借呗能注销吗",
    "花呗呢",
    "关闭花呗影响征信吗",
    "我绑定了哪些服务",
    "我的注销申请到哪一步了",
    "逾期记录多久能消",
    "花呗先暂停三个月",
    "算了",
    "谢谢",
]
LONG_CONVERSATIONS = -(-LONG_TURNS // len(OURS))  # fresh conversations sent beside the long one
# the long conversation and the fresh ones beside it: copies of one demo customer, so that all answer alike
LONG_SENDERS = load_copy_ids("demo_overdue", 1 + LONG_CONVERSATIONS)
# one demo customer per round (the sender is the customer id in development mode)
CUSTOMERS = ["demo_balance", "demo_clean", "demo_instalment", "demo_refund", "demo_paused", "demo_past_overdue"]
# the moodbot's own stories and rules, twice over
ASSISTANT_PORTS = {"Rasa server": RASA_PORT, "action server": ACTION_PORT}
MOODBOT = ["hello", "I am sad", "yes", "hi", "I am feeling great", "hey", "I am unhappy", "no", "are you a bot?", "bye"]
Send = Callable[[str, str], float]


def sender_for(url: str, must_answer: bool = True) -> Send:
    """POST one message; its full round trip in seconds (this assistant must always answer)."""
    session = requests.Session()

    def send(sender: str, message: str) -> float:
        start = time.perf_counter()
        answer = session.post(url, json={"sender": sender, "message": message}, timeout=120)
        took = time.perf_counter() - start
        if answer.status_code != 200 or (must_answer and not answer.json()):
            raise SystemExit(f"{url}: HTTP {answer.status_code}, {answer.text[:200]!r} for {message!r}")
        return took

    return send


def conversation(send: Send, sender: str, messages: list[str], turns: int) -> list[float]:
    return [send(sender, messages[i % len(messages)]) for i in range(turns)]


def ms(values: list[float]) -> float:
    return statistics.median(values) * 1000


def p95(values: list[float]) -> float:
    return sorted(values)[max(0, round(0.95 * len(values)) - 1)] * 1000


def pid_on(port: int) -> str | None:
    """The process listening on `port` (ss), or None."""
    found = subprocess.run(["ss", "-Hltnp", f"sport = :{port}"], capture_output=True, text=True).stdout
    return found.split("pid=")[1].split(",")[0] if "pid=" in found else None


def cpu_seconds(pid: str | None) -> float:
    """User + system CPU time the process has used so far (Linux /proc), 0 when unknown."""
    if pid is None:
        return 0.0
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def rss_mb(port: int) -> float | None:
    """Resident memory of the process listening on `port` (Linux /proc), in MB."""
    pid = pid_on(port)
    if pid is None:
        return None
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return None


def wait_for_moodbot(proc: subprocess.Popen[bytes], log: Path, seconds: int = 480) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise SystemExit(f"the moodbot's `rasa run` exited ({proc.returncode}): see {log}")
        try:
            if requests.get(f"http://127.0.0.1:{MOODBOT_PORT}/", timeout=2).ok:
                return
        except requests.RequestException:
            pass
        time.sleep(1)
    raise SystemExit(f"the moodbot did not come up in {seconds} s: see {log}")


@contextmanager
def moodbot() -> Iterator[str]:
    reuse = os.environ.get("MOODBOT_DIR")
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(reuse or tmp)
        env = {**os.environ, "PYTHONWARNINGS": "ignore"}
        if not list((folder / "models").glob("*.tar.gz")):
            print(f"building the moodbot in {folder} (rasa init --no-prompt: trains it) …", flush=True)
            started = time.monotonic()
            subprocess.run(
                [str(RASA), "init", "--no-prompt", "--init-dir", str(folder)],
                cwd=folder,
                env=env,
                check=True,
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
            )
            print(f"  built in {time.monotonic() - started:.0f} s", flush=True)
        log = (folder / "rasa.log").open("wb")
        proc = subprocess.Popen(
            [
                str(RASA),
                "run",
                "--port",
                str(MOODBOT_PORT),
                "--interface",
                "127.0.0.1",
                "--model",
                "models",
            ],
            cwd=folder,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        try:
            wait_for_moodbot(proc, folder / "rasa.log")
            yield f"http://127.0.0.1:{MOODBOT_PORT}/webhooks/rest/webhook"
        finally:
            if proc.poll() is None:
                os.killpg(proc.pid, signal.SIGINT)
                proc.wait(timeout=60)


@contextmanager
def assistant() -> Iterator[str]:
    os.environ.setdefault("BOT_RATE_LIMIT_SENDER", "6000/60")  # 80 quick turns from one sender
    os.environ.setdefault("BOT_RATE_LIMIT_IP", "off")
    with tempfile.TemporaryDirectory() as work:
        proc = start_servers(Path(work), load_customers=int(LONG_SENDERS[-1].removeprefix("load_")))
        try:
            wait_until_up(f"http://127.0.0.1:{RASA_PORT}", proc)
            yield f"http://127.0.0.1:{RASA_PORT}/webhooks/rest/webhook"
        finally:
            os.killpg(proc.pid, signal.SIGINT)
            try:
                proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                os.killpg(proc.pid, signal.SIGKILL)


def full_turns(ours: Send, floor: Send) -> None:
    mine: list[float] = []
    theirs: list[float] = []
    for n in range(ROUNDS):  # alternating, so both meet the same load; a new conversation each round
        mine += conversation(ours, CUSTOMERS[n % len(CUSTOMERS)], OURS, 10)
        theirs += conversation(floor, f"mood_{n}", MOODBOT, 10)
    print(f"\nfull REST turn, {ROUNDS} fresh conversations × 10 turns each (alternating):")
    print(f"  this assistant  median {ms(mine):6.1f} ms   p95 {p95(mine):6.1f} ms")
    print(f"  moodbot (floor) median {ms(theirs):6.1f} ms   p95 {p95(theirs):6.1f} ms")
    print(
        f"  ratio           median {ms(mine) / ms(theirs):6.2f} ×   p95 {p95(mine) / p95(theirs):6.2f} × (target ≤ 1.5)"
    )


@dataclass(frozen=True)
class Turn:
    """One message's round trip, and the CPU each server process spent while it was answered."""

    seconds: float
    cpu: dict[str, float]


def timed(send: Send, sender: str, message: str, pids: dict[str, str | None]) -> Turn:
    before = {process: cpu_seconds(pid) for process, pid in pids.items()}
    took = send(sender, message)
    return Turn(took, {process: cpu_seconds(pid) - before[process] for process, pid in pids.items()})


def growth(
    send: Send, long_sender: str, fresh_senders: list[str], messages: list[str], pids: dict[str, str | None]
) -> tuple[list[Turn], list[Turn]]:
    """LONG_TURNS turns of one conversation, each sent beside the same message in a fresh conversation.

    A new fresh conversation starts every len(messages) turns, so fresh turn i is at position
    i % len(messages) + 1 of its conversation with the same message as long turn i. The two of a pair
    are sent back to back (in turn order, first one then the other), so they meet the same machine.
    """
    long: list[Turn] = []
    fresh: list[Turn] = []
    for i in range(LONG_TURNS):
        message, other = messages[i % len(messages)], fresh_senders[i // len(messages)]
        if i % 2:
            fresh.append(timed(send, other, message, pids))
            long.append(timed(send, long_sender, message, pids))
        else:
            long.append(timed(send, long_sender, message, pids))
            fresh.append(timed(send, other, message, pids))
    return long, fresh


def growth_lines(long: list[Turn], fresh: list[Turn], window: int = 10) -> list[str]:
    """The long conversation's turns 1-10, 41-50 and last 10, against the fresh turns sent beside them.

    The ratio against the fresh turns is the growth: both were answered at the same moments, with the
    same messages, one late in a conversation and one at its start. The long conversation's own last
    turns against its first are printed too; they were minutes apart, so they include any change in
    the machine's speed meanwhile.
    """
    n = len(long)
    spans = [(0, window), (40, 40 + window), (n - window, n)] if n >= 50 + window else [(0, window), (n - window, n)]
    lines = []
    first = ms([t.seconds for t in long[:window]])
    for a, b in spans:
        late, beside = ms([t.seconds for t in long[a:b]]), ms([t.seconds for t in fresh[a:b]])
        lines.append(
            f"turns {a + 1:>2}-{b:<2} {late:6.1f} ms ({late / first:4.2f} × its turns 1-{window});"
            f" fresh turns beside them {beside:6.1f} ms: {late / beside:4.2f} ×"
        )
    for process in long[0].cpu:
        cpu = [
            f"{1000 * mean_cpu(long[a:b], process):5.1f} vs {1000 * mean_cpu(fresh[a:b], process):5.1f}"
            for a, b in spans
        ]
        lines.append(f"CPU of the {process}, ms a turn (long vs fresh): " + ", ".join(cpu))
    return lines


def mean_cpu(turns: list[Turn], process: str) -> float:
    return statistics.fmean(t.cpu[process] for t in turns)


def long_conversation(
    name: str,
    send: Send,
    long_sender: str,
    fresh_senders: list[str],
    messages: list[str],
    ports: dict[str, int],
) -> None:
    pids = {process: pid_on(port) for process, port in ports.items()}
    long, fresh = growth(send, long_sender, fresh_senders, messages, pids)
    print(f"  {name}:")
    for line in growth_lines(long, fresh):
        print(f"    {line}")


def main() -> int:
    with moodbot() as floor_url, assistant() as our_url:
        ours, floor = sender_for(our_url), sender_for(floor_url, must_answer=False)
        conversation(ours, "demo_closed", OURS, 10)  # warm-up: first parses load lazily built parts
        conversation(floor, "mood_warmup", MOODBOT, 10)
        full_turns(ours, floor)
        print(
            f"\none conversation of {LONG_TURNS} turns (10 messages repeated), each turn sent beside the same message"
            " in a fresh conversation (target: the last 10 ≤ 1.2 × the fresh turns beside them):"
        )
        fresh = [f"mood_fresh_{k}" for k in range(LONG_CONVERSATIONS)]
        long_conversation("this assistant", ours, LONG_SENDERS[0], LONG_SENDERS[1:], OURS, ASSISTANT_PORTS)
        long_conversation("moodbot", floor, "mood_long", fresh, MOODBOT, {"Rasa server": MOODBOT_PORT})
        mine, theirs = rss_mb(RASA_PORT), rss_mb(MOODBOT_PORT)
        if mine and theirs:
            print(
                f"\nRasa server memory: this assistant {mine:.0f} MB, moodbot {theirs:.0f} MB ({mine / theirs:.2f} ×)"
            )
        actions = rss_mb(ACTION_PORT)
        if actions:  # it keeps each conversation's events for delta calls (channels/action_server_events.py)
            print(f"action server memory after these conversations: {actions:.0f} MB")
    return 0


if __name__ == "__main__":
    sys.exit(main())
