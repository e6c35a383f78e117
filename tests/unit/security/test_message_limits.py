import pytest

from bot.config import DEFAULT_MAX_REQUEST_BYTES, ConfigError, Settings
from bot.security.message_limits import (
    MAX_MESSAGE_CHARS,
    MessageGate,
    Rate,
    RateLimiter,
    blank,
    clean_text,
    too_long,
)


class Clock:
    """Seconds on a fake monotonic clock."""

    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_a_full_bucket_lets_a_burst_through_then_refuses() -> None:
    clock = Clock()
    limiter = RateLimiter(Rate(3, 60), clock)
    assert [limiter.allow("demo_balance") for _ in range(4)] == [True, True, True, False]
    assert limiter.allow("demo_clean")  # another sender has a bucket of its own


def test_the_bucket_refills_with_time() -> None:
    clock = Clock()
    limiter = RateLimiter(Rate(3, 60), clock)  # one token every 20 seconds
    for _ in range(3):
        limiter.allow("a")
    clock.now += 19
    assert not limiter.allow("a")
    clock.now += 2  # 21 s since the bucket emptied; the refused try cost nothing
    assert limiter.allow("a")
    assert not limiter.allow("a")
    clock.now += 3600  # refills up to the burst, not beyond
    assert [limiter.allow("a") for _ in range(4)] == [True, True, True, False]


def test_a_clock_going_backwards_never_adds_tokens() -> None:
    clock = Clock()
    limiter = RateLimiter(Rate(1, 60), clock)
    assert limiter.allow("a")
    clock.now -= 500
    assert not limiter.allow("a")


def test_no_rate_means_no_limit() -> None:
    limiter = RateLimiter(None, Clock())
    assert all(limiter.allow("a") for _ in range(10_000))
    assert len(limiter) == 0  # nothing remembered


def test_memory_is_bounded_by_forgetting_the_least_recently_used() -> None:
    clock = Clock()
    limiter = RateLimiter(Rate(1, 60), clock, max_keys=100)
    assert limiter.allow("victim") and not limiter.allow("victim")
    for i in range(1_000):
        limiter.allow(f"sender-{i}")
    assert len(limiter) == 100


@pytest.mark.parametrize(
    ("text", "rate"),
    [("20/60", Rate(20, 60)), (" 5 / 1.5 ", Rate(5, 1.5)), ("off", None), ("0", None), ("", None)],
)
def test_rates_are_written_messages_per_seconds(text: str, rate: Rate | None) -> None:
    assert Rate.parse(text) == rate


@pytest.mark.parametrize("text", ["20", "20/0", "-1/60", "fast", "20/60s", "0/60"])
def test_malformed_rates_are_refused(text: str) -> None:
    with pytest.raises(ValueError):
        Rate.parse(text)


def test_settings_read_the_limits_from_the_environment() -> None:
    settings = Settings.from_env(
        {"BOT_RATE_LIMIT_SENDER": "5/10", "BOT_RATE_LIMIT_IP": "off", "BOT_MAX_REQUEST_BYTES": "4096"}
    )
    assert settings.rates() == (Rate(5, 10), None)
    assert settings.max_request_bytes == 4096
    defaults = Settings.from_env({})
    assert defaults.rates() == (Rate(20, 60), Rate(300, 60))
    assert defaults.max_request_bytes == DEFAULT_MAX_REQUEST_BYTES
    with pytest.raises(ConfigError):
        Settings.from_env({"BOT_RATE_LIMIT_IP": "lots"}).rates()


def test_the_length_limit() -> None:
    assert not too_long("一" * MAX_MESSAGE_CHARS)
    assert too_long("一" * MAX_MESSAGE_CHARS + "天")
    assert too_long("一" * 100_000)


def test_the_gate_checks_the_address_then_the_sender_then_the_length() -> None:
    clock = Clock()
    gate = MessageGate.build(sender_rate=Rate(2, 60), ip_rate=Rate(3, 60), clock=clock)
    assert gate.admit_client("10.0.0.1") is None
    assert gate.admit_message("demo_balance", "一" * 5_000) == "too_long"  # counts against the sender too
    assert gate.admit_message("demo_balance", "借呗能注销吗") is None
    assert gate.admit_message("demo_balance", "借呗能注销吗") == "rate_limited"
    assert gate.admit_message("demo_clean", "借呗能注销吗") is None  # one sender's flood is not another's problem
    assert [gate.admit_client("10.0.0.1") for _ in range(3)] == [None, None, "rate_limited"]
    assert gate.admit_client("10.0.0.2") is None
    assert gate.admit_client(None) is None  # no address known (a test client): only the sender limit applies


def test_clean_text_keeps_what_people_type_and_drops_what_breaks_storage() -> None:
    assert clean_text("借呗能注销吗？😀\n第二行\t") == "借呗能注销吗？😀\n第二行\t"
    # a lone surrogate (JSON "\ud800") cannot be encoded: it becomes U+FFFD, one character for one
    assert clean_text("借\ud800呗\udfff") == "借\ufffd呗\ufffd"
    # NUL breaks PostgreSQL text, other controls and bidirectional overrides only hide or reorder text
    assert clean_text("a\x00b\x1bc\x7fd\x85e\u202ef\u2066g") == "abcdefg"


@pytest.mark.parametrize("text", ["", " ", "\n\t", "\u3000\u00a0", "\u200b\ufeff\u200d"])
def test_messages_with_nothing_to_read_are_blank(text: str) -> None:
    assert blank(text)
    assert MessageGate.build(sender_rate=None, ip_rate=None).admit_message("demo_balance", text) == "blank"


@pytest.mark.parametrize("text", ["a", "一", "😀", "\ufffd", "1"])
def test_anything_visible_is_not_blank(text: str) -> None:
    assert not blank(text)
