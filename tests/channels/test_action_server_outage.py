"""The account database unreachable during an action: a polite answer and a handoff offer, not an error.

The guarded action server (channels/action_server.py) runs the real actions on a database URL that
cannot be opened. Every action reads or writes that database, so the answer is the same for all:
HTTP 200, the domain's `utter_accounts_unavailable` (with its 转人工 button) and a follow-up
`action_listen` that ends the turn. Any other failure of an action stays a bare 500 (Rasa then
apologises: channels/action_failures.py), never the tracker echoed.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import requests
from sanic import Sanic
from sanic.request import Request

from actions import common
from bot.config import Settings
from bot.db.session import is_unreachable
from channels.action_server import ACCOUNTS_UNAVAILABLE_RESPONSE, SECRET_HEADER, create_guarded_app
from tests.channels.serving import serving_in_thread
from tests.rendering import domain

SECRET = "outage-action-secret-" + "x" * 32
DOMAIN = domain()


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    # a file in a folder that does not exist: SQLite cannot open it (OperationalError), as PostgreSQL down
    url = f"sqlite:///{tmp_path_factory.mktemp('outage') / 'missing' / 'bot.db'}"
    env = {"DATABASE_URL": url, "BOT_DEV_MODE": "true", "BOT_ACTION_SECRET": SECRET}
    with pytest.MonkeyPatch.context() as patch:
        for name, value in env.items():
            patch.setenv(name, value)
        common.settings.cache_clear()
        Sanic.test_mode = True
        try:
            with serving_in_thread(create_guarded_app(Settings.from_env(env))) as base:
                yield base
        finally:
            common.settings.cache_clear()


def _call(base: str, action: str, text: str, tracker: dict[str, Any] | None = None) -> requests.Response:
    tracker = tracker or {
        "sender_id": "demo_clean",
        "slots": {},
        "latest_message": {"text": text, "intent": {"name": "close_account"}, "entities": []},
        "events": [{"event": "user", "text": text}],
    }
    body = {"next_action": action, "sender_id": "demo_clean", "tracker": tracker, "domain": DOMAIN}
    return requests.post(f"{base}/webhook", json=body, headers={SECRET_HEADER: SECRET}, timeout=30)


@pytest.mark.parametrize("action", ["action_check_closure", "action_check_pause", "action_request_human"])
def test_an_action_on_an_unreachable_database_answers_politely_with_a_handoff_offer(server: str, action: str) -> None:
    answer = _call(server, action, "借呗能注销吗")
    assert answer.status_code == 200, answer.text
    body = answer.json()
    assert [r["response"] for r in body["responses"]] == [ACCOUNTS_UNAVAILABLE_RESPONSE]
    assert body["events"] == [{"event": "followup", "name": "action_listen"}]
    (variant,) = DOMAIN["responses"][ACCOUNTS_UNAVAILABLE_RESPONSE]
    assert [b["payload"] for b in variant["buttons"]] == ["/request_human"]
    assert "转人工" in variant["text"] and "稍后" in variant["text"]


def test_any_other_failure_stays_a_bare_500(tmp_path: Path) -> None:
    env = {"DATABASE_URL": f"sqlite:///{tmp_path / 'bot.db'}", "BOT_DEV_MODE": "true", "BOT_ACTION_SECRET": SECRET}
    Sanic.test_mode = True
    app = create_guarded_app(Settings.from_env(env), "tests.channels.raising_actions")
    with serving_in_thread(app) as base:
        answer = _call(base, "action_with_a_bug", "我的手机号 13800001111")
    assert answer.status_code == 500
    assert answer.json() == {"error": "internal error"}  # neither the exception's text nor the tracker


def test_what_counts_as_unreachable() -> None:
    from sqlalchemy import exc

    down = exc.OperationalError("SELECT 1", {}, Exception("connection refused"))
    assert is_unreachable(down)
    assert is_unreachable(exc.InterfaceError("SELECT 1", {}, Exception("closed")))
    try:
        try:
            raise down
        except exc.OperationalError as problem:
            raise RuntimeError("wrapped") from problem
    except RuntimeError as wrapped:
        assert is_unreachable(wrapped)
    assert not is_unreachable(exc.IntegrityError("INSERT", {}, Exception("duplicate key")))
    assert not is_unreachable(ValueError("a bug"))


def test_a_call_is_parsed_once_and_rasa_sdk_runs_it(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The guard's parse is what rasa_sdk reads: a long conversation's tracker is not parsed twice."""
    parses: list[bytes] = []
    original = Request.load_json

    def counted(self: Request, *args: Any, **kwargs: Any) -> Any:
        parses.append(self.body)
        return original(self, *args, **kwargs)

    monkeypatch.setattr(Request, "load_json", counted)
    env = {"DATABASE_URL": f"sqlite:///{tmp_path / 'bot.db'}", "BOT_DEV_MODE": "true", "BOT_ACTION_SECRET": SECRET}
    Sanic.test_mode = True
    app = create_guarded_app(Settings.from_env(env), "tests.channels.raising_actions")
    with serving_in_thread(app) as base:
        answer = _call(base, "action_echo", "借呗能注销吗")
    assert answer.status_code == 200, answer.text
    assert answer.json()["events"] == [{"event": "slot", "name": "echo", "value": "借呗能注销吗"}]
    assert parses == []  # Sanic's own parser never ran: rasa_sdk was handed the guard's
