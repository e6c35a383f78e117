"""NLU parse latency and memory of the latest trained model.

Loads models/<latest>.tar.gz in-process and parses a mix of messages
(short, long, traditional characters, emoji). Prints load time, per-message
latency (median, p95) and peak memory. Usage: python benchmarks/bench_nlu.py
"""

from __future__ import annotations

import asyncio
import resource
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

MESSAGES = [
    "借呗能注销吗",
    "花被怎么关",
    "借唄能註銷嗎",
    "我想把花呗关了 但是还有分期没还完 能先关吗 关了影响征信吗",
    "先暂停三个月",
    "关闭自动还款",
    "😀😀😀",
    "微粒贷能在这注销吗",
    "转人工",
    "好的" * 200,
]


async def run() -> None:
    from rasa.core.agent import Agent

    model = max((ROOT / "models").glob("*.tar.gz"), key=lambda p: p.stat().st_mtime)
    start = time.perf_counter()
    agent = Agent.load(str(model))
    load_s = time.perf_counter() - start
    await agent.parse_message("预热")
    timings = []
    for _ in range(20):
        for text in MESSAGES:
            t0 = time.perf_counter()
            await agent.parse_message(text)
            timings.append((time.perf_counter() - t0) * 1000)
    timings.sort()
    print(f"model {model.name}: load {load_s:.1f} s")
    print(
        f"parse median {statistics.median(timings):.1f} ms"
        f"  p95 {timings[int(len(timings) * 0.95)]:.1f} ms  ({len(timings)} messages)"
    )
    print(f"peak RSS {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f} MB")


if __name__ == "__main__":
    asyncio.run(run())
