from datetime import datetime, timezone
from zoneinfo import ZoneInfo

import pytest

from bot.config import Settings
from bot.handoff.service_hours import parse_service_hours

SHANGHAI = ZoneInfo("Asia/Shanghai")


def at(hour: int, minute: int = 0, second: int = 0, tz: ZoneInfo = SHANGHAI) -> datetime:
    return datetime(2026, 11, 23, hour, minute, second, tzinfo=tz)


@pytest.mark.parametrize(
    ("moment", "open_"),
    [
        (at(8, 59, 59), False),
        (at(9, 0), True),  # the start minute is inside
        (at(12, 30), True),
        (at(20, 59, 59), True),
        (at(21, 0), False),  # the end minute is not
        (at(23, 30), False),
        (at(0, 0), False),
    ],
)
def test_daytime_window_boundaries(moment: datetime, open_: bool) -> None:
    assert parse_service_hours("09:00-21:00", "Asia/Shanghai").is_open(moment) is open_


def test_the_window_is_in_the_business_timezone_not_the_servers() -> None:
    hours = parse_service_hours("09:00-21:00", "Asia/Shanghai")
    assert hours.is_open(datetime(2026, 11, 23, 1, 0, tzinfo=timezone.utc))  # 09:00 in Shanghai
    assert not hours.is_open(datetime(2026, 11, 23, 13, 0, tzinfo=timezone.utc))  # 21:00 in Shanghai
    assert not hours.is_open(datetime(2026, 11, 23, 0, 59, tzinfo=timezone.utc))  # 08:59 in Shanghai


def test_overnight_window_and_round_the_clock() -> None:
    night = parse_service_hours("22:00-06:00", "Asia/Shanghai")
    assert night.is_open(at(23)) and night.is_open(at(5, 59)) and not night.is_open(at(6)) and not night.is_open(at(12))
    always = parse_service_hours("00:00-24:00", "Asia/Shanghai")
    assert always.is_open(at(3)) and always.is_open(at(23, 59))


def test_naive_datetimes_are_refused() -> None:
    with pytest.raises(ValueError):
        parse_service_hours("09:00-21:00", "Asia/Shanghai").is_open(datetime(2026, 11, 23, 10))


@pytest.mark.parametrize("spec", ["", "9-21", "09:00", "25:00-26:00", "09:60-21:00", "早上九点到晚上九点"])
def test_malformed_hours_are_refused(spec: str) -> None:
    with pytest.raises(ValueError):
        parse_service_hours(spec, "Asia/Shanghai")


def test_settings_read_service_hours_from_the_environment() -> None:
    settings = Settings.from_env({"BOT_SERVICE_HOURS": "08:30-20:00", "BOT_TIMEZONE": "Asia/Shanghai"})
    assert settings.hours().label() == "08:30-20:00"
    assert Settings.from_env({}).hours().label() == "09:00-21:00"
