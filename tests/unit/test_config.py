from datetime import timedelta

import pytest

from bot.config import DEV_JWT_SECRET, ConfigError, Settings, parse_flag


@pytest.mark.parametrize("value", ["1", "true", "TRUE", "True", "yes", "on", " On "])
def test_flag_on(value: str) -> None:
    assert parse_flag(value) is True
    assert Settings.from_env({"BOT_DEV_MODE": value}).dev_mode is True


@pytest.mark.parametrize("value", [None, "", "0", "false", "no", "off", "OFF"])
def test_flag_off(value: str | None) -> None:
    assert parse_flag(value) is False


@pytest.mark.parametrize("value", ["ture", "enabled", "2", "y"])
def test_a_flag_that_is_neither_stops_the_start(value: str) -> None:
    with pytest.raises(ConfigError, match="BOT_DEV_MODE"):
        Settings.from_env({"BOT_DEV_MODE": value})


def test_the_public_development_secret_is_refused_outside_development_mode() -> None:
    with pytest.raises(ConfigError, match="development secret"):
        Settings.from_env({"BOT_JWT_SECRET": DEV_JWT_SECRET})
    with pytest.raises(ConfigError):
        Settings(dev_mode=False, jwt_secret=DEV_JWT_SECRET)
    assert Settings.from_env({"BOT_DEV_MODE": "true", "BOT_JWT_SECRET": DEV_JWT_SECRET}).jwt_secret == DEV_JWT_SECRET


def test_development_mode_refuses_a_public_bind() -> None:
    dev, prod = Settings(dev_mode=True), Settings(dev_mode=False)
    with pytest.raises(ConfigError, match="0.0.0.0"):
        dev.require_loopback_bind("0.0.0.0", "Rasa server")
    with pytest.raises(ConfigError):
        dev.require_loopback_bind("", "Rasa server")  # unknown: refused
    dev.require_loopback_bind("127.0.0.1", "Rasa server")
    prod.require_loopback_bind("0.0.0.0", "Rasa server")  # production binds anywhere


def test_widget_origins_default_to_the_demo_page_in_development_and_to_none_in_production() -> None:
    assert Settings.from_env({"BOT_DEV_MODE": "true"}).widget_origins == ("http://localhost:5005",)
    dev = Settings.from_env({"BOT_DEV_MODE": "true", "BOT_PUBLIC_URL": "http://localhost:15007"})
    assert dev.widget_origins == ("http://localhost:15007",)
    assert Settings.from_env({}).widget_origins == ()
    listed = Settings.from_env({"BOT_WIDGET_ORIGINS": "https://www.example.com,https://m.example.com"})
    assert listed.widget_origins == ("https://www.example.com", "https://m.example.com")


@pytest.mark.parametrize("spec", ["*", "https://*.example.com", "http://www.example.com", "https://a.com/page"])
def test_widget_origins_that_would_open_cors_stop_the_start(spec: str) -> None:
    with pytest.raises(ConfigError):
        Settings.from_env({"BOT_WIDGET_ORIGINS": spec})


def test_console_login_throttling_settings() -> None:
    default = Settings.from_env({})
    assert (default.console_login_max_failures, default.console_address_max_failures) == (5, 20)
    assert (default.console_failure_window_seconds, default.console_lockout_seconds) == (900, 900)
    tuned = Settings.from_env(
        {
            "BOT_CONSOLE_LOGIN_MAX_FAILURES": "3",
            "BOT_CONSOLE_ADDRESS_MAX_FAILURES": "50",
            "BOT_CONSOLE_FAILURE_WINDOW_SECONDS": "600",
            "BOT_CONSOLE_LOCKOUT_SECONDS": "1800",
        }
    )
    assert (tuned.console_login_max_failures, tuned.console_address_max_failures) == (3, 50)
    assert (tuned.console_failure_window_seconds, tuned.console_lockout_seconds) == (600, 1800)


@pytest.mark.parametrize("value", ["0", "-1", "five", "1.5"])
def test_throttling_that_never_limits_stops_the_start(value: str) -> None:
    with pytest.raises(ConfigError, match="BOT_CONSOLE_LOGIN_MAX_FAILURES"):
        Settings.from_env({"BOT_CONSOLE_LOGIN_MAX_FAILURES": value})


def test_token_audience_and_maximum_lifetime() -> None:
    defaults = Settings.from_env({})
    assert (defaults.jwt_audience, defaults.jwt_max_lifetime) == ("credit-assistant-chat", timedelta(hours=24))
    custom = Settings.from_env({"BOT_JWT_AUDIENCE": "chat.example", "BOT_JWT_MAX_LIFETIME_SECONDS": "3600"})
    assert (custom.jwt_audience, custom.jwt_max_lifetime) == ("chat.example", timedelta(hours=1))
    with pytest.raises(ConfigError, match="BOT_JWT_MAX_LIFETIME_SECONDS"):
        Settings.from_env({"BOT_JWT_MAX_LIFETIME_SECONDS": "0"})
