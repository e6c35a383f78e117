import jwt
import pytest

from bot import cli
from bot.config import DEFAULT_JWT_AUDIENCE, DEFAULT_JWT_ISSUER, DEV_JWT_SECRET
from bot.security.tokens import verify_token


def test_development_mints_a_token_for_a_demo_customer(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("BOT_DEV_MODE", "true")
    monkeypatch.delenv("BOT_JWT_SECRET", raising=False)
    monkeypatch.delenv("BOT_JWT_ISSUER", raising=False)
    monkeypatch.delenv("BOT_JWT_AUDIENCE", raising=False)
    assert cli.main(["token", "demo_overdue"]) == 0
    token = capsys.readouterr().out.strip()
    verified = verify_token(token, secret=DEV_JWT_SECRET, issuer=DEFAULT_JWT_ISSUER, audience=DEFAULT_JWT_AUDIENCE)
    assert verified.customer_id == "demo_overdue"


def test_development_tokens_carry_the_configured_audience_and_never_outlive_the_maximum(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("BOT_DEV_MODE", "true")
    monkeypatch.setenv("BOT_JWT_AUDIENCE", "my-assistant")
    monkeypatch.setenv("BOT_JWT_MAX_LIFETIME_SECONDS", "600")
    assert cli.main(["token", "demo_overdue", "--minutes", "1440"]) == 0
    claims = jwt.decode(capsys.readouterr().out.strip(), options={"verify_signature": False})
    assert claims["aud"] == "my-assistant" and claims["exp"] - claims["iat"] == 600


def test_production_refuses_to_mint(monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setenv("BOT_DEV_MODE", "false")
    monkeypatch.setenv("BOT_JWT_SECRET", "k" * 40)
    assert cli.main(["token", "demo_overdue"]) == 1
    assert capsys.readouterr().out == ""


def test_malformed_customer(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("BOT_DEV_MODE", "true")
    assert cli.main(["token", "a b"]) == 1
