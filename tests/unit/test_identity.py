import pytest

from bot.config import Settings
from bot.identity import customer_id_for

DEV = Settings(dev_mode=True)
PROD = Settings(dev_mode=False)


def test_development_mode_takes_the_sender_id_as_customer() -> None:
    assert customer_id_for("demo_balance", DEV) == "demo_balance"


@pytest.mark.parametrize("sender", ["", None, "a b", "x" * 65, "demo'; DROP TABLE customers;--", "花呗", "../etc"])
def test_malformed_sender_ids_are_refused(sender) -> None:  # type: ignore[no-untyped-def]
    assert customer_id_for(sender, DEV) is None


def test_production_never_trusts_the_sender_id() -> None:
    assert customer_id_for("demo_balance", PROD) is None


def test_settings_from_env() -> None:
    s = Settings.from_env({"DATABASE_URL": "postgresql:///x", "BOT_DEV_MODE": "True", "BOT_TIMEZONE": "UTC"})
    assert (s.database_url, s.dev_mode, s.timezone) == ("postgresql:///x", True, "UTC")
    default = Settings.from_env({})
    assert default.database_url.startswith("sqlite:///") and default.database_url.endswith("var/bot.db")
    assert default.dev_mode is False
