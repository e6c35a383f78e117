"""Action calls that carry only the events the action server has not seen (channels/event_chain.py).

The Rasa side (channels/action_call_delta.py) talks over real HTTP to the guarded action server
(channels/action_server.py) running a test action that echoes the events rasa_sdk gave it: in
every case the action must see exactly the events of Rasa's whole call.
"""

from __future__ import annotations

import asyncio
import json
import zlib
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
import requests
from hypothesis import given
from hypothesis import strategies as st
from rasa.core.actions.action import RemoteAction
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import SlotSet
from rasa.shared.core.trackers import DialogueStateTracker
from rasa.utils.endpoints import ClientResponseError, EndpointConfig
from rasa_sdk.endpoint import create_app
from sanic import Sanic

from bot.config import REPO_ROOT, Settings
from channels import action_call_delta, turn_cost
from channels.action_call_json import dumps
from channels.action_server import DELTA_PATH, SECRET_HEADER, create_guarded_app
from channels.action_server_events import MAX_KEPT_DOMAINS, KnownEvents
from channels.event_chain import (
    CONVERSATION_HEADER,
    chain,
    common_prefix,
    conversation_key,
    domain_digest,
    event_digest,
)
from tests.channels.serving import serving_in_thread
from tests.channels.test_turn_cost import _conversation

SECRET = "delta-action-secret-" + "x" * 32
ECHO = "action_echo_events"


@pytest.fixture(scope="module")
def domain() -> Domain:
    return Domain.load(str(REPO_ROOT / "domain.yml"))


@pytest.fixture(autouse=True)
def fresh_protocol() -> Iterator[None]:
    """Nothing remembered from another test, and delta calls on."""
    turn_cost.install()  # idempotent: the session encoding action calls, as in every Rasa server
    action_call_delta.sent.forget_all()
    action_call_delta._delta_calls["on"] = True
    yield
    action_call_delta.sent.forget_all()
    action_call_delta._delta_calls["on"] = True


@contextmanager
def action_server(tmp_path: Path, guarded: bool = True) -> Iterator[str]:
    env = {"DATABASE_URL": f"sqlite:///{tmp_path / 'bot.db'}", "BOT_DEV_MODE": "true", "BOT_ACTION_SECRET": SECRET}
    Sanic.test_mode = True
    package = "tests.channels.raising_actions"
    app = create_guarded_app(Settings.from_env(env), package) if guarded else create_app(package, cors_origins=None)
    with serving_in_thread(app) as base:
        yield base


class Rasa:
    """The Rasa side's call path, recording each HTTP request it makes (path, body, status)."""

    def __init__(self, base: str, domain: Domain) -> None:
        self.endpoint = EndpointConfig(url=f"{base}/webhook", headers={SECRET_HEADER: SECRET})
        self.domain = domain
        self.requests: list[tuple[str | None, dict[str, Any], int]] = []
        self.request = action_call_delta.make_request(self._recorded)

    async def _recorded(
        self, endpoint: EndpointConfig, method: str, subpath: str | None, *args: Any, **kwargs: Any
    ) -> Any:
        body = json.loads(dumps(kwargs["json"]))
        try:
            result = await turn_cost._originals["endpoint_request"](endpoint, method, subpath, *args, **kwargs)
        except ClientResponseError as refused:
            self.requests.append((subpath, body, refused.status))
            raise
        self.requests.append((subpath, body, 200))
        return result

    def call(self, tracker: DialogueStateTracker) -> tuple[list[Any], list[Any]]:
        """What the action saw, and the events of Rasa's whole call (the domain must be Rasa's too)."""
        whole = RemoteAction(ECHO, self.endpoint)._action_call_format(tracker, self.domain)
        expected = json.loads(dumps(whole))["tracker"]["events"]
        answer = asyncio.run(self.request(self.endpoint, "post", json=whole, timeout=30))
        assert answer["events"][1]["value"] == domain_digest(self.domain.as_dict())
        return answer["events"][0]["value"], expected

    def sent_events(self, index: int = -1) -> list[Any]:
        return list(self.requests[index][1]["tracker"]["events"])


def test_every_call_of_a_conversation_gives_the_action_rasas_whole_session(tmp_path: Path, domain: Domain) -> None:
    """After the first call only new events travel; the action appending to its events changes no later call."""
    tracker = DialogueStateTracker("delta", domain.slots)
    with action_server(tmp_path) as base:
        rasa = Rasa(base, domain)
        before = 0
        for event in _conversation():
            tracker.update(event)
            seen, expected = rasa.call(tracker)
            assert seen == expected
            path, body, status = rasa.requests[-1]
            assert (path, status) == ("since", 200)
            assert len(body["tracker"]["events"]) == len(expected) - before  # only the new ones
            assert body.get("events_from", {"count": 0})["count"] == before
            before = len(expected)
    assert len(rasa.requests) == len(_conversation())  # never refused, never sent twice


def test_a_call_with_events_the_next_one_lacks_is_continued_from_where_they_part(
    tmp_path: Path, domain: Domain
) -> None:
    """A form validates on a copy of the tracker with its own events; the next call differs after them."""
    events = _conversation()[:12]
    with action_server(tmp_path) as base:
        rasa = Rasa(base, domain)
        rasa.call(DialogueStateTracker.from_events("forms", events, domain.slots))
        temporary = DialogueStateTracker.from_events("forms", [*events, SlotSet("product", ["huabei"])], domain.slots)
        assert _sees_the_whole_session(rasa, temporary)
        real = DialogueStateTracker.from_events("forms", [*events, SlotSet("product", ["jiebei"])], domain.slots)
        assert _sees_the_whole_session(rasa, real)
        assert rasa.requests[-1][1]["events_from"]["count"] == len(events)
        assert [e["value"] for e in rasa.sent_events()] == [["jiebei"]]


def test_an_action_server_that_lost_the_events_gets_the_whole_call_again(tmp_path: Path, domain: Domain) -> None:
    events = _conversation()
    tracker = DialogueStateTracker.from_events("restarted", events[:10], domain.slots)
    with action_server(tmp_path) as base:
        rasa = Rasa(base, domain)
        assert _sees_the_whole_session(rasa, tracker)
    with action_server(tmp_path) as base:  # a restart: nothing kept
        rasa.endpoint = EndpointConfig(url=f"{base}/webhook", headers={SECRET_HEADER: SECRET})
        tracker.update(events[10])
        assert _sees_the_whole_session(rasa, tracker)
        assert [status for _, _, status in rasa.requests] == [200, 409, 200]
        assert "events_from" not in rasa.requests[-1][1] and len(rasa.sent_events()) == 11
        tracker.update(events[11])
        assert _sees_the_whole_session(rasa, tracker)
        assert rasa.requests[-1][2] == 200 and len(rasa.sent_events()) == 1  # kept again


def test_a_process_that_remembers_less_than_the_action_server_has_claims_less(tmp_path: Path, domain: Domain) -> None:
    """Another Rasa process sent later events: this one's shorter prefix is still one the action server has."""
    events = _conversation()
    with action_server(tmp_path) as base:
        rasa = Rasa(base, domain)
        rasa.call(DialogueStateTracker.from_events("two", events[:20], domain.slots))
        key = conversation_key("two")
        action_call_delta.sent.remember(key, action_call_delta.sent.get(key)[:7])  # what this process sent
        assert _sees_the_whole_session(rasa, DialogueStateTracker.from_events("two", events[:22], domain.slots))
        assert rasa.requests[-1][1]["events_from"]["count"] == 7 and rasa.requests[-1][2] == 200


def test_the_domain_travels_once_and_every_call_gives_the_action_rasas(tmp_path: Path, domain: Domain) -> None:
    digest = domain_digest(domain.as_dict())
    with action_server(tmp_path) as base:
        rasa = Rasa(base, domain)
        for sender in ("first", "second"):
            tracker = DialogueStateTracker(sender, domain.slots)
            for event in _conversation()[:3]:
                tracker.update(event)
                rasa.call(tracker)  # (checks the domain the action saw)
    carried = [("domain" in body, body["domain_digest"], status) for _, body, status in rasa.requests]
    # the second conversation goes to the same action server: its domain is already there
    assert (
        carried
        == [(True, digest, 200)] + [(False, digest, 200)] * 2 + [(True, digest, 200)] + [(False, digest, 200)] * 2
    )
    assert rasa.requests[0][1]["domain"] == domain.as_dict()


def test_an_action_server_without_the_domain_named_gets_the_whole_call(tmp_path: Path, domain: Domain) -> None:
    tracker = DialogueStateTracker.from_events("new-server", _conversation()[:4], domain.slots)
    with action_server(tmp_path) as base:
        rasa = Rasa(base, domain)
        # this process sent the domain to an action server before; this one never had it
        action_call_delta.sent.remember(conversation_key("new-server"), [], domain_digest(domain.as_dict()))
        assert _sees_the_whole_session(rasa, tracker)
    assert [("domain" in body, status) for _, body, status in rasa.requests] == [(False, 409), (True, 200)]


def test_an_action_without_the_domain_keeps_what_was_sent(tmp_path: Path, domain: Domain) -> None:
    """Rasa leaves the domain out for an action that does not need it: no digest, nothing forgotten."""
    events = _conversation()[:4]
    with action_server(tmp_path) as base:
        rasa = Rasa(base, domain)
        rasa.call(DialogueStateTracker.from_events("selective", events[:3], domain.slots))
        call = RemoteAction(ECHO, rasa.endpoint)._action_call_format(
            DialogueStateTracker.from_events("selective", events, domain.slots), domain
        )
        del call["domain"]
        answer = asyncio.run(rasa.request(rasa.endpoint, "post", json=call, timeout=30))
    assert answer["events"][1]["value"] is None and "domain_digest" not in rasa.requests[-1][1]
    assert action_call_delta.sent.known(conversation_key("selective")).domain == domain_digest(domain.as_dict())


def test_an_action_server_without_the_protocol_gets_whole_calls_from_then_on(tmp_path: Path, domain: Domain) -> None:
    events = _conversation()
    with action_server(tmp_path, guarded=False) as base:
        rasa = Rasa(base, domain)
        assert _sees_the_whole_session(rasa, DialogueStateTracker.from_events("old", events[:5], domain.slots))
        assert _sees_the_whole_session(rasa, DialogueStateTracker.from_events("old", events[:6], domain.slots))
    # rasa_sdk's own app answers an unknown path with its catch-all 500
    assert [(path, status) for path, _, status in rasa.requests] == [("since", 500), (None, 200), (None, 200)]
    assert all("event_chain" not in body for path, body, _ in rasa.requests if path is None)


def test_an_action_that_fails_on_the_delta_path_is_not_run_again(tmp_path: Path, domain: Domain) -> None:
    tracker = DialogueStateTracker.from_events("bug", _conversation()[:5], domain.slots)
    with action_server(tmp_path) as base:
        rasa = Rasa(base, domain)
        call = RemoteAction("action_with_a_bug", rasa.endpoint)._action_call_format(tracker, domain)
        with pytest.raises(ClientResponseError) as failed:
            asyncio.run(rasa.request(rasa.endpoint, "post", json=call, timeout=30))
    assert failed.value.status == 500 and [(path, status) for path, _, status in rasa.requests] == [("since", 500)]


def test_calls_carry_an_opaque_conversation_key_for_the_load_balancer(tmp_path: Path, domain: Domain) -> None:
    seen: list[dict[str, Any]] = []

    async def original(endpoint: EndpointConfig, *args: Any, **kwargs: Any) -> Any:
        seen.append(kwargs["headers"])
        return {"events": [{"value": []}]}

    request = action_call_delta.make_request(original)
    tracker = DialogueStateTracker.from_events("demo_clean", _conversation()[:3], domain.slots)
    endpoint = EndpointConfig(url="http://127.0.0.1:9/webhook")
    call = RemoteAction(ECHO, endpoint)._action_call_format(tracker, domain)
    asyncio.run(request(endpoint, "post", json=call, headers={"X-Other": "kept"}))
    assert seen == [{"X-Other": "kept", CONVERSATION_HEADER: conversation_key("demo_clean")}]
    assert "demo_clean" not in conversation_key("demo_clean")


@pytest.mark.parametrize("status", [400, 500])
def test_other_refusals_are_rasas_to_handle(domain: Domain, status: int) -> None:
    async def original(*args: Any, **kwargs: Any) -> Any:
        raise ClientResponseError(status, "refused", "{}")

    request = action_call_delta.make_request(original)
    tracker = DialogueStateTracker.from_events("refused", _conversation()[:3], domain.slots)
    endpoint = EndpointConfig(url="http://127.0.0.1:9/webhook")
    with pytest.raises(ClientResponseError):
        asyncio.run(request(endpoint, "post", json=RemoteAction(ECHO, endpoint)._action_call_format(tracker, domain)))
    assert action_call_delta.sent.get(conversation_key("refused")) == []  # nothing assumed sent


def test_other_requests_and_compressed_calls_are_rasas(domain: Domain) -> None:
    calls: list[tuple[Any, ...]] = []

    async def original(
        endpoint: EndpointConfig, method: str, subpath: Any, content_type: Any, compress: Any, **kwargs: Any
    ) -> Any:
        calls.append((subpath, compress, kwargs["json"]))
        return {}

    request = action_call_delta.make_request(original)
    tracker = DialogueStateTracker.from_events("plain", _conversation()[:3], domain.slots)
    endpoint = EndpointConfig(url="http://127.0.0.1:9/webhook")
    call = RemoteAction(ECHO, endpoint)._action_call_format(tracker, domain)
    asyncio.run(request(endpoint, "post", json=call, compress=True))
    asyncio.run(request(endpoint, "post", json={"text": "hello"}))
    assert calls == [(None, True, call), (None, False, {"text": "hello"})]


# ── the action server's side, over HTTP ──


def _post(
    base: str, call: dict[str, Any], headers: dict[str, str] | None = None, data: bytes | None = None
) -> requests.Response:
    return requests.post(
        base + DELTA_PATH,
        data=data if data is not None else json.dumps(call),
        headers={SECRET_HEADER: SECRET, "Content-Type": "application/json", **(headers or {})},
        timeout=30,
    )


def _plain_call(sender: str, events: list[dict[str, Any]]) -> dict[str, Any]:
    links = [link.hex() for link in chain(event_digest(json.dumps(e)) for e in events)]
    tracker = {"sender_id": sender, "slots": {}, "latest_message": {}, "events": events}
    return {"next_action": ECHO, "sender_id": sender, "tracker": tracker, "version": "3.6.21", "event_chain": links}


def test_the_action_server_refuses_a_prefix_it_does_not_have(tmp_path: Path) -> None:
    events = [{"event": "action", "name": f"step_{n}"} for n in range(4)]
    whole = _plain_call("someone", events)
    with action_server(tmp_path) as base:
        assert _post(base, whole).status_code == 200
        delta = dict(whole, tracker=dict(whole["tracker"], events=events[3:]), event_chain=whole["event_chain"][3:])
        right = {"count": 3, "digest": whole["event_chain"][2]}
        assert _post(base, dict(delta, events_from=right)).json()["events"][0]["value"] == events
        for claim in ({"count": 3, "digest": whole["event_chain"][1]}, {"count": 9, "digest": whole["event_chain"][2]}):
            refused = _post(base, dict(delta, events_from=claim))
            assert refused.status_code == 409 and "step_" not in refused.text
        other = dict(delta, sender_id="someone_else", tracker=dict(delta["tracker"], sender_id="someone_else"))
        assert _post(base, dict(other, events_from=right)).status_code == 409  # nobody gets another's events


@pytest.mark.parametrize(
    "change",
    [
        {"events_from": {"count": 0, "digest": "0" * 32}},
        {"events_from": {"count": True, "digest": "0" * 32}},
        {"events_from": {"count": 1, "digest": "zz"}},
        {"events_from": {"count": 1}},
        {"events_from": [1, "0" * 32]},
        {"event_chain": None},
        {"event_chain": ["0" * 32]},  # one digest for two events
        {"event_chain": [1, 2]},
        {"domain_digest": "zz"},
        {"domain_digest": None},
    ],
)
def test_a_malformed_delta_call_is_a_clean_400(tmp_path: Path, change: dict[str, Any]) -> None:
    call = {**_plain_call("someone", [{"event": "action", "name": "a"}, {"event": "action", "name": "b"}]), **change}
    with action_server(tmp_path) as base:
        answer = _post(base, call)
    assert answer.status_code == 400 and answer.json() == {"error": "bad request"}


def test_a_deflated_delta_call_is_refused(tmp_path: Path) -> None:
    call = _plain_call("someone", [{"event": "action", "name": "a"}])
    with action_server(tmp_path) as base:
        answer = _post(base, call, {"Content-Encoding": "deflate"}, zlib.compress(json.dumps(call).encode()))
    assert answer.status_code == 400


def test_the_least_recently_used_conversation_is_dropped_first() -> None:
    kept = KnownEvents(size=2)

    def call(sender: str, events: list[dict[str, Any]], claim: dict[str, Any] | None = None) -> dict[str, Any]:
        body = _plain_call(sender, events)
        if claim:
            body["event_chain"] = body["event_chain"][claim["count"] :]
            body["tracker"]["events"] = events[claim["count"] :]
            body["events_from"] = claim
        return body

    first = [{"event": "action", "name": "a"}]
    links = _plain_call("x", first)["event_chain"]
    for sender in ("a", "b", "a", "c"):  # b is the least recently used when c comes
        assert kept.restore(call(sender, first))
    two = [*first, {"event": "action", "name": "b"}]
    assert kept.restore(call("a", two, {"count": 1, "digest": links[0]}))
    assert not kept.restore(call("b", two, {"count": 1, "digest": links[0]}))
    assert len(kept) == 2


# ── the chain itself ──

texts = st.lists(st.text(max_size=5), max_size=30)


@given(shared=texts, ours=texts, theirs=texts)
def test_the_common_prefix_is_the_longest_run_of_equal_first_events(
    shared: list[str], ours: list[str], theirs: list[str]
) -> None:
    def links(tail: list[str]) -> list[bytes]:
        return chain(event_digest(text) for text in [*shared, *tail])

    expected = len(shared) + _equal_run(ours, theirs)
    assert common_prefix(links(ours), links(theirs)) == expected


def test_a_chain_continues_where_it_left_off() -> None:
    digests = [event_digest(str(n)) for n in range(6)]
    whole = chain(digests)
    assert chain(digests[3:], after=whole[2]) == whole[3:]
    assert len(set(whole)) == 6


def _equal_run(ours: list[str], theirs: list[str]) -> int:
    run = 0
    while run < min(len(ours), len(theirs)) and ours[run] == theirs[run]:
        run += 1
    return run


def _sees_the_whole_session(rasa: Rasa, tracker: DialogueStateTracker) -> bool:
    seen, expected = rasa.call(tracker)
    return seen == expected


@pytest.mark.parametrize(("value", "wanted"), [(None, True), ("on", True), ("off", False), ("0", False)])
def test_delta_calls_can_be_switched_off(monkeypatch: pytest.MonkeyPatch, value: str | None, wanted: bool) -> None:
    """Where calls are balanced one by one (a Kubernetes Service) they would mostly be refused and sent twice."""
    env = {} if value is None else {"BOT_ACTION_DELTA_CALLS": value}
    assert action_call_delta.delta_calls_wanted(env) is wanted
    turn_cost.uninstall()
    rasas = EndpointConfig.request
    try:
        if value is None:
            monkeypatch.delenv("BOT_ACTION_DELTA_CALLS", raising=False)
        else:
            monkeypatch.setenv("BOT_ACTION_DELTA_CALLS", value)
        turn_cost.install()
        assert (EndpointConfig.request is not rasas) is wanted
    finally:
        turn_cost.uninstall()
        monkeypatch.delenv("BOT_ACTION_DELTA_CALLS", raising=False)
        turn_cost.install()
    assert EndpointConfig.request is not rasas


def test_the_chain_carried_from_call_to_call_is_the_chain_of_the_whole_call(domain: Domain) -> None:
    from channels.action_call_json import encoded_events

    tracker = DialogueStateTracker("carried", domain.slots)
    for event in _conversation():
        tracker.update(event)
        encoded = encoded_events(tracker)
        assert encoded.links == chain(encoded.digests)


def test_the_action_server_keeps_domains_by_digest_and_gives_them_to_calls_that_name_them() -> None:
    kept = KnownEvents()
    events = [{"event": "action", "name": "a"}]

    def call(sender: str, **domain: Any) -> dict[str, Any]:
        return {**_plain_call(sender, events), **domain}

    assert not kept.restore(call("a", domain_digest="1" * 32))  # named, never sent
    first = call("a", domain_digest="1" * 32, domain={"responses": {}})
    assert kept.restore(first) and "domain_digest" not in first
    named = call("b", domain_digest="1" * 32)
    assert kept.restore(named) and named["domain"] == {"responses": {}}
    for n in range(2, 2 + MAX_KEPT_DOMAINS):  # newer models' domains push the oldest out
        assert kept.restore(call(f"m{n}", domain_digest=str(n) * 32, domain={"n": n}))
    assert not kept.restore(call("c", domain_digest="1" * 32))
    assert kept.restore(call("d", domain_digest=str(1 + MAX_KEPT_DOMAINS) * 32))
