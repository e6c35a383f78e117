"""Action calls that carry only the events the action server has not seen: the Rasa side (issue 15).

Rasa sends the whole session with every action call, three or four calls a turn; late in a long
conversation the action server spent most of its time reading events it already had. Here the
call Rasa built (channels/action_call_json.py) goes out with only the events after the longest
prefix this process last sent for the conversation, naming that prefix by its chain digest
(channels/event_chain.py). The action server adds the events it kept (channels/action_server_events.py).
The domain (~70 KB, the same for every call of a model) is named by its digest, and left out
where the conversation's last answered call already carried it.

Nothing depends on the action server having them:
- 409 (it does not have that prefix or domain: restarted, another process, evicted) → the whole call again;
- an action server that does not serve the protocol's path (rasa_sdk's own app answers 500 with
  its "not found" error and the request echoed, which this project's never does; others 404) →
  the plain call, and no more delta calls from this process (logged once).
None of these answers ran an action, so resending never runs one twice.

A conversation's calls must reach the action server that kept its events: nginx hashes them by
the key sent in CONVERSATION_HEADER. Where calls are balanced one by one instead (a Kubernetes
Service), most would be refused and sent twice: BOT_ACTION_DELTA_CALLS=off sends whole calls.
"""

from __future__ import annotations

import logging
import os
from collections import OrderedDict
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from rasa.utils.endpoints import ClientResponseError, EndpointConfig

from bot.config import parse_flag
from channels.action_call_json import EncodedEvents
from channels.event_chain import (
    CONVERSATION_HEADER,
    DELTA_SUBPATH,
    DOMAIN_DIGEST,
    EVENT_CHAIN,
    EVENTS_FROM,
    UNKNOWN_PREFIX_STATUS,
    common_prefix,
    conversation_key,
    domain_digest,
)

logger = logging.getLogger(__name__)

# Conversations whose last sent chain this process remembers (16 bytes an event: ~20 KB for a long one).
MAX_REMEMBERED_CONVERSATIONS = 2000


@dataclass(frozen=True)
class Sent:
    """What the action server has of a conversation after its last answered call."""

    links: list[bytes]  # the chain of the call's events
    domain: str | None  # the digest of the last domain it was sent (None: none yet)


NOTHING_SENT = Sent([], None)


class SentChains:
    """Per conversation, the chain of the events in the last call the action server answered, and its domain."""

    def __init__(self, size: int = MAX_REMEMBERED_CONVERSATIONS) -> None:
        self.size = size
        self._sent: OrderedDict[str, Sent] = OrderedDict()

    def get(self, key: str) -> list[bytes]:
        return self.known(key).links

    def known(self, key: str) -> Sent:
        return self._sent.get(key, NOTHING_SENT)

    def remember(self, key: str, links: list[bytes], domain: str | None = None) -> None:
        self._sent[key] = Sent(links, domain)
        self._sent.move_to_end(key)
        while len(self._sent) > self.size:
            self._sent.popitem(last=False)

    def forget_all(self) -> None:
        self._sent.clear()


sent = SentChains()
# whether the action server speaks the protocol (False after its first 404)
_delta_calls = {"on": True}


def delta_calls_wanted(env: Mapping[str, str] | None = None) -> bool:
    """BOT_ACTION_DELTA_CALLS (default on): whether action calls carry only new events."""
    source = os.environ if env is None else env
    return parse_flag(source.get("BOT_ACTION_DELTA_CALLS", "on"), "BOT_ACTION_DELTA_CALLS")


def delta_call(call: dict[str, Any], known: Sent) -> tuple[dict[str, Any], Sent]:
    """`call` with only what the action server does not have (`known`), and what it has once answered.

    The events after the longest prefix shared with `known.links`; the domain named by its digest,
    and left out where it is the one `known` says was sent. With `NOTHING_SENT` it is the whole
    call, with the chain and digest the action server keeps.
    """
    events: EncodedEvents = call["tracker"]["events"]
    links = events.links
    count = common_prefix(links, known.links)
    body = dict(call)
    sent = EncodedEvents(events.texts[count:], events.digests[count:], links[count:])
    body["tracker"] = dict(call["tracker"], events=sent)
    if count:
        body[EVENTS_FROM] = {"count": count, "digest": links[count - 1].hex()}
    body[EVENT_CHAIN] = [link.hex() for link in links[count:]]
    domain = known.domain
    if "domain" in call:  # (Rasa leaves it out for an action that does not need it)
        domain = body[DOMAIN_DIGEST] = _digest_of(call["domain"])
        if domain == known.domain:
            del body["domain"]
    return body, Sent(links, domain)


# the digest of the domain Rasa sends (it hands out the same dict for a model's whole life)
_domain_digest: dict[str, Any] = {"domain": None, "digest": ""}


def _digest_of(domain: Any) -> str:
    if _domain_digest["domain"] is not domain:
        _domain_digest.update(domain=domain, digest=domain_digest(domain))
    return str(_domain_digest["digest"])


def is_action_call(body: Any) -> bool:
    """Whether `body` is an action call built by channels/action_call_json.py (its events are kept texts)."""
    tracker = body.get("tracker") if isinstance(body, dict) else None
    return isinstance(tracker, dict) and isinstance(tracker.get("events"), EncodedEvents)


def make_request(original: Any) -> Any:
    """`EndpointConfig.request`, sending action calls as delta calls (installed by channels/turn_cost.py)."""

    async def request(
        self: EndpointConfig,
        method: str = "post",
        subpath: str | None = None,
        content_type: str | None = "application/json",
        compress: bool = False,
        **kwargs: Any,
    ) -> Any:
        call = kwargs.pop("json", None)
        if not (_delta_calls["on"] and subpath is None and not compress and is_action_call(call)):
            return await original(self, method, subpath, content_type, compress, json=call, **kwargs)
        key = conversation_key(call["tracker"]["sender_id"])
        kwargs["headers"] = {**kwargs.get("headers", {}), CONVERSATION_HEADER: key}
        body, answered = delta_call(call, sent.known(key))
        try:
            result = await original(self, method, DELTA_SUBPATH, content_type, compress, json=body, **kwargs)
        except ClientResponseError as refused:
            if refused.status == UNKNOWN_PREFIX_STATUS:
                body, answered = delta_call(call, NOTHING_SENT)
                result = await original(self, method, DELTA_SUBPATH, content_type, compress, json=body, **kwargs)
            elif _not_served(refused):
                logger.warning("the action server does not take delta calls: sending whole sessions from now on")
                _delta_calls["on"] = False
                return await original(self, method, subpath, content_type, compress, json=call, **kwargs)
            else:
                raise
        sent.remember(key, answered.links, answered.domain)
        return result

    return request


def _not_served(refused: ClientResponseError) -> bool:
    """Whether the action server has no delta path (so it ran nothing): a 404/405, or rasa_sdk's own 500."""
    if refused.status in (404, 405):
        return True
    # rasa_sdk's app answers an unknown path by its catch-all handler, which echoes the request;
    # the guarded action server (channels/action_server.py) never does
    return refused.status == 500 and '"request_body"' in str(refused.text)
