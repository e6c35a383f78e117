"""The agent console over HTTP in an app built like `rasa run`'s: CORS, origins, cookies, security headers."""

from __future__ import annotations

from typing import Any

import aiohttp
import pytest

from bot.config import DEV_JWT_SECRET, Settings
from bot.security import console_auth as auth
from channels.agent_console import AgentConsoleInput
from channels.socket import TokenSocketIOInput
from tests.channels.serving import serving

PUBLIC = "https://assistant.example.com"
EVIL = "https://evil.example.com"
SIBLING = "https://attacker.example.com"  # another subdomain of the same site: SameSite=Strict lets it through
PASSWORD = "wang-secret-1"
USERS = f"xiaowang:小王:{auth.hash_password(PASSWORD, iterations=1000)}"
PROD = Settings(dev_mode=False, public_url=PUBLIC, agent_users=USERS, console_secret="c" * 40, jwt_secret="j" * 40)
DEV = Settings(dev_mode=True, agent_users="xiaowang:小王:dev-password", jwt_secret=DEV_JWT_SECRET)


def acac(resp: aiohttp.ClientResponse) -> dict[str, str]:
    return {k: v for k, v in resp.headers.items() if k.lower().startswith("access-control-")}


async def log_in(http: aiohttp.ClientSession, password: str = PASSWORD, **headers: str) -> aiohttp.ClientResponse:
    async with http.post("/console/api/login", json={"login": "xiaowang", "password": password}, headers=headers) as r:
        await r.read()
        return r


def session_header(resp: aiohttp.ClientResponse, name: str) -> dict[str, str]:
    """The session as a Cookie header (aiohttp keeps Secure cookies for https only; these tests speak http)."""
    return {"Cookie": f"{name}={resp.cookies[name].value}"}


@pytest.mark.parametrize("cors", ["*", [PUBLIC, "https://shop.example.com"]])
async def test_no_site_gets_cors_access_to_the_console(cors: Any) -> None:
    """`rasa run --cors` reflects an allowed Origin with credentials on every path; never on /console."""
    async with serving([AgentConsoleInput(PROD)], cors=cors) as http:
        for origin in (EVIL, "https://shop.example.com"):
            async with http.get("/console/api/me", headers={"Origin": origin}) as resp:
                assert resp.status == 401 and acac(resp) == {}
            preflight = {"Origin": origin, "Access-Control-Request-Method": "POST"}
            for path in ("/console/api/login", "/console/api/tickets/1/claim", "/console/api/nowhere"):
                async with http.options(
                    path, headers={**preflight, "Access-Control-Request-Headers": "x-csrf-token"}
                ) as r:
                    assert acac(r) == {}, path


async def test_the_widget_origins_and_only_they_get_cors_on_the_widget_routes() -> None:
    widget_host = "https://www.example.com"
    settings = Settings(dev_mode=False, jwt_secret="j" * 40, widget_origins=(widget_host,))
    async with serving([TokenSocketIOInput(settings=settings)], cors=list(settings.widget_origins)) as http:
        async with http.get("/webhooks/socketio/", headers={"Origin": widget_host}) as resp:
            assert resp.headers["Access-Control-Allow-Origin"] == widget_host
        async with http.get("/webhooks/socketio/", headers={"Origin": EVIL}) as resp:
            assert "Access-Control-Allow-Origin" not in resp.headers


@pytest.mark.parametrize(
    "headers",
    [
        {"Origin": EVIL},
        {"Origin": SIBLING},
        {"Origin": "null"},
        {"Sec-Fetch-Site": "same-site"},
        {"Sec-Fetch-Site": "cross-site", "Origin": PUBLIC},
    ],
)
async def test_console_posts_from_another_origin_are_refused(headers: dict[str, str]) -> None:
    async with serving([AgentConsoleInput(PROD)], cors="*") as http:
        refused = await log_in(http, **headers)
        assert refused.status == 403 and "Set-Cookie" not in refused.headers
        ok = await log_in(http, Origin=PUBLIC, **{"Sec-Fetch-Site": "same-origin"})
        assert ok.status == 200
        cookie = session_header(ok, "__Host-console_session")
        async with http.get("/console/api/me", headers=cookie) as me:
            csrf = (await me.json())["csrf"]
        # a logged-in agent's browser tricked into posting from another site: refused before anything happens
        post = {**cookie, "X-CSRF-Token": csrf, **headers}
        async with http.post("/console/api/tickets/1/claim", json={}, headers=post) as resp:
            assert resp.status == 403 and (await resp.json())["error"] == "cross_origin"
        async with http.post("/console/api/logout", json={}, headers=post) as resp:
            assert resp.status == 403 and "Set-Cookie" not in resp.headers


async def test_production_session_cookie_is_secure_with_the_host_prefix() -> None:
    async with serving([AgentConsoleInput(PROD)]) as http:
        resp = await log_in(http, Origin=PUBLIC)
        [set_cookie] = resp.headers.getall("Set-Cookie")
        attributes = {part.strip().split("=")[0].lower() for part in set_cookie.split(";")[1:]}
        assert set_cookie.startswith("__Host-console_session=")
        assert {"secure", "httponly", "path", "samesite", "max-age"} <= attributes and "domain" not in attributes
        assert "Path=/;" in set_cookie + ";" and "SameSite=Strict" in set_cookie
        morsel = resp.cookies["__Host-console_session"]
        async with http.get("/console/api/me", headers=session_header(resp, "__Host-console_session")) as me:
            assert me.status == 200
        # the plain development name means nothing in production (a subdomain could set that one)
        async with http.get("/console/api/me", headers={"Cookie": f"console_session={morsel.value}"}) as me:
            assert me.status == 401


async def test_development_over_http_localhost_keeps_a_plain_cookie() -> None:
    async with serving([AgentConsoleInput(DEV)]) as http:
        resp = await log_in(http, "dev-password", Origin="http://localhost:5005")
        assert resp.status == 200
        morsel = resp.cookies["console_session"]
        assert not morsel["secure"] and morsel["path"] == "/console" and morsel["httponly"]
        # any loopback name of the same port works in development; other ports and hosts do not
        assert (await log_in(http, "dev-password", Origin="http://127.0.0.1:5005")).status == 200
        assert (await log_in(http, "dev-password", Origin="http://localhost:8080")).status == 403


@pytest.mark.parametrize(
    "path", ["/console/", "/console/static/console.js", "/console/static/nope.js", "/console/api/me", "/console/api/x"]
)
async def test_console_responses_carry_the_security_headers(path: str) -> None:
    async with serving([AgentConsoleInput(PROD)], cors="*") as http:
        async with http.get(path, headers={"Origin": EVIL}) as resp:
            csp = resp.headers["Content-Security-Policy"]
            assert "frame-ancestors 'none'" in csp and "script-src 'self'" in csp and "default-src 'none'" in csp
            assert resp.headers["X-Content-Type-Options"] == "nosniff"
            assert resp.headers["X-Frame-Options"] == "DENY"
            if "/api/" in path:
                assert resp.headers["Cache-Control"] == "no-store"
