"""Where a turn's time goes, and how it changes as one conversation grows (issue 15, docs/benchmarks.md).

Runs the latest model in this process (Rasa's Agent, the project's redacting in-memory tracker
store, so the cuts of channels/turn_cost.py are in) against a real action server started on
PROFILE_ACTION_PORT with a throwaway SQLite database, holds one conversation of TURNS turns (the
same 10 messages over and over), prints the median time of every 10 turns and, for the first and
the last 10, cProfile's top functions (by cumulative time; PROFILE_SORT=tottime for own time).

    python benchmarks/profile_turn.py                    TURNS=80 by default
    TURNS=40 PROFILE_TOP=60 python benchmarks/profile_turn.py
    PROFILE_DUMP=/tmp/turn python benchmarks/profile_turn.py    also writes /tmp/turn-0.prof, … for pstats
"""

from __future__ import annotations

import asyncio
import cProfile
import gc
import io
import logging
import os
import pstats
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import requests

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
MESSAGES = ["你好", "借呗能注销吗", "花呗呢", "关闭花呗影响征信吗", "我绑定了哪些服务"]
MESSAGES += ["我的注销申请到哪一步了", "逾期记录多久能消", "花呗先暂停三个月", "算了", "谢谢"]
ACTION_PORT = int(os.environ.get("PROFILE_ACTION_PORT", "17056"))
TURNS = int(os.environ.get("TURNS", "80"))


def start_action_server(work: Path) -> subprocess.Popen[bytes]:
    os.environ.update(
        BOT_DEV_MODE="true",
        DATABASE_URL=f"sqlite:///{work}/profile.db",
        BOT_ACTION_SECRET=os.environ.get("BOT_ACTION_SECRET") or "p" * 64,
        BOT_DEV_OUTBOX=str(work / "outbox.jsonl"),
        PYTHONWARNINGS="ignore",
        BOT_RATE_LIMIT_SENDER="6000/60",
    )
    python = str(ROOT / ".venv" / "bin" / "python")
    subprocess.run([python, "-m", "bot.cli", "prepare"], cwd=ROOT, check=True, capture_output=True)
    server = [python, "-m", "channels.action_server", "--host", "127.0.0.1", "--port", str(ACTION_PORT)]
    log = (work / "actions.log").open("wb")
    proc = subprocess.Popen(server, cwd=ROOT, stdout=log, stderr=subprocess.STDOUT)
    for _ in range(120):
        try:
            if requests.get(f"http://127.0.0.1:{ACTION_PORT}/health", timeout=1).ok:
                return proc
        except requests.RequestException:
            time.sleep(1)
    proc.terminate()
    raise SystemExit(f"the action server did not start; see {work / 'actions.log'}")


async def profile(work: Path) -> None:
    import rasa.core.utils
    from rasa.core.agent import load_agent
    from rasa.core.channels.channel import CollectingOutputChannel, UserMessage
    from rasa.utils.log_utils import configure_structlog

    logging.getLogger("rasa").setLevel(logging.WARNING)
    configure_structlog(logging.WARNING)  # as `rasa run` at its default level: no debug lines
    endpoints_file = work / "endpoints.yml"
    endpoints_text = (ROOT / "endpoints.yml").read_text(encoding="utf-8")
    endpoints_file.write_text(endpoints_text.replace("localhost:5055", f"127.0.0.1:{ACTION_PORT}"), encoding="utf-8")
    model = sorted((ROOT / "models").glob("*.tar.gz"))[-1]
    agent = await load_agent(model_path=str(model), endpoints=rasa.core.utils.read_endpoints_from_path(endpoints_file))
    gc.collect()
    gc.freeze()  # as the REST channel does after start-up (channels/turn_cost.py)
    profiles = {0: cProfile.Profile(), TURNS // 10 - 1: cProfile.Profile()}
    times: list[float] = []
    for n in range(TURNS):
        out = CollectingOutputChannel()
        profiler = profiles.get(n // 10)
        start = time.perf_counter()
        if profiler:
            profiler.enable()
        await agent.handle_message(UserMessage(MESSAGES[n % len(MESSAGES)], out, "demo_balance"))
        if profiler:
            profiler.disable()
        times.append(time.perf_counter() - start)
        if not out.messages:
            raise SystemExit(f"turn {n + 1}: no reply")
    tracker = await agent.tracker_store.retrieve("demo_balance")
    print(f"{TURNS} turns, {len(tracker.events) if tracker else 0} events (profiled turns are slower)")
    for k in range(0, TURNS, 10):
        print(f"  turns {k + 1:2}-{k + 10:2}: median {statistics.median(times[k : k + 10]) * 1000:6.1f} ms")
    for decile, profiler in profiles.items():
        text = io.StringIO()
        stats = pstats.Stats(profiler, stream=text).sort_stats(os.environ.get("PROFILE_SORT", "cumulative"))
        stats.print_stats(int(os.environ.get("PROFILE_TOP", "40")))
        if os.environ.get("PROFILE_DUMP"):
            stats.dump_stats(f"{os.environ['PROFILE_DUMP']}-{decile}.prof")
        print(f"\n=== turns {decile * 10 + 1}-{decile * 10 + 10}\n{text.getvalue()}")


def main() -> int:
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        server = start_action_server(work)
        try:
            asyncio.run(profile(work))
        finally:
            server.terminate()
            server.wait(timeout=30)
    return 0


if __name__ == "__main__":
    sys.exit(main())
