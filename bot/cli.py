"""Operator commands: `python -m bot.cli prepare|seed|requests|review|outbox|token|hash-password|dev-mode`.

prepare            migrate the database and load the product catalog; in development mode
                   also the demo customers if missing
seed               development mode only: migrate, then replace the demo customers with fresh copies
requests           list requests awaiting review
hash-password      read an agent's password (twice, not echoed) and print the hash for BOT_AGENT_USERS
review ID DECISION approve or reject a closure, reopen or data-deletion request
outbox             how many handoff events wait to be sent to RabbitMQ, and for how long;
                   exit 1 when they are late (make prod-health asks it)
token CUSTOMER     development mode only: print a signed token for a demo customer
dev-mode [--bind HOST]
                   print true or false: whether BOT_DEV_MODE means development mode (the one
                   parser of the flag; scripts/run.sh asks it); exit 2 on settings that cannot
                   start, or when development mode would listen on HOST other than loopback
widget-origins     print BOT_WIDGET_ORIGINS as Rasa's --cors takes it, one origin a line
                   (development default: BOT_PUBLIC_URL's origin; production: none unless set)
"""

from __future__ import annotations

import argparse
import getpass
import sys
from datetime import date, datetime, timedelta, timezone
from pathlib import Path

from sqlalchemy.orm import Session

from bot.config import ConfigError, Settings
from bot.core.catalog import load_catalog
from bot.db import queries
from bot.db.migrate import upgrade_to_head
from bot.db.seed import ensure_seeded, reseed_demo, seed_catalog, seed_load_customers
from bot.db.session import session_factory, session_scope
from bot.handoff import outbox
from bot.security.console_auth import hash_password
from bot.security.tokens import mint_token
from bot.service_requests.lifecycle import DEFAULT_REJECTION_REASON, REJECTION_REASONS, InvalidTransition
from bot.service_requests.review import Decision, review_request


def main(argv: list[str] | None = None) -> int:
    """Run one operator command; returns the process exit code."""
    args = _parser().parse_args(argv)
    if args.command == "hash-password":
        return _hash_password()
    if args.command == "dev-mode":
        return _print_dev_mode(args.bind)
    if args.command == "widget-origins":
        return _print_widget_origins()
    settings = Settings.from_env()
    if args.command == "token":
        return _print_token(settings, args.customer, args.minutes)
    _ensure_sqlite_dir(settings.database_url)
    upgrade_to_head(settings.database_url)
    factory = session_factory(settings.database_url)
    today = datetime.now(settings.zone).date()
    with session_scope(factory) as session:
        if args.command == "prepare":
            return _prepare(session, settings, today)
        elif args.command == "seed":
            if not settings.dev_mode:
                print("demo customers are for development mode only (BOT_DEV_MODE=true)", file=sys.stderr)
                return 1
            reseed_demo(session, today=today)
            print("demo customers re-seeded")
        elif args.command == "seed-load":
            if not settings.dev_mode:
                print("load-test customers are for development mode only (BOT_DEV_MODE=true)", file=sys.stderr)
                return 1
            ids = seed_load_customers(session, args.count, today=today)
            print(f"{len(ids)} load-test customers seeded ({ids[0] if ids else ''} … {ids[-1] if ids else ''})")
        elif args.command == "requests":
            _print_open_requests(session)
        elif args.command == "review":
            return _review(session, args, today)
        elif args.command == "outbox":
            line, late = outbox.backlog_report(*queries.outbox_backlog(session), datetime.now(timezone.utc))
            print(line)
            return 1 if late else 0
    return 0


def _print_open_requests(session: Session) -> None:
    pending = queries.list_open_requests(session)
    if not pending:
        print("no requests awaiting review")
    for r in pending:
        print(f"#{r.id}\t{r.customer_id}\t{r.kind}\t{r.status}\tlevel {r.review_level}/{r.required_review_levels}")


def _prepare(session: Session, settings: Settings, today: date) -> int:
    # A production database must never receive the demo customers: they are
    # real-looking accounts that any development token could act on.
    if not settings.dev_mode:
        seed_catalog(session, load_catalog())
        print("database ready (catalog loaded)")
        return 0
    seeded = ensure_seeded(session, today=today)
    print("demo customers seeded" if seeded else "database ready")
    return 0


def _review(session: Session, args: argparse.Namespace, today: date) -> int:
    try:
        request = review_request(
            session,
            request_id=args.id,
            decision=Decision(args.decision),
            operator=args.operator,
            today=today,
            reason=args.reason,
        )
    except InvalidTransition as exc:
        print(f"request #{args.id}: {exc}", file=sys.stderr)
        return 1
    if request is None:
        print(f"request #{args.id}: no such closure, reopen or data-deletion request", file=sys.stderr)
        return 1
    print(f"request #{request.id} is now {request.status}")
    return 0


def _hash_password() -> int:
    # getpass: the password never appears on screen, in shell history or in `ps`.
    password = getpass.getpass("password: ")
    if not password or password != getpass.getpass("again: "):
        print("passwords empty or different", file=sys.stderr)
        return 1
    print(hash_password(password))
    return 0


def _print_dev_mode(bind: str | None) -> int:
    # Shell scripts must not parse the flag themselves: "yes" or "1" would mean
    # development mode to Python and production to a shell that only knows "true".
    try:
        settings = Settings.from_env()
        if bind is not None:
            settings.require_loopback_bind(bind, "scripts/run.sh")
        print("true" if settings.dev_mode else "false")
    except ConfigError as exc:
        print(exc, file=sys.stderr)
        return 2
    return 0


def _print_widget_origins() -> int:
    # scripts/run.sh passes these to `rasa run --cors` (never "*": Rasa would reflect any site, with cookies)
    try:
        origins = Settings.from_env().widget_origins
    except ConfigError as exc:
        print(exc, file=sys.stderr)
        return 2
    for origin in origins:
        print(origin)
    return 0


def _print_token(settings: Settings, customer: str, minutes: int) -> int:
    # Real tokens come from the platform that knows who is signed in; minting
    # them here outside development would hand out any customer's identity.
    if not settings.dev_mode:
        print("token: only in development mode (BOT_DEV_MODE=true)", file=sys.stderr)
        return 1
    try:
        ttl = min(timedelta(minutes=minutes), settings.jwt_max_lifetime)
        print(
            mint_token(
                customer,
                secret=settings.jwt_secret,
                issuer=settings.jwt_issuer,
                audience=settings.jwt_audience,
                ttl=ttl,
            )
        )
    except ValueError:
        print(f"token: {customer!r} is not a customer id", file=sys.stderr)
        return 1
    return 0


def _ensure_sqlite_dir(url: str) -> None:
    if url.startswith("sqlite:///"):
        Path(url.removeprefix("sqlite:///")).parent.mkdir(parents=True, exist_ok=True)


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m bot.cli", description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    sub = parser.add_subparsers(dest="command", required=True)
    sub.add_parser("prepare")
    sub.add_parser("seed")
    sub.add_parser("requests")
    sub.add_parser("outbox", help="handoff events waiting to be sent to RabbitMQ; exit 1 when they are late")
    seed_load = sub.add_parser("seed-load", help="copies of the demo customers, load_0001 … (benchmarks/load.py)")
    seed_load.add_argument("--count", type=int, default=200)
    sub.add_parser("hash-password")
    dev_mode = sub.add_parser("dev-mode")
    dev_mode.add_argument("--bind", help="the address the servers will listen on")
    sub.add_parser("widget-origins")
    review = sub.add_parser("review")
    review.add_argument("id", type=int)
    review.add_argument("decision", choices=[d.value for d in Decision])
    review.add_argument("--operator", default="operator")
    review.add_argument(
        "--reason",
        choices=REJECTION_REASONS,
        default=DEFAULT_REJECTION_REASON,
        help="why a rejected request was rejected (said to the customer with what they can do)",
    )
    token = sub.add_parser("token")
    token.add_argument("customer")
    token.add_argument("--minutes", type=int, default=60)
    return parser


if __name__ == "__main__":
    sys.exit(main())
