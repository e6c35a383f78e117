"""A custom action that fails gets the domain's apology and ends the turn (channels/action_failures.py).

Rasa's RemoteAction is run against a real HTTP endpoint: refused (the action server killed),
answering 500 (an action raising), answering 502 (nginx with no action server left). Each time
the result is the apology as a BotUttered event, then a follow-up `action_listen`; a form's
rejection (400 with the action's name) is still Rasa's rejection; and a model without the
response falls back to Rasa's own handling (the exception).
"""

from __future__ import annotations

import socket
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import pytest
from aiohttp import web
from rasa.core.actions.action import ActionExecutionRejection, RemoteAction
from rasa.core.channels.channel import CollectingOutputChannel
from rasa.core.nlg import TemplatedNaturalLanguageGenerator
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import BotUttered, FollowupAction
from rasa.shared.core.trackers import DialogueStateTracker
from rasa.shared.exceptions import RasaException
from rasa.utils.endpoints import EndpointConfig

from bot.config import REPO_ROOT
from channels import action_failures

DOMAIN = Domain.load(str(REPO_ROOT / "domain.yml"))
APOLOGY = DOMAIN.responses[action_failures.ACTION_FAILED_RESPONSE][0]["text"]


@pytest.fixture(autouse=True)
def installed() -> None:
    action_failures.install()  # as channels/redacting_store.py does in every Rasa server


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@asynccontextmanager
async def endpoint(status: int, body: dict[str, Any]) -> AsyncIterator[str]:
    async def answer(_: web.Request) -> web.Response:
        return web.json_response(body, status=status)

    app = web.Application()
    app.router.add_post("/webhook", answer)
    runner = web.AppRunner(app)
    await runner.setup()
    port = _free_port()
    await web.TCPSite(runner, "127.0.0.1", port).start()
    try:
        yield f"http://127.0.0.1:{port}/webhook"
    finally:
        await runner.cleanup()


async def _run(url: str, domain: Domain = DOMAIN) -> list[Any]:
    action = RemoteAction("action_check_closure", EndpointConfig(url))
    tracker = DialogueStateTracker("demo_clean", domain.slots)
    nlg = TemplatedNaturalLanguageGenerator(domain.responses)
    return await action.run(CollectingOutputChannel(), nlg, tracker, domain)


def _is_apology(events: list[Any]) -> bool:
    first, second = events
    return (
        isinstance(first, BotUttered)
        and first.text == APOLOGY
        and first.metadata.get("utter_action") == action_failures.ACTION_FAILED_RESPONSE
        and isinstance(second, FollowupAction)
        and second.action_name == "action_listen"
    )


async def test_an_action_server_that_is_down_gets_the_apology() -> None:
    assert _is_apology(await _run(f"http://127.0.0.1:{_free_port()}/webhook"))


@pytest.mark.parametrize("status", [500, 502])
async def test_an_action_that_fails_gets_the_apology(status: int) -> None:
    async with endpoint(status, {"error": "internal error"}) as url:
        assert _is_apology(await _run(url))


async def test_a_working_action_is_untouched() -> None:
    async with endpoint(200, {"events": [], "responses": [{"response": "utter_still_here"}]}) as url:
        (said,) = await _run(url)
    assert isinstance(said, BotUttered) and said.text == DOMAIN.responses["utter_still_here"][0]["text"]


async def test_a_forms_rejection_is_still_rasas_rejection() -> None:
    async with endpoint(400, {"action_name": "action_check_closure", "error": "no"}) as url:
        with pytest.raises(ActionExecutionRejection):
            await _run(url)


async def test_without_the_response_in_the_model_rasa_handles_it_as_before() -> None:
    responses = {k: v for k, v in DOMAIN.responses.items() if k != action_failures.ACTION_FAILED_RESPONSE}
    older = Domain.from_dict({**DOMAIN.as_dict(), "responses": responses})
    with pytest.raises(RasaException):
        await _run(f"http://127.0.0.1:{_free_port()}/webhook", older)
