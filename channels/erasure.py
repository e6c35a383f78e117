"""Erase the conversations of approved data-deletion requests from the tracker store.

`python -m channels.erasure [--endpoints endpoints.production.yml]`, run by the
operator after approving deletions (`make review`) or on a schedule: for each
approved deletion request whose conversation is not erased yet
(bot.data_deletion.deletion.conversations_to_erase) the conversation (id =
customer id in production) is deleted from the tracker store
(channels.redacting_store) and an audit row records it. Tickets are erased at
approval already (bot.data_deletion.deletion.review_data_deletion).

The development store lives in the Rasa server's memory: another process cannot
reach it, and it is gone with the next restart; the command says so and records nothing.
"""

from __future__ import annotations

import argparse
import asyncio
import sys

from rasa.core.tracker_store import TrackerStore
from rasa.core.utils import AvailableEndpoints
from rasa.shared.core.domain import Domain

from bot.config import REPO_ROOT, Settings
from bot.data_deletion.deletion import conversation_erased, conversations_to_erase
from bot.db.session import session_factory, session_scope
from channels.redacting_store import RedactingInMemoryTrackerStore, erase_conversation


async def erase_approved(store: TrackerStore, database_url: str) -> list[str]:
    """Erase every approved deletion's conversation from `store`, audited; the conversation ids erased."""
    factory = session_factory(database_url)
    with session_scope(factory) as session:
        pending = conversations_to_erase(session)
    for conversation_id in pending:
        existed = await erase_conversation(store, conversation_id)
        with session_scope(factory) as session:
            conversation_erased(session, conversation_id=conversation_id, existed=existed)
    return pending


def main(argv: list[str] | None = None) -> int:
    """Erase the approved deletions' conversations from the configured tracker store."""
    parser = argparse.ArgumentParser(prog="python -m channels.erasure", description=__doc__)
    parser.add_argument("--endpoints", default=str(REPO_ROOT / "endpoints.production.yml"))
    args = parser.parse_args(argv)
    endpoints = AvailableEndpoints.read_endpoints(args.endpoints)
    store = TrackerStore.create(endpoints.tracker_store, Domain.load(str(REPO_ROOT / "domain.yml")))
    if isinstance(store, RedactingInMemoryTrackerStore):
        print("in-memory tracker store: conversations live in the Rasa server only; nothing to erase here")
        return 0
    erased = asyncio.run(erase_approved(store, Settings.from_env().database_url))
    print(f"erased {len(erased)} conversation(s)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
