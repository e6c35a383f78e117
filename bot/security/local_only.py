"""Development mode stays on this machine: loopback binds and loopback clients only.

With BOT_DEV_MODE on, a request may choose its customer, tokens are minted for
anyone (signed with a public secret) and Rasa's HTTP API is open. That is
acceptable only when nobody but the developer can reach the servers, so the
servers refuse to start in development mode unless they listen on a loopback
address (`Settings.require_loopback_bind`), and the development token routes answer only loopback clients that
did not come through a proxy.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Mapping

# Headers a reverse proxy adds: behind one, the peer address is the proxy's, not the client's.
FORWARDING_HEADERS = ("forwarded", "x-forwarded-for", "x-real-ip")


def is_loopback(host: str | None) -> bool:
    """Whether `host` (a bind address or a client address) is this machine only.

    "localhost", 127.0.0.0/8, ::1 and IPv4-mapped loopback (::ffff:127.0.0.1) are;
    0.0.0.0, ::, "" (unknown) and every other name or address are not.
    """
    name = (host or "").strip().lower()
    if name.startswith("[") and name.endswith("]"):
        name = name[1:-1]
    if name == "localhost":
        return True
    try:
        address = ipaddress.ip_address(name.split("%", 1)[0])
    except ValueError:
        return False
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        return address.ipv4_mapped.is_loopback
    return address.is_loopback


def is_local_client(peer: str | None, headers: Mapping[str, str]) -> bool:
    """Whether a request comes from this machine directly (a loopback peer and no proxy headers)."""
    return is_loopback(peer) and not any(headers.get(name) for name in FORWARDING_HEADERS)
