"""Web origins: which sites may embed the widget (CORS) and which may post to the agent console.

An origin is "scheme://host[:port]" (RFC 6454), lower case, without the default
port. The widget's host pages are listed in BOT_WIDGET_ORIGINS and passed to
Rasa's `--cors`; the console answers no other site at all: its only origin is
the Rasa server's own (BOT_PUBLIC_URL), and a POST from anywhere else is refused.
"""

from __future__ import annotations

import re
from urllib.parse import urlsplit

from bot.security.local_only import is_loopback

_DEFAULT_PORTS = {"http": 80, "https": 443}
# What a browser's Sec-Fetch-Site says for a request made by the console page itself
# ("none": typed into the address bar or opened from a bookmark).
SAME_SITE_FETCHES = frozenset({"same-origin", "none"})


def origin_of(url: str) -> str:
    """The origin of an http(s) URL; a path other than "/", a query or credentials are refused.

    Raises:
        ValueError: not an http(s) URL with a host, or more than an origin (e.g. "https://a.com/page").
    """
    parts = urlsplit(url.strip())
    scheme = parts.scheme.lower()
    if scheme not in _DEFAULT_PORTS or not parts.hostname:
        raise ValueError(f"{url!r} is not an http(s) origin")
    if parts.username or parts.password or parts.query or parts.fragment:
        raise ValueError(f"{url!r}: an origin has no credentials, query or fragment")
    try:
        port = parts.port
    except ValueError:
        raise ValueError(f"{url!r}: bad port") from None
    host = parts.hostname.lower()
    host = f"[{host}]" if ":" in host else host
    return f"{scheme}://{host}" + (f":{port}" if port and port != _DEFAULT_PORTS[scheme] else "")


def _origin_only(url: str) -> str:
    """`origin_of` for a setting that must be an origin and nothing more (no path)."""
    origin = origin_of(url)
    if urlsplit(url.strip()).path not in ("", "/"):
        raise ValueError(f"{url!r} is a page, not an origin (scheme://host[:port])")
    return origin


def parse_widget_origins(spec: str, *, dev_mode: bool) -> tuple[str, ...]:
    """BOT_WIDGET_ORIGINS: origins separated by commas or spaces, each once, in the given order.

    "*" is refused (Rasa would then reflect any site with credentials); outside development
    mode so is plain http to anything but this machine.

    Raises:
        ValueError: a wildcard, a malformed origin, or http in production.
    """
    origins: list[str] = []
    for item in filter(None, re.split(r"[\s,]+", spec.strip())):
        if "*" in item:
            raise ValueError("BOT_WIDGET_ORIGINS lists the widget's host pages; a wildcard is not allowed")
        origin = _origin_only(item)
        if not dev_mode and origin.startswith("http://") and not is_loopback(urlsplit(origin).hostname):
            raise ValueError(f"BOT_WIDGET_ORIGINS: {origin} is plain http; production host pages need https")
        if origin not in origins:
            origins.append(origin)
    return tuple(origins)


def console_origins(public_url: str, *, dev_mode: bool) -> frozenset[str]:
    """Where the console page may be loaded from: the Rasa server's public origin.

    In development mode also the same port on the other loopback names (localhost,
    127.0.0.1, [::1]), so that either address in the browser works.

    Raises:
        ValueError: BOT_PUBLIC_URL is not an http(s) URL.
    """
    origin = origin_of(public_url)
    parts = urlsplit(origin)
    if not dev_mode or not is_loopback(parts.hostname):
        return frozenset({origin})
    port = f":{parts.port}" if parts.port else ""
    return frozenset({origin} | {f"{parts.scheme}://{name}{port}" for name in ("localhost", "127.0.0.1", "[::1]")})


def is_same_origin_request(*, origin: str | None, fetch_site: str | None, allowed: frozenset[str]) -> bool:
    """Whether a state-changing request comes from the console's own pages.

    Browsers send `Origin` with every POST and `Sec-Fetch-Site` with every request;
    a request with either naming another site is refused. A request with neither
    comes from no browser (curl, a script), which carries no agent's cookie by itself.
    """
    if fetch_site is not None and fetch_site.strip().lower() not in SAME_SITE_FETCHES:
        return False
    if origin is None:
        return True
    try:
        return origin_of(origin) in allowed
    except ValueError:  # "null" (sandboxed frames, file:, some redirects) or garbage
        return False
