"""Closure-check throughput: load a customer snapshot and run the eligibility rules.

Prints per-call latency (median, p95) for each backend given, and the process's
peak memory. Usage: python benchmarks/bench_closure.py [DATABASE_URL ...]
(default: a temporary SQLite database). Not a test: it only prints figures.
"""

from __future__ import annotations

import resource
import statistics
import sys
import tempfile
import time
from datetime import date
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bot.closing.eligibility import check_closure  # noqa: E402
from bot.db.migrate import upgrade_to_head  # noqa: E402
from bot.db.queries import load_customer  # noqa: E402
from bot.db.seed import DEMO_CUSTOMERS, reseed_demo  # noqa: E402
from bot.db.session import session_factory, session_scope  # noqa: E402

ROUNDS = 300


def bench(url: str) -> None:
    upgrade_to_head(url)
    factory = session_factory(url)
    today = date.today()
    with session_scope(factory) as s:
        reseed_demo(s, today=today)
    timings = []
    for i in range(ROUNDS):
        customer_id = list(DEMO_CUSTOMERS)[i % len(DEMO_CUSTOMERS)]
        start = time.perf_counter()
        with session_scope(factory) as s:
            customer = load_customer(s, customer_id)
        assert customer is not None
        for account in customer.accounts:
            check_closure(account, today=today)
        timings.append((time.perf_counter() - start) * 1000)
    timings.sort()
    p95 = timings[int(len(timings) * 0.95)]
    print(
        f"{url.split(':')[0]:12s} load+check  median {statistics.median(timings):6.2f} ms"
        f"  p95 {p95:6.2f} ms  ({ROUNDS} calls)"
    )


def main() -> None:
    urls = sys.argv[1:] or [f"sqlite:///{tempfile.mkdtemp()}/bench.db"]
    for url in urls:
        bench(url)
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"peak RSS {peak_mb:.0f} MB")


if __name__ == "__main__":
    main()
