import pytest

from bot.config import DEV_JWT_SECRET, ConfigError, Settings
from bot.security.identity import VERIFIED_CUSTOMER, customer_id_for

DEV = Settings(dev_mode=True)
PROD = Settings(dev_mode=False)


def test_development_mode_takes_the_sender_id_as_customer() -> None:
    assert customer_id_for("demo_balance", DEV) == "demo_balance"


@pytest.mark.parametrize("sender", ["", None, "a b", "x" * 65, "demo'; DROP TABLE customers;--", "花呗", "../etc"])
def test_malformed_sender_ids_are_refused(sender) -> None:
    assert customer_id_for(sender, DEV) is None


def test_production_never_trusts_the_sender_id() -> None:
    assert customer_id_for("demo_balance", PROD) is None


def test_settings_from_env() -> None:
    s = Settings.from_env({"DATABASE_URL": "postgresql:///x", "BOT_DEV_MODE": "True", "BOT_TIMEZONE": "UTC"})
    assert (s.database_url, s.dev_mode, s.timezone) == ("postgresql:///x", True, "UTC")
    default = Settings.from_env({})
    assert default.database_url.startswith("sqlite:///") and default.database_url.endswith("var/bot.db")
    assert default.dev_mode is False


def test_production_trusts_the_customer_the_channel_verified() -> None:
    assert customer_id_for("demo_balance", PROD, {VERIFIED_CUSTOMER: "demo_balance"}) == "demo_balance"


@pytest.mark.parametrize("settings", [DEV, PROD])
def test_a_verified_customer_that_is_not_the_conversation_owner_gets_nothing(settings: Settings) -> None:
    # the channel makes the sender id the verified customer; a mismatch means the
    # tracker did not come from it (or was tampered with): neither id is trusted
    assert customer_id_for("demo_overdue", settings, {VERIFIED_CUSTOMER: "demo_balance"}) is None


def test_production_ignores_other_metadata() -> None:
    assert customer_id_for("demo_balance", PROD, {"customer_id": "demo_balance", "sender": "demo_balance"}) is None


def test_token_settings_from_env() -> None:
    prod = Settings.from_env({"BOT_JWT_SECRET": "k" * 32, "BOT_JWT_ISSUER": "platform", "BOT_ACTION_SECRET": "a" * 32})
    assert (prod.jwt_secret, prod.jwt_issuer, prod.action_secret) == ("k" * 32, "platform", "a" * 32)
    assert Settings.from_env({}).jwt_secret == ""  # production never falls back to a known secret
    assert Settings.from_env({"BOT_DEV_MODE": "true"}).jwt_secret == DEV_JWT_SECRET


@pytest.mark.parametrize("secret", ["", "short"])
def test_production_refuses_to_start_without_a_strong_token_secret(secret: str) -> None:
    with pytest.raises(ConfigError):
        Settings(dev_mode=False, jwt_secret=secret).require_channel_secrets()
    Settings(dev_mode=False, jwt_secret="k" * 32).require_channel_secrets()


def test_the_action_server_needs_its_secret() -> None:
    with pytest.raises(ConfigError):
        Settings(dev_mode=True, action_secret="").require_action_secret()
    with pytest.raises(ConfigError):
        Settings(dev_mode=False, action_secret="short").require_action_secret()
    Settings(dev_mode=True, action_secret="dev").require_action_secret()
