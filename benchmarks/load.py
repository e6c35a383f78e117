"""200 concurrent multi-turn conversations against the production topology, then integrity checks (issue 15).

    python benchmarks/load.py                     (make load; about 5-10 minutes)
    python benchmarks/load.py --conversations 20 --think 2

1. Makes two fresh databases on the local PostgreSQL (LOAD_POSTGRES_URL, default the server of
   TEST_POSTGRES_URL): `<name>` for accounts, seeded with load-test customers load_0001 … (copies of
   the demo customers in turn: `python -m bot.cli seed-load`), and `<name>_tracker` for Rasa.
2. Starts scripts/run-prod.sh (nginx, 2 Rasa + 2 action servers, Redis lock store on REDIS_DB,
   RabbitMQ broker on a queue of its own) on loopback ports from --port-base (17000-17100 by default).
3. Runs the conversations with aiohttp over the public REST webhook, each with its own signed customer
   token: a greeting, a closing check, a credit question, pausing 花呗 (confirmed with 确认 when the
   assistant asks for it), the status of requests, thanks; about --think seconds between a user's
   messages (±20 %, seeded), start times spread over the first think time. Bounded: --deadline seconds
   for the whole run, 60 s per message; whatever is still running then is cancelled and counted.
4. Stops the topology and checks (benchmarks/load_checks.py): every conversation's tracker events
   against what its client sent and got (nothing lost, duplicated or reordered); every confirmed pause
   stored exactly once with its audit row, nothing for the others.
5. Prints messages/s, p50/p95/p99 per message, errors, empty replies, problems, each process's
   peak resident memory, and where the machine's CPU went during the run (benchmarks/cpu_share.py).
   Exits 1 when a check fails or a message failed or came back empty.
Loopback only: everything listens on 127.0.0.1. The machine may be shared: say so with the figures.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import subprocess
import sys
import time
from collections import Counter
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import aiohttp
from sqlalchemy import create_engine, select, text
from sqlalchemy.engine import make_url

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))
import cpu_share  # noqa: E402
import prod_topology  # noqa: E402
from load_checks import (  # noqa: E402
    Exchange,
    StoredEvent,
    change_problems,
    per_message,
    summary,
    timeline,
    tracker_problems,
)

from bot.db import models as m  # noqa: E402
from bot.security.tokens import mint_token  # noqa: E402

PYTHON = str(ROOT / ".venv" / "bin" / "python")
PAUSE = '/pause_credit{"product":"huabei","duration":30}'  # what the widget's 暂停 button sends
CONFIRM_ASKED = "确认把花呗暂停"  # the assistant asks before pausing
CONFIRMED = "已经暂停"  # … and says this once it has
SCRIPT = ["你好", "借呗能注销吗", "关闭花呗影响征信吗", PAUSE, "/affirm", "我的注销申请到哪一步了", "谢谢"]


def arguments() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--conversations", type=int, default=200)
    parser.add_argument("--think", type=float, default=5.0, help="seconds between a user's messages (±20 %%)")
    parser.add_argument("--deadline", type=float, default=900.0, help="seconds for the whole run, at most")
    parser.add_argument("--port-base", type=int, default=17000)
    parser.add_argument("--seed", type=int, default=15)
    parser.add_argument("--name", default=os.environ.get("LOAD_DB_NAME", "credit_load"), help="account database")
    return parser.parse_args()


# ── databases and topology ──


def admin_url() -> str:
    url = os.environ.get("LOAD_POSTGRES_URL") or os.environ.get("TEST_POSTGRES_URL") or ""
    return url or "postgresql+psycopg2://postgres@127.0.0.1:5432/postgres"


def fresh_database(name: str) -> str:
    """Drop and create database `name` (only the load run's own); its URL."""
    admin = make_url(admin_url())
    engine = create_engine(admin, isolation_level="AUTOCOMMIT")
    with engine.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    engine.dispose()
    return admin.set(database=name).render_as_string(hide_password=False)


def seed(database_url: str, count: int) -> list[str]:
    env = {**os.environ, "DATABASE_URL": database_url, "BOT_DEV_MODE": "true", "PYTHONPATH": str(ROOT)}
    for command in (["prepare"], ["seed-load", "--count", str(count)]):
        subprocess.run([PYTHON, "-m", "bot.cli", *command], cwd=ROOT, env=env, check=True, capture_output=True)
    return [f"load_{n:04d}" for n in range(1, count + 1)]


def topology_env(args: argparse.Namespace, database_url: str, work: Path, rasa_workers: int = 2) -> dict[str, str]:
    admin = make_url(admin_url())
    base = args.port_base
    env = prod_topology.production_env(
        work, rasa_port=base + 10, action_port=base + 20, proxy_port=base + 30, public_port=base + 40
    )
    return {
        **env,
        "RASA_WORKERS": str(rasa_workers),
        "DATABASE_URL": database_url,
        "TRACKER_DB_HOST": admin.host or "127.0.0.1",
        "TRACKER_DB_PORT": str(admin.port or 5432),
        "TRACKER_DB_NAME": f"{args.name}_tracker",
        "TRACKER_DB_USER": admin.username or "postgres",
        "TRACKER_DB_PASSWORD": admin.password or "",
        "REDIS_DB": os.environ.get("LOAD_REDIS_DB", "7"),
        "REDIS_PASSWORD": os.environ.get("REDIS_PASSWORD", ""),
        "RABBITMQ_PASSWORD": os.environ.get("RABBITMQ_PASSWORD", "guest"),
        "RABBITMQ_EVENTS_QUEUE": f"load_events_{os.getpid()}",
        # an exchange of the run's own: a deployment on this RabbitMQ does not get its events, nor it theirs
        "RABBITMQ_EXCHANGE": f"load_events_{os.getpid()}.exchange",
        # every simulated user comes from 127.0.0.1: the per-address limit would refuse them
        "BOT_RATE_LIMIT_IP": "off",
        "PYTHONWARNINGS": "ignore",
    }


def start_topology(env: dict[str, str], work: Path) -> subprocess.Popen[bytes]:
    try:
        return prod_topology.start(env, work)
    except prod_topology.TopologyDidNotStart as problem:
        raise SystemExit(str(problem)) from None


def amqp_url() -> str:
    return os.environ.get("LOAD_AMQP_URL") or prod_topology.DEFAULT_AMQP_URL


def delete_queue(name: str, exchange: str | None = None) -> None:
    problem = prod_topology.delete_queue(name, amqp_url(), exchange)
    if problem is not None:
        print(f"note: could not delete the RabbitMQ queue {name}: {problem}", file=sys.stderr)


def peak_memory(work: Path) -> dict[str, float]:
    """Peak resident memory (VmHWM, MB) of each process of the topology, nginx's workers included."""
    peaks: dict[str, float] = {}
    for pid_file in sorted(work.glob("*.pid")):
        pid = pid_file.read_text().strip()
        peaks[pid_file.stem] = _hwm(pid)
        if pid_file.stem == "nginx":
            children = Path(f"/proc/{pid}/task/{pid}/children")
            for n, child in enumerate(children.read_text().split() if children.exists() else []):
                peaks[f"nginx-worker-{n + 1}"] = _hwm(child)
    return peaks


def _hwm(pid: str) -> float:
    status = Path(f"/proc/{pid}/status")
    for line in status.read_text().splitlines() if status.exists() else []:
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return 0.0


# ── conversations ──


async def converse(
    http: aiohttp.ClientSession,
    url: str,
    customer: str,
    secret: str,
    think: float,
    rng: random.Random,
    exchanges: list[Exchange],
) -> bool:
    """One customer's conversation, each exchange added to `exchanges` as it ends; whether a pause was confirmed."""
    token = mint_token(
        customer, secret=secret, issuer="credit-assistant", audience="credit-assistant-chat", ttl=timedelta(hours=1)
    )
    headers = {"Authorization": f"Bearer {token}"}
    confirmed = asked = False
    await asyncio.sleep(rng.uniform(0, think))
    for message in SCRIPT:
        if message == "/affirm" and not asked:
            continue  # nothing to confirm (the line cannot be paused): the user goes on
        exchange = await send(http, url, headers, message, exchanges)
        said = "\n".join(exchange.replies)
        asked = asked or (message == PAUSE and CONFIRM_ASKED in said)
        confirmed = confirmed or (message == "/affirm" and CONFIRMED in said)
        await asyncio.sleep(rng.uniform(0.8 * think, 1.2 * think))
    return confirmed


async def send(
    http: aiohttp.ClientSession, url: str, headers: dict[str, str], message: str, exchanges: list[Exchange]
) -> Exchange:
    """POST one message; the exchange is recorded even when the run's deadline cancels it midway."""
    start = time.perf_counter()
    exchange = Exchange(message, 0, (), 0.0, start)
    try:
        async with http.post(url, json={"message": message}, headers=headers) as answer:
            body: Any = await answer.json(content_type=None) if answer.status == 200 else None
            texts = tuple(str(r.get("text") or "") for r in body or [] if isinstance(r, dict) and r.get("text"))
            exchange = Exchange(message, answer.status, texts, time.perf_counter() - start, start)
    except (aiohttp.ClientError, asyncio.TimeoutError, ValueError):
        exchange = Exchange(message, 0, (), time.perf_counter() - start, start)
    finally:  # a cancelled message may have reached Rasa: the checks must know it was sent
        exchanges.append(exchange if exchange.seconds else Exchange(message, 0, (), time.perf_counter() - start, start))
    return exchange


async def drive(
    args: argparse.Namespace, url: str, customers: list[str], secret: str
) -> tuple[dict[str, list[Exchange]], set[str], int, float]:
    """All conversations at once; (exchanges per customer, confirmed customers, cancelled, seconds)."""
    rng = random.Random(args.seed)
    timeout = aiohttp.ClientTimeout(total=60)
    connector = aiohttp.TCPConnector(limit=0)
    started = time.perf_counter()
    exchanges: dict[str, list[Exchange]] = {c: [] for c in customers}
    async with aiohttp.ClientSession(timeout=timeout, connector=connector) as http:
        tasks = {
            c: asyncio.create_task(
                converse(http, url, c, secret, args.think, random.Random(rng.random()), exchanges[c])
            )
            for c in customers
        }
        done, pending = await asyncio.wait(tasks.values(), timeout=args.deadline)
        for task in pending:
            task.cancel()
        await asyncio.gather(*pending, return_exceptions=True)
    seconds = time.perf_counter() - started
    finished = {c for c, t in tasks.items() if t in done and not t.exception()}
    confirmed = {c for c in finished if tasks[c].result()}
    return exchanges, confirmed, len(customers) - len(finished), seconds


# ── checks ──


def stored_events(tracker_url: str, customers: list[str]) -> dict[str, list[StoredEvent]]:
    engine = create_engine(tracker_url)
    found: dict[str, list[StoredEvent]] = {c: [] for c in customers}
    with engine.connect() as conn:
        rows = conn.execute(text("SELECT id, sender_id, type_name, timestamp, data FROM events ORDER BY id"))
        for row in rows:
            if row.sender_id in found:
                found[row.sender_id].append(StoredEvent(row.id, row.type_name, row.timestamp, json.loads(row.data)))
    engine.dispose()
    return found


def stored_event_count(tracker_url: str) -> int:
    """The tracker store's events, all conversations (each run's tracker database is fresh)."""
    engine = create_engine(tracker_url)
    with engine.connect() as conn:
        count = conn.execute(text("SELECT count(*) FROM events")).scalar_one()
    engine.dispose()
    return int(count)


def stored_changes(database_url: str, since: datetime) -> tuple[Counter[str], Counter[str]]:
    """Per customer: pause requests made since `since`, and the audit rows of accounts paused since then."""
    engine = create_engine(database_url)
    with engine.connect() as conn:
        requests = Counter(
            conn.execute(
                select(m.ServiceRequest.customer_id).where(
                    m.ServiceRequest.kind == "pause", m.ServiceRequest.created_at >= since
                )
            ).scalars()
        )
        actors = conn.execute(
            select(m.AuditEntry.actor).where(m.AuditEntry.action == "account_paused", m.AuditEntry.at >= since)
        ).scalars()
        audits = Counter(actor.removeprefix("customer:") for actor in actors)
    engine.dispose()
    return requests, audits


def report(
    args: argparse.Namespace,
    exchanges: dict[str, list[Exchange]],
    cancelled: int,
    seconds: float,
    problems: list[str],
    memory: dict[str, float],
) -> bool:
    done = [x for xs in exchanges.values() for x in xs]
    figures = summary(done, seconds)
    print(f"\n{args.conversations} conversations, think time {args.think:.0f} s ±20 %, {seconds:.0f} s wall clock:")
    print(f"  messages          {figures['messages']:.0f} ({figures['messages_per_second']:.1f} messages/s)")
    p50, p95, p99 = figures["p50_ms"], figures["p95_ms"], figures["p99_ms"]
    print(f"  per message       p50 {p50:.0f} ms   p95 {p95:.0f} ms   p99 {p99:.0f} ms")
    # the turns of the script are not alike (a first message starts a conversation, a pause runs a form)
    for message, (count, p50_one, p95_one) in per_message(done).items():
        print(f"      {message[:24]:<24} {count:4d} × p50 {p50_one:5.0f} ms   p95 {p95_one:5.0f} ms")
    # a slow run is slow throughout; a burst (a collection, another job on the machine) shows in one window
    windows = [f"{start:3.0f} s {n:4d} × p95 {p95_w:5.0f} ms" for start, n, _, p95_w in timeline(done)]
    for row in range(0, len(windows), 4):
        print(("  by when sent      " if row == 0 else " " * 20) + "   ".join(windows[row : row + 4]))
    print(f"  errors            {figures['errors']:.0f} (no HTTP 200)   empty replies {figures['empty_replies']:.0f}")
    print(f"  not finished      {cancelled} conversations (deadline {args.deadline:.0f} s)")
    print(f"  integrity         {len(problems)} problems")
    for problem in problems[:20]:
        print(f"    - {problem}")
    print("  peak memory (VmHWM): " + ", ".join(f"{name} {mb:.0f} MB" for name, mb in memory.items()))
    return not problems and not cancelled and figures["errors"] == 0 and figures["empty_replies"] == 0


def main() -> int:
    args = arguments()
    work = Path(os.environ.get("LOAD_WORK_DIR") or ROOT / "var" / "load")
    work.mkdir(parents=True, exist_ok=True)
    database_url = fresh_database(args.name)
    tracker_url = fresh_database(f"{args.name}_tracker")
    customers = seed(database_url, args.conversations)
    print(f"seeded {len(customers)} load-test customers into {args.name}; starting the production topology …")
    env = topology_env(args, database_url, work)
    proc = start_topology(env, work)
    try:
        url = f"http://127.0.0.1:{env['PUBLIC_PORT']}/webhooks/rest/webhook"
        since = datetime.now(UTC) - timedelta(seconds=1)
        print(f"topology ready; {args.conversations} conversations against {url} …", flush=True)
        cpu_before = cpu_share.snapshot(work)
        exchanges, confirmed, cancelled, seconds = asyncio.run(drive(args, url, customers, env["BOT_JWT_SECRET"]))
        cpu = cpu_share.lines(cpu_before, cpu_share.snapshot(work), sum(map(len, exchanges.values())))
        memory = peak_memory(work)
    finally:
        prod_topology.stop(proc)
        delete_queue(env["RABBITMQ_EVENTS_QUEUE"], env["RABBITMQ_EXCHANGE"])
    events = stored_events(tracker_url, customers)
    problems = [p for c in customers for p in tracker_problems(c, exchanges.get(c, []), events[c])]
    requests, audits = stored_changes(database_url, since)
    problems += change_problems(confirmed, requests, audits, customers)
    print(f"  confirmed pauses  {len(confirmed)} (each checked in the database with its audit row)")
    passed = report(args, exchanges, cancelled, seconds, problems, memory)
    print("  " + "\n  ".join(cpu))
    return 0 if passed else 1


if __name__ == "__main__":
    sys.exit(main())
