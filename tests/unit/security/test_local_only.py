import pytest

from bot.security.local_only import is_local_client, is_loopback


@pytest.mark.parametrize(
    "host", ["127.0.0.1", "127.9.8.7", "localhost", "LOCALHOST", "::1", "[::1]", "::ffff:127.0.0.1"]
)
def test_loopback_addresses(host: str) -> None:
    assert is_loopback(host)


@pytest.mark.parametrize(
    "host",
    ["0.0.0.0", "::", "", None, "10.0.0.5", "192.168.1.2", "example.com", "localhost.evil.com", "::ffff:8.8.8.8"],
)
def test_addresses_other_machines_can_reach(host: str | None) -> None:
    assert not is_loopback(host)


def test_a_local_client_is_a_loopback_peer_without_proxy_headers() -> None:
    assert is_local_client("127.0.0.1", {})
    assert not is_local_client("203.0.113.9", {})
    assert not is_local_client("127.0.0.1", {"x-forwarded-for": "203.0.113.9"})  # a local proxy forwarding others
    assert not is_local_client("127.0.0.1", {"forwarded": "for=203.0.113.9"})
    assert not is_local_client(None, {})
