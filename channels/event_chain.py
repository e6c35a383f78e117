"""What the Rasa server and the action server agree on to send a call's events only once (issue 15).

Every call to the action server used to carry the whole session: late in a long conversation the
action server spent half its time reading and parsing events it had already been sent. Now the
Rasa server sends the events the action server has not seen, and names what it already has by a
*chain digest*: the digest after event i covers events 0..i, so one digest stands for a whole
prefix of the session, and two sessions with the same digest at position i have the same first
i + 1 events. Each side keeps the chain of what was last exchanged for a conversation.

- Rasa side: channels/action_call_delta.py (which prefix to claim; the full call when refused).
- Action server side: channels/action_server_events.py (the events and domains kept; a claim it
  cannot honour is refused with 409, and the Rasa server sends the whole call again).

The call's domain is named the same way, by its digest (`DOMAIN_DIGEST`).

A delta call goes to its own path, so an action server that does not know the protocol answers
404 instead of running an action on a session cut short.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Sequence
from typing import Any

# rasa's action endpoint URL + this: where delta calls go (e.g. http://localhost:5055/webhook/since)
DELTA_SUBPATH = "since"
# top-level fields of a call: `EVENTS_FROM` says which prefix of the session the receiver already
# has ({"count": k, "digest": hex of the chain digest after event k - 1}); `EVENT_CHAIN` gives the
# chain digests after each event the call carries (hex), so the receiver can keep them.
EVENTS_FROM = "events_from"
EVENT_CHAIN = "event_chain"
# the digest of the call's domain (hex). A call names the domain by it, and leaves the domain out
# when the action server had it from the conversation's last call: the domain is ~70 KB of JSON,
# encoded by the Rasa server and parsed by the action server at every call (about a millisecond
# each), and it changes only with the model.
DOMAIN_DIGEST = "domain_digest"
# the answer of an action server that does not have the claimed prefix or domain (nothing was run)
UNKNOWN_PREFIX_STATUS = 409
# a conversation's key for load balancers (nginx hashes action calls by it): not its id, which
# must not reach access logs or proxies
CONVERSATION_HEADER = "X-Conversation-Key"
DIGEST_BYTES = 16


def event_digest(text: str) -> bytes:
    """The digest of one event, from the exact JSON text the call carries for it."""
    return hashlib.blake2b(text.encode(), digest_size=DIGEST_BYTES).digest()


def domain_digest(domain: Any) -> str:
    """The digest of a domain's content (hex): the same for the same content in every process."""
    text = json.dumps(domain, sort_keys=True, ensure_ascii=False, separators=(",", ":"), default=str)
    return hashlib.blake2b(text.encode(), digest_size=DIGEST_BYTES).hexdigest()


def chain(digests: Iterable[bytes], after: bytes = b"") -> list[bytes]:
    """The chain digests after each event whose digests are given, continuing the chain at `after`."""
    links = []
    for digest in digests:
        after = hashlib.blake2b(after + digest, digest_size=DIGEST_BYTES).digest()
        links.append(after)
    return links


def common_prefix(ours: Sequence[bytes], theirs: Sequence[bytes]) -> int:
    """How many first events two chains share (binary search: a chain equal at i is equal before i)."""
    low, high = 0, min(len(ours), len(theirs))
    while low < high:
        middle = (low + high + 1) // 2
        if ours[middle - 1] == theirs[middle - 1]:
            low = middle
        else:
            high = middle - 1
    return low


def conversation_key(sender_id: str) -> str:
    """A stable, opaque key for a conversation (the same for every Rasa process)."""
    return hashlib.blake2b(sender_id.encode(), digest_size=8).hexdigest()
