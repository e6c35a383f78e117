"""One customer's 5,000-character message must not stall another customer (issue 14, "done when").

Starts both servers as `make run` does (scripts/run.sh, development mode,
the latest model) on their own ports and a throwaway SQLite database, then,
ROUNDS times: sends a 5,000-character message from one customer and, while it
is in flight, a normal message from another, and prints the long message's
reply and time and the other customer's reply time. Exits 1 when the long
message is met with silence or the other customer waits 2 s or more.

Usage: python benchmarks/bench_concurrency.py
Ports: BENCH_RASA_PORT (default 17005), BENCH_ACTION_PORT (default 17055).
"""

from __future__ import annotations

import os
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import requests

ROOT = Path(__file__).resolve().parent.parent
RASA_PORT = int(os.environ.get("BENCH_RASA_PORT", "17005"))
ACTION_PORT = int(os.environ.get("BENCH_ACTION_PORT", "17055"))
LONG = "一" * 5_000 + "天"
LONG_SENDER, OTHER_SENDER = "demo_overdue", "demo_clean"
OTHER_MESSAGE = "借呗能注销吗"
ROUNDS = 5
BOUND_SECONDS = 2.0  # the other customer's reply must come back sooner than this


def post(url: str, sender: str, message: str) -> tuple[float, int, list[dict[str, Any]]]:
    start = time.perf_counter()
    response = requests.post(url, json={"sender": sender, "message": message}, timeout=120)
    return time.perf_counter() - start, response.status_code, response.json()


def text(replies: list[dict[str, Any]]) -> str:
    return " / ".join(str(r.get("text") or "") for r in replies).strip()


def start_servers(work: Path, load_customers: int = 0) -> subprocess.Popen[bytes]:
    """scripts/run.sh on a throwaway SQLite database: the demo customers, and `load_customers` copies of them."""
    env = {
        **os.environ,
        "BOT_DEV_MODE": "true",
        "DATABASE_URL": f"sqlite:///{work / 'bench.db'}",
        "RASA_PORT": str(RASA_PORT),
        "ACTION_PORT": str(ACTION_PORT),
        "BOT_DEV_OUTBOX": str(work / "outbox.jsonl"),
        "PYTHONPATH": str(ROOT),
    }
    python = str(ROOT / ".venv/bin/python")
    subprocess.run([python, "-m", "bot.cli", "prepare"], cwd=ROOT, env=env, check=True)
    if load_customers:
        seed = [python, "-m", "bot.cli", "seed-load", "--count", str(load_customers)]
        subprocess.run(seed, cwd=ROOT, env=env, check=True, stdout=subprocess.DEVNULL)
    # its own process group: stopping it stops scripts/run.sh and both servers it started
    return subprocess.Popen(
        ["scripts/run.sh"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )


def wait_until_up(url: str, proc: subprocess.Popen[bytes], seconds: int = 480) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            sys.exit(f"scripts/run.sh exited ({proc.returncode}); see var/rasa.log and var/actions.log")
        try:
            if requests.get(f"{url}/status", timeout=2).ok:
                return
        except requests.RequestException:
            pass
        time.sleep(1)
    sys.exit(f"the servers did not come up in {seconds}s")


def main() -> int:
    base = f"http://localhost:{RASA_PORT}"
    webhook = f"{base}/webhooks/rest/webhook"
    with tempfile.TemporaryDirectory() as work:
        proc = start_servers(Path(work))
        try:
            wait_until_up(base, proc)
            for sender in (LONG_SENDER, OTHER_SENDER):  # warm up: the first message loads the NLU pipeline
                post(webhook, sender, "/restart")
                post(webhook, sender, OTHER_MESSAGE)
            return measure(webhook)
        finally:
            os.killpg(proc.pid, signal.SIGINT)
            try:
                proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                os.killpg(proc.pid, signal.SIGKILL)


def measure(webhook: str) -> int:
    print(f"5,000-character message from {LONG_SENDER} and, 50 ms later, {OTHER_MESSAGE!r} from {OTHER_SENDER}:")
    others: list[float] = []
    ok = True
    with ThreadPoolExecutor(max_workers=2) as pool:
        for n in range(1, ROUNDS + 1):
            long = pool.submit(post, webhook, LONG_SENDER, LONG)
            time.sleep(0.05)
            other = pool.submit(post, webhook, OTHER_SENDER, OTHER_MESSAGE)
            (long_s, long_status, long_replies), (other_s, other_status, other_replies) = long.result(), other.result()
            others.append(other_s)
            answered = bool(text(long_replies)) and bool(text(other_replies)) and other_status == 200
            ok = ok and answered and other_s < BOUND_SECONDS
            print(
                f"  round {n}: long message HTTP {long_status} in {long_s * 1000:.0f} ms: {text(long_replies)!r}\n"
                f"           other customer HTTP {other_status} in {other_s * 1000:.0f} ms: {text(other_replies)[:40]}…"
            )
    print(
        f"other customer's reply time: median {statistics.median(others) * 1000:.0f} ms, "
        f"max {max(others) * 1000:.0f} ms (bound {BOUND_SECONDS:.0f} s): {'PASS' if ok else 'FAIL'}"
    )
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
