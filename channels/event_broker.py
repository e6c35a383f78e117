"""Rasa's RabbitMQ event broker, made to start and run while RabbitMQ is down.

Rasa 3.6's `PikaEventBroker` connects while the Rasa server starts: with RabbitMQ down it
retries for about a minute, then the server's start-up fails, and the process stays alive
without listening (seen here: a Rasa process that neither serves nor exits, which no
supervisor restarts). A conversation must not depend on the analytics stream.

`ResilientPikaEventBroker` (endpoints.production.yml, `type: channels.event_broker.ResilientPikaEventBroker`):

- returns at once and connects in the background, retrying with a back-off (1 s doubling to 30 s)
  until RabbitMQ answers; a warning per failed attempt;
- keeps the events published meanwhile, at most `max_unpublished` (10,000; the oldest go first,
  counted in a warning), and sends them once connected. After the first connection, aio-pika's
  robust connection reconnects by itself and Rasa's broker re-sends what failed meanwhile (the
  same bounded buffer).
- holds at most `max_unpublished` events in flight (sent, RabbitMQ's confirmation awaited). A
  RabbitMQ that stops answering (a memory or disk alarm makes it stop reading from publishers)
  would otherwise leave one waiting task per event, about 450 a second on a busy server, until the
  process ran out of memory. Past the cap, events wait in the same bounded buffer, in order, and
  go out as confirmations come back.
- sends a turn's events to RabbitMQ together, while the server is busy. aio-pika, as Rasa uses
  it, sends them one per turn of the server's event loop: `Exchange.publish` holds the channel
  until the connection's writer has sent its frame, and that writer takes 10 frames at most at a
  time. On a busy server each loop turn runs someone's dialogue prediction, so the events reached
  RabbitMQ seconds after the answers (docs/benchmarks.md). Here they are sent with `wait=False`
  and the writer's queue holds WRITE_QUEUE_FRAMES. RabbitMQ's confirmation is still awaited, so
  an event it did not take is kept and sent again.

Events arrive redacted like the tracker store's (channels/redacting_store.py streams the redacted copy).
"""

from __future__ import annotations

import asyncio
import logging
from asyncio import AbstractEventLoop
from collections import deque
from typing import Any

import aiormq.connection
from rasa.core.brokers.pika import PikaEventBroker
from rasa.utils.endpoints import EndpointConfig

logger = logging.getLogger(__name__)

DEFAULT_MAX_UNPUBLISHED = 10_000
MAX_RETRY_SECONDS = 30.0
# Messages the connection's writer may hold (aiormq's default is 10); each is one event, about
# a kilobyte, so this bounds the memory as max_unpublished does, and a full queue still waits.
WRITE_QUEUE_FRAMES = 10_000


class ResilientPikaEventBroker(PikaEventBroker):
    """A pika broker that never holds up the Rasa server: background connection, bounded buffer."""

    def __init__(self, *args: Any, max_unpublished: int | str = DEFAULT_MAX_UNPUBLISHED, **kwargs: Any) -> None:
        kwargs["connection_attempts"] = 1  # one try per round; the rounds are ours, in the background
        kwargs["retry_delay_in_seconds"] = 0
        super().__init__(*args, **kwargs)
        self._unpublished_events: deque[dict[str, Any]] = deque(maxlen=int(max_unpublished))
        self.max_in_flight = int(max_unpublished)  # sent, confirmation awaited: each one a task and its event
        self.dropped = 0
        self.failed = 0  # publishes RabbitMQ did not confirm (kept to send again)
        self._connector: asyncio.Task[None] | None = None

    @classmethod
    async def from_endpoint_config(
        cls, broker_config: EndpointConfig | None, event_loop: AbstractEventLoop | None = None
    ) -> ResilientPikaEventBroker | None:
        """Build the broker and start connecting; never waits for RabbitMQ."""
        if broker_config is None:
            return None
        broker = cls(broker_config.url, **broker_config.kwargs, event_loop=event_loop)
        broker._connector = asyncio.get_running_loop().create_task(broker._connect_in_background())
        return broker

    async def connect(self) -> None:
        """Rasa's connect, on a connection whose writer holds a turn's events at once."""
        # aiormq reads the bound from its class as each connection (and each reconnection) is
        # made, and offers no argument for it; the Rasa process has no other RabbitMQ connection.
        connection_class = aiormq.connection.Connection
        connection_class.FRAME_BUFFER_SIZE = max(connection_class.FRAME_BUFFER_SIZE, WRITE_QUEUE_FRAMES)
        await super().connect()

    async def _connect_in_background(self, first_delay: float = 1.0) -> None:
        delay = first_delay
        while True:
            try:
                await self.connect()
            except Exception as problem:  # any failure: RabbitMQ down, refused login, not yet ready
                logger.warning(
                    "RabbitMQ at %s:%s unreachable (%s); serving without the event broker, %d events kept, "
                    "next try in %.0f s",
                    self.host,
                    self.port,
                    problem,
                    len(self._unpublished_events),
                    delay,
                )
                await asyncio.sleep(delay)
                delay = min(delay * 2, MAX_RETRY_SECONDS)
                continue
            logger.info("RabbitMQ event broker connected; sending %d kept events", len(self._unpublished_events))
            self._publish_unpublished_messages()
            return

    def publish(self, event: dict[str, Any], headers: dict[str, str] | None = None) -> None:
        """Send `event`; keep it (bounded) until the first connection, or while too many await RabbitMQ."""
        # Behind kept events, a new one waits its turn: the stream stays in order.
        if self._exchange is None or self._unpublished_events or self._in_flight_full():
            self._keep(event)
            return
        super().publish(event, headers)

    def _in_flight_full(self) -> bool:
        # Called from a publishing task that has its confirmation: that one no longer counts.
        current = asyncio.current_task()
        return len(self._background_tasks) - (current in self._background_tasks) >= self.max_in_flight

    def _send_kept(self) -> None:
        """Send kept events, oldest first, while there is room in flight (a confirmation came back)."""
        while self._exchange is not None and self._unpublished_events and not self._in_flight_full():
            super().publish(self._unpublished_events.popleft())

    def _publish_unpublished_messages(self, *_: Any, **__: Any) -> None:
        # Rasa's own re-publishes each kept event through publish(), which would keep it again
        # behind the others: connected (or reconnected), the kept events go out in order from here.
        self._send_kept()

    async def _publish(self, event: dict[str, Any], headers: dict[str, str] | None = None) -> None:
        exchange = self._exchange
        assert exchange is not None  # publish() keeps the events until the first connection
        message = self._message(event, headers)
        try:
            await exchange.channel.basic_publish(
                message.body,
                exchange=exchange.name,
                routing_key="",
                properties=message.properties,
                mandatory=True,  # as aio-pika's Exchange.publish sends it
                wait=False,
            )
            self._send_kept()
        except Exception as problem:  # closed channel while reconnecting, a refused or returned message
            self.failed += 1
            if self.failed == 1 or self.failed % 1000 == 0:  # the first and every thousandth, not one line each
                logger.warning(
                    "RabbitMQ did not take %d tracker events (last: %s); kept to send again", self.failed, problem
                )
            if self.should_keep_unpublished_messages:
                self._keep(event)
            if self.raise_on_failure:
                raise

    def _keep(self, event: dict[str, Any]) -> None:
        queue = self._unpublished_events
        if queue.maxlen is not None and len(queue) == queue.maxlen:
            self.dropped += 1
            if self.dropped == 1 or self.dropped % 1000 == 0:
                logger.warning(
                    "RabbitMQ down: %d tracker events dropped (buffer of %d full)", self.dropped, queue.maxlen
                )
        queue.append(event)

    async def close(self) -> None:
        """Stop connecting and close the connection."""
        if self._connector is not None and not self._connector.done():
            self._connector.cancel()
        await super().close()
