"""A Redis lock store whose every step is one atomic Redis operation, and whose tickets outlive slow actions.

Rasa serialises the turns of one conversation with a ticket lock (first come, first served).
Its open-source `RedisLockStore` (rasa/core/lock_store.py, 3.6) keeps the whole queue as one
JSON value and changes it by GET → change in Python → SET, from every worker:

- two workers issuing a ticket at the same moment both read the same queue, both take the
  same ticket number, and the later SET drops the other's entry: **both** are "now serving";
- `cleanup` (finish, then "is anyone waiting?", then DELETE) can delete a ticket another
  worker has just added, whose turn then fails with `LockError`, or put back a finished ticket
  (GET before the other's SET) that blocks the conversation until it expires;
- every ticket lives a fixed `TICKET_LOCK_LIFETIME` (60 s) from the moment it is *issued*,
  waiting included, and is never renewed, while Rasa waits up to 300 s
  (`DEFAULT_REQUEST_TIMEOUT`) for one action: a turn whose action is slow loses its lock and
  the conversation's next message runs beside it; both save the tracker, and the SQL tracker
  store, which appends "the events beyond the number already stored", drops one turn's events.

tests/channels/test_lock_store.py shows each of these against a real Redis.

`AtomicRedisLockStore` keeps the same first-come-first-served tickets, but

- each ticket is a random token in a sorted set (score = its number from `INCR`) with its
  deadline in a hash; issuing, polling (am I first? renew my deadline) and releasing are each
  one Lua script, so no step can interleave with another worker's;
- a ticket is renewed while its process is alive: while waiting at every poll, while held by
  a heartbeat every `lease_seconds / 3`. A dead process's tickets lapse `lease_seconds`
  (30 s) after its last renewal, whatever the action timeout;
- a held ticket is renewed for at most `max_turn_seconds` (360 s: longer than Rasa's 300 s
  action timeout), then left to lapse, so a turn stuck forever cannot block its conversation
  forever (an error is logged);
- deadlines are Redis's clock (`TIME` inside the script), not each worker's.

Configured in endpoints.production.yml (`type: channels.lock_store.AtomicRedisLockStore`);
Rasa builds a custom lock store as `Class(endpoint_config=...)`. Redis down: `lock` raises
(`LockError`), the turn fails, the channel answers its polite failure message
(bot.security.no_silence) and the next message tries again; nothing runs unlocked. Redis back:
a connection it dropped meanwhile is replaced on first use (one retry), so the next turn runs.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import secrets
import time
from collections.abc import AsyncGenerator
from typing import Any

import redis.asyncio as aioredis  # type: ignore[import-untyped]
from rasa.core.lock import TicketLock
from rasa.core.lock_store import LockError, LockStore
from rasa.utils.endpoints import EndpointConfig
from redis.asyncio.retry import Retry  # type: ignore[import-untyped]
from redis.backoff import NoBackoff  # type: ignore[import-untyped]
from redis.exceptions import ConnectionError as RedisConnectionError  # type: ignore[import-untyped]
from redis.exceptions import RedisError

logger = logging.getLogger(__name__)

DEFAULT_LEASE_SECONDS = 30.0
# Rasa's DEFAULT_REQUEST_TIMEOUT for one action call is 300 s; a held ticket outlives it.
DEFAULT_MAX_TURN_SECONDS = 360.0
DEFAULT_POLL_SECONDS = 0.05
DEFAULT_SOCKET_TIMEOUT_SECONDS = 5.0

# Shared prologue: Redis's time in ms, then drop the tickets whose deadline passed.
# KEYS[1] queue (zset token → number), KEYS[2] deadlines (hash token → ms), KEYS[3] counter.
_PURGE = """
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local deadlines = redis.call('HGETALL', KEYS[2])
for i = 1, #deadlines, 2 do
  if tonumber(deadlines[i + 1]) <= now then
    redis.call('HDEL', KEYS[2], deadlines[i])
    redis.call('ZREM', KEYS[1], deadlines[i])
  end
end
local function keep(ms)
  for _, key in ipairs(KEYS) do redis.call('PEXPIRE', key, ms) end
end
"""

# Under uvloop (Sanic's loop, so Rasa's) writing to a connection the peer already reset raises
# RuntimeError ("the handler is closed") instead of an OSError that redis-py turns into a
# ConnectionError; redis-py has dropped that connection by then, so the retry runs on a new one.
_DROPPED_CONNECTION_ERRORS = (RuntimeError,)
# What a Redis command raises when Redis cannot be reached (after its one retry).
_UNREACHABLE = (RedisError, *_DROPPED_CONNECTION_ERRORS)
# ARGV[1] token, ARGV[2] lease ms → the ticket's number. Issuing the same token again (a retry whose
# first reply was lost) returns its number: the line never gets a second ticket nobody holds.
_ISSUE = (
    _PURGE
    + """
local have = redis.call('ZSCORE', KEYS[1], ARGV[1])
if have then
  redis.call('HSET', KEYS[2], ARGV[1], now + tonumber(ARGV[2]))
  keep(2 * tonumber(ARGV[2]))
  return tonumber(have)
end
local n = redis.call('INCR', KEYS[3])
redis.call('ZADD', KEYS[1], n, ARGV[1])
redis.call('HSET', KEYS[2], ARGV[1], now + tonumber(ARGV[2]))
keep(2 * tonumber(ARGV[2]))
return n
"""
)

# ARGV[1] token, ARGV[2] lease ms → 1 first in line (renewed), 0 waiting (renewed), -1 lapsed.
_POLL = (
    _PURGE
    + """
if not redis.call('ZSCORE', KEYS[1], ARGV[1]) then return -1 end
redis.call('HSET', KEYS[2], ARGV[1], now + tonumber(ARGV[2]))
keep(2 * tonumber(ARGV[2]))
local first = redis.call('ZRANGE', KEYS[1], 0, 0)
if first[1] == ARGV[1] then return 1 end
return 0
"""
)

# ARGV[1] token → 1 released, 0 it had lapsed already. The keys go once nobody is in line.
_RELEASE = """
local removed = redis.call('ZREM', KEYS[1], ARGV[1])
redis.call('HDEL', KEYS[2], ARGV[1])
if redis.call('ZCARD', KEYS[1]) == 0 then redis.call('DEL', KEYS[1], KEYS[2], KEYS[3]) end
return removed
"""


def _number(config: dict[str, Any], key: str, default: float) -> float:
    value = config.get(key)
    return default if value is None or value == "" else float(value)


class AtomicRedisLockStore(LockStore):
    """Ticket locks in Redis, each step atomic, tickets renewed while their process lives."""

    def __init__(
        self,
        endpoint_config: EndpointConfig | None = None,
        *,
        host: str = "localhost",
        port: int = 6379,
        db: int = 1,
        password: str | None = None,
        key_prefix: str = "",
        lease_seconds: float = DEFAULT_LEASE_SECONDS,
        max_turn_seconds: float = DEFAULT_MAX_TURN_SECONDS,
        poll_seconds: float = DEFAULT_POLL_SECONDS,
        socket_timeout: float = DEFAULT_SOCKET_TIMEOUT_SECONDS,
    ) -> None:
        if endpoint_config is not None:  # endpoints.production.yml: values arrive as strings
            kw = endpoint_config.kwargs
            host = endpoint_config.url or host
            port = int(kw.get("port") or port)
            db = int(kw.get("db") or db)
            password = kw.get("password") or None
            key_prefix = str(kw.get("key_prefix") or "")
            lease_seconds = _number(kw, "lease_seconds", lease_seconds)
            max_turn_seconds = _number(kw, "max_turn_seconds", max_turn_seconds)
            poll_seconds = _number(kw, "poll_seconds", poll_seconds)
            socket_timeout = _number(kw, "socket_timeout", socket_timeout)
        if not 0 < poll_seconds < lease_seconds / 3:
            raise ValueError("poll_seconds must be positive and under a third of lease_seconds")
        self.lease_ms = int(lease_seconds * 1000)
        self.max_turn_seconds = max_turn_seconds
        self.poll_seconds = poll_seconds
        self.prefix = f"{key_prefix}:lock2:" if key_prefix else "lock2:"
        self.red = aioredis.Redis(
            host=host,
            port=int(port),
            db=int(db),
            password=password,
            socket_timeout=socket_timeout,
            socket_connect_timeout=socket_timeout,
            # A pooled connection that Redis (or the network) dropped while it sat idle fails on its
            # next use: once, on a fresh connection, the command is sent again. Every script here is
            # safe to repeat with the same token (issue returns the same ticket, poll renews,
            # release removes), so the first turn after Redis came back does not fail.
            retry=Retry(NoBackoff(), 1),
            retry_on_error=[RedisConnectionError, *_DROPPED_CONNECTION_ERRORS],
        )
        self._issue = self.red.register_script(_ISSUE)
        self._poll = self.red.register_script(_POLL)
        self._release = self.red.register_script(_RELEASE)
        super().__init__()

    def _keys(self, conversation_id: str) -> list[str]:
        base = self.prefix + conversation_id
        return [f"{base}:queue", f"{base}:deadlines", f"{base}:counter"]

    async def issue(self, conversation_id: str) -> str:
        """Join the conversation's line; the ticket's token."""
        token = secrets.token_hex(16)
        await self._issue(keys=self._keys(conversation_id), args=[token, self.lease_ms])
        return token

    async def poll(self, conversation_id: str, token: str) -> int:
        """Renew the ticket: 1 its turn, 0 still waiting, -1 it lapsed (its process stalled past the lease)."""
        return int(await self._poll(keys=self._keys(conversation_id), args=[token, self.lease_ms]))

    async def release(self, conversation_id: str, token: str) -> bool:
        """Leave the line; whether the ticket was still there."""
        return bool(await self._release(keys=self._keys(conversation_id), args=[token]))

    async def waiting(self, conversation_id: str) -> int:
        """How many tickets (holder included) are in the conversation's line."""
        return int(await self.red.zcard(self._keys(conversation_id)[0]))

    @contextlib.asynccontextmanager
    async def lock(
        self,
        conversation_id: str,
        lock_lifetime: float | None = None,
        wait_time_in_seconds: float | None = None,
    ) -> AsyncGenerator[TicketLock, None]:
        """Hold the conversation's lock for one turn (Rasa's `lock_lifetime` is replaced by renewal).

        Raises:
            LockError: Redis could not be reached; the turn must not run unlocked.
        """
        del lock_lifetime  # a ticket lives while its process does (see the module docstring)
        wait = wait_time_in_seconds if wait_time_in_seconds is not None else self.poll_seconds
        wait = min(wait, self.poll_seconds)
        token = ""
        heartbeat: asyncio.Task[None] | None = None
        try:
            try:
                token = await self.issue(conversation_id)
                while (state := await self.poll(conversation_id, token)) != 1:
                    if state == -1:  # this process could not renew in time: line up again
                        logger.warning("lock ticket for %s lapsed while waiting; issuing a new one", conversation_id)
                        token = await self.issue(conversation_id)
                    await asyncio.sleep(wait)
            except _UNREACHABLE as problem:
                raise LockError(f"lock store unreachable for {conversation_id}: {problem}") from problem
            heartbeat = asyncio.create_task(self._renew(conversation_id, token))
            yield TicketLock(conversation_id)
        finally:
            if heartbeat is not None:
                heartbeat.cancel()
                with contextlib.suppress(asyncio.CancelledError, Exception):
                    await heartbeat
            if token:
                try:
                    await self.release(conversation_id, token)
                except _UNREACHABLE:  # the ticket lapses by itself after the lease
                    logger.warning(
                        "could not release the lock of %s; it lapses in %d ms", conversation_id, self.lease_ms
                    )

    async def _renew(self, conversation_id: str, token: str) -> None:
        """Keep a held ticket alive every lease/3 for at most max_turn_seconds."""
        started = time.monotonic()
        every = self.lease_ms / 3000
        while True:
            await asyncio.sleep(every)
            if time.monotonic() - started > self.max_turn_seconds:
                logger.error(
                    "turn of %s held its lock over %.0f s; no longer renewed", conversation_id, self.max_turn_seconds
                )
                return
            try:
                if await self.poll(conversation_id, token) != 1:
                    logger.error(
                        "lock of %s was lost during its turn (process stalled past the lease)", conversation_id
                    )
                    return
            except _UNREACHABLE as problem:  # keep trying: the ticket still has up to one lease
                logger.warning("could not renew the lock of %s: %s", conversation_id, problem)

    # Rasa's synchronous ticket API is not used by Rasa's agent or server (they call `lock`);
    # a half-atomic version of it would bring back the races this class exists to remove.
    def get_lock(self, conversation_id: str) -> TicketLock | None:  # noqa: D102
        raise NotImplementedError("AtomicRedisLockStore serves only `lock()`")

    def delete_lock(self, conversation_id: str) -> None:  # noqa: D102
        raise NotImplementedError("AtomicRedisLockStore serves only `lock()`")

    def save_lock(self, lock: TicketLock) -> None:  # noqa: D102
        raise NotImplementedError("AtomicRedisLockStore serves only `lock()`")
