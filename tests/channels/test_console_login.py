"""Console login over HTTP: the hash off the event loop, no timing difference for unknown logins,
throttling with 429 + Retry-After, logout revoking the session, the CSRF token compared in constant time."""

from __future__ import annotations

import asyncio
import dataclasses
import hashlib
import hmac
import time
from collections.abc import Iterator
from typing import Any

import aiohttp
import pytest

from bot.config import Settings
from bot.security import console_auth as auth
from channels.agent_console import AgentConsoleInput
from tests.channels.serving import serving

PASSWORD = "wang-secret-1"
USERS = ",".join(
    f"{login}:{name}:{auth.hash_password(pw, iterations=1000)}"
    for login, name, pw in [("xiaowang", "小王", PASSWORD), ("xiaoli", "小李", "li-secret-2")]
)
SETTINGS = Settings(
    dev_mode=False,
    public_url="https://assistant.example.com",
    agent_users=USERS,
    console_secret="c" * 40,
    jwt_secret="j" * 40,
    console_login_max_failures=3,
    console_address_max_failures=6,
    console_lockout_seconds=600,
)
COOKIE = "__Host-console_session"


@pytest.fixture
def derivations(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[int]]:
    """Every PBKDF2 run (its iteration count), wherever it runs."""
    rounds: list[int] = []
    real = hashlib.pbkdf2_hmac

    def counting(name: str, password: bytes, salt: bytes, iterations: int, dklen: Any = None) -> bytes:
        rounds.append(iterations)
        return real(name, password, salt, iterations)

    monkeypatch.setattr(hashlib, "pbkdf2_hmac", counting)
    yield rounds


async def log_in(http: aiohttp.ClientSession, login: str = "xiaowang", password: str = PASSWORD) -> Any:
    async with http.post("/console/api/login", json={"login": login, "password": password}) as resp:
        return resp.status, dict(resp.headers), await resp.json(), resp.cookies


def with_cookie(value: str, **headers: str) -> dict[str, str]:
    return {"Cookie": f"{COOKIE}={value}", **headers}


async def test_the_password_hash_does_not_stall_the_event_loop(monkeypatch: pytest.MonkeyPatch) -> None:
    real = hashlib.pbkdf2_hmac

    def slow(name: str, password: bytes, salt: bytes, iterations: int, dklen: Any = None) -> bytes:
        time.sleep(0.6)  # a slow machine, or a strong hash
        return real(name, password, salt, iterations)

    monkeypatch.setattr(hashlib, "pbkdf2_hmac", slow)
    async with serving([AgentConsoleInput(SETTINGS)]) as http:
        done: dict[str, float] = {}

        async def agent_logs_in() -> None:
            assert (await log_in(http))[0] == 200
            done["login"] = time.monotonic()

        async def someone_else_meanwhile() -> None:
            await asyncio.sleep(0.15)  # the login is hashing now
            async with http.get("/console/api/me") as other:
                assert other.status == 401
            done["other"] = time.monotonic()

        started = time.monotonic()
        await asyncio.gather(agent_logs_in(), someone_else_meanwhile())
    # On the event loop, the hash would hold every other request (and conversation) until it ends.
    assert done["other"] < done["login"] and done["other"] - started < 0.45


async def test_an_unknown_login_costs_the_same_key_derivation(derivations: list[int]) -> None:
    async with serving([AgentConsoleInput(SETTINGS)]) as http:
        derivations.clear()  # (making the dummy hash at start-up)
        assert (await log_in(http, "nobody", PASSWORD))[0] == 401
        assert derivations == [1000]
        derivations.clear()
        assert (await log_in(http, "xiaowang", "wrong"))[0] == 401
        assert derivations == [1000]


async def test_guessing_a_login_is_throttled_politely(derivations: list[int]) -> None:
    async with serving([AgentConsoleInput(SETTINGS)]) as http:
        for _ in range(3):
            assert (await log_in(http, "xiaowang", "guess"))[0] == 401
        derivations.clear()
        status, headers, body, cookies = await log_in(http)  # even the right password, while locked out
        assert status == 429 and body["error"] == "too_many_attempts" and "分钟后再试" in body["detail"]
        assert 590 <= int(headers["Retry-After"]) <= 600 and body["retry_after"] == int(headers["Retry-After"])
        assert COOKIE not in cookies
        assert derivations == []  # refused before any hashing
        assert (await log_in(http, "xiaoli", "li-secret-2"))[0] == 200  # other agents are not locked out


async def test_an_address_guessing_many_logins_is_throttled() -> None:
    async with serving([AgentConsoleInput(SETTINGS)]) as http:
        for i in range(6):
            assert (await log_in(http, f"guess-{i}", "x"))[0] == 401
        status, headers, _, _ = await log_in(http, "xiaoli", "li-secret-2")
        assert status == 429 and int(headers["Retry-After"]) > 0


async def test_a_flood_of_logins_waits_in_a_short_queue_or_is_told_to_retry(monkeypatch: pytest.MonkeyPatch) -> None:
    real = hashlib.pbkdf2_hmac

    def slow(name: str, password: bytes, salt: bytes, iterations: int, dklen: Any = None) -> bytes:
        time.sleep(0.2)
        return real(name, password, salt, iterations)

    monkeypatch.setattr(hashlib, "pbkdf2_hmac", slow)
    many = dataclasses.replace(SETTINGS, console_login_max_failures=100, console_address_max_failures=100)
    async with serving([AgentConsoleInput(many)]) as http:
        answers = await asyncio.gather(*(log_in(http, f"flood-{i}", "x") for i in range(14)))
    statuses = sorted(a[0] for a in answers)
    assert statuses.count(401) >= 8 and statuses.count(429) >= 1 and set(statuses) == {401, 429}
    assert all(a[1]["Retry-After"] == "1" for a in answers if a[0] == 429)


async def test_logging_out_revokes_the_session_everywhere() -> None:
    async with serving([AgentConsoleInput(SETTINGS)]) as http:
        status, _, body, cookies = await log_in(http)
        assert status == 200
        copied = cookies[COOKIE].value  # e.g. taken from the agent's machine
        other_browser = (await log_in(http))[3][COOKIE].value
        async with http.get("/console/api/me", headers=with_cookie(copied)) as me:
            assert me.status == 200
        async with http.post(
            "/console/api/logout", json={}, headers=with_cookie(copied, **{"X-CSRF-Token": body["csrf"]})
        ) as out:
            assert out.status == 200
        async with http.get("/console/api/me", headers=with_cookie(copied)) as me:
            assert me.status == 401
        async with http.post(
            "/console/api/tickets/1/claim", json={}, headers=with_cookie(copied, **{"X-CSRF-Token": body["csrf"]})
        ) as claim:
            assert claim.status == 401
        async with http.get("/console/api/me", headers=with_cookie(other_browser)) as me:
            assert me.status == 200  # only that session ended


async def test_the_csrf_check_compares_in_constant_time(monkeypatch: pytest.MonkeyPatch) -> None:
    async with serving([AgentConsoleInput(SETTINGS)]) as http:
        _, _, body, cookies = await log_in(http)
        compared: list[tuple[Any, Any]] = []
        real = hmac.compare_digest

        def spy(a: Any, b: Any) -> bool:
            compared.append((a, b))
            return real(a, b)

        monkeypatch.setattr(hmac, "compare_digest", spy)
        wrong = body["csrf"][:-1] + ("0" if body["csrf"][-1] != "0" else "1")
        headers = with_cookie(cookies[COOKIE].value, **{"X-CSRF-Token": wrong})
        async with http.post("/console/api/tickets/1/claim", json={}, headers=headers) as resp:
            assert resp.status == 403
        assert (body["csrf"].encode(), wrong.encode()) in compared
