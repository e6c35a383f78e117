"""An agent's change in the console reaches RabbitMQ through the outbox (docs/handoff-events.md)."""

from __future__ import annotations

import asyncio
import dataclasses
import json

from sqlalchemy import select

from bot.db import models as m
from bot.db.session import session_scope
from channels.agent_console import AgentConsoleInput
from tests.channels.serving import serving
from tests.channels.test_console_http import PROD, PUBLIC, log_in, session_header
from tests.conftest import run_async
from tests.events.helpdesk import helpdesk_queue, next_message
from tests.factories import open_live_ticket


def test_a_claim_in_the_console_is_published_and_leaves_nothing_behind(amqp_url: str, db_url: str, factory) -> None:
    with session_scope(factory) as s:
        ticket_id = open_live_ticket(s).id
    settings = dataclasses.replace(PROD, database_url=db_url, events_amqp_url=amqp_url)
    body = run_async(_claim_and_consume(settings, amqp_url, ticket_id))
    assert (body["event"], body["ticket"]["id"], body["agent"]) == ("ticket_claimed", ticket_id, "xiaowang")
    with session_scope(factory) as s:
        assert s.execute(select(m.HandoffEventOutbox)).first() is None


async def _claim_and_consume(settings, amqp_url: str, ticket_id: int) -> dict:
    async with helpdesk_queue(amqp_url, "handoff.ticket_claimed") as (exchange_name, queue):
        settings = dataclasses.replace(settings, events_exchange=exchange_name)
        async with serving([AgentConsoleInput(settings)]) as http:
            logged_in = await log_in(http, Origin=PUBLIC, **{"Sec-Fetch-Site": "same-origin"})
            cookie = session_header(logged_in, "__Host-console_session")
            async with http.get("/console/api/me", headers=cookie) as me:
                csrf = (await me.json())["csrf"]
            post = {**cookie, "X-CSRF-Token": csrf, "Origin": PUBLIC, "Sec-Fetch-Site": "same-origin"}
            async with http.post(f"/console/api/tickets/{ticket_id}/claim", json={}, headers=post) as claimed:
                assert claimed.status == 200
            delivered = await next_message(queue)  # sent in the background, right after the claim
            await asyncio.sleep(0.2)  # the delete follows RabbitMQ's confirmation
        return dict(json.loads(delivered.body.decode("utf-8")))
