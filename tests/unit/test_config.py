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
