"""Operator commands: `python -m bot.cli prepare|seed|requests|review`.

prepare            migrate the database and seed the catalog and demo customers if missing
seed               migrate, then replace the demo customers with fresh copies
requests           list requests awaiting review
"""

from __future__ import annotations

import argparse
import sys
from datetime import datetime
from pathlib import Path

from bot.config import Settings
from bot.db import queries
from bot.db.migrate import upgrade_to_head
from bot.db.seed import ensure_seeded, reseed_demo
from bot.db.session import session_factory, session_scope


def main(argv: list[str] | None = None) -> int:
    """Run one operator command; returns the process exit code."""
    args = _parser().parse_args(argv)
    settings = Settings.from_env()
    _ensure_sqlite_dir(settings.database_url)
    upgrade_to_head(settings.database_url)
    factory = session_factory(settings.database_url)
    today = datetime.now(settings.zone).date()
    with session_scope(factory) as session:
        if args.command == "prepare":
            seeded = ensure_seeded(session, today=today)
            print("demo customers seeded" if seeded else "database ready")
        elif args.command == "seed":
            reseed_demo(session, today=today)
            print("demo customers re-seeded")
        elif args.command == "requests":
            for r in queries.list_open_requests(session):
                print(f"#{r.id}\t{r.customer_id}\t{r.kind}\t{r.status}\tlevel {r.review_level}/{r.required_review_levels}")
    return 0


def _ensure_sqlite_dir(url: str) -> None:
    if url.startswith("sqlite:///"):
        Path(url.removeprefix("sqlite:///")).parent.mkdir(parents=True, exist_ok=True)


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m bot.cli", description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = parser.add_subparsers(dest="command", required=True)
    sub.add_parser("prepare")
    sub.add_parser("seed")
    sub.add_parser("requests")
    return parser


if __name__ == "__main__":
    sys.exit(main())
