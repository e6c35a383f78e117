"""Property-based fuzzing of the action server, in-process over HTTP (issue 14, part 8).

The guarded action server (channels/action_server.py) runs the real actions
against a seeded SQLite database in development mode. For any call:

- no 5xx; the tracker is never echoed;
- a call that is not the shape Rasa sends (not JSON, not an object, no action
  named, a tracker of the wrong types, a bad deflate stream) gets a clean 400
  with a JSON error body, an unknown action 404, no secret 401/403;
- a call of Rasa's shape, whatever its slot values, latest text, entities and
  metadata (the HTTP API can set any slot; forms fill some from free text),
  runs: HTTP 200 with events and responses, and every response it names is
  one of the domain's.
"""

from __future__ import annotations

import json
import zlib
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import requests
from hypothesis import example, given
from hypothesis import settings as hsettings
from hypothesis import strategies as st
from sanic import Sanic

from actions import common
from bot.config import Settings
from bot.db.seed import ensure_seeded
from bot.db.session import session_factory, session_scope
from channels.action_server import SECRET_HEADER, create_guarded_app
from tests.channels.serving import serving_in_thread
from tests.conftest import TODAY
from tests.fuzzing import INTENTS, budget, count, hostile_texts, json_values, timed, wrong_types
from tests.rendering import domain

pytestmark = pytest.mark.fuzz

SECRET = "fuzz-action-secret-" + "x" * 32
DOMAIN = domain()
ACTIONS = [a for a in DOMAIN["actions"] if a.startswith(("action_", "validate_"))]
SLOTS = list(DOMAIN["slots"])
FORMS = list(DOMAIN["forms"])
CUSTOMERS = ["demo_clean", "demo_balance", "demo_bound", "demo_overdue", "demo_paused", "nobody_here"]
MARKER = "TRACKER-MARKER-4711"
# ~40 KB of deflate that inflates to 40 MB: over the server's inflation cap
BOMB = zlib.compress(b"{" + b" " * 40_000_000 + b"}", 9)


@dataclass
class ActionServer:
    url: str
    http: requests.Session

    def call(
        self, body: bytes, headers: dict[str, str] | None = None, target: str = "action server"
    ) -> requests.Response:
        with timed(target):
            return self.http.post(
                f"{self.url}/webhook",
                data=body,
                headers={SECRET_HEADER: SECRET, "Content-Type": "application/json", **(headers or {})},
            )


@pytest.fixture(scope="module")
def server(sqlite_template: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[ActionServer]:
    work = tmp_path_factory.mktemp("fuzz_actions")
    db = work / "bot.db"
    db.write_bytes(sqlite_template.read_bytes())
    url = f"sqlite:///{db}"
    with session_scope(session_factory(url)) as session:
        ensure_seeded(session, today=TODAY)
    env = {"DATABASE_URL": url, "BOT_DEV_MODE": "true", "BOT_DEV_OUTBOX": str(work / "outbox.jsonl")}
    with pytest.MonkeyPatch.context() as patch:
        for name, value in env.items():
            patch.setenv(name, value)
        common.settings.cache_clear()
        Sanic.test_mode = True
        app = create_guarded_app(Settings.from_env({**env, "BOT_ACTION_SECRET": SECRET}))
        try:
            with serving_in_thread(app) as base, requests.Session() as http:
                yield ActionServer(base, http)
        finally:
            common.settings.cache_clear()


# any JSON or text in any slot, and often what the flow expects (a yes, a verified code, a phone, a request id)
# so that actions get past their first checks with the other slots hostile
expected_values = st.sampled_from(
    [True, False, "verified", "13812345678", 1.0, 3, "huabei", ["huabei", "jiebei"], 90.0]
)
slot_values = st.dictionaries(st.sampled_from(SLOTS), expected_values | json_values() | hostile_texts, max_size=8)
entities = st.lists(
    st.fixed_dictionaries(
        {"entity": st.sampled_from(["product", "service", "duration", "external_product", "x"]), "value": json_values()}
    ),
    max_size=3,
)


@st.composite
def rasa_calls(draw: st.DrawFn) -> dict[str, Any]:
    """An action call as the Rasa server sends it, with hostile contents."""
    customer = draw(st.sampled_from(CUSTOMERS))
    text = draw(hostile_texts)
    latest = {
        "text": text,
        "intent": {"name": draw(st.sampled_from(INTENTS)), "confidence": draw(st.floats(0, 1))},
        "entities": draw(entities),
    }
    metadata = draw(
        st.none() | st.dictionaries(st.sampled_from(["verified_customer_id", "display_text"]), json_values())
    )
    events = [{"event": "user", "text": text, "parse_data": latest, "metadata": metadata, "input_channel": "rest"}]
    active = draw(st.sampled_from([None, *FORMS]))
    slots = {**draw(slot_values), MARKER.lower(): MARKER}
    if active is not None:
        slots["requested_slot"] = draw(st.sampled_from(DOMAIN["forms"][active]["required_slots"]))
    tracker = {
        "sender_id": customer,
        "slots": slots,
        "latest_message": latest,
        "events": events,
        "paused": False,
        "followup_action": None,
        "active_loop": {"name": active} if active else {},
        "latest_action_name": "action_listen",
    }
    action = draw(st.sampled_from(ACTIONS))
    return {"next_action": action, "sender_id": customer, "tracker": tracker, "domain": DOMAIN, "version": "3.6.21"}


@hsettings(max_examples=budget(200))
@given(call=rasa_calls())
@example(
    call={
        "next_action": "action_check_pause",
        "sender_id": "demo_clean",
        "tracker": {"sender_id": "demo_clean", "slots": {"duration": 1e308, "product": {"$ne": 1}}, "events": []},
        "domain": DOMAIN,
    }
)
def test_any_call_of_rasas_shape_runs_and_names_only_domain_responses(
    server: ActionServer, call: dict[str, Any]
) -> None:
    count("action server")
    response = server.call(json.dumps(call, allow_nan=True).encode())
    assert response.status_code == 200, f"{call['next_action']}: {response.status_code} {response.text[:300]}"
    body = response.json()
    assert isinstance(body["events"], list) and isinstance(body["responses"], list)
    for message in body["responses"]:
        name = message.get("response")
        assert name is None or name in DOMAIN["responses"], name
        assert message.get("text") or name or message.get("custom") or message.get("buttons")


@st.composite
def malformed_calls(draw: st.DrawFn) -> tuple[bytes, dict[str, str], int]:
    """A body that is not what Rasa sends, its headers, and the status it must get."""
    tracker: dict[str, Any] = {"sender_id": "demo_clean", "slots": {"marker": MARKER}, "events": []}
    good: dict[str, Any] = {"next_action": "action_check_closure", "sender_id": "demo_clean", "domain": DOMAIN}
    good["tracker"] = tracker
    kind = draw(st.sampled_from(["field", "tracker_field", "shape", "bytes", "deflate", "unknown", "secret"]))
    if kind == "field":
        field = draw(st.sampled_from(["next_action", "tracker", "domain", "version"]))
        right: dict[str, Any] = {"next_action": str, "tracker": dict, "domain": dict, "version": type(None)}
        value = draw(wrong_types.filter(lambda v: not isinstance(v, right[field])))
        return json.dumps({**good, field: value}).encode(), {}, 400
    if kind == "tracker_field":
        field = draw(st.sampled_from(["sender_id", "slots", "latest_message", "events", "paused", "active_loop"]))
        value = draw(wrong_types.filter(lambda v: not isinstance(v, dict | list | bool | str)))
        return json.dumps({**good, "tracker": {**tracker, field: value}}).encode(), {}, 400
    if kind == "shape":
        return json.dumps(draw(st.lists(json_values(4), max_size=3) | st.text(max_size=30))).encode(), {}, 400
    if kind == "bytes":
        raw = draw(st.binary(max_size=200) | st.sampled_from([b"{", b"[" * 50_000, b"\xff\xfe{}"]))
        return raw, {}, 400
    if kind == "deflate":
        raw = draw(st.sampled_from([b"not deflate", BOMB, zlib.compress(b"[1, 2]")]))
        return raw, {"Content-Encoding": "deflate"}, 400
    if kind == "unknown":
        name = draw(st.text(max_size=30).filter(lambda n: n not in ACTIONS and n))
        return json.dumps({**good, "next_action": name}).encode(), {}, 404
    secret = draw(st.sampled_from(["", "wrong", SECRET[:-1], SECRET + "x"]))
    return json.dumps(good).encode(), {SECRET_HEADER: secret}, 401 if secret == "" else 403


@hsettings(max_examples=budget(150))
@given(case=malformed_calls())
def test_a_call_not_of_rasas_shape_gets_a_clean_4xx(
    server: ActionServer, case: tuple[bytes, dict[str, str], int]
) -> None:
    count("action server (malformed)")
    raw, headers, status = case
    response = server.call(raw, headers, "action server (malformed)")
    assert response.status_code == status, response.text[:300]
    assert isinstance(response.json().get("error"), str)
    assert MARKER not in response.text and "demo_clean" not in response.text
