from datetime import timedelta

import pytest

from bot.config import Settings
from bot.security.identity import VERIFIED_CUSTOMER
from bot.security.tokens import TokenError, TokenProblem, mint_token
from channels.auth import bearer_token, identify, polite_text
from tests.rendering import domain

SECRET = "k" * 40
PROD = Settings(dev_mode=False, jwt_secret=SECRET, jwt_issuer="platform", jwt_audience="assistant")
DEV = Settings(dev_mode=True, jwt_secret=SECRET, jwt_issuer="platform", jwt_audience="assistant")


def token_for(customer: str, ttl: timedelta = timedelta(minutes=5), audience: str = "assistant") -> str:
    return mint_token(customer, secret=SECRET, issuer="platform", audience=audience, ttl=ttl)


@pytest.mark.parametrize("settings", [PROD, DEV])
def test_the_token_decides_the_conversation_not_the_client(settings: Settings) -> None:
    who = identify(token_for("demo_balance"), "demo_overdue", settings)
    assert who.sender_id == "demo_balance"
    assert who.metadata({VERIFIED_CUSTOMER: "demo_overdue", "customer_id": "demo_overdue"}) == {
        VERIFIED_CUSTOMER: "demo_balance"
    }


def test_production_needs_a_token_whatever_the_client_says() -> None:
    with pytest.raises(TokenError) as err:
        identify(None, "demo_balance", PROD)
    assert err.value.kind == "missing"


def test_production_refuses_expired_and_forged_tokens() -> None:
    with pytest.raises(TokenError) as err:
        identify(token_for("demo_balance", ttl=timedelta(minutes=-5)), None, PROD)
    assert err.value.kind == "expired"
    forged = mint_token("demo_balance", secret="x" * 40, issuer="platform", audience="assistant")
    with pytest.raises(TokenError) as err:
        identify(forged, None, PROD)
    assert err.value.kind == "invalid"


@pytest.mark.parametrize("settings", [PROD, DEV])
def test_the_channels_check_audience_and_lifetime_from_the_settings(settings: Settings) -> None:
    for token in (token_for("demo_balance", audience="another-service"), token_for("demo_balance", timedelta(days=2))):
        with pytest.raises(TokenError) as err:
            identify(token, None, settings)
        assert err.value.kind == "invalid"


def test_development_without_a_token_keeps_the_chosen_sender_but_never_a_claimed_customer() -> None:
    who = identify(None, "demo_clean", DEV)
    assert who.sender_id == "demo_clean" and who.verified is None
    assert who.metadata({VERIFIED_CUSTOMER: "demo_overdue"}) == {}
    with pytest.raises(TokenError):
        identify("garbage", "demo_clean", DEV)  # a bad token is never downgraded to no token


def test_only_the_display_text_survives_from_client_metadata() -> None:
    who = identify(token_for("demo_balance"), None, PROD)
    assert who.metadata({"display_text": "借呗" * 200, "x": 1}) == {
        "display_text": ("借呗" * 200)[:200],
        VERIFIED_CUSTOMER: "demo_balance",
    }


@pytest.mark.parametrize(
    "header, token",
    [
        ("Bearer abc", "abc"),
        ("bearer abc ", "abc"),
        ("Basic abc", None),
        ("Bearer ", None),
        (None, None),
        ("abc", None),
    ],
)
def test_bearer_header(header: str | None, token: str | None) -> None:
    assert bearer_token(header) == token


class _Domain:
    def __init__(self) -> None:
        self.responses = domain()["responses"]


class _App:
    class ctx:  # noqa: N801 - the shape of Sanic's app.ctx
        class agent:  # noqa: N801
            domain = _Domain()


@pytest.mark.parametrize("kind", ["missing", "expired", "invalid"])
def test_refusals_use_the_domain_wording(kind: TokenProblem) -> None:
    text = polite_text(_App, kind)
    assert text and "登录" in text
    assert polite_text(object(), kind) == text  # no model loaded: the repository's domain.yml
