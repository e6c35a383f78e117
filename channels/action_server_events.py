"""The events the action server keeps per conversation, so a call need only carry new ones (issue 15).

The action server side of channels/event_chain.py: a delta call names the prefix of the session
it assumes is here by its count and chain digest; the kept events of that prefix and the call's
own events make the session rasa_sdk gets, exactly as a whole call would have carried it.
A prefix not kept here (a restart, a call that went to another action server, an evicted
conversation) is refused, and the Rasa server sends the whole call.
"""

from __future__ import annotations

import re
from collections import OrderedDict
from typing import Any

from channels.event_chain import DIGEST_BYTES, DOMAIN_DIGEST, EVENT_CHAIN, EVENTS_FROM

# Conversations kept (least recently used dropped first). A long conversation's events are a few
# MB as Python objects; docs/benchmarks.md has the measured figure.
MAX_KEPT_CONVERSATIONS = 200
# Domains kept by digest: one per model the Rasa servers run (two while a new model rolls out).
MAX_KEPT_DOMAINS = 4
_HEX_DIGEST = re.compile(f"[0-9a-f]{{{2 * DIGEST_BYTES}}}")


class KnownEvents:
    """Per conversation, the events of the last call and the chain digest after each of them; domains by digest."""

    def __init__(self, size: int = MAX_KEPT_CONVERSATIONS) -> None:
        self.size = size
        self._kept: OrderedDict[str, tuple[list[dict[str, Any]], list[str]]] = OrderedDict()
        self._domains: OrderedDict[str, Any] = OrderedDict()

    def restore(self, call: dict[str, Any]) -> bool:
        """Give a (checked) delta call its whole session and domain and keep them; False when either is not here.

        The protocol's fields are taken out of the call: rasa_sdk gets what Rasa would have sent.
        """
        if not self._restore_domain(call):
            return False
        claim = call.pop(EVENTS_FROM, None)
        links: list[str] = call.pop(EVENT_CHAIN)
        tracker = call["tracker"]
        key = tracker["sender_id"]
        count = claim["count"] if claim else 0
        kept_events, kept_links = self._kept.get(key, ([], []))
        if count and (count > len(kept_links) or kept_links[count - 1] != claim["digest"]):
            return False
        events = kept_events[:count] + tracker.get("events", [])
        self._keep(key, events, kept_links[:count] + links)
        # rasa_sdk's forms append to this list: what they add lies past the kept chain, and the
        # slice above never hands it out
        tracker["events"] = events
        return True

    def _restore_domain(self, call: dict[str, Any]) -> bool:
        """Keep the domain a call carries, or give it the one its digest names; False when that is not here.

        Calls share a kept domain: rasa_sdk and the actions only read it.
        """
        digest = call.pop(DOMAIN_DIGEST, None)
        if digest is None:
            return True
        if "domain" in call:
            self._domains[digest] = call["domain"]
        elif digest in self._domains:
            call["domain"] = self._domains[digest]
        else:
            return False
        self._domains.move_to_end(digest)
        while len(self._domains) > MAX_KEPT_DOMAINS:
            self._domains.popitem(last=False)
        return True

    def _keep(self, key: str, events: list[dict[str, Any]], links: list[str]) -> None:
        self._kept[key] = (events, links)
        self._kept.move_to_end(key)
        while len(self._kept) > self.size:
            self._kept.popitem(last=False)

    def __len__(self) -> int:
        return len(self._kept)


def malformed_delta(call: dict[str, Any]) -> str | None:
    """Why a (well-formed) action call is not a delta call, or None."""
    claim = call.get(EVENTS_FROM)
    if claim is not None:
        if not isinstance(claim, dict) or set(claim) != {"count", "digest"}:
            return "events_from is not a count and a digest"
        count = claim["count"]
        if not isinstance(count, int) or isinstance(count, bool) or count < 1:
            return "events_from count is not a positive integer"
        if not _is_digest(claim["digest"]):
            return "events_from digest is not a digest"
    if DOMAIN_DIGEST in call and not _is_digest(call[DOMAIN_DIGEST]):
        return "domain_digest is not a digest"
    links = call.get(EVENT_CHAIN)
    if not isinstance(links, list) or not all(_is_digest(link) for link in links):
        return "event_chain is not a list of digests"
    if len(links) != len(call["tracker"].get("events", [])):
        return "event_chain does not match the events"
    return None


def _is_digest(value: Any) -> bool:
    return isinstance(value, str) and _HEX_DIGEST.fullmatch(value) is not None
