import pytest

from bot.security.origins import console_origins, is_same_origin_request, origin_of, parse_widget_origins


@pytest.mark.parametrize(
    ("url", "origin"),
    [
        ("https://Assistant.Example.com", "https://assistant.example.com"),
        ("https://assistant.example.com:443/", "https://assistant.example.com"),
        ("http://localhost:5005/console/", "http://localhost:5005"),
        ("http://[::1]:5005", "http://[::1]:5005"),
        ("https://a.example.com:8443", "https://a.example.com:8443"),
    ],
)
def test_origin_of(url: str, origin: str) -> None:
    assert origin_of(url) == origin


@pytest.mark.parametrize(
    "url", ["", "null", "ftp://a.com", "https://", "https://u:p@a.com", "https://a.com?x", "a.com"]
)
def test_not_an_origin(url: str) -> None:
    with pytest.raises(ValueError):
        origin_of(url)


def test_widget_origins_are_listed_pages_never_a_wildcard() -> None:
    spec = "https://www.example.com, https://m.example.com:8443/ https://www.example.com"
    assert parse_widget_origins(spec, dev_mode=False) == ("https://www.example.com", "https://m.example.com:8443")
    assert parse_widget_origins("", dev_mode=False) == ()
    for bad in ("*", "https://*.example.com", "https://www.example.com/chat", "www.example.com"):
        with pytest.raises(ValueError):
            parse_widget_origins(bad, dev_mode=True)
    with pytest.raises(ValueError, match="https"):
        parse_widget_origins("http://www.example.com", dev_mode=False)
    assert parse_widget_origins("http://localhost:8000", dev_mode=False) == ("http://localhost:8000",)
    assert parse_widget_origins("http://www.example.test", dev_mode=True) == ("http://www.example.test",)


def test_the_console_has_one_origin_in_production_and_every_loopback_name_in_development() -> None:
    assert console_origins("https://assistant.example.com/", dev_mode=False) == {"https://assistant.example.com"}
    assert console_origins("http://localhost:5005", dev_mode=True) == {
        "http://localhost:5005",
        "http://127.0.0.1:5005",
        "http://[::1]:5005",
    }
    assert console_origins("http://localhost:5005", dev_mode=False) == {"http://localhost:5005"}


ALLOWED = frozenset({"https://assistant.example.com"})


@pytest.mark.parametrize(
    ("origin", "fetch_site", "same"),
    [
        ("https://assistant.example.com", "same-origin", True),
        ("https://ASSISTANT.example.com:443", None, True),
        (None, None, True),  # no browser: curl or a script, which has no agent's cookie
        (None, "none", True),
        ("https://attacker.example.com", None, False),  # a sibling subdomain: same site, other origin
        ("http://assistant.example.com", None, False),  # downgraded scheme
        ("null", None, False),
        ("garbage", None, False),
        (None, "same-site", False),
        (None, "cross-site", False),
        ("https://assistant.example.com", "cross-site", False),
    ],
)
def test_same_origin_requests(origin: str | None, fetch_site: str | None, same: bool) -> None:
    assert is_same_origin_request(origin=origin, fetch_site=fetch_site, allowed=ALLOWED) is same
