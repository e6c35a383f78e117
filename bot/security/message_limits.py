"""What the input channels let through: message length, blank messages, per-sender / per-IP message rates.

A message longer than MAX_MESSAGE_CHARS never reaches the assistant: the
channel answers it with one polite reply (`utter_message_too_long`). Senders
and client addresses each have a token bucket; a message that finds its bucket
empty gets `utter_rate_limited` instead. A message with nothing to read (empty,
spaces, invisible characters) gets `utter_message_empty`. The buckets live in
this process's memory: with several Rasa server processes each keeps its own (README).

Before any of that, `clean_text` takes out what no customer types and what
breaks later steps: lone UTF-16 surrogates (a JSON `\ud800` escape; no UTF-8
encoder, database or log file accepts them), control characters (PostgreSQL
text cannot hold NUL) and bidirectional overrides (they make a ticket's text
read differently to the agent than it was typed).
"""

from __future__ import annotations

import re
import time
import unicodedata
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Literal

# The longest message the assistant reads, in characters (code points). The
# widget stops at 500; real questions are far shorter. Longer text is refused
# by the channels before the NLU runs (README, Production deployment).
MAX_MESSAGE_CHARS = 1000

Refusal = Literal["too_long", "rate_limited", "blank"]
# The domain response that explains each refusal (wording in domain.yml).
REFUSAL_RESPONSES: dict[Refusal, str] = {
    "too_long": "utter_message_too_long",
    "rate_limited": "utter_rate_limited",
    "blank": "utter_message_empty",
}

# Lone surrogates become U+FFFD (the text keeps its length); C0/C1 controls but
# tab and newlines, DEL, and the bidirectional embeddings, overrides and isolates go.
_SURROGATE = re.compile("[\ud800-\udfff]")
_DROPPED = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")

_RATE = re.compile(r"^\s*(\d+)\s*/\s*(\d+(?:\.\d+)?)\s*$")
_OFF = {"", "0", "off", "none"}
# Buckets remembered at most; the least recently used are forgotten first
# (a forgotten bucket is a full one, which only ever favours its owner).
DEFAULT_MAX_KEYS = 50_000


def too_long(text: str) -> bool:
    """Whether a message exceeds MAX_MESSAGE_CHARS."""
    return len(text) > MAX_MESSAGE_CHARS


def clean_text(text: str) -> str:
    """`text` without lone surrogates (each becomes U+FFFD), control characters or bidirectional overrides."""
    return _DROPPED.sub("", _SURROGATE.sub("\ufffd", text))


def blank(text: str) -> bool:
    """Whether a message has nothing to read: empty, or only spaces and invisible (format) characters."""
    return all(char.isspace() or unicodedata.category(char) == "Cf" for char in text)


@dataclass(frozen=True)
class Rate:
    """`messages` per `seconds`: a bucket holds `messages` tokens and refills fully in `seconds`."""

    messages: int
    seconds: float

    @classmethod
    def parse(cls, text: str) -> Rate | None:
        """Read "20/60" (20 messages per 60 seconds); "off", "0" or "" mean no limit.

        Raises:
            ValueError: anything else, or a zero time window.
        """
        if text.strip().lower() in _OFF:
            return None
        match = _RATE.match(text)
        if match is None or float(match[2]) <= 0 or int(match[1]) <= 0:
            raise ValueError(f"a rate is written messages/seconds, e.g. 20/60 (or off): {text!r}")
        return cls(int(match[1]), float(match[2]))

    @property
    def per_second(self) -> float:
        """Tokens added back per second."""
        return self.messages / self.seconds


@dataclass
class _Bucket:
    tokens: float
    updated: float


@dataclass
class RateLimiter:
    """Token buckets per key (a sender id, an IP address), in memory.

    Attributes:
        rate: the limit; None lets everything through.
        clock: seconds on a monotonic clock (injectable for tests).
        max_keys: buckets kept at most; the least recently used go first.
    """

    rate: Rate | None
    clock: Callable[[], float] = time.monotonic
    max_keys: int = DEFAULT_MAX_KEYS
    _buckets: OrderedDict[str, _Bucket] = field(default_factory=OrderedDict, init=False, repr=False)

    def allow(self, key: str) -> bool:
        """Take one token from `key`'s bucket; False when it is empty (the message is refused)."""
        if self.rate is None:
            return True
        now = self.clock()
        bucket = self._buckets.pop(key, None) or _Bucket(float(self.rate.messages), now)
        elapsed = max(0.0, now - bucket.updated)
        bucket.tokens = min(float(self.rate.messages), bucket.tokens + elapsed * self.rate.per_second)
        bucket.updated = now
        allowed = bucket.tokens >= 1.0
        if allowed:
            bucket.tokens -= 1.0
        self._buckets[key] = bucket  # most recently used last
        while len(self._buckets) > self.max_keys:
            self._buckets.popitem(last=False)
        return allowed

    def __len__(self) -> int:
        return len(self._buckets)


@dataclass
class MessageGate:
    """The channels' checks, in order: the client address, then (once identified) the sender and the text."""

    per_ip: RateLimiter
    per_sender: RateLimiter

    @classmethod
    def build(
        cls, sender_rate: Rate | None, ip_rate: Rate | None, clock: Callable[[], float] = time.monotonic
    ) -> MessageGate:
        """A gate with one limiter per kind of key, sharing `clock`."""
        return cls(per_ip=RateLimiter(ip_rate, clock), per_sender=RateLimiter(sender_rate, clock))

    def admit_client(self, ip: str | None) -> Refusal | None:
        """Check the client address before anything else (token checks included); None = go on."""
        if ip and not self.per_ip.allow(ip):
            return "rate_limited"
        return None

    def admit_message(self, sender_id: str, text: str) -> Refusal | None:
        """Check the identified sender's rate, then the (cleaned) text's length and content; None = pass it on."""
        if not self.per_sender.allow(sender_id):
            return "rate_limited"
        if too_long(text):
            return "too_long"
        if blank(text):
            return "blank"
        return None
